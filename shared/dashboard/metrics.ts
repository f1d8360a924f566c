import { TERMINAL_STATUSES, type ReferralStatus } from '../referrals/schema';
import { wallMsAt, zonedWallTimeToInstant } from '../sla/zoned-time';
import { TEAMS, type TaskType, type Team } from '../tasks/schema';
import type { TransitionLogEntry } from './transition-log';

/**
 * The leads' dashboard figures that come from the transition log, as pure functions over its
 * entries (no I/O), so every definition is unit-testable. The definitions are those of
 * docs/decisions/073-transition-log-and-dashboard.md.
 */

const HOUR_MS = 3_600_000;

/** The middle value (the mean of the two middle ones for an even count), or null for no values. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `numerator / denominator`, or null when there is nothing to divide by (no rate, not 0 %). */
export function rate(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

/** The calendar date (`yyyy-mm-dd`) of an instant on the wall clock of `timeZone`. */
export function localDay(at: Date | string, timeZone: string): string {
  return new Date(wallMsAt(new Date(at).getTime(), timeZone)).toISOString().slice(0, 10);
}

/** Every calendar date from `first` to `last` inclusive (`yyyy-mm-dd`), oldest first. */
export function calendarDays(first: string, last: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= Date.parse(`${last}T00:00:00Z`); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/**
 * The start of "the last `days` days" in `timeZone`: local midnight beginning the calendar day
 * `days - 1` days before today, so the window is `days` whole local days, today included (a
 * per-day chart then has no partial first bar). A midnight skipped by a DST change maps to the
 * first instant after it.
 */
export function windowStart(now: Date, days: number, timeZone: string): Date {
  const [y, m, d] = localDay(now, timeZone).split('-').map(Number) as [number, number, number];
  return zonedWallTimeToInstant({ year: y, month: m, day: d - (days - 1) }, timeZone);
}

export interface TaskTally {
  created: number;
  completed: number;
}

export interface DayFigures {
  referralsScheduled: number;
  loopsClosed: number;
  tasksCompleted: number;
}

/** What the log says about a window (all counts; ids never leave this function). */
export interface LogSummary {
  /** Hours from a referral's creation to its first move into `appointment-booked` inside the window. */
  timeToSchedule: { medianHours: number | null; count: number };
  /** Referrals that reached a terminal status inside the window, and how many of them closed the loop. */
  loopClosure: { closed: number; terminal: number; rate: number | null };
  tasks: TaskTally & { byTeam: Record<Team, TaskTally>; byType: Partial<Record<TaskType, TaskTally>> };
  /** Per local day (`yyyy-mm-dd` in the viewer's zone); days without entries are absent. */
  perDay: Map<string, DayFigures>;
}

const isTerminal = (status: string | undefined) => status !== undefined && TERMINAL_STATUSES.includes(status as ReferralStatus);

/**
 * The log-derived figures of a window from its entries (oldest first, as readTransitionLog returns
 * them), bucketed into days of `timeZone`:
 * - time to schedule: per referral, its first entry in the window moving it into
 *   `appointment-booked` (a rebooking after a no-show is not a new sample); a referral whose first
 *   booking fell before the window and is rebooked inside it counts once, from its creation;
 * - loop closure: entries moving a referral into a terminal status; closed when the entry closed
 *   the loop (an outcome came back);
 * - tasks created (entries with no `from`) and completed (moves into `completed`), by team and type.
 */
export function summarizeLog(entries: readonly TransitionLogEntry[], timeZone: string): LogSummary {
  const scheduleHours: number[] = [];
  const booked = new Set<string>();
  const loopClosure = { closed: 0, terminal: 0 };
  const byTeam = Object.fromEntries(TEAMS.map((t) => [t, { created: 0, completed: 0 }])) as Record<Team, TaskTally>;
  const byType: Partial<Record<TaskType, TaskTally>> = {};
  const tasks = { created: 0, completed: 0 };
  const perDay = new Map<string, DayFigures>();
  const dayOf = (entry: TransitionLogEntry) => {
    const day = localDay(entry.at, timeZone);
    let figures = perDay.get(day);
    if (!figures) perDay.set(day, (figures = { referralsScheduled: 0, loopsClosed: 0, tasksCompleted: 0 }));
    return figures;
  };

  for (const entry of entries) {
    if (entry.kind === 'referral') {
      const intoBooked = entry.to.businessStatus === 'appointment-booked' && entry.from?.businessStatus !== 'appointment-booked';
      if (intoBooked && !booked.has(entry.itemId)) {
        booked.add(entry.itemId);
        scheduleHours.push((Date.parse(entry.at) - Date.parse(entry.itemCreatedAt)) / HOUR_MS);
        dayOf(entry).referralsScheduled++;
      }
      if (isTerminal(entry.to.status) && !isTerminal(entry.from?.status)) {
        loopClosure.terminal++;
        if (entry.loopClosed) {
          loopClosure.closed++;
          dayOf(entry).loopsClosed++;
        }
      }
      continue;
    }
    const created = entry.from === undefined;
    const completed = entry.to.status === 'completed' && entry.from?.status !== 'completed';
    if (!created && !completed) continue;
    const tallies = [tasks, ...(entry.team ? [byTeam[entry.team]] : []), ...(entry.taskType ? [(byType[entry.taskType] ??= { created: 0, completed: 0 })] : [])];
    for (const tally of tallies) {
      if (created) tally.created++;
      if (completed) tally.completed++;
    }
    if (completed) dayOf(entry).tasksCompleted++;
  }

  return {
    timeToSchedule: { medianHours: median(scheduleHours), count: scheduleHours.length },
    loopClosure: { ...loopClosure, rate: rate(loopClosure.closed, loopClosure.terminal) },
    tasks: { ...tasks, byTeam, byType },
    perDay,
  };
}
