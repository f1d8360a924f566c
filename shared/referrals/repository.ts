import { GetCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../context';
import { queryPartition, TIMELINE_READ_LIMIT } from '../db/query-partition';
import { batchGetAll, isConditionFailure } from '../db/batch';
import { ConflictError, NotFoundError } from '../errors';
import { externalKey, shardOf } from '../ids';
import { referralLogPut } from '../dashboard/transition-log';
import { dueIndexKeys, withBreachForDue } from '../sla/due-index';
import { QUEUE_IDS } from './queues';
import {
  OPEN_STATUSES,
  PRIORITY_RANK,
  REFERRAL_STATUSES,
  BUSINESS_STATUSES,
  type EhrLink,
  type Referral,
  type ReferralStatus,
  type BusinessStatus,
  type TimelineEntry,
  ZReferral,
  ZTimelineEntry,
} from './schema';

/** One item of a TransactWriteItems request. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Shards of each queue's counter item (counts are summed on read). */
export const COUNTER_SHARDS = 4;
/** Shards of the per-kind listing index. */
export const KIND_SHARDS = 4;

// ---- keys -------------------------------------------------------------------------------
export const referralKey = (id: string) => ({ pk: `REF#${id}`, sk: 'A' });
const timelineKey = (referralId: string, entryId: string) => ({ pk: `REF#${referralId}`, sk: `T#${entryId}` });
const guardKey = (sourceId: string, reference: string) => ({ pk: `EXT#${externalKey(sourceId, reference)}`, sk: 'A' });
const counterKey = (queue: string, shard: number) => ({ pk: `COUNT#${queue}#${shard}`, sk: 'A' });
export const queuePk = (queue: string, status: ReferralStatus) => `Q#${queue}#${status}`;
export const assigneePk = (userId: string, status: ReferralStatus) => `A#${userId}#${status}`;
export const businessPk = (queue: string, business: BusinessStatus) => `Q#${queue}#B#${business}`;
/** Queue order: priority, then due time, then id (unique, so it doubles as a cursor). */
export const queueSk = (r: Pick<Referral, 'priority' | 'dueAt' | 'id'>) => `${PRIORITY_RANK[r.priority]}#${r.dueAt}#${r.id}`;

/** Storage shape of a referral: the domain record plus its index keys. */
interface ReferralItem extends Referral {
  pk: string;
  sk: 'A';
  entity: 'referral';
  queuePk: string;
  queueSk: string;
  assigneePk?: string;
  businessPk: string;
  patientPk: string;
  patientSk: string;
  kindPk: string;
  kindSk: string;
  /** Due index (sparse): only while the clock runs and this due time has not breached. */
  duePk?: string;
  dueSk?: string;
}

/** An open referral's SLA clock runs except while it is on hold. */
const clockRuns = (r: Pick<Referral, 'status'>) => OPEN_STATUSES.includes(r.status) && r.status !== 'on-hold';

/**
 * The due-index keys a save of this referral writes (none while its clock is stopped or its due
 * time has breached). Exported so the due-index backfill compares stored items with exactly this.
 */
export function referralDueIndexKeys(r: Referral): { duePk: string; dueSk: string } | Record<string, never> {
  return dueIndexKeys('referral', r, clockRuns(r));
}

function toItem(r: Referral): ReferralItem {
  return {
    ...r,
    ...referralKey(r.id),
    sk: 'A',
    entity: 'referral',
    queuePk: queuePk(r.queue, r.status),
    queueSk: queueSk(r),
    ...(r.assignee ? { assigneePk: assigneePk(r.assignee.id, r.status) } : {}),
    businessPk: businessPk(r.queue, r.businessStatus),
    patientPk: `P#${r.patientId}`,
    patientSk: `REF#${r.createdAt}#${r.id}`,
    kindPk: `K#referral#${shardOf(r.id, KIND_SHARDS)}`,
    kindSk: `${r.createdAt}#${r.id}`,
    ...referralDueIndexKeys(r),
  };
}

/** Maps a stored item (table or GSI projection) to the domain referral. */
export function referralFromItem(item: Record<string, unknown>): Referral {
  return ZReferral.parse(item);
}

// ---- counters ---------------------------------------------------------------------------
function counterUpdate(ctx: AppContext, queue: string, seed: string, deltas: Record<string, number>): TransactItem | undefined {
  const entries = Object.entries(deltas).filter(([, d]) => d !== 0);
  if (entries.length === 0) return undefined;
  const names: Record<string, string> = {};
  const values: Record<string, number> = {};
  const adds = entries.map(([attr, delta], i) => {
    names[`#c${i}`] = attr;
    values[`:c${i}`] = delta;
    return `#c${i} :c${i}`;
  });
  return {
    Update: {
      TableName: ctx.config.tables.records,
      Key: counterKey(queue, shardOf(seed, COUNTER_SHARDS)),
      UpdateExpression: `ADD ${adds.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

function countDeltas(before: Referral | undefined, after: Referral): Map<string, Record<string, number>> {
  const byQueue = new Map<string, Record<string, number>>();
  const bump = (queue: string, attr: string, d: number) => {
    const q = byQueue.get(queue) ?? {};
    q[attr] = (q[attr] ?? 0) + d;
    byQueue.set(queue, q);
  };
  if (before) {
    bump(before.queue, `s_${before.status}`, -1);
    bump(before.queue, `b_${before.businessStatus}`, -1);
  }
  bump(after.queue, `s_${after.status}`, 1);
  bump(after.queue, `b_${after.businessStatus}`, 1);
  return byQueue;
}

export interface QueueCounts {
  byStatus: Record<ReferralStatus, number>;
  byBusinessStatus: Record<BusinessStatus, number>;
}

/** Counts per status for the given queues: one BatchGet of the counter shards (never a Scan). */
export async function readQueueCounts(ctx: AppContext, queues: readonly string[] = QUEUE_IDS): Promise<QueueCounts> {
  const byStatus = Object.fromEntries(REFERRAL_STATUSES.map((s) => [s, 0])) as Record<ReferralStatus, number>;
  const byBusinessStatus = Object.fromEntries(BUSINESS_STATUSES.map((s) => [s, 0])) as Record<BusinessStatus, number>;
  const keys = queues.flatMap((q) => Array.from({ length: COUNTER_SHARDS }, (_, i) => counterKey(q, i)));
  for (const item of await batchGetAll(ctx, ctx.config.tables.records, keys)) {
    for (const s of REFERRAL_STATUSES) byStatus[s] += Number(item[`s_${s}`] ?? 0);
    for (const b of BUSINESS_STATUSES) byBusinessStatus[b] += Number(item[`b_${b}`] ?? 0);
  }
  return { byStatus, byBusinessStatus };
}

// ---- reads ------------------------------------------------------------------------------
export async function getReferralRecord(ctx: AppContext, id: string): Promise<Referral | undefined> {
  const res = await ctx.db.send(new GetCommand({ TableName: ctx.config.tables.records, Key: referralKey(id), ConsistentRead: true }));
  return res.Item ? referralFromItem(res.Item) : undefined;
}

/** The referral and its timeline (oldest first) in one Query on the referral's partition. */
export async function getReferralWithTimeline(ctx: AppContext, id: string): Promise<{ referral: Referral; timeline: TimelineEntry[] } | undefined> {
  let referral: Referral | undefined;
  const timeline: TimelineEntry[] = [];
  for (const item of await queryPartition(ctx, `REF#${id}`, { stopAfter: TIMELINE_READ_LIMIT })) {
    if (item.sk === 'A') referral = referralFromItem(item);
    else if (typeof item.sk === 'string' && item.sk.startsWith('T#')) timeline.push(ZTimelineEntry.parse(item));
  }
  return referral ? { referral, timeline } : undefined;
}

/** The referral created from an EHR resource (e.g. `ServiceRequest/123` from one source). */
export async function findReferralIdByEhrLink(ctx: AppContext, link: EhrLink): Promise<string | undefined> {
  const res = await ctx.db.send(
    new GetCommand({ TableName: ctx.config.tables.records, Key: guardKey(link.sourceId, link.reference), ConsistentRead: true }),
  );
  return typeof res.Item?.targetId === 'string' ? res.Item.targetId : undefined;
}

// ---- writes -----------------------------------------------------------------------------
function timelinePut(ctx: AppContext, entry: TimelineEntry): TransactItem {
  return { Put: { TableName: ctx.config.tables.records, Item: { ...timelineKey(entry.referralId, entry.id), entity: 'timeline', ...entry } } };
}

/**
 * Creates a referral with its first timeline entry, counters and transition-log entry in one transaction; with an EHR
 * link, also its uniqueness guard, so one ServiceRequest can never make two referrals.
 * Throws ConflictError if the guard already exists.
 */
export async function insertReferral(ctx: AppContext, referral: Referral, entries: TimelineEntry[]): Promise<void> {
  const items: TransactItem[] = [
    { Put: { TableName: ctx.config.tables.records, Item: toItem(referral), ConditionExpression: 'attribute_not_exists(pk)' } },
    ...entries.map((e) => timelinePut(ctx, e)),
  ];
  if (referral.serviceRequest) {
    items.push({
      Put: {
        TableName: ctx.config.tables.records,
        Item: { ...guardKey(referral.serviceRequest.sourceId, referral.serviceRequest.reference), entity: 'guard', targetId: referral.id },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
  }
  for (const [queue, deltas] of countDeltas(undefined, referral)) {
    const update = counterUpdate(ctx, queue, referral.id, deltas);
    if (update) items.push(update);
  }
  items.push(referralLogPut(ctx.config.tables.records, undefined, referral)!);
  try {
    await ctx.db.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    if (isConditionFailure(error)) throw new ConflictError('This referral already exists');
    throw error;
  }
}

/**
 * Saves a changed referral if nobody changed it since `before` was read (optimistic concurrency
 * on `version`), together with its timeline entries, counter moves and transition-log entry. The item's due-index keys
 * follow its status and due time (a new due time clears `breachedAt`). `extraItems` (e.g. the insert
 * of a task a rule makes from the change) go into the same transaction, so they are written if and
 * only if the change is. A stale write, or a failed condition of an extra item, is a
 * ConflictError (409), never a silent overwrite.
 */
export async function saveReferral(ctx: AppContext, before: Referral, after: Referral, entries: TimelineEntry[], extraItems: readonly TransactItem[] = []): Promise<void> {
  if (after.version !== before.version + 1) throw new Error('saveReferral: version must advance by one');
  const items: TransactItem[] = [
    {
      Put: {
        TableName: ctx.config.tables.records,
        Item: toItem(withBreachForDue(before, after)),
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': before.version },
      },
    },
    ...entries.map((e) => timelinePut(ctx, e)),
    ...extraItems,
  ];
  if (before.status !== after.status || before.businessStatus !== after.businessStatus || before.queue !== after.queue) {
    for (const [queue, deltas] of countDeltas(before, after)) {
      const update = counterUpdate(ctx, queue, `${after.id}#${after.version}`, deltas);
      if (update) items.push(update);
    }
  }
  const log = referralLogPut(ctx.config.tables.records, before, after);
  if (log) items.push(log);
  try {
    await ctx.db.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    if (isConditionFailure(error)) {
      throw new ConflictError('The referral was changed by someone else; reload it and try again', { currentVersionIsNewerThan: before.version });
    }
    throw error;
  }
}

/** Appends a note to a referral's timeline (notes need no version: they never overwrite). */
export async function appendTimeline(ctx: AppContext, entry: TimelineEntry): Promise<void> {
  await ctx.db.send(
    new TransactWriteCommand({
      TransactItems: [
        { ConditionCheck: { TableName: ctx.config.tables.records, Key: referralKey(entry.referralId), ConditionExpression: 'attribute_exists(pk)' } },
        timelinePut(ctx, entry),
      ],
    }),
  ).catch((error: unknown) => {
    if (isConditionFailure(error)) throw new NotFoundError('Referral not found');
    throw error;
  });
}
