import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { AppContext } from '../context';
import { isConditionFailure } from '../db/batch';
import { RECORDS_INDEX } from '../db/tables';
import { errorFields, logger } from '../logger';
import { ZPriority } from '../referrals/schema';
import { ZTeam } from '../tasks/schema';
import { DUE_SHARDS, duePk, parseDueSk } from './due-index';
import { type Escalation, escalationId, escalationToItem } from './escalations';

export interface SweepBreachesResult {
  /** Due-index entries read (past due at `now`). */
  examined: number;
  /** Breaches marked, each with its new escalation. */
  escalated: number;
  /** Breaches marked whose escalation already existed (a replay after a stale save restored the keys). */
  alreadyEscalated: number;
  /** Entries whose item changed or closed since the index was read, or another sweep took it. */
  skipped: number;
  /** Entries that failed for another reason (logged without data; retried next run). */
  failed: number;
}

/** What the sweep reads from a due-index entry (projection ALL): ids and enums, no PHI. */
const ZDueEntry = z.object({
  pk: z.string(),
  sk: z.string(),
  dueSk: z.string(),
  patientId: z.string(),
  priority: ZPriority,
  team: ZTeam.optional(),
  queue: z.string().optional(),
});

type Outcome = 'escalated' | 'alreadyEscalated' | 'skipped';

/**
 * Marks one breach: in one transaction, sets `breachedAt` and drops the due keys on the item (only
 * if it still holds this exact due key, i.e. it has not changed or closed since), and Puts the
 * escalation under its deterministic id (only if absent). If just the escalation exists, the
 * breach was raised before: the item is marked alone. A changed item, or a concurrent sweep
 * holding it, is skipped.
 */
async function markBreach(ctx: AppContext, entry: z.infer<typeof ZDueEntry>, now: string): Promise<Outcome> {
  const due = parseDueSk(entry.dueSk);
  if (!due) return 'skipped';
  const markItem = {
    TableName: ctx.config.tables.records,
    Key: { pk: entry.pk, sk: entry.sk },
    UpdateExpression: 'SET breachedAt = :now REMOVE duePk, dueSk',
    ConditionExpression: 'dueSk = :dueSk',
    ExpressionAttributeValues: { ':now': now, ':dueSk': entry.dueSk },
  };
  const escalation: Escalation = {
    id: escalationId(due.kind, due.id, due.dueAt),
    kind: due.kind,
    itemId: due.id,
    patientId: entry.patientId,
    ...(due.kind === 'task' && entry.team ? { team: entry.team } : {}),
    ...(due.kind === 'referral' && entry.queue ? { queue: entry.queue } : {}),
    priority: entry.priority,
    dueAt: due.dueAt,
    breachedAt: now,
    status: 'open',
    version: 1,
  };
  try {
    await ctx.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Update: markItem },
          { Put: { TableName: ctx.config.tables.records, Item: escalationToItem(escalation), ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
    return 'escalated';
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const [itemReason, escalationReason] = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
    if (itemReason !== 'None' || escalationReason !== 'ConditionalCheckFailed') return 'skipped';
  }
  try {
    await ctx.db.send(new UpdateCommand(markItem));
    return 'alreadyEscalated';
  } catch (error) {
    if (isConditionFailure(error)) return 'skipped';
    throw error;
  }
}

/**
 * The SLA breach sweep: for each shard of the sparse due index, Queries (never Scans) the entries
 * due before `now` (default: the clock), oldest first and at most `limit` per shard (default 200), and marks each breached with
 * exactly one escalation for leads (see markBreach). Safe to run concurrently or to replay: the
 * escalation id is deterministic per breach. Returns counts only; logs no patient data.
 */
export async function sweepBreaches(ctx: AppContext, options: { now?: Date; limit?: number } = {}): Promise<SweepBreachesResult> {
  const now = (options.now ?? ctx.clock.now()).toISOString();
  const result: SweepBreachesResult = { examined: 0, escalated: 0, alreadyEscalated: 0, skipped: 0, failed: 0 };
  for (let shard = 0; shard < DUE_SHARDS; shard++) {
    const res = await ctx.db.send(
      new QueryCommand({
        TableName: ctx.config.tables.records,
        IndexName: RECORDS_INDEX.due,
        KeyConditionExpression: 'duePk = :pk AND dueSk < :now',
        ExpressionAttributeValues: { ':pk': duePk(shard), ':now': now },
        ScanIndexForward: true,
        Limit: options.limit ?? 200,
      }),
    );
    for (const item of res.Items ?? []) {
      result.examined++;
      try {
        result[await markBreach(ctx, ZDueEntry.parse(item), now)]++;
      } catch (error) {
        result.failed++;
        logger.error('SLA breach sweep failed for an item', { shard, ...errorFields(error) });
      }
    }
  }
  if (result.examined > 0) logger.info('SLA breach sweep', { ...result });
  return result;
}
