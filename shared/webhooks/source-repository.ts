import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../context';
import { queryKindPartition } from '../db/query-partition';
import { isConditionFailure } from '../db/batch';
import { ConflictError, NotFoundError } from '../errors';
import { errorFields, logger } from '../logger';
import { readSecretJson, webhookSourceSecretName, writeSecretJson } from '../secrets/secret-store';
import { type WebhookSecret, type WebhookSource, ZSourceId, ZWebhookSecretSet, ZWebhookSource } from './source-schema';

/**
 * Storage of webhook sources: metadata as one records-table item per source (`SRC#<id>`, listed
 * through the `kind` index, one shard: sources are few), secrets as one JSON secret per source in
 * Secrets Manager. Every change is conditional on the item's `version`.
 */

const KIND_PK = 'K#webhook-source#0';
const sourceKey = (id: string) => ({ pk: `SRC#${id}`, sk: 'A' });

/** Storage shape: the source plus its keys. */
interface WebhookSourceItem extends WebhookSource {
  pk: string;
  sk: 'A';
  entity: 'webhook-source';
  kindPk: string;
  kindSk: string;
}

function toItem(source: WebhookSource): WebhookSourceItem {
  return { ...source, ...sourceKey(source.id), sk: 'A', entity: 'webhook-source', kindPk: KIND_PK, kindSk: source.id };
}

/**
 * Maps a stored item to a source. Items written before secrets moved to Secrets Manager (no
 * `version`, secrets inline) read as version 0 with no stored secret: webhooks from them are
 * refused until the source is rotated or re-registered, which rewrites the item without them.
 */
function fromItem(ctx: AppContext, item: Record<string, unknown>): WebhookSource | undefined {
  const legacy = item.version === undefined && typeof item.id === 'string';
  const parsed = ZWebhookSource.safeParse(
    legacy ? { ...item, version: 0, createdAt: item.updatedAt, secretName: webhookSourceSecretName(ctx, item.id as string) } : item,
  );
  if (!parsed.success) logger.warn('Unreadable webhook source item ignored', { pk: String(item.pk) });
  return parsed.success ? parsed.data : undefined;
}

/** A source's metadata, read consistently (no cache): the base of every change. */
export async function readWebhookSource(ctx: AppContext, id: string): Promise<WebhookSource | undefined> {
  const res = await ctx.db.send(new GetCommand({ TableName: ctx.config.tables.records, Key: sourceKey(id), ConsistentRead: true }));
  return res.Item ? fromItem(ctx, res.Item) : undefined;
}

/** Every source, by id: a Query on the kind index (never a Scan). */
export async function queryWebhookSources(ctx: AppContext): Promise<WebhookSource[]> {
  const items = await queryKindPartition(ctx, KIND_PK);
  return items.map((item) => fromItem(ctx, item)).filter((s): s is WebhookSource => s !== undefined);
}

/**
 * A source's stored signing secrets, empty when none is stored. Secret material: never log it.
 * Throws UnavailableError when Secrets Manager fails.
 */
export async function readWebhookSecrets(ctx: AppContext, source: Pick<WebhookSource, 'secretName'>): Promise<WebhookSecret[]> {
  const set = await readSecretJson(ctx, source.secretName, ZWebhookSecretSet);
  return set?.secrets ?? [];
}

/** A new Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * Saves a source's metadata, conditional on `previous` (absent: the id must be free → 409;
 * present: its version must still be current → 409), then, when given, its secret set. The
 * metadata goes first so a conflicting change never touches the secret. If the secret write
 * fails, the metadata write is undone (best effort, itself conditional) and the UnavailableError
 * is rethrown: the caller may retry, and the secrets that verified before still do.
 */
export async function saveWebhookSource(
  ctx: AppContext,
  next: WebhookSource,
  options: { previous: WebhookSource | undefined; secrets?: WebhookSecret[] },
): Promise<void> {
  const { previous } = options;
  try {
    await ctx.db.send(
      new PutCommand({
        TableName: ctx.config.tables.records,
        Item: toItem(next),
        ...versionCondition(previous),
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    throw previous
      ? new ConflictError('The webhook source was changed since it was read; reload it and try again', { id: next.id })
      : new ConflictError('A webhook source with this id already exists', { id: next.id });
  }
  if (!options.secrets) return;
  try {
    await writeSecretJson(ctx, next.secretName, { secrets: options.secrets });
  } catch (error) {
    await undo(ctx, next, previous);
    throw error;
  }
}

function versionCondition(previous: WebhookSource | undefined) {
  if (!previous) return { ConditionExpression: 'attribute_not_exists(pk)' };
  const names = { ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': previous.version } };
  // Version 0 is also an item written before versions existed (see fromItem).
  if (previous.version === 0) return { ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#version) OR #version = :version)', ...names };
  return { ConditionExpression: '#version = :version', ...names };
}

/** Puts back the metadata as it was before `next` (or removes a just-created source), only if `next` is still current. */
async function undo(ctx: AppContext, next: WebhookSource, previous: WebhookSource | undefined): Promise<void> {
  const onlyIfNext = {
    ConditionExpression: '#version = :version',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':version': next.version },
  };
  try {
    if (previous) await ctx.db.send(new PutCommand({ TableName: ctx.config.tables.records, Item: toItem(previous), ...onlyIfNext }));
    else await ctx.db.send(new DeleteCommand({ TableName: ctx.config.tables.records, Key: sourceKey(next.id), ...onlyIfNext }));
  } catch (error) {
    logger.error('Could not undo a webhook source change after its secret write failed', { sourceId: next.id, version: next.version, ...errorFields(error) });
  }
}

/**
 * The current metadata of a source an administrator is about to change, checked against the
 * version they last saw: NotFoundError for an unknown id, ConflictError (409) for a stale version.
 */
export async function readWebhookSourceForChange(ctx: AppContext, id: string, version: number): Promise<WebhookSource> {
  const current = ZSourceId.safeParse(id).success ? await readWebhookSource(ctx, id) : undefined;
  if (!current) throw new NotFoundError('Unknown webhook source');
  if (current.version !== version) {
    throw new ConflictError('The webhook source was changed since it was read; reload it and try again', { id, currentVersion: current.version });
  }
  return current;
}
