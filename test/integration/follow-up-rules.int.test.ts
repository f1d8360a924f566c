import { findTaskIdsBySource, getTaskRecord } from '../../shared/tasks/repository';
import type { Task } from '../../shared/tasks/schema';
import { appointment, encounter, notification, patient } from '../fixtures/fhir/builders';
import { useStack } from './support/stack';

const stack = useStack();
/** Minutes after Friday 2026-11-20 14:00 in New York (19:00Z): discharges land before a weekend and Thanksgiving. */
const t = (minutes: number) => new Date(Date.UTC(2026, 10, 20, 19, minutes)).toISOString();
const admin = (path: string, init?: RequestInit) => stack.as('ada').request(path, init);

/** Tasks the rules created from one EHR resource, sorted by type. */
async function tasksFrom(reference: string): Promise<Task[]> {
  const ids = await findTaskIdsBySource(stack.ctx, { sourceId: 'ehr-test', reference });
  const tasks = await Promise.all(ids.map((id) => getTaskRecord(stack.ctx, id)));
  return tasks.filter((x): x is Task => x !== undefined).sort((a, b) => a.type.localeCompare(b.type));
}

/** An Appointment that is not part of a referral (no basedOn). */
function clinicAppointment(id: string, patientId: string, lastUpdated: string, status: Parameters<typeof appointment>[4]) {
  const { basedOn: _unused, ...rest } = appointment(id, 'none', patientId, lastUpdated, status);
  return rest;
}

beforeAll(async () => {
  expect((await stack.post(patient('pat-fu', t(0)))).status).toBe(202);
  await stack.settle();
});

describe('discharge rule', () => {
  it('creates a post-discharge call (2 business days) and a follow-up visit (10 business days), once', async () => {
    const discharge = encounter('enc-1', 'pat-fu', t(5), 'finished');
    expect((await stack.post(notification(discharge, 1))).status).toBe(202);
    await stack.settle();
    const tasks = await tasksFrom('Encounter/enc-1');
    expect(tasks.map((x) => ({ type: x.type, team: x.team, priority: x.priority, status: x.status, dueAt: x.dueAt, createdBy: x.createdBy }))).toEqual([
      // Fri 20 Nov → Mon 23, Tue 24: due at Tuesday's close in New York (17:00 EST = 22:00Z).
      { type: 'follow-up-visit', team: 'coordinators', priority: 'routine', status: 'ready', dueAt: '2026-12-07T22:00:00.000Z', createdBy: { kind: 'rule', ruleId: 'discharge.follow-up-visit' } },
      { type: 'post-discharge-call', team: 'nurses', priority: 'urgent', status: 'ready', dueAt: '2026-11-24T22:00:00.000Z', createdBy: { kind: 'rule', ruleId: 'discharge.post-discharge-call' } },
    ]);

    // The same event again (a new delivery) and a newer update of the finished encounter: still two tasks.
    await stack.post(notification(discharge, 2));
    await stack.post(encounter('enc-1', 'pat-fu', t(6), 'finished', { meta: { versionId: '2', lastUpdated: t(6) }, period: { start: t(0), end: t(5) } }));
    await stack.settle();
    expect(await tasksFrom('Encounter/enc-1')).toHaveLength(2);
  });

  it('counts from period.end when the encounter was updated later', async () => {
    await stack.post(encounter('enc-late', 'pat-fu', '2026-11-30T15:00:00Z', 'finished', { period: { start: t(0), end: t(1) } }));
    await stack.settle();
    expect((await tasksFrom('Encounter/enc-late')).find((x) => x.type === 'post-discharge-call')?.dueAt).toBe('2026-11-24T22:00:00.000Z');
  });

  it('cancels both tasks with the reason when the EHR marks the encounter entered-in-error', async () => {
    await stack.post(encounter('enc-err', 'pat-fu', t(10), 'finished'));
    await stack.settle();
    expect((await tasksFrom('Encounter/enc-err')).map((x) => x.status)).toEqual(['ready', 'ready']);
    await stack.post(encounter('enc-err', 'pat-fu', t(11), 'entered-in-error', { meta: { versionId: '2', lastUpdated: t(11) } }));
    await stack.settle();
    expect((await tasksFrom('Encounter/enc-err')).map((x) => [x.status, x.statusReason])).toEqual([
      ['cancelled', 'The EHR withdrew the discharge (entered-in-error)'],
      ['cancelled', 'The EHR withdrew the discharge (entered-in-error)'],
    ]);
  });

  it('creates nothing for an ambulatory or an unfinished encounter', async () => {
    await stack.post(encounter('enc-amb', 'pat-fu', t(12), 'finished', { class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' } }));
    await stack.post(encounter('enc-open', 'pat-fu', t(12), 'in-progress'));
    await stack.settle();
    expect(await tasksFrom('Encounter/enc-amb')).toEqual([]);
    expect(await tasksFrom('Encounter/enc-open')).toEqual([]);
  });

  it('also fires for an emergency visit', async () => {
    await stack.post(encounter('enc-emer', 'pat-fu', t(13), 'finished', { class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER' } }));
    await stack.settle();
    expect(await tasksFrom('Encounter/enc-emer')).toHaveLength(2);
  });

  it('ignores an older version that arrives after a newer one', async () => {
    // Version 2 (entered-in-error) first; version 1 (finished) arrives late and must not create work.
    await stack.post(encounter('enc-v', 'pat-fu', t(21), 'entered-in-error', { meta: { versionId: '2', lastUpdated: t(21) } }));
    await stack.settle();
    await stack.post(encounter('enc-v', 'pat-fu', t(20), 'finished'));
    await stack.settle();
    expect(await tasksFrom('Encounter/enc-v')).toEqual([]);
  });

  it('keeps a discharge of a patient not known yet as a failed event, and replay creates the tasks', async () => {
    await stack.post(encounter('enc-new', 'pat-new', t(30), 'finished'), { id: 'msg-enc-new' });
    await stack.settle();
    expect(await tasksFrom('Encounter/enc-new')).toEqual([]);
    type Failed = { events: { id: string; state: string; consumers: Record<string, { state: string; error?: string }> }[] };
    const failed = (await (await admin('/api/events?view=failed')).json()) as Failed;
    const row = failed.events.find((e) => Object.keys(e.consumers).some((k) => k.endsWith('follow-up-work')));
    expect(row).toBeDefined();
    expect(Object.entries(row!.consumers).find(([k]) => k.endsWith('follow-up-work'))![1].error).toMatch(/patient for this event is not known yet/);

    await stack.post(patient('pat-new', t(31)));
    await stack.settle();
    expect((await admin(`/api/events/${row!.id}/replay`, { method: 'POST' })).status).toBe(202);
    await stack.settle();
    expect((await tasksFrom('Encounter/enc-new')).map((x) => x.type)).toEqual(['follow-up-visit', 'post-discharge-call']);
    const after = (await (await admin('/api/events?view=failed')).json()) as Failed;
    expect(after.events.map((e) => e.id)).not.toContain(row!.id);
  });
});

describe('no-show rule', () => {
  it('creates an asap reschedule task for the coordinators, and cancels it when the EHR takes the no-show back', async () => {
    await stack.post(clinicAppointment('appt-fu', 'pat-fu', t(40), 'booked'));
    await stack.settle();
    expect(await tasksFrom('Appointment/appt-fu')).toEqual([]);

    await stack.post(clinicAppointment('appt-fu', 'pat-fu', t(41), 'noshow'));
    await stack.settle();
    const [task, ...others] = await tasksFrom('Appointment/appt-fu');
    expect(others).toEqual([]);
    expect(task).toMatchObject({ type: 'no-show-follow-up', team: 'coordinators', priority: 'asap', status: 'ready', createdBy: { kind: 'rule', ruleId: 'appointment.no-show' } });

    await stack.post(clinicAppointment('appt-fu', 'pat-fu', t(42), 'booked'));
    await stack.settle();
    expect((await tasksFrom('Appointment/appt-fu')).map((x) => [x.status, x.statusReason])).toEqual([['cancelled', 'The EHR took the no-show back (appointment booked)']]);
  });

  it('cancels the task when the appointment is marked entered-in-error', async () => {
    await stack.post(clinicAppointment('appt-err', 'pat-fu', t(50), 'noshow'));
    await stack.settle();
    await stack.post(clinicAppointment('appt-err', 'pat-fu', t(51), 'entered-in-error'));
    await stack.settle();
    expect((await tasksFrom('Appointment/appt-err')).map((x) => [x.status, x.statusReason])).toEqual([['cancelled', 'The EHR withdrew the no-show (entered-in-error)']]);
  });
});
