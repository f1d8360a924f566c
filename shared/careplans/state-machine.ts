import { z } from 'zod';
import { ConflictError } from '../errors';
import { resumeSchedule } from './schedule';
import { type CarePlan, type CarePlanStatus, OPEN_ACTIVITY_STATUSES, ZCarePlanStatus } from './schema';

/**
 * Legal care-plan status moves (FHIR R4 CarePlan statuses): a draft is activated or abandoned;
 * an active plan pauses, finishes or is withdrawn; a paused plan resumes, or is closed from the
 * pause. `completed` and `revoked` are final.
 */
export const CAREPLAN_TRANSITIONS: Readonly<Record<CarePlanStatus, readonly CarePlanStatus[]>> = {
  draft: ['active', 'revoked'],
  active: ['on-hold', 'completed', 'revoked'],
  'on-hold': ['active', 'revoked', 'completed'],
  completed: [],
  revoked: [],
};

/** Statuses in which a plan can no longer be changed. */
export const FINAL_CAREPLAN_STATUSES: readonly CarePlanStatus[] = ['completed', 'revoked'];

/** True when `from → to` is a legal move. */
export function canTransitionCarePlan(from: CarePlanStatus, to: CarePlanStatus): boolean {
  return CAREPLAN_TRANSITIONS[from].includes(to);
}

/** A person's status change; pausing and revoking need a reason (shown to the team, kept on the timeline). */
export const ZCarePlanTransition = z
  .object({
    to: ZCarePlanStatus,
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .refine((t) => !(t.to === 'on-hold' || t.to === 'revoked') || t.reason !== undefined, {
    path: ['reason'],
    message: 'A reason is required to put a plan on hold or revoke it',
  });
export type CarePlanTransition = z.input<typeof ZCarePlanTransition>;

/**
 * The plan after a status move, one version later, or a ConflictError saying why the move is
 * illegal. Pure. Ending a plan (completed, revoked) stamps `period.end` and cancels its open
 * activities; resuming a paused plan starts a new schedule revision for its open activities, so
 * the work the pause cancelled can be generated again under fresh task keys (see schedule.ts).
 */
export function applyCarePlanTransition(plan: CarePlan, transition: z.infer<typeof ZCarePlanTransition>, now: Date): CarePlan {
  const { to } = transition;
  if (!canTransitionCarePlan(plan.status, to)) {
    throw new ConflictError(`Cannot move a care plan from ${plan.status} to ${to}`, { status: plan.status, to });
  }
  const at = now.toISOString();
  const next: CarePlan = { ...plan, status: to, version: plan.version + 1, updatedAt: at };
  if (transition.reason !== undefined) next.statusReason = transition.reason;
  else delete next.statusReason;
  if (to === 'completed' || to === 'revoked') {
    next.period = { ...plan.period, end: at };
    next.activities = plan.activities.map((a) => (OPEN_ACTIVITY_STATUSES.includes(a.status) ? { ...a, status: 'cancelled' } : a));
  }
  if (plan.status === 'on-hold' && to === 'active') {
    next.activities = plan.activities.map((a) => (OPEN_ACTIVITY_STATUSES.includes(a.status) ? resumeSchedule(plan.period.start, a, now) : a));
  }
  return next;
}
