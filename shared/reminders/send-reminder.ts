import { getConsent } from '../consent/get-consent';
import { recordConsentChange } from '../consent/record-consent-change';
import { consentAllows } from '../consent/schema';
import type { AppContext } from '../context';
import { ConflictError } from '../errors';
import { errorFields, logger } from '../logger';
import { sendEmail } from '../messaging/email';
import { ChannelError } from '../messaging/errors';
import { sendSms } from '../messaging/sms';
import { getPatientRecord } from '../patients/repository';
import type { ActorRef } from '../referrals/schema';
import { isBadContactPoint } from './bad-contact';
import { changeReminderWithRetry, reminderTimelineEntry } from './change';
import { toE164 } from './contact-digest';
import { reminderContactPoint } from './contact-points';
import { capAllows, capWindowDays, localDay } from './frequency-cap';
import { indexPhone } from './phone-index';
import { nextSendTime } from './quiet-hours';
import { reportBadContactPoint } from './report-bad-contact';
import { getReminderRecord, linkProviderMessage, saveReminder, type TransactItem } from './repository';
import { MAX_REMINDER_ATTEMPTS, type Reminder, type ReminderAttempt, REMINDER_SYSTEM_ACTOR, type ReminderTimelineEntry } from './schema';
import {
  BAD_CONTACT_CODE,
  patientTimeZone,
  reminderCode,
  reminderEventTime,
  reminderLink,
  retryDelayMs,
  sendFailureDisposition,
  senderName,
  UNKNOWN_OUTCOME,
} from './send-policy';
import { readCapSlots, releaseCapSlot, takeCapSlot } from './sms-cap-slots';
import { reminderStopUrl } from './stop-by-link';
import { type RenderedReminder, renderReminder } from './templates';

/** What one try at a due reminder came to; `lost` when another writer had it first (nothing done). */
export type SendReminderOutcome = 'sent' | 'deferred' | 'skipped' | 'failed' | 'rescheduled' | 'lost';

/** Who is recorded when the provider's opt-out list, not the patient's message, tells Sidecar of an opt-out. */
const PROVIDER_OPT_OUT_ACTOR: ActorRef = { id: 'system:sms-provider', name: 'SMS provider (opt-out list)' };

type Decision = { after: Reminder; entries: ReminderTimelineEntry[] };

function withAttempt(r: Reminder, attempt: ReminderAttempt): ReminderAttempt[] {
  return [...r.attempts, attempt].slice(-MAX_REMINDER_ATTEMPTS);
}

/** `r` closed as skipped or failed with `reason`, its try recorded with `attemptCode` (default: the reason). */
function close(r: Reminder, now: Date, status: 'skipped' | 'failed', reason: string, attemptCode = reason): Decision {
  const { sendingAt: _sendingAt, statusReason: _statusReason, ...rest } = r;
  const at = now.toISOString();
  return {
    after: { ...rest, status, statusReason: reason, attempts: withAttempt(r, { at, outcome: status, code: attemptCode }), version: r.version + 1, updatedAt: at },
    entries: [reminderTimelineEntry(r, REMINDER_SYSTEM_ACTOR, now, { kind: 'transition', from: r.status, to: status, reason })],
  };
}

/** `r` back in the due index at `sendAt`, with the try that led there. */
function reschedule(r: Reminder, now: Date, sendAt: Date, attempt: ReminderAttempt): Decision {
  const { sendingAt: _sendingAt, statusReason: _statusReason, ...rest } = r;
  const next = sendAt.toISOString();
  const fields = { reason: attempt.code, sendAt: next };
  return {
    after: { ...rest, status: 'scheduled', sendAt: next, attempts: withAttempt(r, attempt), version: r.version + 1, updatedAt: now.toISOString() },
    entries: [
      reminderTimelineEntry(r, REMINDER_SYSTEM_ACTOR, now, r.status === 'scheduled' ? { kind: 'rescheduled', ...fields } : { kind: 'transition', from: r.status, to: 'scheduled', ...fields }),
    ],
  };
}

/** `r` claimed by this sweep: `sending`, on the lease index from `now`. */
function claim(r: Reminder, now: Date): Decision {
  const at = now.toISOString();
  return {
    after: { ...r, status: 'sending', sendingAt: at, version: r.version + 1, updatedAt: at },
    entries: [reminderTimelineEntry(r, REMINDER_SYSTEM_ACTOR, now, { kind: 'transition', from: r.status, to: 'sending' })],
  };
}

/** `r` sent as provider message `messageId` (from `sending`, or from a claim the lease had given up as unknown). */
function markSent(r: Reminder, now: Date, messageId: string): Decision {
  const { sendingAt: _sendingAt, statusReason: _statusReason, ...rest } = r;
  const at = now.toISOString();
  return {
    after: { ...rest, status: 'sent', providerMessageId: messageId, attempts: withAttempt(r, { at, outcome: 'sent' }), version: r.version + 1, updatedAt: at },
    entries: [reminderTimelineEntry(r, REMINDER_SYSTEM_ACTOR, now, { kind: 'transition', from: r.status, to: 'sent' })],
  };
}

/** Saves a decision taken on `before`; a concurrent change (another sweep, a cancellation) makes it `lost`. */
async function settle(
  ctx: AppContext,
  before: Reminder,
  decision: Decision,
  outcome: Exclude<SendReminderOutcome, 'lost'>,
  extraItems: TransactItem[] = [],
): Promise<SendReminderOutcome> {
  try {
    await saveReminder(ctx, before, decision.after, decision.entries, { extraItems });
    return outcome;
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    logger.info('Reminder changed concurrently; left to the other writer', { reminderId: before.id, decided: decision.after.status });
    return 'lost';
  }
}

/** Runs a side effect whose failure must not keep the reminder `sending` (the reminder's own status says what happened). */
async function bestEffort(what: string, reminderId: string, effect: () => Promise<unknown>): Promise<void> {
  try {
    await effect();
  } catch (error) {
    logger.error(`Reminder side effect failed: ${what}`, { reminderId, ...errorFields(error) });
  }
}

/**
 * Sends one due reminder, or decides not to, exactly once. Re-reads it (it must still be
 * `scheduled` and due at `now`), then in order: the patient (`failed/patient-not-found`); an
 * appointment already started (`failed/appointment-passed`); consent on the channel (`skipped`
 * `opted-out`, or `no-consent` without an explicit opt-in); the contact point (`skipped`
 * `no-contact-point`, or `bad-contact-point` when marked bad); quiet hours in the patient's zone
 * (back to `scheduled` at the window's next opening: `deferred`); for SMS the frequency cap
 * (`skipped/frequency-cap`). Then it claims the reminder — `scheduled` → `sending` at its version,
 * taking the day's cap slot and indexing the number in the same transaction — so of two sweeps
 * only one sends; the loser does nothing (`lost`). After the send: the provider's message id is
 * linked and the reminder saved `sent`; a failure is handled by sendFailureDisposition (retry
 * later, unknown outcome, provider opt-out → consent ledger, bad contact → mark and outreach task,
 * permanent). Renders the message with the patient's first name: PHI, never logged.
 */
export async function sendReminder(ctx: AppContext, options: { reminderId: string; now: Date }): Promise<SendReminderOutcome> {
  const { now } = options;
  const current = await getReminderRecord(ctx, options.reminderId);
  if (!current || current.status !== 'scheduled' || Date.parse(current.sendAt) > now.getTime()) return 'lost';

  const patient = await getPatientRecord(ctx, current.patientId);
  if (!patient) return settle(ctx, current, close(current, now, 'failed', 'patient-not-found'), 'failed');
  if (current.offsetHours !== undefined && reminderEventTime(current) <= now) {
    return settle(ctx, current, close(current, now, 'failed', 'appointment-passed'), 'failed');
  }
  const consent = (await getConsent(ctx, patient.id))[current.channel];
  if (consent.status === 'opted-out') return settle(ctx, current, close(current, now, 'skipped', 'opted-out'), 'skipped');
  if (!consentAllows(consent)) return settle(ctx, current, close(current, now, 'skipped', 'no-consent'), 'skipped');
  const point = reminderContactPoint(patient, current.channel);
  if (point === undefined) return settle(ctx, current, close(current, now, 'skipped', 'no-contact-point'), 'skipped');
  const e164 = current.channel === 'sms' ? toE164(point) : undefined;
  const to = e164 ?? point;
  if (await isBadContactPoint(ctx, { patientId: patient.id, channel: current.channel, value: to })) {
    return settle(ctx, current, close(current, now, 'skipped', 'bad-contact-point'), 'skipped');
  }
  const timeZone = patientTimeZone(patient);
  const opening = nextSendTime(now, timeZone, ctx.config.reminders.sendWindow);
  if (opening.getTime() > now.getTime()) {
    return settle(ctx, current, reschedule(current, now, opening, { at: now.toISOString(), outcome: 'deferred', code: 'quiet-hours' }), 'deferred');
  }

  let message: RenderedReminder;
  try {
    message = renderReminder({
      templateId: current.templateId,
      language: current.language,
      firstName: patient.name?.given[0] ?? '',
      organization: senderName(ctx.config.messaging),
      at: reminderEventTime(current).toISOString(),
      timeZone,
      link: reminderLink(ctx.config.publicUrl, current.id),
    });
  } catch (error) {
    // The error names fields, never values; still, only its name is logged.
    logger.error('Reminder could not be rendered', { reminderId: current.id, errorName: error instanceof Error ? error.name : 'NonError' });
    return settle(ctx, current, close(current, now, 'failed', 'render-failed'), 'failed');
  }

  const extra: TransactItem[] = [];
  let release: TransactItem[] = [];
  if (current.channel === 'sms') {
    const day = localDay(now, timeZone);
    const slots = await readCapSlots(ctx, { patientId: patient.id, fromDay: capWindowDays(now, timeZone)[0]! });
    const cap = capAllows({ sentAt: slots.filter((slot) => slot.reminderId !== current.id).map((slot) => new Date(slot.at)), at: now, timeZone });
    if (!cap.allowed) return settle(ctx, current, close(current, now, 'skipped', 'frequency-cap', cap.reason), 'skipped');
    extra.push(takeCapSlot(ctx, { patientId: patient.id, day, reminderId: current.id, at: now.toISOString() }));
    if (e164) extra.push(indexPhone(ctx, { e164, patientId: patient.id, at: now }));
    release = [releaseCapSlot(ctx, { patientId: patient.id, day, reminderId: current.id })];
  }

  const claimed = claim(current, now);
  try {
    await saveReminder(ctx, current, claimed.after, claimed.entries, { extraItems: extra });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    // The slot (extra item 0) is another reminder's: this patient was texted today by a concurrent sweep.
    if (error.details?.failed === 'extra' && error.details.index === 0) return settle(ctx, current, close(current, now, 'skipped', 'frequency-cap', 'daily-cap'), 'skipped');
    return 'lost';
  }
  const sending = claimed.after;

  let messageId: string;
  try {
    messageId =
      current.channel === 'sms'
        ? (await sendSms(ctx, { to, body: message.sms, reference: current.id })).messageId
        : (await sendEmail(ctx, { to, ...message.email, reference: current.id, unsubscribeUrl: reminderStopUrl(ctx.config.publicUrl, current.id) })).messageId;
  } catch (error) {
    if (!(error instanceof ChannelError)) throw error;
    return settleFailure(ctx, sending, error, { to, now, release });
  }
  return recordSent(ctx, sending, messageId, now);
}

/** What a refused send does to the claimed reminder (see sendFailureDisposition); the cap slot goes back unless it may have been sent. */
async function settleFailure(ctx: AppContext, sending: Reminder, error: ChannelError, options: { to: string; now: Date; release: TransactItem[] }): Promise<SendReminderOutcome> {
  const { now, release } = options;
  const code = reminderCode(error.code);
  switch (sendFailureDisposition(error)) {
    case 'retry': {
      const delay = retryDelayMs(sending.attempts.filter((attempt) => attempt.outcome === 'failed').length + 1);
      if (delay === undefined) return settle(ctx, sending, close(sending, now, 'failed', 'retries-exhausted', code), 'failed', release);
      return settle(ctx, sending, reschedule(sending, now, new Date(now.getTime() + delay), { at: now.toISOString(), outcome: 'failed', code }), 'rescheduled', release);
    }
    case UNKNOWN_OUTCOME:
      return settle(ctx, sending, close(sending, now, 'failed', UNKNOWN_OUTCOME, code), 'failed');
    case 'opted-out':
      await bestEffort('record the provider opt-out', sending.id, () =>
        recordConsentChange(ctx, {
          patientId: sending.patientId,
          channel: sending.channel,
          change: 'opt-out',
          source: sending.channel === 'sms' ? 'sms-reply' : 'email-unsubscribe',
          actor: PROVIDER_OPT_OUT_ACTOR,
          note: 'The messaging provider refused a reminder: the patient opted out with the provider.',
        }),
      );
      return settle(ctx, sending, close(sending, now, 'skipped', 'opted-out', code), 'skipped', release);
    case 'bad-contact': {
      const reason = BAD_CONTACT_CODE[sending.channel];
      await bestEffort('report the bad contact point', sending.id, () => reportBadContactPoint(ctx, { reminder: sending, value: options.to, code: reason }));
      return settle(ctx, sending, close(sending, now, 'failed', reason, code), 'failed', release);
    }
    case 'permanent':
      return settle(ctx, sending, close(sending, now, 'failed', code), 'failed', release);
  }
}

/**
 * Records an accepted send: links the provider's message id first (so delivery events find the
 * reminder even if the save below never happens), then saves `sent`. If another writer got there
 * first — a delivery event already recorded it, or the lease gave the claim up as unknown — the
 * reminder is brought to `sent` unless it already carries this message id.
 */
async function recordSent(ctx: AppContext, sending: Reminder, messageId: string, now: Date): Promise<SendReminderOutcome> {
  await bestEffort('link the provider message', sending.id, () => linkProviderMessage(ctx, { reminderId: sending.id, channel: sending.channel, providerMessageId: messageId }));
  const sent = markSent(sending, now, messageId);
  try {
    await saveReminder(ctx, sending, sent.after, sent.entries);
    return 'sent';
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
  await changeReminderWithRetry(ctx, sending.id, (latest) => {
    const unresolved = latest.status === 'sending' || (latest.status === 'failed' && latest.statusReason === UNKNOWN_OUTCOME);
    return unresolved && latest.providerMessageId !== messageId ? markSent(latest, now, messageId) : undefined;
  });
  return 'sent';
}
