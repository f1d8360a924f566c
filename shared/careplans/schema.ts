import { z } from 'zod';
import { ZActorRef } from '../referrals/schema';
import { ZUserId } from '../users/directory';

/**
 * A care plan: the coordination side of a patient's plan of care (goals, the scheduled work that
 * pursues them, who is on the team). Statuses are FHIR R4 CarePlan's, so the export maps 1:1.
 * Titles, goals and notes are PHI by association with the patient: render, never log.
 */
export const CAREPLAN_STATUSES = ['draft', 'active', 'on-hold', 'completed', 'revoked'] as const;
export const ZCarePlanStatus = z.enum(CAREPLAN_STATUSES);
export type CarePlanStatus = z.infer<typeof ZCarePlanStatus>;

export const CAREPLAN_CATEGORIES = ['transitional-care', 'heart-failure', 'diabetes', 'other'] as const;
export const ZCarePlanCategory = z.enum(CAREPLAN_CATEGORIES);
export type CarePlanCategory = z.infer<typeof ZCarePlanCategory>;

/** FHIR goal-achievement codes Sidecar uses (http://terminology.hl7.org/CodeSystem/goal-achievement). */
export const GOAL_ACHIEVEMENT_STATUSES = ['in-progress', 'improving', 'worsening', 'no-change', 'achieved', 'not-achieved'] as const;
export const ZGoalAchievementStatus = z.enum(GOAL_ACHIEVEMENT_STATUSES);
export type GoalAchievementStatus = z.infer<typeof ZGoalAchievementStatus>;

/** FHIR CarePlan.activity.detail.status values Sidecar uses. */
export const ACTIVITY_STATUSES = ['scheduled', 'in-progress', 'completed', 'cancelled'] as const;
export const ZActivityStatus = z.enum(ACTIVITY_STATUSES);
export type ActivityStatus = z.infer<typeof ZActivityStatus>;
/** Activities in these statuses still generate work. */
export const OPEN_ACTIVITY_STATUSES: readonly ActivityStatus[] = ['scheduled', 'in-progress'];

/** Task types care-plan activities generate (the tasks module's vocabulary; any kebab-case type is accepted). */
export const ACTIVITY_KINDS = ['post-discharge-call', 'follow-up-visit', 'call-patient', 'schedule-appointment', 'obtain-records', 'custom'] as const;
export const ZActivityKind = z.string().regex(/^[a-z][a-z0-9-]{1,47}$/, 'not a task type');

/** Bounds that keep a plan one small DynamoDB item and its generated work a reviewable list. */
export const MAX_GOALS = 30;
export const MAX_ACTIVITIES = 30;
export const MAX_CARE_TEAM = 20;
export const MAX_OCCURRENCES_PER_PLAN = 200;

/** Opaque server-made ids (ULIDs): they end up in task idempotency keys, so clients never choose them. */
export const ZItemId = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'not an id');

export const ZGoalTarget = z.object({
  measure: z.string().trim().min(1).max(200),
  detail: z.string().trim().min(1).max(500),
});

export const ZGoal = z.object({
  id: ZItemId,
  description: z.string().trim().min(1).max(1000),
  target: ZGoalTarget.optional(),
  dueDate: z.iso.date().optional(),
  achievementStatus: ZGoalAchievementStatus,
});
export type Goal = z.infer<typeof ZGoal>;

export const ZRecurrence = z.object({
  everyDays: z.number().int().min(1).max(365),
  count: z.number().int().min(1).max(52),
});
export type Recurrence = z.infer<typeof ZRecurrence>;

/** A local time of day, `HH:MM` (24-hour). */
export const ZLocalTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'expected a time as HH:MM');

export const ZActivity = z.object({
  id: ZItemId,
  kind: ZActivityKind,
  title: z.string().trim().min(1).max(200),
  /** Days from the plan's start to the (first) occurrence. */
  offsetDays: z.number().int().min(0).max(730),
  recurrence: ZRecurrence.optional(),
  /**
   * Set when the patient takes part: the time of day (in the patient's own zone) each occurrence
   * happens on its day, and the patient is reminded ahead of it by SMS or email (within consent,
   * quiet hours and caps; see shared/reminders/apply-care-plan-reminders.ts). Unset: staff-only work.
   */
  patientReminderTime: ZLocalTime.optional(),
  status: ZActivityStatus,
  /**
   * Schedule revisions, managed by the server (see schedule.ts): one entry per superseded
   * revision, holding how many leading occurrences had already fallen due when it was superseded
   * (those are left as they were and never generated again). The current revision is
   * `settled.length + 1`; it is part of every generated task's idempotency key.
   */
  settled: z.array(z.number().int().min(0)).max(1000).default([]),
});
export type Activity = z.infer<typeof ZActivity>;

export const ZCareTeamMember = z.object({
  userId: ZUserId,
  name: z.string().min(1).max(200),
  role: z.string().trim().min(1).max(100),
});
export type CareTeamMember = z.infer<typeof ZCareTeamMember>;

export const ZCarePlan = z.object({
  id: ZItemId,
  patientId: z.string(),
  title: z.string().trim().min(1).max(200),
  description: z.string().max(2000).optional(),
  category: ZCarePlanCategory,
  status: ZCarePlanStatus,
  /** Why the plan was last put on hold or revoked (shown with the status). */
  statusReason: z.string().max(500).optional(),
  goals: z.array(ZGoal).max(MAX_GOALS),
  activities: z.array(ZActivity).max(MAX_ACTIVITIES),
  careTeam: z.array(ZCareTeamMember).max(MAX_CARE_TEAM),
  /** `start` anchors every activity's offset; `end` is set when the plan completes or is revoked. */
  period: z.object({ start: z.string(), end: z.string().optional() }),
  templateId: z.string().optional(),
  version: z.number().int().min(1),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: ZActorRef,
});
export type CarePlan = z.infer<typeof ZCarePlan>;

export const CAREPLAN_PARTS = ['title', 'description', 'goals', 'activities', 'careTeam'] as const;
export type CarePlanPart = (typeof CAREPLAN_PARTS)[number];

export const ZCarePlanTimelineEntry = z.object({
  id: z.string(),
  carePlanId: z.string(),
  at: z.string(),
  actor: ZActorRef,
  kind: z.enum(['created', 'transition', 'revision']),
  from: ZCarePlanStatus.optional(),
  to: ZCarePlanStatus.optional(),
  /** For revisions: which parts of the plan changed. */
  changes: z.array(z.enum(CAREPLAN_PARTS)).optional(),
  note: z.string().max(2000).optional(),
});
export type CarePlanTimelineEntry = z.infer<typeof ZCarePlanTimelineEntry>;

// ---- inputs (create and update) ------------------------------------------------------------

/** A goal as a person writes it; `id` names an existing goal on update, absent for a new one. */
export const ZGoalInput = z.object({
  id: ZItemId.optional(),
  description: z.string().trim().min(1).max(1000),
  target: ZGoalTarget.optional(),
  dueDate: z.iso.date().optional(),
  achievementStatus: ZGoalAchievementStatus.default('in-progress'),
});
export type GoalInput = z.input<typeof ZGoalInput>;

/** An activity as a person writes it; `id` names an existing activity on update, absent for a new one. */
export const ZActivityInput = z.object({
  id: ZItemId.optional(),
  kind: ZActivityKind,
  title: z.string().trim().min(1).max(200),
  offsetDays: z.number().int().min(0).max(730),
  recurrence: ZRecurrence.optional(),
  patientReminderTime: ZLocalTime.optional(),
  status: ZActivityStatus.optional(),
});
export type ActivityInput = z.input<typeof ZActivityInput>;

/** A care-team member by staff id; the name comes from the staff directory, not the client. */
export const ZCareTeamInput = z.object({ userId: ZUserId, role: z.string().trim().min(1).max(100) });
export type CareTeamInput = z.input<typeof ZCareTeamInput>;

/** How many tasks an activity generates over its life. */
export function occurrenceCount(activity: Pick<Activity, 'recurrence'>): number {
  return activity.recurrence?.count ?? 1;
}

/** Refinement shared by create and update: bounded generated work, one entry per team member. */
export function checkPlanBounds(
  value: { activities?: { recurrence?: Recurrence | undefined }[] | undefined; careTeam?: { userId: string }[] | undefined },
  ctx: z.RefinementCtx,
): void {
  const occurrences = (value.activities ?? []).reduce((sum, a) => sum + occurrenceCount(a), 0);
  if (occurrences > MAX_OCCURRENCES_PER_PLAN) {
    ctx.addIssue({ code: 'custom', path: ['activities'], message: `A plan may schedule at most ${MAX_OCCURRENCES_PER_PLAN} tasks` });
  }
  const team = (value.careTeam ?? []).map((m) => m.userId);
  if (new Set(team).size !== team.length) ctx.addIssue({ code: 'custom', path: ['careTeam'], message: 'Each member appears once' });
}
