import { z } from 'zod';
import type { AppContext } from '../context';
import { BadRequestError, NotFoundError } from '../errors';
import { getPatientRecord } from '../patients/repository';
import type { User } from '../users/directory';
import { reminderContactPoint } from './contact-points';
import { type CreatedReminder, createReminder } from './create-reminder';
import { ZReminderChannel, ZReminderLinks } from './schema';
import { ZReminderTemplateId } from './templates';

/** What a coordinator or nurse chooses when scheduling a reminder by hand (the language follows the patient). */
export const ZCreateStaffReminderInput = z.strictObject({
  patientId: z.string().min(1).max(64),
  channel: ZReminderChannel,
  templateId: ZReminderTemplateId,
  /** An instant with its offset (`2030-01-02T09:00:00-05:00`); quiet hours may defer it at send time. */
  dueAt: z.iso.datetime({ offset: true }),
  links: ZReminderLinks.optional(),
});
export type CreateStaffReminderInput = z.input<typeof ZCreateStaffReminderInput>;

const NO_CONTACT_POINT = { sms: 'The patient has no mobile number on file to text', email: 'The patient has no personal email address on file' } as const;

/**
 * Schedules a reminder by hand for a member of staff (who may is the route's policy). The person
 * is told at once when the patient has no contact point on that channel (reminderContactPoint,
 * the rule the sender uses): 400 naming the channel, never a number or address. Then createReminder: 400 for a time that has passed or a link to another
 * patient's work, 404 for an unknown patient. Consent is not required to schedule: it is checked
 * when the reminder comes due, so a later opt-in still lets it go out.
 */
export async function createStaffReminder(ctx: AppContext, options: { actor: User; input: CreateStaffReminderInput }): Promise<CreatedReminder> {
  const input = ZCreateStaffReminderInput.parse(options.input);
  const patient = await getPatientRecord(ctx, input.patientId);
  if (!patient) throw new NotFoundError('Patient not found');
  if (reminderContactPoint(patient, input.channel) === undefined) throw new BadRequestError(NO_CONTACT_POINT[input.channel], { path: 'channel' });
  return createReminder(ctx, { actor: options.actor, input: { ...input, links: input.links ?? {} } });
}
