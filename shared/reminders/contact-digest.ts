import { createHash } from 'node:crypto';
import { ZE164 } from '../messaging/schema';
import type { ReminderChannel } from './schema';

/**
 * Phone numbers and addresses in a comparable form, and the opaque digest keys hold instead of
 * them (bad-contact marks, the phone index). The values are PHI: never in a key, log or error.
 */

/**
 * A phone number as E.164, from the ways EHRs write them ('+1 617 555 0101', '(617) 555-0101',
 * 'tel:617.555.0101', '1-617-555-0101'). A national number without a country code is read as a
 * North American one (+1): Sidecar serves US organizations. Undefined for anything else
 * (extensions, letters, too few or too many digits).
 */
export function toE164(value: string): string | undefined {
  const trimmed = value.trim().replace(/^tel:/i, '');
  if (/[^\d\s()+.-]/.test(trimmed) || trimmed.lastIndexOf('+') > 0) return undefined;
  const digits = trimmed.replace(/\D/g, '');
  const candidate = trimmed.startsWith('+')
    ? `+${digits}`
    : digits.length === 10
      ? `+1${digits}`
      : digits.length === 11 && digits.startsWith('1')
        ? `+${digits}`
        : undefined;
  return candidate !== undefined && ZE164.safeParse(candidate).success ? candidate : undefined;
}

/** A contact point as compared: E.164 when a phone number reads as one, an address trimmed and in lower case. */
export function canonicalContactPoint(channel: ReminderChannel, value: string): string {
  return channel === 'sms' ? (toE164(value) ?? value.trim()) : value.trim().toLowerCase();
}

/**
 * An opaque digest of a contact point (its channel and canonical form), for keys: the same number
 * written two ways has one digest. SHA-256: it keeps values out of keys and logs, but a phone
 * number's digest can be brute-forced, so the digests are as confidential as the table itself.
 */
export function contactDigest(channel: ReminderChannel, value: string): string {
  return createHash('sha256').update(`${channel}\u0000${canonicalContactPoint(channel, value)}`).digest('base64url');
}
