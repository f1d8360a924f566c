import { createHash } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../context';
import { isConditionFailure } from '../db/batch';
import { decodeCursor, encodeCursor } from '../db/cursor';
import { queryPartition, TIMELINE_READ_LIMIT } from '../db/query-partition';
import { RECORDS_INDEX } from '../db/tables';
import { ConflictError } from '../errors';
import { shardOf } from '../ids';
import { queryPatientRecords } from '../patients/repository';
import {
  type Reminder,
  type ReminderChannel,
  type ReminderResourceRef,
  type ReminderRuleOrigin,
  type ReminderTimelineEntry,
  ZReminder,
  ZReminderTimelineEntry,
} from './schema';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Shards of the reminders' due partitions (`RDUE#<shard>`) and lease partitions (`RLEASE#<shard>`). */
export const REMINDER_DUE_SHARDS = 4;
/** Shards of the reminder kind listing (`K#reminder#<shard>`). */
export const REMINDER_KIND_SHARDS = 4;
/** Prefix of reminders' sort keys in the patient index (`reminder#<createdAt>#<id>`). */
export const REMINDER_PATIENT_SK_PREFIX = 'reminder#';

// ---- keys (opaque ids and digests only: no PHI, no EHR id as-is) ----------------------------
/** A digest of several parts, unambiguous (NUL-separated): for EHR ids and provider ids in keys. */
function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url');
}

export const reminderKey = (id: string) => ({ pk: `REM#${id}`, sk: 'A' });
const timelineKey = (reminderId: string, entryId: string) => ({ pk: `REM#${reminderId}`, sk: `T#${entryId}` });
/** One reminder per rule and resource: `RGUARD#<digest(sourceId, reference, ruleId)>`. */
const ruleGuardKey = (rule: ReminderRuleOrigin) => ({ pk: `RGUARD#${digest(rule.source.sourceId, rule.source.reference, rule.ruleId)}`, sk: 'A' });
/** The reminder a provider's message id belongs to (delivery events), per channel. */
const messageGuardKey = (channel: ReminderChannel, providerMessageId: string) => ({ pk: `RMSG#${digest(channel, providerMessageId)}`, sk: 'A' });

/** Due partition of one shard: holds a reminder only while it is `scheduled`. */
export const reminderDuePk = (shard: number) => `RDUE#${shard}`;
/** Lease partition of one shard: holds a reminder only while it is `sending` (a crashed send is found here). */
export const reminderLeasePk = (shard: number) => `RLEASE#${shard}`;

/**
 * What a reminder can be found by, besides its patient: the work it belongs to. One link partition
 * per appointment, rule source, task, care plan or referral (`RLINK#<type>#<id or digest>`), with one
 * item per reminder, written when the reminder is created (links never change).
 */
export type ReminderLinkQuery =
  | { appointment: ReminderResourceRef }
  | { source: ReminderResourceRef }
  | { taskId: string }
  | { carePlanId: string }
  | { referralId: string };

function linkPk(link: ReminderLinkQuery): string {
  if ('appointment' in link) return `RLINK#appt#${digest(link.appointment.sourceId, link.appointment.reference)}`;
  if ('source' in link) return `RLINK#src#${digest(link.source.sourceId, link.source.reference)}`;
  if ('taskId' in link) return `RLINK#task#${link.taskId}`;
  if ('carePlanId' in link) return `RLINK#careplan#${link.carePlanId}`;
  return `RLINK#referral#${link.referralId}`;
}

function linksOf(r: Reminder): ReminderLinkQuery[] {
  return [
    ...(r.links.appointment ? [{ appointment: r.links.appointment }] : []),
    ...(r.rule ? [{ source: r.rule.source }] : []),
    ...(r.links.taskId ? [{ taskId: r.links.taskId }] : []),
    ...(r.links.carePlanId ? [{ carePlanId: r.links.carePlanId }] : []),
    ...(r.links.referralId ? [{ referralId: r.links.referralId }] : []),
  ];
}

/** Storage shape of a reminder: the domain record plus its index keys. */
interface ReminderItem extends Reminder {
  pk: string;
  sk: 'A';
  entity: 'reminder';
  patientPk: string;
  patientSk: string;
  kindPk: string;
  kindSk: string;
  /** Sparse, on the shared `due` GSI: `RDUE#<shard>` while scheduled, `RLEASE#<shard>` while sending. */
  duePk?: string;
  dueSk?: string;
}

/**
 * The `due` GSI keys a save of this reminder writes: `RDUE#<shard>` → `<sendAt>#<id>` while
 * `scheduled` (what the send sweep Queries), `RLEASE#<shard>` → `<sendingAt>#<id>` while `sending`
 * (claims a crash left behind), none otherwise. The SLA breach sweep reads only `DUE#<shard>`.
 */
export function reminderDueIndexKeys(r: Reminder): { duePk: string; dueSk: string } | Record<string, never> {
  const shard = shardOf(r.id, REMINDER_DUE_SHARDS);
  if (r.status === 'scheduled') return { duePk: reminderDuePk(shard), dueSk: `${r.sendAt}#${r.id}` };
  if (r.status === 'sending' && r.sendingAt) return { duePk: reminderLeasePk(shard), dueSk: `${r.sendingAt}#${r.id}` };
  return {};
}

function toItem(r: Reminder): ReminderItem {
  return {
    ...r,
    ...reminderKey(r.id),
    sk: 'A',
    entity: 'reminder',
    patientPk: `P#${r.patientId}`,
    patientSk: `${REMINDER_PATIENT_SK_PREFIX}${r.createdAt}#${r.id}`,
    kindPk: `K#reminder#${shardOf(r.id, REMINDER_KIND_SHARDS)}`,
    kindSk: `${r.createdAt}#${r.id}`,
    ...reminderDueIndexKeys(r),
  };
}

/** Maps a stored item (table or GSI projection) to the domain reminder. */
export function reminderFromItem(item: Record<string, unknown>): Reminder {
  return ZReminder.parse(item);
}

// ---- reads ------------------------------------------------------------------------------
/** One reminder, strongly consistent, or undefined. */
export async function getReminderRecord(ctx: AppContext, id: string): Promise<Reminder | undefined> {
  const res = await ctx.db.send(new GetCommand({ TableName: ctx.config.tables.records, Key: reminderKey(id), ConsistentRead: true }));
  return res.Item?.entity === 'reminder' ? reminderFromItem(res.Item) : undefined;
}

/** The reminder and its timeline (oldest first) in one Query on its partition. */
export async function getReminderWithTimeline(ctx: AppContext, id: string): Promise<{ reminder: Reminder; timeline: ReminderTimelineEntry[] } | undefined> {
  let reminder: Reminder | undefined;
  const timeline: ReminderTimelineEntry[] = [];
  for (const item of await queryPartition(ctx, reminderKey(id).pk, { stopAfter: TIMELINE_READ_LIMIT })) {
    if (item.sk === 'A' && item.entity === 'reminder') reminder = reminderFromItem(item);
    else if (typeof item.sk === 'string' && item.sk.startsWith('T#')) timeline.push(ZReminderTimelineEntry.parse(item));
  }
  return reminder ? { reminder, timeline } : undefined;
}

/** The reminder a rule created from a resource, if it already did. */
export async function findReminderIdByRule(ctx: AppContext, rule: ReminderRuleOrigin): Promise<string | undefined> {
  const res = await ctx.db.send(new GetCommand({ TableName: ctx.config.tables.records, Key: ruleGuardKey(rule), ConsistentRead: true }));
  return typeof res.Item?.targetId === 'string' ? res.Item.targetId : undefined;
}

/** The reminder a provider's message id belongs to (for delivery events), if it was linked. */
export async function findReminderIdByMessage(ctx: AppContext, options: { channel: ReminderChannel; providerMessageId: string }): Promise<string | undefined> {
  const res = await ctx.db.send(
    new GetCommand({ TableName: ctx.config.tables.records, Key: messageGuardKey(options.channel, options.providerMessageId), ConsistentRead: true }),
  );
  return typeof res.Item?.targetId === 'string' ? res.Item.targetId : undefined;
}

/** Ids of every reminder linked to a piece of work: a Query on its link partition, never a Scan. */
export async function findReminderIdsByLink(ctx: AppContext, link: ReminderLinkQuery): Promise<string[]> {
  return (await queryPartition(ctx, linkPk(link))).flatMap((item) => (typeof item.targetId === 'string' ? [item.targetId] : []));
}

/** A patient's reminders from the patient index, newest first, at most `max`; `capped` when there are more. */
export async function queryRemindersForPatient(ctx: AppContext, options: { patientId: string; max: number }): Promise<{ reminders: Reminder[]; capped: boolean }> {
  const page = await queryPatientRecords(ctx, { patientId: options.patientId, prefix: REMINDER_PATIENT_SK_PREFIX, max: options.max });
  return { reminders: page.items.map(reminderFromItem), capped: page.capped };
}

export interface DueReminderPage {
  /** As the index holds them (eventually consistent): claim each with a version-conditional save. */
  reminders: Reminder[];
  /** Continue the same shard from here; absent when nothing more is due. */
  nextCursor?: string;
}

/** One page of a due-GSI partition with sort keys up to `upTo` (inclusive), oldest first. */
async function queryDuePartition(ctx: AppContext, options: { pk: string; upTo: string; limit: number; cursor?: string | undefined }): Promise<DueReminderPage> {
  const after = decodeCursor(options.cursor);
  if (after !== undefined && after >= options.upTo) return { reminders: [] };
  const res = await ctx.db.send(
    new QueryCommand({
      TableName: ctx.config.tables.records,
      IndexName: RECORDS_INDEX.due,
      KeyConditionExpression: after === undefined ? 'duePk = :pk AND dueSk <= :hi' : 'duePk = :pk AND dueSk BETWEEN :lo AND :hi',
      ExpressionAttributeValues: { ':pk': options.pk, ':hi': options.upTo, ...(after === undefined ? {} : { ':lo': `${after}\u0000` }) },
      ScanIndexForward: true,
      Limit: options.limit,
    }),
  );
  const items = res.Items ?? [];
  const last = items[items.length - 1];
  return {
    reminders: items.map(reminderFromItem),
    ...(res.LastEvaluatedKey && last ? { nextCursor: encodeCursor(String(last.dueSk)) } : {}),
  };
}

/**
 * The `scheduled` reminders of one due shard whose `sendAt` is at or before `now`, oldest first,
 * at most `limit` (default 100): a Query (`dueSk <= <now>#\uffff` on `RDUE#<shard>`), never a
 * Scan, and never a reminder not yet due. The index is eventually consistent: the sweep claims each
 * with saveReminder (conditional on its version), so a stale entry only loses the claim.
 */
export async function queryDueReminders(ctx: AppContext, options: { shard: number; now: Date; limit?: number; cursor?: string }): Promise<DueReminderPage> {
  return queryDuePartition(ctx, { pk: reminderDuePk(options.shard), upTo: `${options.now.toISOString()}#\uffff`, limit: options.limit ?? 100, cursor: options.cursor });
}

/**
 * The `sending` reminders of one lease shard claimed at or before `claimedBefore` (now minus the
 * lease), oldest first: claims a crash or timeout left behind, for the sweep to re-examine. A Query
 * on `RLEASE#<shard>`, never a Scan.
 */
export async function queryExpiredClaims(ctx: AppContext, options: { shard: number; claimedBefore: Date; limit?: number; cursor?: string }): Promise<DueReminderPage> {
  return queryDuePartition(ctx, {
    pk: reminderLeasePk(options.shard),
    upTo: `${options.claimedBefore.toISOString()}#\uffff`,
    limit: options.limit ?? 100,
    cursor: options.cursor,
  });
}

// ---- writes -----------------------------------------------------------------------------
function isTransactionConflictOnly(error: unknown): boolean {
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
  return codes.includes('TransactionConflict') && !codes.includes('ConditionalCheckFailed');
}

/**
 * Sends a transaction, resending it when it was cancelled only by a concurrent transaction on one
 * of its items (atomic, so nothing was written); returns the cancellation codes of a failed
 * condition, or rethrows anything else.
 */
async function transact(ctx: AppContext, items: TransactItem[]): Promise<{ ok: true } | { ok: false; codes: string[] }> {
  for (let attempt = 0; ; attempt++) {
    try {
      await ctx.db.send(new TransactWriteCommand({ TransactItems: items }));
      return { ok: true };
    } catch (error) {
      if (isTransactionConflictOnly(error) && attempt < 4) {
        await new Promise((r) => setTimeout(r, 10 * 2 ** attempt + Math.random() * 10));
        continue;
      }
      if (error instanceof TransactionCanceledException) return { ok: false, codes: (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None') };
      if (isConditionFailure(error)) return { ok: false, codes: ['ConditionalCheckFailed'] };
      throw error;
    }
  }
}

function timelinePut(ctx: AppContext, entry: ReminderTimelineEntry): TransactItem {
  const valid = ZReminderTimelineEntry.parse(entry);
  return { Put: { TableName: ctx.config.tables.records, Item: { ...timelineKey(valid.reminderId, valid.id), entity: 'reminder-timeline', ...valid } } };
}

/** The guard item that lets delivery events find a reminder by its provider message id (idempotent for that reminder). */
function messageGuardPut(ctx: AppContext, r: { id: string; channel: ReminderChannel }, providerMessageId: string): TransactItem {
  return {
    Put: {
      TableName: ctx.config.tables.records,
      Item: { ...messageGuardKey(r.channel, providerMessageId), entity: 'reminder-message-guard', targetId: r.id },
      ConditionExpression: 'attribute_not_exists(pk) OR targetId = :id',
      ExpressionAttributeValues: { ':id': r.id },
    },
  };
}

/**
 * Creates a reminder with its timeline entries in one transaction, with one link item per piece of
 * work it belongs to and, for a rule-created one, its rule guard (only if absent), so one rule and
 * resource can never make two reminders. ConflictError when the guard (or the id) already exists.
 */
export async function insertReminder(ctx: AppContext, reminder: Reminder, entries: ReminderTimelineEntry[]): Promise<void> {
  const r = ZReminder.parse(reminder);
  const table = ctx.config.tables.records;
  const items: TransactItem[] = [
    { Put: { TableName: table, Item: toItem(r), ConditionExpression: 'attribute_not_exists(pk)' } },
    ...entries.map((e) => timelinePut(ctx, e)),
    ...linksOf(r).map((link): TransactItem => ({ Put: { TableName: table, Item: { pk: linkPk(link), sk: `REM#${r.id}`, entity: 'reminder-link', targetId: r.id } } })),
  ];
  if (r.rule) {
    items.push({ Put: { TableName: table, Item: { ...ruleGuardKey(r.rule), entity: 'reminder-guard', targetId: r.id }, ConditionExpression: 'attribute_not_exists(pk)' } });
  }
  const result = await transact(ctx, items);
  if (!result.ok) throw new ConflictError('This reminder already exists');
}

/** Which part of a saveReminder transaction failed its condition (ConflictError details). */
export type SaveReminderConflict = { failed: 'reminder' } | { failed: 'message-guard' } | { failed: 'extra'; index: number };

/**
 * Saves a changed reminder if nobody changed it since `before` was read (optimistic concurrency on
 * `version`), with its timeline entries, in one transaction; its due-index keys follow its status
 * (present only while `scheduled`). A newly set `providerMessageId` writes its message guard in the
 * same transaction. `extraItems` (e.g. the frequency-cap slot a claim takes) are written if and
 * only if the save is. A failed condition is a ConflictError (409) whose details say which part
 * failed (see SaveReminderConflict); a stale version never overwrites silently. The patient,
 * channel, links and rule of a reminder never change.
 */
export async function saveReminder(
  ctx: AppContext,
  before: Reminder,
  after: Reminder,
  entries: ReminderTimelineEntry[],
  options: { extraItems?: readonly TransactItem[] } = {},
): Promise<void> {
  if (after.version !== before.version + 1) throw new Error('saveReminder: version must advance by one');
  const fixed = (r: Reminder) => JSON.stringify([r.id, r.patientId, r.channel, r.links, r.rule, r.createdAt]);
  if (fixed(before) !== fixed(after)) throw new Error('saveReminder: id, patient, channel, links and rule never change');
  const linkMessage = after.providerMessageId !== undefined && after.providerMessageId !== before.providerMessageId;
  const extra = options.extraItems ?? [];
  const items: TransactItem[] = [
    {
      Put: {
        TableName: ctx.config.tables.records,
        Item: toItem(ZReminder.parse(after)),
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': before.version },
      },
    },
    ...entries.map((e) => timelinePut(ctx, e)),
    ...(linkMessage ? [messageGuardPut(ctx, after, after.providerMessageId!)] : []),
    ...extra,
  ];
  const result = await transact(ctx, items);
  if (result.ok) return;
  const failedAt = result.codes.indexOf('ConditionalCheckFailed');
  const firstExtra = items.length - extra.length;
  const details: SaveReminderConflict =
    failedAt >= firstExtra ? { failed: 'extra', index: failedAt - firstExtra } : linkMessage && failedAt === firstExtra - 1 ? { failed: 'message-guard' } : { failed: 'reminder' };
  throw new ConflictError(
    details.failed === 'reminder' ? 'The reminder was changed by someone else; reload it and try again' : 'The reminder could not be saved: a related record is taken',
    details,
  );
}

/**
 * Links a provider's message id to a reminder, so delivery events find it even if the sender
 * stops before saving `sent`: the sender calls it right after the provider accepts the message.
 * Idempotent for the same reminder; ConflictError if the id is already linked to another one.
 */
export async function linkProviderMessage(ctx: AppContext, options: { reminderId: string; channel: ReminderChannel; providerMessageId: string }): Promise<void> {
  const guard = messageGuardPut(ctx, { id: options.reminderId, channel: options.channel }, options.providerMessageId).Put!;
  try {
    await ctx.db.send(new PutCommand(guard));
  } catch (error) {
    if (isConditionFailure(error)) throw new ConflictError('This provider message belongs to another reminder');
    throw error;
  }
}
