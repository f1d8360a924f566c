/**
 * Budget 1: a queue page costs the same whatever the table size. Times `listQueue` (the use-case
 * behind GET /api/queue and the console's queue) on a small and a large table set, first page and
 * next page, for filters the console offers, and counts what DynamoDB read for each page.
 */
import type { AppContext } from '../../shared/context';
import { type QueueFilter, listQueue } from '../../shared/referrals/list-queue';
import { type ReadCounter, type ReadCounts, diffCounts } from './read-counter';
import { DeadlineExceeded, type Summary, ratio, summarize, timed } from './stats';

export interface QueueCase {
  id: string;
  label: string;
  filter: QueueFilter;
  /**
   * Key ranges listQueue queries for this filter (index partitions × sort-key ranges, as
   * shared/referrals/list-queue.ts builds them). With no FilterExpression each range is one Query
   * of at most `limit` items, so a page reads at most `ranges × limit` items, at any table size.
   */
  ranges: number;
}

/** The page size the console uses (web/app/lib/queue.server.ts). */
export const PAGE_LIMIT = 25;

export const QUEUE_CASES: readonly QueueCase[] = [
  { id: 'queue-open', label: 'One queue, open (default view)', filter: { queue: 'cardiology' }, ranges: 4 },
  { id: 'all-open', label: 'All queues, open', filter: {}, ranges: 8 * 4 },
  { id: 'priority', label: 'All queues, stat/asap', filter: { priority: ['stat', 'asap'] }, ranges: 8 * 4 * 2 },
  { id: 'overdue', label: 'One queue, overdue', filter: { queue: 'cardiology', overdue: true }, ranges: 4 * 4 },
  { id: 'mine', label: 'Assigned to me, open', filter: { assigneeId: 'u-casey' }, ranges: 4 },
  // History: the partition that grows with the table (ten times more completed referrals).
  { id: 'completed', label: 'One queue, completed', filter: { queue: 'cardiology', status: ['completed'] }, ranges: 1 },
];

export type PageKind = 'first' | 'next';

export interface SetUnderTest {
  label: 'small' | 'large';
  ctx: AppContext;
  reads: ReadCounter;
}

export interface PageMeasurement {
  ms: Summary;
  /** What one page read: the sample that read the most (the data does not change while timing). */
  reads: ReadCounts;
  rows: number;
}

export interface QueueCaseResult {
  id: string;
  label: string;
  page: PageKind;
  ranges: number;
  /** ranges × limit: the most a page may read, independent of the table. */
  readBound: number;
  small: PageMeasurement;
  large: PageMeasurement;
  /** large median / small median. */
  ratio: number;
}

async function page(set: SetUnderTest, filter: QueueFilter, cursor: string | undefined) {
  const before = set.reads.snapshot();
  const { ms, value } = await timed(() => listQueue(set.ctx, { ...filter, limit: PAGE_LIMIT, ...(cursor ? { cursor } : {}) }));
  return { ms, rows: value.rows.length, nextCursor: value.nextCursor, reads: diffCounts(set.reads.snapshot(), before) };
}

/**
 * For each case: a warm-up, then `samples` rounds; each round times the first page and the next
 * page (from the first page's cursor) on both sets, alternating which set goes first so drift
 * (JIT, GC, DynamoDB Local's caches) falls on both alike.
 */
export async function runQueueBench(options: {
  small: SetUnderTest;
  large: SetUnderTest;
  samples: number;
  warmup: number;
  deadlineMs: number;
  onCase?: (label: string) => void;
}): Promise<QueueCaseResult[]> {
  const deadline = Date.now() + options.deadlineMs;
  const sets = [options.small, options.large] as const;
  const results: QueueCaseResult[] = [];
  for (const c of QUEUE_CASES) {
    options.onCase?.(c.label);
    const cursors = new Map<string, string | undefined>();
    for (const set of sets) {
      for (let i = 0; i < options.warmup; i++) {
        const first = await page(set, c.filter, undefined);
        cursors.set(set.label, first.nextCursor);
        await page(set, c.filter, first.nextCursor);
      }
    }
    const samples = new Map<string, { ms: number[]; reads: ReadCounts; rows: number }>();
    const record = (key: string, m: { ms: number; reads: ReadCounts; rows: number }) => {
      const s = samples.get(key) ?? { ms: [], rows: m.rows, reads: m.reads };
      s.ms.push(m.ms);
      if (m.reads.queryItemsRead > s.reads.queryItemsRead) s.reads = m.reads;
      samples.set(key, s);
    };
    for (let round = 0; round < options.samples; round++) {
      if (Date.now() > deadline) throw new DeadlineExceeded('The queue bench', options.deadlineMs);
      const order = round % 2 === 0 ? sets : ([sets[1], sets[0]] as const);
      for (const set of order) {
        record(`${set.label}:first`, await page(set, c.filter, undefined));
        const cursor = cursors.get(set.label);
        if (cursor) record(`${set.label}:next`, await page(set, c.filter, cursor));
      }
    }
    for (const kind of ['first', 'next'] as const) {
      const small = samples.get(`small:${kind}`);
      const large = samples.get(`large:${kind}`);
      if (!small || !large) {
        throw new Error(`Case "${c.label}" has no ${kind} page in the ${small ? 'large' : 'small'} set: the seed data is too thin for it`);
      }
      const s = { ms: summarize(small.ms), reads: small.reads, rows: small.rows };
      const l = { ms: summarize(large.ms), reads: large.reads, rows: large.rows };
      results.push({
        id: c.id,
        label: c.label,
        page: kind,
        ranges: c.ranges,
        readBound: c.ranges * PAGE_LIMIT,
        small: s,
        large: l,
        ratio: ratio(l.ms.p50, s.ms.p50),
      });
    }
  }
  return results;
}
