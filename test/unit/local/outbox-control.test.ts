import { request as httpRequest } from 'node:http';
import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { MessagingStandInEvent } from '../../../infra/local/messaging-outbox';
import { OUTBOX_CONTROL_PATHS } from '../../../infra/local/outbox-control';
import { type SesStandIn, startSesStandIn } from '../../../infra/local/ses-standin';
import { type SmsStandIn, startSmsStandIn } from '../../../infra/local/sms-standin';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const PATIENT = '+15550104242';

/** A raw HTTP call, so the Host header can be set as a browser on another name would set it. */
function call(endpoint: string, path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; json: any }> {
  const url = new URL(path, endpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers ?? {} }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('the messaging stand-ins’ control API (/_local/*)', () => {
  let sms: SmsStandIn;
  let ses: SesStandIn;
  const events: MessagingStandInEvent[] = [];

  beforeAll(async () => {
    sms = await startSmsStandIn({ deliveryDelayMs: 5 });
    ses = await startSesStandIn({ deliveryDelayMs: 5 });
    sms.onEvent((e) => {
      events.push(e);
    });
    const smsClient = new PinpointSMSVoiceV2Client({ region: 'us-east-1', endpoint: sms.endpoint, credentials, maxAttempts: 1 });
    await smsClient.send(new SendTextMessageCommand({ DestinationPhoneNumber: PATIENT, MessageBody: 'Hi. Reply STOP to opt out', ConfigurationSetName: 'cs', Context: { reference: 'rem-1' } }));
    smsClient.destroy();
    const sesClient = new SESv2Client({ region: 'us-east-1', endpoint: ses.endpoint, credentials, maxAttempts: 1 });
    await sesClient.send(
      new SendEmailCommand({
        FromEmailAddress: 'reminders@example.org',
        Destination: { ToAddresses: ['ana@example.org'] },
        Content: { Simple: { Subject: { Data: 'Your visit' }, Body: { Text: { Data: 'Hi' } } } },
      }),
    );
    sesClient.destroy();
    await sms.idle();
  });
  afterAll(async () => {
    await sms?.stop();
    await ses?.stop();
  });

  test('GET /_local/outbox lists what each stand-in accepted', async () => {
    const texts = await call(sms.endpoint, OUTBOX_CONTROL_PATHS.outbox);
    expect(texts.status).toBe(200);
    expect(texts.json.messages).toEqual([expect.objectContaining({ channel: 'sms', direction: 'outbound', to: PATIENT, reference: 'rem-1', status: 'delivered' })]);
    const emails = await call(ses.endpoint, OUTBOX_CONTROL_PATHS.outbox);
    expect(emails.json.messages).toEqual([expect.objectContaining({ channel: 'email', to: 'ana@example.org', subject: 'Your visit' })]);
  });

  test('POST /_local/reply plays the patient texting back: recorded as inbound and handed to listeners as the two-way SMS payload', async () => {
    events.length = 0;
    const res = await call(sms.endpoint, OUTBOX_CONTROL_PATHS.reply, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: PATIENT, body: 'STOP' }),
    });
    expect(res.status).toBe(201);
    expect(res.json.message).toMatchObject({ direction: 'inbound', from: PATIENT, to: '+18005550100', body: 'STOP', status: 'received' });
    await sms.idle();
    expect(events).toEqual([{ kind: 'inbound', payload: expect.objectContaining({ originationNumber: PATIENT, messageKeyword: 'STOP', messageBody: 'STOP' }) }]);
  });

  test('a reply must be JSON with an E.164 number, and the error never echoes it', async () => {
    events.length = 0;
    const form = await call(sms.endpoint, OUTBOX_CONTROL_PATHS.reply, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ from: PATIENT, body: 'STOP' }) });
    expect(form.status).toBe(415);
    const bad = await call(sms.endpoint, OUTBOX_CONTROL_PATHS.reply, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: '5550104242', body: 'STOP' }) });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).not.toContain('5550104242');
    await sms.idle();
    expect(events).toEqual([]);
  });

  test('answers only requests addressed to its own loopback host and port', async () => {
    const other = await call(sms.endpoint, OUTBOX_CONTROL_PATHS.outbox, { headers: { host: 'attacker.example' } });
    expect(other.status).toBe(403);
    expect(JSON.stringify(other.json)).not.toContain(PATIENT);
  });

  test('the SES stand-in takes no replies; unknown control paths are 404; AWS operations still answer as before', async () => {
    expect((await call(ses.endpoint, OUTBOX_CONTROL_PATHS.reply, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(404);
    expect((await call(sms.endpoint, '/_local/nothing')).status).toBe(404);
    expect((await call(sms.endpoint, OUTBOX_CONTROL_PATHS.outbox, { method: 'DELETE' })).status).toBe(405);
    const unknownOperation = await call(sms.endpoint, '/', { method: 'POST', headers: { 'x-amz-target': 'PinpointSMSVoiceV2.DeleteEverything' }, body: '{}' });
    expect(unknownOperation.json.__type).toBe('UnknownOperationException');
  });
});
