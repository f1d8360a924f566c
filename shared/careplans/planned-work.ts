import type { Priority } from '../referrals/schema';
import {
  isOpenActivity,
  occurrenceDueAt,
  occurrenceRevision,
  scheduleRevision,
  settledThrough,
  taskKey,
} from './schedule';
import { type Activity, type CarePlan, type CarePlanStatus, occurrenceCount } from './schema';

/** A task a care plan wants to exist (the tasks module creates it once per `idempotencyKey`). */
export interface CarePlanTaskInput {
  /** `${carePlanId}:${activityId}:r${revision}:${occurrence}`: opaque ids only. */
  idempotencyKey: string;
  patientId: string;
  carePlanId: string;
  activityId: string;
  /** 1-based occurrence of a recurring activity (1 for a one-off). */
  occurrence: number;
  /** The activity's kind, a task type. */
  type: string;
  /** PHI by association: render, never log. */
  title: string;
  dueAt: string;
  priority: Priority;
  team: string;
}

/** A generated task that must no longer be pending (the tasks module cancels it if still open). */
export interface CarePlanTaskCancel {
  idempotencyKey: string;
  carePlanId: string;
  activityId: string;
  occurrence: number;
  /** A fixed, PHI-free reason for the task's history. */
  reason: string;
}

export interface PlannedWork {
  create: CarePlanTaskInput[];
  cancel: CarePlanTaskCancel[];
}

/** A care plan as saved by a use-case, with the task work the integrator hands to the tasks module. */
export interface CarePlanChange {
  carePlan: CarePlan;
  work: PlannedWork;
}

/** Care-plan work goes to the nurses' team queue at routine priority. */
export const CAREPLAN_TASK_TEAM = 'nurses';
export const CAREPLAN_TASK_PRIORITY: Priority = 'routine';

const PLAN_END_REASONS: Partial<Record<CarePlanStatus, string>> = {
  'on-hold': 'Care plan put on hold',
  completed: 'Care plan completed',
  revoked: 'Care plan revoked',
};

function activityClosedReason(activity: Activity): string {
  return activity.status === 'completed' ? 'Care plan activity marked completed' : 'Care plan activity cancelled';
}

function issuesWork(plan: CarePlan): boolean {
  return plan.status === 'active';
}

function cancelEntry(plan: CarePlan, activity: Activity, occurrence: number, revision: number, reason: string): CarePlanTaskCancel {
  return { idempotencyKey: taskKey(plan.id, activity.id, revision, occurrence), carePlanId: plan.id, activityId: activity.id, occurrence, reason };
}

/** Every task the activity may have generated over all its revisions (settled and pending). */
function cancelAll(plan: CarePlan, activity: Activity, reason: string): CarePlanTaskCancel[] {
  const last = Math.max(settledThrough(activity), occurrenceCount(activity));
  return Array.from({ length: last }, (_, i) => cancelEntry(plan, activity, i + 1, occurrenceRevision(activity, i + 1), reason));
}

/** The tasks the activity's current revision generates: its unsettled occurrences. */
function pendingTasks(plan: CarePlan, activity: Activity): CarePlanTaskInput[] {
  const revision = scheduleRevision(activity);
  const count = occurrenceCount(activity);
  const tasks: CarePlanTaskInput[] = [];
  for (let n = settledThrough(activity) + 1; n <= count; n++) {
    tasks.push({
      idempotencyKey: taskKey(plan.id, activity.id, revision, n),
      patientId: plan.patientId,
      carePlanId: plan.id,
      activityId: activity.id,
      occurrence: n,
      type: activity.kind,
      title: count > 1 ? `${activity.title} (${n} of ${count})` : activity.title,
      dueAt: occurrenceDueAt(plan.period.start, activity, n),
      priority: CAREPLAN_TASK_PRIORITY,
      team: CAREPLAN_TASK_TEAM,
    });
  }
  return tasks;
}

/** Cancels for the change `previous → plan` of one activity that was open in an active plan. */
function stoppedWork(plan: CarePlan, before: Activity, after: Activity | undefined): CarePlanTaskCancel[] {
  if (!after) return cancelAll(plan, before, 'Activity removed from the care plan');
  const planEnd = PLAN_END_REASONS[plan.status];
  if (planEnd) return cancelAll(plan, before, planEnd);
  if (!isOpenActivity(after)) return cancelAll(plan, after, activityClosedReason(after));
  const oldRevision = scheduleRevision(before);
  if (scheduleRevision(after) === oldRevision) return [];
  // Superseded: the old revision's occurrences that were still pending (not settled by the revision).
  const cancels: CarePlanTaskCancel[] = [];
  for (let n = settledThrough(after) + 1; n <= occurrenceCount(before); n++) {
    cancels.push(cancelEntry(plan, before, n, oldRevision, 'Care plan activity rescheduled'));
  }
  return cancels;
}

/**
 * The task work a care plan calls for, for the integrator to hand to the tasks module:
 * apply `cancel` (cancel each key's task if it exists and is still open), then `create` (create
 * each key once; an existing key, in any status, is left alone). Pure and idempotent: the same
 * arguments give the same lists, and applying them twice changes nothing.
 *
 * - `create`: for an active plan, one task per unsettled occurrence of each open activity, due
 *   at plan start + offset (+ n × interval) at 17:00 UTC, routine, for the nurses' queue.
 * - `cancel`, given `previous` (the plan before a change): the work the change stopped — an
 *   activity removed, completed, cancelled or rescheduled (its superseded occurrences), or the
 *   whole plan paused, completed or revoked.
 * - `cancel`, without `previous` (reconciliation): everything the plan's state says must not be
 *   pending — all work of a paused or ended plan, and of closed activities.
 */
export function plannedWork(plan: CarePlan, previous?: CarePlan): PlannedWork {
  const create = issuesWork(plan) ? plan.activities.filter(isOpenActivity).flatMap((a) => pendingTasks(plan, a)) : [];
  const cancel: CarePlanTaskCancel[] = [];
  if (!previous) {
    const planEnd = PLAN_END_REASONS[plan.status];
    for (const activity of plan.activities) {
      if (planEnd) cancel.push(...cancelAll(plan, activity, planEnd));
      else if (issuesWork(plan) && !isOpenActivity(activity)) cancel.push(...cancelAll(plan, activity, activityClosedReason(activity)));
    }
  } else if (issuesWork(previous)) {
    const current = new Map(plan.activities.map((a) => [a.id, a]));
    for (const before of previous.activities.filter(isOpenActivity)) cancel.push(...stoppedWork(plan, before, current.get(before.id)));
  }
  return { create, cancel };
}
