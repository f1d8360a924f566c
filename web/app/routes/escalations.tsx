import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useRef } from 'react';
import { acknowledgeEscalation, escalationAuditResource } from '../../../shared/sla/escalations';
import { listEscalationRows } from '../../../shared/sla/list-escalation-rows';
import { PostForm } from '~/components/post-form';
import { useRowKeys } from '~/components/row-keys';
import { Alert, DateTime, Notice, SubmitButton } from '~/components/ui';
import { loadOrThrow } from '~/lib/action-error.server';
import {
  defaultEscalationTeam,
  escalationFormError,
  parseAcknowledgeForm,
  parseEscalationSearch,
  toEscalationRow,
} from '~/lib/escalations.server';
import { priorityLabel } from '~/lib/labels';
import { session } from '~/lib/session.server';
import { labelKeys, TEAM_LABEL } from '~/lib/task-labels';

export const meta: MetaFunction = () => [{ title: 'Escalations · Sidecar' }];

const TABS = [
  { status: 'open', label: 'Open' },
  { status: 'acknowledged', label: 'Acknowledged' },
] as const;
const TEAMS = labelKeys(TEAM_LABEL);

/** The page's query string for a tab, team and page (codes and an opaque cursor, never PHI). */
function escalationsQuery(search: { status: string; team: string; cursor?: string | undefined }): string {
  const p = new URLSearchParams({ status: search.status, team: search.team });
  if (search.cursor) p.set('cursor', search.cursor);
  return p.toString();
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx, actor, audit } = session(context);
  const url = new URL(request.url);
  const search = await loadOrThrow(async () => parseEscalationSearch(url.searchParams));
  const team = search.team ?? defaultEscalationTeam(actor);
  const page = await loadOrThrow(() =>
    listEscalationRows(ctx, {
      viewer: actor,
      input: { status: search.status, ...(team === 'all' ? {} : { team }), ...(search.cursor ? { cursor: search.cursor } : {}), limit: 25 },
    }),
  );
  audit.add('list', ...page.rows.map((r) => escalationAuditResource(r.escalation)));
  const now = ctx.clock.now();
  return json({
    search: { ...search, team },
    rows: page.rows.map((r) => toEscalationRow(r, actor, now)),
    nextCursor: page.nextCursor,
    open: page.open,
    done: url.searchParams.get('done') === 'acknowledged' ? 'Escalation acknowledged; it is now in the Acknowledged tab.' : undefined,
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { ctx, actor, audit } = session(context);
  const form = await request.formData();
  let back: string;
  try {
    const input = parseAcknowledgeForm(form);
    const escalation = await acknowledgeEscalation(ctx, { id: input.escalationId, actor, version: input.version });
    audit.add('update', escalationAuditResource(escalation));
    back = escalationsQuery({ status: input.status, team: input.team ?? defaultEscalationTeam(actor) });
  } catch (error) {
    return escalationFormError(error);
  }
  // POST/redirect/GET; the message names the action, never the patient.
  return redirect(`/escalations?${back}&done=acknowledged`);
}

export default function EscalationsPage() {
  const { search, rows, nextCursor, open, done } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const table = useRef<HTMLTableElement>(null);
  useRowKeys(table);
  const acknowledgedTab = search.status === 'acknowledged';
  const tabLabel = TABS.find((t) => t.status === search.status)?.label ?? 'Open';
  const teamText = search.team === 'all' ? 'All teams' : TEAM_LABEL[search.team];

  return (
    <>
      <div className="page-title">
        <h1>
          Escalations{' '}
          <span className="count" data-testid="open-count" data-value={open.count}>
            ({open.count}
            {open.capped ? '+' : ''} open)
          </span>
        </h1>
      </div>
      <p className="hint">SLA breaches raised by the breach sweep: work whose due time passed while its clock ran. Any member of the team leads it for the day.</p>
      {done && !failure ? <Notice>{done}</Notice> : null}
      {failure && !failure.ok ? <Alert id="escalation-error">{failure.message}</Alert> : null}

      <nav aria-label="Escalation lists" className="tabs">
        <ul>
          {TABS.map((tab) => (
            <li key={tab.status}>
              <Link
                to={`/escalations?${escalationsQuery({ status: tab.status, team: search.team })}`}
                aria-current={tab.status === search.status ? 'page' : undefined}
                data-testid={`tab-${tab.status}`}
              >
                {tab.label}
                {tab.status === 'open' ? (
                  <span className="count">
                    {' '}
                    ({open.count}
                    {open.capped ? '+' : ''})
                  </span>
                ) : null}
              </Link>
            </li>
          ))}
        </ul>
      </nav>

      <Form method="get" className="filters" key={escalationsQuery(search)} aria-labelledby="filters-title">
        <h2 id="filters-title" className="visually-hidden">
          Filters
        </h2>
        <input type="hidden" name="status" value={search.status} />
        <div className="filter-row">
          <label>
            Team
            <select name="team" defaultValue={search.team}>
              <option value="all">All teams</option>
              {TEAMS.map((t) => (
                <option key={t} value={t}>
                  {TEAM_LABEL[t]}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div className="form-actions">
          <button type="submit">Show</button>
        </div>
      </Form>

      <p className="hint" id="escalation-keys">
        Tip: press <kbd>j</kbd> and <kbd>k</kbd> to move between escalations, <kbd>Enter</kbd> to open the work.
      </p>
      <div className="table-wrap">
        <table ref={table} className="data-table queue-table" aria-describedby="escalation-keys">
          <caption>
            {tabLabel} escalations — {teamText}
          </caption>
          <thead>
            <tr>
              <th scope="col">Priority</th>
              <th scope="col">Patient</th>
              <th scope="col">Work</th>
              <th scope="col">Team / queue</th>
              <th scope="col">Due</th>
              <th scope="col">Breached</th>
              <th scope="col">{acknowledgedTab ? 'Overdue when acknowledged' : 'Overdue by'}</th>
              <th scope="col">{acknowledgedTab ? 'Acknowledged' : <span className="visually-hidden">Actions</span>}</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={8}>{acknowledgedTab ? 'No acknowledged escalations.' : 'No open escalations. Every clock is within its SLA.'}</td>
              </tr>
            ) : (
              rows.map((row) => (
                <tr key={row.id} className={row.status === 'open' ? 'overdue' : undefined} data-testid="escalation-row" data-escalation-id={row.id} data-item-id={row.itemId}>
                  <td>
                    <span className={`tag priority-${row.priority}`}>{priorityLabel(row.priority)}</span>
                  </td>
                  <th scope="row">
                    <Link to={`/patients/${row.patientId}`}>{row.patientName ?? 'Patient details pending'}</Link>
                  </th>
                  <td>
                    {row.itemHref ? (
                      <Link to={row.itemHref} className="row-link" id={`item-${row.id}`}>
                        {row.itemLabel}
                      </Link>
                    ) : (
                      <span id={`item-${row.id}`}>{row.itemLabel}</span>
                    )}
                    <div className="sub">
                      {row.kind === 'task' ? 'Task' : 'Referral'}
                      {row.itemState ? ` · ${row.itemState}` : ''}
                      {row.itemState ? ` · ${row.owner ?? (row.kind === 'task' ? 'Unowned' : 'Unassigned')}` : ''}
                    </div>
                  </td>
                  <td>{row.teamLabel}</td>
                  <td>
                    <DateTime iso={row.dueAt} />
                  </td>
                  <td>
                    <DateTime iso={row.breachedAt} />
                  </td>
                  <td data-testid="overdue-by">{row.overdue}</td>
                  <td>
                    {row.acknowledgedBy ? (
                      <>
                        {row.acknowledgedBy}
                        <div className="sub">
                          <DateTime iso={row.acknowledgedAt} />
                        </div>
                      </>
                    ) : row.canAcknowledge ? (
                      <PostForm>
                        <input type="hidden" name="escalationId" value={row.id} />
                        <input type="hidden" name="version" value={row.version} />
                        <input type="hidden" name="status" value={search.status} />
                        <input type="hidden" name="team" value={search.team} />
                        <input type="hidden" name="intent" value="acknowledge" />
                        <SubmitButton intent="acknowledge" describedBy={`item-${row.id}`}>
                          Acknowledge
                        </SubmitButton>
                      </PostForm>
                    ) : null}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label="Escalation pages">
        {search.cursor ? <Link to={`/escalations?${escalationsQuery({ status: search.status, team: search.team })}`}>First page</Link> : null}
        {nextCursor ? <Link to={`/escalations?${escalationsQuery({ status: search.status, team: search.team, cursor: nextCursor })}`}>Next page</Link> : null}
      </nav>
    </>
  );
}
