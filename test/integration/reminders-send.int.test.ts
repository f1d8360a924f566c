/**
 * The reminder send path end to end through the local stand-ins and the real AWS SDK clients:
 * the sweep (due, quiet hours, frequency cap, consent, claims, retries, crash leases), delivery
 * events (delivered, invalid numbers, bounces, complaints) and patients' replies (STOP, HELP,
 * plain-language opt-outs). The clock is injected; the stand-ins' events are applied as the local
 * runtime applies them (listener → applyDeliveryEvent / handleInboundSms).
 */
import fc from 'fast-check';
import type { EmailOutboxEntry, MessagingStandInEvent, SmsOutboxEntry } from '../../infra/local/messaging-outbox';
import { getConsent } from '../../shared/consent/get-consent';
import { listConsentHistory } from '../../shared/consent/list-consent-history';
import { recordConsentChange } from '../../shared/consent/record-consent-change';
import type { ConsentChannel } from '../../shared/consent/schema';
import type { EventBridgeEvent, SNSEvent } from 'aws-lambda';
import { handler as deliveryEventsHandler } from '../../functions/messaging/delivery-events';
import { handler as inboundSmsHandler } from '../../functions/messaging/inbound-sms';
import { handler as reminderSweepHandler } from '../../functions/sweeps/reminders';
import { type AppContext, setContextForTests } from '../../shared/context';
import { newId } from '../../shared/ids';
import { logger } from '../../shared/logger';
import { insertPatient, queryPatientRecords } from '../../shared/patients/repository';
import { type AppliedDeliveryEvent, applyDeliveryEvent } from '../../shared/reminders/apply-delivery-event';
import { isBadContactPoint } from '../../shared/reminders/bad-contact';
import { createReminder, type CreateReminderInput } from '../../shared/reminders/create-reminder';
import { localDay } from '../../shared/reminders/frequency-cap';
import { type HandledInboundSms, handleInboundSms } from '../../shared/reminders/handle-inbound-sms';
import { HELP_REPLY, OPT_OUT_CONFIRMATION } from '../../shared/reminders/replies';
import { reminderTaskSource } from '../../shared/reminders/report-bad-contact';
import { getReminderRecord, getReminderWithTimeline, linkProviderMessage, saveReminder } from '../../shared/reminders/repository';
import type { Reminder, ReminderChannel } from '../../shared/reminders/schema';
import { sendDueReminders } from '../../shared/reminders/send-due-reminders';
import { REMINDER_CLAIM_LEASE_MS } from '../../shared/reminders/send-policy';
import { TASK_PATIENT_SK_PREFIX } from '../../shared/tasks/repository';
import { findTaskIdsBySource } from '../../shared/tasks/repository';
import { TEST_MESSAGING, useStack } from './support/stack';

jest.setTimeout(60_000);

const stack = useStack();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** 10:00 in New York (EST): each test starts on a day of its own after it. */
const T0 = Date.parse('2027-02-10T15:00:00.000Z');
const CASEY = { id: 'u-casey', name: 'Casey Coordinator', role: 'coordinator' as const };
const SIMULATOR = { success: 'success@simulator.amazonses.com', bounce: 'bounce@simulator.amazonses.com', complaint: 'complaint@simulator.amazonses.com', suppressed: 'suppressionlist@simulator.amazonses.com' };

let nowMs = T0;
let day = 0;
let ctx: AppContext;
/** Events the stand-ins emitted, applied in order by settle() (so a test decides when they land). */
const queued: MessagingStandInEvent[] = [];
const inbound: HandledInboundSms[] = [];
const listenerErrors: unknown[] = [];

beforeAll(() => {
  ctx = { ...stack.ctx, clock: { now: () => new Date(nowMs) } };
  const listen = (event: MessagingStandInEvent) => {
    queued.push(event);
  };
  stack.sms.onEvent(listen);
  stack.ses.onEvent(listen);
});
afterEach(() => {
  expect(listenerErrors).toEqual([]);
});

/** Waits for the stand-ins' pending events and applies them as the local runtime does (delivery → applyDeliveryEvent, reply → handleInboundSms). */
async function settle(): Promise<AppliedDeliveryEvent[]> {
  const applied: AppliedDeliveryEvent[] = [];
  for (let round = 0; round < 3; round++) {
    await stack.sms.idle();
    await stack.ses.idle();
    for (let event = queued.shift(); event; event = queued.shift()) {
      try {
        if (event.kind === 'delivery') applied.push(await applyDeliveryEvent(ctx, event.event));
        else inbound.push(await handleInboundSms(ctx, event.payload));
      } catch (error) {
        listenerErrors.push(error);
      }
    }
  }
  return applied;
}

/** Starts a new day for the test (10:00 New York time) and returns its start. */
function newDay(): number {
  day += 7;
  nowMs = T0 + day * DAY;
  return nowMs;
}
const at = (ms: number) => {
  nowMs = ms;
};

let phones = 0;
/** A fresh North American number; never ends in the stand-in's failure suffixes (0001, 0002). */
const newPhone = () => `+1617555${String(1000 + phones++).padStart(4, '0')}`;

async function newPatient(options: { phone?: string; email?: string; timeZone?: string; language?: string; consent?: ConsentChannel[] } = {}): Promise<string> {
  const id = newId();
  const created = new Date(nowMs).toISOString();
  await insertPatient(ctx, {
    id,
    name: { text: 'Ana Lopez', given: ['Ana'], family: 'Lopez' },
    phones: options.phone ? [{ value: options.phone, use: 'mobile' }] : [],
    emails: options.email ? [{ value: options.email, use: 'home' }] : [],
    timeZone: options.timeZone ?? 'America/New_York',
    ...(options.language ? { language: options.language } : {}),
    pending: false,
    version: 1,
    createdAt: created,
    updatedAt: created,
  });
  // Agreed a day before the real time: the stand-ins stamp complaints with the real clock, and a
  // complaint older than the consent it would change is only history (the ledger's rule).
  const agreedAt = new Date(Date.now() - DAY).toISOString();
  for (const channel of options.consent ?? ['sms', 'email']) {
    await recordConsentChange(ctx, { patientId: id, channel, change: 'opt-in', source: 'console', actor: { id: CASEY.id, name: CASEY.name }, at: agreedAt });
  }
  return id;
}

/** A reminder due at `dueAt`, made by Casey (the clock is moved back to make it, then restored). */
async function schedule(patientId: string, channel: ReminderChannel, dueAt: number, input: Partial<CreateReminderInput> = {}): Promise<Reminder> {
  const saved = nowMs;
  nowMs = Math.min(nowMs, dueAt);
  try {
    return (await createReminder(ctx, { actor: CASEY, input: { patientId, channel, templateId: 'follow-up-reminder', dueAt: new Date(dueAt).toISOString(), ...input } })).reminder;
  } finally {
    nowMs = saved;
  }
}

const sweep = () => sendDueReminders(ctx);
const reminder = async (id: string) => (await getReminderRecord(ctx, id))!;
const smsFor = (reminderId: string) => stack.sms.outbox().filter((e) => e.direction === 'outbound' && e.reference === reminderId);
const emailFor = (reminderId: string) => stack.ses.outbox().filter((e) => e.reference === reminderId);
const textsTo = (phone: string) => stack.sms.outbox().filter((e) => e.direction === 'outbound' && e.to === phone);
/** The wall-clock time in New York at `ms`, `YYYY-MM-DD HH:MM`. */
const newYorkTime = (ms: number) => new Date(ms).toLocaleString('sv-SE', { timeZone: 'America/New_York' }).slice(0, 16);
async function tasksOf(patientId: string): Promise<string[]> {
  const { items } = await queryPatientRecords(ctx, { patientId, prefix: TASK_PATIENT_SK_PREFIX, max: 50 });
  return items.map((item) => String(item.id));
}
/** An SMS delivery event as End User Messaging SMS publishes it. */
const smsEvent = (messageId: string, eventType: string, destination = '+16175559999') => ({
  source: 'aws.sms-voice',
  'detail-type': 'Text Message Delivery Status Updated',
  detail: { eventType, eventVersion: '1.0', isFinal: true, messageId, destinationPhoneNumber: destination, messageStatus: eventType.replace('TEXT_', '') },
});

describe('sendDueReminders', () => {
  it('sends an SMS when it comes due and not before, with Queries only, and records its delivery', async () => {
    const start = newDay();
    const phone = newPhone();
    const patientId = await newPatient({ phone });
    const r = await schedule(patientId, 'sms', start + 30 * MINUTE);

    at(start + 29 * MINUTE);
    await sweep();
    expect((await reminder(r.id)).status).toBe('scheduled');
    expect(smsFor(r.id)).toEqual([]);

    at(start + 30 * MINUTE);
    const commands: string[] = [];
    const original = ctx.db.send.bind(ctx.db);
    const spy = jest.spyOn(ctx.db, 'send').mockImplementation(((command: { constructor: { name: string } }) => {
      commands.push(command.constructor.name);
      return original(command as never);
    }) as never);
    try {
      expect(await sweep()).toMatchObject({ sent: 1 });
    } finally {
      spy.mockRestore();
    }
    expect(commands).toContain('QueryCommand');
    expect(commands).not.toContain('ScanCommand');

    const [text] = smsFor(r.id) as [SmsOutboxEntry];
    expect(smsFor(r.id)).toHaveLength(1);
    expect(text).toMatchObject({ to: phone, configurationSet: TEST_MESSAGING.smsConfigurationSet, messageType: 'TRANSACTIONAL' });
    expect(text.body).toContain('Ana');
    expect(text.body).toContain(TEST_MESSAGING.organizationName);
    expect(text.body).toContain(`http://localhost:3000/r/${r.id}`);
    expect(text.body.endsWith('Reply STOP to opt out')).toBe(true);
    expect(text.body.length).toBeLessThanOrEqual(160);
    const sent = await reminder(r.id);
    expect(sent).toMatchObject({ status: 'sent', providerMessageId: text.id, attempts: [{ outcome: 'sent', at: new Date(start + 30 * MINUTE).toISOString() }] });
    expect(sent.sendingAt).toBeUndefined();

    await settle();
    expect(await reminder(r.id)).toMatchObject({ status: 'delivered', providerMessageId: text.id });
    const timeline = (await getReminderWithTimeline(ctx, r.id))!.timeline.map((e) => `${e.from ?? ''}>${e.to ?? ''}`);
    expect(timeline).toEqual(['>scheduled', 'scheduled>sending', 'sending>sent', 'sent>delivered']);
  });

  it('sends an email through SES with the reminder as its tag, and records its delivery', async () => {
    const start = newDay();
    const patientId = await newPatient({ email: SIMULATOR.success });
    const r = await schedule(patientId, 'email', start + HOUR);
    at(start + HOUR);
    await sweep();
    const [mail] = emailFor(r.id) as [EmailOutboxEntry];
    expect(emailFor(r.id)).toHaveLength(1);
    expect(mail).toMatchObject({ to: SIMULATOR.success, from: TEST_MESSAGING.emailFrom, configurationSet: TEST_MESSAGING.sesConfigurationSet, subject: `Reminder to contact ${TEST_MESSAGING.organizationName}` });
    expect(mail.tags).toEqual({ reminder: r.id });
    expect(mail.text).toContain('Hi Ana,');
    expect(await reminder(r.id)).toMatchObject({ status: 'sent', providerMessageId: mail.id });
    await settle();
    expect((await reminder(r.id)).status).toBe('delivered');
  });

  it('defers a reminder due in quiet hours to 08:00 in the patient’s own zone', async () => {
    const start = newDay(); // 10:00 (or 11:00 in summer time) New York
    const newYork = await newPatient({ phone: newPhone() });
    const losAngeles = await newPatient({ phone: newPhone(), timeZone: 'America/Los_Angeles' });
    const due = start + 12.5 * HOUR; // 22:30 (23:30) New York, 19:30 (20:30) Los Angeles
    const late = await schedule(newYork, 'sms', due);
    const evening = await schedule(losAngeles, 'sms', due);

    at(due);
    await sweep();
    const deferred = await reminder(late.id);
    const nextMorning = Date.parse(deferred.sendAt);
    expect(newYorkTime(nextMorning)).toBe(`${newYorkTime(start + DAY).slice(0, 10)} 08:00`);
    expect(deferred).toMatchObject({ status: 'scheduled', dueAt: new Date(due).toISOString(), attempts: [{ outcome: 'deferred', code: 'quiet-hours' }] });
    expect(smsFor(late.id)).toEqual([]);
    expect((await reminder(evening.id)).status).toBe('sent');

    at(nextMorning - MINUTE);
    await sweep();
    expect(smsFor(late.id)).toEqual([]);
    at(nextMorning);
    await sweep();
    expect(smsFor(late.id)).toHaveLength(1);
    expect(await reminder(late.id)).toMatchObject({ status: 'sent', attempts: [{ outcome: 'deferred' }, { outcome: 'sent', at: new Date(nextMorning).toISOString() }] });
  });

  it('keeps to a stricter configured window (SIDECAR_REMINDER_SEND_WINDOW): due at 08:30, sent at its 09:00 opening', async () => {
    const start = newDay(); // 10:00 New York
    const patientId = await newPatient({ phone: newPhone() });
    const due = start + 22.5 * HOUR; // 08:30 next morning, inside the default window
    const r = await schedule(patientId, 'sms', due);
    const strict: AppContext = { ...ctx, config: { ...ctx.config, reminders: { ...ctx.config.reminders, sendWindow: { start: '09:00', end: '20:00' } } } };

    at(due);
    expect(await sendDueReminders(strict)).toMatchObject({ deferred: 1, sent: 0 });
    const deferred = await reminder(r.id);
    expect(newYorkTime(Date.parse(deferred.sendAt))).toBe(`${newYorkTime(due).slice(0, 10)} 09:00`);
    expect(deferred.attempts).toEqual([expect.objectContaining({ outcome: 'deferred', code: 'quiet-hours' })]);
    expect(smsFor(r.id)).toEqual([]);

    at(Date.parse(deferred.sendAt));
    expect(await sendDueReminders(strict)).toMatchObject({ sent: 1 });
    expect(smsFor(r.id)).toHaveLength(1);
  });

  it('caps SMS at one a day and three a week per patient, and leaves email alone', async () => {
    const start = newDay();
    const patientId = await newPatient({ phone: newPhone(), email: SIMULATOR.success });
    const first = await schedule(patientId, 'sms', start + HOUR);
    const sameDay = await schedule(patientId, 'sms', start + 2 * HOUR);
    const email = await schedule(patientId, 'email', start + 2 * HOUR);
    const second = await schedule(patientId, 'sms', start + DAY + HOUR);
    const third = await schedule(patientId, 'sms', start + 2 * DAY + HOUR);
    const fourth = await schedule(patientId, 'sms', start + 3 * DAY + HOUR);

    for (const offset of [HOUR, 2 * HOUR, DAY + HOUR, 2 * DAY + HOUR, 3 * DAY + HOUR]) {
      at(start + offset);
      await sweep();
    }
    expect((await reminder(first.id)).status).toBe('sent');
    expect(await reminder(sameDay.id)).toMatchObject({ status: 'skipped', statusReason: 'frequency-cap', attempts: [{ outcome: 'skipped', code: 'daily-cap' }] });
    expect((await reminder(email.id)).status).toBe('sent');
    expect((await reminder(second.id)).status).toBe('sent');
    expect((await reminder(third.id)).status).toBe('sent');
    expect(await reminder(fourth.id)).toMatchObject({ status: 'skipped', statusReason: 'frequency-cap', attempts: [{ code: 'weekly-cap' }] });
    expect(smsFor(sameDay.id)).toEqual([]);
    expect(smsFor(fourth.id)).toEqual([]);
  });

  it('skips, and never retries, a reminder without consent, after an opt-out, or without a contact point', async () => {
    const start = newDay();
    const noConsent = await newPatient({ phone: newPhone(), consent: [] });
    const optedOut = await newPatient({ phone: newPhone() });
    await recordConsentChange(ctx, { patientId: optedOut, channel: 'sms', change: 'opt-out', source: 'console', actor: { id: CASEY.id, name: CASEY.name } });
    const noPhone = await newPatient({});
    const a = await schedule(noConsent, 'sms', start + HOUR);
    const b = await schedule(optedOut, 'sms', start + HOUR);
    const c = await schedule(noPhone, 'sms', start + HOUR);

    at(start + HOUR);
    expect(await sweep()).toMatchObject({ skipped: 3, sent: 0 });
    expect(await reminder(a.id)).toMatchObject({ status: 'skipped', statusReason: 'no-consent' });
    expect(await reminder(b.id)).toMatchObject({ status: 'skipped', statusReason: 'opted-out' });
    expect(await reminder(c.id)).toMatchObject({ status: 'skipped', statusReason: 'no-contact-point' });

    // A later opt-in does not bring a skipped reminder back, and nothing is sent on later runs.
    await recordConsentChange(ctx, { patientId: noConsent, channel: 'sms', change: 'opt-in', source: 'console', actor: { id: CASEY.id, name: CASEY.name } });
    at(start + 2 * HOUR);
    await sweep();
    for (const r of [a, b, c]) {
      expect((await reminder(r.id)).attempts).toHaveLength(1);
      expect(smsFor(r.id)).toEqual([]);
    }
  });

  it('sends each reminder exactly once when sweeps run concurrently', async () => {
    const start = newDay();
    const reminders: Reminder[] = [];
    for (let i = 0; i < 4; i++) reminders.push(await schedule(await newPatient({ phone: newPhone() }), 'sms', start + HOUR));
    const shared = await newPatient({ phone: newPhone() });
    const rivals = [await schedule(shared, 'sms', start + HOUR), await schedule(shared, 'sms', start + HOUR)];

    at(start + HOUR);
    const results = await Promise.all([sweep(), sweep(), sweep()]);
    for (const r of reminders) {
      expect(smsFor(r.id)).toHaveLength(1);
      expect((await reminder(r.id)).status).toBe('sent');
    }
    // Two reminders of one patient due together: one text, the other capped.
    expect(rivals.map((r) => smsFor(r.id).length).sort()).toEqual([0, 1]);
    expect((await Promise.all(rivals.map((r) => reminder(r.id)))).map((r) => r.statusReason ?? r.status).sort()).toEqual(['frequency-cap', 'sent']);
    expect(results.reduce((sum, r) => sum + r.sent, 0)).toBe(5);
  });

  it('re-schedules a throttled send with a backoff and sends it later', async () => {
    const start = newDay();
    const patientId = await newPatient({ phone: newPhone() });
    const throttled = await schedule(patientId, 'sms', start + HOUR);
    at(start + HOUR);
    stack.sms.failNext('ThrottlingException');
    expect(await sweep()).toMatchObject({ rescheduled: 1 });
    expect(await reminder(throttled.id)).toMatchObject({
      status: 'scheduled',
      sendAt: new Date(start + HOUR + MINUTE).toISOString(),
      attempts: [{ outcome: 'failed', code: 'throttling-exception' }],
    });
    expect(smsFor(throttled.id)).toEqual([]);

    at(start + HOUR + 30_000);
    await sweep();
    expect((await reminder(throttled.id)).status).toBe('scheduled');
    at(start + HOUR + MINUTE);
    await sweep();
    expect(smsFor(throttled.id)).toHaveLength(1);
    expect(await reminder(throttled.id)).toMatchObject({ status: 'sent', attempts: [{ outcome: 'failed' }, { outcome: 'sent' }] });
  });

  it('lets a throttled reminder’s cap slot go to the next reminder of the day', async () => {
    const start = newDay();
    const patientId = await newPatient({ phone: newPhone() });
    const throttled = await schedule(patientId, 'sms', start + HOUR);
    const next = await schedule(patientId, 'sms', start + HOUR + 30_000);
    at(start + HOUR);
    stack.sms.failNext('ThrottlingException');
    await sweep();
    at(start + HOUR + 30_000);
    await sweep();
    expect(smsFor(next.id)).toHaveLength(1);
    at(start + HOUR + MINUTE);
    await sweep();
    expect(await reminder(throttled.id)).toMatchObject({ status: 'skipped', statusReason: 'frequency-cap' });
    expect(smsFor(throttled.id)).toEqual([]);
  });

  it('fails a reminder after five refused tries', async () => {
    const start = newDay();
    const r = await schedule(await newPatient({ phone: newPhone() }), 'sms', start + HOUR);
    let t = start + HOUR;
    for (const wait of [0, 1, 5, 15, 60]) {
      t += wait * MINUTE;
      at(t);
      stack.sms.failNext('ThrottlingException');
      await sweep();
    }
    expect(await reminder(r.id)).toMatchObject({ status: 'failed', statusReason: 'retries-exhausted' });
    expect((await reminder(r.id)).attempts).toHaveLength(5);
    at(t + DAY);
    await sweep();
    expect(smsFor(r.id)).toEqual([]);
  });

  it('fails a send whose outcome is unknown (a 5xx) without retrying it, keeping the day’s cap slot', async () => {
    const start = newDay();
    const phone = newPhone();
    const patientId = await newPatient({ phone });
    const r = await schedule(patientId, 'sms', start + HOUR);
    const later = await schedule(patientId, 'sms', start + 2 * HOUR);
    at(start + HOUR);
    stack.sms.failNext('InternalServerException');
    await sweep();
    expect(await reminder(r.id)).toMatchObject({ status: 'failed', statusReason: 'unknown-outcome', attempts: [{ code: 'internal-server-exception' }] });
    at(start + 2 * HOUR);
    await sweep();
    expect(await reminder(later.id)).toMatchObject({ status: 'skipped', statusReason: 'frequency-cap' });
    expect(smsFor(later.id)).toEqual([]);
    // The stand-in answered 500 without keeping the text: nothing reached the outbox, nothing was re-sent.
    expect(textsTo(phone)).toEqual([]);
  });

  it('records the provider’s opt-out and skips the reminder', async () => {
    const start = newDay();
    const patientId = await newPatient({ phone: newPhone() });
    const r = await schedule(patientId, 'sms', start + HOUR);
    at(start + HOUR);
    stack.sms.failNext('ConflictException', { reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT' });
    await sweep();
    expect(await reminder(r.id)).toMatchObject({ status: 'skipped', statusReason: 'opted-out' });
    expect((await getConsent(ctx, patientId)).sms).toMatchObject({ status: 'opted-out', source: 'sms-reply' });
  });

  it('marks a number the provider refuses as bad, opens one outreach task, and skips later reminders to it', async () => {
    const start = newDay();
    const phone = newPhone();
    const patientId = await newPatient({ phone });
    const r = await schedule(patientId, 'sms', start + HOUR);
    const next = await schedule(patientId, 'sms', start + DAY + HOUR);
    at(start + HOUR);
    stack.sms.failNext('ValidationException', { fields: [{ Name: 'DestinationPhoneNumber', Message: 'invalid' }] });
    await sweep();
    expect(await reminder(r.id)).toMatchObject({ status: 'failed', statusReason: 'invalid-number' });
    expect(await isBadContactPoint(ctx, { patientId, channel: 'sms', value: phone })).toBe(true);
    expect(await findTaskIdsBySource(ctx, reminderTaskSource(r.id))).toHaveLength(1);

    at(start + DAY + HOUR);
    await sweep();
    expect(await reminder(next.id)).toMatchObject({ status: 'skipped', statusReason: 'bad-contact-point' });
    expect(await tasksOf(patientId)).toHaveLength(1);
  });

  it('fails an appointment reminder whose appointment has already started', async () => {
    const start = newDay();
    const r = await schedule(await newPatient({ phone: newPhone() }), 'sms', start + HOUR, {
      templateId: 'appointment-reminder',
      offsetHours: 1,
      links: { appointment: { sourceId: 'ehr-test', reference: 'Appointment/past-1' } },
    });
    at(start + 2 * HOUR + MINUTE);
    await sweep();
    expect(await reminder(r.id)).toMatchObject({ status: 'failed', statusReason: 'appointment-passed' });
    expect(smsFor(r.id)).toEqual([]);
  });
});

describe('claims a crash left behind', () => {
  async function claimWithoutSending(r: Reminder, claimedAt: number): Promise<Reminder> {
    const claimed: Reminder = { ...r, status: 'sending', sendingAt: new Date(claimedAt).toISOString(), version: r.version + 1, updatedAt: new Date(claimedAt).toISOString() };
    await saveReminder(ctx, r, claimed, []);
    return claimed;
  }

  it('are left alone within the lease, then failed as unknown-outcome and never sent again', async () => {
    const start = newDay();
    const r = await schedule(await newPatient({ phone: newPhone() }), 'sms', start + HOUR);
    await claimWithoutSending(r, start + HOUR);

    at(start + HOUR + REMINDER_CLAIM_LEASE_MS - MINUTE);
    await sweep();
    expect((await reminder(r.id)).status).toBe('sending');

    at(start + HOUR + REMINDER_CLAIM_LEASE_MS + MINUTE);
    expect(await sweep()).toMatchObject({ failed: 1 });
    expect(await reminder(r.id)).toMatchObject({ status: 'failed', statusReason: 'unknown-outcome', attempts: [{ outcome: 'failed', code: 'unknown-outcome' }] });
    at(start + DAY);
    await sweep();
    expect(smsFor(r.id)).toEqual([]);
    expect((await reminder(r.id)).attempts).toHaveLength(1);
  });

  it('are resolved by the delivery event of a message the provider did accept', async () => {
    const start = newDay();
    const r = await schedule(await newPatient({ phone: newPhone() }), 'sms', start + HOUR);
    await claimWithoutSending(r, start + HOUR);
    const messageId = `crash-${r.id}`;
    await linkProviderMessage(ctx, { reminderId: r.id, channel: 'sms', providerMessageId: messageId });
    at(start + HOUR + REMINDER_CLAIM_LEASE_MS + MINUTE);
    await sweep();
    expect((await reminder(r.id)).statusReason).toBe('unknown-outcome');

    expect(await applyDeliveryEvent(ctx, smsEvent(messageId, 'TEXT_DELIVERED'))).toEqual({ outcome: 'applied', note: 'delivered' });
    expect(await reminder(r.id)).toMatchObject({ status: 'delivered', providerMessageId: messageId });
    expect((await reminder(r.id)).statusReason).toBeUndefined();
  });
});

describe('delivery events', () => {
  it('fail a reminder to an invalid number, mark the number bad and open one outreach task, even when repeated', async () => {
    const start = newDay();
    const invalid = '+16175550001';
    const patientId = await newPatient({ phone: invalid });
    const r = await schedule(patientId, 'sms', start + HOUR);
    at(start + HOUR);
    await sweep();
    await settle();
    expect(await reminder(r.id)).toMatchObject({ status: 'failed', statusReason: 'invalid-number' });
    expect(await isBadContactPoint(ctx, { patientId, channel: 'sms', value: invalid })).toBe(true);
    const tasks = await findTaskIdsBySource(ctx, reminderTaskSource(r.id));
    expect(tasks).toHaveLength(1);

    const messageId = (await reminder(r.id)).providerMessageId!;
    expect(await applyDeliveryEvent(ctx, smsEvent(messageId, 'TEXT_INVALID', invalid))).toEqual({ outcome: 'ignored', note: 'stale' });
    expect(await applyDeliveryEvent(ctx, smsEvent(messageId, 'TEXT_DELIVERED', invalid))).toEqual({ outcome: 'ignored', note: 'stale' });
    expect((await reminder(r.id)).status).toBe('failed');
    expect(await tasksOf(patientId)).toEqual(tasks);
  });

  it('fail a carrier-blocked text without marking the number', async () => {
    const start = newDay();
    const blocked = '+16175550002';
    const patientId = await newPatient({ phone: blocked });
    const r = await schedule(patientId, 'sms', start + HOUR);
    at(start + HOUR);
    await sweep();
    await settle();
    expect(await reminder(r.id)).toMatchObject({ status: 'failed', statusReason: 'carrier-blocked' });
    expect(await isBadContactPoint(ctx, { patientId, channel: 'sms', value: blocked })).toBe(false);
    expect(await tasksOf(patientId)).toEqual([]);
  });

  it('fail a hard-bounced or suppressed email, marking the address bad with a task', async () => {
    const start = newDay();
    const bounced = await newPatient({ email: SIMULATOR.bounce });
    const suppressed = await newPatient({ email: SIMULATOR.suppressed });
    const a = await schedule(bounced, 'email', start + HOUR);
    const b = await schedule(suppressed, 'email', start + HOUR);
    at(start + HOUR);
    await sweep();
    await settle();
    expect(await reminder(a.id)).toMatchObject({ status: 'failed', statusReason: 'hard-bounce' });
    expect(await reminder(b.id)).toMatchObject({ status: 'failed', statusReason: 'suppressed' });
    for (const patientId of [bounced, suppressed]) {
      expect(await isBadContactPoint(ctx, { patientId, channel: 'email', value: SIMULATOR[patientId === bounced ? 'bounce' : 'suppressed'] })).toBe(true);
      expect(await tasksOf(patientId)).toHaveLength(1);
    }
  });

  it('opt a complaining recipient out of email and fail the reminder as complained', async () => {
    const start = newDay();
    const patientId = await newPatient({ email: SIMULATOR.complaint });
    const r = await schedule(patientId, 'email', start + HOUR);
    at(start + HOUR);
    await sweep();
    await settle();
    expect(await reminder(r.id)).toMatchObject({ status: 'failed', statusReason: 'complained' });
    expect((await getConsent(ctx, patientId)).email).toMatchObject({ status: 'opted-out', source: 'complaint' });
    expect(await tasksOf(patientId)).toEqual([]);
    const timeline = (await getReminderWithTimeline(ctx, r.id))!.timeline.map((e) => e.to);
    expect(timeline.slice(-2)).toEqual(['delivered', 'failed']);
  });

  it('for messages that are not reminders are reported as unknown', async () => {
    expect(await applyDeliveryEvent(ctx, smsEvent('not-a-reminder', 'TEXT_DELIVERED'))).toEqual({ outcome: 'unknown-message', note: 'sms' });
  });
});

describe('patients’ replies', () => {
  /** A patient who got one reminder text today (so Sidecar knows their number). */
  async function textedPatient(options: { phone?: string; language?: string } = {}): Promise<{ patientId: string; phone: string; start: number }> {
    const start = newDay();
    const phone = options.phone ?? newPhone();
    const patientId = await newPatient({ phone, ...(options.language ? { language: options.language } : {}) });
    const r = await schedule(patientId, 'sms', start + HOUR);
    at(start + HOUR);
    await sweep();
    expect(smsFor(r.id)).toHaveLength(1);
    await settle();
    return { patientId, phone, start };
  }
  async function reply(from: string, body: string): Promise<HandledInboundSms> {
    const before = inbound.length;
    stack.sms.replyFromPatient({ from, body });
    await settle();
    expect(inbound).toHaveLength(before + 1);
    return inbound[inbound.length - 1]!;
  }
  const answers = (phone: string) => textsTo(phone).filter((e) => e.reference?.startsWith('reply-'));

  it('STOP opts the patient out with one confirmation, a second STOP gets none, and the next reminder is skipped', async () => {
    const { patientId, phone, start } = await textedPatient();
    expect(await reply(phone, 'STOP')).toEqual({ kind: 'opt-out', patientFound: true, replied: true });
    expect((await getConsent(ctx, patientId)).sms).toMatchObject({ status: 'opted-out', source: 'sms-keyword' });
    expect(answers(phone).map((e) => e.body)).toEqual([OPT_OUT_CONFIRMATION('en', TEST_MESSAGING.organizationName)]);

    expect(await reply(phone, 'stop')).toEqual({ kind: 'opt-out', patientFound: true, replied: false });
    expect(answers(phone)).toHaveLength(1);

    const next = await schedule(patientId, 'sms', start + DAY + HOUR);
    at(start + DAY + HOUR);
    await sweep();
    expect(await reminder(next.id)).toMatchObject({ status: 'skipped', statusReason: 'opted-out' });
    expect(smsFor(next.id)).toEqual([]);
    const history = await listConsentHistory(ctx, patientId);
    expect(history.entries.filter((e) => e.channel === 'sms').map((e) => `${e.change}:${e.source}`)).toEqual(['opt-out:sms-keyword', 'opt-in:console']);
  });

  it('HELP gets the help text, which does not count against the frequency cap', async () => {
    const { patientId, phone, start } = await textedPatient();
    at(start + DAY);
    expect(await reply(phone, 'help')).toEqual({ kind: 'help', patientFound: true, replied: true });
    expect(answers(phone).map((e) => e.body)).toEqual([HELP_REPLY('en', TEST_MESSAGING.organizationName)]);
    const sameDay = await schedule(patientId, 'sms', start + DAY + HOUR);
    at(start + DAY + HOUR);
    await sweep();
    expect((await reminder(sameDay.id)).status).toBe('sent');
  });

  it('answers a repeated delivery of the same text once', async () => {
    const { phone } = await textedPatient();
    const payload = { originationNumber: phone, destinationNumber: '+18005550100', messageBody: 'HELP', inboundMessageId: `in-${newId()}` };
    expect(await handleInboundSms(ctx, payload)).toMatchObject({ replied: true });
    expect(await handleInboundSms(ctx, payload)).toMatchObject({ replied: false });
    expect(answers(phone)).toHaveLength(1);
  });

  it('takes "please stop texting me" as an opt-out (source sms-reply), confirmed in the patient’s language', async () => {
    const { patientId, phone } = await textedPatient({ language: 'es-MX' });
    expect(await reply(phone, 'please stop texting me')).toEqual({ kind: 'opt-out', patientFound: true, replied: true });
    expect((await getConsent(ctx, patientId)).sms).toMatchObject({ status: 'opted-out', source: 'sms-reply' });
    expect(answers(phone).map((e) => e.body)).toEqual([OPT_OUT_CONFIRMATION('es', TEST_MESSAGING.organizationName)]);
  });

  it('START opts back in without an answer', async () => {
    const { patientId, phone } = await textedPatient();
    await reply(phone, 'STOP');
    expect(await reply(phone, 'START')).toEqual({ kind: 'opt-in', patientFound: true, replied: false });
    expect((await getConsent(ctx, patientId)).sms).toMatchObject({ status: 'opted-in', source: 'sms-keyword' });
    expect(answers(phone)).toHaveLength(1);
  });

  it('speaks for every patient texted at a shared number', async () => {
    const phone = newPhone();
    const first = await textedPatient({ phone });
    const secondId = await newPatient({ phone });
    const r = await schedule(secondId, 'sms', first.start + DAY + HOUR);
    at(first.start + DAY + HOUR);
    await sweep();
    expect(smsFor(r.id)).toHaveLength(1);
    expect(await reply(phone, 'Stop')).toMatchObject({ kind: 'opt-out', replied: true });
    for (const patientId of [first.patientId, secondId]) expect((await getConsent(ctx, patientId)).sms.status).toBe('opted-out');
    expect(answers(phone)).toHaveLength(1);
  });

  it('does nothing for other texts or a number Sidecar does not text', async () => {
    const { patientId, phone } = await textedPatient();
    expect(await reply(phone, 'Can I come at 3 instead?')).toEqual({ kind: 'other', patientFound: true, replied: false });
    const stranger = newPhone();
    expect(await reply(stranger, 'STOP')).toEqual({ kind: 'opt-out', patientFound: false, replied: false });
    expect(textsTo(stranger)).toEqual([]);
    expect(answers(phone)).toEqual([]);
    expect((await getConsent(ctx, patientId)).sms.status).toBe('opted-in');
  });
});

describe('Lambda entries', () => {
  beforeEach(() => setContextForTests(ctx));
  afterEach(() => setContextForTests(undefined));

  it('sweep, apply a delivery event from EventBridge, and act on a reply from SNS (dropping what does not parse)', async () => {
    const start = newDay();
    const phone = newPhone();
    const patientId = await newPatient({ phone });
    const r = await schedule(patientId, 'sms', start + HOUR);
    at(start + HOUR);
    expect(await reminderSweepHandler({}, { getRemainingTimeInMillis: () => 60_000 })).toMatchObject({ sent: 1 });
    const [text] = smsFor(r.id) as [SmsOutboxEntry];

    const event = { id: 'e1', version: '0', account: '0', time: '', region: 'us-east-1', resources: [], ...smsEvent(text.id, 'TEXT_DELIVERED', phone) };
    expect(await deliveryEventsHandler(event as EventBridgeEvent<string, unknown>)).toEqual({ outcome: 'applied', note: 'delivered' });

    const record = (message: string) => ({ Sns: { Message: message } });
    const payload = { originationNumber: phone, destinationNumber: '+18005550100', messageBody: 'STOP', inboundMessageId: `in-${newId()}`, previousPublishedMessageId: text.id };
    await inboundSmsHandler({ Records: [record('not json'), record(JSON.stringify({ originationNumber: 'nope' })), record(JSON.stringify(payload))] } as unknown as SNSEvent);
    expect((await getConsent(ctx, patientId)).sms).toMatchObject({ status: 'opted-out', source: 'sms-keyword' });
    expect(textsTo(phone).filter((e) => e.reference?.startsWith('reply-'))).toHaveLength(1);
  });
});

describe('patient data in logs', () => {
  it('never logs a number, an address, a name or a message', async () => {
    const lines: string[] = [];
    const spies = (['debug', 'info', 'warn', 'error'] as const).map((level) =>
      jest.spyOn(logger, level).mockImplementation(((...args: unknown[]) => {
        lines.push(JSON.stringify(args));
      }) as never),
    );
    const start = newDay();
    const phone = '+16175550001';
    try {
      const patientId = await newPatient({ phone, email: SIMULATOR.bounce });
      await schedule(patientId, 'sms', start + HOUR);
      await schedule(patientId, 'email', start + HOUR);
      at(start + HOUR);
      await sweep();
      await settle();
      stack.sms.replyFromPatient({ from: phone, body: 'please stop texting me' });
      await settle();
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
    expect(lines.length).toBeGreaterThan(0);
    const logged = lines.join('\n');
    for (const secret of [phone, '6175550001', SIMULATOR.bounce, 'Ana', 'Lopez', 'please stop']) expect(logged).not.toContain(secret);
  });
});

describe('sweep interleavings (property)', () => {
  it('never sends a reminder twice, never outside 08:00–21:00, and never more than the cap per patient', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          patients: fc.integer({ min: 1, max: 3 }),
          reminders: fc.array(fc.record({ patient: fc.nat(2), dueMinutes: fc.integer({ min: 0, max: 4 * 24 * 60 }) }), { minLength: 1, maxLength: 7 }),
          steps: fc.array(fc.record({ advanceMinutes: fc.integer({ min: 1, max: 16 * 60 }), concurrency: fc.integer({ min: 1, max: 3 }), throttle: fc.boolean() }), { minLength: 1, maxLength: 6 }),
        }),
        async ({ patients: patientCount, reminders: specs, steps }) => {
          const start = newDay();
          const patientIds: string[] = [];
          for (let i = 0; i < patientCount; i++) patientIds.push(await newPatient({ phone: newPhone(), consent: ['sms'] }));
          const made: Reminder[] = [];
          for (const spec of specs) made.push(await schedule(patientIds[spec.patient % patientCount]!, 'sms', start + spec.dueMinutes * MINUTE));

          let t = start;
          for (const step of steps) {
            t += step.advanceMinutes * MINUTE;
            at(t);
            if (step.throttle) stack.sms.failNext('ThrottlingException');
            await Promise.all(Array.from({ length: step.concurrency }, () => sweep()));
          }
          // Run on until every reminder is settled (sent, skipped or failed).
          for (let round = 0; round < 40; round++) {
            const pending = (await Promise.all(made.map((r) => reminder(r.id)))).filter((r) => r.status === 'scheduled');
            if (pending.length === 0) break;
            t = Math.max(t, ...pending.map((r) => Date.parse(r.sendAt)));
            at(t);
            await Promise.all([sweep(), sweep()]);
          }

          const final = await Promise.all(made.map((r) => reminder(r.id)));
          const sentAt = new Map<string, string[]>();
          for (const r of final) {
            expect(['sent', 'skipped', 'failed']).toContain(r.status);
            const sent = r.status === 'sent' ? 1 : 0;
            expect(smsFor(r.id).length).toBe(sent);
            const sends = r.attempts.filter((a) => a.outcome === 'sent');
            expect(sends.length).toBe(sent);
            for (const send of sends) {
              const hour = Number(new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: 'numeric', hourCycle: 'h23' }).format(new Date(send.at)));
              expect(hour).toBeGreaterThanOrEqual(8);
              expect(hour).toBeLessThan(21);
              sentAt.set(r.patientId, [...(sentAt.get(r.patientId) ?? []), localDay(new Date(send.at), 'America/New_York')]);
            }
          }
          for (const days of sentAt.values()) {
            expect(new Set(days).size).toBe(days.length);
            for (const first of days) {
              const windowEnd = new Date(Date.parse(`${first}T00:00:00Z`) + 6 * DAY).toISOString().slice(0, 10);
              expect(days.filter((d) => d >= first && d <= windowEnd).length).toBeLessThanOrEqual(3);
            }
          }
        },
      ),
      { numRuns: 8 },
    );
  }, 240_000);
});
