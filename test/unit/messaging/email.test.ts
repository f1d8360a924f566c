import {
  AccountSuspendedException,
  BadRequestException,
  InternalServiceErrorException,
  LimitExceededException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  NotFoundException,
  SendEmailCommand,
  SendingPausedException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { sendEmail } from '../../../shared/messaging/email';
import { ChannelError } from '../../../shared/messaging/errors';
import { captureLogs, messagingContext } from './support';

const ADDRESS = 'ana.lopez@example.org';
const REFERENCE = '01JDREMINDER0000000000000B';
const MESSAGE = {
  to: ADDRESS,
  subject: 'Your appointment with Riverside Clinic',
  text: 'Hi Ana, your visit is on Tue Nov 24 at 9:30 AM. https://x.example/r/1',
  html: '<p>Hi Ana, your visit is on Tue Nov 24 at 9:30 AM. <a href="https://x.example/r/1">Details</a></p>',
  reference: REFERENCE,
};
/** Providers' messages can echo the address: ChannelError must never carry them. */
const ECHO = `Qzxecho: ${ADDRESS} rejected`;
const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

function configured() {
  const ctx = messagingContext({ emailFrom: 'Riverside Clinic <reminders@riverside.example>', sesConfigurationSet: 'sidecar-reminders' });
  return { ctx, ses: mockClient(ctx.email) };
}

async function failureOf(promise: Promise<unknown>): Promise<ChannelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChannelError);
  return error as ChannelError;
}

describe('sendEmail', () => {
  test('sends simple content (text and HTML) from the configured address through the configuration set, tagged with our reference', async () => {
    const { ctx, ses } = configured();
    ses.on(SendEmailCommand).resolves({ MessageId: '0100abc-1' });

    await expect(sendEmail(ctx, MESSAGE)).resolves.toEqual({ messageId: '0100abc-1' });

    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input).toEqual({
      FromEmailAddress: 'Riverside Clinic <reminders@riverside.example>',
      Destination: { ToAddresses: [ADDRESS] },
      Content: {
        Simple: {
          Subject: { Data: MESSAGE.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: MESSAGE.text, Charset: 'UTF-8' }, Html: { Data: MESSAGE.html, Charset: 'UTF-8' } },
        },
      },
      ConfigurationSetName: 'sidecar-reminders',
      EmailTags: [{ Name: 'reminder', Value: REFERENCE }],
    });
  });

  test('without a configured From address nothing is sent: permanent EmailFromNotConfigured', async () => {
    const ctx = messagingContext({ sesConfigurationSet: 'sidecar-reminders' });
    const ses = mockClient(ctx.email);
    expect(await failureOf(sendEmail(ctx, MESSAGE))).toMatchObject({ channel: 'email', kind: 'permanent', code: 'EmailFromNotConfigured' });
    expect(ses.calls()).toHaveLength(0);
  });

  test('without a configuration set it sends without one', async () => {
    const ctx = messagingContext({ emailFrom: 'reminders@riverside.example' });
    const ses = mockClient(ctx.email);
    ses.on(SendEmailCommand).resolves({ MessageId: 'm' });
    await sendEmail(ctx, MESSAGE);
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input).not.toHaveProperty('ConfigurationSetName');
  });

  const cases: [string, Error, ChannelError['kind'], string][] = [
    ['the sending rate (throttling)', new TooManyRequestsException({ ...meta(429), message: ECHO }), 'retryable', 'TooManyRequestsException'],
    ['the sending quota', new LimitExceededException({ ...meta(400), message: ECHO }), 'retryable', 'LimitExceededException'],
    ['an internal error', new InternalServiceErrorException({ ...meta(500), message: ECHO }), 'retryable', 'InternalServiceErrorException'],
    ['a timeout before any answer', Object.assign(new Error(ECHO), { name: 'TimeoutError' }), 'retryable', 'TimeoutError'],
    ['a rejected message', new MessageRejected({ ...meta(400), message: ECHO }), 'permanent', 'MessageRejected'],
    ['a bad request', new BadRequestException({ ...meta(400), message: ECHO }), 'permanent', 'BadRequestException'],
    ['an unknown configuration set', new NotFoundException({ ...meta(404), message: 'Configuration set does not exist' }), 'permanent', 'NotFoundException'],
    ['a suspended account', new AccountSuspendedException({ ...meta(400), message: 'suspended' }), 'permanent', 'AccountSuspendedException'],
    ['paused sending', new SendingPausedException({ ...meta(400), message: 'paused' }), 'permanent', 'SendingPausedException'],
    ['an unverified MAIL FROM domain', new MailFromDomainNotVerifiedException({ ...meta(400), message: 'no' }), 'permanent', 'MailFromDomainNotVerifiedException'],
  ];

  test.each(cases)('classifies %s', async (_label, error, kind, code) => {
    const { ctx, ses } = configured();
    ses.on(SendEmailCommand).rejects(error);

    const failure = await failureOf(sendEmail(ctx, MESSAGE));

    expect(failure).toMatchObject({ channel: 'email', kind, code });
    expect(failure.message).not.toContain(ADDRESS);
    expect(failure.message).not.toContain('Qzxecho');
    expect(failure.cause).toBeUndefined();
  });

  test('partial failure: of two emails sent in a loop, the first keeps its message id and the throttled second is retryable', async () => {
    const { ctx, ses } = configured();
    ses
      .on(SendEmailCommand)
      .resolvesOnce({ MessageId: 'first' })
      .rejectsOnce(new TooManyRequestsException({ ...meta(429), message: 'Maximum sending rate exceeded.' }));

    const outcomes: ({ messageId: string } | ChannelError)[] = [];
    for (const to of ['a@example.org', 'b@example.org']) outcomes.push(await sendEmail(ctx, { ...MESSAGE, to }).catch((e: ChannelError) => e));

    expect(outcomes[0]).toEqual({ messageId: 'first' });
    expect(outcomes[1]).toBeInstanceOf(ChannelError);
    expect(outcomes[1]).toMatchObject({ kind: 'retryable', code: 'TooManyRequestsException' });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(2);
  });

  test('refuses a malformed address as a bad contact and other invalid parts as permanent, without calling AWS', async () => {
    const { ctx, ses } = configured();
    for (const to of ['ana.lopez', 'ana@', 'Ana <ana@example.org>', 'ana@example.org\r\nBcc: x@y.example']) {
      expect(await failureOf(sendEmail(ctx, { ...MESSAGE, to }))).toMatchObject({ kind: 'bad-contact', code: 'InvalidDestination' });
    }
    for (const broken of [{ subject: 'Hi\r\nBcc: x@y.example' }, { subject: '' }, { text: '' }, { html: '' }, { reference: 'has space' }]) {
      expect(await failureOf(sendEmail(ctx, { ...MESSAGE, ...broken }))).toMatchObject({ kind: 'permanent', code: 'InvalidMessage' });
    }
    expect(ses.calls()).toHaveLength(0);
  });

  test('logs the reference, message id and outcome, never the address, subject or body', async () => {
    const logs = captureLogs();
    try {
      const { ctx, ses } = configured();
      ses
        .on(SendEmailCommand)
        .resolvesOnce({ MessageId: 'id-logged' })
        .rejectsOnce(new MessageRejected({ ...meta(400), message: ECHO }))
        .resolvesOnce({});
      await sendEmail(ctx, MESSAGE);
      await sendEmail(ctx, MESSAGE).catch(() => undefined);
      await sendEmail(ctx, MESSAGE).catch(() => undefined);
      await sendEmail(ctx, { ...MESSAGE, to: 'ana.lopez@' }).catch(() => undefined);
      await sendEmail({ ...ctx, config: { ...ctx.config, messaging: {} } }, MESSAGE).catch(() => undefined);
    } finally {
      logs.restore();
    }
    expect(logs.lines).toHaveLength(5);
    expect(logs.lines.join('\n')).toContain('id-logged');
    for (const line of logs.lines) {
      expect(line).not.toContain('ana.lopez');
      expect(line).not.toContain('Riverside');
      expect(line).not.toContain('Hi Ana');
      expect(line).not.toContain('Qzxecho');
    }
  });
});
