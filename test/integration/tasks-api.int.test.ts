import { taskDueAt } from '../../shared/tasks/due';
import fc from 'fast-check';
import { listAudit } from '../../shared/audit/list-audit';
import { ConflictError } from '../../shared/errors';
import { claimTask } from '../../shared/tasks/claim-task';
import { logAttempt } from '../../shared/tasks/log-attempt';
import { readTeamCounts } from '../../shared/tasks/repository';
import type { Referral } from '../../shared/referrals/schema';
import { cancelTasksFromSource } from '../../shared/tasks/cancel-tasks-from-source';
import { createTask } from '../../shared/tasks/create-task';
import type { TaskView } from '../../shared/tasks/get-task';
import type { Task, TaskSource } from '../../shared/tasks/schema';
import { patient } from '../fixtures/fhir/builders';
import { TEST_USERS } from '../support/test-issuer';
import { type ApiClient, useStack } from './support/stack';

const stack = useStack();
let patientId = '';
let otherPatientId = '';

type User = keyof typeof TEST_USERS;
const send = (who: User, path: string, body?: unknown) =>
  stack.as(who).request(path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const post = (path: string, body: unknown, who: User = 'casey') => send(who, path, body);
const get = (path: string, who: User = 'casey') => send(who, path);
async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown>; issues?: { path: string; message: string }[] } };

async function newTask(body: Record<string, unknown> = {}, who: User = 'casey'): Promise<Task> {
  const res = await post('/api/tasks', { patientId, type: 'call-patient', ...body }, who);
  expect(res.status).toBe(201);
  return json<Task>(res);
}
const view = async (id: string, who: User = 'casey') => json<TaskView>(await get(`/api/tasks/${id}`, who));

beforeAll(async () => {
  const now = new Date().toISOString();
  await stack.post(patient('task-pat-1', now));
  await stack.post(patient('task-pat-2', now, { name: [{ given: ['Other'], family: 'Person' }] }));
  await stack.settle();
  const { patients } = await json<{ patients: { id: string; name?: { text: string } }[] }>(await get('/api/patients'));
  patientId = patients.find((p) => p.name?.text.includes('McTestface'))!.id;
  otherPatientId = patients.find((p) => p.name?.text.includes('Person'))!.id;
});

describe('POST /api/tasks', () => {
  it('creates a ready task in its type’s team queue, titled by type, due by priority', async () => {
    const t = await newTask({ type: 'post-discharge-call', priority: 'urgent', note: 'Discharged yesterday' }, 'nora');
    expect(t).toMatchObject({ status: 'ready', team: 'nurses', title: 'Post-discharge call', priority: 'urgent', version: 1, attempts: [], createdBy: { kind: 'user', id: 'u-nora' } });
    expect(t.owner).toBeUndefined();
    expect(t.dueAt).toBe(taskDueAt('urgent', new Date(t.createdAt)));
    expect(Date.parse(t.dueAt) - Date.parse(t.createdAt)).toBeGreaterThanOrEqual(27 * 3_600_000);
    const v = await view(t.id, 'nora');
    expect(v.timeline).toEqual([expect.objectContaining({ kind: 'created', to: 'ready', note: 'Discharged yesterday', actor: { id: 'u-nora', name: 'Nora Nurse' } })]);
    expect(v.patient?.id).toBe(patientId);
  });

  it('takes an owner from the team, an explicit due time, a not-before and links', async () => {
    const referral = await json<Referral>(await post('/api/referrals', { patientId, service: { display: 'Cardiology' } }));
    const t = await newTask({
      type: 'custom',
      title: 'Arrange transport',
      ownerId: 'u-riley',
      dueAt: '2030-01-02T17:00:00-05:00',
      notBefore: '2030-01-01T09:00:00-05:00',
      links: { referralId: referral.id, appointmentRef: { sourceId: 'ehr-test', reference: 'Appointment/a-1' } },
    });
    expect(t).toMatchObject({
      team: 'coordinators',
      owner: { id: 'u-riley', name: 'Riley Coordinator' },
      dueAt: '2030-01-02T22:00:00.000Z',
      notBefore: '2030-01-01T14:00:00.000Z',
      links: { referralId: referral.id, appointmentRef: { sourceId: 'ehr-test', reference: 'Appointment/a-1' } },
    });
  });

  it('refuses bad input with 400 without echoing it, and an unknown patient with 404', async () => {
    const bad = await post('/api/tasks', { patientId, type: 'custom', priority: 'CANARY-whenever' });
    expect(bad.status).toBe(400);
    const text = await bad.text();
    expect(text).toContain('priority');
    expect(text).not.toContain('CANARY');
    const untitled = await post('/api/tasks', { patientId, type: 'custom' });
    expect(untitled.status).toBe(400);
    expect((await json<ErrorBody>(untitled)).error.issues).toEqual([{ path: 'title', message: 'A custom task needs a title' }]);
    expect((await post('/api/tasks', { patientId: '01JDUNKNOWNPATIENT000000000', type: 'call-patient' })).status).toBe(404);
  });

  it('refuses an owner who is not on the team, and a referral of another patient', async () => {
    const notOnTeam = await post('/api/tasks', { patientId, type: 'call-patient', ownerId: 'u-nora' });
    expect(notOnTeam.status).toBe(400);
    expect((await json<ErrorBody>(notOnTeam)).error.message).toBe('The owner must be a member of the coordinators team');
    expect((await post('/api/tasks', { patientId, type: 'call-patient', ownerId: 'u-nobody' })).status).toBe(400);
    const referral = await json<Referral>(await post('/api/referrals', { patientId: otherPatientId, service: { display: 'Cardiology' } }));
    expect((await post('/api/tasks', { patientId, type: 'call-patient', links: { referralId: referral.id } })).status).toBe(400);
  });
});

describe('POST /api/tasks/{id}/claim', () => {
  it('lets exactly one of two simultaneous claims win; the other is told who did', async () => {
    const t = await newTask();
    const [a, b] = await Promise.all([post(`/api/tasks/${t.id}/claim`, { version: 1 }, 'casey'), post(`/api/tasks/${t.id}/claim`, { version: 1 }, 'riley')]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const [won, lost] = a.status === 200 ? [a, b] : [b, a];
    const winner = await json<Task>(won);
    const loser = await json<ErrorBody>(lost);
    expect(loser.error.details).toEqual({ owner: winner.owner });
    expect(loser.error.message).toBe(`Already claimed by ${winner.owner!.name}`);
    const v = await view(t.id);
    expect(v.task.version).toBe(2);
    expect(v.timeline.filter((e) => e.kind === 'assignment')).toHaveLength(1);
  });

  it('claims without a version, and refuses a stale pinned one, a held or closed task, and other teams', async () => {
    const t = await newTask();
    await post(`/api/tasks/${t.id}/attempts`, { version: 1, channel: 'phone', outcome: 'no-answer' });
    const stale = await post(`/api/tasks/${t.id}/claim`, { version: 1 });
    expect(stale.status).toBe(409);
    expect((await json<ErrorBody>(stale)).error.details).toEqual({ currentVersion: 2, yourVersion: 1 });
    const nurse = await post(`/api/tasks/${t.id}/claim`, {}, 'nora');
    expect(nurse.status).toBe(403);
    const claimed = await post(`/api/tasks/${t.id}/claim`, {});
    expect(claimed.status).toBe(200);
    expect((await json<Task>(claimed)).owner).toEqual({ id: 'u-casey', name: 'Casey Coordinator' });
    const again = await post(`/api/tasks/${t.id}/claim`, {});
    expect(again.status).toBe(409);
    expect((await json<ErrorBody>(again)).error.message).toBe('You already hold this task');

    const done = await newTask();
    expect((await post(`/api/tasks/${done.id}/transitions`, { version: 1, to: 'completed' })).status).toBe(200);
    const closed = await post(`/api/tasks/${done.id}/claim`, {});
    expect(closed.status).toBe(409);
    expect((await json<ErrorBody>(closed)).error.message).toBe('Cannot claim a task that is completed');
    expect((await post('/api/tasks/01JD0000000000000000000000/claim', {})).status).toBe(404);
  });
});

describe('claim races (property)', () => {
  it('however many claim at once, with other edits interleaved: one owner, the rest told who, counts exact', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 6 }), fc.boolean(), async (claimers, withAttempt) => {
        const staff = Array.from({ length: claimers }, (_, i) => ({ id: `u-race-${i}`, name: `Racer ${i}`, role: 'coordinator' as const }));
        const before = await readTeamCounts(stack.ctx, 'coordinators');
        const t = await newTask();
        const edits = withAttempt ? [logAttempt(stack.ctx, { actor: staff[0]!, id: t.id, version: 1, input: { channel: 'phone', outcome: 'voicemail' } })] : [];
        const results = await Promise.allSettled([...staff.map((actor) => claimTask(stack.ctx, { actor, id: t.id })), ...edits]);
        const claims = results.slice(0, claimers);
        const won = claims.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
        expect(won).toHaveLength(1);
        const owner = won[0]!.owner!;
        for (const r of claims) {
          if (r.status === 'rejected') {
            expect(r.reason).toBeInstanceOf(ConflictError);
            expect((r.reason as ConflictError).details).toEqual({ owner });
          }
        }
        const v = await view(t.id);
        expect(v.task.owner).toEqual(owner);
        expect(v.timeline.filter((e) => e.kind === 'assignment')).toHaveLength(1);
        const after = await readTeamCounts(stack.ctx, 'coordinators');
        expect(after.byStatus.ready - before.byStatus.ready).toBe(1);
        expect(after.unownedByStatus.ready - before.unownedByStatus.ready).toBe(0);
      }),
      { numRuns: 8 },
    );
  });
});

describe('POST /api/tasks/{id}/transitions', () => {
  it('walks a task through start, hold, resume and completion, with the timeline to show for it', async () => {
    let t = await newTask();
    const move = async (body: Record<string, unknown>, who: User = 'riley') => {
      const res = await post(`/api/tasks/${t.id}/transitions`, { version: t.version, ...body }, who);
      expect(res.status).toBe(200);
      t = await json<Task>(res);
    };
    await move({ to: 'in-progress' });
    expect(t.owner).toEqual({ id: 'u-riley', name: 'Riley Coordinator' });
    await move({ to: 'on-hold', reason: 'Patient readmitted' });
    expect(t.statusReason).toBe('Patient readmitted');
    await move({ to: 'ready' }, 'casey');
    expect(t.statusReason).toBeUndefined();
    await move({ to: 'completed', note: 'Appointment booked' }, 'casey');
    expect(t).toMatchObject({ status: 'completed', version: 5, owner: { id: 'u-riley' } });
    const v = await view(t.id);
    expect(v.timeline.map((e) => `${e.from ?? ''}>${e.to}`)).toEqual(['>ready', 'ready>in-progress', 'in-progress>on-hold', 'on-hold>ready', 'ready>completed']);
    expect(v.timeline[1]!.note).toBe('Started by Riley Coordinator');
    expect(v.timeline[2]!.note).toBe('Patient readmitted');
    expect(v.timeline.at(-1)).toMatchObject({ note: 'Appointment booked', actor: { id: 'u-casey' } });
  });

  it('refuses an illegal transition with 409 and the reason', async () => {
    const t = await newTask();
    await post(`/api/tasks/${t.id}/transitions`, { version: 1, to: 'cancelled', reason: 'Duplicate' });
    const res = await post(`/api/tasks/${t.id}/transitions`, { version: 2, to: 'in-progress' });
    expect(res.status).toBe(409);
    expect((await json<ErrorBody>(res)).error).toMatchObject({
      message: 'Cannot move a task that is cancelled to in-progress: it is already closed',
      details: { status: 'cancelled', to: 'in-progress' },
    });
  });

  it('refuses a stale version with 409 and the current version, never overwriting', async () => {
    const t = await newTask();
    expect((await post(`/api/tasks/${t.id}/transitions`, { version: 1, to: 'in-progress' })).status).toBe(200);
    const stale = await post(`/api/tasks/${t.id}/transitions`, { version: 1, to: 'failed', reason: 'x' }, 'riley');
    expect(stale.status).toBe(409);
    expect((await json<ErrorBody>(stale)).error.details).toEqual({ currentVersion: 2, yourVersion: 1 });
    expect((await view(t.id)).task.status).toBe('in-progress');
  });

  it('needs a reason to hold, cancel or fail (400 naming the field)', async () => {
    const t = await newTask();
    for (const to of ['on-hold', 'cancelled', 'failed']) {
      const res = await post(`/api/tasks/${t.id}/transitions`, { version: 1, to });
      expect(res.status).toBe(400);
      expect((await json<ErrorBody>(res)).error.issues?.map((i) => i.path)).toContain('reason');
    }
    expect((await view(t.id)).task).toMatchObject({ status: 'ready', version: 1 });
  });

  it('is only for the task’s team', async () => {
    const t = await newTask();
    const res = await post(`/api/tasks/${t.id}/transitions`, { version: 1, to: 'in-progress' }, 'nora');
    expect(res.status).toBe(403);
    expect((await json<ErrorBody>(res)).error.message).toBe('Only the coordinators team can change this task');
  });
});

describe('POST /api/tasks/{id}/attempts', () => {
  it('logs attempts in order; reaching the patient does not complete the task', async () => {
    const t = await newTask();
    const first = await post(`/api/tasks/${t.id}/attempts`, { version: 1, channel: 'phone', outcome: 'no-answer' });
    expect(first.status).toBe(200);
    const earlier = new Date(Date.now() - 3_600_000).toISOString();
    const second = await json<Task>(await post(`/api/tasks/${t.id}/attempts`, { version: 2, channel: 'sms', outcome: 'reached', note: 'Confirmed Tuesday', at: earlier }, 'riley'));
    expect(second.status).toBe('ready');
    expect(second.version).toBe(3);
    expect(second.attempts).toEqual([
      expect.objectContaining({ channel: 'phone', outcome: 'no-answer', by: { id: 'u-casey', name: 'Casey Coordinator' } }),
      expect.objectContaining({ channel: 'sms', outcome: 'reached', note: 'Confirmed Tuesday', at: earlier, by: { id: 'u-riley', name: 'Riley Coordinator' } }),
    ]);
    const v = await view(t.id);
    expect(v.timeline.filter((e) => e.kind === 'attempt').map((e) => e.attempt)).toEqual([
      { channel: 'phone', outcome: 'no-answer' },
      { channel: 'sms', outcome: 'reached' },
    ]);
  });

  it('refuses stale versions, closed tasks, future times, unknown outcomes and other teams', async () => {
    const t = await newTask();
    expect((await post(`/api/tasks/${t.id}/attempts`, { version: 1, channel: 'phone', outcome: 'voicemail' })).status).toBe(200);
    const stale = await post(`/api/tasks/${t.id}/attempts`, { version: 1, channel: 'phone', outcome: 'voicemail' });
    expect(stale.status).toBe(409);
    expect((await json<ErrorBody>(stale)).error.details).toMatchObject({ currentVersion: 2 });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await post(`/api/tasks/${t.id}/attempts`, { version: 2, channel: 'phone', outcome: 'voicemail', at: future })).status).toBe(400);
    expect((await post(`/api/tasks/${t.id}/attempts`, { version: 2, channel: 'phone', outcome: 'busy' })).status).toBe(400);
    expect((await post(`/api/tasks/${t.id}/attempts`, { version: 2, channel: 'phone', outcome: 'voicemail' }, 'nora')).status).toBe(403);
    await post(`/api/tasks/${t.id}/transitions`, { version: 2, to: 'completed' });
    const closed = await post(`/api/tasks/${t.id}/attempts`, { version: 3, channel: 'phone', outcome: 'reached' });
    expect(closed.status).toBe(409);
    expect((await json<ErrorBody>(closed)).error.message).toBe('Cannot log an attempt on a task that is completed');
    expect((await view(t.id)).task.attempts).toHaveLength(1);
  });
});

describe('POST /api/tasks/{id}/notes', () => {
  it('adds notes to the timeline, from either team', async () => {
    const t = await newTask();
    expect((await post(`/api/tasks/${t.id}/notes`, { text: 'Daughter is the contact' })).status).toBe(201);
    expect((await post(`/api/tasks/${t.id}/notes`, { text: 'Nurse line called back' }, 'nora')).status).toBe(201);
    expect((await post(`/api/tasks/${t.id}/notes`, { text: '  ' })).status).toBe(400);
    expect((await post('/api/tasks/01JD0000000000000000000000/notes', { text: 'x' })).status).toBe(404);
    const notes = (await view(t.id)).timeline.filter((e) => e.kind === 'note');
    expect(notes.map((n) => [n.actor.id, n.note])).toEqual([
      ['u-casey', 'Daughter is the contact'],
      ['u-nora', 'Nurse line called back'],
    ]);
  });
});

describe('POST /api/tasks/{id}/assign', () => {
  it('assigns within the team, releases, and hands over to the other team', async () => {
    const t = await newTask();
    const assigned = await json<Task>(await post(`/api/tasks/${t.id}/assign`, { version: 1, ownerId: 'u-riley' }));
    expect(assigned.owner).toEqual({ id: 'u-riley', name: 'Riley Coordinator' });
    const wrongTeam = await post(`/api/tasks/${t.id}/assign`, { version: 2, ownerId: 'u-nora' });
    expect(wrongTeam.status).toBe(400);
    expect((await post(`/api/tasks/${t.id}/assign`, { version: 2, ownerId: 'u-nobody' })).status).toBe(400);
    const released = await json<Task>(await post(`/api/tasks/${t.id}/assign`, { version: 2, ownerId: null }));
    expect(released.owner).toBeUndefined();
    expect(released.version).toBe(3);
    const handedOver = await json<Task>(await post(`/api/tasks/${t.id}/assign`, { version: 3, ownerId: 'u-nora', team: 'nurses' }));
    expect(handedOver).toMatchObject({ team: 'nurses', owner: { id: 'u-nora' }, version: 4 });
    // Now it is the nurses' task: coordinators can no longer reassign it.
    expect((await post(`/api/tasks/${t.id}/assign`, { version: 4, ownerId: 'u-casey', team: 'coordinators' })).status).toBe(403);
    const stale = await post(`/api/tasks/${t.id}/assign`, { version: 3, ownerId: null }, 'nora');
    expect(stale.status).toBe(409);
    expect((await view(t.id)).timeline.filter((e) => e.kind === 'assignment').map((e) => e.note)).toEqual([
      'Assigned to Riley Coordinator',
      'Released to the coordinators queue',
      'Assigned to Nora Nurse (moved to the nurses team)',
    ]);
  });
});

describe('POST /api/tasks/bulk-reassign', () => {
  it('reassigns each task on its own version and reports every outcome', async () => {
    const a = await newTask();
    const b = await newTask();
    const stale = await newTask();
    await post(`/api/tasks/${stale.id}/attempts`, { version: 1, channel: 'phone', outcome: 'voicemail' });
    const closed = await newTask();
    await post(`/api/tasks/${closed.id}/transitions`, { version: 1, to: 'completed' });
    const nurses = await newTask({ type: 'post-discharge-call' }, 'nora');
    const missing = '01JD0000000000000000000000';
    const res = await post('/api/tasks/bulk-reassign', {
      ownerId: 'u-riley',
      items: [a, b, stale, closed, nurses].map((t) => ({ id: t.id, version: 1 })).concat({ id: missing, version: 1 }),
    });
    expect(res.status).toBe(200);
    const { results } = await json<{ results: { id: string; outcome: string; version?: number; currentVersion?: number }[] }>(res);
    expect(results).toEqual([
      { id: a.id, outcome: 'reassigned', version: 2 },
      { id: b.id, outcome: 'reassigned', version: 2 },
      expect.objectContaining({ id: stale.id, outcome: 'stale', currentVersion: 2 }),
      expect.objectContaining({ id: closed.id, outcome: 'stale', currentVersion: 2 }),
      expect.objectContaining({ id: nurses.id, outcome: 'forbidden' }),
      expect.objectContaining({ id: missing, outcome: 'not-found' }),
    ]);
    expect((await view(a.id)).task.owner?.id).toBe('u-riley');
    expect((await view(stale.id)).task.owner).toBeUndefined();
    const again = await json<{ results: { outcome: string; message?: string }[] }>(
      await post('/api/tasks/bulk-reassign', { ownerId: 'u-riley', items: [{ id: a.id, version: 2 }, { id: closed.id, version: 2 }] }),
    );
    expect(again.results.map((r) => r.outcome)).toEqual(['unchanged', 'conflict']);
    expect(again.results[1]!.message).toBe('Cannot reassign a task that is completed');
  });

  it('takes 1 to 50 distinct tasks', async () => {
    const ids = Array.from({ length: 51 }, (_, i) => ({ id: `01JD${String(i).padStart(22, '0')}`, version: 1 }));
    expect((await post('/api/tasks/bulk-reassign', { ownerId: null, items: ids })).status).toBe(400);
    expect((await post('/api/tasks/bulk-reassign', { ownerId: null, items: [] })).status).toBe(400);
    expect((await post('/api/tasks/bulk-reassign', { ownerId: null, items: [ids[0], ids[0]] })).status).toBe(400);
    expect((await post('/api/tasks/bulk-reassign', { ownerId: 'u-nobody', items: [ids[0]] })).status).toBe(400);
  });
});

describe('tasks created by rules on EHR events', () => {
  const encounter: TaskSource = { sourceId: 'ehr-test', reference: 'Encounter/enc-42', version: '3' };
  const rule = (ruleId: string, source: TaskSource = encounter) => ({ ruleId, source });

  it('creates one task per resource and rule, however often the event arrives', async () => {
    const input = { patientId, type: 'post-discharge-call' as const, priority: 'urgent' as const };
    const first = await createTask(stack.ctx, { rule: rule('discharge.post-discharge-call'), input });
    expect(first.created).toBe(true);
    expect(first.task).toMatchObject({ createdBy: { kind: 'rule', ruleId: 'discharge.post-discharge-call' }, links: { source: encounter }, team: 'nurses' });
    const replay = await createTask(stack.ctx, { rule: rule('discharge.post-discharge-call'), input });
    expect(replay).toEqual({ task: first.task, created: false });

    // Two deliveries at once: still one task.
    const racing = await Promise.all([
      createTask(stack.ctx, { rule: rule('noshow.outreach', { sourceId: 'ehr-test', reference: 'Appointment/ap-7' }), input: { patientId, type: 'no-show-follow-up' } }),
      createTask(stack.ctx, { rule: rule('noshow.outreach', { sourceId: 'ehr-test', reference: 'Appointment/ap-7' }), input: { patientId, type: 'no-show-follow-up' } }),
    ]);
    expect(racing[0].task.id).toBe(racing[1].task.id);
    expect(racing.map((r) => r.created).sort()).toEqual([false, true]);
    const { rows } = await json<{ rows: { task: Task }[] }>(await get('/api/tasks?view=team&limit=100'));
    expect(rows.filter((r) => r.task.links.source?.reference === 'Appointment/ap-7')).toHaveLength(1);
  });

  it('cancelTasksFromSource closes the open work a resource created, with the reason, and only that', async () => {
    const source = { sourceId: 'ehr-test', reference: 'Encounter/enc-99' };
    const call = (await createTask(stack.ctx, { rule: rule('discharge.post-discharge-call', source), input: { patientId, type: 'post-discharge-call' } })).task;
    const visit = (await createTask(stack.ctx, { rule: rule('discharge.follow-up-visit', source), input: { patientId, type: 'follow-up-visit' } })).task;
    const done = (await createTask(stack.ctx, { rule: rule('discharge.obtain-records', source), input: { patientId, type: 'obtain-records' } })).task;
    const unrelated = (await createTask(stack.ctx, { rule: rule('discharge.post-discharge-call', { ...source, reference: 'Encounter/enc-100' }), input: { patientId, type: 'post-discharge-call' } })).task;
    expect((await post(`/api/tasks/${call.id}/transitions`, { version: 1, to: 'in-progress' }, 'nora')).status).toBe(200);
    expect((await post(`/api/tasks/${done.id}/transitions`, { version: 1, to: 'completed' })).status).toBe(200);

    const reason = 'Encounter entered in error in the EHR';
    const result = await cancelTasksFromSource(stack.ctx, { ...source, reason });
    expect(result.cancelled.map((t) => t.id).sort()).toEqual([call.id, visit.id].sort());
    expect(result.alreadyClosed).toEqual([done.id]);
    for (const id of [call.id, visit.id]) {
      const v = await view(id);
      expect(v.task).toMatchObject({ status: 'cancelled', statusReason: reason });
      expect(v.timeline.at(-1)).toMatchObject({ kind: 'transition', to: 'cancelled', note: reason, actor: { id: 'system:ehr', name: 'EHR' } });
    }
    expect((await view(done.id)).task.status).toBe('completed');
    expect((await view(unrelated.id)).task.status).toBe('ready');

    const replay = await cancelTasksFromSource(stack.ctx, { ...source, reason });
    expect(replay.cancelled).toEqual([]);
    expect(replay.alreadyClosed.sort()).toEqual([call.id, visit.id, done.id].sort());
    expect((await view(call.id)).task.version).toBe(3);
    expect(await cancelTasksFromSource(stack.ctx, { sourceId: 'ehr-test', reference: 'Encounter/never', reason })).toEqual({ cancelled: [], alreadyClosed: [] });
  });
});

describe('roles', () => {
  const as = (who: User): ApiClient => stack.as(who);

  it('lets auditors read but not change tasks, and admins neither', async () => {
    const t = await newTask();
    expect((await as('aubrey').request(`/api/tasks/${t.id}`)).status).toBe(200);
    expect((await as('aubrey').request('/api/tasks?view=team&team=coordinators')).status).toBe(200);
    expect((await post('/api/tasks', { patientId, type: 'call-patient' }, 'aubrey')).status).toBe(403);
    expect((await post(`/api/tasks/${t.id}/claim`, {}, 'aubrey')).status).toBe(403);
    expect((await post(`/api/tasks/${t.id}/notes`, { text: 'x' }, 'aubrey')).status).toBe(403);
    expect((await as('ada').request('/api/tasks')).status).toBe(403);
    expect((await as('ada').request(`/api/tasks/${t.id}`)).status).toBe(403);
    expect((await post('/api/tasks', { patientId, type: 'call-patient' }, 'ada')).status).toBe(403);
  });

  it('audits reads and changes of tasks against the patient', async () => {
    const t = await newTask();
    await get(`/api/tasks/${t.id}`, 'aubrey');
    await post(`/api/tasks/${t.id}/attempts`, { version: 1, channel: 'phone', outcome: 'reached' });
    const { entries } = await listAudit(stack.ctx, { patientId, limit: 200 });
    const mine = entries.filter((e) => e.resourceType === 'Task' && e.resourceId === t.id).map((e) => `${e.actorId}:${e.action}`);
    expect(mine.sort()).toEqual(['u-aubrey:read', 'u-casey:create', 'u-casey:update'].sort());
  });
});

describe('GET /api/openapi.json', () => {
  it('documents the task routes', async () => {
    const doc = await json<{ paths: Record<string, unknown> }>(await stack.apiApp.request('/api/openapi.json'));
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/tasks',
        '/api/tasks/counts',
        '/api/tasks/bulk-reassign',
        '/api/tasks/{id}',
        '/api/tasks/{id}/claim',
        '/api/tasks/{id}/assign',
        '/api/tasks/{id}/transitions',
        '/api/tasks/{id}/attempts',
        '/api/tasks/{id}/notes',
      ]),
    );
  });
});
