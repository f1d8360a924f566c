import type { Patient } from '../patients/schema';
import { REMINDER_CHANNELS, type ReminderChannel } from './schema';

/**
 * Where a reminder can reach a patient: a text goes only to a number the EHR marks `mobile` (a
 * landline or a number of unknown kind cannot be trusted to receive it); an email only to a
 * personal address (`home`, `temp` or no use given), never a work or old one. The first such
 * point in the EHR's order wins. Values are PHI: never log them.
 */

type ContactPoints = Pick<Patient, 'phones' | 'emails'>;

const PERSONAL_EMAIL_USES = new Set(['home', 'temp']);

function firstValue(points: readonly { value: string; use?: string | undefined }[], accept: (use: string | undefined) => boolean): string | undefined {
  for (const point of points) {
    const value = point.value.trim();
    if (value && accept(point.use)) return value;
  }
  return undefined;
}

/** The phone number (SMS) or address (email) a reminder on `channel` goes to, trimmed, or undefined when there is none. */
export function reminderContactPoint(patient: ContactPoints, channel: ReminderChannel): string | undefined {
  return channel === 'sms'
    ? firstValue(patient.phones, (use) => use === 'mobile')
    : firstValue(patient.emails, (use) => use === undefined || PERSONAL_EMAIL_USES.has(use));
}

/** The channels a reminder can be scheduled on for this patient: those with a contact point, in REMINDER_CHANNELS order. */
export function reminderChannelsFor(patient: ContactPoints): ReminderChannel[] {
  return REMINDER_CHANNELS.filter((channel) => reminderContactPoint(patient, channel) !== undefined);
}
