import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { Alert, DateTime, FieldError } from '~/components/ui';
import { loadAuditPage } from '~/lib/audit.server';
import { session } from '~/lib/session.server';

export const meta: MetaFunction = () => [{ title: 'Audit log · Sidecar' }];

// Who may open this page is CONSOLE_POLICY['/audit'] (admin, auditor), enforced before the loader.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx, actor } = session(context);
  const { status, data } = await loadAuditPage(ctx, actor.role, new URL(request.url).searchParams);
  return json(data, { status });
}

const OUTCOME_LABEL: Record<string, string> = { allowed: 'Allowed', denied: 'Denied', failed: 'Failed' };
const COLUMNS = 9;

export default function AuditPage() {
  const data = useLoaderData<typeof loader>();
  const { form, users, today } = data;
  const errors: Record<string, string> = data.ok ? {} : data.fieldErrors;
  const described = (field: string) => (errors[field] ? `${field}-error` : undefined);

  return (
    <>
      <h1>Audit log</h1>
      <p>
        Every read of patient data and every change in Sidecar, newest first. Records are append-only: nothing here can be edited or
        deleted.
      </p>

      {data.ok ? null : <Alert id="audit-error">{data.message}</Alert>}

      {/* key: new filters reset the uncontrolled inputs to what was searched. */}
      <Form method="get" className="filters" key={JSON.stringify(form)} aria-labelledby="audit-filters-title">
        <h2 id="audit-filters-title" className="visually-hidden">
          Filters
        </h2>
        <div className="filter-row">
          <label htmlFor="audit-patient">
            Patient id
            <input
              id="audit-patient"
              name="patient"
              type="text"
              autoComplete="off"
              spellCheck={false}
              pattern="[A-Za-z0-9_\-]{1,100}"
              maxLength={100}
              defaultValue={form.patient ?? ''}
              aria-invalid={errors.patient ? true : undefined}
              aria-describedby={['audit-patient-hint', described('patient')].filter(Boolean).join(' ')}
            />
          </label>
          <label htmlFor="audit-user">
            User
            <select id="audit-user" name="user" defaultValue={form.user ?? ''} aria-invalid={errors.user ? true : undefined} aria-describedby={described('user')}>
              <option value="">Anyone</option>
              {users.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.label}
                </option>
              ))}
            </select>
          </label>
          <label htmlFor="audit-from">
            From (UTC day)
            <input
              id="audit-from"
              name="from"
              type="date"
              max={today}
              defaultValue={form.from ?? ''}
              aria-invalid={errors.from ? true : undefined}
              aria-describedby={described('from')}
            />
          </label>
          <label htmlFor="audit-to">
            To (UTC day, included)
            <input id="audit-to" name="to" type="date" defaultValue={form.to ?? ''} aria-invalid={errors.to ? true : undefined} aria-describedby={described('to')} />
          </label>
        </div>
        <p className="hint" id="audit-patient-hint">
          Sidecar&apos;s patient id (from the patient&apos;s page), never a name. Up to 92 days at a time; 7 days by default.
        </p>
        <FieldError id="patient-error" message={errors.patient} />
        <FieldError id="user-error" message={errors.user} />
        <FieldError id="from-error" message={errors.from} />
        <FieldError id="to-error" message={errors.to} />
        <FieldError id="cursor-error" message={errors.cursor} />
        <div className="form-actions">
          <button type="submit">Show records</button>
          <Link to="/audit">Clear filters</Link>
        </div>
      </Form>

      <div className="table-wrap">
        <table className="data-table audit-table" aria-describedby={data.ok ? undefined : 'audit-error'}>
          <caption>
            Audit records{data.ok && form.from && form.to ? `, ${form.from} to ${form.to} (UTC)` : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">User</th>
              <th scope="col">Role</th>
              <th scope="col">Action</th>
              <th scope="col">Resource</th>
              <th scope="col">Patient id</th>
              <th scope="col">Outcome</th>
              <th scope="col">Request id</th>
              <th scope="col">Source IP</th>
            </tr>
          </thead>
          <tbody>
            {!data.ok ? (
              <tr>
                <td colSpan={COLUMNS}>No records shown: {data.message}</td>
              </tr>
            ) : data.rows.length === 0 ? (
              <tr>
                <td colSpan={COLUMNS}>No audit records match these filters.</td>
              </tr>
            ) : (
              data.rows.map((r) => (
                <tr key={r.id} className={r.outcome === 'allowed' ? undefined : 'failed'} data-testid="audit-row" data-audit-id={r.id}>
                  <th scope="row">
                    <DateTime iso={r.at} />
                  </th>
                  <td>
                    {r.actorName}
                    <div className="sub">
                      <code>{r.actorId}</code>
                    </div>
                  </td>
                  <td>{r.role}</td>
                  <td>
                    {r.action}
                    <div className="sub">via {r.via}</div>
                  </td>
                  <td>
                    {r.resourceType}
                    {r.resourceId ? (
                      <div className="sub">{r.resourceHref ? <Link to={r.resourceHref}>{r.resourceId}</Link> : <code>{r.resourceId}</code>}</div>
                    ) : null}
                  </td>
                  <td>
                    {r.patientId ? (
                      <>
                        {r.patientHref ? <Link to={r.patientHref}>{r.patientId}</Link> : <code>{r.patientId}</code>}
                        {r.patientTrailHref ? (
                          <div className="sub">
                            <Link to={r.patientTrailHref}>
                              Audit trail<span className="visually-hidden"> for patient {r.patientId}</span>
                            </Link>
                          </div>
                        ) : null}
                      </>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td>{r.outcome === 'allowed' ? OUTCOME_LABEL[r.outcome] : <strong>{OUTCOME_LABEL[r.outcome] ?? r.outcome}</strong>}</td>
                  <td>
                    <code>{r.requestId}</code>
                  </td>
                  <td>
                    <code>{r.sourceIp}</code>
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {data.ok ? (
        <nav className="pager" aria-label="Audit pages">
          {data.newestHref ? <Link to={data.newestHref}>Newest</Link> : null}
          {data.olderHref ? <Link to={data.olderHref}>Older</Link> : null}
        </nav>
      ) : null}
    </>
  );
}
