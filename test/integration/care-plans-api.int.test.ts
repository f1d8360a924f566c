import type { Resource } from '@medplum/fhirtypes';
import type { CarePlan } from '../../shared/careplans/schema';
import { fhirIssues } from '../../shared/fhir/validate';
import type { Task } from '../../shared/tasks/schema';
import { patient } from '../fixtures/fhir/builders';
import { useStack } from './support/stack';

const stack = useStack();
let patientId = '';
const nora = () => stack.as('nora');
const post = (path: string, body: unknown, as = nora()) => as.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

beforeAll(async () => {
  await stack.post(patient('cp-pat', new Date().toISOString()));
  await stack.settle();
  const { patients } = (await (await stack.api.request('/api/patients')).json()) as { patients: { id: string }[] };
  patientId = patients[0]!.id;
});

async function planTasks(carePlanId: string): Promise<Task[]> {
  const page = (await (await nora().request('/api/tasks?view=team&team=nurses&ownership=any&limit=100')).json()) as { rows: { task: Task }[] };
  return page.rows.map((r) => r.task).filter((t) => t.links.carePlanId === carePlanId);
}

describe('/api/care-plans', () => {
  it('applies a template: the active plan’s activities become tasks in the nurses’ queue, once', async () => {
    const res = await post('/api/care-plans', { patientId, templateId: 'post-discharge-transitional-care', status: 'active' });
    expect(res.status).toBe(201);
    const plan = (await res.json()) as CarePlan;
    expect(plan).toMatchObject({ status: 'active', patientId, category: 'transitional-care' });
    const tasks = await planTasks(plan.id);
    expect(tasks.length).toBe(plan.activities.length);
    expect(tasks.every((t) => t.status === 'ready' && t.team === 'nurses')).toBe(true);
    expect(tasks.map((t) => t.type)).toEqual(expect.arrayContaining(['post-discharge-call']));

    // Revoking the plan cancels the work it generated that is still pending.
    const revoked = await post(`/api/care-plans/${plan.id}/transitions`, { version: plan.version, to: 'revoked', reason: 'Patient moved away' });
    expect(revoked.status).toBe(200);
    expect(await planTasks(plan.id)).toEqual([]);
  });

  it('a draft generates nothing until it is activated', async () => {
    const plan = (await (await post('/api/care-plans', { patientId, templateId: 'heart-failure-follow-up' })).json()) as CarePlan;
    expect(plan.status).toBe('draft');
    expect(await planTasks(plan.id)).toEqual([]);
    const active = (await (await post(`/api/care-plans/${plan.id}/transitions`, { version: plan.version, to: 'active' })).json()) as CarePlan;
    expect(active.status).toBe('active');
    expect((await planTasks(plan.id)).length).toBeGreaterThan(0);
  });

  it('exports a FHIR R4 CarePlan and Goals that validate', async () => {
    const plan = (await (await post('/api/care-plans', { patientId, templateId: 'diabetes-quarterly-review', status: 'active' })).json()) as CarePlan;
    const res = await nora().request(`/api/care-plans/${plan.id}/fhir`);
    expect(res.status).toBe(200);
    const exported = (await res.json()) as { carePlan: Resource; goals: Resource[] };
    expect(exported.carePlan.resourceType).toBe('CarePlan');
    expect(exported.goals.length).toBeGreaterThan(0);
    for (const r of [exported.carePlan, ...exported.goals]) expect(fhirIssues(r)).toEqual([]);
  });

  it('lists a patient’s plans; stale versions are 409; coordinators read, only nurses write; auditors read', async () => {
    const list = (await (await stack.api.request(`/api/care-plans?patientId=${patientId}`)).json()) as { carePlans: CarePlan[] };
    expect(list.carePlans.length).toBeGreaterThanOrEqual(3);
    const plan = list.carePlans[0]!;
    expect((await post(`/api/care-plans/${plan.id}/revisions`, { version: plan.version + 5, title: 'Renamed' })).status).toBe(409);
    expect((await post('/api/care-plans', { patientId, templateId: 'heart-failure-follow-up' }, stack.api)).status).toBe(403);
    expect((await stack.as('aubrey').request(`/api/care-plans/${plan.id}`)).status).toBe(200);
    expect((await stack.as('ada').request(`/api/care-plans/${plan.id}`)).status).toBe(403);
  });
});
