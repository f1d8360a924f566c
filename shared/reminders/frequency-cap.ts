import { instantToZonedParts } from '../sla/zoned-time';

/**
 * The SMS frequency cap: at most one reminder SMS per patient-local day and three in any seven
 * consecutive local days, so a patient with many appointments and care-plan activities is not
 * flooded. Days are calendar days in the patient's zone, so DST changes do not shift them.
 */

export const SMS_CAP = Object.freeze({ perDay: 1, perWeek: 3 });
/** Length of the rolling window `perWeek` applies to, in local days. */
const WEEK_DAYS = 7;

export type CapDecision = { allowed: true } | { allowed: false; reason: 'daily-cap' | 'weekly-cap' };

/** The local calendar date of `at` in `timeZone`, as 'YYYY-MM-DD' (no PHI: safe in keys). */
export function localDay(at: Date, timeZone: string): string {
  const { year, month, day } = instantToZonedParts(at, timeZone);
  return isoDate(Date.UTC(year, month - 1, day));
}

function isoDate(utcMidnightMs: number): string {
  return new Date(utcMidnightMs).toISOString().slice(0, 10);
}

/** The local date `offset` days after 'YYYY-MM-DD' `day` (negative = before). */
function addDays(day: string, offset: number): string {
  return isoDate(Date.parse(`${day}T00:00:00Z`) + offset * 86_400_000);
}

/**
 * The seven patient-local days ending with `at`'s local day, oldest first: the day slots the
 * storage layer reads (and conditions on) when it checks the cap before sending at `at`.
 */
export function capWindowDays(at: Date, timeZone: string): string[] {
  const today = localDay(at, timeZone);
  return Array.from({ length: WEEK_DAYS }, (_, index) => addDays(today, index - (WEEK_DAYS - 1)));
}

/**
 * Whether one more SMS may go to a patient at `at`, given the instants of the SMS already sent
 * to them: refused with `daily-cap` when one already went on `at`'s local day, and with
 * `weekly-cap` when sending would put more than three in seven consecutive local days. Every
 * seven-day span containing `at`'s day is checked, not only the one ending on it, so sends
 * recorded out of order (or clocks falling back across local midnight) cannot break it.
 */
export function capAllows(options: { sentAt: readonly Date[]; at: Date; timeZone: string }): CapDecision {
  const { sentAt, at, timeZone } = options;
  const today = localDay(at, timeZone);
  const sentDays = sentAt.map((sent) => localDay(sent, timeZone));
  if (sentDays.filter((day) => day === today).length >= SMS_CAP.perDay) return { allowed: false, reason: 'daily-cap' };
  for (let first = -(WEEK_DAYS - 1); first <= 0; first += 1) {
    const from = addDays(today, first);
    const to = addDays(today, first + WEEK_DAYS - 1);
    // 'YYYY-MM-DD' strings order like the dates they name.
    const inSpan = sentDays.filter((day) => day >= from && day <= to).length;
    if (inSpan >= SMS_CAP.perWeek) return { allowed: false, reason: 'weekly-cap' };
  }
  return { allowed: true };
}
