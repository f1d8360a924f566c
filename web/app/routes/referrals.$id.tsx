import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import type { ReactNode } from 'react';
import { CONSOLE_POLICY, isAllowed } from '../../../shared/auth/policy';
import { getEhrContext } from '../../../shared/referrals/get-ehr-context';
import { getReferral } from '../../../shared/referrals/get-referral';
import { getReferralRecord } from '../../../shared/referrals/repository';
import { Alert, DateOnly, DateTime, EhrLink, FieldError, Notice, OverdueTag, SubmitButton, useTimeZone } from '~/components/ui';
import { formError, loadOrThrow } from '~/lib/action-error.server';
import { ACTION_UI, businessStatusLabel, doneMessage, priorityLabel, type ReferralIntent, statusLabel, timelineHeading, type TransitionIntent } from '~/lib/labels';
import { staffOptions } from '~/lib/queue.server';
import { ECHOED_FIELDS, parseReferralForm, runReferralCommand, toClinicalContext, toReferralPage } from '~/lib/referral.server';
import { PostForm } from '~/components/post-form';
import { formValues, recordId, session } from '~/lib/session.server';
import { COMMON_TIME_ZONES } from '~/lib/time';

// No patient data in the title: it ends up in browser history.
export const meta: MetaFunction = () => [{ title: 'Referral · Sidecar' }];

export async function loader({ params, request, context }: LoaderFunctionArgs) {
  const { ctx, actor, audit } = session(context);
  const id = recordId(params.id, 'Referral');
  const view = await loadOrThrow(() => getReferral(ctx, { id }));
  audit.add('read', { resourceType: 'Referral', resourceId: id, patientId: view.referral.patientId });
  // Clinical context is read live from the EHR; when it cannot be, the page says why.
  const ehr = await loadOrThrow(() =>
    getEhrContext(ctx, { referral: view.referral, ...(view.patient?.ehr ? { patientReference: view.patient.ehr.reference } : {}) }),
  );
  return json({
    ...toReferralPage(view),
    clinical: toClinicalContext(ehr),
    staff: await staffOptions(ctx),
    me: actor.id,
    // Read-only roles (auditors) see the referral without forms they could not submit.
    canAct: isAllowed(CONSOLE_POLICY, 'POST', `/referrals/${id}`, actor.role),
    done: doneMessage(new URL(request.url).searchParams.get('done')),
  });
}

export async function action({ params, request, context }: ActionFunctionArgs) {
  const { ctx, actor, audit } = session(context);
  const id = recordId(params.id, 'Referral');
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  try {
    await runReferralCommand(ctx, actor, id, parseReferralForm(form));
    const changed = await getReferralRecord(ctx, id);
    audit.add(auditAction(intent), { resourceType: 'Referral', resourceId: id, ...(changed ? { patientId: changed.patientId } : {}) });
  } catch (error) {
    const values = Object.fromEntries(Object.entries(formValues(form, ECHOED_FIELDS)).filter((e): e is [string, string] => e[1] !== undefined));
    return formError(intent, error, { values });
  }
  // POST/redirect/GET; the message names the action, never the patient.
  return redirect(`/referrals/${id}?done=${encodeURIComponent(intent)}`);
}

function auditAction(intent: string): 'claim' | 'assign' | 'note' | 'transition' {
  return intent === 'claim' || intent === 'assign' || intent === 'note' ? intent : 'transition';
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;
type ActionData = ReturnType<typeof useActionData<typeof action>>;

/** One action's form: hidden intent and version, its fields, its button, and its own error. */
function ActionForm(props: {
  intent: ReferralIntent;
  title: string;
  version: number;
  failure: ActionData;
  children?: ReactNode;
  className?: string;
}) {
  const ui = ACTION_UI[props.intent];
  const failed = props.failure && !props.failure.ok && props.failure.intent === props.intent ? props.failure : undefined;
  const alertId = `${props.intent}-error`;
  return (
    // Not a named form: a dozen "form" landmarks would drown the page's real regions; the heading names it.
    <PostForm className={`action-card${ui.ends ? ' ends' : ''}${props.className ? ` ${props.className}` : ''}`}>
      <h3 id={`${props.intent}-title`}>{props.title}</h3>
      <input type="hidden" name="intent" value={props.intent} />
      {props.intent !== 'note' ? <input type="hidden" name="version" value={props.version} /> : null}
      {props.children}
      {ui.field && props.intent !== 'note' ? <TextField intent={props.intent} failure={failed} /> : null}
      <SubmitButton intent={props.intent} className={ui.ends ? 'danger' : undefined}>
        {ui.button}
      </SubmitButton>
      {failed ? <Alert id={alertId}>{failed.message}</Alert> : null}
    </PostForm>
  );
}

/** Field ids are per form (`reject-reason`), and describe themselves by their error and the form's. */
function describedBy(intent: string, field: string, failure: { fieldErrors: Record<string, string> } | undefined): string | undefined {
  if (!failure) return undefined;
  return [failure.fieldErrors[field] ? `${intent}-${field}-error` : undefined, `${intent}-error`].filter(Boolean).join(' ');
}

function TextField({ intent, failure }: { intent: TransitionIntent | 'claim' | 'assign'; failure: Extract<NonNullable<ActionData>, { ok: false }> | undefined }) {
  const field = ACTION_UI[intent].field;
  if (!field) return null;
  const id = `${intent}-${field.name}`;
  const error = failure?.fieldErrors[field.name];
  return (
    <div className="field">
      <label htmlFor={id}>
        {field.label}
        {field.required ? <span className="required"> (required)</span> : null}
      </label>
      <textarea
        id={id}
        name={field.name}
        rows={2}
        required={field.required}
        maxLength={2000}
        defaultValue={failure?.values[field.name] ?? ''}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(intent, field.name, failure)}
      />
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}

function PatientHeader({ data }: { data: LoaderData }) {
  const { patient, links, referral } = data;
  return (
    <section className="patient-header" aria-labelledby="patient-title">
      <h2 id="patient-title">
        {patient?.name ? <Link to={`/patients/${referral.patientId}`}>{patient.name}</Link> : 'Patient details pending from the EHR'}
      </h2>
      <dl className="inline-dl">
        <div>
          <dt>Birth date</dt>
          <dd>
            <DateOnly date={patient?.birthDate} />
          </dd>
        </div>
        <div>
          <dt>Language</dt>
          <dd>{patient?.language ?? <span className="muted">Not recorded</span>}</dd>
        </div>
      </dl>
      <p className="ehr-links">
        {links.patientInEhr ? (
          <EhrLink href={links.patientInEhr}>Open in EHR</EhrLink>
        ) : (
          <span className="muted">No EHR chart link for this patient</span>
        )}
        {links.serviceRequestInEhr ? (
          <EhrLink href={links.serviceRequestInEhr}>Open referral order in EHR</EhrLink>
        ) : null}
      </p>
    </section>
  );
}

function StatusPanel({ data }: { data: LoaderData }) {
  const r = data.referral;
  return (
    <section aria-labelledby="status-title" className="panel">
      <h2 id="status-title">Status</h2>
      {r.loopClosedAt ? (
        <p className="loop-closed" data-testid="loop-closed">
          <strong>Loop closed</strong> <DateTime iso={r.loopClosedAt} />
          {r.outcome?.description ? <> — {r.outcome.description}</> : null}
        </p>
      ) : null}
      <dl className="grid-dl">
        <div>
          <dt>Status</dt>
          <dd>
            <span data-testid="referral-status" data-value={r.status}>
              {statusLabel(r.status)}
            </span>
            {r.statusReason ? <div className="sub">Reason: {r.statusReason}</div> : null}
          </dd>
        </div>
        <div>
          <dt>Business status</dt>
          <dd>
            <span data-testid="business-status" data-value={r.businessStatus}>
              {businessStatusLabel(r.businessStatus)}
            </span>
          </dd>
        </div>
        <div>
          <dt>Priority</dt>
          <dd>
            <span className={`tag priority-${r.priority}`}>{priorityLabel(r.priority)}</span>
          </dd>
        </div>
        <div className={data.overdue ? 'overdue' : undefined}>
          <dt>Due</dt>
          <dd>
            <DateTime iso={r.dueAt} />
            {data.overdue ? (
              <>
                {' '}
                <OverdueTag />
              </>
            ) : null}
          </dd>
        </div>
        <div>
          <dt>Assignee</dt>
          <dd data-testid="assignee">{r.assignee?.name ?? <span className="muted">Unassigned</span>}</dd>
        </div>
        <div>
          <dt>Queue</dt>
          <dd>{r.queueName}</dd>
        </div>
        <div>
          <dt>Service</dt>
          <dd>
            {r.service.display ?? <span className="muted">No description</span>}
            {r.service.code ? <div className="sub">Code {r.service.code}</div> : null}
          </dd>
        </div>
        <div>
          <dt>Direction</dt>
          <dd>{r.direction === 'inbound' ? 'Inbound (referred to us)' : 'Outbound (we refer out)'}</dd>
        </div>
        {r.receivingOrganization ? (
          <div>
            <dt>Receiving organization</dt>
            <dd>{r.receivingOrganization}</dd>
          </div>
        ) : null}
        {r.appointment ? (
          <div>
            <dt>Appointment</dt>
            <dd>
              {r.appointment.start ? <DateTime iso={r.appointment.start} /> : <span className="muted">Time not known</span>}
              {r.appointment.status ? <div className="sub">{appointmentStatus(r.appointment.status)}</div> : null}
            </dd>
          </div>
        ) : null}
        <div>
          <dt>Created</dt>
          <dd>
            <DateTime iso={r.createdAt} />
          </dd>
        </div>
      </dl>
    </section>
  );
}

function appointmentStatus(status: string): string {
  return { booked: 'Booked', noshow: 'Patient did not attend', cancelled: 'Cancelled', fulfilled: 'Attended' }[status] ?? status;
}

function ClinicalContext({ data }: { data: LoaderData }) {
  const { clinical, referral } = data;
  return (
    <section aria-labelledby="clinical-title" className="panel">
      <h2 id="clinical-title">Clinical context</h2>
      <dl className="grid-dl">
        <div>
          <dt>Reason for referral</dt>
          <dd>{referral.reason ?? <span className="muted">None recorded in Sidecar</span>}</dd>
        </div>
      </dl>
      {clinical.available && clinical.order ? (
        <>
          <h3>From the EHR order</h3>
          <dl className="grid-dl">
            {clinical.order.reasons.length > 0 ? (
              <div>
                <dt>Reason</dt>
                <dd>{clinical.order.reasons.join('; ')}</dd>
              </div>
            ) : null}
            {clinical.order.requester ? (
              <div>
                <dt>Requested by</dt>
                <dd>{clinical.order.requester}</dd>
              </div>
            ) : null}
            {clinical.order.authoredOn ? (
              <div>
                <dt>Ordered</dt>
                <dd>
                  <DateTime iso={clinical.order.authoredOn} />
                </dd>
              </div>
            ) : null}
            {clinical.order.status ? (
              <div>
                <dt>Order status in the EHR</dt>
                <dd>{clinical.order.status}</dd>
              </div>
            ) : null}
          </dl>
          <h3>Notes</h3>
          {clinical.order.notes.length > 0 ? (
            <ul>
              {clinical.order.notes.map((n, i) => (
                <li key={i}>{n}</li>
              ))}
            </ul>
          ) : (
            <p className="muted">No notes on the order.</p>
          )}
          <h3>Active conditions</h3>
          {clinical.conditions.length > 0 ? (
            <ul>
              {clinical.conditions.map((c) => (
                <li key={c.key}>
                  {c.name}
                  {c.clinicalStatus ? ` (${c.clinicalStatus})` : ''}
                  {c.since ? <span className="sub"> since {c.since.slice(0, 10)}</span> : null}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No active conditions in the EHR.</p>
          )}
        </>
      ) : (
        <p className="problem" data-testid="ehr-problem">
          <strong>Clinical context from the EHR is not available:</strong> {clinical.problem ?? 'the EHR did not return this referral'}.
        </p>
      )}
    </section>
  );
}

function Actions({ data, failure }: { data: LoaderData; failure: ActionData }) {
  const zone = useTimeZone();
  const { referral, actions, staff, me } = data;
  const has = (i: ReferralIntent) => actions.includes(i);
  const version = referral.version;
  const failed = failure && !failure.ok ? failure : undefined;
  // The state may have moved on since the form was shown: say so even if its form is gone now.
  const orphan = failed && !actions.includes(failed.intent as ReferralIntent) ? failed : undefined;
  const zones: string[] = COMMON_TIME_ZONES.includes(zone as never) ? [...COMMON_TIME_ZONES] : [zone, ...COMMON_TIME_ZONES];
  const scheduleFailed = failed?.intent === 'schedule' ? failed : undefined;
  const assignFailed = failed?.intent === 'assign' ? failed : undefined;
  const noteFailed = failed?.intent === 'note' ? failed : undefined;
  const transitions: TransitionIntent[] = ['accept', 'reject', 'request-docs', 'docs-received', 'no-show', 'hold', 'resume', 'close', 'cancel', 'fail'];
  const titles: Record<TransitionIntent, string> = {
    accept: 'Accept the referral',
    reject: 'Reject the referral',
    'request-docs': 'Request documents',
    'docs-received': 'Documents received',
    schedule: 'Schedule the appointment',
    'no-show': 'Patient did not attend',
    hold: 'Put on hold',
    resume: 'Resume work',
    close: 'Close the loop',
    cancel: 'Cancel the referral',
    fail: 'Mark as failed',
  };

  return (
    <section aria-labelledby="actions-title" className="panel actions">
      <h2 id="actions-title">Actions</h2>
      {orphan ? <Alert id="action-error">{orphan.message}</Alert> : null}
      <div className="action-grid">
        {has('claim') ? <ActionForm intent="claim" title="Take this referral" version={version} failure={failure} /> : null}
        {has('assign') ? (
          <ActionForm intent="assign" title="Assign" version={version} failure={failure}>
            <div className="field">
              <label htmlFor="assign-assigneeId">Assign to</label>
              <select
                id="assign-assigneeId"
                name="assigneeId"
                defaultValue={assignFailed?.values.assigneeId ?? referral.assignee?.id ?? ''}
                aria-describedby={describedBy('assign', 'assigneeId', assignFailed)}
              >
                <option value="">Nobody (release to the queue)</option>
                {staff.map((u) => (
                  <option key={u.id} value={u.id}>
                    {`${u.name}${u.id === me ? ' (me)' : ''} — ${u.role}`}
                  </option>
                ))}
              </select>
            </div>
          </ActionForm>
        ) : null}
        {has('schedule') ? (
          <ActionForm intent="schedule" title={titles.schedule} version={version} failure={failure}>
            <div className="field">
              <label htmlFor="schedule-appointmentAt">
                Appointment date and time<span className="required"> (required)</span>
              </label>
              <input
                id="schedule-appointmentAt"
                name="appointmentAt"
                type="datetime-local"
                required
                defaultValue={scheduleFailed?.values.appointmentAt ?? ''}
                aria-invalid={scheduleFailed?.fieldErrors.appointmentAt ? true : undefined}
                aria-describedby={describedBy('schedule', 'appointmentAt', scheduleFailed)}
              />
              <FieldError id="schedule-appointmentAt-error" message={scheduleFailed?.fieldErrors.appointmentAt} />
            </div>
            <div className="field">
              <label htmlFor="schedule-timeZone">Time zone of that time</label>
              <select id="schedule-timeZone" name="timeZone" defaultValue={scheduleFailed?.values.timeZone ?? zone}>
                {zones.map((z) => (
                  <option key={z} value={z}>
                    {z}
                  </option>
                ))}
              </select>
            </div>
          </ActionForm>
        ) : null}
        {transitions
          .filter((t) => has(t))
          .map((t) => (
            <ActionForm key={t} intent={t} title={titles[t]} version={version} failure={failure} />
          ))}
        <ActionForm intent="note" title="Add a note" version={version} failure={failure} className="wide">
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
      </div>
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
                <strong>{timelineHeading(e)}</strong>
                {' · '}
                {e.actor.name}
                {' · '}
                <DateTime iso={e.at} />
              </p>
              {e.from || e.to ? (
                <p className="timeline-move">
                  {e.from ? `${statusLabel(e.from.status)} (${businessStatusLabel(e.from.businessStatus)})` : 'New'} →{' '}
                  {e.to ? `${statusLabel(e.to.status)} (${businessStatusLabel(e.to.businessStatus)})` : ''}
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

export default function ReferralPage() {
  const data = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const r = data.referral;
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/queue">← Back to the queue</Link>
      </p>
      <h1>Referral: {r.service.display ?? r.service.code ?? 'unspecified service'}</h1>
      {data.done && !failure ? <Notice>{data.done}</Notice> : null}
      <PatientHeader data={data} />
      <div className="two-col">
        <div>
          <StatusPanel data={data} />
          <ClinicalContext data={data} />
        </div>
        <div>
          {data.canAct ? <Actions data={data} failure={failure} /> : null}
        </div>
      </div>
      <Timeline data={data} />
    </>
  );
}
