import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { AppContext } from '../context';
import { isConditionFailure } from '../db/batch';
import { contactDigest } from './contact-digest';
import { type ReminderChannel, ZReminderChannel, ZReminderCode } from './schema';

/**
 * Contact points that proved unusable (a hard bounce, an invalid number), per patient:
 * `BADCONTACT#<patientId>` → `<channel>#<digest>`, never the value itself. The sweep skips a
 * reminder whose contact point is marked (`bad-contact-point`); a corrected number or address in
 * the EHR has another digest, so it is used again.
 */

const badContactPk = (patientId: string) => `BADCONTACT#${patientId}`;
const badContactSk = (channel: ReminderChannel, digest: string) => `${channel}#${digest}`;

export const ZBadContactPoint = z.object({
  patientId: z.string(),
  channel: ZReminderChannel,
  digest: z.string(),
  /** The reminder whose failure marked it first (its outreach task is the one for this point). */
  reminderId: z.string(),
  /** Why: `invalid-number`, `hard-bounce`, `suppressed`… */
  code: ZReminderCode,
  markedAt: z.iso.datetime(),
});
export type BadContactPoint = z.infer<typeof ZBadContactPoint>;

/**
 * Marks a patient's contact point bad, once: the first mark (with the reminder and code that made
 * it) is kept and returned; a later or repeated one returns that first mark unchanged, so callers
 * can tell by `reminderId` whether the mark is theirs. `value` is PHI: only its digest is stored.
 */
export async function markBadContactPoint(
  ctx: AppContext,
  options: { patientId: string; channel: ReminderChannel; value: string; reminderId: string; code: string; at: Date },
): Promise<BadContactPoint> {
  const mark = ZBadContactPoint.parse({
    patientId: options.patientId,
    channel: options.channel,
    digest: contactDigest(options.channel, options.value),
    reminderId: options.reminderId,
    code: options.code,
    markedAt: options.at.toISOString(),
  });
  const key = { pk: badContactPk(mark.patientId), sk: badContactSk(mark.channel, mark.digest) };
  try {
    await ctx.db.send(new PutCommand({ TableName: ctx.config.tables.records, Item: { ...key, entity: 'bad-contact-point', ...mark }, ConditionExpression: 'attribute_not_exists(pk)' }));
    return mark;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
  const existing = await ctx.db.send(new GetCommand({ TableName: ctx.config.tables.records, Key: key, ConsistentRead: true }));
  return ZBadContactPoint.parse(existing.Item);
}

/** Whether a patient's contact point on a channel is marked bad: one strongly consistent read. */
export async function isBadContactPoint(ctx: AppContext, options: { patientId: string; channel: ReminderChannel; value: string }): Promise<boolean> {
  const res = await ctx.db.send(
    new GetCommand({
      TableName: ctx.config.tables.records,
      Key: { pk: badContactPk(options.patientId), sk: badContactSk(options.channel, contactDigest(options.channel, options.value)) },
      ConsistentRead: true,
    }),
  );
  return res.Item !== undefined;
}

