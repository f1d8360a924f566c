import type { ConsentSource, ConsentStatus } from '../../../shared/consent/schema';
import type { ReminderCancelReason, ReminderChannel, ReminderSkipReason, ReminderStatus } from '../../../shared/reminders/schema';
import { REMINDER_TEMPLATE_LABEL } from '../../../shared/reminders/template-labels';

/**
 * Reminders and consent in the console's words: the stored values are codes (statuses, reason
 * slugs, consent sources), which staff should never have to decode.
 */

export const REMINDER_CHANNEL_LABEL: Record<ReminderChannel, string> = { sms: 'SMS', email: 'Email' };

/** The templates' names: the domain's single map, so no page spells a template its own way. */
export { REMINDER_TEMPLATE_LABEL };

export const REMINDER_STATUS_LABEL: Record<ReminderStatus, string> = {
  scheduled: 'Scheduled',
  sending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  failed: 'Failed',
  cancelled: 'Cancelled',
  skipped: 'Not sent',
};

const SKIP_REASON: Record<ReminderSkipReason, string> = {
  'no-consent': 'the patient has not agreed to reminders on this channel',
  'opted-out': 'the patient opted out',
  'frequency-cap': 'the patient already had the most texts allowed for the day or week',
  'no-contact-point': 'no phone number or email address on file',
  'bad-contact-point': 'the number or address on file does not work',
};

const CANCEL_REASON: Record<ReminderCancelReason, string> = {
  'appointment-cancelled': 'the appointment was cancelled',
  'appointment-no-show': 'the patient missed the appointment',
  'appointment-moved-too-late': 'the appointment moved and this reminder’s time had passed',
  'appointment-moved': 'the appointment moved',
  'source-withdrawn': 'the EHR withdrew the record it came from',
  'care-plan-ended': 'the care plan ended',
  'care-plan-on-hold': 'the care plan was put on hold',
  'care-plan-activity-changed': 'the care-plan activity changed',
  'task-closed': 'the task was closed',
  'referral-closed': 'the referral was closed',
  'cancelled-by-staff': 'cancelled by staff',
};

/** Failure and deferral codes the channels and the sweep record; any other is shown as its words. */
const OTHER_REASON: Record<string, string> = {
  throttled: 'the provider was busy',
  permanent: 'the provider refused the message',
  'bad-contact': 'the number or address does not work',
  'quiet-hours': 'held until the patient’s daytime',
  bounced: 'the email bounced',
  complaint: 'the patient marked it as spam',
  undeliverable: 'the message could not be delivered',
};

/** A reminder's reason code (skip, cancel or failure) in words; an unknown slug becomes its words ("carrier-blocked" → "carrier blocked"). */
export function reminderReasonText(code: string | undefined): string | undefined {
  if (!code) return undefined;
  return (SKIP_REASON as Record<string, string>)[code] ?? (CANCEL_REASON as Record<string, string>)[code] ?? OTHER_REASON[code] ?? code.replace(/-/g, ' ');
}

export const CONSENT_STATUS_LABEL: Record<ConsentStatus, string> = { 'opted-in': 'Opted in', 'opted-out': 'Opted out', unknown: 'Not asked' };

export const CONSENT_SOURCE_LABEL: Record<ConsentSource, string> = {
  ehr: 'the EHR',
  console: 'staff in Sidecar',
  'sms-keyword': 'a text keyword (STOP or START)',
  'sms-reply': 'a text reply',
  'email-unsubscribe': 'the email unsubscribe link',
  'reminder-link': 'the stop button on a reminder’s page',
  complaint: 'a spam complaint',
};
