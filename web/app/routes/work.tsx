import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useRef } from 'react';
import { useRowKeys } from '~/components/row-keys';
import { CONSOLE_POLICY, isAllowed } from '../../../shared/auth/policy';
import { BadRequestError } from '../../../shared/errors';
import { claimTask } from '../../../shared/tasks/claim-task';
import { getTaskCounts } from '../../../shared/tasks/get-task-counts';
import { listTasks } from '../../../shared/tasks/list-tasks';
import { teamOfRole } from '../../../shared/tasks/schema';
import { PostForm } from '~/components/post-form';
import { Alert, DateTime, Notice, OverdueTag, SubmitButton } from '~/components/ui';
import { loadOrThrow } from '~/lib/action-error.server';
import { priorityLabel } from '~/lib/labels';
import { recordId, session } from '~/lib/session.server';
import { BULK_OUTCOME_LABEL, labelKeys, TEAM_LABEL, taskStatusLabel, taskTypeLabel, VIEW_LABEL } from '~/lib/task-labels';
import {
  defaultTeam,
  endOfLocalDay,
  parseWorkSearch,
  requestTimeZone,
  runBulkReassign,
  taskFormError,
  teamStaff,
  toTaskRow,
  type WorkSearch,
  ZWorkSearch,
} from '~/lib/tasks.server';

export const meta: MetaFunction = () => [{ title: 'Work · Sidecar' }];

const VIEWS = labelKeys(VIEW_LABEL);
const TEAMS = labelKeys(TEAM_LABEL);

/** The query string of a work list (view, team, owner filter; never PHI). */
function workQuery(search: Pick<WorkSearch, 'view' | 'ownership'> & { team: string; cursor?: string | undefined }): string {
  const p = new URLSearchParams({ view: search.view });
  if (search.view !== 'mine') p.set('team', search.team);
  if (search.view === 'team' && search.ownership !== 'any') p.set('ownership', search.ownership);
  if (search.cursor) p.set('cursor', search.cursor);
  return p.toString();
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx, actor, audit } = session(context);
  const url = new URL(request.url);
  const search = await loadOrThrow(async () => parseWorkSearch(url.searchParams));
  const team = search.team ?? defaultTeam(actor);
  const dueBefore = endOfLocalDay(ctx.clock.now(), requestTimeZone(request));
  const [page, counts] = await loadOrThrow(() =>
    Promise.all([
      listTasks(ctx, {
        actor,
        input: {
          view: search.view,
          team,
          ownership: search.view === 'team' ? search.ownership : 'any',
          dueBefore,
          ...(search.cursor ? { cursor: search.cursor } : {}),
          limit: 25,
        },
      }),
      getTaskCounts(ctx, { actor, input: { team, dueBefore } }),
    ]),
  );
  audit.add('list', ...page.rows.map((r) => ({ resourceType: 'Task' as const, resourceId: r.task.id, patientId: r.task.patientId })));
  const canAct = isAllowed(CONSOLE_POLICY, 'POST', '/work', actor.role);
  // Only the team's own members change its tasks (the use-cases refuse others with a 403).
  const onTeam = canAct && teamOfRole(actor.role) === team;
  const canBulk = onTeam && search.view !== 'mine';
  return json({
    search: { ...search, team },
    rows: page.rows.map(toTaskRow),
    nextCursor: page.nextCursor,
    counts,
    canClaim: onTeam,
    canBulk,
    staff: canBulk ? await teamStaff(ctx, team) : [],
    me: actor.id,
    done: url.searchParams.get('done') === 'claim' ? 'You claimed the task; it is in My work.' : undefined,
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx, actor, audit } = session(context);
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  const parsed = ZWorkSearch.safeParse(Object.fromEntries(['view', 'team', 'ownership'].flatMap((k) => (form.get(k) ? [[k, form.get(k)]] : []))));
  const back = parsed.success ? workQuery({ ...parsed.data, team: parsed.data.team ?? defaultTeam(actor) }) : '';
  if (intent === 'claim') {
    try {
      const id = recordId(String(form.get('taskId') ?? ''), 'Task');
      const version = Number(form.get('version'));
      const task = await claimTask(ctx, { actor, id, ...(Number.isInteger(version) && version > 0 ? { version } : {}) });
      audit.add('claim', { resourceType: 'Task', resourceId: task.id, patientId: task.patientId });
    } catch (error) {
      if (error instanceof Response) throw error;
      return taskFormError('claim', error);
    }
    return redirect(`/work?${back}${back ? '&' : ''}done=claim`);
  }
  if (intent === 'reassign') {
    try {
      const results = await runBulkReassign(ctx, actor, form);
      audit.add('assign', ...results.flatMap((r) => (r.outcome === 'reassigned' && r.task ? [{ resourceType: 'Task' as const, resourceId: r.task.id, patientId: r.task.patientId }] : [])));
      return json({ ok: true as const, intent, results: results.map((r) => ({ id: r.id, outcome: r.outcome, message: r.message, title: r.task?.title })) });
    } catch (error) {
      return taskFormError('reassign', error);
    }
  }
  return taskFormError(intent, new BadRequestError('Unknown action'));
}

export default function WorkPage() {
  const { search, rows, nextCursor, counts, canClaim, canBulk, staff, me, done } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const table = useRef<HTMLTableElement>(null);
  useRowKeys(table);

  const here = { view: search.view, team: search.team, ownership: search.ownership };
  const failed = result && !result.ok ? result : undefined;
  const outcomes = result && result.ok ? result.results : undefined;
  const rowName = (o: { id: string; title?: string | undefined }) => {
    const row = rows.find((r) => r.id === o.id);
    return row ? `${row.title} — ${row.patientName ?? 'patient details pending'}` : (o.title ?? 'Task');
  };
  const countText = (view: (typeof VIEWS)[number]) => `${counts.views[view]}${counts.capped.includes(view) ? '+' : ''}`;
  const colSpan = canBulk ? 8 : 7;
  const hidden = (
    <>
      <input type="hidden" name="view" value={search.view} />
      <input type="hidden" name="team" value={search.team} />
      <input type="hidden" name="ownership" value={search.ownership} />
    </>
  );

  return (
    <>
      <div className="page-title">
        <h1>Work</h1>
      </div>
      {done && !result ? <Notice>{done}</Notice> : null}
      {failed ? <Alert id="work-error">{failed.message}</Alert> : null}

      <nav aria-label="Work lists" className="tabs">
        <ul>
          {VIEWS.map((view) => (
            <li key={view}>
              <Link
                to={`/work?${workQuery({ view, team: search.team, ownership: view === 'team' ? search.ownership : 'any' })}`}
                aria-current={view === search.view ? 'page' : undefined}
                data-testid={`tab-${view}`}
              >
                {VIEW_LABEL[view]} <span className="count">({countText(view)})</span>
              </Link>
            </li>
          ))}
        </ul>
      </nav>

      {search.view !== 'mine' ? (
        // key: switching views resets the uncontrolled inputs.
        <Form method="get" className="filters" key={workQuery(here)} aria-labelledby="filters-title">
          <h2 id="filters-title" className="visually-hidden">
            Filters
          </h2>
          <input type="hidden" name="view" value={search.view} />
          <div className="filter-row">
            <label>
              Team
              <select name="team" defaultValue={search.team}>
                {TEAMS.map((t) => (
                  <option key={t} value={t}>
                    {TEAM_LABEL[t]}
                  </option>
                ))}
              </select>
            </label>
            {search.view === 'team' ? (
              <label>
                Owner
                <select name="ownership" defaultValue={search.ownership}>
                  <option value="any">Anyone or nobody</option>
                  <option value="unowned">Unowned ({counts.unowned})</option>
                  <option value="owned">Owned</option>
                </select>
              </label>
            ) : null}
          </div>
          <div className="form-actions">
            <button type="submit">Show</button>
          </div>
        </Form>
      ) : null}

      {outcomes ? (
        <section aria-labelledby="outcomes-title" className="panel" data-testid="reassign-outcomes">
          <h2 id="outcomes-title">Reassignment results</h2>
          <ul>
            {outcomes.map((o) => (
              <li key={o.id} data-outcome={o.outcome}>
                {rowName(o)}: <strong>{BULK_OUTCOME_LABEL[o.outcome]}</strong>
                {o.message && o.outcome !== 'reassigned' ? <> ({o.message})</> : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <p className="hint" id="work-keys">
        Tip: press <kbd>j</kbd> and <kbd>k</kbd> to move between tasks, <kbd>Enter</kbd> to open one.
        {search.view === 'due-today' ? ' Due today: due before the end of your day, in your time zone.' : ''}
      </p>
      {/* The bulk form wraps the table so each row's checkbox belongs to it; claim buttons use their own forms via `form=`. */}
      <PostForm id="bulk-form">
        {hidden}
        <div className="table-wrap">
          <table ref={table} className="data-table queue-table" aria-describedby="work-keys">
            <caption>
              {VIEW_LABEL[search.view]}
              {search.view !== 'mine' ? ` — ${TEAM_LABEL[search.team]}` : ''}
            </caption>
            <thead>
              <tr>
                {canBulk ? (
                  <th scope="col">
                    <span className="visually-hidden">Select</span>
                  </th>
                ) : null}
                <th scope="col">Priority</th>
                <th scope="col">Patient</th>
                <th scope="col">Task</th>
                <th scope="col">Status</th>
                <th scope="col">Due</th>
                <th scope="col">Owner</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 ? (
                <tr>
                  <td colSpan={colSpan}>No tasks in this list.</td>
                </tr>
              ) : (
                rows.map((row) => (
                  <tr key={row.id} className={row.overdue ? 'overdue' : undefined} data-testid="task-row" data-task-id={row.id}>
                    {canBulk ? (
                      <td>
                        <input type="checkbox" name="task" value={`${row.id}.${row.version}`} aria-labelledby={`task-${row.id}`} id={`select-${row.id}`} />
                      </td>
                    ) : null}
                    <td>
                      <span className={`tag priority-${row.priority}`}>{priorityLabel(row.priority)}</span>
                    </td>
                    <th scope="row">
                      <Link to={`/patients/${row.patientId}`}>{row.patientName ?? 'Patient details pending'}</Link>
                    </th>
                    <td>
                      <Link to={`/tasks/${row.id}`} className="row-link" id={`task-${row.id}`}>
                        {row.title}
                      </Link>
                      <div className="sub">{taskTypeLabel(row.type)}</div>
                    </td>
                    <td>{taskStatusLabel(row.status)}</td>
                    <td>
                      <DateTime iso={row.dueAt} />
                      {row.overdue ? (
                        <>
                          {' '}
                          <OverdueTag />
                        </>
                      ) : null}
                    </td>
                    <td>{row.owner ?? <span className="muted">Unowned</span>}</td>
                    <td>
                      {canClaim && !row.owner ? (
                        <button type="submit" form={`claim-${row.id}`} aria-describedby={`task-${row.id}`}>
                          Claim
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
        {canBulk && rows.length > 0 ? (
          <fieldset className="bulk">
            <legend>Reassign selected tasks</legend>
            <label>
              Give to
              <select name="ownerId" defaultValue="">
                <option value="">Nobody (back to the team queue)</option>
                {staff.map((u) => (
                  <option key={u.id} value={u.id}>
                    {`${u.name}${u.id === me ? ' (me)' : ''}`}
                  </option>
                ))}
              </select>
            </label>{' '}
            <SubmitButton intent="reassign" value="reassign">
              Reassign selected
            </SubmitButton>
          </fieldset>
        ) : null}
      </PostForm>
      {/* Claim forms live outside the bulk form (forms cannot nest); their buttons point here. */}
      {canClaim
        ? rows
            .filter((row) => !row.owner)
            .map((row) => (
              <PostForm key={row.id} id={`claim-${row.id}`} hidden>
                {hidden}
                <input type="hidden" name="intent" value="claim" />
                <input type="hidden" name="taskId" value={row.id} />
                <input type="hidden" name="version" value={row.version} />
              </PostForm>
            ))
        : null}
      <nav className="pager" aria-label="Work list pages">
        {search.cursor ? <Link to={`/work?${workQuery(here)}`}>First page</Link> : null}
        {nextCursor ? <Link to={`/work?${workQuery({ ...here, cursor: nextCursor })}`}>Next page</Link> : null}
      </nav>
    </>
  );
}
