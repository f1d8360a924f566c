import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ZodError } from 'zod';
import { createCarePlan } from '../../shared/careplans/create-care-plan';
import { type AppContext, createContext } from '../../shared/context';
import { BadRequestError, ConflictError, NotFoundError } from '../../shared/errors';
import { newId } from '../../shared/ids';
import { insertPatient } from '../../shared/patients/repository';
import { cancelRemindersFor } from '../../shared/reminders/cancel-reminders';
import { createReminder, type CreateReminderInput } from '../../shared/reminders/create-reminder';
import { listRemindersForPatient } from '../../shared/reminders/list-reminders-for-patient';
import { moveRemindersFor } from '../../shared/reminders/move-reminders';
import {
  findReminderIdByMessage,
  getReminderRecord,
  getReminderWithTimeline,
  linkProviderMessage,
  reminderKey,
  saveReminder,
} from '../../shared/reminders/repository';
import { appointmentReminderRuleId, scheduleAppointmentReminders } from '../../shared/reminders/schedule-appointment-reminders';
import type { Reminder } from '../../shared/reminders/schema';
import { createTask } from '../../shared/tasks/create-task';
import { useFreshTables } from './support/tables';

const tables = useFreshTables();
const T0 = Date.parse('2026-11-02T10:00:00.000Z');
const HOUR = 3_600_000;
const iso = (hours: number) => new Date(T0 + hours * HOUR).toISOString();
const CASEY = { id: 'u-casey', name: 'Casey Coordinator', role: 'coordinator' as const };
const NORA = { id: 'u-nora', name: 'Nora Nurse', role: 'nurse' as const };
let nowMs = T0;
let ctx: AppContext;

beforeAll(() => {
  ctx = createContext({ config: tables.config, db: tables.db, clock: { now: () => new Date(nowMs) } });
});
beforeEach(() => {
  nowMs = T0;
});

async function newPatient(language?: string): Promise<string> {
  const id = newId();
  const now = new Date(nowMs).toISOString();
  await insertPatient(ctx, { id, phones: [], emails: [], pending: false, ...(language ? { language } : {}), version: 1, createdAt: now, updatedAt: now });
  return id;
}

const appointment = (id: string) => ({ sourceId: 'ehr-test', reference: `Appointment/${id}` });
const byHand = (patientId: string, patch: Partial<CreateReminderInput> = {}): CreateReminderInput => ({
  patientId,
  channel: 'sms',
  templateId: 'follow-up-reminder',
  dueAt: iso(48),
  ...patch,
});

/** The due-GSI attributes stored on a reminder's item. */
async function dueKeys(id: string): Promise<{ duePk?: string; dueSk?: string }> {
  const res = await tables.db.send(new GetCommand({ TableName: tables.names.records, Key: reminderKey(id) }));
  return { duePk: res.Item?.duePk, dueSk: res.Item?.dueSk };
}

/** A reminder as the send sweep leaves it: claimed, then sent with the provider's message id. */
async function markSent(r: Reminder, messageId: string): Promise<Reminder> {
  const claimed: Reminder = { ...r, status: 'sending', sendingAt: iso(1), version: r.version + 1, updatedAt: iso(1) };
  await saveReminder(ctx, r, claimed, []);
  const { sendingAt: _claim, ...rest } = claimed;
  const sent: Reminder = { ...rest, status: 'sent', providerMessageId: messageId, attempts: [{ at: iso(1), outcome: 'sent' }], version: claimed.version + 1 };
  await saveReminder(ctx, claimed, sent, []);
  return sent;
}

describe('createReminder', () => {
  it('schedules a reminder by hand in the patient’s preferred language, due-indexed by its send time', async () => {
    const patientId = await newPatient('es-MX');
    const { reminder, created } = await createReminder(ctx, { actor: NORA, input: byHand(patientId, { dueAt: '2026-11-04T09:30:00-05:00' }) });

    expect(created).toBe(true);
    expect(reminder).toEqual(
      expect.objectContaining({
        patientId,
        channel: 'sms',
        status: 'scheduled',
        language: 'es',
        dueAt: '2026-11-04T14:30:00.000Z',
        sendAt: '2026-11-04T14:30:00.000Z',
        attempts: [],
        version: 1,
        createdBy: { kind: 'user', id: NORA.id, name: NORA.name },
      }),
    );
    expect(await getReminderRecord(ctx, reminder.id)).toEqual(reminder);
    expect(await dueKeys(reminder.id)).toEqual({ duePk: expect.stringMatching(/^RDUE#[0-3]$/), dueSk: `2026-11-04T14:30:00.000Z#${reminder.id}` });
    const { timeline } = (await getReminderWithTimeline(ctx, reminder.id))!;
    expect(timeline).toEqual([expect.objectContaining({ kind: 'created', to: 'scheduled', actor: { id: NORA.id, name: NORA.name }, sendAt: reminder.sendAt })]);
    expect((await listRemindersForPatient(ctx, patientId)).reminders.map((r) => r.id)).toEqual([reminder.id]);
  });

  it('keeps a language given explicitly, and English for other preferred languages', async () => {
    const patientId = await newPatient('fr-CA');
    expect((await createReminder(ctx, { actor: CASEY, input: byHand(patientId) })).reminder.language).toBe('en');
    expect((await createReminder(ctx, { actor: CASEY, input: byHand(patientId, { language: 'es' }) })).reminder.language).toBe('es');
  });

  it('makes one reminder per rule and source: a second create by the rule returns the first', async () => {
    const patientId = await newPatient();
    const rule = { ruleId: 'appointment.reminder.24h.sms', source: appointment('rule-1') };
    const input = byHand(patientId, { templateId: 'appointment-reminder', offsetHours: 24, links: { appointment: appointment('rule-1') } });
    const first = await createReminder(ctx, { rule, input });
    const second = await createReminder(ctx, { rule, input: { ...input, dueAt: iso(50) } });

    expect(first.created).toBe(true);
    expect(first.reminder).toEqual(expect.objectContaining({ rule, createdBy: { kind: 'rule', ruleId: rule.ruleId }, offsetHours: 24 }));
    expect(second).toEqual({ reminder: first.reminder, created: false });
    expect((await listRemindersForPatient(ctx, patientId)).reminders).toHaveLength(1);
    // Another rule on the same appointment is another reminder.
    expect((await createReminder(ctx, { rule: { ...rule, ruleId: 'appointment.reminder.72h.sms' }, input })).created).toBe(true);
  });

  it('creates exactly one reminder when the same rule fires concurrently', async () => {
    const patientId = await newPatient();
    const rule = { ruleId: 'appointment.reminder.72h.email', source: appointment('race-1') };
    const input = byHand(patientId, { channel: 'email', templateId: 'appointment-reminder', links: { appointment: appointment('race-1') } });
    const results = await Promise.all(Array.from({ length: 6 }, () => createReminder(ctx, { rule, input })));

    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.reminder.id)).size).toBe(1);
    expect((await listRemindersForPatient(ctx, patientId)).reminders).toHaveLength(1);
  });

  it('refuses a time that has passed (400), an unknown patient (404), another patient’s task (400) and bad input', async () => {
    const patientId = await newPatient();
    const pastDue = createReminder(ctx, { actor: CASEY, input: byHand(patientId, { dueAt: iso(-0.01) }) });
    await expect(pastDue).rejects.toThrow(BadRequestError);
    await expect(pastDue).rejects.toThrow('The reminder’s time has passed; choose a time in the future');
    await expect(createReminder(ctx, { actor: CASEY, input: byHand(newId()) })).rejects.toThrow(NotFoundError);

    const other = await newPatient();
    const { task } = await createTask(ctx, { actor: CASEY, input: { patientId: other, type: 'call-patient' } });
    await expect(createReminder(ctx, { actor: CASEY, input: byHand(patientId, { links: { taskId: task.id } }) })).rejects.toThrow('The linked task is not this patient’s');
    await expect(createReminder(ctx, { actor: CASEY, input: { ...byHand(patientId), channel: 'fax' as never } })).rejects.toThrow(ZodError);
    await expect(createReminder(ctx, { actor: CASEY, input: byHand(patientId, { templateId: 'lab-results' as never }) })).rejects.toThrow(ZodError);

    expect((await listRemindersForPatient(ctx, patientId)).reminders).toHaveLength(0);
  });
});

describe('scheduleAppointmentReminders', () => {
  it('schedules one reminder per offset and channel before the start, skipping offsets already passed, once', async () => {
    const patientId = await newPatient();
    const input = { patientId, appointment: appointment('sched-1'), start: iso(48), channels: ['sms', 'email'] as ('sms' | 'email')[] };
    const first = await scheduleAppointmentReminders(ctx, input);

    expect(first.tooLate).toEqual([72]);
    expect(first.created).toBe(2);
    expect(first.reminders.map((r) => [r.channel, r.dueAt, r.offsetHours, r.rule?.ruleId])).toEqual([
      ['sms', iso(24), 24, appointmentReminderRuleId(24, 'sms')],
      ['email', iso(24), 24, appointmentReminderRuleId(24, 'email')],
    ]);
    const again = await scheduleAppointmentReminders(ctx, input);
    expect(again.created).toBe(0);
    expect(again.reminders.map((r) => r.id)).toEqual(first.reminders.map((r) => r.id));
  });
});

describe('saveReminder', () => {
  it('refuses a stale version with a 409 and keeps the winner', async () => {
    const { reminder } = await createReminder(ctx, { actor: CASEY, input: byHand(await newPatient()) });
    const claim = (at: number): Reminder => ({ ...reminder, status: 'sending', sendingAt: iso(at), version: 2, updatedAt: iso(at) });
    await saveReminder(ctx, reminder, claim(1), []);
    const stale = saveReminder(ctx, reminder, claim(2), []);

    await expect(stale).rejects.toThrow(ConflictError);
    await expect(stale).rejects.toMatchObject({ details: { failed: 'reminder' } });
    expect(await getReminderRecord(ctx, reminder.id)).toEqual(claim(1));
  });

  it('moves a claimed reminder from the due partition to the lease partition, and out of both once sent', async () => {
    const { reminder } = await createReminder(ctx, { actor: CASEY, input: byHand(await newPatient()) });
    const claimed: Reminder = { ...reminder, status: 'sending', sendingAt: iso(1), version: 2, updatedAt: iso(1) };
    await saveReminder(ctx, reminder, claimed, []);
    expect(await dueKeys(reminder.id)).toEqual({ duePk: expect.stringMatching(/^RLEASE#[0-3]$/), dueSk: `${iso(1)}#${reminder.id}` });

    const { sendingAt: _claim, ...rest } = claimed;
    await saveReminder(ctx, claimed, { ...rest, status: 'sent', providerMessageId: 'sms-msg-1', version: 3 }, []);
    expect(await dueKeys(reminder.id)).toEqual({ duePk: undefined, dueSk: undefined });
    expect(await findReminderIdByMessage(ctx, { channel: 'sms', providerMessageId: 'sms-msg-1' })).toBe(reminder.id);
    expect(await findReminderIdByMessage(ctx, { channel: 'email', providerMessageId: 'sms-msg-1' })).toBeUndefined();
  });

  it('writes extra items only with the save, and says which part failed', async () => {
    const { reminder } = await createReminder(ctx, { actor: CASEY, input: byHand(await newPatient()) });
    const slot = { pk: `TEST-SLOT#${reminder.id}`, sk: 'A' };
    const taken = { Put: { TableName: tables.names.records, Item: { ...slot, by: 'another' }, ConditionExpression: 'attribute_not_exists(pk)' } };
    await saveReminder(ctx, reminder, { ...reminder, version: 2, updatedAt: iso(1) }, [], { extraItems: [taken] });
    const after = (await getReminderRecord(ctx, reminder.id))!;

    const lost = saveReminder(ctx, after, { ...after, version: 3, updatedAt: iso(2) }, [], { extraItems: [taken] });
    await expect(lost).rejects.toMatchObject({ details: { failed: 'extra', index: 0 } });
    expect((await getReminderRecord(ctx, reminder.id))?.version).toBe(2);
  });

  it('refuses to change what a reminder is linked to', async () => {
    const { reminder } = await createReminder(ctx, { actor: CASEY, input: byHand(await newPatient()) });
    await expect(saveReminder(ctx, reminder, { ...reminder, patientId: 'someone-else', version: 2 }, [])).rejects.toThrow('never change');
  });
});

describe('linkProviderMessage', () => {
  it('links a message id to one reminder, idempotently, and refuses it for another', async () => {
    const patientId = await newPatient();
    const a = (await createReminder(ctx, { actor: CASEY, input: byHand(patientId, { channel: 'email' }) })).reminder;
    const b = (await createReminder(ctx, { actor: CASEY, input: byHand(patientId, { channel: 'email' }) })).reminder;
    await linkProviderMessage(ctx, { reminderId: a.id, channel: 'email', providerMessageId: 'ses-0001' });
    await linkProviderMessage(ctx, { reminderId: a.id, channel: 'email', providerMessageId: 'ses-0001' });
    await expect(linkProviderMessage(ctx, { reminderId: b.id, channel: 'email', providerMessageId: 'ses-0001' })).rejects.toThrow(ConflictError);
    expect(await findReminderIdByMessage(ctx, { channel: 'email', providerMessageId: 'ses-0001' })).toBe(a.id);

    // The sender linked it before saving `sent`: the save's own guard write agrees.
    await markSent(a, 'ses-0001');
    expect((await getReminderRecord(ctx, a.id))?.status).toBe('sent');
  });
});

describe('cancelRemindersFor', () => {
  it('cancels only the scheduled reminders of an appointment, out of the due index, with the reason on the timeline', async () => {
    const patientId = await newPatient();
    const appt = appointment('cancel-1');
    const { reminders } = await scheduleAppointmentReminders(ctx, { patientId, appointment: appt, start: iso(100), channels: ['sms'] });
    const [early, late] = reminders as [Reminder, Reminder];
    const sent = await markSent(early, 'sms-cancel-1');
    const byHandForIt = (await createReminder(ctx, { actor: CASEY, input: byHand(patientId, { links: { appointment: appt } }) })).reminder;
    const unrelated = (await createReminder(ctx, { actor: CASEY, input: byHand(patientId) })).reminder;

    expect(await cancelRemindersFor(ctx, { appointment: appt, reason: 'appointment-cancelled' })).toEqual({ cancelled: 2, notScheduled: 1 });

    for (const id of [late.id, byHandForIt.id]) {
      expect(await getReminderRecord(ctx, id)).toEqual(expect.objectContaining({ status: 'cancelled', statusReason: 'appointment-cancelled', version: 2 }));
      expect(await dueKeys(id)).toEqual({ duePk: undefined, dueSk: undefined });
    }
    expect(await getReminderRecord(ctx, sent.id)).toEqual(sent);
    expect((await getReminderRecord(ctx, unrelated.id))?.status).toBe('scheduled');
    expect((await getReminderWithTimeline(ctx, late.id))?.timeline.map((e) => [e.kind, e.from, e.to, e.reason])).toEqual([
      ['created', undefined, 'scheduled', undefined],
      ['transition', 'scheduled', 'cancelled', 'appointment-cancelled'],
    ]);
    // A replay changes nothing.
    expect(await cancelRemindersFor(ctx, { appointment: appt, reason: 'appointment-cancelled' })).toEqual({ cancelled: 0, notScheduled: 3 });
  });

  it('finds reminders by rule source, task and care plan', async () => {
    const patientId = await newPatient();
    const source = { sourceId: 'ehr-test', reference: 'Encounter/enc-9' };
    const fromRule = (await createReminder(ctx, { rule: { ruleId: 'discharge.follow-up-reminder', source }, input: byHand(patientId) })).reminder;
    const { task } = await createTask(ctx, { actor: CASEY, input: { patientId, type: 'call-patient' } });
    const forTask = (await createReminder(ctx, { actor: CASEY, input: byHand(patientId, { links: { taskId: task.id } }) })).reminder;
    const { carePlan } = await createCarePlan(ctx, { actor: NORA, input: { patientId, title: 'Plan', category: 'other' } });
    const forPlan = (await createReminder(ctx, { actor: NORA, input: byHand(patientId, { templateId: 'care-plan-activity', links: { carePlanId: carePlan.id } }) })).reminder;

    expect(await cancelRemindersFor(ctx, { source, reason: 'source-withdrawn' })).toEqual({ cancelled: 1, notScheduled: 0 });
    expect(await cancelRemindersFor(ctx, { taskId: task.id, reason: 'task-closed' })).toEqual({ cancelled: 1, notScheduled: 0 });
    expect(await cancelRemindersFor(ctx, { carePlanId: carePlan.id, reason: 'care-plan-ended' })).toEqual({ cancelled: 1, notScheduled: 0 });
    expect((await getReminderRecord(ctx, fromRule.id))?.statusReason).toBe('source-withdrawn');
    expect((await getReminderRecord(ctx, forTask.id))?.statusReason).toBe('task-closed');
    expect((await getReminderRecord(ctx, forPlan.id))?.statusReason).toBe('care-plan-ended');
  });

  it('takes exactly one target and a reason code', async () => {
    await expect(cancelRemindersFor(ctx, { reason: 'appointment-cancelled' } as never)).rejects.toThrow(ZodError);
    await expect(cancelRemindersFor(ctx, { taskId: newId(), carePlanId: newId(), reason: 'task-closed' } as never)).rejects.toThrow(ZodError);
    await expect(cancelRemindersFor(ctx, { taskId: newId(), reason: 'The patient died' as never })).rejects.toThrow(ZodError);
  });
});

describe('moveRemindersFor', () => {
  it('re-times scheduled reminders, leaves sent ones alone and cancels one whose new time has passed', async () => {
    const patientId = await newPatient();
    const appt = appointment('move-1');
    const { reminders } = await scheduleAppointmentReminders(ctx, { patientId, appointment: appt, start: iso(100), channels: ['sms', 'email'] });
    const [sms72, email72, sms24, email24] = reminders as [Reminder, Reminder, Reminder, Reminder];
    expect([sms72.offsetHours, email72.offsetHours, sms24.offsetHours, email24.offsetHours]).toEqual([72, 72, 24, 24]);
    const sent = await markSent(sms72, 'sms-move-1');

    // Moved from +100 h to +50 h: 72 h before is now in the past, 24 h before is +26 h.
    expect(await moveRemindersFor(ctx, { appointment: appt, newStart: iso(50) })).toEqual({ moved: 2, cancelled: 1, untouched: 1 });
    expect(await getReminderRecord(ctx, sent.id)).toEqual(sent);
    expect(await getReminderRecord(ctx, email72.id)).toEqual(expect.objectContaining({ status: 'cancelled', statusReason: 'appointment-moved-too-late' }));
    expect(await dueKeys(email72.id)).toEqual({ duePk: undefined, dueSk: undefined });
    for (const r of [sms24, email24]) {
      expect(await getReminderRecord(ctx, r.id)).toEqual(expect.objectContaining({ status: 'scheduled', dueAt: iso(26), sendAt: iso(26), version: 2 }));
      expect((await dueKeys(r.id)).dueSk).toBe(`${iso(26)}#${r.id}`);
    }
    expect((await getReminderWithTimeline(ctx, sms24.id))?.timeline.at(-1)).toEqual(expect.objectContaining({ kind: 'rescheduled', reason: 'appointment-moved', sendAt: iso(26) }));

    // A replay changes nothing.
    expect(await moveRemindersFor(ctx, { appointment: appt, newStart: iso(50) })).toEqual({ moved: 0, cancelled: 0, untouched: 4 });
  });

  it('schedules again a reminder cancelled as too late once the appointment moves back out', async () => {
    const patientId = await newPatient();
    const appt = appointment('move-2');
    const [r72] = (await scheduleAppointmentReminders(ctx, { patientId, appointment: appt, start: iso(80), channels: ['sms'], offsets: [72] })).reminders as [Reminder];
    await moveRemindersFor(ctx, { appointment: appt, newStart: iso(60) });
    expect((await getReminderRecord(ctx, r72.id))?.status).toBe('cancelled');

    expect(await moveRemindersFor(ctx, { appointment: appt, newStart: iso(200) })).toEqual({ moved: 1, cancelled: 0, untouched: 0 });
    const revived = (await getReminderRecord(ctx, r72.id))!;
    expect(revived).toEqual(expect.objectContaining({ status: 'scheduled', dueAt: iso(128), sendAt: iso(128) }));
    expect(revived.statusReason).toBeUndefined();
    expect((await dueKeys(r72.id)).duePk).toMatch(/^RDUE#/);
  });

  it('keeps a fixed-time reminder still before the appointment, and cancels one the appointment moved ahead of', async () => {
    const patientId = await newPatient();
    const appt = appointment('move-3');
    const before = (await createReminder(ctx, { actor: CASEY, input: byHand(patientId, { dueAt: iso(10), links: { appointment: appt } }) })).reminder;
    const after = (await createReminder(ctx, { actor: CASEY, input: byHand(patientId, { dueAt: iso(30), links: { appointment: appt } }) })).reminder;

    expect(await moveRemindersFor(ctx, { appointment: appt, newStart: iso(20) })).toEqual({ moved: 0, cancelled: 1, untouched: 1 });
    expect(await getReminderRecord(ctx, before.id)).toEqual(before);
    expect(await getReminderRecord(ctx, after.id)).toEqual(expect.objectContaining({ status: 'cancelled', statusReason: 'appointment-moved' }));
  });
});

describe('listRemindersForPatient', () => {
  it('lists a patient’s reminders newest first with a Query, bounded, saying when more exist', async () => {
    const patientId = await newPatient();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      nowMs = T0 + i * 60_000;
      ids.push((await createReminder(ctx, { actor: CASEY, input: byHand(patientId) })).reminder.id);
    }
    expect(await listRemindersForPatient(ctx, patientId)).toEqual({ reminders: [expect.objectContaining({ id: ids[2] }), expect.objectContaining({ id: ids[1] }), expect.objectContaining({ id: ids[0] })], capped: false });
    expect(await listRemindersForPatient(ctx, patientId, { limit: 2 })).toEqual({ reminders: [expect.objectContaining({ id: ids[2] }), expect.objectContaining({ id: ids[1] })], capped: true });

    const sent: string[] = [];
    const original = ctx.db.send.bind(ctx.db);
    const spy = jest.spyOn(ctx.db, 'send').mockImplementation(((command: { constructor: { name: string }; input: { IndexName?: string } }) => {
      sent.push(`${command.constructor.name}:${command.input.IndexName ?? ''}`);
      return original(command as never);
    }) as never);
    try {
      await listRemindersForPatient(ctx, patientId);
    } finally {
      spy.mockRestore();
    }
    expect(sent).toEqual(['QueryCommand:patient']);
  });
});
