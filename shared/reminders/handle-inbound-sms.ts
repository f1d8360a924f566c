import { z } from 'zod';
import { recordConsentChange } from '../consent/record-consent-change';
import type { ConsentChange, ConsentSource } from '../consent/schema';
import type { AppContext } from '../context';
import { BadRequestError } from '../errors';
import { newId } from '../ids';
import { logger } from '../logger';
import { ChannelError } from '../messaging/errors';
import { ZE164 } from '../messaging/schema';
import { sendSms } from '../messaging/sms';
import { getPatientRecord } from '../patients/repository';
import type { Patient } from '../patients/schema';
import type { ActorRef } from '../referrals/schema';
import { takeInboundReplyGuard } from './inbound-reply-guard';
import { findPatientIdsByPhone } from './phone-index';
import { classifyReply, HELP_REPLY, OPT_OUT_CONFIRMATION, type ReplyKind } from './replies';
import { findReminderIdByMessage, getReminderRecord } from './repository';
import { senderName } from './send-policy';
import { reminderLanguage } from './templates';

/**
 * What End User Messaging SMS publishes (the JSON `Message` of an SNS notification) when a patient
 * texts our number. The numbers and the text are PHI: never logged, never echoed in an error.
 */
export const ZInboundSmsPayload = z.object({
  /** The patient's number. */
  originationNumber: ZE164,
  /** Our number they texted. */
  destinationNumber: z.string().min(1).max(64),
  /** Set by AWS when the text starts with one of the number's keywords. */
  messageKeyword: z.string().max(64).optional(),
  messageBody: z.string().max(1600),
  inboundMessageId: z.string().min(1).max(200),
  /** The id of the message they were answering, when there was one. */
  previousPublishedMessageId: z.string().min(1).max(200).optional(),
});
export type InboundSmsPayload = z.input<typeof ZInboundSmsPayload>;

export interface HandledInboundSms {
  kind: ReplyKind;
  /** Whether the number belongs to a patient Sidecar texts. */
  patientFound: boolean;
  /** Whether an answer was sent (HELP text, or the one opt-out confirmation). */
  replied: boolean;
}

/** Who is recorded when a patient changes their consent by texting. */
const PATIENT_SMS_ACTOR: ActorRef = { id: 'system:sms-reply', name: 'Patient (SMS reply)' };

/** A keyword is a message of one word ("STOP", "stop!", "Baja") or "opt out"; anything longer is plain language. */
function isKeyword(text: string): boolean {
  const words = text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.length === 1 || words.join(' ') === 'opt out';
}

/**
 * The patients a text comes from: the patient of the reminder it answers (previousPublishedMessageId)
 * and everyone Sidecar texts at the sending number (the phone index) — a family phone speaks for
 * all its patients. Queries and Gets only.
 */
async function patientsTexting(ctx: AppContext, payload: z.output<typeof ZInboundSmsPayload>): Promise<Patient[]> {
  const ids = new Set<string>();
  if (payload.previousPublishedMessageId) {
    const reminderId = await findReminderIdByMessage(ctx, { channel: 'sms', providerMessageId: payload.previousPublishedMessageId });
    const reminder = reminderId ? await getReminderRecord(ctx, reminderId) : undefined;
    if (reminder) ids.add(reminder.patientId);
  }
  for (const id of await findPatientIdsByPhone(ctx, payload.originationNumber)) ids.add(id);
  const patients: Patient[] = [];
  for (const id of ids) {
    const patient = await getPatientRecord(ctx, id);
    if (patient) patients.push(patient);
  }
  return patients;
}

/** Texts `body` back to the sender, at most once per inbound message; a refused send is logged (codes only) and not retried. */
async function answer(ctx: AppContext, payload: z.output<typeof ZInboundSmsPayload>, body: string): Promise<boolean> {
  if (!(await takeInboundReplyGuard(ctx, { inboundMessageId: payload.inboundMessageId, at: ctx.clock.now() }))) return false;
  try {
    await sendSms(ctx, { to: payload.originationNumber, body, reference: `reply-${newId()}` });
    return true;
  } catch (error) {
    if (!(error instanceof ChannelError)) throw error;
    logger.warn('Answer to an inbound SMS not sent', { kind: error.kind, code: error.code });
    return false;
  }
}

async function recordForAll(ctx: AppContext, patients: Patient[], change: ConsentChange, source: ConsentSource): Promise<boolean> {
  let recorded = false;
  for (const patient of patients) {
    const result = await recordConsentChange(ctx, { patientId: patient.id, channel: 'sms', change, source, actor: PATIENT_SMS_ACTOR });
    if (result.outcome === 'recorded') recorded = true;
  }
  return recorded;
}

/**
 * Acts on a patient's text to our number. Opt-out (a keyword — source `sms-keyword` — or a
 * plain-language request — `sms-reply`): the SMS opt-out is recorded for every patient texted at
 * that number, and exactly one confirmation is sent, only when it changed someone's consent (a
 * second STOP gets none); their scheduled reminders stay visible and are skipped at send time.
 * HELP: the help text. START: an SMS opt-in (`sms-keyword`). Anything else: nothing but a log of
 * its classification. A number Sidecar does not text gets no answer. Answers are not reminders:
 * they bypass quiet hours and the frequency cap, because they answer the patient. Never logs
 * the number or the text; throws BadRequestError (no detail) for a payload that does not parse.
 */
export async function handleInboundSms(ctx: AppContext, payload: InboundSmsPayload): Promise<HandledInboundSms> {
  const parsed = ZInboundSmsPayload.safeParse(payload);
  if (!parsed.success) throw new BadRequestError('Invalid inbound SMS payload');
  const input = parsed.data;
  const kind = classifyReply(input.messageBody);
  const patients = await patientsTexting(ctx, input);
  logger.info('Inbound SMS classified', { kind, patients: patients.length });
  if (patients.length === 0) return { kind, patientFound: false, replied: false };

  const language = reminderLanguage(patients[0]!.language);
  const organization = senderName(ctx.config.messaging);
  switch (kind) {
    case 'opt-out': {
      const changed = await recordForAll(ctx, patients, 'opt-out', isKeyword(input.messageBody) ? 'sms-keyword' : 'sms-reply');
      return { kind, patientFound: true, replied: changed && (await answer(ctx, input, OPT_OUT_CONFIRMATION(language, organization))) };
    }
    case 'help':
      return { kind, patientFound: true, replied: await answer(ctx, input, HELP_REPLY(language, organization)) };
    case 'opt-in':
      await recordForAll(ctx, patients, 'opt-in', 'sms-keyword');
      return { kind, patientFound: true, replied: false };
    case 'other':
      return { kind, patientFound: true, replied: false };
  }
}
