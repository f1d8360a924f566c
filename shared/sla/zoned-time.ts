/**
 * Conversions between instants and wall-clock times in an IANA time zone, built on
 * Intl.DateTimeFormat (no date library). The business calendar needs them to turn "08:00 on
 * 2026-03-09 in New York" into an instant and back, correctly across DST changes.
 */

const SECOND_MS = 1000;
const DAY_MS = 86_400_000;

/** A wall-clock reading in some time zone; `month` is 1–12, `weekday` 0 = Sunday … 6 = Saturday. */
export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  weekday: number;
}

/** A wall-clock time to convert; omitted fields are 0 and out-of-range fields roll over as in Date.UTC (hour 24 is the next midnight). */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  millisecond?: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The zone's wall-clock reading at `epochMs`, encoded as if that reading were UTC ("wall ms"):
 * plain arithmetic on wall ms is calendar arithmetic on local dates and times.
 */
export function wallMsAt(epochMs: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(epochMs)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const subSecond = ((epochMs % SECOND_MS) + SECOND_MS) % SECOND_MS;
  return Date.UTC(fields.year ?? NaN, (fields.month ?? NaN) - 1, fields.day, fields.hour, fields.minute, fields.second) + subSecond;
}

function offsetAt(epochMs: number, timeZone: string): number {
  return wallMsAt(epochMs, timeZone) - epochMs;
}

/**
 * The instant whose wall-clock reading in `timeZone` is `wallMs` (see wallMsAt). Defined as the
 * earliest instant at which the zone's clocks read `wallMs` or later, so a time skipped by a
 * spring-forward gap maps to the instant the gap ends, a time repeated by a fall-back overlap
 * maps to its first occurrence, and the mapping never decreases as `wallMs` grows. Assumes at
 * most one offset change within a day either side of the time, which holds for IANA zones.
 */
export function wallMsToEpochMs(wallMs: number, timeZone: string): number {
  const before = offsetAt(wallMs - DAY_MS, timeZone);
  const after = offsetAt(wallMs + DAY_MS, timeZone);
  let earliest: number | undefined;
  for (const offset of new Set([before, offsetAt(wallMs, timeZone), after])) {
    const candidate = wallMs - offset;
    if (wallMsAt(candidate, timeZone) === wallMs && (earliest === undefined || candidate < earliest)) earliest = candidate;
  }
  if (earliest !== undefined) return earliest;
  // In a gap the clocks jump from below `wallMs` to above it at the transition instant, which
  // lies in (wallMs - after, wallMs - before]; the wall reading rises monotonically there.
  let low = wallMs - after;
  let high = wallMs - before;
  if (!(low < high)) throw new Error(`Cannot resolve a wall time in time zone ${timeZone}`);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (wallMsAt(middle, timeZone) >= wallMs) high = middle;
    else low = middle;
  }
  return high;
}

/** The wall-clock fields of `at` in `timeZone` (an IANA name), for local-date and working-hour checks. */
export function instantToZonedParts(at: Date, timeZone: string): ZonedParts {
  const wall = new Date(wallMsAt(at.getTime(), timeZone));
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
    millisecond: wall.getUTCMilliseconds(),
    weekday: wall.getUTCDay(),
  };
}

/**
 * The instant at which clocks in `timeZone` read `wall`. A wall time that does not exist
 * (skipped by spring-forward) maps to the first instant after the gap; one that occurs twice
 * (fall-back) maps to its first occurrence.
 */
export function zonedWallTimeToInstant(wall: WallTime, timeZone: string): Date {
  const wallMs = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour ?? 0, wall.minute ?? 0, wall.second ?? 0, wall.millisecond ?? 0);
  return new Date(wallMsToEpochMs(wallMs, timeZone));
}
