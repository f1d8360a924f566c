import fc from 'fast-check';
import { plannedWork, type PlannedWork } from '../../../shared/careplans/planned-work';
import { reviseCarePlan } from '../../../shared/careplans/revise';
import { isOpenActivity, occurrenceRevision, settledThrough, scheduleRevision, taskKey } from '../../../shared/careplans/schedule';
import { type ActivityInput, type CarePlan, ZActivityInput, occurrenceCount } from '../../../shared/careplans/schema';
import { FINAL_CAREPLAN_STATUSES, applyCarePlanTransition, canTransitionCarePlan } from '../../../shared/careplans/state-machine';
import { activityInputs, planWith } from './support';

/**
 * A model of the tasks module as the planner's contract describes it: `create` makes a key once
 * (any later create of it is ignored), `cancel` closes a key's task if it is still open.
 */
interface FakeTask {
  activityId: string;
  occurrence: number;
  type: string;
  dueAt: string;
  status: 'open' | 'completed' | 'cancelled';
}
class FakeTasks {
  readonly tasks = new Map<string, FakeTask>();
  /** Creates asked for keys that had been cancelled: work the planner meant but would never get. */
  readonly lost: string[] = [];
  apply(work: PlannedWork): void {
    for (const c of work.cancel) {
      const task = this.tasks.get(c.idempotencyKey);
      if (task?.status === 'open') task.status = 'cancelled';
    }
    for (const t of work.create) {
      const existing = this.tasks.get(t.idempotencyKey);
      if (existing?.status === 'cancelled') this.lost.push(t.idempotencyKey);
      if (!existing) this.tasks.set(t.idempotencyKey, { activityId: t.activityId, occurrence: t.occurrence, type: t.type, dueAt: t.dueAt, status: 'open' });
    }
  }
  open(): [string, FakeTask][] {
    return [...this.tasks].filter(([, t]) => t.status === 'open');
  }
}

type Step =
  | { op: 'advance'; days: number }
  | { op: 'do-due-work'; pick: number }
  | { op: 'offset'; pick: number; offsetDays: number }
  | { op: 'recurrence'; pick: number; everyDays: number; count: number }
  | { op: 'one-off'; pick: number }
  | { op: 'kind'; pick: number }
  | { op: 'retitle'; pick: number }
  | { op: 'close'; pick: number; status: 'completed' | 'cancelled' }
  | { op: 'reopen'; pick: number }
  | { op: 'add'; offsetDays: number }
  | { op: 'remove'; pick: number }
  | { op: 'status'; to: 'on-hold' | 'active' | 'completed' | 'revoked' };

const pick = fc.nat(20);
const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('advance' as const), days: fc.integer({ min: 1, max: 25 }) }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('do-due-work' as const), pick }), weight: 3 },
  fc.record({ op: fc.constant('offset' as const), pick, offsetDays: fc.integer({ min: 0, max: 60 }) }),
  // Often the same interval, so count-only changes (extensions and cuts) are common.
  fc.record({ op: fc.constant('recurrence' as const), pick, everyDays: fc.oneof(fc.constant(7), fc.integer({ min: 1, max: 30 })), count: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ op: fc.constant('one-off' as const), pick }),
  fc.record({ op: fc.constant('kind' as const), pick }),
  fc.record({ op: fc.constant('retitle' as const), pick }),
  fc.record({ op: fc.constant('close' as const), pick, status: fc.constantFrom('completed' as const, 'cancelled' as const) }),
  fc.record({ op: fc.constant('reopen' as const), pick }),
  fc.record({ op: fc.constant('add' as const), offsetDays: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ op: fc.constant('remove' as const), pick }),
  fc.record({ op: fc.constant('status' as const), to: fc.constantFrom('on-hold' as const, 'active' as const, 'completed' as const, 'revoked' as const) }),
);

function edit(plan: CarePlan, now: Date, index: number, change: (a: ActivityInput) => ActivityInput | undefined): CarePlan {
  const inputs = activityInputs(plan);
  if (inputs.length === 0) return plan;
  const i = index % inputs.length;
  const next = inputs.flatMap((a, j) => (j === i ? (change(a) ?? []) : [a]));
  return reviseCarePlan(plan, { activities: next.map((a) => ZActivityInput.parse(a)) }, now).after;
}

function applyStep(plan: CarePlan, s: Step, now: Date): CarePlan {
  // People cannot edit a completed or revoked plan (reviseCarePlan refuses; tested elsewhere).
  if (s.op !== 'status' && FINAL_CAREPLAN_STATUSES.includes(plan.status)) return plan;
  switch (s.op) {
    case 'advance':
    case 'do-due-work':
      return plan;
    case 'offset':
      return edit(plan, now, s.pick, (a) => ({ ...a, offsetDays: s.offsetDays }));
    case 'recurrence':
      return edit(plan, now, s.pick, (a) => ({ ...a, recurrence: { everyDays: s.everyDays, count: s.count } }));
    case 'one-off':
      return edit(plan, now, s.pick, ({ recurrence: _dropped, ...a }) => a);
    case 'kind':
      return edit(plan, now, s.pick, (a) => ({ ...a, kind: a.kind === 'custom' ? 'call-patient' : 'custom' }));
    case 'retitle':
      return edit(plan, now, s.pick, (a) => ({ ...a, title: `${a.title}!` }));
    case 'close':
      return edit(plan, now, s.pick, (a) => ({ ...a, status: s.status }));
    case 'reopen':
      return edit(plan, now, s.pick, (a) => ({ ...a, status: 'scheduled' }));
    case 'remove':
      return edit(plan, now, s.pick, () => undefined);
    case 'add':
      if (plan.activities.length >= 6) return plan;
      return reviseCarePlan(plan, { activities: [...activityInputs(plan), { kind: 'call-patient', title: 'Added', offsetDays: s.offsetDays }].map((a) => ZActivityInput.parse(a)) }, now).after;
    case 'status':
      if (!canTransitionCarePlan(plan.status, s.to)) return plan;
      return applyCarePlanTransition(plan, { to: s.to, reason: 'Test' }, now);
  }
}

/** What must hold between the plan and the tasks after every change has been applied. */
function checkInvariants(plan: CarePlan, tasks: FakeTasks): void {
  expect(tasks.lost).toEqual([]);
  const open = tasks.open();
  if (plan.status !== 'active') {
    expect(open).toEqual([]);
    return;
  }
  const activities = new Map(plan.activities.map((a) => [a.id, a]));
  // Removed or closed activities leave nothing open.
  for (const [, task] of open) expect(isOpenActivity(activities.get(task.activityId) ?? { status: 'cancelled' })).toBe(true);
  // An open task is wanted by the plan, or is a settled occurrence (fallen due before a revision, still owed).
  const wanted = new Set(plannedWork(plan).create.map((t) => t.idempotencyKey));
  for (const [key, task] of open) {
    const activity = activities.get(task.activityId)!;
    if (!wanted.has(key)) {
      expect(task.occurrence).toBeLessThanOrEqual(settledThrough(activity));
      expect(key).toBe(taskKey(plan.id, activity.id, occurrenceRevision(activity, task.occurrence), task.occurrence));
    }
  }
  // Never two live (open or done) tasks for one occurrence: no duplicate calls to a patient.
  const live = [...tasks.tasks.values()].filter((t) => t.status !== 'cancelled').map((t) => `${t.activityId}#${t.occurrence}`);
  expect(new Set(live).size).toBe(live.length);
  // Every unsettled occurrence of an open activity has its task, open or done, of its type at its time.
  for (const work of plannedWork(plan).create) expect(tasks.tasks.get(work.idempotencyKey)).toMatchObject({ dueAt: work.dueAt, type: work.type, status: expect.stringMatching(/open|completed/) });
  for (const a of plan.activities.filter(isOpenActivity)) {
    for (let n = settledThrough(a) + 1; n <= occurrenceCount(a); n++) expect(tasks.tasks.has(taskKey(plan.id, a.id, scheduleRevision(a), n))).toBe(true);
  }
  // Reconciliation from the plan alone changes nothing.
  const before = JSON.stringify([...tasks.tasks]);
  tasks.apply(plannedWork(plan));
  expect(JSON.stringify([...tasks.tasks])).toBe(before);
}

describe('plannedWork against a model of the tasks module (property)', () => {
  it('keeps tasks in step with the plan through any sequence of edits, pauses and endings', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        let now = new Date('2026-11-02T14:30:00.000Z');
        let plan = planWith([
          { kind: 'post-discharge-call', title: 'Call', offsetDays: 2 },
          { kind: 'call-patient', title: 'Weekly', offsetDays: 3, recurrence: { everyDays: 7, count: 4 } },
          { kind: 'follow-up-visit', title: 'Visit', offsetDays: 14 },
        ]);
        const tasks = new FakeTasks();
        tasks.apply(plannedWork(plan));
        for (const s of steps) {
          if (s.op === 'advance') now = new Date(now.getTime() + s.days * 86_400_000);
          if (s.op === 'do-due-work') {
            // A nurse completes one task that has fallen due (work is never done before it is due).
            const due = tasks.open().filter(([, t]) => t.dueAt <= now.toISOString());
            const chosen = due[s.pick % Math.max(due.length, 1)];
            if (chosen) chosen[1].status = 'completed';
          }
          const next = applyStep(plan, s, now);
          tasks.apply(plannedWork(next, plan));
          plan = next;
          checkInvariants(plan, tasks);
        }
      }),
      { numRuns: 300 },
    );
  });
});
