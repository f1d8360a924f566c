import { z } from 'zod';
import type { Reminder, ReminderChannel, ReminderStatus } from './schema';
import { UNKNOWN_OUTCOME } from './send-policy';

/**
 * The delivery events AWS publishes to EventBridge for reminder messages — End User Messaging
 * SMS (from the SMS configuration set's event destination) and SES (from the SES configuration
 * set's) — and what each means for a reminder. Pure: no I/O. Event details carry the patient's
 * number or address: the parsed result is PHI, never log it.
 */

export const SMS_DELIVERY_EVENT_SOURCE = 'aws.sms-voice';
export const SMS_DELIVERY_DETAIL_TYPE = 'Text Message Delivery Status Updated';
export const SES_EVENT_SOURCE = 'aws.ses';
export const SES_DELIVERY_DETAIL_TYPES = { delivered: 'Email Delivered', bounced: 'Email Bounced', complaint: 'Email Complaint Received' } as const;

/** The EventBridge rule patterns that route delivery events to applyDeliveryEvent (CDK and the local runtime). */
export const DELIVERY_EVENT_PATTERNS = [
  { source: [SMS_DELIVERY_EVENT_SOURCE], 'detail-type': [SMS_DELIVERY_DETAIL_TYPE] },
  { source: [SES_EVENT_SOURCE], 'detail-type': Object.values(SES_DELIVERY_DETAIL_TYPES) },
] as const;

/** The part of an EventBridge event applyDeliveryEvent reads. */
export const ZDeliveryEvent = z.object({ source: z.string().max(256), 'detail-type': z.string().max(256), detail: z.unknown() });
export type DeliveryEvent = z.infer<typeof ZDeliveryEvent>;

/** What an event says happened to a message: delivered, or failed with a code (and what else it implies). */
export type DeliveryEffect =
  | { kind: 'delivered' }
  | {
      kind: 'failed';
      code: string;
      /** The number or address the provider found unusable (PHI): mark it bad and reach the patient another way. */
      badContact?: string;
      /** The recipient reported the message as unwanted: opt them out of the channel. `at`: when they did. */
      complaint?: { at?: string };
    };

export type ClassifiedDeliveryEvent =
  | { kind: 'effect'; channel: ReminderChannel; providerMessageId: string; effect: DeliveryEffect }
  | { kind: 'ignored'; note: string };

const ZSmsDetail = z.object({
  eventType: z.string().regex(/^TEXT_[A-Z_]{1,40}$/),
  messageId: z.string().min(1).max(200),
  destinationPhoneNumber: z.string().max(32).optional(),
  isFinal: z.boolean().optional(),
});

const ZSesMail = z.object({ messageId: z.string().min(1).max(200), destination: z.array(z.string().max(320)).max(50).default([]) });
const ZSesDelivered = z.object({ mail: ZSesMail });
const ZSesBounced = z.object({
  mail: ZSesMail,
  bounce: z.object({
    bounceType: z.string().max(64),
    bounceSubType: z.string().max(64).optional(),
    bouncedRecipients: z.array(z.object({ emailAddress: z.string().max(320) })).max(50).default([]),
  }),
});
const ZSesComplaint = z.object({ mail: ZSesMail, complaint: z.object({ timestamp: z.string().max(64).optional() }) });

/** SMS event types that say "not yet": the final event follows. */
const SMS_IN_FLIGHT = new Set(['TEXT_QUEUED', 'TEXT_PENDING']);
const SMS_DELIVERED = new Set(['TEXT_DELIVERED', 'TEXT_SUCCESSFUL']);

/**
 * An SMS event's effect. Delivered/successful → delivered. TEXT_INVALID (the number is not a valid
 * destination) → failed `invalid-number` and the number is bad. Every other final type fails with
 * its own code and leaves the number alone: blocked, spam and carrier-blocked are about the message
 * or the sender; unreachable and carrier-unreachable are a phone switched off or a carrier outage,
 * which a working number has too.
 */
function smsEffect(eventType: string, destination: string | undefined): DeliveryEffect {
  if (SMS_DELIVERED.has(eventType)) return { kind: 'delivered' };
  if (eventType === 'TEXT_INVALID') return { kind: 'failed', code: 'invalid-number', ...(destination ? { badContact: destination } : {}) };
  if (eventType === 'TEXT_UNKNOWN') return { kind: 'failed', code: 'delivery-unknown' };
  return { kind: 'failed', code: eventType.slice('TEXT_'.length).toLowerCase().replace(/_/g, '-') };
}

/**
 * What a delivery event means, or why it is ignored (another source or detail type, a detail that
 * does not parse, an SMS status that is not final). SES: Delivered → delivered; a Permanent bounce
 * → failed `hard-bounce` (`suppressed` for an address on the account's suppression list) and the
 * address is bad; a Transient bounce → `soft-bounce`, an Undetermined one → `bounce-undetermined`;
 * a complaint → failed `complained` and an email opt-out.
 */
export function classifyDeliveryEvent(event: DeliveryEvent): ClassifiedDeliveryEvent {
  const type = event['detail-type'];
  if (event.source === SMS_DELIVERY_EVENT_SOURCE && type === SMS_DELIVERY_DETAIL_TYPE) {
    const detail = ZSmsDetail.safeParse(event.detail);
    if (!detail.success) return { kind: 'ignored', note: 'invalid-detail' };
    if (SMS_IN_FLIGHT.has(detail.data.eventType) || detail.data.isFinal === false) return { kind: 'ignored', note: 'not-final' };
    return { kind: 'effect', channel: 'sms', providerMessageId: detail.data.messageId, effect: smsEffect(detail.data.eventType, detail.data.destinationPhoneNumber) };
  }
  if (event.source !== SES_EVENT_SOURCE) return { kind: 'ignored', note: 'unsupported-event' };
  if (type === SES_DELIVERY_DETAIL_TYPES.delivered) {
    const detail = ZSesDelivered.safeParse(event.detail);
    return detail.success ? { kind: 'effect', channel: 'email', providerMessageId: detail.data.mail.messageId, effect: { kind: 'delivered' } } : { kind: 'ignored', note: 'invalid-detail' };
  }
  if (type === SES_DELIVERY_DETAIL_TYPES.bounced) {
    const detail = ZSesBounced.safeParse(event.detail);
    if (!detail.success) return { kind: 'ignored', note: 'invalid-detail' };
    const { bounce, mail } = detail.data;
    const address = bounce.bouncedRecipients[0]?.emailAddress ?? mail.destination[0];
    const effect: DeliveryEffect =
      bounce.bounceType === 'Permanent'
        ? { kind: 'failed', code: bounce.bounceSubType === 'OnAccountSuppressionList' ? 'suppressed' : 'hard-bounce', ...(address ? { badContact: address } : {}) }
        : { kind: 'failed', code: bounce.bounceType === 'Transient' ? 'soft-bounce' : 'bounce-undetermined' };
    return { kind: 'effect', channel: 'email', providerMessageId: mail.messageId, effect };
  }
  if (type === SES_DELIVERY_DETAIL_TYPES.complaint) {
    const detail = ZSesComplaint.safeParse(event.detail);
    if (!detail.success) return { kind: 'ignored', note: 'invalid-detail' };
    const at = detail.data.complaint.timestamp;
    return { kind: 'effect', channel: 'email', providerMessageId: detail.data.mail.messageId, effect: { kind: 'failed', code: 'complained', complaint: at ? { at } : {} } };
  }
  return { kind: 'ignored', note: 'unsupported-event' };
}

/** How far along a sent message is; statuses a delivery event cannot move are absent. */
const PROGRESS: Partial<Record<ReminderStatus, number>> = { sending: 1, sent: 1, delivered: 2, failed: 3 };

/**
 * Whether an event's effect moves a reminder: only forward (sending/sent → delivered → failed), so
 * a duplicate, or a "delivered" arriving after a failure, changes nothing, and events in any order
 * end at the furthest status any of them reached. A claim given up as `unknown-outcome` counts as
 * sent: its delivery event tells what really happened. Scheduled, skipped and cancelled reminders
 * sent nothing and never move.
 */
export function deliveryMovesReminder(current: Pick<Reminder, 'status' | 'statusReason'>, effect: DeliveryEffect): boolean {
  const from = current.status === 'failed' && current.statusReason === UNKNOWN_OUTCOME ? PROGRESS.sent : PROGRESS[current.status];
  const to = effect.kind === 'delivered' ? PROGRESS.delivered! : PROGRESS.failed!;
  return from !== undefined && to > from;
}
