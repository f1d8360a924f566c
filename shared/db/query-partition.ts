import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../context';
import { RECORDS_INDEX } from './tables';

/** Items read for a record with its timeline: the record and 1,000 timeline entries. */
export const TIMELINE_READ_LIMIT = 1001;

/**
 * Every item of one records-table partition (`pk`), following pages with strongly consistent
 * reads: a record with its timeline, or a guard partition. Stops paging once `stopAfter` items
 * were read (a bound on unusually long timelines), never a Scan.
 */
export async function queryPartition(ctx: AppContext, pk: string, options: { stopAfter?: number } = {}): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await ctx.db.send(
      new QueryCommand({
        TableName: ctx.config.tables.records,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
  } while (start && items.length < (options.stopAfter ?? Number.POSITIVE_INFINITY));
  return items;
}

/**
 * Every item of one small kind partition of the records table (`K#<kind>#<shard>`), following
 * pages: a Query on the kind index, never a Scan. For short lists (staff, webhook sources); large
 * kinds are sharded and paged by their own use-cases.
 */
export async function queryKindPartition(ctx: AppContext, kindPk: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await ctx.db.send(
      new QueryCommand({
        TableName: ctx.config.tables.records,
        IndexName: RECORDS_INDEX.kind,
        KeyConditionExpression: 'kindPk = :pk',
        ExpressionAttributeValues: { ':pk': kindPk },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
  } while (start);
  return items;
}
