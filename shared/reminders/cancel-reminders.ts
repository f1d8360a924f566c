import { z } from 'zod';
import type { AppContext } from '../context';
import { ZUlid } from '../tasks/schema';
import { changeReminderWithRetry, reminderTimelineEntry } from './change';
import { findReminderIdsByLink } from './repository';
import { REMINDER_SYSTEM_ACTOR, ZReminderCancelReason, ZReminderResourceRef } from './schema';

/** Exactly one piece of work whose reminders are withdrawn, and why (a code). */
export const ZCancelRemindersForInput = z.union([
  z.object({ source: ZReminderResourceRef, reason: ZReminderCancelReason }).strict(),
  z.object({ appointment: ZReminderResourceRef, reason: ZReminderCancelReason }).strict(),
  z.object({ taskId: ZUlid, reason: ZReminderCancelReason }).strict(),
  z.object({ carePlanId: ZUlid, reason: ZReminderCancelReason }).strict(),
  z.object({ referralId: ZUlid, reason: ZReminderCancelReason }).strict(),
]);
export type CancelRemindersForInput = z.input<typeof ZCancelRemindersForInput>;

export interface CancelledReminders {
  /** Reminders this call cancelled (they were `scheduled`). */
  cancelled: number;
  /** Reminders left as they were: already sending, sent, skipped or cancelled. */
  notScheduled: number;
}

/**
 * Withdraws the reminders of a piece of work that no longer needs them — an appointment cancelled,
 * the EHR resource that made them withdrawn (`source`), a task closed, a care plan ended, a
 * referral closed: every `scheduled` one is cancelled with the reason code (leaving the due index
 * with the same write) and a timeline entry; any other status is left as it is, so a reminder
 * already sent is never rewritten. Idempotent. Reads the work's link partition (a Query), never a Scan.
 */
export async function cancelRemindersFor(ctx: AppContext, options: CancelRemindersForInput): Promise<CancelledReminders> {
  const { reason, ...link } = ZCancelRemindersForInput.parse(options);
  const result: CancelledReminders = { cancelled: 0, notScheduled: 0 };
  for (const id of await findReminderIdsByLink(ctx, link)) {
    const changed = await changeReminderWithRetry(ctx, id, (current) => {
      if (current.status !== 'scheduled') return undefined;
      const now = ctx.clock.now();
      return {
        after: { ...current, status: 'cancelled', statusReason: reason, version: current.version + 1, updatedAt: now.toISOString() },
        entries: [reminderTimelineEntry(current, REMINDER_SYSTEM_ACTOR, now, { kind: 'transition', from: 'scheduled', to: 'cancelled', reason })],
      };
    });
    if (changed) result.cancelled++;
    else result.notScheduled++;
  }
  return result;
}
