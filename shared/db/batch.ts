import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../context';

/** Items for the given keys of one table: BatchGet in chunks of 100, retrying unprocessed keys. */
export async function batchGetAll(ctx: AppContext, table: string, keys: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = { [table]: { Keys: keys.slice(i, i + 100) } };
    for (let round = 0; request && Object.keys(request).length > 0; round++) {
      if (round > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** round));
      if (round > 5) throw new Error('BatchGet kept returning unprocessed keys');
      const res = await ctx.db.send(new BatchGetCommand({ RequestItems: request }));
      items.push(...(res.Responses?.[table] ?? []));
      request = res.UnprocessedKeys as typeof request;
    }
  }
  return items;
}

/** A conditional write (or a transaction with one) lost: a duplicate or a stale version. */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || error instanceof TransactionCanceledException;
}
