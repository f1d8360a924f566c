/**
 * Care-plan activity reminders end to end on DynamoDB Local and the SMS/SES stand-ins: a plan's
 * activities the patient takes part in get reminders (per channel, a day ahead, in the patient's
 * zone and language), follow the plan through revisions, pauses and endings, are never made twice,
 * and go out through the same sweep as every reminder, saying the activity's time.
 */
import { applyCarePlanChange } from '../../shared/careplans/apply-planned-work';
import { createCarePlan } from '../../shared/careplans/create-care-plan';
import type { CarePlanChange } from '../../shared/careplans/planned-work';
import type { ActivityInput, CarePlan } from '../../shared/careplans/schema';
import { transitionCarePlan } from '../../shared/careplans/transition-care-plan';
import { updateCarePlan } from '../../shared/careplans/update-care-plan';
import { recordConsentChange } from '../../shared/consent/record-consent-change';
import type { AppContext } from '../../shared/context';
import { newId } from '../../shared/ids';
import { insertPatient } from '../../shared/patients/repository';
import { CAREPLAN_REMINDER_SOURCE_ID } from '../../shared/reminders/apply-care-plan-reminders';
import { findReminderIdsByLink, getReminderRecord, getReminderWithTimeline } from '../../shared/reminders/repository';
import type { Reminder } from '../../shared/reminders/schema';
import { sendDueReminders } from '../../shared/reminders/send-due-reminders';
import { useStack } from './support/stack';

jest.setTimeout(60_000);

const stack = useStack();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NINA = { id: 'u-nina', name: 'Nina Nurse' };
/** 10:00 in New York on a Monday. */
const T0 = Date.parse('2027-03-01T15:00:00.000Z');

let nowMs = T0;
let ctx: AppContext;
beforeAll(() => {
  ctx = { ...stack.ctx, clock: { now: () => new Date(nowMs) } };
});

let phones = 0;
async function newPatient(options: { phone?: boolean; email?: boolean; timeZone?: string; language?: string } = {}): Promise<string> {
  const id = newId();
  const at = new Date(nowMs).toISOString();
  await insertPatient(ctx, {
    id,
    name: { text: 'Rosa Diaz', given: ['Rosa'], family: 'Diaz' },
    phones: options.phone === false ? [] : [{ value: `+1617555${String(3000 + phones++).padStart(4, '0')}`, use: 'mobile' }],
    emails: options.email === false ? [] : [{ value: 'success@simulator.amazonses.com', use: 'home' }],
    timeZone: options.timeZone ?? 'America/New_York',
    ...(options.language ? { language: options.language } : {}),
    pending: false,
    version: 1,
    createdAt: at,
    updatedAt: at,
  });
  for (const channel of ['sms', 'email'] as const) {
    await recordConsentChange(ctx, { patientId: id, channel, change: 'opt-in', source: 'console', actor: NINA, at: new Date(Date.now() - DAY).toISOString() });
  }
  return id;
}

const visit = (extra: Partial<ActivityInput> = {}): Omit<ActivityInput, 'id'> => ({ kind: 'follow-up-visit', title: 'Clinic visit', offsetDays: 3, patientReminderTime: '09:30', ...extra });

async function applied(change: Promise<CarePlanChange>) {
  const saved = await change;
  return { plan: saved.carePlan, outcome: await applyCarePlanChange(ctx, saved) };
}

async function newPlan(patientId: string, activities: Omit<ActivityInput, 'id'>[], status: 'active' | 'draft' = 'active') {
  return applied(createCarePlan(ctx, { actor: NINA, input: { patientId, title: 'Heart failure follow-up', category: 'heart-failure', status, start: new Date(nowMs).toISOString(), activities } }));
}

const activityInputs = (plan: CarePlan): ActivityInput[] =>
  plan.activities.map(({ id, kind, title, offsetDays, recurrence, patientReminderTime, status }) => ({
    id,
    kind,
    title,
    offsetDays,
    status,
    ...(recurrence ? { recurrence } : {}),
    ...(patientReminderTime ? { patientReminderTime } : {}),
  }));

async function remindersOf(plan: CarePlan): Promise<Reminder[]> {
  const ids = await findReminderIdsByLink(ctx, { carePlanId: plan.id });
  const all = await Promise.all(ids.map((id) => getReminderRecord(ctx, id)));
  return all.filter((r): r is Reminder => r !== undefined).sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.channel.localeCompare(b.channel));
}
const byStatus = (reminders: Reminder[], status: Reminder['status']) => reminders.filter((r) => r.status === status);

describe('care-plan activity reminders', () => {
  afterEach(() => {
    nowMs = T0;
  });

  it('schedules one reminder per channel a day before each occurrence, at the patient’s local time, in their language', async () => {
    const patientId = await newPatient({ timeZone: 'America/Los_Angeles', language: 'es-MX' });
    const { plan, outcome } = await newPlan(patientId, [
      visit(),
      visit({ kind: 'call-patient', title: 'Weight check', offsetDays: 1, recurrence: { everyDays: 7, count: 3 }, patientReminderTime: '08:15' }),
      { kind: 'call-patient', title: 'Nurse call (staff only)', offsetDays: 2 },
    ]);
    expect(outcome).toMatchObject({ created: 5, reminders: { scheduled: 8, cancelled: 0, tooLate: 0, unreachable: false } });

    const reminders = await remindersOf(plan);
    expect(reminders).toHaveLength(8);
    // Day 3 at 09:30 in Los Angeles (PST, UTC−8) is 17:30Z on 2027-03-04.
    const clinic = reminders.filter((r) => r.eventAt === '2027-03-04T17:30:00.000Z');
    expect(clinic.map((r) => r.channel)).toEqual(['email', 'sms']);
    for (const r of clinic) {
      expect(r).toMatchObject({ templateId: 'care-plan-activity', language: 'es', status: 'scheduled', dueAt: '2027-03-03T17:30:00.000Z', links: { carePlanId: plan.id } });
      expect(r.rule?.source).toEqual({ sourceId: CAREPLAN_REMINDER_SOURCE_ID, reference: `CarePlan/${plan.id}` });
      expect(r.offsetHours).toBeUndefined();
    }
    // The weekly activity: days 1, 8 and 15 at 08:15 local — the last after the DST change (PDT, UTC−7).
    const weekly = [...new Set(reminders.filter((r) => !clinic.includes(r)).map((r) => r.eventAt))];
    expect(weekly).toEqual(['2027-03-02T16:15:00.000Z', '2027-03-09T16:15:00.000Z', '2027-03-16T15:15:00.000Z']);

    // Saving it again (a replay) makes nothing twice.
    expect((await applyCarePlanChange(ctx, { carePlan: plan, work: { create: [], cancel: [] } })).reminders).toMatchObject({ scheduled: 0, cancelled: 0 });
    expect(await remindersOf(plan)).toHaveLength(8);
  });

  it('reminds at once when the day-before time has passed, and not at all for an occurrence less than two hours away', async () => {
    const patientId = await newPatient({ email: false });
    // Day 0 at 11:00 (an hour away) and day 1 at 09:00 (23 hours away).
    const { plan, outcome } = await newPlan(patientId, [visit({ offsetDays: 0, patientReminderTime: '11:00' }), visit({ title: 'Lab draw', offsetDays: 1, patientReminderTime: '09:00' })]);
    expect(outcome.reminders).toMatchObject({ scheduled: 1, tooLate: 1 });
    const [only] = await remindersOf(plan);
    expect(only).toMatchObject({ channel: 'sms', dueAt: new Date(T0).toISOString(), eventAt: '2027-03-02T14:00:00.000Z' });
  });

  it('follows revisions: a new patient time or schedule withdraws the old reminders and makes new ones; removing the time withdraws them', async () => {
    const patientId = await newPatient({ email: false });
    let { plan } = await newPlan(patientId, [visit()]);
    const [first] = await remindersOf(plan);

    const retimed = activityInputs(plan).map((a) => ({ ...a, patientReminderTime: '14:00' }));
    const revised = await applied(updateCarePlan(ctx, { actor: NINA, id: plan.id, version: plan.version, input: { activities: retimed } }));
    expect(revised.outcome.reminders).toMatchObject({ scheduled: 1, cancelled: 1 });
    plan = revised.plan;
    let reminders = await remindersOf(plan);
    expect(reminders.find((r) => r.id === first!.id)).toMatchObject({ status: 'cancelled', statusReason: 'care-plan-activity-changed' });
    expect(byStatus(reminders, 'scheduled').map((r) => r.eventAt)).toEqual(['2027-03-04T19:00:00.000Z']);
    const { timeline } = (await getReminderWithTimeline(ctx, first!.id))!;
    expect(timeline.at(-1)).toMatchObject({ kind: 'transition', to: 'cancelled', reason: 'care-plan-activity-changed' });

    const moved = activityInputs(plan).map((a) => ({ ...a, offsetDays: 5 }));
    ({ plan } = await applied(updateCarePlan(ctx, { actor: NINA, id: plan.id, version: plan.version, input: { activities: moved } })));
    reminders = await remindersOf(plan);
    expect(byStatus(reminders, 'scheduled').map((r) => r.eventAt)).toEqual(['2027-03-06T19:00:00.000Z']);

    const staffOnly = activityInputs(plan).map(({ patientReminderTime: _dropped, ...a }) => a);
    const { outcome } = await applied(updateCarePlan(ctx, { actor: NINA, id: plan.id, version: plan.version, input: { activities: staffOnly } }));
    expect(outcome.reminders).toMatchObject({ scheduled: 0, cancelled: 1 });
    expect(byStatus(await remindersOf(plan), 'scheduled')).toEqual([]);
  });

  it('a paused plan withdraws its reminders, resuming schedules them anew, and ending it withdraws them for good', async () => {
    const patientId = await newPatient({ email: false });
    let { plan } = await newPlan(patientId, [visit({ offsetDays: 5 })]);
    const move = async (to: 'on-hold' | 'active' | 'revoked') => {
      const r = await applied(transitionCarePlan(ctx, { actor: NINA, id: plan.id, version: plan.version, input: { to, ...(to === 'active' ? {} : { reason: 'Admitted to hospital' }) } }));
      plan = r.plan;
      return r.outcome.reminders;
    };
    expect(await move('on-hold')).toMatchObject({ scheduled: 0, cancelled: 1 });
    expect(byStatus(await remindersOf(plan), 'cancelled')).toEqual([expect.objectContaining({ statusReason: 'care-plan-on-hold' })]);

    nowMs = T0 + DAY;
    expect(await move('active')).toMatchObject({ scheduled: 1, cancelled: 0 });
    expect(byStatus(await remindersOf(plan), 'scheduled')).toEqual([expect.objectContaining({ eventAt: '2027-03-06T14:30:00.000Z' })]);

    expect(await move('revoked')).toMatchObject({ scheduled: 0, cancelled: 1 });
    const reminders = await remindersOf(plan);
    expect(byStatus(reminders, 'scheduled')).toEqual([]);
    expect(reminders.map((r) => r.statusReason)).toEqual(['care-plan-on-hold', 'care-plan-ended']);
  });

  it('a draft schedules nothing; a patient without a mobile phone or personal email is reported unreachable', async () => {
    const reachable = await newPatient();
    const draft = await newPlan(reachable, [visit()], 'draft');
    expect(draft.outcome.reminders).toMatchObject({ scheduled: 0, unreachable: false });
    expect(await remindersOf(draft.plan)).toEqual([]);

    const unreachable = await newPatient({ phone: false, email: false });
    const { plan, outcome } = await newPlan(unreachable, [visit()]);
    expect(outcome.reminders).toMatchObject({ scheduled: 0, unreachable: true });
    expect(await remindersOf(plan)).toEqual([]);
  });

  it('goes out through the sweep when due, saying the activity’s time, with nothing clinical in it', async () => {
    const patientId = await newPatient({ email: false });
    const { plan } = await newPlan(patientId, [visit({ title: 'Cardiology echo follow-up' })]);
    const [reminder] = await remindersOf(plan);
    nowMs = Date.parse(reminder!.dueAt);
    await sendDueReminders(ctx); // (also sends what earlier tests left due by then)
    expect(await getReminderRecord(ctx, reminder!.id)).toMatchObject({ status: 'sent' });
    const [sms] = stack.sms.outbox().filter((e) => e.direction === 'outbound' && e.reference === reminder!.id);
    expect(sms!.body).toMatch(/^.+: Hi Rosa, your planned activity is Thu, Mar 4, 9:30 AM\. http:\/\/localhost:3000\/r\/[0-9A-Z]{26} Reply STOP to opt out$/);
    expect(sms!.body).not.toMatch(/cardio|echo|heart/i);
  });
});
