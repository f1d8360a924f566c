import { listAudit } from '../../shared/audit/list-audit';
import type { Dashboard } from '../../shared/dashboard/get-dashboard';
import type { Task } from '../../shared/tasks/schema';
import { patient } from '../fixtures/fhir/builders';
import type { TEST_USERS } from '../support/test-issuer';
import { useStack } from './support/stack';

// A stack of its own, so the dashboard's counts are exactly what this file did.
const stack = useStack();
type Who = keyof typeof TEST_USERS;
let patientId = '';

const get = (path: string, who: Who = 'nora') => stack.as(who).request(path);
const post = (path: string, body: unknown, who: Who = 'nora') =>
  stack.as(who).request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
async function dashboard(query = '', who: Who = 'nora'): Promise<Dashboard> {
  const res = await get(`/api/dashboard${query}`, who);
  expect(res.status).toBe(200);
  return (await res.json()) as Dashboard;
}

beforeAll(async () => {
  await stack.post(patient('dash-pat', new Date().toISOString()));
  await stack.settle();
  const res = await get('/api/patients');
  patientId = ((await res.json()) as { patients: { id: string }[] }).patients[0]!.id;
});

describe('GET /api/dashboard', () => {
  it('counts a task created and then completed by a nurse', async () => {
    const before = await dashboard();
    expect(before.window).toEqual(expect.objectContaining({ days: 30, timeZone: 'UTC' }));
    expect(before.series).toHaveLength(30);

    const created = await post('/api/tasks', { patientId, type: 'post-discharge-call' });
    expect(created.status).toBe(201);
    const task = (await created.json()) as Task;
    const middle = await dashboard();
    expect(middle.tasks.created).toBe(before.tasks.created + 1);
    expect(middle.tasks.completed).toBe(before.tasks.completed);
    expect(middle.taskTeams.find((t) => t.team === 'nurses')).toEqual(expect.objectContaining({ open: 1, unowned: 1 }));

    expect((await post(`/api/tasks/${task.id}/transitions`, { version: task.version, to: 'completed' })).status).toBe(200);
    const after = await dashboard('?days=7&timeZone=America%2FNew_York', 'casey');
    expect(after.window).toEqual(expect.objectContaining({ days: 7, timeZone: 'America/New_York' }));
    expect(after.series).toHaveLength(7);
    expect(after.tasks.completed).toBe(before.tasks.completed + 1);
    expect(after.series.reduce((n, d) => n + d.tasksCompleted, 0)).toBe(1);
    expect(after.tasks.byType).toEqual([{ type: 'post-discharge-call', created: 1, completed: 1 }]);
    expect(after.taskTeams.find((t) => t.team === 'nurses')).toEqual(expect.objectContaining({ open: 0, unowned: 0 }));
  });

  it('is for leads and auditors, not admins', async () => {
    expect((await get('/api/dashboard', 'aubrey')).status).toBe(200);
    expect((await get('/api/dashboard', 'ada')).status).toBe(403);
    expect((await stack.apiApp.request('/api/dashboard')).status).toBe(401);
  });

  it('refuses a window or zone it will not read, without echoing it', async () => {
    for (const query of ['?days=0', '?days=91', '?days=lots-of-days', '?timeZone=Mars%2FOlympus_Mons']) {
      const res = await get(`/api/dashboard${query}`);
      expect(res.status).toBe(400);
      const body = await res.text();
      expect(body).not.toContain('lots-of-days');
      expect(body).not.toContain('Olympus');
    }
  });

  it('audits the read once, with no patient', async () => {
    await dashboard('', 'aubrey');
    const { entries } = await listAudit(stack.ctx, { actorId: 'u-aubrey', limit: 50 });
    const reads = entries.filter((e) => e.resourceType === 'Queue' && e.resourceId === 'dashboard');
    expect(reads.length).toBeGreaterThanOrEqual(1);
    for (const e of reads) {
      expect(e.action).toBe('read');
      expect(e.patientId).toBeUndefined();
    }
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await (await stack.apiApp.request('/api/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/api/dashboard');
  });
});
