import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../context';
import { INBOX_INDEX } from '../db/tables';
import { publishInboxEntries } from '../events/publish';
import { errorFields, logger } from '../logger';
import { INBOX_SHARDS, inboxEventFromItem, isInboxItemExpired, recordPublished } from './repository';

/** Rows younger than this are left to the request that accepted them. */
const GRACE_MS = 30_000;

/**
 * The republish sweep: Queries each shard of the sparse pending index (never a Scan) for rows
 * whose publish did not complete and sends their unpublished entries. Bounded per run.
 */
export async function republishPending(ctx: AppContext, options: { perShard?: number } = {}): Promise<{ examined: number; republished: number; stillPending: number }> {
  const cutoff = new Date(ctx.clock.now().getTime() - GRACE_MS).toISOString();
  let examined = 0;
  let republished = 0;
  let stillPending = 0;
  for (let shard = 0; shard < INBOX_SHARDS; shard++) {
    const res = await ctx.db.send(
      new QueryCommand({
        TableName: ctx.config.tables.inbox,
        IndexName: INBOX_INDEX.pending,
        KeyConditionExpression: 'pendingPk = :pk AND pendingSk < :cutoff',
        ExpressionAttributeValues: { ':pk': `PENDING#${shard}`, ':cutoff': cutoff },
        Limit: options.perShard ?? 50,
      }),
    );
    for (const item of res.Items ?? []) {
      if (isInboxItemExpired(item, ctx.clock.now())) continue;
      examined++;
      try {
        const event = inboxEventFromItem(item);
        const todo = event.entries.map((_, i) => i).filter((i) => event.published[String(i)] === undefined);
        const result = await publishInboxEntries(ctx, event, todo);
        await recordPublished(ctx, event, result.published, result.error);
        republished += Object.keys(result.published).length;
        if (result.failed.length > 0) stillPending++;
      } catch (error) {
        stillPending++;
        logger.error('Republish failed for an inbox row', { ...errorFields(error) });
      }
    }
  }
  if (examined > 0) logger.info('Republish sweep', { examined, republished, stillPending });
  return { examined, republished, stillPending };
}
