/**
 * The local SMS stand-in driven by the real @aws-sdk/client-pinpoint-sms-voice-v2 (through
 * sendSms and directly): what it accepts, the outbox, the delivery events it emits in End User
 * Messaging SMS's EventBridge shape, failure injection as sendSms classifies it, patients' replies
 * in the two-way SMS shape, and persistence. (No DynamoDB needed.)
 */
import { DescribeAccountAttributesCommand, PinpointSMSVoiceV2Client, SendTextMessageCommand, ValidationException } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MessagingStandInEvent } from '../../../infra/local/messaging-outbox';
import { type SmsFailure, type SmsStandIn, type SmsStandInOptions, startSmsStandIn } from '../../../infra/local/sms-standin';
import { loadConfig } from '../../../shared/config/config';
import { ENV } from '../../../shared/config/env-names';
import { type AppContext, createContext } from '../../../shared/context';
import { ChannelError } from '../../../shared/messaging/errors';
import { sendSms } from '../../../shared/messaging/sms';

jest.setTimeout(20_000);

const PATIENT = '+15555550123';
const REFERENCE = '01JDREMINDER0000000000000C';
const BODY = 'Hi Ana, Riverside Clinic: your visit is Tue Nov 24 at 9:30 AM. https://x.example/r/1 Reply STOP to opt out';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const open: { standIn: SmsStandIn; ctx: AppContext }[] = [];
afterEach(async () => {
  for (const { standIn, ctx } of open.splice(0)) {
    ctx.sms.destroy();
    await standIn.stop();
  }
});

/** A stand-in, a context whose SMS client (maxAttempts 3, as deployed) talks to it, and the events it emitted. */
async function harness(options: SmsStandInOptions = {}, messaging: Record<string, string> = { [ENV.smsConfigurationSet]: 'sidecar-reminders', [ENV.smsOriginationIdentity]: 'pool-0123456789abcdef0123456789abcdef' }) {
  const standIn = await startSmsStandIn({ deliveryDelayMs: 5, ...options });
  const config = loadConfig({
    NODE_ENV: 'test',
    [ENV.recordsTable]: 'r',
    [ENV.inboxTable]: 'i',
    [ENV.auditTable]: 'a',
    [ENV.eventBusName]: 'b',
    [ENV.smsEndpoint]: standIn.endpoint,
    ...messaging,
  });
  const ctx = createContext({ config });
  const events: MessagingStandInEvent[] = [];
  standIn.onEvent((event) => {
    events.push(event);
  });
  open.push({ standIn, ctx });
  return { standIn, ctx, events };
}

/** A client that does not retry, so one injected failure is what sendSms sees. */
function singleAttempt(ctx: AppContext, standIn: SmsStandIn): AppContext {
  const sms = new PinpointSMSVoiceV2Client({ region: 'us-east-1', endpoint: standIn.endpoint, maxAttempts: 1, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  open.push({ standIn: { ...standIn, stop: async () => undefined }, ctx: { ...ctx, sms } });
  return { ...ctx, sms };
}

const deliveries = (events: MessagingStandInEvent[]) => events.flatMap((e) => (e.kind === 'delivery' ? [e.event] : []));

describe('SMS stand-in through sendSms and the real SDK client', () => {
  test('accepts a text into the outbox and emits its delivery event as End User Messaging SMS publishes it to EventBridge', async () => {
    const { standIn, ctx, events } = await harness({ deliveryDelayMs: 300 });

    const { messageId } = await sendSms(ctx, { to: PATIENT, body: BODY, reference: REFERENCE });

    expect(messageId).toMatch(UUID);
    expect(standIn.outbox()).toEqual([
      expect.objectContaining({
        channel: 'sms',
        id: messageId,
        direction: 'outbound',
        to: PATIENT,
        from: '+18005550100',
        body: BODY,
        messageType: 'TRANSACTIONAL',
        configurationSet: 'sidecar-reminders',
        context: { reference: REFERENCE },
        reference: REFERENCE,
        status: 'sent',
      }),
    ]);
    await standIn.idle();

    expect(deliveries(events)).toHaveLength(1);
    const event = deliveries(events)[0]!;
    expect(event).toEqual({
      version: '0',
      id: expect.stringMatching(UUID),
      'detail-type': 'Text Message Delivery Status Updated',
      source: 'aws.sms-voice',
      account: '000000000000',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'us-east-1',
      resources: [],
      detail: {
        eventType: 'TEXT_DELIVERED',
        eventVersion: '1.0',
        eventTimestamp: expect.any(Number),
        isFinal: true,
        originationPhoneNumber: '+18005550100',
        destinationPhoneNumber: PATIENT,
        isInternationalSend: false,
        messageId,
        messageRequestTimestamp: expect.any(Number),
        messageEncoding: 'GSM',
        messageType: 'TRANSACTIONAL',
        messageStatus: 'DELIVERED',
        messageStatusDescription: expect.any(String),
        context: { reference: REFERENCE },
        totalMessageParts: 1,
        totalMessagePrice: 0,
        totalCarrierFee: 0,
      },
    });
    expect(standIn.outbox()[0]).toMatchObject({ status: 'delivered', statusAt: expect.any(String) });
  });

  test.each([
    ['+15555550001', 'TEXT_INVALID', 'INVALID', 'invalid'],
    ['+15555550002', 'TEXT_CARRIER_BLOCKED', 'CARRIER_BLOCKED', 'blocked'],
  ])('a text to the test number %s ends as %s', async (to, eventType, messageStatus, status) => {
    const { standIn, ctx, events } = await harness();
    const { messageId } = await sendSms(ctx, { to, body: 'Hi', reference: REFERENCE });
    await standIn.idle();
    expect(deliveries(events).map((e) => e.detail)).toEqual([expect.objectContaining({ messageId, eventType, messageStatus, isFinal: true, destinationPhoneNumber: to })]);
    expect(standIn.outbox()[0]!.status).toBe(status);
  });

  test('a text that names no configuration set gets no event (AWS publishes events through configuration sets only)', async () => {
    const { standIn, ctx, events } = await harness({}, {});
    await sendSms(ctx, { to: PATIENT, body: 'Hi', reference: REFERENCE });
    await standIn.idle();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(events).toEqual([]);
    expect(standIn.outbox()[0]).toMatchObject({ status: 'sent' });
    expect(standIn.outbox()[0]).not.toHaveProperty('configurationSet');
  });

  test('an origination identity that is a phone number is the sender; a non-GSM text is UCS2 and counted in 67-character parts', async () => {
    const { standIn, ctx, events } = await harness({}, { [ENV.smsConfigurationSet]: 'cs', [ENV.smsOriginationIdentity]: '+18005550199' });
    await sendSms(ctx, { to: PATIENT, body: `Hola Ana 🙂 ${'a'.repeat(70)}`, reference: REFERENCE });
    await standIn.idle();
    expect(standIn.outbox()[0]!.from).toBe('+18005550199');
    expect(deliveries(events)[0]!.detail).toMatchObject({ originationPhoneNumber: '+18005550199', messageEncoding: 'UCS2', totalMessageParts: 2 });
  });

  test.each<[string, SmsFailure, ChannelError['kind']]>([
    ['ThrottlingException', {}, 'retryable'],
    ['InternalServerException', {}, 'retryable'],
    ['ServiceQuotaExceededException', { reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT' }, 'retryable'],
    ['ConflictException', { reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT' }, 'opted-out'],
    ['ValidationException', { reason: 'INVALID_PARAMETER', fields: [{ Name: 'DestinationPhoneNumber', Message: 'invalid' }] }, 'bad-contact'],
    ['ConflictException', { reason: 'DESTINATION_PHONE_NUMBER_NOT_VERIFIED' }, 'permanent'],
    ['AccessDeniedException', { status: 403 }, 'permanent'],
  ])('an injected %s %o reaches sendSms as %s, and nothing enters the outbox', async (type, failure, kind) => {
    const { standIn, ctx, events } = await harness();
    standIn.failNext(type, failure);
    const error = await sendSms(singleAttempt(ctx, standIn), { to: PATIENT, body: BODY, reference: REFERENCE }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelError);
    expect(error).toMatchObject({ kind, code: type });
    await standIn.idle();
    expect(standIn.outbox()).toEqual([]);
    expect(events).toEqual([]);
  });

  test('the deployed client never retries a send (no idempotency token): a throttle is a retryable failure for the sweep, nothing sent', async () => {
    const { standIn, ctx } = await harness();
    standIn.failNext('ThrottlingException');
    await expect(sendSms(ctx, { to: PATIENT, body: BODY, reference: REFERENCE })).rejects.toMatchObject({ kind: 'retryable', code: 'ThrottlingException' });
    expect(standIn.outbox()).toEqual([]);
    const { messageId } = await sendSms(ctx, { to: PATIENT, body: BODY, reference: REFERENCE });
    expect(standIn.outbox().map((e) => e.id)).toEqual([messageId]);
  });

  test('refuses an invalid destination on the wire as ValidationException naming the field, and any other operation', async () => {
    const { standIn, ctx } = await harness();
    const raw = singleAttempt(ctx, standIn).sms;
    const invalid = await raw.send(new SendTextMessageCommand({ DestinationPhoneNumber: '+0123', MessageBody: 'x' })).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(ValidationException);
    expect(invalid).toMatchObject({ Reason: 'INVALID_PARAMETER', Fields: [{ Name: 'DestinationPhoneNumber' }], $metadata: { httpStatusCode: 400 } });
    expect((invalid as Error).message).not.toContain('+0123');

    const tooLong = await raw.send(new SendTextMessageCommand({ DestinationPhoneNumber: PATIENT, MessageBody: 'x'.repeat(1601) })).catch((e: unknown) => e);
    expect(tooLong).toMatchObject({ name: 'ValidationException', Reason: 'MAXIMUM_SIZE_EXCEEDED' });

    const other = await raw.send(new DescribeAccountAttributesCommand({})).catch((e: unknown) => e);
    expect(other).toMatchObject({ name: 'UnknownOperationException' });
    expect(standIn.outbox()).toEqual([]);
  });

  test('a patient reply arrives as the two-way SMS payload, answering the last text sent to them, and is kept as inbound', async () => {
    const { standIn, ctx, events } = await harness();
    const { messageId } = await sendSms(ctx, { to: PATIENT, body: BODY, reference: REFERENCE });
    await standIn.idle();

    const stop = standIn.replyFromPatient({ from: PATIENT, body: 'stop' });
    const plain = standIn.replyFromPatient({ from: PATIENT, body: 'please stop texting me' });
    const stranger = standIn.replyFromPatient({ from: '+15555550999', to: '+18005550111', body: 'HELP' });
    await standIn.idle();

    const inbound = events.flatMap((e) => (e.kind === 'inbound' ? [e.payload] : []));
    expect(inbound).toEqual([
      { originationNumber: PATIENT, destinationNumber: '+18005550100', messageKeyword: 'STOP', messageBody: 'stop', inboundMessageId: stop.id, previousPublishedMessageId: messageId },
      { originationNumber: PATIENT, destinationNumber: '+18005550100', messageBody: 'please stop texting me', inboundMessageId: plain.id, previousPublishedMessageId: messageId },
      { originationNumber: '+15555550999', destinationNumber: '+18005550111', messageKeyword: 'HELP', messageBody: 'HELP', inboundMessageId: stranger.id },
    ]);
    expect(standIn.outbox().filter((e) => e.direction === 'inbound')).toEqual([
      expect.objectContaining({ id: stop.id, from: PATIENT, to: '+18005550100', body: 'stop', status: 'received', inReplyTo: messageId }),
      expect.objectContaining({ id: plain.id, status: 'received' }),
      expect.objectContaining({ id: stranger.id, status: 'received' }),
    ]);
    expect(() => standIn.replyFromPatient({ from: '5555550123', body: 'STOP' })).toThrow(/E\.164/);
    expect(() => standIn.replyFromPatient({ from: PATIENT, body: '' })).toThrow();
  });

  test('a failing listener does not stop the others; an unsubscribed listener hears nothing more', async () => {
    const { standIn, ctx, events } = await harness();
    const heard: string[] = [];
    standIn.onEvent(() => {
      throw new Error('listener bug');
    });
    const unsubscribe = standIn.onEvent((e) => {
      heard.push(e.kind);
    });
    await sendSms(ctx, { to: PATIENT, body: 'Hi', reference: REFERENCE });
    await standIn.idle();
    unsubscribe();
    standIn.replyFromPatient({ from: PATIENT, body: 'ok' });
    await standIn.idle();
    expect(heard).toEqual(['delivery']);
    expect(events.map((e) => e.kind)).toEqual(['delivery', 'inbound']);
  });

  test('stop drops scheduled events', async () => {
    const { standIn, ctx, events } = await harness({ deliveryDelayMs: 50 });
    await sendSms(ctx, { to: PATIENT, body: 'Hi', reference: REFERENCE });
    await standIn.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events).toEqual([]);
  });

  describe('persistence', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'sidecar-sms-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    test('the outbox survives a restart (file mode 0600) and a text accepted before it still gets its event', async () => {
      const file = path.join(dir, 'sms-outbox.json');
      const first = await harness({ file, deliveryDelayMs: 10_000 });
      const { messageId } = await sendSms(first.ctx, { to: PATIENT, body: BODY, reference: REFERENCE });
      await first.standIn.stop();
      expect(statSync(file).mode & 0o777).toBe(0o600);

      const second = await harness({ file });
      expect(second.standIn.outbox()).toEqual([expect.objectContaining({ id: messageId, status: 'sent', body: BODY })]);
      await second.standIn.idle();
      expect(deliveries(second.events).map((e) => e.detail.messageId)).toEqual([messageId]);
      expect(second.standIn.outbox()[0]!.status).toBe('delivered');
    });

    test('a corrupt outbox file is an error, not a silent reset', async () => {
      const file = path.join(dir, 'sms-outbox.json');
      writeFileSync(file, '{"messages": [{"id": 1}]}');
      await expect(startSmsStandIn({ file })).rejects.toThrow(/not valid/);
      writeFileSync(file, 'not json');
      await expect(startSmsStandIn({ file })).rejects.toThrow(/not valid/);
    });

    test('keeps at most maxEntries, dropping the oldest', async () => {
      const { standIn, ctx } = await harness({ maxEntries: 2 });
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await sendSms(ctx, { to: PATIENT, body: `Hi ${i}`, reference: REFERENCE })).messageId);
      expect(standIn.outbox().map((e) => e.id)).toEqual(ids.slice(1));
    });
  });
});
