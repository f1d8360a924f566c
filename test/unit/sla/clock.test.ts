import { DEFAULT_CALENDAR, ZBusinessCalendar, parseBusinessCalendar } from '../../../shared/sla/calendar';
import { addBusinessDays, addBusinessTime, businessTimeBetween, isBusinessTime, nextOpening } from '../../../shared/sla/clock';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const at = (iso: string) => new Date(iso);
const iso = (date: Date) => date.toISOString();

const ALWAYS_OPEN_NY = parseBusinessCalendar({ timeZone: 'America/New_York', workingHours: Array(7).fill({ start: '00:00', end: '24:00' }) });
const weekday = { start: '09:00', end: '17:30' };
const LONDON = parseBusinessCalendar({
  timeZone: 'Europe/London',
  workingHours: [null, weekday, weekday, weekday, weekday, weekday, null],
  holidays: ['2026-04-03', '2026-04-06'], // Good Friday, Easter Monday
});
/** Open only in the small hours of Sunday, straddling New York's DST changes. */
const SUNDAY_NIGHT_NY = parseBusinessCalendar({ timeZone: 'America/New_York', workingHours: [{ start: '01:00', end: '04:00' }, null, null, null, null, null, null] });
/** Open only inside the hour New York skips on spring-forward day. */
const SKIPPED_HOUR_NY = parseBusinessCalendar({ timeZone: 'America/New_York', workingHours: [{ start: '02:15', end: '02:45' }, null, null, null, null, null, null] });

describe('addBusinessTime', () => {
  it('carries Friday afternoon work over the weekend: Friday 16:00 + 2h is Monday 09:00', () => {
    expect(iso(addBusinessTime(at('2026-11-20T16:00:00-05:00'), 2 * HOUR, DEFAULT_CALENDAR))).toBe(iso(at('2026-11-23T09:00:00-05:00')));
  });

  it('is due at the closing time when the budget runs out exactly at close', () => {
    expect(iso(addBusinessTime(at('2026-11-20T16:00:00-05:00'), HOUR, DEFAULT_CALENDAR))).toBe(iso(at('2026-11-20T17:00:00-05:00')));
  });

  it('starts counting at the next opening when started outside hours', () => {
    expect(iso(addBusinessTime(at('2026-11-21T10:00:00-05:00'), 30 * MINUTE, DEFAULT_CALENDAR))).toBe(iso(at('2026-11-23T08:30:00-05:00')));
    expect(iso(addBusinessTime(at('2026-11-23T06:00:00-05:00'), 0, DEFAULT_CALENDAR))).toBe(iso(at('2026-11-23T08:00:00-05:00')));
  });

  it('skips Christmas and the weekend after it', () => {
    expect(iso(addBusinessTime(at('2026-12-24T16:00:00-05:00'), 2 * HOUR, DEFAULT_CALENDAR))).toBe(iso(at('2026-12-28T09:00:00-05:00')));
    // 2027: Christmas is observed on Friday the 24th, New Year's Day 2028 on Friday the 31st.
    expect(iso(addBusinessTime(at('2027-12-23T17:00:00-05:00'), MINUTE, DEFAULT_CALENDAR))).toBe(iso(at('2027-12-27T08:01:00-05:00')));
    expect(iso(addBusinessTime(at('2027-12-30T16:00:00-05:00'), 2 * HOUR, DEFAULT_CALENDAR))).toBe(iso(at('2028-01-03T09:00:00-05:00')));
  });

  it("skips New Year's Day", () => {
    expect(iso(addBusinessTime(at('2026-12-31T16:30:00-05:00'), HOUR, DEFAULT_CALENDAR))).toBe(iso(at('2027-01-04T08:30:00-05:00')));
  });

  it('keeps local opening hours across the DST weekends', () => {
    expect(iso(addBusinessTime(at('2026-03-06T16:00:00-05:00'), 2 * HOUR, DEFAULT_CALENDAR))).toBe(iso(at('2026-03-09T09:00:00-04:00')));
    expect(iso(addBusinessTime(at('2026-10-30T16:00:00-04:00'), 2 * HOUR, DEFAULT_CALENDAR))).toBe(iso(at('2026-11-02T09:00:00-05:00')));
    expect(iso(addBusinessTime(at('2026-03-26T17:00:00Z'), HOUR, LONDON))).toBe(iso(at('2026-03-27T09:30:00Z')));
    expect(iso(addBusinessTime(at('2026-03-27T17:00:00Z'), HOUR, LONDON))).toBe(iso(at('2026-03-30T09:30:00+01:00')));
  });

  it('skips a four-day Easter weekend in London', () => {
    expect(iso(addBusinessTime(at('2026-04-02T17:00:00+01:00'), HOUR, LONDON))).toBe(iso(at('2026-04-07T09:30:00+01:00')));
  });

  it('counts elapsed time, not wall time, on a calendar that never closes', () => {
    // 24 h after Saturday noon is Sunday 13:00 in spring (25 wall hours) and Sunday 11:00 in autumn (23).
    expect(iso(addBusinessTime(at('2026-03-07T12:00:00-05:00'), 24 * HOUR, ALWAYS_OPEN_NY))).toBe(iso(at('2026-03-08T13:00:00-04:00')));
    expect(iso(addBusinessTime(at('2026-10-31T12:00:00-04:00'), 24 * HOUR, ALWAYS_OPEN_NY))).toBe(iso(at('2026-11-01T11:00:00-05:00')));
  });

  it('counts hours that straddle a DST change by what actually elapses', () => {
    // Sunday 01:00-04:00 lasts 2 h on spring-forward day and 4 h on fall-back day.
    expect(iso(addBusinessTime(at('2026-03-08T00:00:00-05:00'), 90 * MINUTE, SUNDAY_NIGHT_NY))).toBe(iso(at('2026-03-08T03:30:00-04:00')));
    expect(iso(addBusinessTime(at('2026-11-01T00:00:00-04:00'), 90 * MINUTE, SUNDAY_NIGHT_NY))).toBe(iso(at('2026-11-01T01:30:00-05:00')));
  });

  it('treats hours that fall entirely inside the skipped hour as closed that day', () => {
    expect(iso(addBusinessTime(at('2026-03-07T12:00:00-05:00'), MINUTE, SKIPPED_HOUR_NY))).toBe(iso(at('2026-03-15T02:16:00-04:00')));
  });

  it('refuses a negative, infinite or NaN duration and an invalid date', () => {
    for (const duration of [-1, Infinity, NaN]) {
      expect(() => addBusinessTime(at('2026-11-20T16:00:00Z'), duration, DEFAULT_CALENDAR)).toThrow(RangeError);
    }
    expect(() => addBusinessTime(new Date(NaN), HOUR, DEFAULT_CALENDAR)).toThrow('start is not a valid date');
  });

  it('gives up with an error instead of looping when a calendar is never open within ten years', () => {
    const sundays: string[] = [];
    for (let day = Date.UTC(2026, 0, 4); day < Date.UTC(2037, 0, 1); day += 7 * 24 * HOUR) sundays.push(new Date(day).toISOString().slice(0, 10));
    const neverOpen = parseBusinessCalendar({ timeZone: 'UTC', workingHours: [{ start: '09:00', end: '10:00' }, null, null, null, null, null, null], holidays: sundays });
    expect(() => addBusinessTime(at('2026-01-01T00:00:00Z'), MINUTE, neverOpen)).toThrow('Business calendar scan exceeded 3660 days');
    expect(() => nextOpening(at('2026-01-01T00:00:00Z'), neverOpen)).toThrow(RangeError);
  });
});

describe('businessTimeBetween', () => {
  it('counts only business hours in [a, b)', () => {
    expect(businessTimeBetween(at('2026-11-20T16:00:00-05:00'), at('2026-11-23T09:00:00-05:00'), DEFAULT_CALENDAR)).toBe(2 * HOUR);
    expect(businessTimeBetween(at('2026-11-16T00:00:00-05:00'), at('2026-11-23T00:00:00-05:00'), DEFAULT_CALENDAR)).toBe(45 * HOUR);
    expect(businessTimeBetween(at('2026-11-26T08:00:00-05:00'), at('2026-11-26T17:00:00-05:00'), DEFAULT_CALENDAR)).toBe(0);
  });

  it('is zero when b is not after a', () => {
    expect(businessTimeBetween(at('2026-11-20T12:00:00-05:00'), at('2026-11-20T12:00:00-05:00'), DEFAULT_CALENDAR)).toBe(0);
    expect(businessTimeBetween(at('2026-11-20T12:00:00-05:00'), at('2026-11-20T10:00:00-05:00'), DEFAULT_CALENDAR)).toBe(0);
  });

  it('measures a local day of a never-closing calendar as 23 h in spring and 25 h in autumn', () => {
    expect(businessTimeBetween(at('2026-03-08T00:00:00-05:00'), at('2026-03-09T00:00:00-04:00'), ALWAYS_OPEN_NY)).toBe(23 * HOUR);
    expect(businessTimeBetween(at('2026-11-01T00:00:00-04:00'), at('2026-11-02T00:00:00-05:00'), ALWAYS_OPEN_NY)).toBe(25 * HOUR);
    expect(businessTimeBetween(at('2026-03-08T00:00:00-05:00'), at('2026-03-09T00:00:00-04:00'), SUNDAY_NIGHT_NY)).toBe(2 * HOUR);
    expect(businessTimeBetween(at('2026-11-01T00:00:00-04:00'), at('2026-11-02T00:00:00-05:00'), SUNDAY_NIGHT_NY)).toBe(4 * HOUR);
  });

  it('refuses to scan more than ten years', () => {
    expect(() => businessTimeBetween(at('2026-01-01T00:00:00Z'), at('2037-01-01T00:00:00Z'), DEFAULT_CALENDAR)).toThrow(RangeError);
  });
});

describe('isBusinessTime and nextOpening', () => {
  it('counts the opening instant as open and the closing instant as closed', () => {
    expect(isBusinessTime(at('2026-11-23T08:00:00-05:00'), DEFAULT_CALENDAR)).toBe(true);
    expect(isBusinessTime(at('2026-11-23T16:59:59.999-05:00'), DEFAULT_CALENDAR)).toBe(true);
    expect(isBusinessTime(at('2026-11-23T17:00:00-05:00'), DEFAULT_CALENDAR)).toBe(false);
    expect(isBusinessTime(at('2026-11-23T07:59:59.999-05:00'), DEFAULT_CALENDAR)).toBe(false);
  });

  it('is closed at weekends and on holidays', () => {
    expect(isBusinessTime(at('2026-11-21T12:00:00-05:00'), DEFAULT_CALENDAR)).toBe(false);
    expect(isBusinessTime(at('2026-11-26T12:00:00-05:00'), DEFAULT_CALENDAR)).toBe(false);
    expect(isBusinessTime(at('2026-03-08T07:30:00Z'), SKIPPED_HOUR_NY)).toBe(false);
  });

  it('uses the local time of day, not UTC', () => {
    // 13:30 UTC is 08:30 in New York in winter but 09:30 in summer; 12:30 UTC is open only in summer.
    expect(isBusinessTime(at('2026-01-05T12:30:00Z'), DEFAULT_CALENDAR)).toBe(false);
    expect(isBusinessTime(at('2026-07-06T12:30:00Z'), DEFAULT_CALENDAR)).toBe(true);
  });

  it('returns the instant itself when open, else the next opening', () => {
    expect(iso(nextOpening(at('2026-11-23T10:00:00-05:00'), DEFAULT_CALENDAR))).toBe(iso(at('2026-11-23T10:00:00-05:00')));
    expect(iso(nextOpening(at('2026-11-20T17:00:00-05:00'), DEFAULT_CALENDAR))).toBe(iso(at('2026-11-23T08:00:00-05:00')));
    expect(iso(nextOpening(at('2026-11-25T18:00:00-05:00'), DEFAULT_CALENDAR))).toBe(iso(at('2026-11-27T08:00:00-05:00')));
    expect(iso(nextOpening(at('2026-03-07T12:00:00-05:00'), SUNDAY_NIGHT_NY))).toBe(iso(at('2026-03-08T01:00:00-05:00')));
  });
});

describe('addBusinessDays', () => {
  it('is due at close of the Nth business day after the local date, e.g. a post-discharge call within 2 business days', () => {
    expect(iso(addBusinessDays(at('2026-11-20T19:00:00-05:00'), 2, DEFAULT_CALENDAR))).toBe(iso(at('2026-11-24T17:00:00-05:00')));
    expect(iso(addBusinessDays(at('2026-11-21T11:00:00-05:00'), 2, DEFAULT_CALENDAR))).toBe(iso(at('2026-11-24T17:00:00-05:00')));
  });

  it("takes the date in the calendar's zone, not in UTC", () => {
    // Thursday 22:00 in New York is already Friday in UTC.
    expect(iso(addBusinessDays(at('2026-11-20T03:00:00Z'), 2, DEFAULT_CALENDAR))).toBe(iso(at('2026-11-23T17:00:00-05:00')));
  });

  it('does not count holidays', () => {
    expect(iso(addBusinessDays(at('2026-11-25T10:00:00-05:00'), 2, DEFAULT_CALENDAR))).toBe(iso(at('2026-11-30T17:00:00-05:00')));
    expect(iso(addBusinessDays(at('2026-12-24T10:00:00-05:00'), 1, DEFAULT_CALENDAR))).toBe(iso(at('2026-12-28T17:00:00-05:00')));
  });

  it('keeps local closing time across a DST change', () => {
    expect(iso(addBusinessDays(at('2026-03-06T12:00:00-05:00'), 1, DEFAULT_CALENDAR))).toBe(iso(at('2026-03-09T17:00:00-04:00')));
  });

  it('with 0 days is close of business today, or of the next business day when today is closed or over', () => {
    expect(iso(addBusinessDays(at('2026-11-23T10:00:00-05:00'), 0, DEFAULT_CALENDAR))).toBe(iso(at('2026-11-23T17:00:00-05:00')));
    expect(iso(addBusinessDays(at('2026-11-23T17:00:00-05:00'), 0, DEFAULT_CALENDAR))).toBe(iso(at('2026-11-24T17:00:00-05:00')));
    expect(iso(addBusinessDays(at('2026-11-21T10:00:00-05:00'), 0, DEFAULT_CALENDAR))).toBe(iso(at('2026-11-23T17:00:00-05:00')));
  });

  it('refuses a negative or fractional number of days', () => {
    for (const days of [-1, 1.5, NaN]) expect(() => addBusinessDays(at('2026-11-23T10:00:00Z'), days, DEFAULT_CALENDAR)).toThrow(RangeError);
  });
});

describe('calendar caching', () => {
  it('does not cache a calendar that was not frozen, so later edits to it take effect', () => {
    const calendar = ZBusinessCalendar.parse({ timeZone: 'UTC', workingHours: [null, { start: '09:00', end: '17:00' }, null, null, null, null, null] });
    const monday = at('2026-11-23T10:00:00Z');
    expect(isBusinessTime(monday, calendar)).toBe(true);
    calendar.holidays.push('2026-11-23');
    expect(isBusinessTime(monday, calendar)).toBe(false);
  });
});
