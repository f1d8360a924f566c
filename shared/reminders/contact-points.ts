import type { Patient } from '../patients/schema';
import type { ReminderChannel } from './schema';

/** Email uses that are not the patient's own inbox: `old` is out of date, `work` may be read by others. */
const UNSUITABLE_EMAIL_USES = new Set(['old', 'work']);

/**
 * Where a patient's reminders can go, per channel, from the patient projection: SMS to the first
 * phone marked `mobile` (a landline or a phone of unknown kind cannot receive texts), email to the
 * first address not marked `old` or `work` (a reminder tells whoever reads it that the person is a
 * patient of the organization). A channel is absent when the patient has no such contact point.
 * Returns PHI: never log it.
 */
export function reminderContactPoints(patient: Pick<Patient, 'phones' | 'emails'>): Partial<Record<ReminderChannel, string>> {
  const sms = patient.phones.find((p) => p.use === 'mobile' && p.value.trim() !== '')?.value.trim();
  const email = patient.emails.find((e) => !UNSUITABLE_EMAIL_USES.has(e.use ?? '') && e.value.includes('@'))?.value.trim();
  return { ...(sms ? { sms } : {}), ...(email ? { email } : {}) };
}

/** The channels a patient can receive reminders on (see reminderContactPoints), SMS first. */
export function reminderChannelsFor(patient: Pick<Patient, 'phones' | 'emails'>): ReminderChannel[] {
  const points = reminderContactPoints(patient);
  return (['sms', 'email'] as const).filter((channel) => points[channel] !== undefined);
}
