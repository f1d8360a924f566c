import fc from 'fast-check';
import { calendarDays, localDay, median, rate, summarizeLog, windowStart } from '../../../shared/dashboard/metrics';
import type { TransitionLogEntry } from '../../../shared/dashboard/transition-log';

let seq = 0;
const referral = (itemId: string, at: string, to: TransitionLogEntry['to'], extra: Partial<TransitionLogEntry> = {}): TransitionLogEntry => ({
  id: `e${seq++}`,
  at,
  kind: 'referral',
  itemId,
  itemCreatedAt: '2026-03-01T00:00:00.000Z',
  priority: 'routine',
  queue: 'cardiology',
  to,
  ...extra,
});
const task = (itemId: string, at: string, to: TransitionLogEntry['to'], extra: Partial<TransitionLogEntry> = {}): TransitionLogEntry => ({
  id: `e${seq++}`,
  at,
  kind: 'task',
  itemId,
  itemCreatedAt: '2026-03-01T00:00:00.000Z',
  priority: 'routine',
  team: 'nurses',
  taskType: 'post-discharge-call',
  to,
  ...extra,
});

describe('median', () => {
  it('is the sorted middle value, the mean of the two middles for an even count, null for none', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNull();
  });

  it('lies between the smallest and largest value and equals the sorted middle (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 }), (values) => {
        const m = median(values)!;
        const sorted = [...values].sort((a, b) => a - b);
        expect(m).toBeGreaterThanOrEqual(sorted[0]!);
        expect(m).toBeLessThanOrEqual(sorted[sorted.length - 1]!);
        const mid = Math.floor(sorted.length / 2);
        expect(m).toBe(sorted.length % 2 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2);
      }),
    );
  });

  it('does not depend on the order of its input (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 40 }), fc.integer(), (values, seed) => {
        const shuffled = [...values].sort((a, b) => ((a * 31 + seed) % 7) - ((b * 31 + seed) % 7));
        expect(median(shuffled)).toBe(median(values));
      }),
    );
  });
});

describe('rate', () => {
  it('is the share, and null (not 0) when there is nothing to divide by', () => {
    expect(rate(2, 3)).toBeCloseTo(2 / 3);
    expect(rate(0, 4)).toBe(0);
    expect(rate(0, 0)).toBeNull();
  });

  it('stays within 0..1 for any part of a whole (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.double({ min: 0, max: 1, noNaN: true }), (whole, share) => {
        const r = rate(Math.floor(whole * share), whole)!;
        expect(r).toBeGreaterThanOrEqual(0);
        expect(r).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('day bucketing', () => {
  it('puts an instant on its local calendar day', () => {
    expect(localDay('2026-03-17T02:00:00.000Z', 'UTC')).toBe('2026-03-17');
    expect(localDay('2026-03-17T02:00:00.000Z', 'America/New_York')).toBe('2026-03-16');
    expect(localDay('2026-03-17T23:30:00.000Z', 'Asia/Tokyo')).toBe('2026-03-18');
  });

  it('starts the window at local midnight, `days` whole days back with today included, across DST', () => {
    const now = new Date('2026-03-10T15:00:00.000Z'); // Tuesday; New York moved to EDT on Sunday 8 March
    expect(windowStart(now, 1, 'UTC').toISOString()).toBe('2026-03-10T00:00:00.000Z');
    expect(windowStart(now, 30, 'UTC').toISOString()).toBe('2026-02-09T00:00:00.000Z');
    expect(windowStart(now, 1, 'America/New_York').toISOString()).toBe('2026-03-10T04:00:00.000Z');
    expect(windowStart(now, 3, 'America/New_York').toISOString()).toBe('2026-03-08T05:00:00.000Z');
  });

  it('lists every calendar day of a window, and the window holds exactly `days` local days (property)', () => {
    expect(calendarDays('2026-02-27', '2026-03-02')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    const zones = fc.constantFrom('UTC', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Pacific/Kiritimati');
    fc.assert(
      fc.property(fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2027-12-31T00:00:00Z'), noInvalidDate: true }), fc.integer({ min: 1, max: 90 }), zones, (now, days, zone) => {
        const since = windowStart(now, days, zone);
        expect(since.getTime()).toBeLessThanOrEqual(now.getTime());
        const list = calendarDays(localDay(since, zone), localDay(now, zone));
        expect(list).toHaveLength(days);
        expect(list[list.length - 1]).toBe(localDay(now, zone));
      }),
    );
  });
});

describe('summarizeLog', () => {
  it('measures time to schedule from creation to the first booking of each referral in the window', () => {
    const entries = [
      referral('r1', '2026-03-01T00:00:00.000Z', { status: 'requested', businessStatus: 'triage' }),
      referral('r1', '2026-03-02T00:00:00.000Z', { status: 'in-progress', businessStatus: 'appointment-booked' }, { from: { status: 'accepted', businessStatus: 'scheduling' } }),
      // A no-show and a rebooking: the referral is not a second sample.
      referral('r1', '2026-03-03T00:00:00.000Z', { status: 'in-progress', businessStatus: 'no-show' }, { from: { status: 'in-progress', businessStatus: 'appointment-booked' } }),
      referral('r1', '2026-03-04T00:00:00.000Z', { status: 'in-progress', businessStatus: 'appointment-booked' }, { from: { status: 'in-progress', businessStatus: 'no-show' } }),
      referral('r2', '2026-03-03T12:00:00.000Z', { status: 'in-progress', businessStatus: 'appointment-booked' }, { from: { status: 'accepted', businessStatus: 'scheduling' } }),
      // A move that is not a booking.
      referral('r3', '2026-03-03T12:00:00.000Z', { status: 'accepted', businessStatus: 'scheduling' }, { from: { status: 'requested', businessStatus: 'triage' } }),
    ];
    const summary = summarizeLog(entries, 'UTC');
    expect(summary.timeToSchedule).toEqual({ medianHours: (24 + 60) / 2, count: 2 });
    expect(summary.perDay.get('2026-03-02')?.referralsScheduled).toBe(1);
    expect(summary.perDay.get('2026-03-03')?.referralsScheduled).toBe(1);
    expect(summary.perDay.get('2026-03-04')).toBeUndefined();
  });

  it('counts loop closure over referrals that reached a terminal status', () => {
    const inProgress = { from: { status: 'in-progress' as const, businessStatus: 'appointment-booked' as const } };
    const summary = summarizeLog(
      [
        referral('a', '2026-03-05T10:00:00.000Z', { status: 'completed', businessStatus: 'outcome-received' }, { ...inProgress, loopClosed: true }),
        referral('b', '2026-03-05T11:00:00.000Z', { status: 'cancelled', businessStatus: 'appointment-booked' }, inProgress),
        referral('c', '2026-03-06T11:00:00.000Z', { status: 'rejected', businessStatus: 'triage' }, { from: { status: 'requested', businessStatus: 'triage' } }),
        referral('d', '2026-03-06T12:00:00.000Z', { status: 'on-hold', businessStatus: 'scheduling' }, { from: { status: 'accepted', businessStatus: 'scheduling' } }),
      ],
      'UTC',
    );
    expect(summary.loopClosure).toEqual({ closed: 1, terminal: 3, rate: 1 / 3 });
    expect(summary.perDay.get('2026-03-05')?.loopsClosed).toBe(1);
    expect(summarizeLog([], 'UTC').loopClosure).toEqual({ closed: 0, terminal: 0, rate: null });
  });

  it('tallies tasks created and completed by team and type; cancelled work is not completed', () => {
    const summary = summarizeLog(
      [
        task('t1', '2026-03-05T10:00:00.000Z', { status: 'ready' }),
        task('t1', '2026-03-06T10:00:00.000Z', { status: 'completed' }, { from: { status: 'in-progress' } }),
        task('t2', '2026-03-05T11:00:00.000Z', { status: 'ready' }, { team: 'coordinators', taskType: 'call-patient' }),
        task('t2', '2026-03-06T11:00:00.000Z', { status: 'cancelled' }, { team: 'coordinators', taskType: 'call-patient', from: { status: 'ready' } }),
        task('t3', '2026-03-06T12:00:00.000Z', { status: 'in-progress' }, { from: { status: 'ready' } }),
      ],
      'UTC',
    );
    expect(summary.tasks).toEqual({
      created: 2,
      completed: 1,
      byTeam: { nurses: { created: 1, completed: 1 }, coordinators: { created: 1, completed: 0 } },
      byType: { 'post-discharge-call': { created: 1, completed: 1 }, 'call-patient': { created: 1, completed: 0 } },
    });
    expect(summary.perDay.get('2026-03-06')?.tasksCompleted).toBe(1);
  });

  it('buckets by the viewer’s local day', () => {
    const done = [task('t1', '2026-03-06T03:00:00.000Z', { status: 'completed' }, { from: { status: 'ready' } })];
    expect([...summarizeLog(done, 'UTC').perDay.keys()]).toEqual(['2026-03-06']);
    expect([...summarizeLog(done, 'America/Los_Angeles').perDay.keys()]).toEqual(['2026-03-05']);
  });

  it('the per-day series adds up to the window totals (property)', () => {
    const arbEntry = fc.record({
      item: fc.integer({ min: 0, max: 5 }),
      minute: fc.integer({ min: 0, max: 30 * 24 * 60 }),
      move: fc.constantFrom('created', 'completed', 'booked', 'closed', 'cancelled'),
    });
    fc.assert(
      fc.property(fc.array(arbEntry, { maxLength: 50 }), fc.constantFrom('UTC', 'America/New_York', 'Asia/Kolkata'), (raw, zone) => {
        const base = Date.parse('2026-03-01T00:00:00.000Z');
        const entries = raw
          .map(({ item, minute, move }) => {
            const at = new Date(base + minute * 60_000).toISOString();
            if (move === 'created') return task(`t${item}`, at, { status: 'ready' });
            if (move === 'completed') return task(`t${item}`, at, { status: 'completed' }, { from: { status: 'in-progress' } });
            if (move === 'booked') return referral(`r${item}`, at, { status: 'in-progress', businessStatus: 'appointment-booked' }, { from: { status: 'accepted', businessStatus: 'scheduling' } });
            const status = move === 'closed' ? 'completed' : 'cancelled';
            return referral(`r${item}`, at, { status, businessStatus: 'outcome-received' }, { from: { status: 'in-progress', businessStatus: 'appointment-booked' }, ...(move === 'closed' ? { loopClosed: true } : {}) });
          })
          .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
        const s = summarizeLog(entries, zone);
        const sum = (k: 'referralsScheduled' | 'loopsClosed' | 'tasksCompleted') => [...s.perDay.values()].reduce((n, d) => n + d[k], 0);
        expect(sum('referralsScheduled')).toBe(s.timeToSchedule.count);
        expect(sum('loopsClosed')).toBe(s.loopClosure.closed);
        expect(sum('tasksCompleted')).toBe(s.tasks.completed);
        expect(s.loopClosure.closed).toBeLessThanOrEqual(s.loopClosure.terminal);
      }),
    );
  });
});
