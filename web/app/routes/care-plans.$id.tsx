import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import type { ReactNode } from 'react';
import { CONSOLE_POLICY, isAllowed } from '../../../shared/auth/policy';
import { getCarePlan } from '../../../shared/careplans/get-care-plan';
import { ACTIVITY_KINDS, GOAL_ACHIEVEMENT_STATUSES } from '../../../shared/careplans/schema';
import { PostForm } from '~/components/post-form';
import { Alert, DateOnly, DateTime, FieldError, Notice, SubmitButton } from '~/components/ui';
import { loadOrThrow } from '~/lib/action-error.server';
import {
  activityStatusLabel,
  CAREPLAN_ACTION_UI,
  type CarePlanIntent,
  type CarePlanMoveIntent,
  carePlanCategoryLabel,
  carePlanDoneMessage,
  carePlanStatusLabel,
  carePlanTimelineHeading,
  dayOffsetLabel,
  goalAchievementLabel,
  recurrenceLabel,
  revisionSummary,
} from '~/lib/care-plan-labels';
import { carePlanTasks } from '~/lib/care-plan-tasks.server';
import {
  CAREPLAN_ECHOED_FIELDS,
  carePlanActions,
  carePlanAuditAction,
  carePlanFormError,
  doneQuery,
  parseCarePlanForm,
  patientName,
  readDone,
  runCarePlanCommand,
} from '~/lib/care-plans.server';
import { formValues, recordId, session } from '~/lib/session.server';
import { taskStatusLabel, taskTypeLabel } from '~/lib/task-labels';

// No patient data in the title: it ends up in browser history.
export const meta: MetaFunction = () => [{ title: 'Care plan · Sidecar' }];

export async function loader({ params, request, context }: LoaderFunctionArgs) {
  const { ctx, actor, audit } = session(context);
  const id = recordId(params.id, 'Care plan');
  const { carePlan: p, timeline } = await loadOrThrow(() => getCarePlan(ctx, { id }));
  const tasks = await carePlanTasks(ctx, p);
  audit.add('read', { resourceType: 'CarePlan', resourceId: id, patientId: p.patientId });
  audit.add('list', ...tasks.ids.map((taskId) => ({ resourceType: 'Task' as const, resourceId: taskId, patientId: p.patientId })));
  const can = (method: string, path: string) => isAllowed(CONSOLE_POLICY, method, path, actor.role);
  const done = readDone(new URL(request.url).searchParams);
  return json({
    plan: {
      id: p.id,
      version: p.version,
      title: p.title,
      description: p.description,
      category: p.category,
      status: p.status,
      statusReason: p.statusReason,
      period: p.period,
      careTeam: p.careTeam,
      createdAt: p.createdAt,
      createdBy: p.createdBy.name,
      goals: p.goals,
      activities: p.activities.map((a) => ({
        id: a.id,
        kind: a.kind,
        title: a.title,
        offsetDays: a.offsetDays,
        recurrence: a.recurrence,
        patientReminderTime: a.patientReminderTime,
        status: a.status,
        tasks: tasks.byActivity[a.id] ?? [],
      })),
    },
    removedTasks: tasks.removed,
    patient: { id: p.patientId, name: await patientName(ctx, p.patientId) },
    timeline: [...timeline].reverse(),
    actions: carePlanActions(p, can('POST', `/care-plans/${id}`)),
    activityKinds: ACTIVITY_KINDS,
    achievementStatuses: GOAL_ACHIEVEMENT_STATUSES,
    canOpenPatient: can('GET', `/patients/${p.patientId}`),
    canOpenTasks: can('GET', '/tasks/x'),
    canExport: can('GET', `/care-plans/${id}/fhir`),
    done: carePlanDoneMessage(done.done, done),
  });
}

export async function action({ params, request, context }: ActionFunctionArgs) {
  const { ctx, actor, audit } = session(context);
  const id = recordId(params.id, 'Care plan');
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  let query: string;
  try {
    const command = parseCarePlanForm(form);
    const { carePlan, work } = await runCarePlanCommand(ctx, actor, id, command);
    audit.add(carePlanAuditAction(command), { resourceType: 'CarePlan', resourceId: id, patientId: carePlan.patientId });
    query = doneQuery(command.intent, work);
  } catch (error) {
    const values = Object.fromEntries(Object.entries(formValues(form, CAREPLAN_ECHOED_FIELDS)).filter((e): e is [string, string] => e[1] !== undefined));
    return carePlanFormError(intent, error, values);
  }
  // POST/redirect/GET; the message names the action and counts the tasks, never the patient.
  return redirect(`/care-plans/${id}?${query}`);
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;
type ActionData = ReturnType<typeof useActionData<typeof action>>;
type Failure = Extract<NonNullable<ActionData>, { ok: false }>;

/** The failed form among several of the same intent (a goal's, an activity's), matched by the item it names. */
function failureOf(failure: ActionData, intent: CarePlanIntent, item?: { field: 'goalId' | 'activityId'; id: string }): Failure | undefined {
  if (!failure || failure.ok || failure.intent !== intent) return undefined;
  return item && failure.values[item.field] !== item.id ? undefined : failure;
}

function describedBy(prefix: string, field: string, failed: Failure | undefined): string | undefined {
  if (!failed) return undefined;
  return [failed.fieldErrors[field] ? `${prefix}-${field}-error` : undefined, `${prefix}-error`].filter(Boolean).join(' ');
}

/** What a move does to the plan's work, said next to its button. */
const MOVE_HINT: Partial<Record<CarePlanMoveIntent, string>> = {
  activate: 'Its tasks are created at once.',
  resume: 'The work still ahead is created again.',
  hold: 'Its pending tasks are cancelled; resuming creates the work still ahead.',
  complete: 'Its pending tasks are cancelled.',
  revoke: 'Its pending tasks are cancelled.',
};

/** One status move's form: hidden intent and version, a reason where the domain needs one, its button and its own error. */
function MoveForm({ intent, version, failure }: { intent: CarePlanMoveIntent; version: number; failure: ActionData }) {
  const ui = CAREPLAN_ACTION_UI[intent];
  const failed = failureOf(failure, intent);
  const reasonId = `${intent}-reason`;
  return (
    <PostForm className={`action-card${ui.ends ? ' ends' : ''}`} aria-labelledby={`${intent}-title`}>
      <h3 id={`${intent}-title`}>{ui.title}</h3>
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="version" value={version} />
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
            maxLength={500}
            defaultValue={failed?.values.reason ?? ''}
            aria-invalid={failed?.fieldErrors.reason ? true : undefined}
            aria-describedby={describedBy(intent, 'reason', failed)}
          />
          <FieldError id={`${intent}-reason-error`} message={failed?.fieldErrors.reason} />
        </div>
      ) : null}
      {MOVE_HINT[intent] ? <p className="hint">{MOVE_HINT[intent]}</p> : null}
      <SubmitButton intent={intent} className={ui.ends ? 'danger' : undefined}>
        {ui.button}
      </SubmitButton>
      {failed ? <Alert id={`${intent}-error`}>{failed.message}</Alert> : null}
    </PostForm>
  );
}

function Overview({ data }: { data: LoaderData }) {
  const p = data.plan;
  return (
    <section aria-labelledby="overview-title" className="panel">
      <h2 id="overview-title">Overview</h2>
      <dl className="grid-dl">
        <div>
          <dt>Patient</dt>
          <dd>
            {data.canOpenPatient ? (
              <Link to={`/patients/${data.patient.id}`}>{data.patient.name ?? 'Patient details pending from the EHR'}</Link>
            ) : (
              data.patient.name ?? 'Patient details pending from the EHR'
            )}
          </dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <span data-testid="care-plan-status" data-value={p.status}>
              {carePlanStatusLabel(p.status)}
            </span>
            {p.statusReason ? <div className="sub">Reason: {p.statusReason}</div> : null}
          </dd>
        </div>
        <div>
          <dt>Category</dt>
          <dd>{carePlanCategoryLabel(p.category)}</dd>
        </div>
        <div>
          <dt>Period</dt>
          <dd>
            From <DateOnly date={p.period.start.slice(0, 10)} />
            {p.period.end ? (
              <>
                {' '}
                to <DateTime iso={p.period.end} />
              </>
            ) : null}
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <DateTime iso={p.createdAt} /> <span className="sub">by {p.createdBy}</span>
          </dd>
        </div>
        <div>
          <dt>Care team</dt>
          <dd>
            {p.careTeam.length === 0 ? (
              <span className="muted">Nobody named yet</span>
            ) : (
              <ul className="plain" data-testid="care-team">
                {p.careTeam.map((m) => (
                  <li key={m.userId}>
                    {m.name} <span className="sub">({m.role})</span>
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </div>
      </dl>
      {p.description ? <p>{p.description}</p> : null}
      {data.canExport ? (
        <p>
          <a href={`/care-plans/${p.id}/fhir`} download>
            Download as FHIR R4 (CarePlan and Goals, JSON)
          </a>
        </p>
      ) : null}
    </section>
  );
}

function GoalForm({ data, goal, failure }: { data: LoaderData; goal: LoaderData['plan']['goals'][number]; failure: ActionData }) {
  const failed = failureOf(failure, 'goal', { field: 'goalId', id: goal.id });
  const prefix = `goal-${goal.id}`;
  return (
    <PostForm className="field-row" aria-label={`Update the goal: ${goal.description}`}>
      <input type="hidden" name="intent" value="goal" />
      <input type="hidden" name="version" value={data.plan.version} />
      <input type="hidden" name="goalId" value={goal.id} />
      <div className="field">
        <label htmlFor={`${prefix}-achievementStatus`}>Achievement</label>
        <select
          id={`${prefix}-achievementStatus`}
          name="achievementStatus"
          defaultValue={failed?.values.achievementStatus ?? goal.achievementStatus}
          aria-describedby={describedBy(prefix, 'achievementStatus', failed)}
        >
          {data.achievementStatuses.map((s) => (
            <option key={s} value={s}>
              {goalAchievementLabel(s)}
            </option>
          ))}
        </select>
        <FieldError id={`${prefix}-achievementStatus-error`} message={failed?.fieldErrors.achievementStatus} />
      </div>
      <div className="field">
        <label htmlFor={`${prefix}-dueDate`}>Due date</label>
        <input
          id={`${prefix}-dueDate`}
          name="dueDate"
          type="date"
          defaultValue={failed?.values.dueDate ?? goal.dueDate ?? ''}
          aria-invalid={failed?.fieldErrors.dueDate ? true : undefined}
          aria-describedby={describedBy(prefix, 'dueDate', failed)}
        />
        <FieldError id={`${prefix}-dueDate-error`} message={failed?.fieldErrors.dueDate} />
      </div>
      <div className="form-actions">
        <SubmitButton intent="goal">{CAREPLAN_ACTION_UI.goal.button}</SubmitButton>
      </div>
      {failed ? <Alert id={`${prefix}-error`}>{failed.message}</Alert> : null}
    </PostForm>
  );
}

function Goals({ data, failure }: { data: LoaderData; failure: ActionData }) {
  const goals = data.plan.goals;
  return (
    <section aria-labelledby="goals-title" className="panel">
      <h2 id="goals-title">Goals</h2>
      {goals.length === 0 ? <p className="muted">No goals on this plan.</p> : null}
      <div className="action-grid">
        {goals.map((g) => (
          <article
            key={g.id}
            className="action-card"
            data-testid="goal"
            data-goal-id={g.id}
            data-achievement={g.achievementStatus}
            aria-labelledby={`goal-${g.id}-title`}
          >
            <h3 id={`goal-${g.id}-title`}>{g.description}</h3>
            <dl className="inline-dl">
              <div>
                <dt>Target</dt>
                <dd>{g.target ? `${g.target.measure}: ${g.target.detail}` : <span className="muted">None set</span>}</dd>
              </div>
              {data.actions.canRevise ? null : (
                <>
                  <div>
                    <dt>Due</dt>
                    <dd>{g.dueDate ? <DateOnly date={g.dueDate} /> : <span className="muted">No due date</span>}</dd>
                  </div>
                  <div>
                    <dt>Achievement</dt>
                    <dd>{goalAchievementLabel(g.achievementStatus)}</dd>
                  </div>
                </>
              )}
            </dl>
            {data.actions.canRevise ? <GoalForm data={data} goal={g} failure={failure} /> : null}
          </article>
        ))}
      </div>
    </section>
  );
}

function TaskTable({ data, rows, label }: { data: LoaderData; rows: LoaderData['removedTasks']; label: string }) {
  return (
    <table className="data-table">
      <caption className="visually-hidden">{label}</caption>
      <thead>
        <tr>
          <th scope="col">Task</th>
          <th scope="col">Status</th>
          <th scope="col">Due</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((t) => (
          <tr key={t.id} data-testid="plan-task" data-task-id={t.id} data-status={t.status}>
            <td>{data.canOpenTasks ? <Link to={`/tasks/${t.id}`}>{t.title}</Link> : t.title}</td>
            <td>{taskStatusLabel(t.status)}</td>
            <td>
              <DateTime iso={t.dueAt} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Activities({ data, failure }: { data: LoaderData; failure: ActionData }) {
  const { plan } = data;
  return (
    <section aria-labelledby="activities-title" className="panel">
      <h2 id="activities-title">Activities and their tasks</h2>
      {plan.status === 'draft' ? <p className="hint">A draft creates no tasks: they are created when the plan is activated.</p> : null}
      {plan.activities.length === 0 ? <p className="muted">No activities on this plan.</p> : null}
      <div className="action-grid">
        {plan.activities.map((a) => {
          const failed = failureOf(failure, 'remove-activity', { field: 'activityId', id: a.id });
          return (
            <article key={a.id} className="action-card" data-testid="activity" data-activity-id={a.id} aria-labelledby={`activity-${a.id}-title`}>
              <h3 id={`activity-${a.id}-title`}>{a.title}</h3>
              <dl className="inline-dl">
                <div>
                  <dt>Kind</dt>
                  <dd>{taskTypeLabel(a.kind)}</dd>
                </div>
                <div>
                  <dt>When</dt>
                  <dd>
                    {dayOffsetLabel(a.offsetDays)}
                    {a.recurrence ? `, then ${recurrenceLabel(a.recurrence)}` : null}
                  </dd>
                </div>
                <div>
                  <dt>Patient</dt>
                  <dd data-testid="activity-patient-reminder">
                    {a.patientReminderTime ? `Takes part at ${a.patientReminderTime} (their time), reminded the day before` : 'Not reminded (staff work)'}
                  </dd>
                </div>
                <div>
                  <dt>Status</dt>
                  <dd>{activityStatusLabel(a.status)}</dd>
                </div>
              </dl>
              {a.tasks.length > 0 ? (
                <TaskTable data={data} rows={a.tasks} label={`Tasks generated by “${a.title}”`} />
              ) : (
                <p className="muted">No tasks generated.</p>
              )}
              {data.actions.canRevise ? (
                <PostForm aria-label={`Remove the activity: ${a.title}`}>
                  <input type="hidden" name="intent" value="remove-activity" />
                  <input type="hidden" name="version" value={plan.version} />
                  <input type="hidden" name="activityId" value={a.id} />
                  <div className="form-actions">
                    <SubmitButton intent="remove-activity" className="danger" describedBy={`activity-${a.id}-title`}>
                      {CAREPLAN_ACTION_UI['remove-activity'].button}
                    </SubmitButton>
                    <span className="hint">Its pending tasks are cancelled.</span>
                  </div>
                  {failed ? <Alert id={`activity-${a.id}-error`}>{failed.message}</Alert> : null}
                </PostForm>
              ) : null}
            </article>
          );
        })}
      </div>
      {data.removedTasks.length > 0 ? (
        <>
          <h3>Tasks of activities removed from the plan</h3>
          <TaskTable data={data} rows={data.removedTasks} label="Tasks of activities removed from the plan" />
        </>
      ) : null}
    </section>
  );
}

function AddActivity({ data, failure }: { data: LoaderData; failure: ActionData }) {
  const failed = failureOf(failure, 'add-activity');
  const field = (
    name: string,
    label: ReactNode,
    input: (props: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }) => ReactNode,
    hint?: string,
  ) => {
    const id = `add-activity-${name}`;
    const describedby = [describedBy('add-activity', name, failed), hint ? `${id}-hint` : undefined].filter(Boolean).join(' ') || undefined;
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        {input({
          id,
          ...(failed?.fieldErrors[name] ? { 'aria-invalid': true as const } : {}),
          ...(describedby ? { 'aria-describedby': describedby } : {}),
        })}
        {hint ? (
          <p className="hint" id={`${id}-hint`}>
            {hint}
          </p>
        ) : null}
        <FieldError id={`add-activity-${name}-error`} message={failed?.fieldErrors[name]} />
      </div>
    );
  };
  return (
    <PostForm className="action-card" aria-labelledby="add-activity-title">
      <h3 id="add-activity-title">{CAREPLAN_ACTION_UI['add-activity'].title}</h3>
      <input type="hidden" name="intent" value="add-activity" />
      <input type="hidden" name="version" value={data.plan.version} />
      {field('kind', 'Kind of task', (props) => (
        <select name="kind" defaultValue={failed?.values.kind ?? 'call-patient'} {...props}>
          {data.activityKinds.map((k) => (
            <option key={k} value={k}>
              {taskTypeLabel(k)}
            </option>
          ))}
        </select>
      ))}
      {field(
        'title',
        <>
          Description<span className="required"> (required)</span>
        </>,
        (props) => (
          <input name="title" type="text" required maxLength={200} defaultValue={failed?.values.title ?? ''} {...props} />
        ),
      )}
      {field(
        'offsetDays',
        <>
          Due on day<span className="required"> (required)</span>
        </>,
        (props) => (
          <input name="offsetDays" type="number" inputMode="numeric" required min={0} max={730} defaultValue={failed?.values.offsetDays ?? ''} {...props} />
        ),
        'Calendar days after the plan’s start date.',
      )}
      <div className="field-row">
        {field('everyDays', 'Repeat every (days)', (props) => (
          <input name="everyDays" type="number" inputMode="numeric" min={1} max={365} defaultValue={failed?.values.everyDays ?? ''} {...props} />
        ))}
        {field('count', 'Number of times', (props) => (
          <input name="count" type="number" inputMode="numeric" min={2} max={52} defaultValue={failed?.values.count ?? ''} {...props} />
        ))}
      </div>
      {field(
        'patientReminderTime',
        'Patient takes part at (their local time)',
        (props) => <input name="patientReminderTime" type="time" defaultValue={failed?.values.patientReminderTime ?? ''} {...props} />,
        'Optional. Set it for a visit or activity the patient does: they are reminded by text or email the day before (with their consent, never at night). Leave it empty for staff work.',
      )}
      <p className="hint">{data.plan.status === 'active' ? 'Its tasks are created at once.' : 'Its tasks are created when the plan is active.'}</p>
      <SubmitButton intent="add-activity">{CAREPLAN_ACTION_UI['add-activity'].button}</SubmitButton>
      {failed ? <Alert id="add-activity-error">{failed.message}</Alert> : null}
    </PostForm>
  );
}

function Actions({ data, failure }: { data: LoaderData; failure: ActionData }) {
  const { moves, canRevise } = data.actions;
  return (
    <section aria-labelledby="actions-title" className="panel actions">
      <h2 id="actions-title">Actions</h2>
      <div className="action-grid">
        {moves.map((m) => (
          <MoveForm key={m} intent={m} version={data.plan.version} failure={failure} />
        ))}
        {canRevise ? <AddActivity data={data} failure={failure} /> : null}
      </div>
    </section>
  );
}

function History({ data }: { data: LoaderData }) {
  return (
    <section aria-labelledby="history-title" className="panel">
      <h2 id="history-title">History</h2>
      <ol className="timeline" aria-label="Newest first" data-testid="care-plan-history">
        {data.timeline.map((e) => (
          <li key={e.id}>
            <p className="timeline-head">
              <strong>{carePlanTimelineHeading(e.kind)}</strong>
              {' · '}
              {e.actor.name}
              {' · '}
              <DateTime iso={e.at} />
            </p>
            {e.kind === 'transition' && e.to ? (
              <p className="timeline-move">
                {e.from ? carePlanStatusLabel(e.from) : 'New'} → {carePlanStatusLabel(e.to)}
              </p>
            ) : null}
            {e.kind === 'created' && e.to ? <p className="timeline-move">As {carePlanStatusLabel(e.to).toLowerCase()}</p> : null}
            {e.kind === 'revision' ? <p className="timeline-move">{revisionSummary(e.changes)}</p> : null}
            {e.note ? <p className="timeline-note">{e.note}</p> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** The failed form's message when its form is no longer on the page (the plan moved on meanwhile). */
function orphanFailure(data: LoaderData, failure: ActionData): Failure | undefined {
  if (!failure || failure.ok) return undefined;
  const { moves, canRevise } = data.actions;
  const { intent, values } = failure;
  if ((moves as string[]).includes(intent)) return undefined;
  if (canRevise && intent === 'add-activity') return undefined;
  if (canRevise && intent === 'goal' && data.plan.goals.some((g) => g.id === values.goalId)) return undefined;
  if (canRevise && intent === 'remove-activity' && data.plan.activities.some((a) => a.id === values.activityId)) return undefined;
  return failure;
}

export default function CarePlanPage() {
  const data = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const orphan = orphanFailure(data, failure);
  const hasActions = data.actions.moves.length > 0 || data.actions.canRevise;
  return (
    <>
      <p className="breadcrumbs">
        {data.canOpenPatient ? <Link to={`/patients/${data.patient.id}`}>← Back to the patient</Link> : <Link to="/">← Back to your start page</Link>}
      </p>
      <h1>Care plan: {data.plan.title}</h1>
      {data.done && !failure ? <Notice>{data.done}</Notice> : null}
      {orphan ? <Alert id="action-error">{orphan.message}</Alert> : null}
      <div className="two-col">
        <div>
          <Overview data={data} />
          <Goals data={data} failure={failure} />
          <Activities data={data} failure={failure} />
        </div>
        <div>{hasActions ? <Actions data={data} failure={failure} /> : null}</div>
      </div>
      <History data={data} />
    </>
  );
}
