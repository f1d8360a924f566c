import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { AppContext } from '../context';
import { externalKey, shardOf } from '../ids';
import { type InboxEvent, type ConsumerState, ZInboxEvent } from './schema';

/** Shards of the pending, recent and failed indexes (spread hot writes). */
export const INBOX_SHARDS = 4;

/** Storage shape of an inbox row: the domain event plus keys, the raw payload and TTL. */
interface InboxItem extends InboxEvent {
  pk: string;
  /** Raw request body as received. PHI: never log, never return to a client. */
  payload: string;
  pendingPk?: string;
  pendingSk?: string;
  recentPk: string;
  recentSk: string;
  failedPk?: string;
  failedSk?: string;
  expiresAt: number;
}

/** The inbox id of a delivery: a digest of source and webhook-id (the dedupe key). */
export function inboxIdFor(sourceId: string, webhookId: string): string {
  return externalKey(sourceId, `webhook:${webhookId}`);
}

const pk = (id: string) => `IN#${id}`;
const pendingPk = (id: string) => `PENDING#${shardOf(id, INBOX_SHARDS)}`;
const failedPk = (id: string) => `FAILED#${shardOf(id, INBOX_SHARDS)}`;
export const recentPk = (day: string, shard: number) => `DAY#${day}#${shard}`;

function toDomain(item: Record<string, unknown>): InboxEvent {
  return ZInboxEvent.parse(item);
}

/**
 * Records an accepted delivery unless one with the same dedupe key exists.
 * Returns false for a duplicate (a redelivery must have no second effect).
 */
export async function insertInboxEvent(ctx: AppContext, event: InboxEvent, payload: string): Promise<boolean> {
  const expiresAt = Math.floor(ctx.clock.now().getTime() / 1000) + ctx.config.inboxRetentionDays * 86_400;
  const item: InboxItem = {
    ...event,
    pk: pk(event.id),
    payload,
    ...(event.status === 'pending' ? { pendingPk: pendingPk(event.id), pendingSk: `${event.receivedAt}#${event.id}` } : {}),
    recentPk: recentPk(event.receivedAt.slice(0, 10), shardOf(event.id, INBOX_SHARDS)),
    recentSk: `${event.receivedAt}#${event.id}`,
    expiresAt,
  };
  try {
    await ctx.db.send(
      new PutCommand({ TableName: ctx.config.tables.inbox, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

function isExpired(item: Record<string, unknown>, now: Date): boolean {
  return typeof item.expiresAt === 'number' && item.expiresAt * 1000 < now.getTime();
}

/** The inbox event and its raw payload (PHI), or undefined if absent or past retention. */
export async function getInboxEventWithPayload(ctx: AppContext, id: string): Promise<{ event: InboxEvent; payload: string } | undefined> {
  const res = await ctx.db.send(new GetCommand({ TableName: ctx.config.tables.inbox, Key: { pk: pk(id) }, ConsistentRead: true }));
  if (!res.Item || isExpired(res.Item, ctx.clock.now())) return undefined;
  return { event: toDomain(res.Item), payload: String(res.Item.payload) };
}

export async function getInboxEvent(ctx: AppContext, id: string): Promise<InboxEvent | undefined> {
  return (await getInboxEventWithPayload(ctx, id))?.event;
}

export { toDomain as inboxEventFromItem, isExpired as isInboxItemExpired };

/**
 * Records which entries reached the bus. When every entry is published the row leaves the
 * sparse pending index; otherwise it stays there for the republish sweep.
 */
export async function recordPublished(
  ctx: AppContext,
  event: InboxEvent,
  published: Record<string, string>,
  error?: string,
): Promise<InboxEvent> {
  const all = { ...event.published, ...published };
  const complete = event.entries.every((_, i) => all[String(i)] !== undefined);
  const names: Record<string, string> = { '#attempts': 'publishAttempts' };
  const values: Record<string, unknown> = { ':one': 1, ':zero': 0 };
  const sets = ['#attempts = if_not_exists(#attempts, :zero) + :one'];
  Object.entries(published).forEach(([entry, eventId], i) => {
    names['#published'] = 'published';
    names[`#e${i}`] = entry;
    values[`:e${i}`] = eventId;
    sets.push(`#published.#e${i} = :e${i}`);
  });
  let update = '';
  if (complete) {
    names['#status'] = 'status';
    values[':published'] = 'published';
    sets.push('#status = :published');
    update = `SET ${sets.join(', ')} REMOVE pendingPk, pendingSk, lastPublishError`;
  } else {
    names['#err'] = 'lastPublishError';
    values[':err'] = (error ?? 'Some entries were not accepted by EventBridge').slice(0, 300);
    sets.push('#err = :err');
    update = `SET ${sets.join(', ')}`;
  }
  const res = await ctx.db.send(
    new UpdateCommand({
      TableName: ctx.config.tables.inbox,
      Key: { pk: pk(event.id) },
      UpdateExpression: update,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ConditionExpression: 'attribute_exists(pk)',
      ReturnValues: 'ALL_NEW',
    }),
  );
  return toDomain(res.Attributes ?? {});
}

/**
 * Records one consumer's outcome for one entry and counts the attempt. Failures are tracked in
 * the `failedKeys` set; the sparse failed index (the console's "failed" view) follows that set
 * through conditional writes, so concurrent consumers cannot leave it wrong.
 */
export async function recordConsumerState(
  ctx: AppContext,
  options: { inboxId: string; entry: number; consumerId: string; state: ConsumerState['state']; error?: string; note?: string },
): Promise<void> {
  const at = ctx.clock.now().toISOString();
  const key = `${options.entry}:${options.consumerId}`;
  const failing = options.state === 'failed' || options.state === 'dead-lettered';
  const state: ConsumerState = {
    state: options.state,
    at,
    ...(options.error ? { error: options.error.slice(0, 500) } : {}),
    ...(options.note ? { note: options.note.slice(0, 300) } : {}),
  };
  const countAttempt = options.state !== 'dead-lettered';
  await ctx.db.send(
    new UpdateCommand({
      TableName: ctx.config.tables.inbox,
      Key: { pk: pk(options.inboxId) },
      UpdateExpression:
        `SET #consumers.#key = :state` +
        (countAttempt ? ', #attempts.#key = if_not_exists(#attempts.#key, :zero) + :one' : '') +
        (failing ? ' ADD failedKeys :keys' : ' DELETE failedKeys :keys'),
      ExpressionAttributeNames: { '#consumers': 'consumers', '#key': key, ...(countAttempt ? { '#attempts': 'attempts' } : {}) },
      ExpressionAttributeValues: { ':state': state, ':keys': new Set([key]), ...(countAttempt ? { ':zero': 0, ':one': 1 } : {}) },
      ConditionExpression: 'attribute_exists(pk)',
    }),
  );
  try {
    await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.config.tables.inbox,
        Key: { pk: pk(options.inboxId) },
        ...(failing
          ? {
              UpdateExpression: 'SET failedPk = :fpk, failedSk = :fsk',
              ExpressionAttributeValues: { ':fpk': failedPk(options.inboxId), ':fsk': `${at}#${options.inboxId}` },
              ConditionExpression: 'attribute_exists(failedKeys)',
            }
          : {
              UpdateExpression: 'REMOVE failedPk, failedSk',
              ConditionExpression: 'attribute_not_exists(failedKeys) AND attribute_exists(failedPk)',
            }),
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
