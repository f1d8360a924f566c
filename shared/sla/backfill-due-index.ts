import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../context';
import { isConditionFailure } from '../db/batch';
import { RECORDS_INDEX } from '../db/tables';
import { logger } from '../logger';
import { KIND_SHARDS, referralDueIndexKeys, referralFromItem } from '../referrals/repository';
import { TASK_KIND_SHARDS, taskDueIndexKeys, taskFromItem } from '../tasks/repository';
import type { SlaKind } from './due-index';

export interface BackfillDueIndexResult {
  /** Referrals and tasks read from the kind index. */
  examined: number;
  /** Items whose due keys were rewritten. */
  updated: number;
  /** Items that already held the keys a save would write (left untouched). */
  alreadyCorrect: number;
  /** Items changed since they were read: the concurrent save wrote correct keys itself. */
  skipped: number;
  /** Items that could not be read as a referral or task (logged without data). */
  failed: number;
}

type DueKeys = { duePk: string; dueSk: string } | Record<string, never>;

interface Target {
  kind: SlaKind;
  shards: number;
  /** The due keys a save of the stored item would write; throws when the item is not valid. */
  expectedKeys: (item: Record<string, unknown>) => DueKeys;
}

const TARGETS: readonly Target[] = [
  { kind: 'referral', shards: KIND_SHARDS, expectedKeys: (item) => referralDueIndexKeys(referralFromItem(item)) },
  { kind: 'task', shards: TASK_KIND_SHARDS, expectedKeys: (item) => taskDueIndexKeys(taskFromItem(item)) },
];

const sameKeys = (item: Record<string, unknown>, keys: DueKeys) => item.duePk === keys.duePk && item.dueSk === keys.dueSk;

/**
 * Rewrites one item's due keys if its version is still the one read (the rest of the item is left
 * as it is). Returns false when it changed meanwhile: that save wrote the keys it needed.
 */
async function writeKeys(ctx: AppContext, item: Record<string, unknown>, keys: DueKeys): Promise<boolean> {
  const set = 'duePk' in keys;
  try {
    await ctx.db.send(
      new UpdateCommand({
        TableName: ctx.config.tables.records,
        Key: { pk: item.pk, sk: item.sk },
        UpdateExpression: set ? 'SET duePk = :duePk, dueSk = :dueSk' : 'REMOVE duePk, dueSk',
        ConditionExpression: '#version = :version',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':version': item.version, ...(set ? { ':duePk': keys.duePk, ':dueSk': keys.dueSk } : {}) },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * Backfills the SLA due index for referrals and tasks saved before it existed (they lack
 * duePk/dueSk, so the breach sweep never sees them). Pages through every shard of each kind's
 * listing (Queries on the kind index, never a Scan, `pageSize` items at a time) and, for each item
 * whose stored due keys differ from what a save would write now, writes just those keys with an
 * UpdateItem conditional on the version read. Idempotent and safe beside live traffic: a
 * conflicting save already wrote correct keys, so a conflict is skipped. Logs counts only.
 */
export async function backfillDueIndex(ctx: AppContext, options: { pageSize?: number } = {}): Promise<BackfillDueIndexResult> {
  const result: BackfillDueIndexResult = { examined: 0, updated: 0, alreadyCorrect: 0, skipped: 0, failed: 0 };
  for (const target of TARGETS) {
    for (let shard = 0; shard < target.shards; shard++) {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await ctx.db.send(
          new QueryCommand({
            TableName: ctx.config.tables.records,
            IndexName: RECORDS_INDEX.kind,
            KeyConditionExpression: 'kindPk = :pk',
            ExpressionAttributeValues: { ':pk': `K#${target.kind}#${shard}` },
            Limit: options.pageSize ?? 100,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const item of page.Items ?? []) {
          result.examined++;
          let keys: DueKeys;
          try {
            keys = target.expectedKeys(item);
          } catch (error) {
            result.failed++;
            logger.warn('Due-index backfill could not read an item', { kind: target.kind, shard, errorName: error instanceof Error ? error.name : 'NonError' });
            continue;
          }
          if (sameKeys(item, keys)) result.alreadyCorrect++;
          else if (await writeKeys(ctx, item, keys)) result.updated++;
          else result.skipped++;
        }
        start = page.LastEvaluatedKey;
      } while (start);
    }
  }
  logger.info('Due-index backfill', { ...result });
  return result;
}
