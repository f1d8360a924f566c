import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { AppContext } from '../context';
import { newId, shardOf } from '../ids';
import { ZBusinessStatus, ZPriority, ZReferralStatus, type Referral } from '../referrals/schema';
import { ZTaskStatus, ZTaskType, ZTeam, type Task } from '../tasks/schema';

/**
 * The transition log: one small item per status change of a referral or a task (and one when it
 * is created), written in the same transaction as the change, so the log can never disagree with
 * the records. Day-partitioned and sharded (`LOG#<yyyy-mm-dd>#<shard>`, sorted by time), so the
 * leads' dashboard reads "the last 30 days" as a bounded set of Queries, never a Scan.
 *
 * An entry carries ids, statuses, queue/team, priority and times only: no name, no reason, no
 * note, nothing a person typed. It expires after LOG_RETENTION_DAYS (the table's TTL).
 */
export const LOG_SHARDS = 4;
export const LOG_RETENTION_DAYS = 400;

export const ZTransitionLogEntry = z.object({
  id: z.string(),
  at: z.string(),
  kind: z.enum(['referral', 'task']),
  itemId: z.string(),
  /** When the referral or task was created: durations (time to schedule) need no second read. */
  itemCreatedAt: z.string(),
  priority: ZPriority,
  /** Referrals: their queue; tasks: their team. */
  queue: z.string().optional(),
  team: ZTeam.optional(),
  taskType: ZTaskType.optional(),
  from: z.object({ status: z.union([ZReferralStatus, ZTaskStatus]), businessStatus: ZBusinessStatus.optional() }).optional(),
  to: z.object({ status: z.union([ZReferralStatus, ZTaskStatus]), businessStatus: ZBusinessStatus.optional() }),
  /** Referrals: the loop was closed (an outcome came back) by this change. */
  loopClosed: z.boolean().optional(),
});
export type TransitionLogEntry = z.infer<typeof ZTransitionLogEntry>;

/** The log partition of one day (UTC) and shard. */
export const logPk = (day: string, shard: number) => `LOG#${day}#${shard}`;

/** `yyyy-mm-dd` (UTC) of an ISO instant. */
export const utcDay = (iso: string) => iso.slice(0, 10);

function toLogItem(entry: TransitionLogEntry): Record<string, unknown> {
  const parsed = ZTransitionLogEntry.parse(entry);
  return {
    pk: logPk(utcDay(parsed.at), shardOf(parsed.itemId, LOG_SHARDS)),
    sk: `${parsed.at}#${parsed.id}`,
    entity: 'transition-log',
    ...parsed,
    expiresAt: Math.floor(new Date(parsed.at).getTime() / 1000) + LOG_RETENTION_DAYS * 86_400,
  };
}

/**
 * The log Put for a referral change (`before` undefined = created), or undefined when neither its
 * status nor its business status moved. Goes into the change's own transaction.
 */
export function referralLogPut(table: string, before: Referral | undefined, after: Referral): { Put: { TableName: string; Item: Record<string, unknown> } } | undefined {
  if (before && before.status === after.status && before.businessStatus === after.businessStatus) return undefined;
  const entry: TransitionLogEntry = {
    id: newId(),
    at: after.updatedAt,
    kind: 'referral',
    itemId: after.id,
    itemCreatedAt: after.createdAt,
    priority: after.priority,
    queue: after.queue,
    ...(before ? { from: { status: before.status, businessStatus: before.businessStatus } } : {}),
    to: { status: after.status, businessStatus: after.businessStatus },
    ...(after.loopClosedAt && !before?.loopClosedAt ? { loopClosed: true } : {}),
  };
  return { Put: { TableName: table, Item: toLogItem(entry) } };
}

/** The log Put for a task change (`before` undefined = created), or undefined when its status did not move. */
export function taskLogPut(table: string, before: Task | undefined, after: Task): { Put: { TableName: string; Item: Record<string, unknown> } } | undefined {
  if (before && before.status === after.status) return undefined;
  const entry: TransitionLogEntry = {
    id: newId(),
    at: after.updatedAt,
    kind: 'task',
    itemId: after.id,
    itemCreatedAt: after.createdAt,
    priority: after.priority,
    team: after.team,
    taskType: after.type,
    ...(before ? { from: { status: before.status } } : {}),
    to: { status: after.status },
  };
  return { Put: { TableName: table, Item: toLogItem(entry) } };
}

/** The UTC days from `since` to `until` inclusive, oldest first. */
export function daysBetween(since: Date, until: Date): string[] {
  const days: string[] = [];
  const cursor = new Date(Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), since.getUTCDate()));
  while (cursor.getTime() <= until.getTime()) {
    days.push(cursor.toISOString().slice(0, 10));
    cursor.setUTCDate(cursor.getUTCDate() + 1);
  }
  return days;
}

/**
 * Every log entry with `since <= at < until`: one Query per day and shard (sort key range on the
 * time), at most `concurrency` in flight, never a Scan. Entries come back oldest first.
 */
export async function readTransitionLog(ctx: AppContext, options: { since: Date; until: Date; concurrency?: number }): Promise<TransitionLogEntry[]> {
  const lo = options.since.toISOString();
  const hi = options.until.toISOString();
  const partitions = daysBetween(options.since, options.until).flatMap((day) => Array.from({ length: LOG_SHARDS }, (_, shard) => logPk(day, shard)));
  const entries: TransitionLogEntry[] = [];
  let next = 0;
  const worker = async () => {
    while (next < partitions.length) {
      const pk = partitions[next++]!;
      let start: Record<string, unknown> | undefined;
      do {
        const res = await ctx.db.send(
          new QueryCommand({
            TableName: ctx.config.tables.records,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
            ExpressionAttributeValues: { ':pk': pk, ':lo': lo, ':hi': hi },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of res.Items ?? []) {
          if (typeof item.at === 'string' && item.at < hi) entries.push(ZTransitionLogEntry.parse(item));
        }
        start = res.LastEvaluatedKey;
      } while (start);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, partitions.length) }, worker));
  return entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}
