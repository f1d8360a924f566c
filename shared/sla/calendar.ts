import { z } from 'zod';

/**
 * A business calendar: the hours an organisation works, in its own time zone, from which task
 * and referral due times and SLA breaches are computed (see clock.ts). Stored as configuration,
 * so it is plain JSON validated by `ZBusinessCalendar` and deep-frozen once parsed.
 */

const HH_MM = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
/** Minutes after local midnight for an 'HH:MM' string the schema has validated ('24:00' = 1440). */
export function minutesOfDay(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** Opening hours of one weekday, local wall times; `end` may be '24:00' to stay open until midnight. */
export const ZWorkingHours = z
  .object({
    start: z.string().regex(HH_MM, 'expected HH:MM'),
    end: z.string().refine((value) => HH_MM.test(value) || value === '24:00', 'expected HH:MM or 24:00'),
  })
  .refine((hours) => minutesOfDay(hours.start) < minutesOfDay(hours.end), { message: 'start must be before end', path: ['end'] });
export type WorkingHours = z.infer<typeof ZWorkingHours>;

export const ZBusinessCalendar = z.object({
  /** IANA time zone the hours and holidays are in, e.g. America/New_York. */
  timeZone: z
    .string()
    .min(1)
    .max(100)
    .refine(isTimeZone, 'unknown time zone'),
  /** Index 0 = Sunday … 6 = Saturday; null = closed all day. At least one day must be open. */
  workingHours: z
    .array(ZWorkingHours.nullable())
    .length(7)
    .refine((days) => days.some((day) => day !== null), 'at least one weekday must have working hours'),
  /** Local dates (YYYY-MM-DD in timeZone) on which the calendar is closed. */
  holidays: z
    .array(z.string().refine(isIsoDate, 'expected a YYYY-MM-DD date'))
    .max(2000)
    .default([]),
});
export type BusinessCalendar = Readonly<{
  timeZone: string;
  workingHours: readonly (Readonly<WorkingHours> | null)[];
  holidays: readonly string[];
}>;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates a calendar (from configuration or a form) and returns it deep-frozen, so the clock
 * functions can cache what they derive from it. Throws the zod error on an invalid calendar:
 * a bad time zone, an hour range with start >= end, or no working day at all.
 */
export function parseBusinessCalendar(input: unknown): BusinessCalendar {
  return deepFreeze(ZBusinessCalendar.parse(input));
}

const WEEKDAY = { start: '08:00', end: '17:00' } as const;

/**
 * Sidecar's calendar unless an organisation configures its own: New York time, Monday–Friday
 * 08:00–17:00, closed on US federal holidays.
 */
export const DEFAULT_CALENDAR: BusinessCalendar = parseBusinessCalendar({
  timeZone: 'America/New_York',
  workingHours: [null, WEEKDAY, WEEKDAY, WEEKDAY, WEEKDAY, WEEKDAY, null],
  // US federal holidays as observed by OPM (a Saturday holiday is observed on the Friday before,
  // a Sunday one on the Monday after). Extend this list before 2028.
  holidays: [
    '2026-01-01', // New Year's Day
    '2026-01-19', // Birthday of Martin Luther King, Jr.
    '2026-02-16', // Washington's Birthday
    '2026-05-25', // Memorial Day
    '2026-06-19', // Juneteenth National Independence Day
    '2026-07-03', // Independence Day (July 4 is a Saturday)
    '2026-09-07', // Labor Day
    '2026-10-12', // Columbus Day
    '2026-11-11', // Veterans Day
    '2026-11-26', // Thanksgiving Day
    '2026-12-25', // Christmas Day
    '2027-01-01', // New Year's Day
    '2027-01-18', // Birthday of Martin Luther King, Jr.
    '2027-02-15', // Washington's Birthday
    '2027-05-31', // Memorial Day
    '2027-06-18', // Juneteenth National Independence Day (June 19 is a Saturday)
    '2027-07-05', // Independence Day (July 4 is a Sunday)
    '2027-09-06', // Labor Day
    '2027-10-11', // Columbus Day
    '2027-11-11', // Veterans Day
    '2027-11-25', // Thanksgiving Day
    '2027-12-24', // Christmas Day (December 25 is a Saturday)
    '2027-12-31', // New Year's Day 2028 (January 1, 2028 is a Saturday)
  ],
});
