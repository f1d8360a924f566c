import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useLocation } from '@remix-run/react';
import { useRef } from 'react';
import { useRowKeys } from '~/components/row-keys';
import { getQueueCounts } from '../../../shared/referrals/get-queue-counts';
import { listQueue } from '../../../shared/referrals/list-queue';
import { QUEUES, queueName } from '../../../shared/referrals/queues';
import { DateOnly, DateTime, OverdueTag } from '~/components/ui';
import { loadOrThrow } from '~/lib/action-error.server';
import { BUSINESS_STATUS_LABEL, businessStatusLabel, PRIORITY_LABEL, priorityLabel, STATUS_LABEL, statusLabel } from '~/lib/labels';
import { parseQueueSearch, staffOptions, toQueueFilter, toQueueRow } from '~/lib/queue.server';
import { session } from '~/lib/session.server';

export const meta: MetaFunction = () => [{ title: 'Queue · Sidecar' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx, actor, audit } = session(context);
  const search = await loadOrThrow(async () => parseQueueSearch(new URL(request.url).searchParams));
  const [page, counts] = await loadOrThrow(() =>
    Promise.all([listQueue(ctx, toQueueFilter(search, actor)), getQueueCounts(ctx, search.queue ? { queue: search.queue } : {})]),
  );
  audit.add('list', ...page.rows.map((r) => ({ resourceType: 'Referral' as const, resourceId: r.referral.id, patientId: r.referral.patientId })));
  return json({
    search,
    rows: page.rows.map(toQueueRow),
    nextCursor: page.nextCursor,
    counts,
    staff: await staffOptions(ctx),
    me: actor.id,
  });
}

const STATUS_OPTIONS = Object.entries(STATUS_LABEL);
const BUSINESS_OPTIONS = Object.entries(BUSINESS_STATUS_LABEL);
const PRIORITY_OPTIONS = Object.entries(PRIORITY_LABEL);

export default function QueuePage() {
  const { search, rows, nextCursor, counts, staff, me } = useLoaderData<typeof loader>();
  const location = useLocation();
  const table = useRef<HTMLTableElement>(null);
  useRowKeys(table);

  const params = new URLSearchParams(location.search);
  params.delete('cursor');
  const filterQuery = params.toString();
  const next = new URLSearchParams(params);
  if (nextCursor) next.set('cursor', nextCursor);
  const countLink = (key: 'status' | 'business', value: string) => {
    const p = new URLSearchParams(search.queue ? { queue: search.queue } : {});
    p.set(key, value);
    return `/queue?${p.toString()}`;
  };
  const scope = search.queue ? queueName(search.queue) : 'all queues';
  const meName = staff.find((u) => u.id === me)?.name;

  return (
    <>
      <div className="page-title">
        <h1>Queue</h1>
        <Link to="/referrals/new" className="button">
          New referral
        </Link>
      </div>

      {/* key: "Clear filters" and count links reset the uncontrolled inputs. */}
      <Form method="get" className="filters" key={filterQuery} aria-labelledby="filters-title">
        <h2 id="filters-title" className="visually-hidden">
          Filters
        </h2>
        <div className="filter-row">
          <label>
            Queue
            <select name="queue" defaultValue={search.queue ?? ''}>
              <option value="">All queues</option>
              {QUEUES.map((q) => (
                <option key={q.id} value={q.id}>
                  {q.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Business status
            <select name="business" defaultValue={search.business ?? ''}>
              <option value="">Any</option>
              {BUSINESS_OPTIONS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Assignee
            <select name="assignee" defaultValue={search.assignee ?? ''}>
              <option value="">Anyone</option>
              <option value="me">{meName ? `Me (${meName})` : 'Me'}</option>
              {staff.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </select>
          </label>
          <label className="check">
            <input type="checkbox" name="overdue" value="1" defaultChecked={search.overdue === '1'} /> Overdue only
          </label>
        </div>
        <fieldset>
          <legend>Status (none ticked: all open)</legend>
          {STATUS_OPTIONS.map(([value, label]) => (
            <label key={value} className="check">
              <input type="checkbox" name="status" value={value} defaultChecked={search.status?.includes(value as never) ?? false} /> {label}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Priority (none ticked: all)</legend>
          {PRIORITY_OPTIONS.map(([value, label]) => (
            <label key={value} className="check">
              <input type="checkbox" name="priority" value={value} defaultChecked={search.priority?.includes(value as never) ?? false} /> {label}
            </label>
          ))}
        </fieldset>
        <div className="form-actions">
          <button type="submit">Apply filters</button>
          <Link to="/queue">Clear filters</Link>
        </div>
      </Form>

      <section aria-labelledby="counts-title" className="counts">
        <h2 id="counts-title">Counts for {scope}</h2>
        <div className="count-groups">
          <div>
            <h3>By status</h3>
            <dl className="count-list">
              {STATUS_OPTIONS.map(([value, label]) => (
                <div key={value}>
                  <dt>
                    <Link to={countLink('status', value)}>{label}</Link>
                  </dt>
                  <dd>{counts.byStatus[value as keyof typeof counts.byStatus] ?? 0}</dd>
                </div>
              ))}
            </dl>
          </div>
          <div>
            <h3>By business status</h3>
            <dl className="count-list">
              {BUSINESS_OPTIONS.map(([value, label]) => (
                <div key={value}>
                  <dt>
                    <Link to={countLink('business', value)}>{label}</Link>
                  </dt>
                  <dd>{counts.byBusinessStatus[value as keyof typeof counts.byBusinessStatus] ?? 0}</dd>
                </div>
              ))}
            </dl>
          </div>
        </div>
      </section>

      <p className="hint" id="queue-keys">
        Tip: press <kbd>j</kbd> and <kbd>k</kbd> to move between referrals, <kbd>Enter</kbd> to open one.
      </p>
      <div className="table-wrap">
        <table ref={table} className="data-table queue-table" aria-describedby="queue-keys">
          <caption>Referral queue</caption>
          <thead>
            <tr>
              <th scope="col">Priority</th>
              <th scope="col">Patient</th>
              <th scope="col">Service</th>
              <th scope="col">Queue</th>
              <th scope="col">Status</th>
              <th scope="col">Assignee</th>
              <th scope="col">Due</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={7}>No referrals match these filters.</td>
              </tr>
            ) : (
              rows.map((row) => (
                <tr key={row.id} className={row.overdue ? 'overdue' : undefined} data-testid="queue-row" data-referral-id={row.id}>
                  <td>
                    <span className={`tag priority-${row.priority}`}>{priorityLabel(row.priority)}</span>
                  </td>
                  <th scope="row">
                    <Link to={`/referrals/${row.id}`} className="row-link">
                      {row.patientName ?? 'Patient details pending'}
                    </Link>
                    <div className="sub">
                      Born <DateOnly date={row.patientBirthDate} />
                    </div>
                  </th>
                  <td>{row.service}</td>
                  <td>{row.queue}</td>
                  <td>
                    {statusLabel(row.status)}
                    <div className="sub">{businessStatusLabel(row.businessStatus)}</div>
                  </td>
                  <td>{row.assignee ?? <span className="muted">Unassigned</span>}</td>
                  <td>
                    <DateTime iso={row.dueAt} />
                    {row.overdue ? (
                      <>
                        {' '}
                        <OverdueTag />
                      </>
                    ) : null}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label="Queue pages">
        {search.cursor ? <Link to={filterQuery ? `/queue?${filterQuery}` : '/queue'}>First page</Link> : null}
        {nextCursor ? <Link to={`/queue?${next.toString()}`}>Next page</Link> : null}
      </nav>
    </>
  );
}
