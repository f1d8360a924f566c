import type { AppContext } from '../context';
import { ConflictError, NotFoundError } from '../errors';
import { newId } from '../ids';
import type { ActorRef } from '../referrals/schema';
import { getReminderRecord, saveReminder } from './repository';
import type { Reminder, ReminderTimelineEntry } from './schema';

/** A timeline entry for a change to a reminder. */
export function reminderTimelineEntry(
  reminder: Pick<Reminder, 'id'>,
  actor: ActorRef,
  at: Date,
  fields: Omit<ReminderTimelineEntry, 'id' | 'reminderId' | 'at' | 'actor'>,
): ReminderTimelineEntry {
  return { id: newId(), reminderId: reminder.id, at: at.toISOString(), actor: { id: actor.id, name: actor.name }, ...fields };
}

export type ReminderDecision = { after: Reminder; entries: ReminderTimelineEntry[] };

/**
 * Read-decide-write for system changes (cascades from appointments, tasks, care plans): re-reads
 * and re-decides when another writer got there first (a sweep claiming the reminder, another
 * cascade), so a change is always decided on the current reminder. `decide` returns undefined for
 * "nothing to do" (then undefined is returned).
 */
export async function changeReminderWithRetry(ctx: AppContext, id: string, decide: (current: Reminder) => ReminderDecision | undefined): Promise<Reminder | undefined> {
  for (let attempt = 0; attempt < 4; attempt++) {
    const current = await getReminderRecord(ctx, id);
    if (!current) throw new NotFoundError('Reminder not found');
    const decision = decide(current);
    if (!decision) return undefined;
    try {
      await saveReminder(ctx, current, decision.after, decision.entries);
      return decision.after;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  throw new ConflictError('The reminder kept changing concurrently; try again');
}
