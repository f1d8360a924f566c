import fc from 'fast-check';
import type { BusinessCalendar } from '../../../shared/sla/calendar';
import { DEFAULT_CALENDAR, minutesOfDay, parseBusinessCalendar } from '../../../shared/sla/calendar';
import { addBusinessDays, addBusinessTime, businessTimeBetween, isBusinessTime, nextOpening, slaDueAt } from '../../../shared/sla/clock';
import { instantToZonedParts } from '../../../shared/sla/zoned-time';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const londonDay = { start: '09:00', end: '17:30' };
/** Office hours in London, closed on the England and Wales bank holidays of 2026 and 2027. */
const LONDON = parseBusinessCalendar({
  timeZone: 'Europe/London',
  workingHours: [null, londonDay, londonDay, londonDay, londonDay, londonDay, null],
  holidays: [
    '2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28',
    '2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03', '2027-05-31', '2027-08-30', '2027-12-27', '2027-12-28',
  ],
});
const ALWAYS_OPEN_NY = parseBusinessCalendar({ timeZone: 'America/New_York', workingHours: Array(7).fill({ start: '00:00', end: '24:00' }) });
/** Hours that start, end or lie inside the DST gaps and overlaps of New York (Sunday 02:00) and London (Sunday 01:00). */
const NIGHT_SHIFT_NY = parseBusinessCalendar({
  timeZone: 'America/New_York',
  workingHours: [{ start: '01:30', end: '02:30' }, { start: '00:00', end: '03:00' }, null, null, null, null, { start: '22:00', end: '24:00' }],
  holidays: ['2026-12-27'],
});
const NIGHT_SHIFT_LONDON = parseBusinessCalendar({
  timeZone: 'Europe/London',
  workingHours: [{ start: '00:30', end: '01:30' }, null, null, null, null, { start: '16:00', end: '24:00' }, { start: '00:00', end: '01:10' }],
});

/** Instants over 2026–2027, half of them within four days of a New York or London DST change. */
const DST_CHANGES = ['2026-03-08T07:00Z', '2026-11-01T06:00Z', '2026-03-29T01:00Z', '2026-10-25T01:00Z', '2027-03-14T07:00Z', '2027-11-07T06:00Z', '2027-03-28T01:00Z', '2027-10-31T01:00Z'];
const anyInstant = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 11, 31) });
const nearDstChange = fc
  .tuple(fc.constantFrom(...DST_CHANGES.map((iso) => Date.parse(iso))), fc.integer({ min: -4 * DAY, max: 4 * DAY }))
  .map(([change, delta]) => change + delta);
const instant = fc.oneof(anyInstant, nearDstChange);
const minuteInstant = instant.map((ms) => Math.floor(ms / MINUTE) * MINUTE);
const duration = fc.integer({ min: 0, max: 20 * 9 * HOUR });
const positiveDuration = fc.integer({ min: 1, max: 20 * 9 * HOUR });

/** Independent of clock.ts: whether the wall-clock minute at `ms` lies inside the calendar's hours. */
function openByWallClock(calendar: BusinessCalendar, ms: number): boolean {
  const parts = instantToZonedParts(new Date(ms), calendar.timeZone);
  const hours = calendar.workingHours[parts.weekday];
  const date = `${parts.year}-${String(parts.month).padStart(2, '0')}-${String(parts.day).padStart(2, '0')}`;
  if (!hours || calendar.holidays.includes(date)) return false;
  const minute = parts.hour * 60 + parts.minute;
  return minute >= minutesOfDay(hours.start) && minute < minutesOfDay(hours.end);
}

const add = (start: number, ms: number, calendar: BusinessCalendar) => addBusinessTime(new Date(start), ms, calendar).getTime();
const between = (a: number, b: number, calendar: BusinessCalendar) => businessTimeBetween(new Date(a), new Date(b), calendar);

const calendars: [string, BusinessCalendar][] = [
  ['New York office (default)', DEFAULT_CALENDAR],
  ['London office', LONDON],
  ['New York, always open', ALWAYS_OPEN_NY],
  ['New York night shift', NIGHT_SHIFT_NY],
  ['London night shift', NIGHT_SHIFT_LONDON],
];

describe.each(calendars)('business clock properties: %s', (_name, calendar) => {
  it('addBusinessTime lands in business time (or at a closing time) after exactly the requested business time', () => {
    fc.assert(
      fc.property(instant, duration, (start, ms) => {
        const due = add(start, ms, calendar);
        expect(due).toBeGreaterThanOrEqual(start);
        expect(between(start, due, calendar)).toBe(ms);
        if (ms === 0) {
          expect(due).toBe(nextOpening(new Date(start), calendar).getTime());
          expect(isBusinessTime(new Date(due), calendar)).toBe(true);
        } else {
          // The earliest such instant: one millisecond earlier, one millisecond is still owed.
          expect(between(start, due - 1, calendar)).toBe(ms - 1);
          expect(isBusinessTime(new Date(due - 1), calendar)).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('addBusinessTime never decreases as the duration or the start grows', () => {
    fc.assert(
      fc.property(instant, duration, duration, fc.integer({ min: 0, max: 10 * DAY }), (start, d1, d2, later) => {
        const [short, long] = d1 <= d2 ? [d1, d2] : [d2, d1];
        expect(add(start, short, calendar)).toBeLessThanOrEqual(add(start, long, calendar));
        expect(add(start, short, calendar)).toBeLessThanOrEqual(add(start + later, short, calendar));
      }),
      { numRuns: 100 },
    );
  });

  it('addBusinessTime is additive: adding a then b is adding a + b (b > 0)', () => {
    fc.assert(
      fc.property(instant, duration, positiveDuration, (start, a, b) => {
        expect(add(add(start, a, calendar), b, calendar)).toBe(add(start, a + b, calendar));
      }),
      { numRuns: 100 },
    );
  });

  it('businessTimeBetween splits at any point and never exceeds elapsed time', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 30 * DAY }), fc.integer({ min: 0, max: 30 * DAY }), (a, x, y) => {
        const [b, c] = x <= y ? [a + x, a + y] : [a + y, a + x];
        expect(between(a, c, calendar)).toBe(between(a, b, calendar) + between(b, c, calendar));
        expect(between(a, c, calendar)).toBeLessThanOrEqual(c - a);
        expect(between(c, a, calendar)).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  it('nextOpening is the first business instant at or after the given one', () => {
    fc.assert(
      fc.property(instant, (at) => {
        const opening = nextOpening(new Date(at), calendar).getTime();
        expect(opening).toBeGreaterThanOrEqual(at);
        expect(isBusinessTime(new Date(opening), calendar)).toBe(true);
        expect(between(at, opening, calendar)).toBe(0);
        expect(opening === at).toBe(isBusinessTime(new Date(at), calendar));
      }),
      { numRuns: 150 },
    );
  });
});

// Calendars whose hours stay clear of the DST changes, so the wall clock alone says when they are open.
describe.each(calendars.slice(0, 3))('business clock against the wall clock: %s', (_name, calendar) => {
  it('addBusinessTime never lands on a weekend, a holiday or outside working hours', () => {
    fc.assert(
      fc.property(instant, positiveDuration, (start, ms) => {
        expect(openByWallClock(calendar, add(start, ms, calendar) - 1)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('businessTimeBetween agrees with counting open minutes one by one', () => {
    fc.assert(
      fc.property(minuteInstant, fc.integer({ min: 0, max: 3 * 24 * 60 }), (a, minutes) => {
        let open = 0;
        for (let minute = 0; minute < minutes; minute++) if (openByWallClock(calendar, a + minute * MINUTE)) open++;
        expect(between(a, a + minutes * MINUTE, calendar)).toBe(open * MINUTE);
      }),
      { numRuns: 40 },
    );
  });

  it('isBusinessTime agrees with the wall clock', () => {
    fc.assert(
      fc.property(instant, (at) => {
        expect(isBusinessTime(new Date(at), calendar)).toBe(openByWallClock(calendar, at));
      }),
      { numRuns: 300 },
    );
  });
});

describe('addBusinessDays properties', () => {
  const officeCalendars = fc.constantFrom(DEFAULT_CALENDAR, LONDON);
  const localDate = (calendar: BusinessCalendar, ms: number) => {
    const parts = instantToZonedParts(new Date(ms), calendar.timeZone);
    return Date.UTC(parts.year, parts.month - 1, parts.day);
  };

  it('is the closing time of the Nth open local date after the start date', () => {
    fc.assert(
      fc.property(officeCalendars, instant, fc.integer({ min: 1, max: 15 }), (calendar, start, days) => {
        const due = addBusinessDays(new Date(start), days, calendar).getTime();
        // A closing time: open just before, closed at it.
        expect(isBusinessTime(new Date(due - 1), calendar)).toBe(true);
        expect(isBusinessTime(new Date(due), calendar)).toBe(false);
        // Count open dates in (start date, due date] by the wall clock at noon (hours include 12:00).
        let open = 0;
        for (let date = localDate(calendar, start) + DAY; date <= localDate(calendar, due); date += DAY) {
          const day = new Date(date);
          const hours = calendar.workingHours[day.getUTCDay()];
          if (hours && !calendar.holidays.includes(day.toISOString().slice(0, 10))) open++;
        }
        expect(open).toBe(days);
      }),
      { numRuns: 100 },
    );
  });

  it('counting N days is counting N - 1 days and then one more', () => {
    fc.assert(
      fc.property(officeCalendars, instant, fc.integer({ min: 2, max: 15 }), (calendar, start, days) => {
        const stepwise = addBusinessDays(addBusinessDays(new Date(start), days - 1, calendar), 1, calendar);
        expect(addBusinessDays(new Date(start), days, calendar).getTime()).toBe(stepwise.getTime());
      }),
      { numRuns: 100 },
    );
  });
});

describe('slaDueAt properties', () => {
  const anyCalendar = fc.constantFrom(...calendars.map(([, calendar]) => calendar));
  const budget = fc.integer({ min: 1, max: 10 * 9 * HOUR });

  it('a closed pause before the due time pushes it back by exactly the business time paused', () => {
    fc.assert(
      fc.property(anyCalendar, instant, budget, fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.integer({ min: 0, max: 7 * DAY }), (calendar, start, budgetMs, where, length) => {
        const due = add(start, budgetMs, calendar);
        const from = start + Math.floor((due - start) * where);
        const to = from + length;
        const paused = between(from, to, calendar);
        const dueAt = slaDueAt({ startedAt: new Date(start), budgetMs, pauses: [{ from: new Date(from), to: new Date(to) }] }, calendar);
        expect(dueAt?.getTime()).toBe(add(start, budgetMs + paused, calendar));
      }),
      { numRuns: 100 },
    );
  });

  it('with any closed pauses, spends exactly the budget on unpaused business time and no earlier', () => {
    const pause = fc.tuple(fc.integer({ min: -2 * DAY, max: 20 * DAY }), fc.integer({ min: 0, max: 5 * DAY }));
    fc.assert(
      fc.property(anyCalendar, instant, budget, fc.array(pause, { maxLength: 4 }), (calendar, start, budgetMs, offsets) => {
        const pauses = offsets.map(([offset, length]) => ({ from: start + offset, to: start + offset + length }));
        const dueAt = slaDueAt({ startedAt: new Date(start), budgetMs, pauses: pauses.map(({ from, to }) => ({ from: new Date(from), to: new Date(to) })) }, calendar);
        expect(dueAt).toBeDefined();
        const due = dueAt?.getTime() ?? NaN;
        expect(unpausedBusinessTime(calendar, start, due, pauses)).toBe(budgetMs);
        expect(unpausedBusinessTime(calendar, start, due - 1, pauses)).toBe(budgetMs - 1);
      }),
      { numRuns: 100 },
    );
  });

  it('an open pause stops the clock unless the budget ran out before it began', () => {
    fc.assert(
      fc.property(anyCalendar, instant, budget, fc.integer({ min: 0, max: 30 * DAY }), (calendar, start, budgetMs, offset) => {
        const due = add(start, budgetMs, calendar);
        const dueAt = slaDueAt({ startedAt: new Date(start), budgetMs, pauses: [{ from: new Date(start + offset) }] }, calendar);
        expect(dueAt?.getTime()).toBe(start + offset < due ? undefined : due);
      }),
      { numRuns: 100 },
    );
  });
});

/** Business time in [start, end) outside every pause, from businessTimeBetween over the merged gaps. */
function unpausedBusinessTime(calendar: BusinessCalendar, start: number, end: number, pauses: { from: number; to: number }[]): number {
  let total = 0;
  let cursor = start;
  for (const { from, to } of [...pauses].sort((left, right) => left.from - right.from)) {
    if (from > cursor) total += between(cursor, Math.min(from, end), calendar);
    cursor = Math.max(cursor, to);
    if (cursor >= end) return total;
  }
  return total + between(cursor, end, calendar);
}
