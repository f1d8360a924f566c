import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { getPatientOverview, overviewAuditResources } from '../../../shared/patients/get-patient-overview';
import { PostForm } from '~/components/post-form';
import { Alert, DateOnly, DateTime, EhrLink, FieldError, Notice, OverdueTag, SubmitButton, useTimeZone } from '~/components/ui';
import { loadOrThrow } from '~/lib/action-error.server';
import { businessStatusLabel, priorityLabel, statusLabel } from '~/lib/labels';
import { reminderSectionsAllowed, toPatientPage } from '~/lib/patient-overview.server';
import { parsePatientForm, patientDoneMessage, patientFormError, runPatientFormCommand } from '~/lib/reminders.server';
import { recordId, session } from '~/lib/session.server';
import { endOfLocalDay, requestTimeZone } from '~/lib/tasks.server';
import { COMMON_TIME_ZONES } from '~/lib/time';

// No patient data in the title: it ends up in browser history.
export const meta: MetaFunction = () => [{ title: 'Patient · Sidecar' }];

export async function loader({ params, request, context }: LoaderFunctionArgs) {
  const { ctx, actor, audit } = session(context);
  const id = recordId(params.id, 'Patient');
  const sections = reminderSectionsAllowed(actor.role);
  // One read of everything: the reminder and consent sections come from the timeline's own Queries.
  const overview = await loadOrThrow(() => getPatientOverview(ctx, { id, role: actor.role, include: { reminders: sections, consent: sections } }));
  const { reminders, consent } = overview;
  // The sections are audited as their API reads are; the timeline's entries of them are not listed again.
  const { patient, listed } = overviewAuditResources(overview);
  audit.add('read', patient);
  audit.add('list', ...listed);
  if (reminders) audit.add('list', { resourceType: 'Reminder', patientId: id });
  if (consent) audit.add('read', { resourceType: 'Consent', resourceId: id, patientId: id });
  const now = ctx.clock.now();
  return json({
    ...toPatientPage(overview, { role: actor.role, now, dueBefore: endOfLocalDay(now, requestTimeZone(request)), reminders, consent }),
    done: patientDoneMessage(new URL(request.url).searchParams.get('done')),
  });
}

/** The page's forms: schedule or cancel a reminder, record an opt-in or opt-out (each re-checks its version). */
export async function action({ params, request, context }: ActionFunctionArgs) {
  const { ctx, actor, audit } = session(context);
  const id = recordId(params.id, 'Patient');
  const form = await request.formData();
  try {
    const { done, audit: changed } = await runPatientFormCommand(ctx, actor, id, parsePatientForm(form));
    audit.add(changed.action, changed.resource);
    // POST/redirect/GET; the message is a code mapped to words, never the patient's data.
    return redirect(`/patients/${id}?done=${done}`);
  } catch (error) {
    return patientFormError(form, error);
  }
}

type Data = ReturnType<typeof useLoaderData<typeof loader>>;
type ActionData = ReturnType<typeof useActionData<typeof action>>;
type Failure = Extract<NonNullable<ActionData>, { ok: false }>;

/** The failure of the form with this key, if the last POST was that form's. */
function failureOf(failure: ActionData, key: string): Failure | undefined {
  return failure && !failure.ok && failure.form === key ? failure : undefined;
}

/**
 * A failure of one of a section's forms that is no longer on the page (the reminder was sent, the
 * patient's preference changed meanwhile): shown at the top of the section, never dropped.
 */
function orphanFailure(failure: ActionData, belongs: (key: string) => boolean, rendered: string[]): Failure | undefined {
  return failure && !failure.ok && belongs(failure.form) && !rendered.includes(failure.form) ? failure : undefined;
}

function describedBy(prefix: string, field: string, failed: Failure | undefined): string | undefined {
  if (!failed) return undefined;
  return [failed.fieldErrors[field] ? `${prefix}-${field}-error` : undefined, `${prefix}-error`].filter(Boolean).join(' ');
}

function Header({ data }: { data: Data }) {
  const { patient, ehr, links } = data;
  return (
    <section className="patient-header" aria-label="Patient">
      <dl className="inline-dl">
        <div>
          <dt>Birth date</dt>
          <dd>
            <DateOnly date={patient.birthDate} />
          </dd>
        </div>
        <div>
          <dt>Language</dt>
          <dd>{patient.language ?? <span className="muted">Not recorded</span>}</dd>
        </div>
        <div>
          <dt>Phone</dt>
          <dd>
            {patient.phones.length > 0 ? (
              patient.phones.map((p, i) => (
                <span key={p.value}>
                  {i > 0 ? ', ' : null}
                  <a href={`tel:${p.value}`}>{p.value}</a>
                  {p.use ? ` (${p.use})` : ''}
                </span>
              ))
            ) : (
              <span className="muted">None</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Email</dt>
          <dd>{patient.emails.length > 0 ? patient.emails.map((e) => `${e.value}${e.use ? ` (${e.use})` : ''}`).join(', ') : <span className="muted">None</span>}</dd>
        </div>
      </dl>
      <p className="ehr-links">
        {ehr?.chartUrl ? (
          <EhrLink href={ehr.chartUrl}>Open in EHR</EhrLink>
        ) : ehr ? (
          // The source has no chart pages configured: the reference lets staff find the chart by hand.
          <span data-testid="ehr-reference">
            In the EHR ({ehr.sourceName ?? ehr.sourceId}) as <code>{ehr.reference}</code>
          </span>
        ) : (
          <span className="muted">Not linked to an EHR record</span>
        )}
        {links.newReferral ? <Link to={`/referrals/new?patientId=${encodeURIComponent(patient.id)}`}>New referral for this patient</Link> : null}
      </p>
    </section>
  );
}

function Referrals({ section, canOpen }: { section: NonNullable<Data['referrals']>; canOpen: boolean }) {
  return (
    <section aria-labelledby="referrals-title" className="panel" data-testid="patient-referrals">
      <h2 id="referrals-title">Referrals</h2>
      <div className="table-wrap">
        <table className="data-table">
          <caption>Referrals for this patient, open first</caption>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Priority</th>
              <th scope="col">Queue</th>
              <th scope="col">Status</th>
              <th scope="col">Assignee</th>
              <th scope="col">Due</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {section.rows.length === 0 ? (
              <tr>
                <td colSpan={7}>No referrals yet.</td>
              </tr>
            ) : (
              section.rows.map((r) => (
                <tr key={r.id} className={r.overdue ? 'overdue' : undefined}>
                  <th scope="row">{canOpen ? <Link to={`/referrals/${r.id}`}>{r.service}</Link> : r.service}</th>
                  <td>
                    <span className={`tag priority-${r.priority}`}>{priorityLabel(r.priority)}</span>
                  </td>
                  <td>{r.queue}</td>
                  <td>
                    {statusLabel(r.status)}
                    <div className="sub">{r.loopClosedAt ? 'Loop closed' : businessStatusLabel(r.businessStatus)}</div>
                  </td>
                  <td>{r.assignee ?? <span className="muted">Unassigned</span>}</td>
                  <td>
                    <DateTime iso={r.dueAt} />
                    {r.overdue ? (
                      <>
                        {' '}
                        <OverdueTag />
                      </>
                    ) : null}
                  </td>
                  <td>
                    <DateTime iso={r.createdAt} />
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {section.capped ? <p className="hint">Showing this patient’s {section.limit} most recent referrals.</p> : null}
    </section>
  );
}

type TaskRow = NonNullable<Data['tasks']>['open'][number];

function TaskTitle({ t }: { t: TaskRow }) {
  return t.href ? <Link to={t.href}>{t.title}</Link> : <>{t.title}</>;
}

function Tasks({ section }: { section: NonNullable<Data['tasks']> }) {
  return (
    <section aria-labelledby="tasks-title" className="panel" data-testid="patient-tasks">
      <h2 id="tasks-title">Tasks</h2>
      <div className="table-wrap">
        <table className="data-table">
          <caption>Open tasks, soonest due first</caption>
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Status</th>
              <th scope="col">Priority</th>
              <th scope="col">Owner</th>
              <th scope="col">Due</th>
            </tr>
          </thead>
          <tbody>
            {section.open.length === 0 ? (
              <tr>
                <td colSpan={5}>No open tasks.</td>
              </tr>
            ) : (
              section.open.map((t) => (
                <tr key={t.id} className={t.overdue ? 'overdue' : undefined} data-task-id={t.id}>
                  <th scope="row">
                    <TaskTitle t={t} />
                    {t.type !== t.title ? <div className="sub">{t.type}</div> : null}
                  </th>
                  <td data-value={t.statusCode}>{t.status}</td>
                  <td>
                    <span className={`tag priority-${t.priority}`}>{priorityLabel(t.priority)}</span>
                  </td>
                  <td>
                    {t.owner ?? <span className="muted">Unowned</span>}
                    <div className="sub">{t.team}</div>
                  </td>
                  <td>
                    <DateTime iso={t.dueAt} />
                    {t.overdue ? (
                      <>
                        {' '}
                        <OverdueTag />
                      </>
                    ) : null}
                    {t.dueToday ? (
                      <>
                        {' '}
                        <strong className="tag">Due today</strong>
                      </>
                    ) : null}
                    {t.paused ? <div className="sub">Clock paused while on hold</div> : null}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {section.recentlyClosed.length > 0 ? (
        <>
          <h3>Recently closed</h3>
          <ul className="plain" data-testid="closed-tasks">
            {section.recentlyClosed.map((t) => (
              <li key={t.id} data-task-id={t.id}>
                <TaskTitle t={t} /> — {t.status}, <DateTime iso={t.closedAt} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {section.capped ? <p className="hint">This patient has more than {section.limit} tasks; only the {section.limit} most recent are shown here.</p> : null}
    </section>
  );
}

function CarePlans({ section, newHref }: { section: NonNullable<Data['carePlans']>; newHref: string | undefined }) {
  return (
    <section aria-labelledby="careplans-title" className="panel" data-testid="patient-care-plans">
      <h2 id="careplans-title">Care plans</h2>
      {section.rows.length === 0 ? (
        <p className="muted">No care plans yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">Care plans, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Plan</th>
                <th scope="col">Category</th>
                <th scope="col">Status</th>
                <th scope="col">Period</th>
              </tr>
            </thead>
            <tbody>
              {section.rows.map((p) => (
                <tr key={p.id} data-care-plan-id={p.id}>
                  <th scope="row">{p.href ? <Link to={p.href}>{p.title}</Link> : p.title}</th>
                  <td>{p.category}</td>
                  <td>
                    {p.status}
                    {p.statusReason ? <div className="sub">Reason: {p.statusReason}</div> : null}
                  </td>
                  <td>
                    <DateTime iso={p.start} /> – {p.end ? <DateTime iso={p.end} /> : <span className="muted">ongoing</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {section.capped ? <p className="hint">Showing this patient’s {section.limit} most recent care plans.</p> : null}
      {newHref ? (
        <p>
          <Link to={newHref}>Start a care plan</Link>
        </p>
      ) : null}
    </section>
  );
}

type RemindersData = NonNullable<Data['reminders']>;

function ScheduleReminderForm({ section, patientTimeZone, failure }: { section: RemindersData; patientTimeZone: string | undefined; failure: ActionData }) {
  const zone = useTimeZone();
  const failed = failureOf(failure, 'schedule');
  const zones: string[] = COMMON_TIME_ZONES.includes(zone as never) ? [...COMMON_TIME_ZONES] : [zone, ...COMMON_TIME_ZONES];
  if (section.channels.length === 0) {
    return <p className="muted">This patient has no phone number or email address on file, so no reminder can be scheduled.</p>;
  }
  return (
    <PostForm className="action-card wide" aria-labelledby="schedule-title">
      <h3 id="schedule-title">Schedule a reminder</h3>
      <input type="hidden" name="intent" value="schedule-reminder" />
      <div className="field-row">
        <div className="field">
          <label htmlFor="schedule-channel">Channel</label>
          <select id="schedule-channel" name="channel" defaultValue={failed?.values.channel ?? section.channels[0]?.value} aria-describedby={describedBy('schedule', 'channel', failed)}>
            {section.channels.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
          <FieldError id="schedule-channel-error" message={failed?.fieldErrors.channel} />
        </div>
        <div className="field">
          <label htmlFor="schedule-templateId">Message</label>
          <select id="schedule-templateId" name="templateId" defaultValue={failed?.values.templateId ?? section.templates[0]?.value}>
            {section.templates.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="field-row">
        <div className="field">
          <label htmlFor="schedule-dueAt">
            Date and time<span className="required"> (required)</span>
          </label>
          <input
            id="schedule-dueAt"
            name="dueAt"
            type="datetime-local"
            required
            defaultValue={failed?.values.dueAt ?? ''}
            aria-invalid={failed?.fieldErrors.dueAt ? true : undefined}
            aria-describedby={['schedule-dueAt-hint', describedBy('schedule', 'dueAt', failed)].filter(Boolean).join(' ')}
          />
          <FieldError id="schedule-dueAt-error" message={failed?.fieldErrors.dueAt} />
        </div>
        <div className="field">
          <label htmlFor="schedule-timeZone">Time zone of that time</label>
          <select id="schedule-timeZone" name="timeZone" defaultValue={failed?.values.timeZone ?? zone}>
            {zones.map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="hint" id="schedule-dueAt-hint">
        Reminders go out only between 8:00 and 21:00 in the patient’s own time zone{patientTimeZone ? ` (${patientTimeZone})` : ''}, and only if the patient has opted in on
        that channel; a time outside those hours is held until the next morning. The message carries no clinical detail.
      </p>
      <SubmitButton intent="schedule-reminder">Schedule reminder</SubmitButton>
      {failed ? <Alert id="schedule-error">{failed.message}</Alert> : null}
    </PostForm>
  );
}

function Reminders({ section, patientTimeZone, failure }: { section: RemindersData; patientTimeZone: string | undefined; failure: ActionData }) {
  const rendered = [
    ...(section.canWrite && section.channels.length > 0 ? ['schedule'] : []),
    ...section.rows.filter((r) => r.cancellable).map((r) => `cancel:${r.id}`),
  ];
  const orphan = orphanFailure(failure, (key) => key === 'form' || key === 'schedule' || key.startsWith('cancel:'), rendered);
  return (
    <section aria-labelledby="reminders-title" className="panel" data-testid="patient-reminders">
      <h2 id="reminders-title">Reminders</h2>
      {orphan ? <Alert id="reminders-error">{orphan.message}</Alert> : null}
      {section.rows.length === 0 ? (
        <p className="muted">No reminders yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">Reminders, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Message</th>
                <th scope="col">Channel</th>
                <th scope="col">Due</th>
                <th scope="col">Status</th>
                <th scope="col">Scheduled by</th>
                {section.canWrite ? (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {section.rows.map((r) => {
                const failed = failureOf(failure, `cancel:${r.id}`);
                return (
                  <tr key={r.id} data-reminder-id={r.id} data-status={r.statusCode}>
                    <th scope="row" id={`reminder-${r.id}`}>
                      {r.template}
                      {r.about ? (
                        <div className="sub">
                          For <DateTime iso={r.about} />
                        </div>
                      ) : null}
                      {r.carePlanHref ? (
                        <div className="sub">
                          <Link to={r.carePlanHref}>Care plan</Link>
                        </div>
                      ) : null}
                    </th>
                    <td>{r.channel}</td>
                    <td>
                      <DateTime iso={r.dueAt} />
                      {r.sendAt ? (
                        <div className="sub">
                          Held for quiet hours until <DateTime iso={r.sendAt} />
                        </div>
                      ) : null}
                    </td>
                    <td>
                      {r.status}
                      {r.reason ? <div className="sub">{r.reason}</div> : null}
                    </td>
                    <td>{r.createdBy}</td>
                    {section.canWrite ? (
                      <td>
                        {r.cancellable ? (
                          <PostForm>
                            <input type="hidden" name="intent" value="cancel-reminder" />
                            <input type="hidden" name="reminderId" value={r.id} />
                            <input type="hidden" name="version" value={r.version} />
                            <SubmitButton intent="cancel-reminder" className="danger" describedBy={`reminder-${r.id}`}>
                              Cancel reminder
                            </SubmitButton>
                            {failed ? <Alert id={`cancel-${r.id}-error`}>{failed.message}</Alert> : null}
                          </PostForm>
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {section.capped ? <p className="hint">Showing this patient’s {section.limit} most recent reminders.</p> : null}
      {section.canWrite ? <ScheduleReminderForm section={section} patientTimeZone={patientTimeZone} failure={failure} /> : null}
    </section>
  );
}

type ConsentData = NonNullable<Data['consent']>;

/** One confirmed consent change for one channel: the person ticks that the patient asked for it, then records it. */
function ConsentForm({ channel, change, failure }: { channel: ConsentData['channels'][number]; change: 'opt-in' | 'opt-out'; failure: ActionData }) {
  const key = `consent-${channel.channel}-${change}`;
  const failed = failureOf(failure, `consent:${channel.channel}:${change}`);
  const optIn = change === 'opt-in';
  const noun = channel.channel === 'sms' ? 'text (SMS)' : 'email';
  return (
    <PostForm className="action-card" aria-labelledby={`${key}-title`}>
      <h3 id={`${key}-title`}>{`${channel.label}: record ${optIn ? 'an opt-in' : 'an opt-out'}`}</h3>
      <input type="hidden" name="intent" value="consent" />
      <input type="hidden" name="channel" value={channel.channel} />
      <input type="hidden" name="change" value={change} />
      <input type="hidden" name="version" value={channel.version} />
      <div className="field">
        <label className="check">
          <input type="checkbox" name="confirm" value="yes" required aria-describedby={describedBy(key, 'confirm', failed)} />
          {optIn ? `The patient agreed to ${noun} reminders` : `The patient asked to stop ${noun} reminders`}
        </label>
        <FieldError id={`${key}-confirm-error`} message={failed?.fieldErrors.confirm} />
      </div>
      <SubmitButton intent="consent" className={optIn ? undefined : 'danger'}>
        {optIn ? 'Record opt-in' : 'Record opt-out'}
      </SubmitButton>
      {failed ? <Alert id={`${key}-error`}>{failed.message}</Alert> : null}
    </PostForm>
  );
}

function ContactPreferences({ section, failure }: { section: ConsentData; failure: ActionData }) {
  const rendered = section.channels.flatMap((c) => c.changes.map((change) => `consent:${c.channel}:${change}`));
  const orphan = orphanFailure(failure, (key) => key.startsWith('consent:'), rendered);
  return (
    <section aria-labelledby="consent-title" className="panel" data-testid="patient-consent">
      <h2 id="consent-title">Contact preferences</h2>
      {orphan ? <Alert id="consent-error">{orphan.message}</Alert> : null}
      <p className="hint">Reminders go out on a channel only after the patient opted in there; an opt-out stops them at once.</p>
      <dl className="grid-dl">
        {section.channels.map((c) => (
          <div key={c.channel} data-channel={c.channel} data-status={c.status}>
            <dt>{c.label}</dt>
            <dd>
              <strong>{c.statusLabel}</strong>
              {c.since ? (
                <div className="sub">
                  Since <DateTime iso={c.since} />
                  {c.source ? `, from ${c.source}` : ''}
                </div>
              ) : null}
            </dd>
          </div>
        ))}
      </dl>
      {section.canWrite ? (
        <div className="action-grid">
          {section.channels.flatMap((c) => c.changes.map((change) => <ConsentForm key={`${c.channel}-${change}`} channel={c} change={change} failure={failure} />))}
        </div>
      ) : null}
      {section.history.length > 0 ? (
        <details>
          <summary>Change history ({section.history.length}{section.capped ? '+' : ''})</summary>
          <ul className="plain" data-testid="consent-history">
            {section.history.map((e) => (
              <li key={e.id}>
                <DateTime iso={e.at} /> — {e.channel}: {e.change}, from {e.source} ({e.actor})
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}

function Timeline({ timeline }: { timeline: Data['timeline'] }) {
  return (
    <section aria-labelledby="timeline-title" className="panel" data-testid="patient-timeline">
      <h2 id="timeline-title">Timeline</h2>
      <p className="hint">Everything done for this patient that you may see — referrals, tasks, care plans, reminders and contact preferences — newest first.</p>
      {timeline.rows.length === 0 ? (
        <p className="muted">Nothing recorded yet.</p>
      ) : (
        <ol className="timeline" aria-label="Activity, newest first">
          {timeline.rows.map((e) => (
            <li key={e.key} data-item-type={e.item.type}>
              <p className="timeline-head">
                <DateTime iso={e.at} />
                {' · '}
                {e.actor}
              </p>
              <p>
                <strong>{e.heading}</strong>
                {' on '}
                {e.item.typeLabel.toLowerCase()} {e.item.href ? <Link to={e.item.href}>{e.item.label}</Link> : e.item.label}
              </p>
              {e.detail ? <p className="timeline-move">{e.detail}</p> : null}
              {e.note ? <p className="timeline-note">{e.note}</p> : null}
            </li>
          ))}
        </ol>
      )}
      {timeline.truncated ? (
        <p className="hint" data-testid="timeline-truncated">
          The timeline is cut short: it shows at most the {timeline.limit} most recent entries, from this patient’s most recently changed items. Older activity is on each referral’s, task’s or care plan’s own page.
        </p>
      ) : null}
    </section>
  );
}

export default function PatientPage() {
  const data = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const { links, patient } = data;
  return (
    <>
      {links.queue || links.work ? (
        <p className="breadcrumbs">{links.queue ? <Link to="/queue">← Back to the queue</Link> : <Link to="/work">← Back to work</Link>}</p>
      ) : null}
      <h1>{patient.name ?? 'Patient details pending from the EHR'}</h1>
      {patient.pending ? (
        <p className="notice" role="note">
          The EHR has not sent this patient’s details yet; they appear when it does.
        </p>
      ) : null}
      {data.done && !failure ? <Notice>{data.done}</Notice> : null}
      <Header data={data} />
      {data.referrals ? <Referrals section={data.referrals} canOpen={links.referral} /> : null}
      {data.tasks ? <Tasks section={data.tasks} /> : null}
      {data.carePlans ? <CarePlans section={data.carePlans} newHref={links.newCarePlan ? `/patients/${patient.id}/care-plans/new` : undefined} /> : null}
      {data.reminders ? <Reminders section={data.reminders} patientTimeZone={patient.timeZone} failure={failure} /> : null}
      {data.consent ? <ContactPreferences section={data.consent} failure={failure} /> : null}
      <Timeline timeline={data.timeline} />
    </>
  );
}
