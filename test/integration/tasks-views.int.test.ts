import type { TaskCounts } from '../../shared/tasks/get-task-counts';
import type { TaskPage } from '../../shared/tasks/list-tasks';
import type { Task } from '../../shared/tasks/schema';
import { recordSignIn } from '../../shared/users/directory';
import { patient } from '../fixtures/fhir/builders';
import { TEST_USERS } from '../support/test-issuer';
import { useStack } from './support/stack';

// A fresh stack (and tables) of its own, so every list and count here is exact.
const stack = useStack();
const olga = { id: 'u-olga', name: 'Olga Nurse', role: 'nurse' } as const;
type Who = keyof typeof TEST_USERS | typeof olga;
let patientId = '';

const client = (who: Who) => stack.as(who);
const post = async (path: string, body: unknown, who: Who = 'nora') =>
  client(who).request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const get = (path: string, who: Who = 'nora') => client(who).request(path);
async function json<T>(res: Response): Promise<T> {
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}
const hours = (h: number) => new Date(stack.ctx.clock.now().getTime() + h * 3_600_000).toISOString();

async function newTask(body: Record<string, unknown>, who: Who = 'nora'): Promise<Task> {
  const res = await post('/api/tasks', { patientId, type: 'post-discharge-call', ...body }, who);
  expect(res.status).toBe(201);
  return (await res.json()) as Task;
}
async function move(t: Task, body: Record<string, unknown>, who: Who = 'nora'): Promise<Task> {
  const res = await post(`/api/tasks/${t.id}/transitions`, { version: t.version, ...body }, who);
  expect(res.status).toBe(200);
  return (await res.json()) as Task;
}
const list = async (query: string, who: Who = 'nora') => json<TaskPage>(await get(`/api/tasks?${query}`, who));
const ids = (page: TaskPage) => page.rows.map((r) => r.task.id);
const counts = async (query: string, who: Who = 'nora') => json<TaskCounts>(await get(`/api/tasks/counts?${query}`, who));

const t: Record<'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G', Task> = {} as never;

beforeAll(async () => {
  await stack.post(patient('views-pat', new Date().toISOString()));
  await stack.settle();
  patientId = (await json<{ patients: { id: string }[] }>(await get('/api/patients'))).patients[0]!.id;
  await recordSignIn(stack.ctx, olga);

  // An explicit due time: stat's 4 business hours would cross the close of business at some times of day.
  t.A = await newTask({ priority: 'stat', dueAt: hours(4) }); // due in 4 h, unowned
  t.B = await newTask({ type: 'call-patient', team: 'nurses', dueAt: hours(-1) }); // overdue, unowned
  t.C = await newTask({ priority: 'urgent', ownerId: 'u-nora' }); // due in 72 h, Nora's
  t.D = await move(await newTask({ dueAt: hours(-2), ownerId: 'u-nora' }), { to: 'on-hold', reason: 'Readmitted' }); // past due but paused
  t.E = await move(await newTask({ dueAt: hours(-3) }), { to: 'completed' }); // closed
  t.F = await newTask({ type: 'call-patient', dueAt: hours(-1) }, 'casey'); // coordinators' queue
  t.G = await move(await newTask({ priority: 'asap', dueAt: hours(1) }), { to: 'in-progress' }); // started by Nora
});

describe('GET /api/tasks views', () => {
  it('My work: my open tasks, by priority then due time', async () => {
    const page = await list('view=mine');
    expect(ids(page)).toEqual([t.G.id, t.C.id, t.D.id]);
    expect(page.rows[0]!.patientName).toBe('Testy McTestface');
    expect(ids(await list('view=mine', olga))).toEqual([]);
  });

  it('Team queue: the team’s open tasks, all, unowned or owned', async () => {
    expect(ids(await list('view=team'))).toEqual([t.A.id, t.G.id, t.C.id, t.D.id, t.B.id]);
    expect(ids(await list('view=team&ownership=unowned'))).toEqual([t.A.id, t.B.id]);
    expect(ids(await list('view=team&ownership=owned'))).toEqual([t.G.id, t.C.id, t.D.id]);
    expect(ids(await list('view=team', 'casey'))).toEqual([t.F.id]);
    // Others may look at a team's queue they do not work.
    expect(ids(await list('view=team&team=nurses', 'casey'))).toEqual(ids(await list('view=team')));
  });

  it('Due today: running work due before the end of my day (overdue included, on-hold not)', async () => {
    const page = await list(`view=due-today&dueBefore=${encodeURIComponent(hours(6))}`);
    expect(ids(page)).toEqual([t.A.id, t.G.id, t.B.id]);
    expect(page.rows.map((r) => r.overdue)).toEqual([false, false, true]);
    // The cutoff may carry any offset; it is the instant that counts.
    const offset = new Date(Date.parse(hours(2))).toISOString().replace('Z', '+00:00');
    expect(ids(await list(`view=due-today&dueBefore=${encodeURIComponent(offset)}`))).toEqual([t.G.id, t.B.id]);
  });

  it('Overdue: running work past its due time', async () => {
    expect(ids(await list('view=overdue'))).toEqual([t.B.id]);
    expect(ids(await list('view=overdue', 'casey'))).toEqual([t.F.id]);
  });

  it('refuses views it cannot serve with 400', async () => {
    expect((await get('/api/tasks?view=due-today')).status).toBe(400);
    expect((await get('/api/tasks?view=someday')).status).toBe(400);
    expect((await get('/api/tasks?view=team&cursor=not-a-cursor')).status).toBe(400);
    // Auditors work no queue of their own: they name the team.
    expect((await get('/api/tasks?view=team', 'aubrey')).status).toBe(400);
    expect(ids(await list('view=team&team=nurses', 'aubrey'))).toHaveLength(5);
  });
});

describe('GET /api/tasks/counts', () => {
  it('counts the rows of every view', async () => {
    const dueBefore = encodeURIComponent(hours(6));
    expect(await counts(`dueBefore=${dueBefore}`)).toEqual({ team: 'nurses', views: { mine: 3, team: 5, 'due-today': 3, overdue: 1 }, unowned: 2, capped: [] });
    expect(await counts(`dueBefore=${dueBefore}`, 'casey')).toEqual({ team: 'coordinators', views: { mine: 0, team: 1, 'due-today': 1, overdue: 1 }, unowned: 1, capped: [] });
    expect((await counts(`dueBefore=${dueBefore}&team=nurses`, 'aubrey')).views.team).toBe(5);
    expect((await get(`/api/tasks/counts?dueBefore=${dueBefore}`, 'aubrey')).status).toBe(400);
    expect((await get('/api/tasks/counts')).status).toBe(400);
  });

  it('keeps agreeing with the lists as work is claimed, handed over, closed and as time passes', async () => {
    const before = await counts(`dueBefore=${encodeURIComponent(hours(6))}`);
    const claimed = await json<Task>(await post(`/api/tasks/${t.A.id}/claim`, {}, olga));
    await json<Task>(await post(`/api/tasks/${t.C.id}/assign`, { version: t.C.version, ownerId: 'u-casey', team: 'coordinators' }));
    await move(claimed, { to: 'completed' }, olga);
    const after = await counts(`dueBefore=${encodeURIComponent(hours(6))}`);
    expect(after.views).toEqual({ mine: before.views.mine - 1, team: before.views.team - 2, 'due-today': before.views['due-today'] - 1, overdue: 1 });
    expect(after.unowned).toBe(before.unowned - 1);
    expect(after.views.mine).toBe((await list('view=mine')).rows.length);
    expect(after.views.team).toBe((await list('view=team')).rows.length);
    expect(after.unowned).toBe((await list('view=team&ownership=unowned')).rows.length);
    expect((await counts(`dueBefore=${encodeURIComponent(hours(6))}`, 'casey')).views).toMatchObject({ mine: 1, team: 2 });

    // Two hours on, G (due in one hour) is overdue too; D stays paused.
    stack.advance(2 * 3_600_000);
    try {
      expect(ids(await list('view=overdue'))).toEqual([t.G.id, t.B.id]);
      expect((await counts(`dueBefore=${encodeURIComponent(hours(6))}`)).views.overdue).toBe(2);
    } finally {
      stack.advance(-2 * 3_600_000);
    }
  });
});

describe('paging', () => {
  it('pages through a team queue with a cursor, each task once, in order', async () => {
    const priorities = ['stat', 'asap', 'urgent', 'routine'];
    for (let i = 0; i < 22; i++) await newTask({ priority: priorities[i % 4], dueAt: hours(10 + (i % 5)), ...(i % 3 === 0 ? { ownerId: 'u-olga' } : {}) });
    for (const query of ['view=team', 'view=team&ownership=unowned', `view=due-today&dueBefore=${encodeURIComponent(hours(13))}`]) {
      const all = ids(await list(`${query}&limit=100`));
      expect(all.length).toBeGreaterThan(5);
      const paged: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await list(`${query}&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.rows.length).toBeLessThanOrEqual(4);
        paged.push(...ids(page));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 50);
      expect(paged).toEqual(all);
    }
  });
});
