import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { AppContext } from '../context';
import type { TransactItem } from './repository';

/**
 * The SMS frequency cap's storage: one slot per patient and patient-local day
 * (`SMSCAP#<patientId>` → `<YYYY-MM-DD>`) naming the reminder that took it. A claim takes its
 * day's slot in the claim transaction (only if free, or already its own), so two sweeps can never
 * both text a patient on one day; a send known not to have gone out gives its slot back. A slot is
 * held exactly while its text went, or may have gone, out. Slots expire after 30 days (TTL).
 */

const SLOT_TTL_SECONDS = 30 * 86_400;
const slotKey = (patientId: string, day: string) => ({ pk: `SMSCAP#${patientId}`, sk: day });

const ZCapSlot = z.object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), reminderId: z.string(), at: z.iso.datetime() });
export type CapSlot = z.infer<typeof ZCapSlot>;

/** The slots of a patient from local day `fromDay` on (oldest first): one strongly consistent Query. */
export async function readCapSlots(ctx: AppContext, options: { patientId: string; fromDay: string }): Promise<CapSlot[]> {
  const res = await ctx.db.send(
    new QueryCommand({
      TableName: ctx.config.tables.records,
      KeyConditionExpression: 'pk = :pk AND sk >= :from',
      ExpressionAttributeValues: { ':pk': slotKey(options.patientId, '').pk, ':from': options.fromDay },
      ConsistentRead: true,
    }),
  );
  return (res.Items ?? []).map((item) => ZCapSlot.parse(item));
}

/** The transaction item taking `day`'s slot for a reminder: fails its condition when another reminder holds it. */
export function takeCapSlot(ctx: AppContext, slot: CapSlot & { patientId: string }): TransactItem {
  const valid = ZCapSlot.parse(slot);
  return {
    Put: {
      TableName: ctx.config.tables.records,
      Item: { ...slotKey(slot.patientId, valid.day), entity: 'sms-cap-slot', ...valid, expiresAt: Math.floor(Date.parse(valid.at) / 1000) + SLOT_TTL_SECONDS },
      ConditionExpression: 'attribute_not_exists(pk) OR reminderId = :id',
      ExpressionAttributeValues: { ':id': valid.reminderId },
    },
  };
}

/** The transaction item giving a reminder's slot back (a no-op when it holds none; fails if another reminder holds it). */
export function releaseCapSlot(ctx: AppContext, slot: { patientId: string; day: string; reminderId: string }): TransactItem {
  return {
    Delete: {
      TableName: ctx.config.tables.records,
      Key: slotKey(slot.patientId, slot.day),
      ConditionExpression: 'attribute_not_exists(pk) OR reminderId = :id',
      ExpressionAttributeValues: { ':id': slot.reminderId },
    },
  };
}
