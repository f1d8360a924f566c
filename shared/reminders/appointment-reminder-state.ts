import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { AppContext } from '../context';
import { isConditionFailure } from '../db/batch';
import { isNewerVersion } from '../fhir/versions';
import { externalKey } from '../ids';
import type { ReminderResourceRef } from './schema';

/**
 * What the appointment reminder rule last applied for each EHR appointment: the EHR version (so an
 * older event arriving after a newer one is ignored) and the start it scheduled for (so a later
 * version can tell a moved appointment from an unchanged one). One small item per appointment,
 * keyed by a digest of (source, reference), never the EHR id itself. Separate from the follow-up
 * rules' gate: both consume the same Appointment events and each must see every new version.
 */
const stateKey = (appointment: ReminderResourceRef) => ({ pk: `RAPPT#${externalKey(appointment.sourceId, appointment.reference)}`, sk: 'A' });

const ZAppliedState = z.object({ version: z.string(), start: z.string().optional() });
export type AppliedAppointmentReminderState = z.infer<typeof ZAppliedState>;

/** The version (and start, if it was a booking) the rule last applied for an appointment, if any. */
export async function appliedAppointmentReminderState(ctx: AppContext, appointment: ReminderResourceRef): Promise<AppliedAppointmentReminderState | undefined> {
  const res = await ctx.db.send(new GetCommand({ TableName: ctx.config.tables.records, Key: stateKey(appointment), ConsistentRead: true }));
  const parsed = ZAppliedState.safeParse(res.Item);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Records that the rule applied `version` of an appointment (with the start it scheduled for, or
 * none after a cancellation), unless a newer version was recorded meanwhile by a concurrent
 * delivery: the stored version only moves forward. Called after the reminders were changed, so an
 * event that failed half-way is applied again when it is retried or replayed.
 */
export async function recordAppointmentReminderState(ctx: AppContext, options: { appointment: ReminderResourceRef; version: string; start?: string }): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = (await appliedAppointmentReminderState(ctx, options.appointment))?.version;
    if (!isNewerVersion(options.version, current)) return;
    try {
      await ctx.db.send(
        new PutCommand({
          TableName: ctx.config.tables.records,
          Item: {
            ...stateKey(options.appointment),
            entity: 'appointment-reminder-state',
            version: options.version,
            ...(options.start ? { start: options.start } : {}),
          },
          ConditionExpression: current === undefined ? 'attribute_not_exists(pk)' : '#version = :current',
          ...(current === undefined ? {} : { ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':current': current } }),
        }),
      );
      return;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
