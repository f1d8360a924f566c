import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { CONSOLE_POLICY, isAllowed } from '../../../shared/auth/policy';
import { getPatient } from '../../../shared/patients/get-patient';
import { queueName } from '../../../shared/referrals/queues';
import { isOverdue } from '../../../shared/referrals/schema';
import { DateOnly, DateTime, EhrLink, OverdueTag } from '~/components/ui';
import { loadOrThrow } from '~/lib/action-error.server';
import { businessStatusLabel, languageName, priorityLabel, statusLabel } from '~/lib/labels';
import { recordId, session } from '~/lib/session.server';

// No patient data in the title: it ends up in browser history.
export const meta: MetaFunction = () => [{ title: 'Patient · Sidecar' }];

export async function loader({ params, context }: LoaderFunctionArgs) {
  const { ctx, actor, audit } = session(context);
  const id = recordId(params.id, 'Patient');
  const { patient, referrals, links } = await loadOrThrow(() => getPatient(ctx, { id }));
  audit.add('read', { resourceType: 'Patient', resourceId: id, patientId: id });
  const now = ctx.clock.now();
  return json({
    canRefer: isAllowed(CONSOLE_POLICY, 'GET', '/referrals/new', actor.role),
    canOpenReferrals: isAllowed(CONSOLE_POLICY, 'GET', '/referrals/x', actor.role),
    patient: {
      id: patient.id,
      name: patient.name?.text,
      birthDate: patient.birthDate,
      language: languageName(patient.language),
      phones: patient.phones,
      emails: patient.emails,
      pending: patient.pending,
    },
    links,
    referrals: referrals.map((r) => ({
      id: r.id,
      service: r.service.display ?? r.service.code ?? 'Unspecified service',
      priority: r.priority,
      queue: queueName(r.queue),
      status: r.status,
      businessStatus: r.businessStatus,
      assignee: r.assignee?.name,
      dueAt: r.dueAt,
      createdAt: r.createdAt,
      overdue: isOverdue(r, now),
      loopClosedAt: r.loopClosedAt,
    })),
  });
}

export default function PatientPage() {
  const { patient, links, referrals, canRefer, canOpenReferrals } = useLoaderData<typeof loader>();
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/queue">← Back to the queue</Link>
      </p>
      <h1>{patient.name ?? 'Patient details pending from the EHR'}</h1>
      {patient.pending ? (
        <p className="notice" role="note">
          The EHR has not sent this patient’s details yet; they appear when it does.
        </p>
      ) : null}
      <section aria-labelledby="details-title" className="panel">
        <h2 id="details-title">Details</h2>
        <dl className="grid-dl">
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
                <ul className="plain">
                  {patient.phones.map((p) => (
                    <li key={p.value}>
                      <a href={`tel:${p.value}`}>{p.value}</a>
                      {p.use ? ` (${p.use})` : ''}
                    </li>
                  ))}
                </ul>
              ) : (
                <span className="muted">None</span>
              )}
            </dd>
          </div>
          <div>
            <dt>Email</dt>
            <dd>
              {patient.emails.length > 0 ? (
                <ul className="plain">
                  {patient.emails.map((e) => (
                    <li key={e.value}>
                      {e.value}
                      {e.use ? ` (${e.use})` : ''}
                    </li>
                  ))}
                </ul>
              ) : (
                <span className="muted">None</span>
              )}
            </dd>
          </div>
        </dl>
        <p className="ehr-links">
          {links.patientInEhr ? (
            <EhrLink href={links.patientInEhr}>Open in EHR</EhrLink>
          ) : (
            <span className="muted">No EHR chart link for this patient</span>
          )}
          {canRefer ? <Link to={`/referrals/new?patientId=${encodeURIComponent(patient.id)}`}>New referral for this patient</Link> : null}
        </p>
      </section>

      <div className="table-wrap">
        <table className="data-table">
          <caption>Referrals for this patient</caption>
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
            {referrals.length === 0 ? (
              <tr>
                <td colSpan={7}>No referrals yet.</td>
              </tr>
            ) : (
              referrals.map((r) => (
                <tr key={r.id} className={r.overdue ? 'overdue' : undefined}>
                  <th scope="row">
                    {canOpenReferrals ? <Link to={`/referrals/${r.id}`}>{r.service}</Link> : r.service}
                  </th>
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
    </>
  );
}
