import { SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { AppContext } from '../context';
import { logger } from '../logger';
import { ChannelError, type ChannelErrorKind, type ProviderErrorFacts, providerErrorFacts } from './errors';
import { type SmsMessage, ZSmsMessage } from './schema';

/** The `Context` key that carries our reference; End User Messaging SMS echoes `context` in every delivery event. */
export const SMS_REFERENCE_CONTEXT_KEY = 'reference';

/**
 * Sends one reminder text through End User Messaging SMS (`SendTextMessage`, TRANSACTIONAL, with
 * the configured configuration set — delivery events — and origination identity) and returns the
 * provider's message id, which delivery events name. `reference` (our reminder id) travels in the
 * message's `Context` so events can also be matched by it.
 *
 * Every failure is a ChannelError (see errors.ts for what each kind asks of the caller); invalid
 * input is refused before any call: a malformed number as `bad-contact` / `InvalidDestination`,
 * anything else as `permanent` / `InvalidMessage`. Logs the reference, message id and outcome only:
 * never the number or the text.
 */
export async function sendSms(ctx: AppContext, message: SmsMessage): Promise<{ messageId: string }> {
  const parsed = ZSmsMessage.safeParse(message);
  if (!parsed.success) {
    const part = parsed.error.issues[0]?.path[0];
    const refused = part === 'to' ? new ChannelError('sms', 'bad-contact', 'InvalidDestination') : new ChannelError('sms', 'permanent', 'InvalidMessage');
    logger.warn('Reminder SMS refused before sending', { part: typeof part === 'string' ? part : 'message', kind: refused.kind, code: refused.code });
    throw refused;
  }
  const { to, body, reference } = parsed.data;
  const { smsConfigurationSet, smsOriginationIdentity } = ctx.config.messaging;
  let messageId: string | undefined;
  try {
    const output = await ctx.sms.send(
      new SendTextMessageCommand({
        DestinationPhoneNumber: to,
        MessageBody: body,
        MessageType: 'TRANSACTIONAL',
        ...(smsConfigurationSet ? { ConfigurationSetName: smsConfigurationSet } : {}),
        ...(smsOriginationIdentity ? { OriginationIdentity: smsOriginationIdentity } : {}),
        Context: { [SMS_REFERENCE_CONTEXT_KEY]: reference },
      }),
    );
    messageId = output.MessageId;
  } catch (error) {
    const facts = providerErrorFacts(error);
    const failure = new ChannelError('sms', classifySmsFailure(facts), facts.code);
    logger.warn('Reminder SMS not accepted by the provider', { reference, kind: failure.kind, code: failure.code });
    throw failure;
  }
  if (!messageId) {
    // Accepted but unidentifiable: it may be on its way, so it must not be retried.
    logger.error('Reminder SMS accepted without a message id', { reference });
    throw new ChannelError('sms', 'permanent', 'MissingMessageId');
  }
  logger.info('Reminder SMS accepted by the provider', { reference, messageId });
  return { messageId };
}

/**
 * End User Messaging SMS errors (SendTextMessage): throttling, service quotas, internal errors and
 * anything that did not get an answer are retryable; a ConflictException with Reason
 * DESTINATION_PHONE_NUMBER_OPTED_OUT is the destination's opt-out; a ValidationException whose
 * Fields name the destination number is a bad contact. Everything else is permanent — including
 * DESTINATION_PHONE_NUMBER_NOT_VERIFIED (a sandbox account; the number itself may be fine) and
 * country-level refusals (our account's enabled countries, not the patient's number).
 */
function classifySmsFailure(facts: ProviderErrorFacts): ChannelErrorKind {
  if (!facts.answered || facts.serverFault) return 'retryable';
  switch (facts.code) {
    case 'ThrottlingException':
    case 'ServiceQuotaExceededException':
    case 'InternalServerException':
      return 'retryable';
    case 'ConflictException':
      return facts.reason === 'DESTINATION_PHONE_NUMBER_OPTED_OUT' ? 'opted-out' : 'permanent';
    case 'ValidationException':
      return facts.fieldNames.some((name) => name.toLowerCase() === 'destinationphonenumber') ? 'bad-contact' : 'permanent';
    default:
      return 'permanent';
  }
}
