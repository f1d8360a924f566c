import { z } from 'zod';
import type { AppContext } from '../context';
import type { KeyRange } from '../db/merge-query';
import { RECORDS_INDEX } from '../db/tables';
import { QUEUES } from '../referrals/queues';
import { queuePk, readQueueCounts } from '../referrals/repository';
import { OPEN_STATUSES, PRIORITIES, PRIORITY_RANK, type ReferralStatus } from '../referrals/schema';
import { ZBusinessCalendar } from '../sla/calendar';
import { type BreachMark, countOpenEscalations, readBreachesBetween } from '../sla/escalations';
import { countRanges, TASK_COUNT_CAP } from '../tasks/get-task-counts';
import { readTeamCounts } from '../tasks/repository';
import { OPEN_TASK_STATUSES, TASK_TYPES, TEAMS, type TaskType, type Team } from '../tasks/schema';
import { viewRanges } from '../tasks/views';
import { calendarDays, localDay, summarizeLog, type TaskTally, windowStart } from './metrics';
import { readTransitionLog } from './transition-log';

export const DASHBOARD_DEFAULT_DAYS = 30;
export const DASHBOARD_MAX_DAYS = 90;

export const ZDashboardInput = z.object({
  /** The window: this many whole days in the viewer's time zone, today included. */
  days: z.number().int().min(1).max(DASHBOARD_MAX_DAYS).default(DASHBOARD_DEFAULT_DAYS),
  /** IANA zone the per-day series is counted in (the viewer's); UTC when unknown. */
  timeZone: ZBusinessCalendar.shape.timeZone.default('UTC'),
});
export type DashboardInput = z.input<typeof ZDashboardInput>;

/** A count that stopped at its cap reads "cap+" (a bounded read, never a Scan). */
export interface CappedCount {
  count: number;
  capped: boolean;
}

export interface Dashboard {
  window: { days: number; timeZone: string; since: string; until: string };
  /** Open referrals and those past due now (clock running: open, not on hold), per referral queue. */
  referralQueues: { queue: string; name: string; open: number; overdue: CappedCount }[];
  /** Open tasks, of which unowned, and those past due now (clock running), per team. */
  taskTeams: { team: Team; open: number; unowned: number; overdue: CappedCount }[];
  escalations: { open: CappedCount; breaches: CappedCount & { tasks: number; referrals: number } };
  timeToSchedule: { medianHours: number | null; count: number };
  loopClosure: { closed: number; terminal: number; rate: number | null };
  tasks: TaskTally & { byTeam: (TaskTally & { team: Team })[]; byType: (TaskTally & { type: TaskType })[] };
  /** One row per local day of the window, oldest first. */
  series: { day: string; referralsScheduled: number; loopsClosed: number; tasksCompleted: number; breaches: number }[];
}

/** Referral statuses whose SLA clock runs: open and not on hold. */
const CLOCK_RUNNING_REFERRAL_STATUSES: readonly ReferralStatus[] = OPEN_STATUSES.filter((s) => s !== 'on-hold');

/**
 * The queue-index ranges of a referral queue's work past due at `now`: per running status and
 * priority rank, `<rank>#` .. `<rank>#<now>` (the sort key is `<rank>#<dueAt>#<id>`, so this is
 * exactly `dueAt < now`), as the queue's overdue filter reads them.
 */
export function overdueReferralRanges(queue: string, now: string): KeyRange[] {
  return CLOCK_RUNNING_REFERRAL_STATUSES.flatMap((status) =>
    PRIORITIES.map((p) => ({
      index: RECORDS_INDEX.queue,
      pkName: 'queuePk',
      pkValue: queuePk(queue, status),
      skName: 'queueSk',
      lo: `${PRIORITY_RANK[p]}#`,
      hi: `${PRIORITY_RANK[p]}#${now}`,
    })),
  );
}

const capped = (count: number): CappedCount => ({ count: Math.min(count, TASK_COUNT_CAP), capped: count >= TASK_COUNT_CAP });

async function referralQueueFigures(ctx: AppContext, now: string): Promise<Dashboard['referralQueues']> {
  return Promise.all(
    QUEUES.map(async (q) => {
      const [counts, overdue] = await Promise.all([readQueueCounts(ctx, [q.id]), countRanges(ctx, overdueReferralRanges(q.id, now), TASK_COUNT_CAP)]);
      const open = OPEN_STATUSES.reduce((n, s) => n + Math.max(0, counts.byStatus[s]), 0);
      return { queue: q.id, name: q.name, open, overdue: capped(overdue) };
    }),
  );
}

async function taskTeamFigures(ctx: AppContext, now: string): Promise<Dashboard['taskTeams']> {
  return Promise.all(
    TEAMS.map(async (team) => {
      const [counts, overdue] = await Promise.all([readTeamCounts(ctx, team), countRanges(ctx, viewRanges({ view: 'overdue', team, before: now }), TASK_COUNT_CAP)]);
      const sum = (byStatus: Record<string, number>) => OPEN_TASK_STATUSES.reduce((n, s) => n + Math.max(0, byStatus[s] ?? 0), 0);
      return { team, open: sum(counts.byStatus), unowned: sum(counts.unownedByStatus), overdue: capped(overdue) };
    }),
  );
}

function breachesPerDay(breaches: readonly BreachMark[], timeZone: string): Map<string, number> {
  const perDay = new Map<string, number>();
  for (const b of breaches) {
    const day = localDay(b.breachedAt, timeZone);
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }
  return perDay;
}

/**
 * The leads' dashboard: queue sizes and overdue counts now (counter items and COUNT Queries on the
 * due-ordered queue indexes, capped), open escalations and the breaches of the window, and — from
 * the transition log — median time to schedule, loop-closure rate, tasks created and completed,
 * and a per-day series in the viewer's time zone. The window is the last `days` whole local days,
 * today included, up to now. Every read is a Query or BatchGet (about 4 per day of the window plus
 * ~170 small COUNT Queries), never a Scan. Counts and enums only: it holds no patient data.
 */
export async function getDashboard(ctx: AppContext, input: DashboardInput = {}): Promise<Dashboard> {
  const { days, timeZone } = ZDashboardInput.parse(input);
  const nowDate = ctx.clock.now();
  const now = nowDate.toISOString();
  const since = windowStart(nowDate, days, timeZone);
  // Up to and including this instant: a change made "now" is in the window.
  const until = new Date(nowDate.getTime() + 1);

  const [referralQueues, taskTeams, openEscalations, breachRead, entries] = await Promise.all([
    referralQueueFigures(ctx, now),
    taskTeamFigures(ctx, now),
    countOpenEscalations(ctx),
    readBreachesBetween(ctx, { since, until }),
    readTransitionLog(ctx, { since, until }),
  ]);
  const log = summarizeLog(entries, timeZone);
  const breachDays = breachesPerDay(breachRead.breaches, timeZone);

  return {
    window: { days, timeZone, since: since.toISOString(), until: now },
    referralQueues,
    taskTeams,
    escalations: {
      open: openEscalations,
      breaches: {
        count: breachRead.breaches.length,
        capped: breachRead.capped,
        tasks: breachRead.breaches.filter((b) => b.kind === 'task').length,
        referrals: breachRead.breaches.filter((b) => b.kind === 'referral').length,
      },
    },
    timeToSchedule: log.timeToSchedule,
    loopClosure: log.loopClosure,
    tasks: {
      created: log.tasks.created,
      completed: log.tasks.completed,
      byTeam: TEAMS.map((team) => ({ team, ...log.tasks.byTeam[team] })),
      byType: TASK_TYPES.flatMap((type) => {
        const tally = log.tasks.byType[type];
        return tally ? [{ type, ...tally }] : [];
      }),
    },
    series: calendarDays(localDay(since, timeZone), localDay(nowDate, timeZone)).map((day) => ({
      day,
      referralsScheduled: log.perDay.get(day)?.referralsScheduled ?? 0,
      loopsClosed: log.perDay.get(day)?.loopsClosed ?? 0,
      tasksCompleted: log.perDay.get(day)?.tasksCompleted ?? 0,
      breaches: breachDays.get(day) ?? 0,
    })),
  };
}
