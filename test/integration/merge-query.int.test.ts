import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { createContext, type AppContext } from '../../shared/context';
import { mergeQuery, type KeyRange } from '../../shared/db/merge-query';
import { RECORDS_INDEX } from '../../shared/db/tables';
import { useFreshTables } from './support/tables';

/**
 * Property: however items are spread over partitions, whatever the page size, range bounds and
 * filter, paging with the cursor returns exactly the matching items, once each, in sort-key order
 * (ascending, or descending for newest-first lists).
 */
const tables = useFreshTables();
let ctx: AppContext;

interface Item {
  pk: string;
  sk: string;
  queuePk: string;
  queueSk: string;
  flag: boolean;
}

const PARTITIONS = ['P0', 'P1', 'P2', 'P3'];
let items: Item[] = [];

beforeAll(async () => {
  ctx = createContext({ config: tables.config, db: tables.db });
  items = Array.from({ length: 180 }, (_, i) => {
    const rank = i % 4;
    const due = new Date(Date.UTC(2026, 0, 1) + ((i * 7919) % 1000) * 3_600_000).toISOString();
    const id = `id${String(i).padStart(4, '0')}`;
    return { pk: `T#${id}`, sk: 'A', queuePk: PARTITIONS[(i * 31) % PARTITIONS.length]!, queueSk: `${rank}#${due}#${id}`, flag: false };
  });
  // Uneven filter matches, so some ranges stop early while others fill a page: P0 matches only
  // late in its order, P1 always, P2 every third item, P3 never.
  for (const p of PARTITIONS) {
    const own = items.filter((i) => i.queuePk === p).sort((a, b) => (a.queueSk < b.queueSk ? -1 : 1));
    own.forEach((item, n) => {
      item.flag = p === 'P0' ? n >= own.length - 8 : p === 'P1' ? true : p === 'P2' ? n % 3 === 0 : false;
    });
  }
  for (let i = 0; i < items.length; i += 25) {
    await tables.db.send(new BatchWriteCommand({ RequestItems: { [tables.names.records]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
});

async function collect(options: { partitions: string[]; limit: number; lo?: string; hi?: string; filter: boolean; descending: boolean }) {
  const ranges: KeyRange[] = options.partitions.map((p) => ({
    index: RECORDS_INDEX.queue,
    pkName: 'queuePk',
    pkValue: p,
    skName: 'queueSk',
    ...(options.lo ? { lo: options.lo } : {}),
    ...(options.hi ? { hi: options.hi } : {}),
  }));
  const seen: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 400; pages++) {
    const page = await mergeQuery(ctx, {
      table: tables.names.records,
      ranges,
      limit: options.limit,
      descending: options.descending,
      maxPagesPerRange: 1,
      ...(after ? { after } : {}),
      ...(options.filter ? { filter: { expression: '#flag = :yes', names: { '#flag': 'flag' }, values: { ':yes': true } } } : {}),
    });
    expect(page.items.length).toBeLessThanOrEqual(options.limit);
    seen.push(...page.items.map((i) => String(i.queueSk)));
    if (!page.next) return seen;
    if (after !== undefined) expect(options.descending ? page.next < after : page.next > after).toBe(true);
    after = page.next;
  }
  throw new Error('paging did not terminate');
}

it('pages return every matching item exactly once, in order', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.subarray(PARTITIONS, { minLength: 1 }),
      fc.integer({ min: 1, max: 40 }),
      fc.option(fc.constantFrom('0#', '1#', '1#2026-01-10', '2#'), { nil: undefined }),
      fc.option(fc.constantFrom('1#\uffff', '2#2026-01-20', '3#\uffff'), { nil: undefined }),
      fc.boolean(),
      fc.boolean(),
      async (partitions, limit, lo, hi, filter, descendingWanted) => {
        const descending = descendingWanted && lo === undefined && hi === undefined;
        const got = await collect({ partitions, limit, ...(lo ? { lo } : {}), ...(hi ? { hi } : {}), filter, descending });
        const expected = items
          .filter((i) => partitions.includes(i.queuePk))
          .filter((i) => (lo === undefined || i.queueSk >= lo) && (hi === undefined || i.queueSk <= hi))
          .filter((i) => !filter || i.flag)
          .map((i) => i.queueSk)
          .sort();
        if (descending) expected.reverse();
        expect(got).toEqual(expected);
      },
    ),
    { numRuns: 40 },
  );
});
