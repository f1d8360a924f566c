import type { AppContext } from '../context';
import { ConflictError, NotFoundError } from '../errors';
import { publishInboxEntries } from '../events/publish';
import { logger } from '../logger';
import { getInboxEvent, recordPublished } from './repository';

/**
 * Replays an accepted event: puts every entry on the bus again. Consumers that already finished
 * an entry skip it and every handler is version-gated, so a replay only redoes what failed.
 */
export async function replayInboundEvent(ctx: AppContext, options: { id: string }): Promise<{ republished: number }> {
  const event = await getInboxEvent(ctx, options.id);
  if (!event) throw new NotFoundError('Inbound event not found (or past retention)');
  if (event.entries.length === 0) throw new ConflictError('This event carried no resource to replay');
  const result = await publishInboxEntries(ctx, event, event.entries.map((_, i) => i));
  await recordPublished(ctx, event, result.published, result.error);
  if (result.failed.length > 0) throw new ConflictError('EventBridge did not accept the replay; it stays pending and will be retried');
  logger.info('Inbound event replayed', { inboxId: event.id, entries: event.entries.length });
  return { republished: Object.keys(result.published).length };
}
