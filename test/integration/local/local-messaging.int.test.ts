/**
 * The local runtime's messaging wiring (infra/local/messaging.ts) on DynamoDB Local: reminders go
 * out through the real SMS and SES stand-ins, their delivery events come back through the
 * EventBridge stand-in playing the default bus (by the CDK rules' patterns) into
 * applyDeliveryEvent, and a patient's text goes to handleInboundSms, as on AWS.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { type LocalMessaging, LOCAL_MESSAGING, startLocalMessaging } from '../../../infra/local/messaging';
import { loadConfig } from '../../../shared/config/config';
import { ENV } from '../../../shared/config/env-names';
import { getConsent } from '../../../shared/consent/get-consent';
import { recordConsentChange } from '../../../shared/consent/record-consent-change';
import { type AppContext, createContext } from '../../../shared/context';
import { newId } from '../../../shared/ids';
import { insertPatient } from '../../../shared/patients/repository';
import { createReminder } from '../../../shared/reminders/create-reminder';
import { getReminderRecord } from '../../../shared/reminders/repository';
import { sendDueReminders } from '../../../shared/reminders/send-due-reminders';
import { useFreshTables } from '../support/tables';

const tables = useFreshTables();
const CASEY = { id: 'u-casey', name: 'Casey Coordinator', role: 'coordinator' as const };
/** 10:00 in New York (the default calendar's zone): inside quiet hours. */
let nowMs = Date.parse('2026-11-02T15:00:00.000Z');
let dataDir: string;
let messaging: LocalMessaging;
let ctx: AppContext;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'sidecar-local-messaging-'));
  messaging = await startLocalMessaging({ dataDir, region: 'us-east-1' });
  const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
  // The configuration `npm start` hands the shared code, read through the real config schema.
  const config = loadConfig({
    NODE_ENV: 'test',
    [ENV.recordsTable]: tables.names.records,
    [ENV.inboxTable]: tables.names.inbox,
    [ENV.auditTable]: tables.names.audit,
    [ENV.eventBusName]: 'sidecar-local',
    ...messaging.env,
  });
  ctx = createContext({
    config,
    db: tables.db,
    sms: new PinpointSMSVoiceV2Client({ region: 'us-east-1', endpoint: messaging.sms.endpoint, credentials, maxAttempts: 1 }),
    email: new SESv2Client({ region: 'us-east-1', endpoint: messaging.ses.endpoint, credentials, maxAttempts: 1 }),
    clock: { now: () => new Date(nowMs) },
  });
  messaging.connect(ctx);
});

afterAll(async () => {
  await messaging?.stop();
  ctx?.sms.destroy();
  ctx?.email.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Everything in flight settled: the stand-ins' delivery events, then the default bus's deliveries. */
async function settle(): Promise<void> {
  await messaging.sms.idle();
  await messaging.ses.idle();
  await messaging.defaultBus.idle();
}

async function patientWith(phone: string, email: string): Promise<string> {
  const id = newId();
  const at = new Date(nowMs).toISOString();
  await insertPatient(ctx, { id, name: { given: ['Ana'], family: 'Prueba', text: 'Ana Prueba' }, phones: [{ value: phone, use: 'mobile' }], emails: [{ value: email, use: 'home' }], pending: false, version: 1, createdAt: at, updatedAt: at });
  return id;
}

async function dueReminder(patientId: string, channel: 'sms' | 'email'): Promise<string> {
  const { reminder } = await createReminder(ctx, { actor: CASEY, input: { patientId, channel, templateId: 'follow-up-reminder', dueAt: new Date(nowMs + 60_000).toISOString() } });
  return reminder.id;
}

test('the configuration npm start sets is valid and names the local stand-ins, configuration sets and sender', () => {
  expect(ctx.config.endpoints).toMatchObject({ sms: messaging.sms.endpoint, ses: messaging.ses.endpoint });
  expect(ctx.config.messaging).toEqual({
    smsConfigurationSet: LOCAL_MESSAGING.smsConfigurationSet,
    smsOriginationIdentity: LOCAL_MESSAGING.originationNumber,
    sesConfigurationSet: LOCAL_MESSAGING.sesConfigurationSet,
    emailFrom: LOCAL_MESSAGING.emailFrom,
    organizationName: LOCAL_MESSAGING.organizationName,
  });
});

test('a sent text and email come back delivered through the default bus; a patient’s STOP opts them out and is answered once', async () => {
  const patientId = await patientWith('+15550107777', 'ana.prueba@example.org');
  for (const channel of ['sms', 'email'] as const) await recordConsentChange(ctx, { patientId, channel, change: 'opt-in', source: 'console', actor: CASEY });
  const sms = await dueReminder(patientId, 'sms');
  const email = await dueReminder(patientId, 'email');
  nowMs += 2 * 60_000;

  expect(await sendDueReminders(ctx)).toMatchObject({ sent: 2 });
  await settle();
  expect((await getReminderRecord(ctx, sms))?.status).toBe('delivered');
  expect((await getReminderRecord(ctx, email))?.status).toBe('delivered');
  expect(messaging.sms.outbox()).toEqual([expect.objectContaining({ to: '+15550107777', from: LOCAL_MESSAGING.originationNumber, configurationSet: LOCAL_MESSAGING.smsConfigurationSet, reference: sms })]);
  expect(messaging.ses.outbox()).toEqual([expect.objectContaining({ to: 'ana.prueba@example.org', from: LOCAL_MESSAGING.emailFrom, reference: email })]);

  messaging.sms.replyFromPatient({ from: '+15550107777', body: 'STOP' });
  await settle();
  expect((await getConsent(ctx, patientId)).sms.status).toBe('opted-out');
  const confirmations = messaging.sms.outbox().filter((m) => m.direction === 'outbound' && m.reference !== sms);
  expect(confirmations).toHaveLength(1);
  expect(messaging.defaultBus.deadLetters()).toEqual([]);
});

test('an undeliverable number comes back as a failed reminder (the stand-in’s TEXT_INVALID through the default bus)', async () => {
  const patientId = await patientWith('+15550100001', 'other@example.org');
  await recordConsentChange(ctx, { patientId, channel: 'sms', change: 'opt-in', source: 'console', actor: CASEY });
  const sms = await dueReminder(patientId, 'sms');
  nowMs += 24 * 3_600_000; // the next day: the frequency cap of the first patient's day does not matter here

  await sendDueReminders(ctx);
  await settle();
  expect(await getReminderRecord(ctx, sms)).toMatchObject({ status: 'failed', statusReason: 'invalid-number' });
});

test('the outboxes are kept in the data folder', () => {
  expect(messaging.sms.outbox().length).toBeGreaterThan(0);
  // Written on every change (mode 0600: numbers and texts are patient data).
  expect(statSync(path.join(dataDir, 'sms-outbox.json')).mode & 0o777).toBe(0o600);
  expect(existsSync(path.join(dataDir, 'ses-outbox.json'))).toBe(true);
});
