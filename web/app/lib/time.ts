/**
 * Dates and time zones for the console, with the platform's Intl only (no library), shared by the
 * server (parsing form input) and the browser (formatting). Every formatted time names its zone,
 * so a time shown in UTC (no browser zone known yet) is never mistaken for local time.
 */

/** Zones offered by the schedule form; any valid IANA zone is accepted from the browser. */
export const COMMON_TIME_ZONES = [
  'UTC',
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Phoenix',
  'America/Los_Angeles',
  'America/Anchorage',
  'Pacific/Honolulu',
  'America/Puerto_Rico',
  'Europe/London',
  'Europe/Berlin',
] as const;

export const TIME_ZONE_COOKIE = 'sidecar_tz';

export function isValidTimeZone(zone: string | undefined | null): zone is string {
  if (!zone || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const wallClockFormats = new Map<string, Intl.DateTimeFormat>();
function wallClockFormat(timeZone: string): Intl.DateTimeFormat {
  let f = wallClockFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    wallClockFormats.set(timeZone, f);
  }
  return f;
}

/** The wall-clock reading in `timeZone` at `instant`, as if it were UTC (ms). */
function wallClockAsUtc(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of wallClockFormat(timeZone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
}

/** Minutes to add to UTC to get the wall clock in `timeZone` at `instant`. */
export function offsetMinutes(instant: number, timeZone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return Math.round((wallClockAsUtc(whole, timeZone) - whole) / 60_000);
}

function pad(n: number, width = 2): string {
  return String(Math.abs(n)).padStart(width, '0');
}

const LOCAL_DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

export class TimeInputError extends Error {}

/**
 * A `datetime-local` value (`2025-03-10T14:30`, no zone) read as wall-clock time in `timeZone`,
 * as an ISO 8601 date-time with that zone's offset at that moment (`2025-03-10T14:30:00-04:00`).
 * Throws TimeInputError for malformed input or a time skipped by a daylight-saving change.
 */
export function zonedLocalToIso(local: string, timeZone: string): string {
  const m = LOCAL_DATETIME.exec(local.trim());
  if (!m) throw new TimeInputError('Enter a date and time');
  if (!isValidTimeZone(timeZone)) throw new TimeInputError('Choose a valid time zone');
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(asUtc);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new TimeInputError('Enter a real date and time');
  }
  // Two passes settle the offset across a daylight-saving change.
  let instant = asUtc - offsetMinutes(asUtc, timeZone) * 60_000;
  instant = asUtc - offsetMinutes(instant, timeZone) * 60_000;
  if (wallClockAsUtc(instant, timeZone) !== asUtc) {
    throw new TimeInputError(`That time does not exist in ${timeZone} (the clocks change then)`);
  }
  const offset = offsetMinutes(instant, timeZone);
  const sign = offset < 0 ? '-' : '+';
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${pad(s)}${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

/** The `datetime-local` value for an instant, in `timeZone` (to prefill a form). */
export function isoToZonedLocal(iso: string, timeZone: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const wall = new Date(wallClockAsUtc(t, timeZone));
  return `${wall.getUTCFullYear()}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}T${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}`;
}

/** "Mar 10, 2025, 2:30 PM EDT": a date-time with its zone, or the input when it is not a date. */
export function formatDateTime(iso: string | undefined, timeZone: string): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(t);
}

/** A FHIR date (`1950-03-04`, `1950-03`, `1950`) shown as written: birth dates have no zone. */
export function formatDate(date: string | undefined): string {
  if (!date) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${months[Number(m[2]) - 1] ?? m[2]} ${Number(m[3])}, ${m[1]}`;
}

/** Today's date (yyyy-mm-dd) in UTC, the inbox's day boundary. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}
