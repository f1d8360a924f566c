import type { AppContext } from '../context';
import { logger } from '../logger';
import { createTask } from '../tasks/create-task';
import { type BadContactPoint, markBadContactPoint } from './bad-contact';
import type { Reminder } from './schema';

/** The rule "a reminder found a bad contact point → a task to reach the patient another way". */
export const BAD_CONTACT_RULE_ID = 'reminder.bad-contact';

/** Work a rule creates from a reminder has the reminder as its source (`Reminder/<id>`): one task per reminder and rule. */
export const REMINDER_TASK_SOURCE_ID = 'sidecar-reminder';

/** The task source of work created from a reminder. */
export function reminderTaskSource(reminderId: string): { sourceId: string; reference: string } {
  return { sourceId: REMINDER_TASK_SOURCE_ID, reference: `Reminder/${reminderId}` };
}

const TASK_NOTE: Record<Reminder['channel'], string> = {
  sms: 'A text reminder could not be delivered: the phone number is not usable. Reach the patient another way and have the number corrected in the EHR.',
  email: 'An email reminder could not be delivered: the address is not usable. Reach the patient another way and have the address corrected in the EHR.',
};

/**
 * A reminder proved its contact point unusable (an invalid number, a hard bounce, a suppressed
 * address): marks the point bad for the patient, and opens a `call-patient` task in the
 * coordinators' queue to reach them another way, linked to the reminder's work. One task per bad
 * point: only the reminder whose failure marked it opens one, guarded by (reminder, rule), so a
 * duplicate event, a retry after a crash, or a second reminder to the same number adds nothing.
 * `value` is PHI (the number or address): it is digested, never stored, logged or put in the task.
 */
export async function reportBadContactPoint(
  ctx: AppContext,
  options: { reminder: Pick<Reminder, 'id' | 'patientId' | 'channel' | 'links'>; value: string; code: string },
): Promise<{ mark: BadContactPoint; taskId?: string }> {
  const { reminder } = options;
  const mark = await markBadContactPoint(ctx, { patientId: reminder.patientId, channel: reminder.channel, value: options.value, reminderId: reminder.id, code: options.code, at: ctx.clock.now() });
  if (mark.reminderId !== reminder.id) return { mark };
  const { task, created } = await createTask(ctx, {
    rule: { ruleId: BAD_CONTACT_RULE_ID, source: reminderTaskSource(reminder.id) },
    input: {
      patientId: reminder.patientId,
      type: 'call-patient',
      team: 'coordinators',
      links: {
        ...(reminder.links.referralId ? { referralId: reminder.links.referralId } : {}),
        ...(reminder.links.carePlanId ? { carePlanId: reminder.links.carePlanId } : {}),
        ...(reminder.links.appointment ? { appointmentRef: reminder.links.appointment } : {}),
      },
      note: TASK_NOTE[reminder.channel],
    },
  });
  if (created) logger.info('Outreach task opened for a bad contact point', { reminderId: reminder.id, taskId: task.id, channel: reminder.channel, code: mark.code });
  return { mark, taskId: task.id };
}
