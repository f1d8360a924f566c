import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useLoaderData } from '@remix-run/react';
import { lazy, Suspense, useEffect, useState } from 'react';
import { z } from 'zod';
import { DASHBOARD_DEFAULT_DAYS, DASHBOARD_MAX_DAYS, getDashboard } from '../../../shared/dashboard/get-dashboard';
import { loadOrThrow } from '~/lib/action-error.server';
import { session } from '~/lib/session.server';
import { TEAM_LABEL, taskTypeLabel } from '~/lib/task-labels';
import { requestTimeZone } from '~/lib/tasks.server';
import { formatDate } from '~/lib/time';

export const meta: MetaFunction = () => [{ title: 'Dashboard · Sidecar' }];

/** Windows offered by the form; any 1–90 in the URL is accepted. */
const WINDOWS = [7, 30, 90] as const;

// recharts only ever loads in the browser (see components/dashboard-charts.tsx).
const DashboardCharts = lazy(() => import('~/components/dashboard-charts'));

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx, audit } = session(context);
  const url = new URL(request.url);
  const days = url.searchParams.get('days');
  const search = await loadOrThrow(async () =>
    z.object({ days: z.coerce.number().int().min(1).max(DASHBOARD_MAX_DAYS).default(DASHBOARD_DEFAULT_DAYS) }).parse(days ? { days } : {}),
  );
  const dashboard = await loadOrThrow(() => getDashboard(ctx, { days: search.days, timeZone: requestTimeZone(request) }));
  // Counts only, no patient: one audit record of the read, not one per patient.
  audit.add('read', { resourceType: 'Queue', resourceId: 'dashboard' });
  return json({ dashboard });
}

/** `48` → `2.0 days`, `5.25` → `5.3 hours`. */
function duration(hours: number): string {
  return hours >= 48 ? `${(hours / 24).toFixed(1)} days` : `${hours.toFixed(1)} hours`;
}
const percent = (share: number) => `${Math.round(share * 100)}%`;
const capped = (c: { count: number; capped: boolean }) => `${c.count}${c.capped ? '+' : ''}`;

function Stat({ id, label, value, detail }: { id: string; label: string; value: string; detail: string }) {
  return (
    <div className="stat-card" data-testid={`stat-${id}`}>
      <dt>{label}</dt>
      <dd>
        <span className="stat-value" data-testid={`stat-${id}-value`}>
          {value}
        </span>
        <span className="stat-detail">{detail}</span>
      </dd>
    </div>
  );
}

/** True once the page has hydrated: charts are drawn only then (never in server HTML). */
function useMounted(): boolean {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return mounted;
}

export default function DashboardPage() {
  const { dashboard: d } = useLoaderData<typeof loader>();
  const mounted = useMounted();
  const noCharts = <p className="hint">The charts are drawn in your browser; the tables below hold the same figures.</p>;
  const queuePoints = [
    ...d.referralQueues.map((q) => ({ name: q.name, open: q.open, overdue: q.overdue.count })),
    ...d.taskTeams.map((t) => ({ name: `${TEAM_LABEL[t.team]} (tasks)`, open: t.open, overdue: t.overdue.count })),
  ];

  return (
    <>
      <div className="page-title">
        <h1>Dashboard</h1>
      </div>
      <Form method="get" className="filters" aria-labelledby="window-title">
        <h2 id="window-title" className="visually-hidden">
          Window
        </h2>
        <div className="filter-row">
          <label>
            Window
            <select name="days" defaultValue={String(d.window.days)}>
              {[...new Set([...WINDOWS, d.window.days])]
                .sort((a, b) => a - b)
                .map((n) => (
                  <option key={n} value={n}>
                    Last {n} {n === 1 ? 'day' : 'days'}
                  </option>
                ))}
            </select>
          </label>
        </div>
        <div className="form-actions">
          <button type="submit">Show</button>
        </div>
      </Form>
      <p className="hint" data-testid="dashboard-window">
        The last {d.window.days} {d.window.days === 1 ? 'day' : 'days'}, today included, from {formatDate(d.series[0]?.day)} (days in {d.window.timeZone}). Queue sizes and
        overdue counts are as of now.
      </p>

      <section aria-labelledby="summary-title">
        <h2 id="summary-title">In the window</h2>
        <dl className="stat-cards">
          <Stat
            id="time-to-schedule"
            label="Median time to schedule"
            value={d.timeToSchedule.medianHours === null ? '—' : duration(d.timeToSchedule.medianHours)}
            detail={`from referral to first booked appointment, ${d.timeToSchedule.count} ${d.timeToSchedule.count === 1 ? 'referral' : 'referrals'} booked`}
          />
          <Stat
            id="loop-closure"
            label="Loop-closure rate"
            value={d.loopClosure.rate === null ? '—' : percent(d.loopClosure.rate)}
            detail={`${d.loopClosure.closed} of ${d.loopClosure.terminal} referrals closed in the window came back with an outcome`}
          />
          <Stat id="tasks-completed" label="Tasks completed" value={String(d.tasks.completed)} detail={`${d.tasks.created} created`} />
          <Stat
            id="breaches"
            label="SLA breaches"
            value={capped(d.escalations.breaches)}
            detail={`${d.escalations.breaches.tasks} on tasks, ${d.escalations.breaches.referrals} on referrals; ${capped(d.escalations.open)} escalations open now`}
          />
        </dl>
      </section>

      <section aria-labelledby="charts-title">
        <h2 id="charts-title">Charts</h2>
        {mounted ? (
          <Suspense fallback={noCharts}>
            <DashboardCharts series={d.series} queues={queuePoints} />
          </Suspense>
        ) : (
          noCharts
        )}
      </section>

      <section aria-labelledby="queues-title">
        <h2 id="queues-title">Queues now</h2>
        <div className="two-col">
          <div className="table-wrap">
            <table className="data-table" data-testid="referral-queues">
              <caption>Referrals by queue</caption>
              <thead>
                <tr>
                  <th scope="col">Queue</th>
                  <th scope="col">Open</th>
                  <th scope="col">Overdue</th>
                </tr>
              </thead>
              <tbody>
                {d.referralQueues.map((q) => (
                  <tr key={q.queue} data-queue={q.queue}>
                    <th scope="row">{q.name}</th>
                    <td>{q.open}</td>
                    <td>{capped(q.overdue)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="table-wrap">
            <table className="data-table" data-testid="task-teams">
              <caption>Tasks by team</caption>
              <thead>
                <tr>
                  <th scope="col">Team</th>
                  <th scope="col">Open</th>
                  <th scope="col">Unowned</th>
                  <th scope="col">Overdue</th>
                </tr>
              </thead>
              <tbody>
                {d.taskTeams.map((t) => (
                  <tr key={t.team} data-team={t.team}>
                    <th scope="row">{TEAM_LABEL[t.team]}</th>
                    <td>{t.open}</td>
                    <td>{t.unowned}</td>
                    <td>{capped(t.overdue)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      </section>

      <section aria-labelledby="throughput-title">
        <h2 id="throughput-title">Tasks in the window</h2>
        <div className="two-col">
          <div className="table-wrap">
            <table className="data-table" data-testid="tasks-by-team">
              <caption>By team</caption>
              <thead>
                <tr>
                  <th scope="col">Team</th>
                  <th scope="col">Created</th>
                  <th scope="col">Completed</th>
                </tr>
              </thead>
              <tbody>
                {d.tasks.byTeam.map((t) => (
                  <tr key={t.team}>
                    <th scope="row">{TEAM_LABEL[t.team]}</th>
                    <td>{t.created}</td>
                    <td>{t.completed}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="table-wrap">
            <table className="data-table" data-testid="tasks-by-type">
              <caption>By type</caption>
              <thead>
                <tr>
                  <th scope="col">Type</th>
                  <th scope="col">Created</th>
                  <th scope="col">Completed</th>
                </tr>
              </thead>
              <tbody>
                {d.tasks.byType.length === 0 ? (
                  <tr>
                    <td colSpan={3}>No tasks created or completed in the window.</td>
                  </tr>
                ) : (
                  d.tasks.byType.map((t) => (
                    <tr key={t.type}>
                      <th scope="row">{taskTypeLabel(t.type)}</th>
                      <td>{t.created}</td>
                      <td>{t.completed}</td>
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          </div>
        </div>
      </section>

      <section aria-labelledby="days-title">
        <h2 id="days-title">Per day</h2>
        <div className="table-wrap">
          <table className="data-table" data-testid="per-day">
            <caption>Per day, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">Referrals scheduled</th>
                <th scope="col">Loops closed</th>
                <th scope="col">Tasks completed</th>
                <th scope="col">SLA breaches</th>
              </tr>
            </thead>
            <tbody>
              {[...d.series].reverse().map((p) => (
                <tr key={p.day} data-day={p.day}>
                  <th scope="row">
                    <time dateTime={p.day}>{formatDate(p.day)}</time>
                  </th>
                  <td>{p.referralsScheduled}</td>
                  <td>{p.loopsClosed}</td>
                  <td>{p.tasksCompleted}</td>
                  <td>{p.breaches}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
