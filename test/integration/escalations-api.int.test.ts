import { listAudit } from '../../shared/audit/list-audit';
import type { AppContext } from '../../shared/context';
import { createReferral } from '../../shared/referrals/create-referral';
import type { Referral } from '../../shared/referrals/schema';
import { sweepBreaches } from '../../shared/sla/breach-sweep';
import type { Escalation } from '../../shared/sla/escalations';
import type { EscalationPage } from '../../shared/sla/list-escalation-rows';
import { createTask } from '../../shared/tasks/create-task';
import type { Task } from '../../shared/tasks/schema';
import { patient } from '../fixtures/fhir/builders';
import { TEST_USERS } from '../support/test-issuer';
import { useStack } from './support/stack';

const stack = useStack();
type User = keyof typeof TEST_USERS;
type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

const get = (path: string, who: User = 'casey') => stack.as(who).request(path);
const acknowledge = (id: string, body: unknown, who: User) =>
  stack.as(who).request(`/api/escalations/${id}/acknowledge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
async function page(query: string, who: User = 'casey'): Promise<EscalationPage> {
  const res = await get(`/api/escalations${query}`, who);
  expect(res.status).toBe(200);
  return json<EscalationPage>(res);
}
const rowFor = (p: EscalationPage, itemId: string) => p.rows.find((r) => r.escalation.itemId === itemId);
const escalationOf = async (itemId: string, status: Escalation['status'] = 'open') => rowFor(await page(`?status=${status}&limit=100`), itemId)!.escalation;

let patientId = '';
let nursesTask: Task;
let coordinatorsTask: Task;
let referral: Referral;
let notDue: Task;

/** The context with its clock set three weeks back: what is created there is long past due now. */
const threeWeeksAgo = (): AppContext => ({ ...stack.ctx, clock: { now: () => new Date(Date.now() - 21 * 86_400_000) } });

beforeAll(async () => {
  await stack.post(patient('esc-pat-1', new Date().toISOString()));
  await stack.settle();
  const { patients } = await json<{ patients: { id: string }[] }>(await get('/api/patients'));
  patientId = patients[0]!.id;

  const past = threeWeeksAgo();
  nursesTask = (await createTask(past, { actor: TEST_USERS.nora, input: { patientId, type: 'post-discharge-call', priority: 'stat' } })).task;
  coordinatorsTask = (await createTask(past, { actor: TEST_USERS.casey, input: { patientId, type: 'call-patient', priority: 'urgent' } })).task;
  referral = await createReferral(past, { actor: TEST_USERS.casey, input: { patientId, service: { display: 'Cardiology' }, priority: 'asap' } });
  notDue = (await createTask(stack.ctx, { actor: TEST_USERS.nora, input: { patientId, type: 'post-discharge-call', priority: 'routine' } })).task;
});

describe('GET /api/escalations', () => {
  it('lists nothing before the breach sweep has run', async () => {
    const before = await page('');
    expect(before.rows).toEqual([]);
    expect(before.open).toEqual({ count: 0, capped: false });
  });

  it('after the sweep, lists one open escalation per breach with a summary of its item and the patient’s name', async () => {
    const swept = await sweepBreaches(stack.ctx);
    expect(swept.escalated).toBe(3);

    const all = await page('');
    expect(all.open).toEqual({ count: 3, capped: false });
    expect(all.rows.map((r) => r.escalation.itemId).sort()).toEqual([nursesTask.id, coordinatorsTask.id, referral.id].sort());
    expect(rowFor(all, notDue.id)).toBeUndefined();

    const task = rowFor(all, nursesTask.id)!;
    expect(task.escalation).toMatchObject({ kind: 'task', team: 'nurses', priority: 'stat', status: 'open', version: 1, patientId, dueAt: nursesTask.dueAt });
    expect(task.item).toEqual({ kind: 'task', title: 'Post-discharge call', type: 'post-discharge-call', status: 'ready', team: 'nurses' });
    expect(task.patientName).toContain('McTestface');

    const ref = rowFor(all, referral.id)!;
    expect(ref.escalation).toMatchObject({ kind: 'referral', queue: 'cardiology', priority: 'asap' });
    expect(ref.item).toEqual({ kind: 'referral', service: 'Cardiology', status: 'requested', businessStatus: 'triage', queue: 'cardiology' });
  });

  it('filters by the team that leads them: a referral’s escalation goes to the coordinators', async () => {
    const nurses = await page('?team=nurses', 'nora');
    expect(nurses.rows.map((r) => r.escalation.itemId)).toEqual([nursesTask.id]);
    expect(nurses.open.count).toBe(1);

    const coordinators = await page('?team=coordinators');
    expect(coordinators.rows.map((r) => r.escalation.itemId).sort()).toEqual([coordinatorsTask.id, referral.id].sort());
    expect(coordinators.open.count).toBe(2);
  });

  it('leaves referral details out for a nurse, whose role may not read referrals', async () => {
    const asNurse = await page('?team=coordinators', 'nora');
    const ref = rowFor(asNurse, referral.id)!;
    expect(ref.item).toBeUndefined();
    expect(ref.escalation.kind).toBe('referral');
    expect(rowFor(asNurse, coordinatorsTask.id)!.item).toMatchObject({ kind: 'task', title: 'Call patient' });
  });

  it('pages newest breach first with an opaque cursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const p = await page(`?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(p.rows.length).toBeLessThanOrEqual(1);
      seen.push(...p.rows.map((r) => r.escalation.id));
      cursor = p.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(3);
  });

  it('audits every row shown as a read of its item, for its patient', async () => {
    await page('?team=nurses', 'aubrey');
    const { entries } = await listAudit(stack.ctx, { patientId, limit: 200 });
    const listed = entries.filter((e) => e.actorId === 'u-aubrey' && e.action === 'list');
    expect(listed).toEqual([expect.objectContaining({ resourceType: 'Task', resourceId: nursesTask.id, patientId, role: 'auditor', via: 'api' })]);
  });

  it('refuses bad filters with a 400 that does not echo them, and admins with a 403', async () => {
    const bad = await get('/api/escalations?status=CANARY-closed');
    expect(bad.status).toBe(400);
    expect(await bad.text()).not.toContain('CANARY');
    expect((await get('/api/escalations?team=CANARY-team')).status).toBe(400);
    expect((await get('/api/escalations?cursor=CANARY')).status).toBe(400);
    expect((await get('/api/escalations', 'ada')).status).toBe(403);
  });
});

describe('POST /api/escalations/{id}/acknowledge', () => {
  it('lets a nurse acknowledge her team’s escalation, which moves to the acknowledged list', async () => {
    const escalation = await escalationOf(nursesTask.id);
    const res = await acknowledge(escalation.id, { version: escalation.version }, 'nora');
    expect(res.status).toBe(200);
    expect(await json<Escalation>(res)).toMatchObject({ id: escalation.id, status: 'acknowledged', acknowledgedBy: { id: 'u-nora', name: 'Nora Nurse' }, version: 2 });

    const open = await page('?team=nurses', 'nora');
    expect(open.rows).toEqual([]);
    expect(open.open.count).toBe(0);
    const acknowledged = await page('?status=acknowledged&team=nurses', 'nora');
    expect(acknowledged.rows.map((r) => r.escalation.id)).toEqual([escalation.id]);
    expect(acknowledged.open.count).toBe(0);

    const { entries } = await listAudit(stack.ctx, { patientId, limit: 200 });
    expect(entries.filter((e) => e.actorId === 'u-nora' && e.action === 'update')).toEqual([
      expect.objectContaining({ resourceType: 'Task', resourceId: nursesTask.id, patientId }),
    ]);
  });

  it('answers a stale version with a 409 carrying the current version', async () => {
    const escalation = await escalationOf(nursesTask.id, 'acknowledged');
    const res = await acknowledge(escalation.id, { version: 1 }, 'nora');
    expect(res.status).toBe(409);
    const body = await json<ErrorBody>(res);
    expect(body.error.code).toBe('conflict');
    expect(body.error.details).toMatchObject({ currentVersion: 2, yourVersion: 1 });
  });

  it('refuses another team’s escalation with a 403 that names the team and echoes nothing', async () => {
    const forCoordinators = await escalationOf(coordinatorsTask.id);
    const forReferral = await escalationOf(referral.id);
    for (const id of [forCoordinators.id, forReferral.id]) {
      const res = await acknowledge(id, { version: 1 }, 'nora');
      expect(res.status).toBe(403);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'forbidden', message: 'Only the coordinators team can acknowledge this escalation' } });
      expect(text).not.toContain(id);
    }
    expect((await escalationOf(coordinatorsTask.id)).status).toBe('open');
  });

  it('lets a coordinator acknowledge coordinators’ task and referral escalations, but not a nurses’ one', async () => {
    const other = (await createTask(threeWeeksAgo(), { actor: TEST_USERS.nora, input: { patientId, type: 'post-discharge-call', priority: 'stat' } })).task;
    expect((await sweepBreaches(stack.ctx)).escalated).toBe(1);
    const forNurses = await escalationOf(other.id);
    expect((await acknowledge(forNurses.id, { version: 1 }, 'casey')).status).toBe(403);

    for (const itemId of [coordinatorsTask.id, referral.id]) {
      const escalation = await escalationOf(itemId);
      const res = await acknowledge(escalation.id, { version: escalation.version }, 'riley');
      expect(res.status).toBe(200);
      expect(await json<Escalation>(res)).toMatchObject({ status: 'acknowledged', acknowledgedBy: { id: 'u-riley' } });
    }
    expect((await page('?team=coordinators')).open.count).toBe(0);
    expect((await page('')).open.count).toBe(1);
  });

  it('lets an auditor read every list but acknowledge nothing', async () => {
    const open = await page('', 'aubrey');
    expect(open.rows).toHaveLength(1);
    const acknowledged = await page('?status=acknowledged', 'aubrey');
    expect(acknowledged.rows).toHaveLength(3);
    const res = await acknowledge(open.rows[0]!.escalation.id, { version: 1 }, 'aubrey');
    expect(res.status).toBe(403);
    expect((await page('', 'aubrey')).rows[0]!.escalation.status).toBe('open');
  });

  it('is a 404 for an unknown escalation and a 400 for a malformed id or body', async () => {
    expect((await acknowledge('A'.repeat(32), { version: 1 }, 'casey')).status).toBe(404);
    expect((await acknowledge('not-an-id', { version: 1 }, 'casey')).status).toBe(400);
    const missing = await acknowledge('A'.repeat(32), { version: 'CANARY' }, 'casey');
    expect(missing.status).toBe(400);
    expect(await missing.text()).not.toContain('CANARY');
  });
});

describe('GET /api/openapi.json', () => {
  it('documents the escalation routes', async () => {
    const doc = await json<{ paths: Record<string, unknown> }>(await stack.apiApp.request('/api/openapi.json'));
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/escalations', '/api/escalations/{id}/acknowledge']));
  });
});
