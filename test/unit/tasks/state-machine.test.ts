import { ConflictError } from '../../../shared/errors';
import { TASK_STATUSES, type Task, type TaskStatus, ZTask } from '../../../shared/tasks/schema';
import { canMoveTask, planTaskTransition, TASK_TRANSITIONS, ZTaskTransition } from '../../../shared/tasks/state-machine';

const now = new Date('2026-11-23T10:00:00Z');
const nora = { id: 'u-nora', name: 'Nora Nurse' };

function task(overrides: Partial<Task> = {}): Task {
  return ZTask.parse({
    id: '01JDTASK000000000000000000',
    patientId: 'p1',
    type: 'post-discharge-call',
    title: 'Post-discharge call',
    status: 'ready',
    priority: 'urgent',
    dueAt: '2026-11-25T10:00:00.000Z',
    team: 'nurses',
    links: {},
    attempts: [],
    version: 3,
    createdAt: '2026-11-22T10:00:00.000Z',
    updatedAt: '2026-11-22T10:00:00.000Z',
    createdBy: { kind: 'rule', ruleId: 'discharge.post-discharge-call' },
    ...overrides,
  });
}

const withReason = (status: TaskStatus) => (['on-hold', 'cancelled', 'failed'].includes(status) ? { statusReason: 'because' } : {});

describe('task state machine', () => {
  it('allows exactly the documented moves', () => {
    const allowed = Object.entries(TASK_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}>${to}`)).sort();
    expect(allowed).toEqual(
      [
        'ready>in-progress',
        'ready>on-hold',
        'ready>cancelled',
        'ready>completed',
        'ready>failed',
        'in-progress>on-hold',
        'in-progress>completed',
        'in-progress>failed',
        'in-progress>cancelled',
        'in-progress>ready',
        'on-hold>ready',
        'on-hold>in-progress',
        'on-hold>cancelled',
      ].sort(),
    );
  });

  it('treats completed, cancelled and failed as terminal', () => {
    for (const from of ['completed', 'cancelled', 'failed'] as const) {
      for (const to of TASK_STATUSES) expect(canMoveTask(from, to)).toBe(false);
    }
  });

  it('never lets a status move to itself', () => {
    for (const s of TASK_STATUSES) expect(canMoveTask(s, s)).toBe(false);
  });

  it('advances the version and stamps the time', () => {
    const after = planTaskTransition(task({ owner: nora }), { to: 'completed', note: 'Spoke to patient' }, { actor: nora, now });
    expect(after).toMatchObject({ status: 'completed', version: 4, updatedAt: now.toISOString(), owner: nora });
  });

  it('keeps the reason of a hold and clears it when work resumes', () => {
    const held = planTaskTransition(task(), { to: 'on-hold', reason: 'Patient readmitted' }, { actor: nora, now });
    expect(held).toMatchObject({ status: 'on-hold', statusReason: 'Patient readmitted' });
    const resumed = planTaskTransition(held, { to: 'ready' }, { actor: nora, now });
    expect(resumed.status).toBe('ready');
    expect(resumed).not.toHaveProperty('statusReason');
  });

  it('makes whoever starts unowned work its owner, and leaves an owner in place', () => {
    expect(planTaskTransition(task(), { to: 'in-progress' }, { actor: nora, now }).owner).toEqual(nora);
    const other = { id: 'u-olga', name: 'Olga Nurse' };
    expect(planTaskTransition(task({ owner: other }), { to: 'in-progress' }, { actor: nora, now }).owner).toEqual(other);
    expect(planTaskTransition(task(), { to: 'completed' }, { actor: nora, now })).not.toHaveProperty('owner');
  });

  it('refuses illegal moves with a conflict that says why', () => {
    const done = task({ status: 'completed' });
    expect(() => planTaskTransition(done, { to: 'in-progress' }, { actor: nora, now })).toThrow(
      new ConflictError('Cannot move a task that is completed to in-progress: it is already closed'),
    );
    expect(() => planTaskTransition(task({ status: 'on-hold', statusReason: 'x' }), { to: 'completed' }, { actor: nora, now })).toThrow(
      'Cannot move a task that is on-hold to completed: on-hold cannot become completed',
    );
    expect(() => planTaskTransition(task(), { to: 'ready' }, { actor: nora, now })).toThrow('it is already ready');
    try {
      planTaskTransition(done, { to: 'ready' }, { actor: nora, now });
      throw new Error('expected a conflict');
    } catch (error) {
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as ConflictError).details).toEqual({ status: 'completed', to: 'ready' });
    }
  });

  it('every legal move from every status yields a valid task', () => {
    for (const from of TASK_STATUSES) {
      for (const to of TASK_TRANSITIONS[from]) {
        const transition = ZTaskTransition.parse({ to, ...(['on-hold', 'cancelled', 'failed'].includes(to) ? { reason: 'r' } : {}) });
        const after = planTaskTransition(task({ status: from, ...withReason(from) }), transition, { actor: nora, now });
        expect(ZTask.safeParse(after).success).toBe(true);
      }
    }
  });
});

describe('ZTaskTransition', () => {
  it('requires a reason to hold, cancel or fail', () => {
    for (const to of ['on-hold', 'cancelled', 'failed']) {
      expect(ZTaskTransition.safeParse({ to }).success).toBe(false);
      expect(ZTaskTransition.safeParse({ to, reason: '   ' }).success).toBe(false);
      expect(ZTaskTransition.safeParse({ to, reason: 'Patient declined' }).success).toBe(true);
    }
  });

  it('takes an optional note for the other moves and rejects unknown targets', () => {
    expect(ZTaskTransition.parse({ to: 'completed', note: ' done ' })).toEqual({ to: 'completed', note: 'done' });
    expect(ZTaskTransition.safeParse({ to: 'ready' }).success).toBe(true);
    expect(ZTaskTransition.safeParse({ to: 'requested' }).success).toBe(false);
  });
});
