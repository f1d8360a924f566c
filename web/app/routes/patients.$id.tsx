import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { getPatientOverview, overviewAuditResources } from '../../../shared/patients/get-patient-overview';
import { DateOnly, DateTime, EhrLink, OverdueTag } from '~/components/ui';
import { loadOrThrow } from '~/lib/action-error.server';
import { businessStatusLabel, priorityLabel, statusLabel } from '~/lib/labels';
import { toPatientPage } from '~/lib/patient-overview.server';
import { recordId, session } from '~/lib/session.server';
import { endOfLocalDay, requestTimeZone } from '~/lib/tasks.server';

// No patient data in the title: it ends up in browser history.
export const meta: MetaFunction = () => [{ title: 'Patient · Sidecar' }];

export async function loader({ params, request, context }: LoaderFunctionArgs) {
  const { ctx, actor, audit } = session(context);
  const id = recordId(params.id, 'Patient');
  const overview = await loadOrThrow(() => getPatientOverview(ctx, { id, role: actor.role }));
  const { patient, listed } = overviewAuditResources(overview);
  audit.add('read', patient);
  audit.add('list', ...listed);
  const now = ctx.clock.now();
  return json(toPatientPage(overview, { role: actor.role, now, dueBefore: endOfLocalDay(now, requestTimeZone(request)) }));
}

type Data = ReturnType<typeof useLoaderData<typeof loader>>;

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

function Timeline({ timeline }: { timeline: Data['timeline'] }) {
  return (
    <section aria-labelledby="timeline-title" className="panel" data-testid="patient-timeline">
      <h2 id="timeline-title">Timeline</h2>
      <p className="hint">Everything done for this patient that you may see — referrals, tasks and care plans — newest first.</p>
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
      <Header data={data} />
      {data.referrals ? <Referrals section={data.referrals} canOpen={links.referral} /> : null}
      {data.tasks ? <Tasks section={data.tasks} /> : null}
      {data.carePlans ? <CarePlans section={data.carePlans} newHref={links.newCarePlan ? `/patients/${patient.id}/care-plans/new` : undefined} /> : null}
      <Timeline timeline={data.timeline} />
    </>
  );
}
