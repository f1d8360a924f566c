import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { AppContext } from '../context';
import { isConditionFailure } from '../db/batch';
import { decodeCursor, encodeCursor } from '../db/cursor';
import { type KeyRange, mergeQuery } from '../db/merge-query';
import { RECORDS_INDEX } from '../db/tables';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors';
import { ZActorRef, ZPriority } from '../referrals/schema';
import { type Team, TEAMS, teamOfRole, ZTeam } from '../tasks/schema';
import { type User, ZUser } from '../users/directory';
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

/** Referrals are the care coordinators' work: their escalations go to that team's leads. */
export const REFERRAL_ESCALATION_TEAM: Team = 'coordinators';

/**
 * The team whose leads (any member, for the day) see and acknowledge an escalation: a task's own
 * team, or the coordinators for a referral.
 */
export function escalationTeam(e: Pick<Escalation, 'kind' | 'team'>): Team {
  return e.kind === 'task' && e.team ? e.team : REFERRAL_ESCALATION_TEAM;
}

/**
 * What an audit record names for an escalation shown or acknowledged: its task or referral and the
 * patient (opaque ids only), so the patient's access trail lists every view of their breached work.
 */
export function escalationAuditResource(e: Pick<Escalation, 'kind' | 'itemId' | 'patientId'>): { resourceType: 'Task' | 'Referral'; resourceId: string; patientId: string } {
  return { resourceType: e.kind === 'task' ? 'Task' : 'Referral', resourceId: e.itemId, patientId: e.patientId };
}

/** All escalations, newest first: one small partition of the kind index. */
const ESCALATION_KIND_PK = 'K#escalation#0';
/**
 * Escalations by status and team, newest first (on the queue index): `ESC#<status>#<team>` →
 * `<breachedAt>#<id>`. Lists of one status (or one team) merge the partitions they span.
 */
const statusTeamPk = (status: EscalationStatus, team: Team) => `ESC#${status}#${team}`;
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
    queuePk: statusTeamPk(e.status, escalationTeam(e)),
    queueSk: sortKey,
  };
}

function escalationFromItem(item: Record<string, unknown>): Escalation {
  return ZEscalation.parse(item);
}

export const ZListEscalationsInput = z.object({
  status: ZEscalationStatus.optional(),
  /** Only the escalations this team leads (see escalationTeam). */
  team: ZTeam.optional(),
  cursor: z.string().max(1000).optional(),
  limit: z.number().int().min(1).max(100).default(50),
});
export type ListEscalationsInput = z.input<typeof ZListEscalationsInput>;

/** The status × team partitions a filter spans (both sides when a filter is absent). */
function statusTeamRanges(status: EscalationStatus | undefined, team: Team | undefined): KeyRange[] {
  const statuses = status ? [status] : ESCALATION_STATUSES;
  const teams = team ? [team] : TEAMS;
  return statuses.flatMap((s) => teams.map((t) => ({ index: RECORDS_INDEX.queue, pkName: 'queuePk', pkValue: statusTeamPk(s, t), skName: 'queueSk' })));
}

/**
 * A page of escalations, newest breach first, optionally of one status and/or one team: a Query
 * on the kind index (all), or a merge of Queries over the status × team partitions of the queue
 * index — never a Scan. `nextCursor` is opaque (a sort key: a time and an id, no patient data).
 */
export async function listEscalations(ctx: AppContext, input: ListEscalationsInput): Promise<{ escalations: Escalation[]; nextCursor?: string }> {
  const { status, team, cursor, limit } = ZListEscalationsInput.parse(input);
  const after = decodeCursor(cursor);
  const ranges: KeyRange[] =
    status || team ? statusTeamRanges(status, team) : [{ index: RECORDS_INDEX.kind, pkName: 'kindPk', pkValue: ESCALATION_KIND_PK, skName: 'kindSk' }];
  const page = await mergeQuery(ctx, { table: ctx.config.tables.records, ranges, limit, descending: true, ...(after ? { after } : {}) });
  return { escalations: page.items.map(escalationFromItem), ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}) };
}

/** Open escalations are counted up to here (the console shows "1000+"): a bounded read. */
export const ESCALATION_COUNT_CAP = 1000;

/**
 * How many escalations are open, for one team or all: COUNT Queries on the open partitions (never
 * a Scan), stopping at ESCALATION_COUNT_CAP so the cost stays bounded however many pile up.
 */
export async function countOpenEscalations(ctx: AppContext, options: { team?: Team } = {}): Promise<{ count: number; capped: boolean }> {
  const team = options.team === undefined ? undefined : ZTeam.parse(options.team);
  const counts = await Promise.all(
    statusTeamRanges('open', team).map(async (range) => {
      let count = 0;
      let startKey: Record<string, unknown> | undefined;
      do {
        const res = await ctx.db.send(
          new QueryCommand({
            TableName: ctx.config.tables.records,
            IndexName: range.index,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': range.pkName },
            ExpressionAttributeValues: { ':pk': range.pkValue },
            Select: 'COUNT',
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        count += res.Count ?? 0;
        startKey = res.LastEvaluatedKey;
      } while (startKey && count < ESCALATION_COUNT_CAP);
      return count;
    }),
  );
  const total = counts.reduce((a, b) => a + b, 0);
  return { count: Math.min(total, ESCALATION_COUNT_CAP), capped: total >= ESCALATION_COUNT_CAP };
}

/** Breaches read for one window at most (the dashboard then shows "5000+"): a bounded read. */
export const BREACH_READ_CAP = 5000;

/** One breach as the dashboard counts it: when, and of what kind (no ids, no patient). */
export interface BreachMark {
  breachedAt: string;
  kind: Escalation['kind'];
}

/**
 * Every breach raised in `[since, until)`, oldest first, whatever its status now: one Query on the
 * escalations' kind-index partition, a sort-key range on the breach time (`<breachedAt>#<id>`),
 * projecting only time and kind — never a Scan, and at most BREACH_READ_CAP items (`capped`).
 */
export async function readBreachesBetween(ctx: AppContext, options: { since: Date; until: Date }): Promise<{ breaches: BreachMark[]; capped: boolean }> {
  const breaches: BreachMark[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const res = await ctx.db.send(
      new QueryCommand({
        TableName: ctx.config.tables.records,
        IndexName: RECORDS_INDEX.kind,
        // `<until>#<id>` sorts after `<until>`: a breach at exactly `until` stays out.
        KeyConditionExpression: 'kindPk = :pk AND kindSk BETWEEN :lo AND :hi',
        ExpressionAttributeNames: { '#kind': 'kind' },
        ExpressionAttributeValues: { ':pk': ESCALATION_KIND_PK, ':lo': options.since.toISOString(), ':hi': options.until.toISOString() },
        ProjectionExpression: 'breachedAt, #kind',
        Limit: BREACH_READ_CAP - breaches.length,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of res.Items ?? []) breaches.push({ breachedAt: String(item.breachedAt), kind: item.kind === 'task' ? 'task' : 'referral' });
    startKey = res.LastEvaluatedKey;
  } while (startKey && breaches.length < BREACH_READ_CAP);
  return { breaches, capped: breaches.length >= BREACH_READ_CAP };
}

/**
 * Refuses (403) an acknowledgement by someone outside the escalation's team: nurses acknowledge
 * their team's task escalations, coordinators theirs and every referral escalation. The policy
 * table lets both roles in; this is the per-record rule. The message names the team, never input.
 */
export function assertMayAcknowledge(actor: Pick<User, 'role'>, escalation: Pick<Escalation, 'kind' | 'team'>): void {
  const team = escalationTeam(escalation);
  if (teamOfRole(actor.role) !== team) throw new ForbiddenError(`Only the ${team} team can acknowledge this escalation`);
}

export const ZAcknowledgeEscalationInput = z.object({
  id: ZEscalationId,
  /** The member of staff acknowledging, with the role their token carries (the team rule needs it). */
  actor: ZUser,
  version: z.number().int().min(1),
});
export type AcknowledgeEscalationInput = z.infer<typeof ZAcknowledgeEscalationInput>;

/**
 * A lead acknowledges an escalation: it must exist (404), the actor must be on its team (403, see
 * assertMayAcknowledge), and the version must be current (a stale `version` or a lost race is a
 * 409 with the current version); records who and when, and moves it out of the open list.
 * Acknowledging an acknowledged escalation at its current version returns it unchanged.
 */
export async function acknowledgeEscalation(ctx: AppContext, input: AcknowledgeEscalationInput): Promise<Escalation> {
  const { id, actor, version } = ZAcknowledgeEscalationInput.parse(input);
  const read = await ctx.db.send(new GetCommand({ TableName: ctx.config.tables.records, Key: escalationKey(id), ConsistentRead: true }));
  if (read.Item?.entity !== 'escalation') throw new NotFoundError('Escalation not found');
  const current = escalationFromItem(read.Item);
  assertMayAcknowledge(actor, current);
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
