import type { Priority } from '../referrals/schema';
import type { BusinessCalendar } from './calendar';
import { minutesOfDay } from './calendar';
import { wallMsAt, wallMsToEpochMs } from './zoned-time';

/**
 * Business-time arithmetic over a BusinessCalendar: pure functions of their arguments (no
 * Date.now, no I/O), so due times and SLA breaches can be recomputed and tested exactly.
 * Business time is the union of each open day's half-open window [opening, closing), with
 * opening and closing local wall times converted to instants in the calendar's time zone.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** The furthest any computation looks ahead, in local days, before giving up on a calendar. */
export const MAX_SCAN_DAYS = 3660;

/**
 * Business-time budgets per priority for tasks and referrals, in milliseconds of business time
 * (a "business day" is the 9 hours of DEFAULT_CALENDAR's 08:00–17:00): stat 4 business hours,
 * asap 1 business day, urgent 3 business days, routine 10 business days. The due time is
 * `slaDueAt({ startedAt, budgetMs: PRIORITY_SLA[priority], pauses }, calendar)`.
 */
export const PRIORITY_SLA: Readonly<Record<Priority, number>> = Object.freeze({
  stat: 4 * HOUR_MS,
  asap: 9 * HOUR_MS,
  urgent: 3 * 9 * HOUR_MS,
  routine: 10 * 9 * HOUR_MS,
});

/** The business-time budget (ms) within which work of `priority` is due; see PRIORITY_SLA. */
export function priorityBudget(priority: Priority): number {
  return PRIORITY_SLA[priority];
}

interface Window {
  start: number;
  end: number;
}

interface CompiledCalendar {
  timeZone: string;
  /** Per weekday, [opening, closing) in minutes after local midnight, or null when closed. */
  minutes: readonly ({ open: number; close: number } | null)[];
  holidays: ReadonlySet<string>;
  /** Windows already computed, by local day number (null = closed); cleared when it grows past WINDOW_CACHE_DAYS. */
  windows: Map<number, Window | null>;
}

const WINDOW_CACHE_DAYS = 4000;

// Only frozen calendars (as parseBusinessCalendar returns) are cached: what is derived from one,
// including its window cache, stays valid for as long as the calendar object lives.
const compiled = new WeakMap<BusinessCalendar, CompiledCalendar>();

function compile(calendar: BusinessCalendar): CompiledCalendar {
  let result = compiled.get(calendar);
  if (!result) {
    result = {
      timeZone: calendar.timeZone,
      minutes: calendar.workingHours.map((hours) => (hours ? { open: minutesOfDay(hours.start), close: minutesOfDay(hours.end) } : null)),
      holidays: new Set(calendar.holidays),
      windows: new Map(),
    };
    if (Object.isFrozen(calendar)) compiled.set(calendar, result);
  }
  return result;
}

/** Local day number (days since 1970-01-01 in the calendar's zone) of an instant. */
function localDayOf(epochMs: number, timeZone: string): number {
  return Math.floor(wallMsAt(epochMs, timeZone) / DAY_MS);
}

/** The business window of one local day, or null when closed (weekend, holiday, or a window DST erased). */
function computeWindowOfDay(calendar: CompiledCalendar, day: number): Window | null {
  const midnightWall = day * DAY_MS;
  const date = new Date(midnightWall);
  const hours = calendar.minutes[date.getUTCDay()];
  if (!hours || calendar.holidays.has(date.toISOString().slice(0, 10))) return null;
  const start = wallMsToEpochMs(midnightWall + hours.open * MINUTE_MS, calendar.timeZone);
  const end = wallMsToEpochMs(midnightWall + hours.close * MINUTE_MS, calendar.timeZone);
  return start < end ? { start, end } : null;
}

/** computeWindowOfDay, memoised: the time-zone conversions dominate the cost of every clock function. */
function windowOfDay(calendar: CompiledCalendar, day: number): Window | null {
  let window = calendar.windows.get(day);
  if (window === undefined) {
    if (calendar.windows.size >= WINDOW_CACHE_DAYS) calendar.windows.clear();
    window = computeWindowOfDay(calendar, day);
    calendar.windows.set(day, window);
  }
  return window;
}

/**
 * Non-empty business windows of local days `firstDay`, `firstDay + 1`, …, in time order (the
 * wall-to-instant mapping never decreases, so neither do the windows). Never returns: throws
 * after MAX_SCAN_DAYS days, so a calendar that is (almost) never open cannot loop forever.
 */
function* dayWindows(calendar: CompiledCalendar, firstDay: number): Generator<Window, never> {
  for (let day = firstDay; day < firstDay + MAX_SCAN_DAYS; day++) {
    const window = windowOfDay(calendar, day);
    if (window) yield window;
  }
  throw new RangeError(`Business calendar scan exceeded ${MAX_SCAN_DAYS} days`);
}

/** Business windows that end after `fromMs`, in order (the first may contain `fromMs`). */
function* windowsFrom(calendar: CompiledCalendar, fromMs: number): Generator<Window, never> {
  // A window of local day n ends at a wall time <= day n + 1, so no window of a day before
  // `fromMs`'s own local day can end after it.
  const windows = dayWindows(calendar, localDayOf(fromMs, calendar.timeZone));
  for (;;) {
    const window = windows.next().value;
    if (window.end > fromMs) yield window;
  }
}

function timeOf(at: Date, name: string): number {
  const ms = at.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`${name} is not a valid date`);
  return ms;
}

/** Whether the calendar is open at `at` (opening instants count, closing instants do not). */
export function isBusinessTime(at: Date, calendar: BusinessCalendar): boolean {
  const ms = timeOf(at, 'at');
  return windowsFrom(compile(calendar), ms).next().value.start <= ms;
}

/**
 * The earliest instant at or after `at` when the calendar is open: `at` itself during business
 * hours, else the next opening. This is where business-time counting starts.
 */
export function nextOpening(at: Date, calendar: BusinessCalendar): Date {
  const ms = timeOf(at, 'at');
  return new Date(Math.max(ms, windowsFrom(compile(calendar), ms).next().value.start));
}

function addBusinessMs(calendar: CompiledCalendar, startMs: number, durationMs: number): number {
  const windows = windowsFrom(calendar, startMs);
  let remaining = durationMs;
  for (;;) {
    const window = windows.next().value;
    const from = Math.max(window.start, startMs);
    if (remaining <= window.end - from) return from + remaining;
    remaining -= window.end - from;
  }
}

function assertDuration(durationMs: number, name: string): void {
  if (!Number.isFinite(durationMs) || durationMs < 0) throw new RangeError(`${name} must be a finite, non-negative number`);
}

/**
 * The instant at which `durationMs` of business time has elapsed since `start`; counting
 * starts at nextOpening(start). When the budget runs out exactly at a closing time the result
 * is that closing time (due "by close of business"), and a zero duration gives nextOpening(start).
 * Correct across DST changes because windows are computed per local day in the calendar's zone.
 */
export function addBusinessTime(start: Date, durationMs: number, calendar: BusinessCalendar): Date {
  assertDuration(durationMs, 'durationMs');
  return new Date(addBusinessMs(compile(calendar), timeOf(start, 'start'), durationMs));
}

/**
 * Closing time of the `days`-th business day after the local date of `start` (in the
 * calendar's zone), for rules such as "post-discharge call within 2 business days": a
 * discharge on Friday evening with days = 2 is due at Tuesday's close. `days = 0` means close
 * of business today, or of the next business day if today is closed or already over.
 */
export function addBusinessDays(start: Date, days: number, calendar: BusinessCalendar): Date {
  if (!Number.isSafeInteger(days) || days < 0) throw new RangeError('days must be a non-negative integer');
  const compiledCalendar = compile(calendar);
  const startMs = timeOf(start, 'start');
  if (days === 0) return new Date(windowsFrom(compiledCalendar, startMs).next().value.end);
  const windows = dayWindows(compiledCalendar, localDayOf(startMs, compiledCalendar.timeZone) + 1);
  for (let counted = 1; counted < days; counted++) windows.next();
  return new Date(windows.next().value.end);
}

/**
 * Milliseconds of business time in [a, b); 0 when b <= a. Throws if the interval spans more
 * than MAX_SCAN_DAYS local days.
 */
export function businessTimeBetween(a: Date, b: Date, calendar: BusinessCalendar): number {
  return businessMsBetween(compile(calendar), timeOf(a, 'a'), timeOf(b, 'b'));
}

function businessMsBetween(calendar: CompiledCalendar, fromMs: number, toMs: number): number {
  if (toMs <= fromMs) return 0;
  const windows = windowsFrom(calendar, fromMs);
  let total = 0;
  for (let window = windows.next().value; window.start < toMs; window = windows.next().value) {
    total += Math.min(window.end, toMs) - Math.max(window.start, fromMs);
  }
  return total;
}

/** An interval during which an SLA clock is stopped (status on-hold); no `to` means still paused. */
export interface SlaPause {
  from: Date;
  to?: Date;
}

export interface SlaClock {
  /** When the clock started (the task or referral was created or re-prioritised). */
  startedAt: Date;
  /** Business time allowed, e.g. priorityBudget(priority). */
  budgetMs: number;
  pauses: readonly SlaPause[];
}

/**
 * When an SLA clock runs out: `budgetMs` of business time after `startedAt`, not counting
 * business time inside pauses (overlapping pauses count once; time before `startedAt` is
 * ignored). Returns undefined when an open pause stopped the clock before the budget ran out,
 * because a stopped clock has no due time; a breach that happened before the pause began
 * stays a breach. A budget that runs out exactly as a pause begins is due before the pause.
 */
export function slaDueAt(clock: SlaClock, calendar: BusinessCalendar): Date | undefined {
  assertDuration(clock.budgetMs, 'budgetMs');
  const compiledCalendar = compile(calendar);
  const pauses = clock.pauses
    .map((pause) => ({ start: timeOf(pause.from, 'pause.from'), end: pause.to ? timeOf(pause.to, 'pause.to') : Infinity }))
    .sort((left, right) => left.start - right.start);
  if (pauses.some((pause) => pause.end < pause.start)) throw new RangeError('A pause must not end before it starts');

  let cursor = timeOf(clock.startedAt, 'startedAt');
  let remaining = clock.budgetMs;
  for (const pause of pauses) {
    if (pause.end <= cursor) continue;
    const available = businessMsBetween(compiledCalendar, cursor, pause.start);
    if (remaining <= available) break;
    remaining -= available;
    if (pause.end === Infinity) return undefined;
    cursor = pause.end;
  }
  return new Date(addBusinessMs(compiledCalendar, cursor, remaining));
}
