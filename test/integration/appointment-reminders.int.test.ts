import type { Appointment } from '@medplum/fhirtypes';
import { type AppContext, createContext } from '../../shared/context';
import type { EhrResourceChanged } from '../../shared/events/catalogue';
import { consumeEvent } from '../../shared/inbox/consume-event';
import { getInboxEvent, insertInboxEvent } from '../../shared/inbox/repository';
import type { ConsumerState } from '../../shared/inbox/schema';
import { applyEhrPatient } from '../../shared/patients/apply-ehr-patient';
import { findReminderIdsByLink, getReminderRecord } from '../../shared/reminders/repository';
import type { Reminder } from '../../shared/reminders/schema';
import { appointment, patient } from '../fixtures/fhir/builders';
import { useStack } from './support/stack';
import { useFreshTables } from './support/tables';

const SOURCE = 'ehr-test';
const HOUR = 3_600_000;
/** Monday 2 November 2026, 10:00Z: "now" for the rule unless a test moves it. */
const T0 = Date.parse('2026-11-02T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const inHours = (hours: number) => iso(T0 + hours * HOUR);

const tables = useFreshTables();
let nowMs = T0;
let ctx: AppContext;

beforeAll(async () => {
  ctx = createContext({ config: tables.config, db: tables.db, clock: { now: () => new Date(nowMs) } });
  // p-both: mobile phone and email (the fixture), Spanish. p-en: English. p-none: no contact points.
  await applyEhrPatient(ctx, { sourceId: SOURCE, resource: patient('p-both', inHours(-48)), version: inHours(-48) });
  await applyEhrPatient(ctx, {
    sourceId: SOURCE,
    resource: patient('p-en', inHours(-48), { communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'en-US' }] }, preferred: true }] }),
    version: inHours(-48),
  });
  await applyEhrPatient(ctx, { sourceId: SOURCE, resource: patient('p-none', inHours(-48), { telecom: [{ system: 'phone', value: '+15550100009', use: 'home' }] }), version: inHours(-48) });
});
beforeEach(() => {
  nowMs = T0;
});

/** A clinic Appointment (no referral) for a patient, as the EHR sends it: version `v` is meta.lastUpdated `inHours(v)`. */
function appt(id: string, patientId: string, v: number, status: Appointment['status'], start: string): Appointment {
  const { basedOn: _none, ...rest } = appointment(id, 'none', patientId, inHours(v), status, start);
  return { ...rest, meta: { versionId: String(v), lastUpdated: inHours(v) } };
}

let deliveries = 0;
interface Delivered {
  state: ConsumerState;
  /** Delivers the same event again (EventBridge at least once, or the console's replay). */
  again(): Promise<ConsumerState>;
}

/**
 * Accepts an Appointment into the inbox as the webhook does and delivers its `Appointment.changed`
 * event to the appointment-reminders consumer through consumeEvent. Resolves with the consumer's
 * recorded state, also when it failed (consumeEvent rethrows, for EventBridge to retry).
 */
async function deliver(resource: Appointment, options: { interaction?: 'update' | 'delete'; via?: AppContext } = {}): Promise<Delivered> {
  const inboxId = `appt-delivery-${++deliveries}`;
  const receivedAt = iso(nowMs);
  const interaction = options.interaction ?? 'update';
  const lastUpdated = resource.meta?.lastUpdated;
  await insertInboxEvent(
    ctx,
    {
      id: inboxId,
      sourceId: SOURCE,
      webhookId: inboxId,
      receivedAt,
      kind: 'resource',
      status: 'published',
      entries: [{ resourceType: 'Appointment', resourceId: resource.id!, ...(lastUpdated ? { lastUpdated } : {}), interaction, content: 'full-resource' }],
      published: { '0': `evt-${inboxId}` },
      consumers: {},
      attempts: {},
      ignoredEntries: 0,
      publishAttempts: 1,
    },
    JSON.stringify(resource),
  );
  const detail: EhrResourceChanged = {
    inboxId,
    entry: 0,
    sourceId: SOURCE,
    resourceType: 'Appointment',
    resourceId: resource.id!,
    ...(lastUpdated ? { lastUpdated } : {}),
    interaction,
    content: 'full-resource',
    receivedAt,
  };
  const run = async () => {
    await consumeEvent(options.via ?? ctx, 'appointment-reminders', { id: `evt-${inboxId}`, detail }).catch(() => undefined);
    return (await getInboxEvent(ctx, inboxId))!.consumers['0:appointment-reminders']!;
  };
  return { state: await run(), again: run };
}

/** The appointment's reminders, by channel then offset (largest first). */
async function remindersOf(appointmentId: string): Promise<Reminder[]> {
  const ids = await findReminderIdsByLink(ctx, { appointment: { sourceId: SOURCE, reference: `Appointment/${appointmentId}` } });
  const found = await Promise.all(ids.map((id) => getReminderRecord(ctx, id)));
  return found
    .filter((r): r is Reminder => r !== undefined)
    .sort((a, b) => b.channel.localeCompare(a.channel) || (b.offsetHours ?? 0) - (a.offsetHours ?? 0));
}
const summary = (reminders: Reminder[]) => reminders.map((r) => [r.channel, r.offsetHours, r.dueAt, r.status, r.statusReason]);

describe('appointment-reminders consumer', () => {
  const START = inHours(7 * 24 + 5); // Mon 9 Nov 15:00Z

  it('schedules an SMS and an email reminder 72 h and 24 h before a booked appointment, in the patient’s language', async () => {
    const { state } = await deliver(appt('appt-book', 'p-both', 1, 'booked', START));

    expect(state).toMatchObject({ state: 'done', note: '4 reminder(s) scheduled (sms, email), 0 already existed' });
    const reminders = await remindersOf('appt-book');
    expect(summary(reminders)).toEqual([
      ['sms', 72, inHours(4 * 24 + 5), 'scheduled', undefined],
      ['sms', 24, inHours(6 * 24 + 5), 'scheduled', undefined],
      ['email', 72, inHours(4 * 24 + 5), 'scheduled', undefined],
      ['email', 24, inHours(6 * 24 + 5), 'scheduled', undefined],
    ]);
    expect(new Set(reminders.map((r) => r.patientId)).size).toBe(1);
    for (const r of reminders) {
      expect(r).toMatchObject({
        templateId: 'appointment-reminder',
        language: 'es',
        sendAt: r.dueAt,
        links: { appointment: { sourceId: SOURCE, reference: 'Appointment/appt-book' } },
        createdBy: { kind: 'rule', ruleId: `appointment.reminder.${r.offsetHours}h.${r.channel}` },
      });
    }
  });

  it('creates nothing new on a replay, a redelivery or a newer version at the same start', async () => {
    const first = await deliver(appt('appt-replay', 'p-both', 1, 'booked', START));
    const before = (await remindersOf('appt-replay')).map((r) => [r.id, r.version]);
    expect(before).toHaveLength(4);

    expect(await first.again()).toMatchObject({ state: 'done' }); // the inbox says this entry is finished: skipped at once
    expect((await deliver(appt('appt-replay', 'p-both', 1, 'booked', START))).state).toEqual(
      expect.objectContaining({ state: 'skipped', note: 'An equal or newer version of this appointment was already applied' }),
    );
    expect((await deliver(appt('appt-replay', 'p-both', 2, 'booked', START))).state).toEqual(
      expect.objectContaining({ state: 'skipped', note: '0 reminder(s) scheduled (sms, email), 4 already existed' }),
    );
    expect((await remindersOf('appt-replay')).map((r) => [r.id, r.version])).toEqual(before);
  });

  it('moves the reminders with the appointment', async () => {
    await deliver(appt('appt-move', 'p-both', 1, 'booked', START));
    const later = inHours(9 * 24 + 2); // two days later, Wed 11 Nov 12:00Z

    const { state } = await deliver(appt('appt-move', 'p-both', 2, 'booked', later));

    expect(state).toMatchObject({ state: 'done', note: 'Appointment moved: 4 reminder(s) re-timed, 0 cancelled, 0 left as they were; 0 reminder(s) scheduled (sms, email), 4 already existed' });
    expect(summary(await remindersOf('appt-move'))).toEqual([
      ['sms', 72, inHours(6 * 24 + 2), 'scheduled', undefined],
      ['sms', 24, inHours(8 * 24 + 2), 'scheduled', undefined],
      ['email', 72, inHours(6 * 24 + 2), 'scheduled', undefined],
      ['email', 24, inHours(8 * 24 + 2), 'scheduled', undefined],
    ]);
  });

  it('leaves a reminder that is due but not yet sent alone when an update keeps the start', async () => {
    await deliver(appt('appt-same', 'p-both', 1, 'booked', START));
    nowMs = Date.parse(inHours(4 * 24 + 5)) + 10 * 60_000; // ten minutes after the 72 h reminders were due (deferred, or a sweep behind)

    const { state } = await deliver(appt('appt-same', 'p-both', 2, 'booked', START));

    expect(state).toMatchObject({ state: 'skipped', note: '0 reminder(s) scheduled (sms, email), 2 already existed; too late for 72 h before the start' });
    expect((await remindersOf('appt-same')).map((r) => r.status)).toEqual(['scheduled', 'scheduled', 'scheduled', 'scheduled']);
  });

  it('cancels the 72 h reminders when the appointment moves too close for them, and adds them once it is far enough again', async () => {
    await deliver(appt('appt-soon', 'p-both', 1, 'booked', START));

    const soon = inHours(48); // Wed 4 Nov 10:00Z: 72 h before it has passed
    const moved = await deliver(appt('appt-soon', 'p-both', 2, 'booked', soon));
    expect(moved.state).toMatchObject({ state: 'done', note: expect.stringContaining('2 reminder(s) re-timed, 2 cancelled') });
    expect(moved.state.note).toContain('too late for 72 h before the start');
    expect(summary(await remindersOf('appt-soon'))).toEqual([
      // Cancelled where they were: their new time (Sun 1 Nov 10:00Z) had passed.
      ['sms', 72, inHours(4 * 24 + 5), 'cancelled', 'appointment-moved-too-late'],
      ['sms', 24, inHours(24), 'scheduled', undefined],
      ['email', 72, inHours(4 * 24 + 5), 'cancelled', 'appointment-moved-too-late'],
      ['email', 24, inHours(24), 'scheduled', undefined],
    ]);

    await deliver(appt('appt-soon', 'p-both', 3, 'booked', START));
    expect(summary(await remindersOf('appt-soon')).map(([channel, offset, dueAt, status]) => [channel, offset, dueAt, status])).toEqual([
      ['sms', 72, inHours(4 * 24 + 5), 'scheduled'],
      ['sms', 24, inHours(6 * 24 + 5), 'scheduled'],
      ['email', 72, inHours(4 * 24 + 5), 'scheduled'],
      ['email', 24, inHours(6 * 24 + 5), 'scheduled'],
    ]);
  });

  it('schedules the offsets that become possible when an appointment booked at short notice moves later', async () => {
    const booked = await deliver(appt('appt-short', 'p-both', 1, 'booked', inHours(30)));
    expect(booked.state.note).toBe('2 reminder(s) scheduled (sms, email), 0 already existed; too late for 72 h before the start');
    expect((await remindersOf('appt-short')).map((r) => r.offsetHours)).toEqual([24, 24]);

    await deliver(appt('appt-short', 'p-both', 2, 'booked', START));
    expect(summary(await remindersOf('appt-short'))).toEqual([
      ['sms', 72, inHours(4 * 24 + 5), 'scheduled', undefined],
      ['sms', 24, inHours(6 * 24 + 5), 'scheduled', undefined],
      ['email', 72, inHours(4 * 24 + 5), 'scheduled', undefined],
      ['email', 24, inHours(6 * 24 + 5), 'scheduled', undefined],
    ]);
  });

  it('schedules nothing for an appointment whose start has passed', async () => {
    const { state } = await deliver(appt('appt-past', 'p-both', 1, 'booked', inHours(-2)));
    expect(state).toMatchObject({ state: 'skipped', note: '0 reminder(s) scheduled (sms, email), 0 already existed; too late for 72 h, 24 h before the start' });
    expect(await remindersOf('appt-past')).toEqual([]);
  });

  it.each([
    ['cancelled', 'cancelled', 'update', 'appointment-cancelled'],
    ['marked a no-show', 'noshow', 'update', 'appointment-no-show'],
    ['entered in error', 'entered-in-error', 'update', 'source-withdrawn'],
    ['deleted', 'booked', 'delete', 'source-withdrawn'],
  ] as const)('cancels every scheduled reminder when the appointment is %s', async (_label, status, interaction, reason) => {
    const id = `appt-end-${status}-${interaction}`;
    await deliver(appt(id, 'p-both', 1, 'booked', START));
    nowMs = T0 + HOUR;

    const { state } = await deliver(appt(id, 'p-both', 2, status, START), { interaction });

    expect(state).toMatchObject({ state: 'done', note: `4 reminder(s) cancelled (${reason}), 0 no longer scheduled` });
    expect((await remindersOf(id)).map((r) => [r.status, r.statusReason])).toEqual(Array.from({ length: 4 }, () => ['cancelled', reason]));
  });

  it('ignores an older version that arrives after a newer one', async () => {
    await deliver(appt('appt-order', 'p-both', 2, 'cancelled', START));
    const late = await deliver(appt('appt-order', 'p-both', 1, 'booked', START));
    expect(late.state).toMatchObject({ state: 'skipped', note: 'An equal or newer version of this appointment was already applied' });
    expect(await remindersOf('appt-order')).toEqual([]);
  });

  it('leaves reminders as they are while the appointment is not booked', async () => {
    const { state } = await deliver(appt('appt-pending', 'p-both', 1, 'pending', START));
    expect(state).toMatchObject({ state: 'skipped', note: 'Appointment is pending, not booked: no reminders' });
    expect(await remindersOf('appt-pending')).toEqual([]);
  });

  it('schedules nothing, with a clear note, for a patient with no mobile phone or personal email', async () => {
    const { state } = await deliver(appt('appt-none', 'p-none', 1, 'booked', START));
    expect(state).toMatchObject({ state: 'skipped', note: 'The patient has no mobile phone or personal email address: no reminders scheduled' });
    expect(await remindersOf('appt-none')).toEqual([]);
  });

  it('uses the configured offsets (SIDECAR_APPOINTMENT_REMINDER_OFFSETS_HOURS) and the patient’s English', async () => {
    const configured = createContext({
      config: { ...tables.config, reminders: { appointmentOffsetsHours: [48, 2] } },
      db: tables.db,
      clock: { now: () => new Date(nowMs) },
    });
    await deliver(appt('appt-config', 'p-en', 1, 'booked', START), { via: configured });
    const reminders = await remindersOf('appt-config');
    expect(summary(reminders)).toEqual([
      ['sms', 48, inHours(5 * 24 + 5), 'scheduled', undefined],
      ['sms', 2, inHours(7 * 24 + 3), 'scheduled', undefined],
      ['email', 48, inHours(5 * 24 + 5), 'scheduled', undefined],
      ['email', 2, inHours(7 * 24 + 3), 'scheduled', undefined],
    ]);
    expect(reminders.map((r) => r.language)).toEqual(['en', 'en', 'en', 'en']);
  });

  it('fails an appointment of a patient not known yet (retryable), and a replay after the Patient arrives schedules the reminders', async () => {
    const delivered = await deliver(appt('appt-unknown', 'p-later', 1, 'booked', START));
    expect(delivered.state).toMatchObject({ state: 'failed', error: 'UnavailableError: The patient for this event is not known yet; it will be retried' });
    expect(await remindersOf('appt-unknown')).toEqual([]);

    await applyEhrPatient(ctx, { sourceId: SOURCE, resource: patient('p-later', inHours(1)), version: inHours(1) });
    expect(await delivered.again()).toMatchObject({ state: 'done', note: '4 reminder(s) scheduled (sms, email), 0 already existed' });
    expect(await remindersOf('appt-unknown')).toHaveLength(4);
  });
});

describe('wired like npm start: EHR webhook → EventBridge stand-in → appointment-reminders', () => {
  const stack = useStack();

  it('a booked appointment posted to the webhook gets its reminders', async () => {
    const now = stack.ctx.clock.now().getTime();
    const start = new Date(now + 5 * 24 * HOUR).toISOString();
    expect((await stack.post(patient('p-wired', new Date(now - HOUR).toISOString()))).status).toBe(202);
    await stack.settle();
    const { basedOn: _none, ...booked } = appointment('appt-wired', 'none', 'p-wired', new Date(now).toISOString(), 'booked', start);
    expect((await stack.post(booked)).status).toBe(202);
    await stack.settle();

    const ids = await findReminderIdsByLink(stack.ctx, { appointment: { sourceId: SOURCE, reference: 'Appointment/appt-wired' } });
    const reminders = await Promise.all(ids.map((id) => getReminderRecord(stack.ctx, id)));
    expect(reminders.map((r) => `${r?.channel} ${r?.offsetHours}h ${r?.status}`).sort()).toEqual(['email 24h scheduled', 'email 72h scheduled', 'sms 24h scheduled', 'sms 72h scheduled']);
  });
});
