import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** What DynamoDB was asked to read, as seen on the wire by one document client. */
export interface ReadCounts {
  queries: number;
  /** Items DynamoDB read for Queries (`ScannedCount`: what it evaluates and bills). */
  queryItemsRead: number;
  /** Items Queries returned (`Count`: after any FilterExpression). */
  queryItemsReturned: number;
  batchGets: number;
  batchGetItems: number;
  gets: number;
  /** Must stay 0: no request path may Scan. */
  scans: number;
}

export interface ReadCounter {
  /** Running totals since the counter was attached. */
  readonly totals: Readonly<ReadCounts>;
  /** Totals now, to subtract from a later snapshot. */
  snapshot(): ReadCounts;
}

export function zeroCounts(): ReadCounts {
  return { queries: 0, queryItemsRead: 0, queryItemsReturned: 0, batchGets: 0, batchGetItems: 0, gets: 0, scans: 0 };
}

export function diffCounts(after: ReadCounts, before: ReadCounts): ReadCounts {
  const out = zeroCounts();
  for (const key of Object.keys(out) as (keyof ReadCounts)[]) out[key] = after[key] - before[key];
  return out;
}

/**
 * Observes every response of a document client through a middleware on its stack (shared with
 * the low-level client under it) and sums what was read. Reads counts only, never items: the
 * items are PHI.
 */
export function attachReadCounter(db: DynamoDBDocumentClient): ReadCounter {
  const totals = zeroCounts();
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const output = result.output as { Count?: number; ScannedCount?: number; Responses?: Record<string, unknown[]> };
      switch (context.commandName) {
        case 'QueryCommand':
          totals.queries++;
          totals.queryItemsRead += output.ScannedCount ?? 0;
          totals.queryItemsReturned += output.Count ?? 0;
          break;
        case 'ScanCommand':
        case 'ParallelScanCommand':
          totals.scans++;
          break;
        case 'BatchGetItemCommand':
          totals.batchGets++;
          totals.batchGetItems += Object.values(output.Responses ?? {}).reduce((sum, items) => sum + items.length, 0);
          break;
        case 'GetItemCommand':
          totals.gets++;
          break;
        default:
          break;
      }
      return result;
    },
    { step: 'initialize', name: 'benchReadCounter' },
  );
  return {
    totals,
    snapshot: () => ({ ...totals }),
  };
}
