import { ZodError } from 'zod';
import { DEFAULT_CALENDAR, ZBusinessCalendar, parseBusinessCalendar } from '../../../shared/sla/calendar';

const NINE_TO_FIVE = { start: '09:00', end: '17:00' };
const valid = { timeZone: 'Europe/London', workingHours: [null, NINE_TO_FIVE, NINE_TO_FIVE, NINE_TO_FIVE, NINE_TO_FIVE, NINE_TO_FIVE, null], holidays: ['2026-12-25'] };

function issuesOf(input: unknown): string[] {
  const result = ZBusinessCalendar.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('ZBusinessCalendar', () => {
  it('accepts a calendar with hours per weekday, a closed day as null and local holiday dates', () => {
    expect(issuesOf(valid)).toEqual([]);
    expect(parseBusinessCalendar({ ...valid, holidays: undefined }).holidays).toEqual([]);
  });

  it('accepts 24:00 as a closing time, for a day open until midnight', () => {
    expect(issuesOf({ ...valid, workingHours: Array(7).fill({ start: '00:00', end: '24:00' }) })).toEqual([]);
  });

  it('refuses hours whose start is not before their end', () => {
    expect(issuesOf({ ...valid, workingHours: [null, { start: '17:00', end: '09:00' }, null, null, null, null, null] })).toEqual([
      'workingHours.1.end: start must be before end',
    ]);
    expect(issuesOf({ ...valid, workingHours: [null, { start: '09:00', end: '09:00' }, null, null, null, null, null] })).toEqual([
      'workingHours.1.end: start must be before end',
    ]);
  });

  it('refuses malformed times, including 24:00 as an opening time', () => {
    for (const hours of [
      { start: '9:00', end: '17:00' },
      { start: '09:00', end: '17:60' },
      { start: '24:00', end: '24:00' },
      { start: '08:00', end: '24:01' },
      { start: '08:00', end: '25:00' },
    ]) {
      expect(issuesOf({ ...valid, workingHours: [hours, null, null, null, null, null, null] }).length).toBeGreaterThan(0);
    }
  });

  it('refuses an unknown or empty time zone', () => {
    expect(issuesOf({ ...valid, timeZone: 'Mars/Olympus_Mons' })).toEqual(['timeZone: unknown time zone']);
    expect(issuesOf({ ...valid, timeZone: '' }).length).toBeGreaterThan(0);
  });

  it('refuses a calendar with no working day, which could never reach a due time', () => {
    expect(issuesOf({ ...valid, workingHours: Array(7).fill(null) })).toEqual(['workingHours: at least one weekday must have working hours']);
  });

  it('refuses anything but exactly seven weekdays', () => {
    expect(issuesOf({ ...valid, workingHours: valid.workingHours.slice(0, 6) }).length).toBeGreaterThan(0);
    expect(issuesOf({ ...valid, workingHours: [...valid.workingHours, null] }).length).toBeGreaterThan(0);
  });

  it('refuses holidays that are not real YYYY-MM-DD dates', () => {
    for (const holiday of ['2026-02-30', '2026-13-01', '25/12/2026', '2026-12-25T00:00:00Z']) {
      expect(issuesOf({ ...valid, holidays: [holiday] })).toEqual(['holidays.0: expected a YYYY-MM-DD date']);
    }
  });
});

describe('parseBusinessCalendar', () => {
  it('throws the zod error for an invalid calendar', () => {
    expect(() => parseBusinessCalendar({ ...valid, timeZone: 'Nowhere/Special' })).toThrow(ZodError);
  });

  it('returns a deep-frozen calendar, so what the clock derives from it stays valid', () => {
    const calendar = parseBusinessCalendar(valid);
    expect(Object.isFrozen(calendar)).toBe(true);
    expect(Object.isFrozen(calendar.workingHours)).toBe(true);
    expect(Object.isFrozen(calendar.workingHours[1])).toBe(true);
    expect(Object.isFrozen(calendar.holidays)).toBe(true);
    expect(() => (calendar.holidays as string[]).push('2026-12-26')).toThrow(TypeError);
  });
});

describe('DEFAULT_CALENDAR', () => {
  it('is New York, Monday to Friday 08:00-17:00', () => {
    expect(DEFAULT_CALENDAR.timeZone).toBe('America/New_York');
    expect(DEFAULT_CALENDAR.workingHours).toEqual([null, ...Array(5).fill({ start: '08:00', end: '17:00' }), null]);
    expect(Object.isFrozen(DEFAULT_CALENDAR)).toBe(true);
  });

  it('lists the observed US federal holidays of 2026 and 2027, all on weekdays', () => {
    expect(DEFAULT_CALENDAR.holidays).toHaveLength(23);
    expect(DEFAULT_CALENDAR.holidays).toEqual(expect.arrayContaining(['2026-07-03', '2026-11-26', '2026-12-25', '2027-07-05', '2027-12-24', '2027-12-31']));
    for (const holiday of DEFAULT_CALENDAR.holidays) {
      const weekday = new Date(`${holiday}T12:00:00Z`).getUTCDay();
      expect([holiday, weekday >= 1 && weekday <= 5]).toEqual([holiday, true]);
    }
  });
});
