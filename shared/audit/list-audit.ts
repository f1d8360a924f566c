import { z } from 'zod';
import type { AppContext } from '../context';
import { decodeCursor, encodeCursor } from '../db/cursor';
import { AUDIT_INDEX } from '../db/tables';
import { BadRequestError } from '../errors';
import { ZUserId } from '../users/directory';
import { AUDIT_SHARDS, AUDIT_SK, actorPk, auditSk, dayPk, patientPk, readNewestFirst } from './repository';
import { type AuditEntry, ZRecordId } from './schema';

export const ZAuditQuery = z.object({
  patientId: ZRecordId.optional(),
  actorId: ZUserId.optional(),
  /** First UTC day (yyyy-mm-dd), inclusive; defaults to six days before `to`. */
  from: z.iso.date().optional(),
  /** Last UTC day, inclusive; defaults to today. */
  to: z.iso.date().optional(),
  cursor: z.string().max(1000).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type AuditQuery = z.input<typeof ZAuditQuery>;

export interface AuditPage {
  /** Newest first. */
  entries: AuditEntry[];
  nextCursor?: string;
  /** The UTC days searched (after defaults), for the caller to show. */
  from: string;
  to: string;
}

export const MAX_RANGE_DAYS = 92;
const DEFAULT_RANGE_DAYS = 7;
const DAY_MS = 86_400_000;
/** Query pages per request when a FilterExpression (actor within a patient) discards records. */
const FILTERED_MAX_PAGES = 8;
/** Without a filter every Query page holds records, so a read ends at `want` or the partition's end. */
const UNFILTERED = Number.POSITIVE_INFINITY;
/** Days merged in one round of the unfiltered view; rounds widen 1, 2, 4, 8, 16, 16… days. */
const MAX_WINDOW_DAYS = 16;

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00.000Z`) + n * DAY_MS).toISOString().slice(0, 10);
/** Above every sort key of `day` and below the next day's. */
const endOf = (day: string) => `${day}\uffff`;

function resolveRange(ctx: AppContext, from: string | undefined, to: string | undefined): { from: string; to: string } {
  const last = to ?? ctx.clock.now().toISOString().slice(0, 10);
  const first = from ?? addDays(last, -(DEFAULT_RANGE_DAYS - 1));
  if (first > last) throw new BadRequestError('The start date must not be after the end date');
  const days = (Date.parse(last) - Date.parse(first)) / DAY_MS + 1;
  if (days > MAX_RANGE_DAYS) throw new BadRequestError(`Choose at most ${MAX_RANGE_DAYS} days`);
  return { from: first, to: last };
}

function decodeAuditCursor(cursor: string | undefined): string | undefined {
  const after = decodeCursor(cursor);
  if (after !== undefined && !AUDIT_SK.test(after)) throw new BadRequestError('The cursor is not valid; start again from the first page');
  return after;
}

/**
 * The unfiltered view: every day partition × shard from the cursor's day (or `to`) back to
 * `from`. Days are disjoint in time, so they are read in rounds of adjacent days (1, 2, 4, 8,
 * then 16 at a time — a busy day fills the page in the first round, a quiet range is crossed in a
 * few rounds) and each round's shards are merged newest first. Each partition reads at most the
 * records still needed plus one, which also tells whether an older page exists. The cost is
 * bounded by the page and the days crossed (at most 92 × 4 small Queries), never by the table.
 */
async function listAllActors(ctx: AppContext, range: { from: string; to: string }, before: string | undefined, limit: number): Promise<{ entries: AuditEntry[]; next?: string }> {
  const entries: AuditEntry[] = [];
  let day = before !== undefined && before.slice(0, 10) < range.to ? before.slice(0, 10) : range.to;
  for (let width = 1; day >= range.from; width = Math.min(width * 2, MAX_WINDOW_DAYS)) {
    const days: string[] = [];
    for (let d = day; d >= range.from && days.length < width; d = addDays(d, -1)) days.push(d);
    const need = limit - entries.length;
    const reads = await Promise.all(
      days.flatMap((d) =>
        Array.from({ length: AUDIT_SHARDS }, (_, shard) =>
          readNewestFirst(ctx, { pkValue: dayPk(d, shard), lo: d, hi: endOf(d), ...(before ? { before } : {}), want: need + 1, maxPages: UNFILTERED }),
        ),
      ),
    );
    const merged = reads.flatMap((r) => r.entries).sort((a, b) => (auditSk(a) > auditSk(b) ? -1 : 1));
    entries.push(...merged.slice(0, need));
    if (merged.length > need) return { entries, next: auditSk(entries[entries.length - 1]!) };
    day = addDays(days[days.length - 1]!, -1);
  }
  return { entries };
}

/**
 * One page of the audit log, newest first, for admins and auditors. Every filter is a Query on a
 * key, never a Scan:
 * - a patient → the `patient` index, `sk BETWEEN` the days;
 * - an actor → the `actor` index, likewise;
 * - both → the patient index with a FilterExpression on the actor. A patient's trail is far
 *   smaller than a busy user's, so it is the better partition to read; the filter still costs
 *   the records it discards, so a request reads at most 8 pages and may return a short (even
 *   empty) page whose cursor moves on past what was read;
 * - neither → the day partitions × shards (see listAllActors).
 * Dates are UTC days, `to` inclusive, 7 days by default, at most 92 (else 400). Ids are validated
 * (400) so nothing odd reaches a key; the cursor is opaque. Returns staff names and patient ids:
 * log neither.
 */
export async function listAudit(ctx: AppContext, input: AuditQuery): Promise<AuditPage> {
  const query = ZAuditQuery.parse(input);
  const range = resolveRange(ctx, query.from, query.to);
  const before = decodeAuditCursor(query.cursor);
  const { limit } = query;

  if (!query.patientId && !query.actorId) {
    const page = await listAllActors(ctx, range, before, limit);
    return { entries: page.entries, ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}), ...range };
  }

  const read = await readNewestFirst(ctx, {
    ...(query.patientId
      ? { index: AUDIT_INDEX.patient, pkValue: patientPk(query.patientId), ...(query.actorId ? { actorId: query.actorId } : {}) }
      : { index: AUDIT_INDEX.actor, pkValue: actorPk(query.actorId!) }),
    lo: range.from,
    hi: endOf(range.to),
    ...(before ? { before } : {}),
    want: limit + 1,
    maxPages: query.patientId && query.actorId ? FILTERED_MAX_PAGES : UNFILTERED,
  });
  const entries = read.entries.slice(0, limit);
  const next = read.entries.length > limit ? auditSk(entries[entries.length - 1]!) : read.stoppedAt;
  return { entries, ...(next ? { nextCursor: encodeCursor(next) } : {}), ...range };
}
