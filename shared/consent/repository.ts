import { PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../context';
import { isConditionFailure } from '../db/batch';
import { ConflictError } from '../errors';
import { type ConsentChannel, type ConsentEntry, type ConsentState, unknownConsent, ZConsentEntry, ZConsentState } from './schema';

/** A patient's ledger partition: `S#<channel>` current states and `E#<at>#<id>` entries. */
const consentPk = (patientId: string) => `CONSENT#${patientId}`;
const stateKey = (patientId: string, channel: ConsentChannel) => ({ pk: consentPk(patientId), sk: `S#${channel}` });
const entryKey = (e: Pick<ConsentEntry, 'patientId' | 'at' | 'id'>) => ({ pk: consentPk(e.patientId), sk: `E#${e.at}#${e.id}` });

/** A patient's current consent per channel (unknown where nothing was recorded): one strongly consistent Query. */
export async function readConsentStates(ctx: AppContext, patientId: string): Promise<Record<ConsentChannel, ConsentState>> {
  const res = await ctx.db.send(
    new QueryCommand({
      TableName: ctx.config.tables.records,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':pk': consentPk(patientId), ':s': 'S#' },
      ConsistentRead: true,
    }),
  );
  const states: Record<ConsentChannel, ConsentState> = { sms: unknownConsent('sms'), email: unknownConsent('email') };
  for (const item of res.Items ?? []) {
    const state = ZConsentState.parse(item);
    states[state.channel] = state;
  }
  return states;
}

/**
 * Writes a new current state with its ledger entry in one transaction, only if the stored state is
 * still at `expectedVersion` (absent for version 0). ConflictError when another change won.
 */
export async function writeConsentChange(ctx: AppContext, state: ConsentState, expectedVersion: number, entry: ConsentEntry): Promise<void> {
  const table = ctx.config.tables.records;
  const valid = ZConsentEntry.parse(entry);
  try {
    await ctx.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table,
              Item: { ...stateKey(valid.patientId, state.channel), entity: 'consent-state', ...ZConsentState.parse(state) },
              ...(expectedVersion === 0
                ? { ConditionExpression: 'attribute_not_exists(pk)' }
                : { ConditionExpression: '#version = :expected', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':expected': expectedVersion } }),
            },
          },
          { Put: { TableName: table, Item: { ...entryKey(valid), entity: 'consent-entry', ...valid }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw new ConflictError('Consent was changed at the same time; try again');
    throw error;
  }
}

/** Appends a ledger entry without touching the current state (a change older than the state's own). */
export async function appendConsentEntry(ctx: AppContext, entry: ConsentEntry): Promise<void> {
  const valid = ZConsentEntry.parse(entry);
  await ctx.db.send(
    new PutCommand({ TableName: ctx.config.tables.records, Item: { ...entryKey(valid), entity: 'consent-entry', ...valid }, ConditionExpression: 'attribute_not_exists(pk)' }),
  );
}

/**
 * A patient's ledger entries, newest first (by when each change happened), at most `limit`, and
 * whether older ones exist: one strongly consistent Query on the ledger partition.
 */
export async function queryConsentEntries(ctx: AppContext, options: { patientId: string; limit: number }): Promise<{ entries: ConsentEntry[]; more: boolean }> {
  const res = await ctx.db.send(
    new QueryCommand({
      TableName: ctx.config.tables.records,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
      ExpressionAttributeValues: { ':pk': consentPk(options.patientId), ':e': 'E#' },
      ScanIndexForward: false,
      ConsistentRead: true,
      // One more than asked tells "exactly limit" from "more than limit".
      Limit: options.limit + 1,
    }),
  );
  const items = res.Items ?? [];
  return { entries: items.slice(0, options.limit).map((item) => ZConsentEntry.parse(item)), more: items.length > options.limit };
}
