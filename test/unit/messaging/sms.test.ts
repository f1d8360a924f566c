import {
  AccessDeniedException,
  ConflictException,
  InternalServerException,
  PinpointSMSVoiceV2ServiceException,
  ResourceNotFoundException,
  SendTextMessageCommand,
  ServiceQuotaExceededException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { ChannelError } from '../../../shared/messaging/errors';
import { sendSms } from '../../../shared/messaging/sms';
import { captureLogs, messagingContext } from './support';

const NUMBER = '+15555550123';
const BODY = 'Hi Ana, this is Riverside Clinic: your visit is on Tue Nov 24 at 9:30 AM. Details: https://x.example/r/1 Reply STOP to opt out';
const REFERENCE = '01JDREMINDER0000000000000A';
/** Providers' messages can echo the number: ChannelError must never carry them. */
const ECHO = `Qzxecho: ${NUMBER} rejected`;

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

function configured() {
  const ctx = messagingContext({ smsConfigurationSet: 'sidecar-reminders', smsOriginationIdentity: 'pool-0123456789abcdef0123456789abcdef' });
  return { ctx, sms: mockClient(ctx.sms) };
}

async function failureOf(promise: Promise<unknown>): Promise<ChannelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChannelError);
  return error as ChannelError;
}

describe('sendSms', () => {
  test('sends one TRANSACTIONAL text with the configuration set, origination identity and our reference as Context', async () => {
    const { ctx, sms } = configured();
    sms.on(SendTextMessageCommand).resolves({ MessageId: 'msg-1' });

    await expect(sendSms(ctx, { to: NUMBER, body: BODY, reference: REFERENCE })).resolves.toEqual({ messageId: 'msg-1' });

    expect(sms.commandCalls(SendTextMessageCommand)).toHaveLength(1);
    expect(sms.commandCalls(SendTextMessageCommand)[0]!.args[0].input).toEqual({
      DestinationPhoneNumber: NUMBER,
      MessageBody: BODY,
      MessageType: 'TRANSACTIONAL',
      ConfigurationSetName: 'sidecar-reminders',
      OriginationIdentity: 'pool-0123456789abcdef0123456789abcdef',
      Context: { reference: REFERENCE },
    });
  });

  test('without configured settings it leaves ConfigurationSetName and OriginationIdentity to the account defaults', async () => {
    const ctx = messagingContext();
    const sms = mockClient(ctx.sms);
    sms.on(SendTextMessageCommand).resolves({ MessageId: 'msg-2' });

    await sendSms(ctx, { to: NUMBER, body: 'Hi', reference: REFERENCE });

    const input = sms.commandCalls(SendTextMessageCommand)[0]!.args[0].input;
    expect(input).not.toHaveProperty('ConfigurationSetName');
    expect(input).not.toHaveProperty('OriginationIdentity');
  });

  const cases: [string, Error, ChannelError['kind'], string][] = [
    ['throttling', new ThrottlingException({ ...meta(400), message: ECHO }), 'retryable', 'ThrottlingException'],
    ['an internal server error', new InternalServerException({ ...meta(500), message: ECHO }), 'retryable', 'InternalServerException'],
    ['a service quota (spend limit)', new ServiceQuotaExceededException({ ...meta(400), message: ECHO, Reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT' }), 'retryable', 'ServiceQuotaExceededException'],
    [
      'an unmodelled 503',
      new PinpointSMSVoiceV2ServiceException({ name: 'ServiceUnavailable', $fault: 'server', ...meta(503), message: ECHO }),
      'retryable',
      'ServiceUnavailable',
    ],
    ['a refused connection', Object.assign(new Error(`connect ECONNREFUSED for ${NUMBER}`), { code: 'ECONNREFUSED' }), 'retryable', 'ECONNREFUSED'],
    [
      'an opted-out destination',
      new ConflictException({ ...meta(400), message: ECHO, Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT', ResourceType: 'opted-out-number', ResourceId: NUMBER }),
      'opted-out',
      'ConflictException',
    ],
    [
      'an invalid destination number',
      new ValidationException({ ...meta(400), message: ECHO, Reason: 'INVALID_PARAMETER', Fields: [{ Name: 'DestinationPhoneNumber', Message: ECHO }] }),
      'bad-contact',
      'ValidationException',
    ],
    [
      'an unparseable destination number (field named in camel case)',
      new ValidationException({ ...meta(400), message: ECHO, Reason: 'CANNOT_PARSE', Fields: [{ Name: 'destinationPhoneNumber', Message: ECHO }] }),
      'bad-contact',
      'ValidationException',
    ],
    [
      'a validation error about something else',
      new ValidationException({ ...meta(400), message: 'bad', Reason: 'INVALID_PARAMETER', Fields: [{ Name: 'ConfigurationSetName', Message: 'bad' }] }),
      'permanent',
      'ValidationException',
    ],
    ['a destination country our account cannot reach', new ValidationException({ ...meta(400), message: ECHO, Reason: 'DESTINATION_COUNTRY_BLOCKED' }), 'permanent', 'ValidationException'],
    [
      'an unverified destination (sandbox account)',
      new ConflictException({ ...meta(400), message: ECHO, Reason: 'DESTINATION_PHONE_NUMBER_NOT_VERIFIED', ResourceType: 'verified-destination-number', ResourceId: NUMBER }),
      'permanent',
      'ConflictException',
    ],
    ['missing permissions', new AccessDeniedException({ ...meta(403), message: 'no', Reason: 'ACCOUNT_DISABLED' as never }), 'permanent', 'AccessDeniedException'],
    ['an unknown configuration set', new ResourceNotFoundException({ ...meta(404), message: 'no', ResourceType: 'configuration-set', ResourceId: 'x' }), 'permanent', 'ResourceNotFoundException'],
  ];

  test.each(cases)('classifies %s', async (_label, error, kind, code) => {
    const { ctx, sms } = configured();
    sms.on(SendTextMessageCommand).rejects(error);

    const failure = await failureOf(sendSms(ctx, { to: NUMBER, body: BODY, reference: REFERENCE }));

    expect(failure).toMatchObject({ channel: 'sms', kind, code });
    expect(failure.message).not.toContain(NUMBER);
    expect(failure.message).not.toContain('Qzxecho');
    expect(failure.cause).toBeUndefined();
  });

  test('partial failure: of two texts sent in a loop, the first keeps its message id and the throttled second is retryable', async () => {
    const { ctx, sms } = configured();
    sms
      .on(SendTextMessageCommand)
      .resolvesOnce({ MessageId: 'msg-first' })
      .rejectsOnce(new ThrottlingException({ ...meta(400), message: 'Rate exceeded' }));

    const outcomes: ({ messageId: string } | ChannelError)[] = [];
    for (const [i, to] of ['+15555550101', '+15555550102'].entries()) {
      outcomes.push(await sendSms(ctx, { to, body: BODY, reference: `${REFERENCE}${i}` }).catch((e: ChannelError) => e));
    }

    expect(outcomes[0]).toEqual({ messageId: 'msg-first' });
    expect(outcomes[1]).toBeInstanceOf(ChannelError);
    expect(outcomes[1]).toMatchObject({ kind: 'retryable', code: 'ThrottlingException' });
    expect(sms.commandCalls(SendTextMessageCommand).map((c) => c.args[0].input.DestinationPhoneNumber)).toEqual(['+15555550101', '+15555550102']);
  });

  test('an accepted text without a message id is permanent (it may be on its way: never resend)', async () => {
    const { ctx, sms } = configured();
    sms.on(SendTextMessageCommand).resolves({});
    expect(await failureOf(sendSms(ctx, { to: NUMBER, body: BODY, reference: REFERENCE }))).toMatchObject({ kind: 'permanent', code: 'MissingMessageId' });
  });

  test.each(['5555550123', '+05555550123', '+1 555 555 0123', '+1555555012345678', '', 'tel:+15555550123'])('refuses destination %p as a bad contact without calling AWS', async (to) => {
    const { ctx, sms } = configured();
    const failure = await failureOf(sendSms(ctx, { to, body: BODY, reference: REFERENCE }));
    expect(failure).toMatchObject({ kind: 'bad-contact', code: 'InvalidDestination' });
    expect(sms.calls()).toHaveLength(0);
  });

  test('refuses a body over 160 characters, an empty body and a reference that is not an id, without calling AWS; 160 exactly is sent', async () => {
    const { ctx, sms } = configured();
    sms.on(SendTextMessageCommand).resolves({ MessageId: 'msg-160' });
    for (const message of [
      { to: NUMBER, body: 'x'.repeat(161), reference: REFERENCE },
      { to: NUMBER, body: '', reference: REFERENCE },
      { to: NUMBER, body: 'Hi', reference: 'Ana Lopez' },
    ]) {
      expect(await failureOf(sendSms(ctx, message))).toMatchObject({ kind: 'permanent', code: 'InvalidMessage' });
    }
    expect(sms.calls()).toHaveLength(0);
    await expect(sendSms(ctx, { to: NUMBER, body: 'x'.repeat(160), reference: REFERENCE })).resolves.toEqual({ messageId: 'msg-160' });
  });

  test('logs the reference, message id and outcome, never the number or the text', async () => {
    const logs = captureLogs();
    try {
      const { ctx, sms } = configured();
      sms
        .on(SendTextMessageCommand)
        .resolvesOnce({ MessageId: 'msg-logged' })
        .rejectsOnce(new ConflictException({ ...meta(400), message: ECHO, Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT', ResourceId: NUMBER }))
        .rejectsOnce(Object.assign(new Error(ECHO), { code: 'ECONNRESET' }))
        .resolvesOnce({});
      await sendSms(ctx, { to: NUMBER, body: BODY, reference: REFERENCE });
      await sendSms(ctx, { to: NUMBER, body: BODY, reference: REFERENCE }).catch(() => undefined);
      await sendSms(ctx, { to: NUMBER, body: BODY, reference: REFERENCE }).catch(() => undefined);
      await sendSms(ctx, { to: NUMBER, body: BODY, reference: REFERENCE }).catch(() => undefined);
      await sendSms(ctx, { to: `${NUMBER}9999999`, body: BODY, reference: REFERENCE }).catch(() => undefined);
      await sendSms(ctx, { to: NUMBER, body: `${BODY} ${'y'.repeat(200)}`, reference: REFERENCE }).catch(() => undefined);
    } finally {
      logs.restore();
    }
    expect(logs.lines).toHaveLength(6);
    expect(logs.lines.join('\n')).toContain('msg-logged');
    expect(logs.lines.join('\n')).toContain(REFERENCE);
    for (const line of logs.lines) {
      expect(line).not.toContain('5555550123');
      expect(line).not.toContain('Riverside');
      expect(line).not.toContain('Qzxecho');
    }
  });
});
