import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../context';

/** One key range of one index partition: `pk = value AND sk BETWEEN lo AND hi`. */
export interface KeyRange {
  index: string;
  pkName: string;
  pkValue: string;
  skName: string;
  /** Inclusive lower bound of the sort key (defaults to the partition's start). */
  lo?: string;
  /** Inclusive upper bound of the sort key (defaults to the partition's end). */
  hi?: string;
}

export interface MergeOptions {
  table: string;
  ranges: KeyRange[];
  limit: number;
  /** Sort key of the last item already returned; the page continues strictly after it. */
  after?: string;
  /** A FilterExpression applied to every range (for filters no index key covers). */
  filter?: { expression: string; names: Record<string, string>; values: Record<string, unknown> };
  /** Query pages read per range at most; bounds the cost of a selective filter. */
  maxPagesPerRange?: number;
  /** Newest first: sort keys descending, `after` meaning "strictly below". Ranges must be unbounded. */
  descending?: boolean;
}

export interface MergePage {
  items: Record<string, unknown>[];
  /** Sort key to continue after, or undefined when every range is exhausted. */
  next?: string;
}

/**
 * A page across several index partitions in one global sort-key order: a k-way merge of one
 * Query per range, each reading at most `limit` items past the cursor. The cost is proportional
 * to the page (ranges × limit), never to the table — no Scan. Sort keys must be unique across
 * ranges (they end in the record id). With a filter, a range that stops early bounds what can be
 * returned, so a page may be short but the cursor always moves forward.
 */
export async function mergeQuery(ctx: AppContext, options: MergeOptions): Promise<MergePage> {
  const { limit } = options;
  const desc = options.descending === true;
  if (desc && options.ranges.some((r) => r.lo !== undefined || r.hi !== undefined)) {
    throw new Error('mergeQuery: descending pages take unbounded ranges');
  }
  const results = await Promise.all(
    options.ranges.map(async (range) => {
      const lo = desc ? undefined : options.after && (!range.lo || options.after >= range.lo) ? `${options.after}\u0000` : range.lo;
      const hi = range.hi;
      if (lo !== undefined && hi !== undefined && lo > hi) return { items: [] as Record<string, unknown>[], exhausted: true, lastSk: undefined };
      const names: Record<string, string> = { '#pk': range.pkName, ...(options.filter?.names ?? {}) };
      const values: Record<string, unknown> = { ':pk': range.pkValue, ...(options.filter?.values ?? {}) };
      let condition = '#pk = :pk';
      if (lo !== undefined && hi !== undefined) {
        condition += ' AND #sk BETWEEN :lo AND :hi';
        values[':lo'] = lo;
        values[':hi'] = hi;
      } else if (lo !== undefined) {
        condition += ' AND #sk >= :lo';
        values[':lo'] = lo;
      } else if (hi !== undefined) {
        condition += ' AND #sk <= :hi';
        values[':hi'] = hi;
      } else if (desc && options.after) {
        condition += ' AND #sk < :before';
        values[':before'] = options.after;
      }
      if (condition.includes('#sk')) names['#sk'] = range.skName;
      const items: Record<string, unknown>[] = [];
      let startKey: Record<string, unknown> | undefined;
      let pages = 0;
      let lastSk: string | undefined;
      do {
        const res = await ctx.db.send(
          new QueryCommand({
            TableName: options.table,
            IndexName: range.index,
            KeyConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            Limit: limit,
            ScanIndexForward: !desc,
            ...(options.filter ? { FilterExpression: options.filter.expression } : {}),
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        items.push(...(res.Items ?? []));
        startKey = res.LastEvaluatedKey;
        if (startKey) lastSk = String(startKey[range.skName]);
        pages++;
      } while (startKey && items.length < limit && pages < (options.maxPagesPerRange ?? 4));
      // Exhausted when DynamoDB has nothing more, or when we already hold `limit` items
      // (everything after them sorts later than this page can reach).
      const exhausted = !startKey;
      return { items: items.slice(0, limit), exhausted, lastSk: items.length >= limit ? undefined : lastSk };
    }),
  );

  // Items past the earliest point (in page order) where an unfinished range stopped reading are
  // not yet safe to emit: that range may still hold items sorting before them.
  const order = (a: string, b: string) => (desc ? (a > b ? -1 : a < b ? 1 : 0) : a < b ? -1 : a > b ? 1 : 0);
  const stops = results.filter((r) => !r.exhausted && r.lastSk !== undefined).map((r) => r.lastSk!).sort(order);
  const ceiling = stops[0];
  const skOf = (item: Record<string, unknown>, i: number) => String(item[options.ranges[i]!.skName]);
  const merged = results
    .flatMap((r, i) => r.items.map((item) => ({ item, sk: skOf(item, i) })))
    .filter((x) => ceiling === undefined || order(x.sk, ceiling) <= 0)
    .sort((a, b) => order(a.sk, b.sk));
  const page = merged.slice(0, limit);
  const more = merged.length > limit || results.some((r) => !r.exhausted);
  const lastEmitted = page[page.length - 1]?.sk;
  const next = more ? (lastEmitted ?? ceiling) : undefined;
  return { items: page.map((x) => x.item), ...(next ? { next } : {}) };
}
