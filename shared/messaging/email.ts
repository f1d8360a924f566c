import { type MessageHeader, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { z } from 'zod';
import type { AppContext } from '../context';
import { logger } from '../logger';
import { ChannelError, type ChannelErrorKind, type ProviderErrorFacts, providerErrorFacts } from './errors';
import { ZEmailMessage } from './schema';

/** The message tag that carries our reference; SES repeats tags in `detail.mail.tags` of every event. */
export const EMAIL_REFERENCE_TAG = 'reminder';

/** RFC 8058: the List-Unsubscribe-Post value that makes the List-Unsubscribe https URL a one-click POST target. */
export const ONE_CLICK_UNSUBSCRIBE = 'List-Unsubscribe=One-Click';

/**
 * The one-click unsubscribe target: https (RFC 8058 requires it), URI characters only — no space,
 * comma or angle bracket, which would break the header's `<…>` list — and short enough for SES's
 * 995-character header values.
 */
const ZUnsubscribeUrl = z
  .string()
  .max(900)
  .regex(/^https:\/\/[A-Za-z0-9\-._~:/?#[\]@!$&'()*+;=%]+$/)
  .refine((value) => URL.canParse(value));

export const ZSendEmailInput = ZEmailMessage.extend({
  /** When set, the email carries `List-Unsubscribe: <url>` and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`. */
  unsubscribeUrl: ZUnsubscribeUrl.optional(),
});
export type SendEmailInput = z.infer<typeof ZSendEmailInput>;

/** The RFC 8058 one-click unsubscribe headers for `url` (SESv2 `Content.Simple.Headers`). */
export function unsubscribeHeaders(url: string): MessageHeader[] {
  return [
    { Name: 'List-Unsubscribe', Value: `<${url}>` },
    { Name: 'List-Unsubscribe-Post', Value: ONE_CLICK_UNSUBSCRIBE },
  ];
}

/**
 * Sends one reminder email through SES v2 (`SendEmail`, simple content with text and HTML parts,
 * from the configured From address, through the configured configuration set — suppression and
 * delivery events) and returns SES's message id, which delivery events carry as
 * `detail.mail.messageId`. `reference` (our reminder id) is the `reminder` message tag. With an
 * `unsubscribeUrl` the email carries RFC 8058 one-click unsubscribe headers (unsubscribeHeaders),
 * which mail providers show as their own "Unsubscribe" and POST to without opening a page.
 *
 * Every failure is a ChannelError (see errors.ts); invalid input is refused before any call (a
 * malformed address as `bad-contact` / `InvalidDestination`, anything else `permanent` /
 * `InvalidMessage`), and so is a missing From address (`permanent` / `EmailFromNotConfigured`).
 * An address on the account's suppression list is accepted here: SES reports it later as a bounce
 * event. Logs the reference, message id and outcome only: never the address, subject or body.
 */
export async function sendEmail(ctx: AppContext, message: SendEmailInput): Promise<{ messageId: string }> {
  const parsed = ZSendEmailInput.safeParse(message);
  if (!parsed.success) {
    const part = parsed.error.issues[0]?.path[0];
    const refused = part === 'to' ? new ChannelError('email', 'bad-contact', 'InvalidDestination') : new ChannelError('email', 'permanent', 'InvalidMessage');
    logger.warn('Reminder email refused before sending', { part: typeof part === 'string' ? part : 'message', kind: refused.kind, code: refused.code });
    throw refused;
  }
  const { to, subject, text, html, reference, unsubscribeUrl } = parsed.data;
  const { emailFrom, sesConfigurationSet } = ctx.config.messaging;
  if (!emailFrom) {
    logger.error('Reminder email not sent: no From address is configured', { reference });
    throw new ChannelError('email', 'permanent', 'EmailFromNotConfigured');
  }
  let messageId: string | undefined;
  try {
    const output = await ctx.email.send(
      new SendEmailCommand({
        FromEmailAddress: emailFrom,
        Destination: { ToAddresses: [to] },
        Content: {
          Simple: {
            Subject: { Data: subject, Charset: 'UTF-8' },
            Body: { Text: { Data: text, Charset: 'UTF-8' }, Html: { Data: html, Charset: 'UTF-8' } },
            ...(unsubscribeUrl ? { Headers: unsubscribeHeaders(unsubscribeUrl) } : {}),
          },
        },
        ...(sesConfigurationSet ? { ConfigurationSetName: sesConfigurationSet } : {}),
        EmailTags: [{ Name: EMAIL_REFERENCE_TAG, Value: reference }],
      }),
    );
    messageId = output.MessageId;
  } catch (error) {
    const facts = providerErrorFacts(error);
    const failure = new ChannelError('email', classifyEmailFailure(facts), facts.code);
    logger.warn('Reminder email not accepted by the provider', { reference, kind: failure.kind, code: failure.code });
    throw failure;
  }
  if (!messageId) {
    // Accepted but unidentifiable: it may be on its way, so it must not be retried.
    logger.error('Reminder email accepted without a message id', { reference });
    throw new ChannelError('email', 'permanent', 'MissingMessageId');
  }
  logger.info('Reminder email accepted by the provider', { reference, messageId });
  return { messageId };
}

/**
 * SES v2 SendEmail errors: TooManyRequestsException (sending rate), LimitExceededException
 * (sending quota), 5xx and anything that did not get an answer are retryable; everything else —
 * MessageRejected, BadRequestException, NotFoundException (e.g. the configuration set),
 * AccountSuspendedException, SendingPausedException, MailFromDomainNotVerifiedException — is
 * permanent. Suppressed and undeliverable addresses are not refused at send: they arrive as events.
 */
function classifyEmailFailure(facts: ProviderErrorFacts): ChannelErrorKind {
  if (!facts.answered || facts.serverFault) return 'retryable';
  return facts.code === 'TooManyRequestsException' || facts.code === 'LimitExceededException' ? 'retryable' : 'permanent';
}
