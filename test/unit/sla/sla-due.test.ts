import { DEFAULT_CALENDAR } from '../../../shared/sla/calendar';
import { PRIORITY_SLA, addBusinessDays, priorityBudget, slaDueAt } from '../../../shared/sla/clock';

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso);
const iso = (date: Date | undefined) => date?.toISOString();

// Monday 2026-11-16 09:00 in New York; one business day (9 h) later is Tuesday 09:00.
const startedAt = at('2026-11-16T09:00:00-05:00');
const dueWithoutPauses = '2026-11-17T14:00:00.000Z';

describe('slaDueAt', () => {
  it('without pauses is the business-time budget after the start', () => {
    expect(iso(slaDueAt({ startedAt, budgetMs: 9 * HOUR, pauses: [] }, DEFAULT_CALENDAR))).toBe(dueWithoutPauses);
  });

  it('pushes the due time back by exactly the business time spent on hold', () => {
    const pauses = [{ from: at('2026-11-16T12:00:00-05:00'), to: at('2026-11-16T15:00:00-05:00') }];
    expect(iso(slaDueAt({ startedAt, budgetMs: 9 * HOUR, pauses }, DEFAULT_CALENDAR))).toBe(iso(at('2026-11-17T12:00:00-05:00')));
  });

  it('counts only the business hours of a pause that spans a night', () => {
    // On hold Monday 16:00 to Tuesday 10:00: 1 h Monday + 2 h Tuesday.
    const pauses = [{ from: at('2026-11-16T16:00:00-05:00'), to: at('2026-11-17T10:00:00-05:00') }];
    expect(iso(slaDueAt({ startedAt, budgetMs: 9 * HOUR, pauses }, DEFAULT_CALENDAR))).toBe(iso(at('2026-11-17T12:00:00-05:00')));
  });

  it('counts overlapping pauses once and ignores pauses before the start or after the due time', () => {
    const pauses = [
      { from: at('2026-11-16T13:00:00-05:00'), to: at('2026-11-16T15:00:00-05:00') },
      { from: at('2026-11-13T09:00:00-05:00'), to: at('2026-11-13T12:00:00-05:00') },
      { from: at('2026-11-16T12:00:00-05:00'), to: at('2026-11-16T14:00:00-05:00') },
      { from: at('2026-11-18T09:00:00-05:00'), to: at('2026-11-18T12:00:00-05:00') },
    ];
    expect(iso(slaDueAt({ startedAt, budgetMs: 9 * HOUR, pauses }, DEFAULT_CALENDAR))).toBe(iso(at('2026-11-17T12:00:00-05:00')));
  });

  it('counts the part of a pause after the start when the item was created on hold', () => {
    const pauses = [{ from: at('2026-11-16T08:00:00-05:00'), to: at('2026-11-16T11:00:00-05:00') }];
    expect(iso(slaDueAt({ startedAt, budgetMs: 9 * HOUR, pauses }, DEFAULT_CALENDAR))).toBe(iso(at('2026-11-17T11:00:00-05:00')));
  });

  it('has no due time while the clock is stopped by an open pause', () => {
    const pauses = [{ from: at('2026-11-16T12:00:00-05:00'), to: at('2026-11-16T13:00:00-05:00') }, { from: at('2026-11-17T09:30:00-05:00') }];
    expect(slaDueAt({ startedAt, budgetMs: 9 * HOUR, pauses }, DEFAULT_CALENDAR)).toBeUndefined();
  });

  it('keeps a breach that happened before an open pause began', () => {
    const pauses = [{ from: at('2026-11-18T10:00:00-05:00') }];
    expect(iso(slaDueAt({ startedAt, budgetMs: 9 * HOUR, pauses }, DEFAULT_CALENDAR))).toBe(dueWithoutPauses);
  });

  it('is due as a pause begins when the budget ran out exactly then', () => {
    const pauses = [{ from: at('2026-11-17T09:00:00-05:00') }];
    expect(iso(slaDueAt({ startedAt, budgetMs: 9 * HOUR, pauses }, DEFAULT_CALENDAR))).toBe(dueWithoutPauses);
  });

  it('refuses a pause that ends before it starts, and a negative budget', () => {
    const pauses = [{ from: at('2026-11-16T12:00:00-05:00'), to: at('2026-11-16T11:00:00-05:00') }];
    expect(() => slaDueAt({ startedAt, budgetMs: 9 * HOUR, pauses }, DEFAULT_CALENDAR)).toThrow('A pause must not end before it starts');
    expect(() => slaDueAt({ startedAt, budgetMs: -1, pauses: [] }, DEFAULT_CALENDAR)).toThrow(RangeError);
  });
});

describe('PRIORITY_SLA', () => {
  it('gives stat 4 business hours, asap 1, urgent 3 and routine 10 business days of 9 hours', () => {
    expect(PRIORITY_SLA).toEqual({ stat: 4 * HOUR, asap: 9 * HOUR, urgent: 27 * HOUR, routine: 90 * HOUR });
    expect(Object.isFrozen(PRIORITY_SLA)).toBe(true);
    expect(priorityBudget('urgent')).toBe(27 * HOUR);
  });

  it('makes a stat task created late on Friday due on Monday morning', () => {
    const due = slaDueAt({ startedAt: at('2026-11-20T15:00:00-05:00'), budgetMs: priorityBudget('stat'), pauses: [] }, DEFAULT_CALENDAR);
    expect(iso(due)).toBe(iso(at('2026-11-23T10:00:00-05:00')));
  });

  it('makes routine work started at opening due at close of the tenth business day, as addBusinessDays counts them', () => {
    // Thanksgiving (Thursday 26th) is skipped.
    const due = slaDueAt({ startedAt: at('2026-11-16T08:00:00-05:00'), budgetMs: priorityBudget('routine'), pauses: [] }, DEFAULT_CALENDAR);
    expect(iso(due)).toBe(iso(at('2026-11-30T17:00:00-05:00')));
    expect(iso(addBusinessDays(at('2026-11-15T12:00:00-05:00'), 10, DEFAULT_CALENDAR))).toBe(iso(due));
  });
});
