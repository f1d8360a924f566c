import { z } from 'zod';
import { ZActorRef } from '../referrals/schema';
import { REMINDER_CHANNELS } from '../reminders/schema';

/**
 * The consent ledger: whether a patient agreed to reminders on each channel, and every change
 * with where it came from and who recorded it. Only the classification of a patient's message is
 * kept (`sms-keyword`, `sms-reply`), never its text.
 */

export const ZConsentChannel = z.enum(REMINDER_CHANNELS);
export type ConsentChannel = z.infer<typeof ZConsentChannel>;

export const CONSENT_STATUSES = ['opted-in', 'opted-out', 'unknown'] as const;
export const ZConsentStatus = z.enum(CONSENT_STATUSES);
export type ConsentStatus = z.infer<typeof ZConsentStatus>;

export const CONSENT_CHANGES = ['opt-in', 'opt-out'] as const;
export const ZConsentChange = z.enum(CONSENT_CHANGES);
export type ConsentChange = z.infer<typeof ZConsentChange>;

/**
 * Where a change came from: the EHR, staff in the console, or the patient (keyword, reply, email
 * unsubscribe — the provider's list or the email's one-click List-Unsubscribe —, the stop button
 * on a reminder's own page `/r/<id>`, complaint).
 */
export const CONSENT_SOURCES = ['ehr', 'console', 'sms-keyword', 'sms-reply', 'email-unsubscribe', 'reminder-link', 'complaint'] as const;
export const ZConsentSource = z.enum(CONSENT_SOURCES);
export type ConsentSource = z.infer<typeof ZConsentSource>;

/** The status a change leads to. */
export const STATUS_AFTER: Record<ConsentChange, ConsentStatus> = { 'opt-in': 'opted-in', 'opt-out': 'opted-out' };

/**
 * Which changes each source can make, on which channel: SMS keywords (STOP, START) and replies
 * only on SMS; an unsubscribe link only on email; a reminder's page stops the channel that
 * reminder came by (it cannot opt in: anyone holding the link could); a complaint only ever opts out.
 */
const SOURCE_RULES: Record<ConsentSource, { channels: readonly ConsentChannel[]; changes: readonly ConsentChange[] }> = {
  ehr: { channels: REMINDER_CHANNELS, changes: CONSENT_CHANGES },
  console: { channels: REMINDER_CHANNELS, changes: CONSENT_CHANGES },
  'sms-keyword': { channels: ['sms'], changes: CONSENT_CHANGES },
  'sms-reply': { channels: ['sms'], changes: ['opt-out'] },
  'email-unsubscribe': { channels: ['email'], changes: ['opt-out'] },
  'reminder-link': { channels: REMINDER_CHANNELS, changes: ['opt-out'] },
  complaint: { channels: REMINDER_CHANNELS, changes: ['opt-out'] },
};

/** Whether `source` can make `change` on `channel` (see SOURCE_RULES). */
export function sourceCanChange(source: ConsentSource, channel: ConsentChannel, change: ConsentChange): boolean {
  return SOURCE_RULES[source].channels.includes(channel) && SOURCE_RULES[source].changes.includes(change);
}

/** A patient's current consent on one channel; `version` 0 and `unknown` until the first change. */
export const ZConsentState = z.object({
  channel: ZConsentChannel,
  status: ZConsentStatus,
  source: ZConsentSource.optional(),
  /** When the change that set this status happened. */
  at: z.iso.datetime().optional(),
  version: z.number().int().min(0),
});
export type ConsentState = z.infer<typeof ZConsentState>;

/** One change in the ledger. `note` is a short staff note (PHI possible: render, never log), never a patient's message. */
export const ZConsentEntry = z.object({
  id: z.string(),
  patientId: z.string(),
  channel: ZConsentChannel,
  change: ZConsentChange,
  source: ZConsentSource,
  actor: ZActorRef,
  at: z.iso.datetime(),
  note: z.string().max(500).optional(),
});
export type ConsentEntry = z.infer<typeof ZConsentEntry>;

/** The state of a channel nobody has recorded anything for. */
export function unknownConsent(channel: ConsentChannel): ConsentState {
  return { channel, status: 'unknown', version: 0 };
}

/** Whether a reminder may go out on this channel: only with an explicit opt-in (unknown and opted-out never). */
export function consentAllows(state: Pick<ConsentState, 'status'>): boolean {
  return state.status === 'opted-in';
}
