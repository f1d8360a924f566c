import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { listAudit } from '../../shared/audit/list-audit';
import type { CarePlan } from '../../shared/careplans/schema';
import type { AppContext } from '../../shared/context';
import { NotFoundError } from '../../shared/errors';
import { applyEhrPatient } from '../../shared/patients/apply-ehr-patient';
import { getPatientOverview, PATIENT_TIMELINE_LIMIT, TIMELINE_READ_CONCURRENCY } from '../../shared/patients/get-patient-overview';
import type { PatientOverview } from '../../shared/patients/overview-schema';
import type { Referral } from '../../shared/referrals/schema';
import { addTaskNote } from '../../shared/tasks/add-task-note';
import { createTask } from '../../shared/tasks/create-task';
import type { Task } from '../../shared/tasks/schema';
import { patient } from '../fixtures/fhir/builders';
import { TEST_USERS } from '../support/test-issuer';
import { useStack } from './support/stack';

const stack = useStack();
type User = keyof typeof TEST_USERS;
const MINUTE = 60_000;
const NINA = { id: 'u-nina', name: 'Nina Nurse', role: 'nurse' };

const send = (who: User, path: string, body?: unknown) =>
  stack.as(who).request(path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
async function ok<T>(res: Response, status = 200): Promise<T> {
  expect(res.status).toBe(status);
  return (await res.json()) as T;
}
const overviewOf = (patientId: string, who: User = 'casey') => send(who, `/api/patients/${patientId}/overview`);

/** A Sidecar patient made the way the EHR's Patient events make them. */
async function ehrPatient(ehrId: string, sourceId = 'ehr-test'): Promise<string> {
  const now = stack.ctx.clock.now().toISOString();
  return (await applyEhrPatient(stack.ctx, { sourceId, resource: patient(ehrId, now), version: now })).patientId;
}

/** One step of the story, a minute after the last, so every entry has its own time. */
async function step<T>(act: () => Promise<T>): Promise<T> {
  stack.advance(MINUTE);
  return act();
}

const REFERRAL_NOTE = 'Spoke with the cardiology front desk about the fax';

describe('the patient overview', () => {
  let patientId: string;
  let referral: Referral;
  let nurseTask: Task;
  let coordTask: Task;
  let plan: CarePlan;

  beforeAll(async () => {
    patientId = await ehrPatient('ov-1');
    referral = await step(() => send('casey', '/api/referrals', { patientId, service: { display: 'Cardiology' } }).then((r) => ok<Referral>(r, 201)));
    nurseTask = await step(() => send('nora', '/api/tasks', { patientId, type: 'post-discharge-call' }).then((r) => ok<Task>(r, 201)));
    coordTask = await step(() => send('casey', '/api/tasks', { patientId, type: 'call-patient' }).then((r) => ok<Task>(r, 201)));
    plan = await step(() => send('nora', '/api/care-plans', { patientId, title: 'Heart failure follow-up', category: 'heart-failure' }).then((r) => ok<CarePlan>(r, 201)));
    await step(() => send('casey', `/api/referrals/${referral.id}/transitions`, { version: referral.version, action: 'accept', note: 'Complete packet' }).then((r) => ok(r)));
    await step(() => send('nora', `/api/tasks/${nurseTask.id}/transitions`, { version: nurseTask.version, to: 'in-progress' }).then((r) => ok(r)));
    await step(() => send('casey', `/api/referrals/${referral.id}/notes`, { text: REFERRAL_NOTE }).then((r) => ok(r, 201)));
    await step(() => send('nora', `/api/care-plans/${plan.id}/transitions`, { version: plan.version, to: 'active' }).then((r) => ok(r)));
    await step(() => send('casey', `/api/tasks/${coordTask.id}/transitions`, { version: coordTask.version, to: 'completed', note: 'Reached her' }).then((r) => ok(r)));
  });

  it('shows a coordinator the header, each section, and one timeline merged newest first across items', async () => {
    const o = await ok<PatientOverview>(await overviewOf(patientId));
    expect(o.patient).toMatchObject({ id: patientId, name: { text: 'Testy McTestface' }, birthDate: '1961-04-12' });
    expect(o.ehr).toEqual({ sourceId: 'ehr-test', sourceName: 'Test EHR', reference: 'Patient/ov-1', chartUrl: 'http://127.0.0.1:9/ehr/Patient/ov-1' });
    expect(o.referrals).toEqual({ items: [expect.objectContaining({ id: referral.id, status: 'accepted' })], capped: false });
    expect(o.tasks?.open.map((t) => [t.id, t.status])).toEqual([[nurseTask.id, 'in-progress']]);
    expect(o.tasks?.recentlyClosed.map((t) => [t.id, t.status])).toEqual([[coordTask.id, 'completed']]);
    expect(o.carePlans).toEqual({ items: [expect.objectContaining({ id: plan.id, status: 'active', category: 'heart-failure' })], capped: false });

    expect(o.timeline.truncated).toBe(false);
    expect(o.timeline.entries.map((e) => `${e.item.type}:${e.item.label}:${e.kind}:${e.from?.status ?? ''}>${e.to?.status ?? ''}:${e.actor.name}`)).toEqual([
      'task:Call patient:transition:ready>completed:Casey Coordinator',
      'care-plan:Heart failure follow-up:transition:draft>active:Nora Nurse',
      'referral:Cardiology:note:>:Casey Coordinator',
      'task:Post-discharge call:transition:ready>in-progress:Nora Nurse',
      'referral:Cardiology:transition:requested>accepted:Casey Coordinator',
      'care-plan:Heart failure follow-up:created:>draft:Nora Nurse',
      'task:Call patient:created:>ready:Casey Coordinator',
      'task:Post-discharge call:created:>ready:Nora Nurse',
      'referral:Cardiology:created:>requested:Casey Coordinator',
    ]);
    const times = o.timeline.entries.map((e) => e.at);
    expect([...times].sort().reverse()).toEqual(times);
    expect(o.timeline.entries.find((e) => e.kind === 'note')).toMatchObject({ item: { type: 'referral', id: referral.id }, note: REFERRAL_NOTE });
    expect(o.timeline.entries.find((e) => e.item.type === 'referral' && e.kind === 'transition')).toMatchObject({
      action: 'accept',
      from: { status: 'requested', businessStatus: 'triage' },
      note: 'Complete packet',
    });
  });

  it('leaves referrals and every trace of them out of a nurse’s overview, keeping tasks and care plans', async () => {
    const o = await ok<PatientOverview>(await overviewOf(patientId, 'nora'));
    expect(o.referrals).toBeUndefined();
    expect(o.tasks?.open.map((t) => t.id)).toEqual([nurseTask.id]);
    expect(o.carePlans?.items.map((p) => p.id)).toEqual([plan.id]);
    expect(o.timeline.entries.map((e) => e.item.type)).toEqual(['task', 'care-plan', 'task', 'care-plan', 'task', 'task']);
    const body = JSON.stringify(o);
    for (const secret of [referral.id, REFERRAL_NOTE, 'Cardiology', 'Complete packet']) expect(body).not.toContain(secret);
  });

  it('gives a nurse the patient but not their referrals from GET /api/patients/:id too', async () => {
    const forNurse = await ok<{ patient: { id: string }; referrals: unknown[] }>(await send('nora', `/api/patients/${patientId}`));
    expect(forNurse.patient.id).toBe(patientId);
    expect(forNurse.referrals).toEqual([]);
    const forCoordinator = await ok<{ referrals: { id: string }[] }>(await send('casey', `/api/patients/${patientId}`));
    expect(forCoordinator.referrals.map((r) => r.id)).toEqual([referral.id]);
  });

  it('shows an auditor everything, read-only, and refuses an admin (no patient access)', async () => {
    const o = await ok<PatientOverview>(await overviewOf(patientId, 'aubrey'));
    expect(o.referrals?.items).toHaveLength(1);
    expect(o.timeline.entries).toHaveLength(9);
    const refused = await overviewOf(patientId, 'ada');
    expect(refused.status).toBe(403);
    expect(JSON.stringify(await refused.json())).not.toContain('McTestface');
  });

  it('audits the patient read and every record the overview showed, per viewer', async () => {
    // Staff who have not opened this patient before, so each one's records are this one read's.
    await ok(await overviewOf(patientId, 'riley'));
    await ok(await stack.as(NINA).request(`/api/patients/${patientId}/overview`));
    const { entries } = await listAudit(stack.ctx, { patientId, limit: 200 });
    const seen = (actorId: string) =>
      entries
        .filter((e) => e.actorId === actorId && (e.action === 'read' || e.action === 'list'))
        .map((e) => `${e.action} ${e.resourceType} ${e.resourceId}`)
        .sort();
    expect(seen('u-riley')).toEqual(
      [`read Patient ${patientId}`, `list Referral ${referral.id}`, `list Task ${nurseTask.id}`, `list Task ${coordTask.id}`, `list CarePlan ${plan.id}`].sort(),
    );
    expect(seen(NINA.id)).toEqual([`read Patient ${patientId}`, `list Task ${nurseTask.id}`, `list Task ${coordTask.id}`, `list CarePlan ${plan.id}`].sort());
  });

  it('answers 404 for an unknown patient and 400 for a malformed id, echoing neither', async () => {
    const missing = await overviewOf('01JD0000000000000000000000');
    expect(missing.status).toBe(404);
    const bad = await overviewOf('not-an-id-CANARY');
    expect(bad.status).toBe(400);
    expect(await bad.text()).not.toContain('CANARY');
    await expect(getPatientOverview(stack.ctx, { id: '01JD0000000000000000000000', role: 'coordinator' })).rejects.toThrow(NotFoundError);
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = await ok<{ paths: Record<string, unknown> }>(await stack.apiApp.request('/api/openapi.json'));
    expect(doc.paths).toHaveProperty('/api/patients/{id}/overview');
  });
});

describe('the overview’s EHR link', () => {
  it('gives the EHR reference, and no chart link, when the source has no chart pages', async () => {
    const patientId = await ehrPatient('ov-unlinked', 'ehr-elsewhere');
    const o = await ok<PatientOverview>(await overviewOf(patientId));
    expect(o.ehr).toEqual({ sourceId: 'ehr-elsewhere', reference: 'Patient/ov-unlinked' });
    expect(o.timeline).toEqual({ entries: [], limit: PATIENT_TIMELINE_LIMIT, truncated: false });
  });
});

describe('the overview’s bounds', () => {
  it('keeps the newest entries when one item has more than the timeline holds, and says it is cut', async () => {
    const patientId = await ehrPatient('ov-busy');
    const { task } = await createTask(stack.ctx, { actor: { ...TEST_USERS.casey }, input: { patientId, type: 'call-patient' } });
    for (let i = 0; i < PATIENT_TIMELINE_LIMIT + 4; i++) {
      stack.advance(1000);
      await addTaskNote(stack.ctx, { actor: TEST_USERS.casey, id: task.id, text: `note ${i}` });
    }
    const o = await getPatientOverview(stack.ctx, { id: patientId, role: 'coordinator' });
    expect(o.timeline.entries).toHaveLength(PATIENT_TIMELINE_LIMIT);
    expect(o.timeline.truncated).toBe(true);
    expect(o.timeline.entries[0]?.note).toBe(`note ${PATIENT_TIMELINE_LIMIT + 3}`);
    expect(o.timeline.entries.at(-1)?.note).toBe('note 4');
  });

  it('reads with Queries only, never more than the concurrency limit at once', async () => {
    const patientId = await ehrPatient('ov-wide');
    for (let i = 0; i < 3 * TIMELINE_READ_CONCURRENCY; i++) await createTask(stack.ctx, { actor: { ...TEST_USERS.nora }, input: { patientId, type: 'post-discharge-call' } });
    let inFlight = 0;
    let peak = 0;
    const kinds = new Set<string>();
    const base = stack.ctx;
    const counting: AppContext = {
      ...base,
      db: {
        send: async (command: { constructor: { name: string }; input: { KeyConditionExpression?: string; IndexName?: string } }) => {
          kinds.add(command.constructor.name);
          const partitionRead = command instanceof QueryCommand && !command.input.IndexName;
          if (partitionRead) peak = Math.max(peak, ++inFlight);
          try {
            return await base.db.send(command as never);
          } finally {
            if (partitionRead) inFlight--;
          }
        },
      } as unknown as AppContext['db'],
    };
    const o = await getPatientOverview(counting, { id: patientId, role: 'nurse' });
    expect(o.tasks?.open).toHaveLength(3 * TIMELINE_READ_CONCURRENCY);
    expect(o.timeline.entries).toHaveLength(3 * TIMELINE_READ_CONCURRENCY);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(TIMELINE_READ_CONCURRENCY);
    expect(kinds.has(ScanCommand.name)).toBe(false);
    expect([...kinds].every((k) => k === 'QueryCommand' || k === 'GetCommand')).toBe(true);
  });
});
