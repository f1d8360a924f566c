import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../context';
import { RECORDS_INDEX } from './tables';

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
