import { z } from 'zod';
import { wallMsAt, wallMsToEpochMs } from '../sla/zoned-time';

/**
 * Quiet hours: reminders reach patients only between 08:00 and 21:00 in the patient's own time
 * zone, or within a stricter window an organization configures. A reminder due outside the
 * window is deferred to the next opening. Computed on local wall-clock time through
 * shared/sla/zoned-time.ts, so DST changes neither open the window early nor skip a day.
 */

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const HH_MM = /^(?:[01]\d|2[0-3]):[0-5]\d$/;

function minutesOfDay(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** The widest window the rules allow; a configured window must lie within it. */
const LEGAL_START = '08:00';
const LEGAL_END = '21:00';

/**
 * The local hours in which reminders may be sent, [start, end); despite the name it is the
 * open window, quiet hours being everything outside it. Must lie within 08:00–21:00.
 */
export const ZQuietWindow = z
  .object({
    start: z.string().regex(HH_MM, 'expected HH:MM'),
    end: z.string().regex(HH_MM, 'expected HH:MM'),
  })
  .refine((window) => minutesOfDay(window.start) < minutesOfDay(window.end), { message: 'start must be before end', path: ['end'] })
  .refine((window) => minutesOfDay(window.start) >= minutesOfDay(LEGAL_START), { message: `must not start before ${LEGAL_START}`, path: ['start'] })
  .refine((window) => minutesOfDay(window.end) <= minutesOfDay(LEGAL_END), { message: `must not end after ${LEGAL_END}`, path: ['end'] });
export type QuietWindow = z.infer<typeof ZQuietWindow>;

export const DEFAULT_QUIET_WINDOW: Readonly<QuietWindow> = Object.freeze({ start: LEGAL_START, end: LEGAL_END });

/** Validated window bounds in ms after local midnight; throws the zod error for an invalid window. */
function bounds(window: QuietWindow): { startMs: number; endMs: number } {
  const { start, end } = ZQuietWindow.parse(window);
  return { startMs: minutesOfDay(start) * MINUTE_MS, endMs: minutesOfDay(end) * MINUTE_MS };
}

function timeOfDayMs(wallMs: number): number {
  return ((wallMs % DAY_MS) + DAY_MS) % DAY_MS;
}

/**
 * True when the clocks in `timeZone` read a time in [window.start, window.end) at `at`.
 * Throws for an unknown zone or an invalid window (one reaching outside 08:00–21:00).
 */
export function isWithinWindow(at: Date, timeZone: string, window: QuietWindow = DEFAULT_QUIET_WINDOW): boolean {
  const { startMs, endMs } = bounds(window);
  const time = timeOfDayMs(wallMsAt(at.getTime(), timeZone));
  return time >= startMs && time < endMs;
}

/**
 * The earliest instant at or after `due` at which a reminder may be sent to a patient in
 * `timeZone`: `due` itself when local time is inside the window, else the window's next opening
 * (today's start if local time is before it, tomorrow's otherwise). A start skipped by a DST gap
 * opens when the gap ends. Throws for an unknown zone, an invalid date or an invalid window.
 */
export function nextSendTime(due: Date, timeZone: string, window: QuietWindow = DEFAULT_QUIET_WINDOW): Date {
  const { startMs, endMs } = bounds(window);
  const wall = wallMsAt(due.getTime(), timeZone);
  const time = timeOfDayMs(wall);
  if (time >= startMs && time < endMs) return new Date(due.getTime());
  const midnight = wall - time;
  const opening = time < startMs ? midnight + startMs : midnight + DAY_MS + startMs;
  return new Date(wallMsToEpochMs(opening, timeZone));
}
