import { z } from 'zod';
import type { AppContext } from '../context';
import { ConflictError, NotFoundError } from '../errors';
import { ZActorRef } from '../referrals/schema';
import { ZUlid } from '../tasks/schema';
import { reminderTimelineEntry } from './change';
import { getReminderRecord, saveReminder } from './repository';
import type { Reminder } from './schema';

export const ZCancelReminderInput = z.object({
  id: ZUlid,
  /** The version the person saw: a reminder changed since (claimed, deferred) is a 409, never cancelled blind. */
  version: z.number().int().min(1),
  actor: ZActorRef,
  /** When given (a patient's page), a reminder of another patient is not found. */
  patientId: z.string().min(1).max(64).optional(),
});
export type CancelReminderInput = z.input<typeof ZCancelReminderInput>;

/**
 * A member of staff withdraws one scheduled reminder (`cancelled-by-staff`, with a timeline entry
 * naming them); it leaves the due index in the same write, so no sweep sends it afterwards.
 * 404 for an unknown reminder (or, given `patientId`, another patient's); 409 when the version is
 * stale (details carry `currentVersion`) or the reminder is no longer `scheduled` (a sweep has
 * claimed or sent it: too late to cancel).
 */
export async function cancelReminder(ctx: AppContext, options: CancelReminderInput): Promise<Reminder> {
  const input = ZCancelReminderInput.parse(options);
  const current = await getReminderRecord(ctx, input.id);
  if (!current || (input.patientId !== undefined && current.patientId !== input.patientId)) throw new NotFoundError('Reminder not found');
  if (current.version !== input.version) throw new ConflictError('The reminder was changed by someone else; reload it and try again', { currentVersion: current.version });
  if (current.status !== 'scheduled') throw new ConflictError('Only a scheduled reminder can be cancelled', { status: current.status });
  const now = ctx.clock.now();
  const after: Reminder = { ...current, status: 'cancelled', statusReason: 'cancelled-by-staff', version: current.version + 1, updatedAt: now.toISOString() };
  const entry = reminderTimelineEntry(current, input.actor, now, { kind: 'transition', from: 'scheduled', to: 'cancelled', reason: 'cancelled-by-staff' });
  await saveReminder(ctx, current, after, [entry]);
  return after;
}
