import type { AppContext } from '../context';
import type { ActorRef } from '../referrals/schema';
import { type AppliedCarePlanReminders, applyCarePlanReminders } from '../reminders/apply-care-plan-reminders';
import { changeTaskWithRetry, taskTimelineEntry } from '../tasks/change';
import { createTask } from '../tasks/create-task';
import { findTaskIdByRule } from '../tasks/repository';
import { isOpenTask, TASK_TYPES, type TaskType } from '../tasks/schema';
import { planTaskTransition } from '../tasks/state-machine';
import type { CarePlanChange, CarePlanTaskInput, PlannedWork } from './planned-work';

/** Care-plan work is created by a rule whose "source" is the plan itself (not an EHR resource). */
const CAREPLAN_SOURCE_ID = 'sidecar-careplan';
/** Who cancels care-plan work in a task's history. */
const CAREPLAN_ACTOR: ActorRef = { id: 'system:care-plan', name: 'Care plan' };

const sourceOf = (carePlanId: string) => ({ sourceId: CAREPLAN_SOURCE_ID, reference: `CarePlan/${carePlanId}` });

/** `${planId}:${activityId}:r${revision}:${occurrence}` → a rule id slug (opaque ids only). */
function ruleIdOf(idempotencyKey: string): string {
  const [, activityId = '', revision = '', occurrence = ''] = idempotencyKey.split(':');
  return `careplan.${activityId.toLowerCase()}.${revision}.${occurrence}`;
}

function taskType(kind: string): TaskType {
  return (TASK_TYPES as readonly string[]).includes(kind) ? (kind as TaskType) : 'custom';
}

/**
 * Hands a care plan's planned work to the tasks module: cancels first (only tasks still open;
 * closed work is left as it is), then creates — each occurrence at most once, because the task's
 * rule guard is keyed by the plan and the occurrence's idempotency key. Safe to re-run: a replay
 * creates and cancels nothing new, so a plan whose tasks were not created can be repaired by
 * running `plannedWork(plan)` again.
 */
export async function applyPlannedWork(ctx: AppContext, work: PlannedWork): Promise<{ created: number; cancelled: number }> {
  let cancelled = 0;
  for (const c of work.cancel) {
    const id = await findTaskIdByRule(ctx, sourceOf(c.carePlanId), ruleIdOf(c.idempotencyKey));
    if (!id) continue;
    const task = await changeTaskWithRetry(ctx, id, (current) => {
      if (!isOpenTask(current)) return undefined;
      const now = ctx.clock.now();
      const after = planTaskTransition(current, { to: 'cancelled', reason: c.reason }, { actor: CAREPLAN_ACTOR, now });
      return { after, entries: [taskTimelineEntry(current, CAREPLAN_ACTOR, now, { kind: 'transition', from: current.status, to: 'cancelled', note: c.reason })] };
    });
    if (task) cancelled++;
  }
  let created = 0;
  for (const t of work.create) {
    const result = await createTask(ctx, { rule: { ruleId: ruleIdOf(t.idempotencyKey), source: sourceOf(t.carePlanId) }, input: taskInput(t) });
    if (result.created) created++;
  }
  return { created, cancelled };
}

function taskInput(t: CarePlanTaskInput) {
  return {
    patientId: t.patientId,
    type: taskType(t.type),
    title: t.title,
    priority: t.priority,
    team: t.team === 'coordinators' ? ('coordinators' as const) : ('nurses' as const),
    dueAt: t.dueAt,
    links: { carePlanId: t.carePlanId },
  };
}

export interface AppliedCarePlanChange {
  /** Tasks created and cancelled. */
  created: number;
  cancelled: number;
  /** The patient reminders the plan's activities call for, brought in line. */
  reminders: AppliedCarePlanReminders;
}

/**
 * Everything a saved care plan calls for outside itself: its task work (applyPlannedWork) and its
 * patient reminders (applyCarePlanReminders). Both are idempotent, so a failure part-way is
 * repaired by running it again with the plan as saved.
 */
export async function applyCarePlanChange(ctx: AppContext, change: CarePlanChange): Promise<AppliedCarePlanChange> {
  const work = await applyPlannedWork(ctx, change.work);
  return { ...work, reminders: await applyCarePlanReminders(ctx, change.carePlan) };
}

/** Runs a care-plan use-case and applies the work and reminders it calls for; returns the saved plan. */
export async function withPlannedWork(ctx: AppContext, change: Promise<CarePlanChange>): Promise<CarePlanChange['carePlan']> {
  const saved = await change;
  await applyCarePlanChange(ctx, saved);
  return saved.carePlan;
}
