/**
 * The local SES stand-in driven by the real @aws-sdk/client-sesv2 (through sendEmail and
 * directly): what it accepts, the outbox, the events it emits in SES's EventBridge shape for the
 * mailbox simulator's outcomes, failure injection as sendEmail classifies it, and persistence.
 * (No DynamoDB needed.)
 */
import { BadRequestException, SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EventBridgeEvent } from '../../../infra/local/eventbridge-standin';
import type { MessagingStandInEvent } from '../../../infra/local/messaging-outbox';
import { SES_SIMULATOR, type SesStandIn, type SesStandInOptions, startSesStandIn } from '../../../infra/local/ses-standin';
import { loadConfig } from '../../../shared/config/config';
import { ENV } from '../../../shared/config/env-names';
import { type AppContext, createContext } from '../../../shared/context';
import { sendEmail } from '../../../shared/messaging/email';
import { ChannelError } from '../../../shared/messaging/errors';

jest.setTimeout(20_000);

const REFERENCE = '01JDREMINDER0000000000000D';
const FROM = 'Riverside Clinic <reminders@riverside.example>';
const MESSAGE = {
  to: 'ana.lopez@example.org',
  subject: 'Your appointment with Riverside Clinic',
  text: 'Hi Ana, your visit is on Tue Nov 24 at 9:30 AM.',
  html: '<p>Hi Ana, your visit is on Tue Nov 24 at 9:30 AM.</p>',
  reference: REFERENCE,
};
const SES_ID = /^0100[0-9a-f]{12}-[0-9a-f-]{36}-000000$/;

const open: { standIn: SesStandIn; clients: SESv2Client[] }[] = [];
afterEach(async () => {
  for (const { standIn, clients } of open.splice(0)) {
    clients.forEach((c) => c.destroy());
    await standIn.stop();
  }
});

/** A stand-in, a context whose SES client (maxAttempts 3, as deployed) talks to it, and the events it emitted. */
async function harness(options: SesStandInOptions = {}, messaging: Record<string, string> = { [ENV.emailFrom]: FROM, [ENV.sesConfigurationSet]: 'sidecar-reminders' }) {
  const standIn = await startSesStandIn({ deliveryDelayMs: 5, ...options });
  const config = loadConfig({ NODE_ENV: 'test', [ENV.recordsTable]: 'r', [ENV.inboxTable]: 'i', [ENV.auditTable]: 'a', [ENV.eventBusName]: 'b', [ENV.sesEndpoint]: standIn.endpoint, ...messaging });
  const ctx = createContext({ config });
  const single = new SESv2Client({ region: 'us-east-1', endpoint: standIn.endpoint, maxAttempts: 1, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const events: MessagingStandInEvent[] = [];
  standIn.onEvent((event) => {
    events.push(event);
  });
  open.push({ standIn, clients: [ctx.email, single] });
  /** The same context with a client that does not retry, so one injected failure is what sendEmail sees. */
  const singleAttempt: AppContext = { ...ctx, email: single };
  return { standIn, ctx, singleAttempt, single, events };
}

const deliveries = (events: MessagingStandInEvent[]): EventBridgeEvent[] => events.flatMap((e) => (e.kind === 'delivery' ? [e.event] : []));

describe('SES stand-in through sendEmail and the real SDK client', () => {
  test('accepts an email into the outbox and emits Email Delivered as SES publishes it to EventBridge', async () => {
    const { standIn, ctx, events } = await harness({ deliveryDelayMs: 300 });

    const { messageId } = await sendEmail(ctx, MESSAGE);

    expect(messageId).toMatch(SES_ID);
    expect(standIn.outbox()).toEqual([
      {
        channel: 'email',
        id: messageId,
        direction: 'outbound',
        to: MESSAGE.to,
        from: FROM,
        subject: MESSAGE.subject,
        text: MESSAGE.text,
        html: MESSAGE.html,
        configurationSet: 'sidecar-reminders',
        tags: { reminder: REFERENCE },
        reference: REFERENCE,
        sentAt: expect.any(String),
        status: 'sent',
      },
    ]);
    await standIn.idle();

    const [event, ...more] = deliveries(events);
    expect(more).toEqual([]);
    expect(event).toEqual({
      version: '0',
      id: expect.any(String),
      'detail-type': 'Email Delivered',
      source: 'aws.ses',
      account: '000000000000',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'us-east-1',
      resources: [],
      detail: {
        eventType: 'Delivery',
        mail: expect.objectContaining({
          messageId,
          source: FROM,
          sourceArn: 'arn:aws:ses:us-east-1:000000000000:identity/riverside.example',
          sendingAccountId: '000000000000',
          destination: [MESSAGE.to],
          commonHeaders: { from: [FROM], to: [MESSAGE.to], messageId, subject: MESSAGE.subject },
          tags: expect.objectContaining({ 'ses:configuration-set': ['sidecar-reminders'], 'ses:from-domain': ['riverside.example'], reminder: [REFERENCE] }),
        }),
        delivery: expect.objectContaining({ recipients: [MESSAGE.to], smtpResponse: expect.stringMatching(/^250 /), processingTimeMillis: expect.any(Number) }),
      },
    });
    expect(standIn.outbox()[0]).toMatchObject({ status: 'delivered', statusAt: expect.any(String) });
  });

  test('the simulator bounce address hard-bounces: Email Bounced, Permanent/General, no delivery', async () => {
    const { standIn, ctx, events } = await harness();
    const { messageId } = await sendEmail(ctx, { ...MESSAGE, to: SES_SIMULATOR.bounce });
    await standIn.idle();
    expect(deliveries(events).map((e) => [e['detail-type'], e.detail.eventType])).toEqual([['Email Bounced', 'Bounce']]);
    const detail = deliveries(events)[0]!.detail as { mail: { messageId: string }; bounce: Record<string, unknown> };
    expect(detail.mail.messageId).toBe(messageId);
    expect(detail.bounce).toMatchObject({
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: [expect.objectContaining({ emailAddress: SES_SIMULATOR.bounce, action: 'failed', status: '5.1.1' })],
    });
    expect(standIn.outbox()[0]!.status).toBe('bounced');
  });

  test('the simulator complaint address is delivered, then complained about', async () => {
    const { standIn, ctx, events } = await harness();
    const { messageId } = await sendEmail(ctx, { ...MESSAGE, to: SES_SIMULATOR.complaint });
    await standIn.idle();
    expect(deliveries(events).map((e) => e['detail-type'])).toEqual(['Email Delivered', 'Email Complaint Received']);
    const complaint = deliveries(events)[1]!.detail as { eventType: string; mail: { messageId: string }; complaint: Record<string, unknown> };
    expect(complaint).toMatchObject({ eventType: 'Complaint', mail: { messageId } });
    expect(complaint.complaint).toMatchObject({ complainedRecipients: [{ emailAddress: SES_SIMULATOR.complaint }], complaintFeedbackType: 'abuse' });
    expect(standIn.outbox()[0]!.status).toBe('complained');
  });

  test('the simulator suppression-list address bounces as suppressed (SES accepts the send, reports it as an event)', async () => {
    const { standIn, ctx, events } = await harness();
    await sendEmail(ctx, { ...MESSAGE, to: SES_SIMULATOR.suppressionList });
    await standIn.idle();
    expect(deliveries(events)[0]!.detail).toMatchObject({ eventType: 'Bounce', bounce: { bounceType: 'Permanent', bounceSubType: 'OnAccountSuppressionList' } });
  });

  test('a +label on a simulator address keeps its behaviour; success@ is delivered', async () => {
    const { standIn, ctx, events } = await harness();
    await sendEmail(ctx, { ...MESSAGE, to: 'bounce+reminder-7@simulator.amazonses.com' });
    await sendEmail(ctx, { ...MESSAGE, to: SES_SIMULATOR.success });
    await standIn.idle();
    expect(deliveries(events).map((e) => e['detail-type']).sort()).toEqual(['Email Bounced', 'Email Delivered']);
  });

  test('an email that names no configuration set gets no event (AWS publishes events through configuration sets only)', async () => {
    const { standIn, ctx, events } = await harness({}, { [ENV.emailFrom]: FROM });
    await sendEmail(ctx, { ...MESSAGE, to: SES_SIMULATOR.bounce });
    await standIn.idle();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(events).toEqual([]);
    expect(standIn.outbox()[0]!.status).toBe('sent');
  });

  test.each([
    ['TooManyRequestsException', 'retryable'],
    ['LimitExceededException', 'retryable'],
    ['InternalServiceErrorException', 'retryable'],
    ['MessageRejected', 'permanent'],
    ['NotFoundException', 'permanent'],
    ['SendingPausedException', 'permanent'],
  ] as const)('an injected %s reaches sendEmail as %s, and nothing enters the outbox', async (type, kind) => {
    const { standIn, singleAttempt, events } = await harness();
    standIn.failNext(type);
    const error = await sendEmail(singleAttempt, MESSAGE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelError);
    expect(error).toMatchObject({ channel: 'email', kind, code: type });
    await standIn.idle();
    expect(standIn.outbox()).toEqual([]);
    expect(events).toEqual([]);
  });

  test('the deployed client never retries a send (no idempotency token): TooManyRequests is a retryable failure for the sweep, nothing sent', async () => {
    const { standIn, ctx } = await harness();
    standIn.failNext('TooManyRequestsException');
    await expect(sendEmail(ctx, MESSAGE)).rejects.toMatchObject({ kind: 'retryable', code: 'TooManyRequestsException' });
    expect(standIn.outbox()).toEqual([]);
    const { messageId } = await sendEmail(ctx, MESSAGE);
    expect(standIn.outbox().map((e) => e.id)).toEqual([messageId]);
  });

  test('refuses on the wire what it does not implement: a second recipient, CC, raw content, a bad address or tag', async () => {
    const { standIn, single } = await harness();
    const simple = { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } };
    const requests = [
      { FromEmailAddress: FROM, Destination: { ToAddresses: ['a@example.org', 'b@example.org'] }, Content: simple },
      { FromEmailAddress: FROM, Destination: { ToAddresses: ['a@example.org'], CcAddresses: ['b@example.org'] }, Content: simple },
      { FromEmailAddress: FROM, Destination: { ToAddresses: ['a@example.org'] }, Content: { Raw: { Data: new Uint8Array([1]) } } },
      { FromEmailAddress: FROM, Destination: { ToAddresses: ['not-an-address'] }, Content: simple },
      { FromEmailAddress: FROM, Destination: { ToAddresses: ['a@example.org'] }, Content: simple, EmailTags: [{ Name: 'reminder', Value: 'has space' }] },
    ];
    for (const input of requests) {
      const error = await single.send(new SendEmailCommand(input)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BadRequestException);
      expect((error as BadRequestException).$metadata.httpStatusCode).toBe(400);
      expect((error as Error).message).not.toContain('a@example.org');
    }
    expect(standIn.outbox()).toEqual([]);
  });

  test('the outbox survives a restart (file mode 0600) and an email accepted before it still gets its event', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sidecar-ses-'));
    try {
      const file = path.join(dir, 'ses-outbox.json');
      const first = await harness({ file, deliveryDelayMs: 10_000 });
      const { messageId } = await sendEmail(first.ctx, MESSAGE);
      await first.standIn.stop();
      expect(statSync(file).mode & 0o777).toBe(0o600);

      const second = await harness({ file });
      expect(second.standIn.outbox()).toEqual([expect.objectContaining({ id: messageId, status: 'sent', subject: MESSAGE.subject })]);
      await second.standIn.idle();
      expect(deliveries(second.events).map((e) => (e.detail.mail as { messageId: string }).messageId)).toEqual([messageId]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
