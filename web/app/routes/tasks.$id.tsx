import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import type { ReactNode } from 'react';
import { CONSOLE_POLICY, isAllowed } from '../../../shared/auth/policy';
import { getTask } from '../../../shared/tasks/get-task';
import { getTaskRecord } from '../../../shared/tasks/repository';
import { teamOfRole } from '../../../shared/tasks/schema';
import { PostForm } from '~/components/post-form';
import { Alert, DateTime, FieldError, Notice, OverdueTag, SubmitButton } from '~/components/ui';
import { loadOrThrow } from '~/lib/action-error.server';
import { priorityLabel } from '~/lib/labels';
import { formValues, recordId, session } from '~/lib/session.server';
import {
  ATTEMPT_CHANNEL_LABEL,
  ATTEMPT_OUTCOME_LABEL,
  labelKeys,
  TASK_ACTION_UI,
  type TaskIntent,
  taskDoneMessage,
  taskStatusLabel,
  taskTimelineHeading,
  taskTypeLabel,
  TEAM_LABEL,
} from '~/lib/task-labels';
import { parseTaskForm, runTaskCommand, TASK_ECHOED_FIELDS, taskActions, taskAuditAction, taskFormError } from '~/lib/tasks.server';

// No patient data in the title: it ends up in browser history.
export const meta: MetaFunction = () => [{ title: 'Task · Sidecar' }];

export async function loader({ params, request, context }: LoaderFunctionArgs) {
  const { ctx, actor, audit } = session(context);
  const id = recordId(params.id, 'Task');
  const view = await loadOrThrow(() => getTask(ctx, { id }));
  const t = view.task;
  audit.add('read', { resourceType: 'Task', resourceId: id, patientId: t.patientId });
  const canPost = isAllowed(CONSOLE_POLICY, 'POST', `/tasks/${id}`, actor.role);
  // State changes are for the task's own team (the use-cases refuse others); notes for anyone who may post.
  const onTeam = canPost && teamOfRole(actor.role) === t.team;
  return json({
    task: {
      id: t.id,
      version: t.version,
      title: t.title,
      type: t.type,
      status: t.status,
      statusReason: t.statusReason,
      priority: t.priority,
      dueAt: t.dueAt,
      notBefore: t.notBefore,
      breachedAt: t.breachedAt,
      team: t.team,
      owner: t.owner?.name,
      patientId: t.patientId,
      referralId: t.links.referralId,
      createdAt: t.createdAt,
    },
    patientName: view.patient?.name?.text,
    overdue: view.overdue,
    attempts: [...t.attempts].reverse(),
    timeline: [...view.timeline].reverse(),
    actions: onTeam ? taskActions(t) : [],
    canNote: canPost,
    canOpenReferral: isAllowed(CONSOLE_POLICY, 'GET', '/referrals/x', actor.role),
    done: taskDoneMessage(new URL(request.url).searchParams.get('done')),
  });
}

export async function action({ params, request, context }: ActionFunctionArgs) {
  const { ctx, actor, audit } = session(context);
  const id = recordId(params.id, 'Task');
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  try {
    const command = parseTaskForm(form);
    await runTaskCommand(ctx, actor, id, command);
    const changed = await getTaskRecord(ctx, id);
    audit.add(taskAuditAction(command), { resourceType: 'Task', resourceId: id, ...(changed ? { patientId: changed.patientId } : {}) });
  } catch (error) {
    const values = Object.fromEntries(Object.entries(formValues(form, TASK_ECHOED_FIELDS)).filter((e): e is [string, string] => e[1] !== undefined));
    return taskFormError(intent, error, values);
  }
  // POST/redirect/GET; the message names the action, never the patient.
  return redirect(`/tasks/${id}?done=${encodeURIComponent(intent)}`);
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;
type ActionData = ReturnType<typeof useActionData<typeof action>>;
type Failure = Extract<NonNullable<ActionData>, { ok: false }>;

function describedBy(intent: string, field: string, failure: Failure | undefined): string | undefined {
  if (!failure) return undefined;
  return [failure.fieldErrors[field] ? `${intent}-${field}-error` : undefined, `${intent}-error`].filter(Boolean).join(' ');
}

/** One action's form: hidden intent and version, its fields, its button, and its own error. */
function ActionForm(props: { intent: TaskIntent; version: number; failure: ActionData; children?: ReactNode; className?: string }) {
  const ui = TASK_ACTION_UI[props.intent];
  const failed = props.failure && !props.failure.ok && props.failure.intent === props.intent ? props.failure : undefined;
  const reasonId = `${props.intent}-reason`;
  return (
    <PostForm className={`action-card${ui.ends ? ' ends' : ''}${props.className ? ` ${props.className}` : ''}`}>
      <h3 id={`${props.intent}-title`}>{ui.title}</h3>
      <input type="hidden" name="intent" value={props.intent} />
      {props.intent !== 'note' ? <input type="hidden" name="version" value={props.version} /> : null}
      {props.children}
      {ui.reason ? (
        <div className="field">
          <label htmlFor={reasonId}>
            {ui.reason}
            <span className="required"> (required)</span>
          </label>
          <textarea
            id={reasonId}
            name="reason"
            rows={2}
            required
            maxLength={2000}
            defaultValue={failed?.values.reason ?? ''}
            aria-invalid={failed?.fieldErrors.reason ? true : undefined}
            aria-describedby={describedBy(props.intent, 'reason', failed)}
          />
          <FieldError id={`${reasonId}-error`} message={failed?.fieldErrors.reason} />
        </div>
      ) : null}
      <SubmitButton intent={props.intent} className={ui.ends ? 'danger' : undefined}>
        {ui.button}
      </SubmitButton>
      {failed ? <Alert id={`${props.intent}-error`}>{failed.message}</Alert> : null}
    </PostForm>
  );
}

function Header({ data }: { data: LoaderData }) {
  const t = data.task;
  return (
    <section aria-labelledby="status-title" className="panel">
      <h2 id="status-title">Status</h2>
      <dl className="grid-dl">
        <div>
          <dt>Patient</dt>
          <dd>
            <Link to={`/patients/${t.patientId}`}>{data.patientName ?? 'Patient details pending from the EHR'}</Link>
          </dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <span data-testid="task-status" data-value={t.status}>
              {taskStatusLabel(t.status)}
            </span>
            {t.statusReason ? <div className="sub">Reason: {t.statusReason}</div> : null}
          </dd>
        </div>
        <div>
          <dt>Type</dt>
          <dd>{taskTypeLabel(t.type)}</dd>
        </div>
        <div>
          <dt>Priority</dt>
          <dd>
            <span className={`tag priority-${t.priority}`}>{priorityLabel(t.priority)}</span>
          </dd>
        </div>
        <div className={data.overdue ? 'overdue' : undefined}>
          <dt>Due</dt>
          <dd>
            <DateTime iso={t.dueAt} />
            {data.overdue ? (
              <>
                {' '}
                <OverdueTag />
              </>
            ) : null}
            {t.status === 'on-hold' ? <div className="sub">Clock paused while on hold</div> : null}
          </dd>
        </div>
        {t.notBefore ? (
          <div>
            <dt>Not before</dt>
            <dd>
              <DateTime iso={t.notBefore} />
            </dd>
          </div>
        ) : null}
        <div>
          <dt>Owner</dt>
          <dd data-testid="task-owner">{t.owner ?? <span className="muted">Unowned</span>}</dd>
        </div>
        <div>
          <dt>Team</dt>
          <dd>{TEAM_LABEL[t.team]}</dd>
        </div>
        {t.referralId ? (
          <div>
            <dt>Referral</dt>
            <dd>{data.canOpenReferral ? <Link to={`/referrals/${t.referralId}`}>Open the referral</Link> : 'Linked to a referral'}</dd>
          </div>
        ) : null}
        <div>
          <dt>Created</dt>
          <dd>
            <DateTime iso={t.createdAt} />
          </dd>
        </div>
      </dl>
    </section>
  );
}

function Actions({ data, failure }: { data: LoaderData; failure: ActionData }) {
  const { task, actions } = data;
  const failed = failure && !failure.ok ? failure : undefined;
  // The state may have moved on since the form was shown: say so even if its form is gone now.
  const orphan = failed && failed.intent !== 'note' && !actions.includes(failed.intent as TaskIntent) ? failed : undefined;
  const attemptFailed = failed?.intent === 'attempt' ? failed : undefined;
  const noteFailed = failed?.intent === 'note' ? failed : undefined;
  const moves = actions.filter((a) => a !== 'attempt');
  return (
    <section aria-labelledby="actions-title" className="panel actions">
      <h2 id="actions-title">Actions</h2>
      {orphan ? <Alert id="action-error">{orphan.message}</Alert> : null}
      <div className="action-grid">
        {moves.map((a) => (
          <ActionForm key={a} intent={a} version={task.version} failure={failure} />
        ))}
        {actions.includes('attempt') ? (
          <ActionForm intent="attempt" version={task.version} failure={failure} className="wide">
            <div className="field">
              <label htmlFor="attempt-channel">Channel</label>
              <select id="attempt-channel" name="channel" defaultValue={attemptFailed?.values.channel ?? 'phone'}>
                {labelKeys(ATTEMPT_CHANNEL_LABEL).map((c) => (
                  <option key={c} value={c}>
                    {ATTEMPT_CHANNEL_LABEL[c]}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="attempt-outcome">Outcome</label>
              <select id="attempt-outcome" name="outcome" defaultValue={attemptFailed?.values.outcome ?? 'reached'}>
                {labelKeys(ATTEMPT_OUTCOME_LABEL).map((o) => (
                  <option key={o} value={o}>
                    {ATTEMPT_OUTCOME_LABEL[o]}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="attempt-note">Attempt note</label>
              <textarea
                id="attempt-note"
                name="note"
                rows={2}
                maxLength={1000}
                defaultValue={attemptFailed?.values.note ?? ''}
                aria-invalid={attemptFailed?.fieldErrors.note ? true : undefined}
                aria-describedby={describedBy('attempt', 'note', attemptFailed)}
              />
              <FieldError id="attempt-note-error" message={attemptFailed?.fieldErrors.note} />
            </div>
          </ActionForm>
        ) : null}
        {data.canNote ? (
          <ActionForm intent="note" version={task.version} failure={failure} className="wide">
            <div className="field">
              <label htmlFor="note-text">
                Note<span className="required"> (required)</span>
              </label>
              <textarea
                id="note-text"
                name="text"
                rows={3}
                required
                maxLength={4000}
                defaultValue={noteFailed?.values.text ?? ''}
                aria-invalid={noteFailed?.fieldErrors.text ? true : undefined}
                aria-describedby={describedBy('note', 'text', noteFailed)}
              />
              <FieldError id="note-text-error" message={noteFailed?.fieldErrors.text} />
            </div>
          </ActionForm>
        ) : null}
      </div>
    </section>
  );
}

function Attempts({ data }: { data: LoaderData }) {
  return (
    <section aria-labelledby="attempts-title" className="panel">
      <h2 id="attempts-title">Contact attempts</h2>
      {data.attempts.length === 0 ? (
        <p className="muted">No attempts logged yet.</p>
      ) : (
        <table className="data-table" data-testid="attempts">
          <caption className="visually-hidden">Contact attempts, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Channel</th>
              <th scope="col">Outcome</th>
              <th scope="col">By</th>
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {data.attempts.map((a, i) => (
              <tr key={`${a.at}-${i}`}>
                <td>
                  <DateTime iso={a.at} />
                </td>
                <td>{ATTEMPT_CHANNEL_LABEL[a.channel]}</td>
                <td data-outcome={a.outcome}>{ATTEMPT_OUTCOME_LABEL[a.outcome]}</td>
                <td>{a.by.name}</td>
                <td>{a.note ?? <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Timeline({ data }: { data: LoaderData }) {
  return (
    <section aria-labelledby="timeline-title" className="panel">
      <h2 id="timeline-title">Timeline</h2>
      {data.timeline.length === 0 ? (
        <p className="muted">Nothing recorded yet.</p>
      ) : (
        <ol className="timeline" aria-label="Newest first">
          {data.timeline.map((e) => (
            <li key={e.id}>
              <p className="timeline-head">
                <strong>{taskTimelineHeading(e.kind)}</strong>
                {' · '}
                {e.actor.name}
                {' · '}
                <DateTime iso={e.at} />
              </p>
              {e.from || e.to ? (
                <p className="timeline-move">
                  {e.from ? taskStatusLabel(e.from) : 'New'} → {e.to ? taskStatusLabel(e.to) : ''}
                </p>
              ) : null}
              {e.attempt ? (
                <p className="timeline-move">
                  {ATTEMPT_CHANNEL_LABEL[e.attempt.channel]}: {ATTEMPT_OUTCOME_LABEL[e.attempt.outcome]}
                </p>
              ) : null}
              {e.note ? <p className="timeline-note">{e.note}</p> : null}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export default function TaskPage() {
  const data = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/work">← Back to work</Link>
      </p>
      <h1>Task: {data.task.title}</h1>
      {data.task.breachedAt ? (
        <p className="problem" data-testid="sla-breached">
          SLA breached <DateTime iso={data.task.breachedAt} /> — escalated to the team’s leads.
        </p>
      ) : null}
      {data.done && !failure ? <Notice>{data.done}</Notice> : null}
      <div className="two-col">
        <div>
          <Header data={data} />
          <Attempts data={data} />
        </div>
        <div>{data.actions.length > 0 || data.canNote ? <Actions data={data} failure={failure} /> : null}</div>
      </div>
      <Timeline data={data} />
    </>
  );
}
