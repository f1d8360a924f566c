import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../context';
import { AUDIT_INDEX } from '../db/tables';
import { shardOf } from '../ids';
import { type AuditEntry, ZAuditEntry } from './schema';

/**
 * Storage shape of the audit table (shared/db/tables.ts, `audit`):
 *
 *   pk        `D#<yyyy-mm-dd>#<shard 0..3>`   the UTC day of `at`, sharded by the record id
 *   sk        `<at>#<id>`                     time order, unique (the id is a ULID)
 *   patientPk `P#<patientId>`                 patient index (only when the record names a patient)
 *   actorPk   `U#<actorId>`                   actor index
 *
 * Every key part is an id, a date or a time: no patient data. Items are written once with a
 * conditional Put and never updated or deleted.
 */
export const AUDIT_SHARDS = 4;

export const dayPk = (day: string, shard: number) => `D#${day}#${shard}`;
export const patientPk = (patientId: string) => `P#${patientId}`;
export const actorPk = (actorId: string) => `U#${actorId}`;
export const auditSk = (entry: Pick<AuditEntry, 'at' | 'id'>) => `${entry.at}#${entry.id}`;

/** A sort key as a cursor may carry it: `<ISO instant, ms, Z>#<ULID>`. */
export const AUDIT_SK = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[0-9A-HJKMNP-TV-Z]{26}$/;

export interface AuditItem extends AuditEntry {
  pk: string;
  sk: string;
  patientPk?: string;
  actorPk: string;
}

export function toAuditItem(entry: AuditEntry): AuditItem {
  return {
    pk: dayPk(entry.at.slice(0, 10), shardOf(entry.id, AUDIT_SHARDS)),
    sk: auditSk(entry),
    ...(entry.patientId ? { patientPk: patientPk(entry.patientId) } : {}),
    actorPk: actorPk(entry.actorId),
    ...entry,
  };
}

/** The domain record of a stored item; a malformed item is an error, not a row to skip. */
export function auditEntryFromItem(item: Record<string, unknown>): AuditEntry {
  const { pk: _pk, sk: _sk, patientPk: _patientPk, actorPk: _actorPk, ...entry } = item;
  return ZAuditEntry.parse(entry);
}

/**
 * Appends one item. `attribute_not_exists(pk)` makes a second write of the same key fail instead
 * of replacing history. A single PutItem on purpose: BatchWriteItem's IAM action also permits
 * deletes, and the application's grant on this table is PutItem only.
 */
export async function putAuditItem(ctx: AppContext, item: AuditItem): Promise<void> {
  await ctx.db.send(
    new PutCommand({
      TableName: ctx.config.tables.audit,
      Item: item,
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

export interface PartitionRead {
  /** The index to read; omitted for the table's own day partitions. */
  index?: (typeof AUDIT_INDEX)[keyof typeof AUDIT_INDEX];
  pkValue: string;
  /** Inclusive sort-key bounds. */
  lo: string;
  hi: string;
  /** Exclusive upper bound (a cursor's sort key): only records strictly older are returned. */
  before?: string;
  /** Stop once this many records are held. */
  want: number;
  /** Keep only this actor's records (a FilterExpression: evaluated after the read, so bounded by maxPages). */
  actorId?: string;
  /** Query pages read at most; may be Infinity without a filter, as every page then holds records. */
  maxPages: number;
}

export interface PartitionPage {
  /** Newest first, at most `want`. */
  entries: AuditEntry[];
  /**
   * Set when reading stopped (page cap) with fewer than `want` records held but the partition not
   * exhausted: the sort key of the last record evaluated, below which the next read continues.
   */
  stoppedAt?: string;
}

const PK_NAME = { patient: 'patientPk', actor: 'actorPk' } as const;
/** Items evaluated per Query page when a filter discards some of them. */
const FILTERED_PAGE_SIZE = 250;

/**
 * Records of one partition, newest first, between `lo` and `hi` (and below `before`): a Query
 * with `sk BETWEEN`, descending, read page by page until `want` records are held, the partition
 * is exhausted or `maxPages` pages were read. Never a Scan. (shared/db/merge-query.ts does not
 * fit here: it reads index partitions only, and only unbounded ranges when descending.)
 */
export async function readNewestFirst(ctx: AppContext, read: PartitionRead): Promise<PartitionPage> {
  const hi = read.before !== undefined && read.before < read.hi ? read.before : read.hi;
  if (hi < read.lo) return { entries: [] };
  const entries: AuditEntry[] = [];
  let startKey: Record<string, unknown> | undefined;
  let pages = 0;
  do {
    const res = await ctx.db.send(
      new QueryCommand({
        TableName: ctx.config.tables.audit,
        ...(read.index ? { IndexName: read.index } : {}),
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
        ExpressionAttributeNames: { '#pk': read.index ? PK_NAME[read.index] : 'pk', '#sk': 'sk', ...(read.actorId ? { '#actor': 'actorId' } : {}) },
        ExpressionAttributeValues: { ':pk': read.pkValue, ':lo': read.lo, ':hi': hi, ...(read.actorId ? { ':actor': read.actorId } : {}) },
        ...(read.actorId ? { FilterExpression: '#actor = :actor' } : {}),
        ScanIndexForward: false,
        // +1: BETWEEN is inclusive, so the cursor's own record may come back and is dropped.
        Limit: read.actorId ? FILTERED_PAGE_SIZE : read.want - entries.length + 1,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of res.Items ?? []) {
      if (item.sk !== read.before) entries.push(auditEntryFromItem(item));
    }
    startKey = res.LastEvaluatedKey;
    pages++;
  } while (startKey && entries.length < read.want && pages < read.maxPages);
  if (entries.length >= read.want) return { entries: entries.slice(0, read.want) };
  return { entries, ...(startKey ? { stoppedAt: String(startKey.sk) } : {}) };
}
