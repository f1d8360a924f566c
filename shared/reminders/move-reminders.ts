import { z } from 'zod';
import type { AppContext } from '../context';
import { changeReminderWithRetry, type ReminderDecision, reminderTimelineEntry } from './change';
import { findReminderIdsByLink } from './repository';
import { type Reminder, REMINDER_SYSTEM_ACTOR, ZReminderResourceRef } from './schema';

export const ZMoveRemindersForInput = z.object({
  appointment: ZReminderResourceRef,
  /** The appointment's new start. */
  newStart: z.iso.datetime({ offset: true }),
});
export type MoveRemindersForInput = z.input<typeof ZMoveRemindersForInput>;

export interface MovedReminders {
  /** Scheduled reminders given a new time (and ones cancelled as too late that are ahead again). */
  moved: number;
  /** Scheduled reminders cancelled: their new time has passed, or a fixed time is no longer before the appointment. */
  cancelled: number;
  /** Reminders left as they were (already sent or otherwise closed, or a fixed time still before it). */
  untouched: number;
}

/**
 * What a move of the appointment to `newStart` (ms) does to one of its reminders at `now`:
 * - scheduled, with an offset: due (and send) at `newStart − offset`; cancelled with
 *   `appointment-moved-too-late` when that time has passed;
 * - cancelled earlier as too late, with an offset whose new time is ahead again: scheduled again;
 * - scheduled at a fixed time (set by hand): kept while still before the appointment, else
 *   cancelled with `appointment-moved`;
 * - anything else (sending, sent, delivered, failed, skipped, otherwise cancelled): untouched.
 */
function decideMove(current: Reminder, newStart: number, now: Date): ReminderDecision | undefined {
  const at = now.toISOString();
  const bump = { version: current.version + 1, updatedAt: at };
  const cancel = (reason: 'appointment-moved-too-late' | 'appointment-moved'): ReminderDecision => ({
    after: { ...current, ...bump, status: 'cancelled', statusReason: reason },
    entries: [reminderTimelineEntry(current, REMINDER_SYSTEM_ACTOR, now, { kind: 'transition', from: current.status, to: 'cancelled', reason })],
  });
  if (current.offsetHours === undefined) {
    if (current.status !== 'scheduled' || Date.parse(current.dueAt) < newStart) return undefined;
    return cancel('appointment-moved');
  }
  const due = new Date(newStart - current.offsetHours * 3_600_000).toISOString();
  if (current.status === 'scheduled') {
    if (due < at) return cancel('appointment-moved-too-late');
    if (due === current.dueAt && due === current.sendAt) return undefined;
    return {
      after: { ...current, ...bump, dueAt: due, sendAt: due },
      entries: [reminderTimelineEntry(current, REMINDER_SYSTEM_ACTOR, now, { kind: 'rescheduled', reason: 'appointment-moved', sendAt: due })],
    };
  }
  if (current.status === 'cancelled' && current.statusReason === 'appointment-moved-too-late' && due >= at) {
    const { statusReason: _dropped, ...rest } = current;
    return {
      after: { ...rest, ...bump, status: 'scheduled', dueAt: due, sendAt: due },
      entries: [reminderTimelineEntry(current, REMINDER_SYSTEM_ACTOR, now, { kind: 'transition', from: 'cancelled', to: 'scheduled', reason: 'appointment-moved', sendAt: due })],
    };
  }
  return undefined;
}

/**
 * Follows an appointment that moved: each of its reminders is re-timed, cancelled or left alone as
 * decideMove says, with a timeline entry per change; a reminder already sent is never touched.
 * Idempotent (a replay finds every reminder already at its new time). Offsets that were too late
 * at booking have no reminder yet: re-run scheduleAppointmentReminders with the new start to add
 * them. Reads the appointment's link partition (a Query), never a Scan.
 */
export async function moveRemindersFor(ctx: AppContext, options: MoveRemindersForInput): Promise<MovedReminders> {
  const input = ZMoveRemindersForInput.parse(options);
  const newStart = Date.parse(input.newStart);
  const result: MovedReminders = { moved: 0, cancelled: 0, untouched: 0 };
  for (const id of await findReminderIdsByLink(ctx, { appointment: input.appointment })) {
    const changed = await changeReminderWithRetry(ctx, id, (current) => decideMove(current, newStart, ctx.clock.now()));
    if (!changed) result.untouched++;
    else if (changed.status === 'cancelled') result.cancelled++;
    else result.moved++;
  }
  return result;
}
