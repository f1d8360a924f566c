import { createHash } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { AppContext } from '../context';
import { isConditionFailure } from '../db/batch';
import { decodeCursor, encodeCursor } from '../db/cursor';
import { mergeQuery } from '../db/merge-query';
import { RECORDS_INDEX } from '../db/tables';
import { ConflictError, NotFoundError } from '../errors';
import { ZActorRef, ZPriority } from '../referrals/schema';
import { ZTeam } from '../tasks/schema';
import { SLA_KINDS } from './due-index';

export const ESCALATION_STATUSES = ['open', 'acknowledged'] as const;
export const ZEscalationStatus = z.enum(ESCALATION_STATUSES);
export type EscalationStatus = z.infer<typeof ZEscalationStatus>;

/** Escalation ids: a digest of the breach (kind, item, due time), never patient data. */
export const ZEscalationId = z.string().regex(/^[A-Za-z0-9_-]{32}$/, 'not an escalation id');

/**
 * One SLA breach raised to the leads: a task (with its team) or a referral (with its queue) whose
 * due time passed while its clock ran. `patientId` is an opaque id; the record holds no other PHI.
 */
export const ZEscalation = z.object({
  id: ZEscalationId,
  kind: z.enum(SLA_KINDS),
  itemId: z.string().min(1),
  patientId: z.string().min(1),
  team: ZTeam.optional(),
  queue: z.string().optional(),
  priority: ZPriority,
  dueAt: z.string(),
  breachedAt: z.string(),
  status: ZEscalationStatus,
  acknowledgedBy: ZActorRef.optional(),
  acknowledgedAt: z.string().optional(),
  version: z.number().int().min(1),
});
export type Escalation = z.infer<typeof ZEscalation>;

/** All escalations, newest first: one small partition of the kind index. */
const ESCALATION_KIND_PK = 'K#escalation#0';
/** Escalations by status, newest first (on the queue index): `ESC#<status>` → `<breachedAt>#<id>`. */
const statusPk = (status: EscalationStatus) => `ESC#${status}`;
const escalationKey = (id: string) => ({ pk: `ESC#${id}`, sk: 'A' });

/**
 * The escalation id of one breach: deterministic from (kind, item, due time), so a replayed or
 * concurrent sweep can only ever write the same id, and its `attribute_not_exists` Put raises at
 * most one escalation per breach. A new due time is a new breach with a new id.
 */
export function escalationId(kind: Escalation['kind'], itemId: string, dueAt: string): string {
  return createHash('sha256').update(`${kind}\u0000${itemId}\u0000${dueAt}`).digest('base64url').slice(0, 32);
}

/** Storage shape of an escalation: the record plus its keys (none holds patient data). */
export function escalationToItem(e: Escalation): Record<string, unknown> {
  const sortKey = `${e.breachedAt}#${e.id}`;
  return {
    ...ZEscalation.parse(e),
    ...escalationKey(e.id),
    entity: 'escalation',
    kindPk: ESCALATION_KIND_PK,
    kindSk: sortKey,
    queuePk: statusPk(e.status),
    queueSk: sortKey,
  };
}

function escalationFromItem(item: Record<string, unknown>): Escalation {
  return ZEscalation.parse(item);
}

export const ZListEscalationsInput = z.object({
  status: ZEscalationStatus.optional(),
  cursor: z.string().max(1000).optional(),
  limit: z.number().int().min(1).max(100).default(50),
});
export type ListEscalationsInput = z.input<typeof ZListEscalationsInput>;

/**
 * A page of escalations, newest breach first, optionally of one status: a Query on the kind index
 * (all) or the queue index (by status), never a Scan. `nextCursor` is opaque (a sort key).
 */
export async function listEscalations(ctx: AppContext, input: ListEscalationsInput): Promise<{ escalations: Escalation[]; nextCursor?: string }> {
  const { status, cursor, limit } = ZListEscalationsInput.parse(input);
  const after = decodeCursor(cursor);
  const range = status
    ? { index: RECORDS_INDEX.queue, pkName: 'queuePk', pkValue: statusPk(status), skName: 'queueSk' }
    : { index: RECORDS_INDEX.kind, pkName: 'kindPk', pkValue: ESCALATION_KIND_PK, skName: 'kindSk' };
  const page = await mergeQuery(ctx, { table: ctx.config.tables.records, ranges: [range], limit, descending: true, ...(after ? { after } : {}) });
  return { escalations: page.items.map(escalationFromItem), ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}) };
}

export const ZAcknowledgeEscalationInput = z.object({
  id: ZEscalationId,
  actor: ZActorRef,
  version: z.number().int().min(1),
});
export type AcknowledgeEscalationInput = z.infer<typeof ZAcknowledgeEscalationInput>;

/**
 * A lead acknowledges an escalation: version-checked (a stale `version` or a lost race is a 409
 * with the current version), recording who and when, and moving it out of the open list.
 * Acknowledging an acknowledged escalation at its current version returns it unchanged.
 */
export async function acknowledgeEscalation(ctx: AppContext, input: AcknowledgeEscalationInput): Promise<Escalation> {
  const { id, actor, version } = ZAcknowledgeEscalationInput.parse(input);
  const read = await ctx.db.send(new GetCommand({ TableName: ctx.config.tables.records, Key: escalationKey(id), ConsistentRead: true }));
  if (read.Item?.entity !== 'escalation') throw new NotFoundError('Escalation not found');
  const current = escalationFromItem(read.Item);
  const stale = (currentVersion: number) =>
    new ConflictError('The escalation was changed since you loaded it; reload and try again', { currentVersion, yourVersion: version });
  if (current.version !== version) throw stale(current.version);
  if (current.status === 'acknowledged') return current;
  const after: Escalation = {
    ...current,
    status: 'acknowledged',
    acknowledgedBy: { id: actor.id, name: actor.name },
    acknowledgedAt: ctx.clock.now().toISOString(),
    version: current.version + 1,
  };
  try {
    await ctx.db.send(
      new PutCommand({
        TableName: ctx.config.tables.records,
        Item: escalationToItem(after),
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': current.version },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw stale(current.version + 1);
    throw error;
  }
  return after;
}
