import { recordConsentChange } from '../consent/record-consent-change';
import type { AppContext } from '../context';
import { logger } from '../logger';
import type { ActorRef } from '../referrals/schema';
import { changeReminderWithRetry, reminderTimelineEntry } from './change';
import { classifyDeliveryEvent, type DeliveryEffect, type DeliveryEvent, deliveryMovesReminder, ZDeliveryEvent } from './delivery-event';
import { reportBadContactPoint } from './report-bad-contact';
import { findReminderIdByMessage, getReminderRecord } from './repository';
import { type Reminder, REMINDER_SYSTEM_ACTOR, type ReminderTimelineEntry } from './schema';

export interface AppliedDeliveryEvent {
  /** `applied`: the reminder moved; `ignored`: nothing to do (see note); `unknown-message`: not a reminder's message (a reply, or not ours). */
  outcome: 'applied' | 'ignored' | 'unknown-message';
  /** A code, no PHI: `delivered`, `failed:invalid-number`, `stale`, `not-final`, `unsupported-event`, `invalid-detail`… */
  note: string;
}

/** Who is recorded when a recipient's complaint opts them out. */
const COMPLAINT_ACTOR: ActorRef = { id: 'system:email-complaint', name: 'Patient (email complaint)' };

/** When a complaint happened, as the ledger accepts it: the provider's time unless missing, invalid or ahead of `now`. */
function complaintTime(at: string | undefined, now: Date): string {
  const ms = at === undefined ? Number.NaN : Date.parse(at);
  return Number.isNaN(ms) || ms > now.getTime() ? now.toISOString() : new Date(ms).toISOString();
}

function applyEffect(current: Reminder, effect: DeliveryEffect, providerMessageId: string, now: Date): { after: Reminder; entries: ReminderTimelineEntry[] } {
  const { sendingAt: _sendingAt, statusReason: _statusReason, ...rest } = current;
  const status = effect.kind === 'delivered' ? 'delivered' : 'failed';
  const reason = effect.kind === 'failed' ? effect.code : undefined;
  return {
    after: { ...rest, status, ...(reason ? { statusReason: reason } : {}), providerMessageId, version: current.version + 1, updatedAt: now.toISOString() },
    entries: [reminderTimelineEntry(current, REMINDER_SYSTEM_ACTOR, now, { kind: 'transition', from: current.status, to: status, ...(reason ? { reason } : {}) })],
  };
}

/**
 * Applies an SMS or SES delivery event (as EventBridge delivers it) to the reminder whose provider
 * message id it names: delivered → `delivered`; a failure → `failed` with its code. A failure
 * that proves the number or address unusable (TEXT_INVALID, a permanent bounce) also marks that
 * contact point bad and opens one outreach task; a complaint also opts the patient out of email
 * (source `complaint`). Statuses only move forward (deliveryMovesReminder), so duplicates and
 * out-of-order events change nothing; the side effects run before the status is saved and are
 * idempotent, so a retry after a crash completes them. Throws only on storage errors (EventBridge
 * retries the event). Logs codes and ids only.
 */
export async function applyDeliveryEvent(ctx: AppContext, event: DeliveryEvent): Promise<AppliedDeliveryEvent> {
  const envelope = ZDeliveryEvent.safeParse(event);
  if (!envelope.success) return { outcome: 'ignored', note: 'invalid-event' };
  const classified = classifyDeliveryEvent(envelope.data);
  if (classified.kind === 'ignored') {
    logger.info('Delivery event ignored', { note: classified.note });
    return { outcome: 'ignored', note: classified.note };
  }
  const { channel, providerMessageId, effect } = classified;
  const reminderId = await findReminderIdByMessage(ctx, { channel, providerMessageId });
  const reminder = reminderId ? await getReminderRecord(ctx, reminderId) : undefined;
  if (!reminder) {
    logger.info('Delivery event for a message that is not a reminder', { channel, messageId: providerMessageId });
    return { outcome: 'unknown-message', note: channel };
  }
  if (!deliveryMovesReminder(reminder, effect)) return { outcome: 'ignored', note: 'stale' };

  const now = ctx.clock.now();
  if (effect.kind === 'failed' && effect.badContact) await reportBadContactPoint(ctx, { reminder, value: effect.badContact, code: effect.code });
  if (effect.kind === 'failed' && effect.complaint) {
    await recordConsentChange(ctx, {
      patientId: reminder.patientId,
      channel: reminder.channel,
      change: 'opt-out',
      source: 'complaint',
      actor: COMPLAINT_ACTOR,
      at: complaintTime(effect.complaint.at, now),
    });
  }
  const changed = await changeReminderWithRetry(ctx, reminder.id, (current) =>
    deliveryMovesReminder(current, effect) ? applyEffect(current, effect, providerMessageId, ctx.clock.now()) : undefined,
  );
  if (!changed) return { outcome: 'ignored', note: 'stale' };
  const note = effect.kind === 'delivered' ? 'delivered' : `failed:${effect.code}`;
  logger.info('Delivery event applied', { reminderId: reminder.id, note });
  return { outcome: 'applied', note };
}
