/**
 * The reminder bench's pure judgement (test/bench): the figures summarizeReminderRounds derives
 * from measured rounds and the verdicts report.ts passes or fails on them. The bench itself needs
 * DynamoDB Local and runs only by hand (`npm run bench`).
 */
import { type ReminderBenchResult, type ReminderRound, type SweepSample, summarizeReminderRounds } from '../../bench/reminder-bench';
import { BUDGETS, type BenchResults, reminderVerdicts, verdicts } from '../../bench/report';
import { zeroCounts } from '../../bench/read-counter';
import { summarize } from '../../bench/stats';

const DUE = { total: 100, sms: 50, email: 50 };
const LIMITS = { promiseMs: 60_000, sweepBudgetMs: 45_000 };

function sample(ms: number, overrides: { sent?: number; dueItemsRead?: number; queryItemsRead?: number; gets?: number; accepted?: { sms: number; email: number } } = {}): SweepSample {
  const sent = overrides.sent ?? DUE.total;
  return {
    ms,
    result: { examined: DUE.total, sent, deferred: DUE.total - sent, skipped: 0, failed: 0, rescheduled: 0 },
    reads: { ...zeroCounts(), queries: 158, queryItemsRead: overrides.queryItemsRead ?? 300, queryItemsReturned: 300, gets: overrides.gets ?? 300 },
    dueIndex: { queries: 12, itemsRead: overrides.dueItemsRead ?? DUE.total },
    commands: { GetItemCommand: 300, QueryCommand: 158, TransactWriteItemsCommand: 200, PutItemCommand: 100 },
    accepted: overrides.accepted ?? { sms: DUE.sms, email: DUE.email },
  };
}

function round(week: number, small: SweepSample, large: SweepSample, floorMs = 100): ReminderRound {
  return { week, first: week % 2 === 0 ? 'small' : 'large', small, large, floor: { ms: floorMs, operations: DUE.total, latency: summarize([1.8, 2, 2.2]) } };
}

function bench(rounds: ReminderRound[], scans = 0): ReminderBenchResult {
  return {
    due: DUE,
    rounds,
    warmupRounds: 2,
    shards: 4,
    sweepLimit: 200,
    sweepBudgetMs: LIMITS.sweepBudgetMs,
    promiseMs: LIMITS.promiseMs,
    backlog: { scheduled: 5_000, appointments: 1_250, patients: 500, sentBefore: 300 },
    seconds: { seeding: 40, warmup: 8, rounds: 30 },
    summary: summarizeReminderRounds(rounds, LIMITS),
    scans,
  };
}

const healthy = () => [round(5, sample(200), sample(210)), round(6, sample(220), sample(230)), round(7, sample(240), sample(250))];
const verdict = (result: ReminderBenchResult, id: string) => reminderVerdicts(result).find((v) => v.id === id)!;

describe('summarizeReminderRounds', () => {
  it('compares median sweep times, and the large set’s time per sent reminder with the floor’s', () => {
    const summary = summarizeReminderRounds(healthy(), LIMITS);
    expect(summary.small.p50).toBe(220);
    expect(summary.large.p50).toBe(230);
    expect(summary.ratio).toBe(1.05);
    // 230 ms for 100 sent vs 100 ms for 100 floor operations.
    expect(summary.perSent).toEqual({ sweep: 2.3, floor: 1, ratio: 2.3 });
    expect(summary.capacity).toEqual({ promise: Math.floor(60_000 / 2.3), runBudget: Math.floor(45_000 / 2.3) });
  });

  it('charges a sweep that sent fewer reminders more per sent one', () => {
    const rounds = [round(5, sample(200), sample(200, { sent: 50 }))];
    expect(summarizeReminderRounds(rounds, LIMITS).perSent.sweep).toBe(4);
  });

  it('counts the rounds in which the backlog made a sweep read more, and the most read', () => {
    const rounds = [round(5, sample(200), sample(200, { queryItemsRead: 301 })), round(6, sample(200), sample(200)), round(7, sample(200), sample(200, { gets: 299 }))];
    const summary = summarizeReminderRounds(rounds, LIMITS);
    expect(summary.roundsReadingMore).toBe(1);
    expect(summary.itemsRead).toEqual({ small: 600, large: 601 });
  });

  it('refuses to judge without a measured round', () => {
    expect(() => summarizeReminderRounds([], LIMITS)).toThrow('No measured reminder round');
  });
});

describe('reminderVerdicts', () => {
  it('passes a sweep that ignores the backlog, sends all that is due and has time to spare', () => {
    const checks = reminderVerdicts(bench(healthy()));
    expect(checks.map((c) => c.id)).toEqual(['reminder-sweep-ratio', 'reminder-sweep-reads', 'reminder-due-index', 'reminder-sweep-sent', 'reminder-over-floor', 'reminder-capacity']);
    expect(checks.filter((c) => !c.pass)).toEqual([]);
    expect(verdict(bench(healthy()), 'reminder-sweep-reads').value).toBe('equal, every round (600)');
  });

  it('fails when the backlog slows the sweep past the budget', () => {
    const rounds = [round(5, sample(200), sample(320)), round(6, sample(200), sample(310)), round(7, sample(200), sample(300))];
    const check = verdict(bench(rounds), 'reminder-sweep-ratio');
    expect(check.pass).toBe(false);
    expect(check.value).toBe('1.55');
  });

  it('fails when a sweep reads more with the backlog, or its due Queries read what is not due (a filter instead of a key condition)', () => {
    const rounds = [round(5, sample(200), sample(200, { queryItemsRead: 5_300, dueItemsRead: 5_100 })), round(6, sample(200), sample(200))];
    const result = bench(rounds);
    expect(verdict(result, 'reminder-sweep-reads')).toMatchObject({ pass: false, value: 'more in 1 round(s): up to 600 → 5600' });
    expect(verdict(result, 'reminder-due-index')).toMatchObject({ pass: false, value: 'large week 5: 5100' });
  });

  it('fails when a measured sweep left something due unsent, or the stand-ins did not get what it reported sent', () => {
    const deferred = bench([round(5, sample(200, { sent: 90 }), sample(200))]);
    expect(verdict(deferred, 'reminder-sweep-sent')).toMatchObject({ pass: false });
    expect(verdict(deferred, 'reminder-sweep-sent').value).toContain('small week 5: sent 90');
    const unaccepted = bench([round(5, sample(200), sample(200, { accepted: { sms: 50, email: 49 } }))]);
    expect(verdict(unaccepted, 'reminder-sweep-sent').pass).toBe(false);
  });

  it('fails when the sweep’s overhead over its floor exceeds the budget', () => {
    const cheapFloor = bench([round(5, sample(200), sample(200), 200 / (BUDGETS.reminderOverFloor + 1))]);
    expect(verdict(cheapFloor, 'reminder-over-floor').pass).toBe(false);
    const fairFloor = bench([round(5, sample(200), sample(200), 200 / (BUDGETS.reminderOverFloor - 1))]);
    expect(verdict(fairFloor, 'reminder-over-floor').pass).toBe(true);
  });

  it('fails when one run could not send its cap within its time budget', () => {
    // 300 ms a reminder: 150 in 45 s, 200 in 60 s.
    const slow = bench([round(5, sample(30_000), sample(30_000), 10_000)]);
    expect(verdict(slow, 'reminder-capacity')).toMatchObject({ pass: false, value: '150 (200 in 60 s)', limit: '≥ 200' });
  });
});

describe('verdicts', () => {
  const queue = {
    sizes: { small: 1_000, large: 10_000 },
    pageLimit: 25,
    samplesPerPage: 40,
    seeding: {} as BenchResults['queue']['seeding'],
    cases: [{ id: 'q', label: 'One queue', page: 'first' as const, ranges: 4, readBound: 100, ratio: 1, small: { ms: summarize([1]), reads: zeroCounts(), rows: 25 }, large: { ms: summarize([1]), reads: zeroCounts(), rows: 25 } }],
    scans: 0,
  };
  const run = { connections: 1, planned: 1, completed: 1, ms: summarize([1]), throughput: 1, seconds: 1, finished: true };
  const ingestRun = { ...run, statusCodes: { '202': 1 }, non2xx: 0, not202: 0, errors: 0, timeouts: 0 };
  const ingest = {
    bodyBytes: 700,
    steps: { samples: 1, signature: 0, fhir: 0, putEvents: 0 },
    sequential: { ingest: ingestRun, floor: run, ratio: 1 },
    concurrent: { ingest: ingestRun, floor: run, ratio: 1 },
    eventsDelivered: 1,
    accepted: 1,
  };

  it('includes the reminder checks, and a Scan seen by the reminder bench fails the no-scan check', () => {
    const clean = verdicts(queue, ingest, bench(healthy()));
    expect(clean.find((v) => v.id === 'no-scan')?.pass).toBe(true);
    expect(clean.some((v) => v.id === 'reminder-capacity')).toBe(true);
    expect(verdicts(queue, ingest, bench(healthy(), 1)).find((v) => v.id === 'no-scan')).toMatchObject({ pass: false, value: '1' });
  });
});
