import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';

/**
 * The dashboard's charts, drawn with recharts. Loaded lazily and rendered in the browser only (the
 * dashboard page mounts it after hydration): recharts sets inline styles, which the console's CSP
 * forbids in server-rendered HTML, and the same figures are in the page's tables without
 * JavaScript. Sizes are fixed props (no ResponsiveContainer); colours reach 3:1 on white.
 */

export interface SeriesPoint {
  day: string;
  referralsScheduled: number;
  loopsClosed: number;
  tasksCompleted: number;
  breaches: number;
}

export interface QueuePoint {
  name: string;
  open: number;
  overdue: number;
}

const COLOURS = { blue: '#0b57b0', green: '#1f7a3f', amber: '#b45309', red: '#a61b1b' } as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `2026-03-10` → `Mar 10` (a calendar day: no zone to apply). */
function shortDay(day: string): string {
  const [, m, d] = day.split('-');
  return `${MONTHS[Number(m) - 1] ?? m} ${Number(d)}`;
}

/** Bars per local day of the window: referrals scheduled, loops closed, tasks completed, breaches. */
export function SeriesChart({ series }: { series: readonly SeriesPoint[] }) {
  const data = series.map((p) => ({ ...p, label: shortDay(p.day) }));
  return (
    <BarChart width={Math.max(640, data.length * 30)} height={300} data={data} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
      <CartesianGrid strokeDasharray="3 3" vertical={false} />
      <XAxis dataKey="label" interval="preserveStartEnd" />
      <YAxis allowDecimals={false} />
      <Tooltip />
      <Legend />
      <Bar dataKey="referralsScheduled" name="Referrals scheduled" fill={COLOURS.blue} isAnimationActive={false} />
      <Bar dataKey="loopsClosed" name="Loops closed" fill={COLOURS.green} isAnimationActive={false} />
      <Bar dataKey="tasksCompleted" name="Tasks completed" fill={COLOURS.amber} isAnimationActive={false} />
      <Bar dataKey="breaches" name="SLA breaches" fill={COLOURS.red} isAnimationActive={false} />
    </BarChart>
  );
}

/** Open and overdue work now, per referral queue and per task team: horizontal bars, so every name reads in full. */
export function QueueChart({ queues }: { queues: readonly QueuePoint[] }) {
  return (
    <BarChart layout="vertical" width={640} height={60 + queues.length * 40} data={[...queues]} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
      <CartesianGrid strokeDasharray="3 3" horizontal={false} />
      <XAxis type="number" allowDecimals={false} />
      <YAxis type="category" dataKey="name" width={190} interval={0} />
      <Tooltip />
      <Legend />
      <Bar dataKey="open" name="Open" fill={COLOURS.blue} isAnimationActive={false} />
      <Bar dataKey="overdue" name="Overdue now" fill={COLOURS.red} isAnimationActive={false} />
    </BarChart>
  );
}

/** Both charts, each in a captioned figure; the default export is what the page loads lazily. */
export default function DashboardCharts({ series, queues }: { series: readonly SeriesPoint[]; queues: readonly QueuePoint[] }) {
  return (
    <div className="dashboard-charts">
      <figure className="chart" data-testid="series-chart">
        <figcaption>Per day: referrals scheduled, loops closed, tasks completed and SLA breaches</figcaption>
        <div className="chart-scroll">
          <SeriesChart series={series} />
        </div>
      </figure>
      <figure className="chart" data-testid="queue-chart">
        <figcaption>Open and overdue work now, by referral queue and task team</figcaption>
        <div className="chart-scroll">
          <QueueChart queues={queues} />
        </div>
      </figure>
    </div>
  );
}
