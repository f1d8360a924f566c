import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../context';
import { batchGetAll, isConditionFailure } from '../db/batch';
import { RECORDS_INDEX } from '../db/tables';
import { ConflictError } from '../errors';
import { externalKey, shardOf } from '../ids';
import type { EhrLink } from '../referrals/schema';
import { type Patient, ZPatient } from './schema';

export const PATIENT_KIND_SHARDS = 4;
const patientKey = (id: string) => ({ pk: `PAT#${id}`, sk: 'A' });
const guardKey = (link: EhrLink) => ({ pk: `EXT#${externalKey(link.sourceId, link.reference)}`, sk: 'A' });

/** Storage shape of a patient projection. PHI throughout: never log an item. */
interface PatientItem extends Patient {
  pk: string;
  sk: 'A';
  entity: 'patient';
  kindPk: string;
  kindSk: string;
}

function toItem(p: Patient): PatientItem {
  return { ...p, ...patientKey(p.id), sk: 'A', entity: 'patient', kindPk: `K#patient#${shardOf(p.id, PATIENT_KIND_SHARDS)}`, kindSk: `${p.createdAt}#${p.id}` };
}

export function patientFromItem(item: Record<string, unknown>): Patient {
  return ZPatient.parse(item);
}

export async function getPatientRecord(ctx: AppContext, id: string): Promise<Patient | undefined> {
  const res = await ctx.db.send(new GetCommand({ TableName: ctx.config.tables.records, Key: patientKey(id), ConsistentRead: true }));
  return res.Item && res.Item.entity === 'patient' ? patientFromItem(res.Item) : undefined;
}

/** Patients by id in BatchGet calls of 100 (for a queue page). Returns PHI. */
export async function getPatientsByIds(ctx: AppContext, ids: string[]): Promise<Map<string, Patient>> {
  const found = new Map<string, Patient>();
  for (const item of await batchGetAll(ctx, ctx.config.tables.records, ids.map(patientKey))) {
    const p = patientFromItem(item);
    found.set(p.id, p);
  }
  return found;
}

export async function findPatientIdByEhrLink(ctx: AppContext, link: EhrLink): Promise<string | undefined> {
  const res = await ctx.db.send(new GetCommand({ TableName: ctx.config.tables.records, Key: guardKey(link), ConsistentRead: true }));
  return typeof res.Item?.targetId === 'string' ? res.Item.targetId : undefined;
}

/** Creates a patient (and, when linked to the EHR, its uniqueness guard) in one transaction. */
export async function insertPatient(ctx: AppContext, patient: Patient): Promise<void> {
  try {
    await ctx.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: ctx.config.tables.records, Item: toItem(patient), ConditionExpression: 'attribute_not_exists(pk)' } },
          ...(patient.ehr
            ? [{ Put: { TableName: ctx.config.tables.records, Item: { ...guardKey(patient.ehr), entity: 'guard', targetId: patient.id }, ConditionExpression: 'attribute_not_exists(pk)' } }]
            : []),
        ],
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw new ConflictError('This patient already exists');
    throw error;
  }
}

/** Replaces a patient if its version is unchanged since it was read (409 otherwise). */
export async function savePatient(ctx: AppContext, before: Patient, after: Patient): Promise<void> {
  try {
    await ctx.db.send(
      new PutCommand({
        TableName: ctx.config.tables.records,
        Item: toItem(after),
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': before.version },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw new ConflictError('The patient was changed by someone else; reload and try again');
    throw error;
  }
}

/**
 * A patient's records of one kind from the patient index (`P#<patientId>`, sort keys starting with
 * `prefix`, e.g. `REF#` or `task#`), newest first, following pages until `max` items were read:
 * Queries only, never a Scan. `capped` says more items of that kind exist beyond `max`. The items
 * are the stored ones (PHI): map them with the kind's own `fromItem`.
 */
export async function queryPatientRecords(
  ctx: AppContext,
  options: { patientId: string; prefix: string; max: number },
): Promise<{ items: Record<string, unknown>[]; capped: boolean }> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await ctx.db.send(
      new QueryCommand({
        TableName: ctx.config.tables.records,
        IndexName: RECORDS_INDEX.patient,
        KeyConditionExpression: 'patientPk = :pk AND begins_with(patientSk, :prefix)',
        ExpressionAttributeValues: { ':pk': `P#${options.patientId}`, ':prefix': options.prefix },
        ScanIndexForward: false,
        // One more than needed tells "exactly max" from "more than max".
        Limit: options.max + 1 - items.length,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
  } while (start && items.length <= options.max);
  return { items: items.slice(0, options.max), capped: items.length > options.max };
}
