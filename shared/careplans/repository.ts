import { GetCommand, QueryCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../context';
import { queryPartition, TIMELINE_READ_LIMIT } from '../db/query-partition';
import { isConditionFailure } from '../db/batch';
import { RECORDS_INDEX } from '../db/tables';
import { ConflictError } from '../errors';
import { shardOf } from '../ids';
import { type CarePlan, type CarePlanTimelineEntry, ZCarePlan, ZCarePlanTimelineEntry } from './schema';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Shards of the kind index's care-plan partitions (every plan, by creation; as for referrals and patients). */
export const CAREPLAN_KIND_SHARDS = 4;

// ---- keys -------------------------------------------------------------------------------
const planPk = (id: string) => `CP#${id}`;
const carePlanKey = (id: string) => ({ pk: planPk(id), sk: 'A' });
const timelineKey = (carePlanId: string, entryId: string) => ({ pk: planPk(carePlanId), sk: `T#${entryId}` });
const patientPk = (patientId: string) => `P#${patientId}`;
/** Patient-index sort key: `CP#<createdAt>#<id>` (a patient's plans, by creation; ids only). */
const PATIENT_SK_PREFIX = 'CP#';
const patientSk = (plan: Pick<CarePlan, 'createdAt' | 'id'>) => `${PATIENT_SK_PREFIX}${plan.createdAt}#${plan.id}`;
const PATIENT_SK_PATTERN = /^CP#[0-9T:.Z-]{1,40}#([0-9A-HJKMNP-TV-Z]{26})$/;

/** Storage shape of a care plan: the domain record plus its index keys. PHI: never log an item. */
interface CarePlanItem extends CarePlan {
  pk: string;
  sk: 'A';
  entity: 'careplan';
  patientPk: string;
  patientSk: string;
  kindPk: string;
  kindSk: string;
}

function toItem(plan: CarePlan): CarePlanItem {
  return {
    ...plan,
    ...carePlanKey(plan.id),
    sk: 'A',
    entity: 'careplan',
    patientPk: patientPk(plan.patientId),
    patientSk: patientSk(plan),
    kindPk: `K#careplan#${shardOf(plan.id, CAREPLAN_KIND_SHARDS)}`,
    kindSk: `${plan.createdAt}#${plan.id}`,
  };
}

/** Maps a stored item (table or GSI projection) to the domain care plan. */
export function carePlanFromItem(item: Record<string, unknown>): CarePlan {
  return ZCarePlan.parse(item);
}

function timelinePut(ctx: AppContext, entry: CarePlanTimelineEntry): TransactItem {
  return { Put: { TableName: ctx.config.tables.records, Item: { ...timelineKey(entry.carePlanId, entry.id), entity: 'careplan-timeline', ...entry } } };
}

// ---- reads ------------------------------------------------------------------------------
/** One care plan by id (consistent read), or undefined. */
export async function getCarePlanRecord(ctx: AppContext, id: string): Promise<CarePlan | undefined> {
  const res = await ctx.db.send(new GetCommand({ TableName: ctx.config.tables.records, Key: carePlanKey(id), ConsistentRead: true }));
  return res.Item?.entity === 'careplan' ? carePlanFromItem(res.Item) : undefined;
}

/** The plan and its timeline (oldest first) from one Query on the plan's partition. */
export async function getCarePlanWithTimeline(
  ctx: AppContext,
  id: string,
): Promise<{ carePlan: CarePlan; timeline: CarePlanTimelineEntry[] } | undefined> {
  let carePlan: CarePlan | undefined;
  const timeline: CarePlanTimelineEntry[] = [];
  for (const item of await queryPartition(ctx, planPk(id), { stopAfter: TIMELINE_READ_LIMIT })) {
    if (item.sk === 'A' && item.entity === 'careplan') carePlan = carePlanFromItem(item);
    else if (item.entity === 'careplan-timeline') timeline.push(ZCarePlanTimelineEntry.parse(item));
  }
  return carePlan ? { carePlan, timeline } : undefined;
}

/**
 * One page of a patient's care plans, newest first: a Query on the patient index limited to the
 * `CP#` sort-key prefix. `after` is the sort key of the last plan already returned (no PHI: a
 * time and an id), or undefined for the first page.
 */
export async function queryCarePlansForPatient(
  ctx: AppContext,
  options: { patientId: string; limit: number; after?: string },
): Promise<{ carePlans: CarePlan[]; next?: string }> {
  const id = options.after ? PATIENT_SK_PATTERN.exec(options.after)?.[1] : undefined;
  if (options.after && !id) throw new Error('queryCarePlansForPatient: not a care-plan position');
  const res = await ctx.db.send(
    new QueryCommand({
      TableName: ctx.config.tables.records,
      IndexName: RECORDS_INDEX.patient,
      KeyConditionExpression: 'patientPk = :pk AND begins_with(patientSk, :prefix)',
      ExpressionAttributeValues: { ':pk': patientPk(options.patientId), ':prefix': PATIENT_SK_PREFIX },
      ScanIndexForward: false,
      Limit: options.limit,
      ...(options.after && id ? { ExclusiveStartKey: { ...carePlanKey(id), patientPk: patientPk(options.patientId), patientSk: options.after } } : {}),
    }),
  );
  const carePlans = (res.Items ?? []).map(carePlanFromItem);
  const last = carePlans.at(-1);
  return { carePlans, ...(res.LastEvaluatedKey && last ? { next: patientSk(last) } : {}) };
}

/** True when `value` has the shape of a care-plan position from queryCarePlansForPatient. */
export function isCarePlanPosition(value: string): boolean {
  return PATIENT_SK_PATTERN.test(value);
}

// ---- writes -----------------------------------------------------------------------------
/** Creates a care plan with its first timeline entries in one transaction. */
export async function insertCarePlan(ctx: AppContext, plan: CarePlan, entries: CarePlanTimelineEntry[]): Promise<void> {
  try {
    await ctx.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: ctx.config.tables.records, Item: toItem(plan), ConditionExpression: 'attribute_not_exists(pk)' } },
          ...entries.map((e) => timelinePut(ctx, e)),
        ],
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw new ConflictError('This care plan already exists');
    throw error;
  }
}

/**
 * Saves a changed plan if nobody changed it since `before` was read (conditional on `version`),
 * together with its timeline entries, in one transaction. A stale write is a ConflictError (409).
 */
export async function saveCarePlan(ctx: AppContext, before: CarePlan, after: CarePlan, entries: CarePlanTimelineEntry[]): Promise<void> {
  if (after.version !== before.version + 1) throw new Error('saveCarePlan: version must advance by one');
  try {
    await ctx.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: ctx.config.tables.records,
              Item: toItem(after),
              ConditionExpression: '#version = :expected',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':expected': before.version },
            },
          },
          ...entries.map((e) => timelinePut(ctx, e)),
        ],
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) {
      throw new ConflictError('The care plan was changed by someone else; reload it and try again', { currentVersionIsNewerThan: before.version });
    }
    throw error;
  }
}
