import type { ChannelError } from '../messaging/errors';
import type { Patient } from '../patients/schema';
import { canonicalTimeZone } from '../patients/time-zone';
import { DEFAULT_CALENDAR } from '../sla/calendar';
import type { Reminder } from './schema';
import { isLoopbackHost, REMINDER_LINK_MAX } from './templates';

/**
 * The send sweep's rules that need no I/O: how long a claim may stay `sending`, what each send
 * failure means for the reminder, retry delays, codes and the reminder link.
 */

/**
 * How long a claimed reminder may stay `sending` before the sweep decides its outcome is unknown.
 * Longer than the sweep's Lambda timeout, so a send still in flight is never declared lost.
 */
export const REMINDER_CLAIM_LEASE_MS = 5 * 60_000;

/** The failure code of a reminder whose text may or may not have gone out: never sent again. */
export const UNKNOWN_OUTCOME = 'unknown-outcome';

/** Waits before the 2nd, 3rd, 4th and 5th try of a send the provider refused for now (throttling, quota). */
export const SEND_RETRY_DELAYS_MS: readonly number[] = [1, 5, 15, 60].map((minutes) => minutes * 60_000);

/** Tries of one reminder before it fails with `retries-exhausted`. */
export const MAX_SEND_TRIES = SEND_RETRY_DELAYS_MS.length + 1;

/**
 * The wait before trying again after `failedTries` refused tries (1 after the first), or
 * undefined when MAX_SEND_TRIES have been refused and the reminder should fail.
 */
export function retryDelayMs(failedTries: number): number | undefined {
  return failedTries >= 1 && failedTries < MAX_SEND_TRIES ? SEND_RETRY_DELAYS_MS[failedTries - 1] : undefined;
}

/**
 * Provider refusals that prove nothing was sent: throttling and quotas (SMS
 * ThrottlingException / ServiceQuotaExceededException, SES TooManyRequestsException /
 * LimitExceededException) and a connection never made. A 5xx or a timeout proves nothing.
 */
const KNOWN_NOT_SENT = new Set(['ThrottlingException', 'ServiceQuotaExceededException', 'TooManyRequestsException', 'LimitExceededException', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

export type SendFailureDisposition = 'retry' | 'unknown-outcome' | 'opted-out' | 'bad-contact' | 'permanent';

/**
 * What a failed send means for its reminder. Neither SendTextMessage nor SendEmail takes an
 * idempotency token, so only a refusal known not to have sent anything is retried (`retry`); any
 * other retryable failure (a 5xx, a timeout, a reset connection) and a send accepted without a
 * message id may have reached the patient, so the reminder fails as `unknown-outcome` and is
 * never sent twice. `opted-out`, `bad-contact` and `permanent` follow the channel's own classes.
 */
export function sendFailureDisposition(error: Pick<ChannelError, 'kind' | 'code'>): SendFailureDisposition {
  switch (error.kind) {
    case 'retryable':
      return KNOWN_NOT_SENT.has(error.code) ? 'retry' : UNKNOWN_OUTCOME;
    case 'opted-out':
      return 'opted-out';
    case 'bad-contact':
      return 'bad-contact';
    default:
      return error.code === 'MissingMessageId' ? UNKNOWN_OUTCOME : 'permanent';
  }
}

/** A provider error name as a reminder code: `ThrottlingException` → `throttling-exception`; `provider-error` if nothing is left. */
export function reminderCode(providerCode: string): string {
  const slug = providerCode
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .toLowerCase()
    .replace(/^[^a-z]+/, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return slug || 'provider-error';
}

/** The failure code of a contact point the provider refused or could not deliver to. */
export const BAD_CONTACT_CODE: Readonly<Record<Reminder['channel'], string>> = { sms: 'invalid-number', email: 'invalid-address' };

/**
 * The time a reminder is about, as its text shows it: the appointment's start for an appointment
 * reminder (its due time plus its offset), the activity's time for a care-plan reminder
 * (`eventAt`), otherwise its own due time.
 */
export function reminderEventTime(reminder: Pick<Reminder, 'dueAt' | 'offsetHours' | 'eventAt'>): Date {
  if (reminder.eventAt !== undefined) return new Date(reminder.eventAt);
  return new Date(Date.parse(reminder.dueAt) + (reminder.offsetHours ?? 0) * 3_600_000);
}

/** The organization's name as messages show it: the configured one, else "Sidecar". */
export function senderName(messaging: { organizationName?: string | undefined }): string {
  return messaging.organizationName ?? 'Sidecar';
}

/** The zone a patient's quiet hours and dates follow: the patient's own, else the organization calendar's. */
export function patientTimeZone(patient: Pick<Patient, 'timeZone'>): string {
  return (patient.timeZone && canonicalTimeZone(patient.timeZone)) || DEFAULT_CALENDAR.timeZone;
}

/**
 * The link a reminder carries: `https://<console host>/r/<reminder id>` — an opaque id, no PHI —
 * or the bare origin when that would exceed REMINDER_LINK_MAX. Always https, except for a loopback
 * console (a local run, where the console is plain http on 127.0.0.1), so the outbox's links open.
 */
export function reminderLink(publicUrl: string, reminderId: string): string {
  const url = new URL(publicUrl);
  const origin = url.protocol === 'http:' && isLoopbackHost(url.hostname) ? url.origin : `https://${url.host}`;
  const link = `${origin}/r/${reminderId}`;
  return link.length <= REMINDER_LINK_MAX ? link : origin;
}
