import { z } from 'zod';
import { type ActorRef, ZActorRef, ZPriority } from '../referrals/schema';
import type { Role } from '../users/directory';
import { ZSourceId } from '../webhooks/source-schema';

/** Outreach and follow-up work a coordinator or nurse does for one patient. */
export const TASK_TYPES = [
  'call-patient',
  'schedule-appointment',
  'obtain-records',
  'send-referral-packet',
  'no-show-follow-up',
  'post-discharge-call',
  'follow-up-visit',
  'find-another-provider',
  'custom',
] as const;
export const ZTaskType = z.enum(TASK_TYPES);
export type TaskType = z.infer<typeof ZTaskType>;

/** FHIR Task statuses a piece of outreach work moves through (no request/accept handshake). */
export const TASK_STATUSES = ['ready', 'in-progress', 'on-hold', 'completed', 'cancelled', 'failed'] as const;
export const ZTaskStatus = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof ZTaskStatus>;

/** Statuses in which the work is still owed; work lists show these. */
export const OPEN_TASK_STATUSES: readonly TaskStatus[] = ['ready', 'in-progress', 'on-hold'];
export const TERMINAL_TASK_STATUSES: readonly TaskStatus[] = ['completed', 'cancelled', 'failed'];
/**
 * Statuses whose due clock runs: on-hold work has its clock paused (issue 4's SLA rule), so it is
 * never "due today" or "overdue" while it waits.
 */
export const CLOCK_RUNNING_STATUSES: readonly TaskStatus[] = ['ready', 'in-progress'];
/** Statuses that only make sense with a reason (why it waits, why it was dropped). */
export const REASON_REQUIRED_STATUSES: readonly TaskStatus[] = ['on-hold', 'cancelled', 'failed'];

export function isOpenTask(task: Pick<Task, 'status'>): boolean {
  return OPEN_TASK_STATUSES.includes(task.status);
}

/** Team queues; each is worked by the staff of one role. Slugs, safe in keys. */
export const TEAMS = ['coordinators', 'nurses'] as const;
export const ZTeam = z.enum(TEAMS);
export type Team = z.infer<typeof ZTeam>;

/** The role whose members work (and lead) each team's queue. */
export const TEAM_ROLE: Record<Team, Role> = { coordinators: 'coordinator', nurses: 'nurse' };

/** The team a member of staff works in, or undefined for roles that hold no task queue (admin, auditor). */
export function teamOfRole(role: Role): Team | undefined {
  return TEAMS.find((t) => TEAM_ROLE[t] === role);
}

/** Title and team queue of each task type; titles name the work, never the patient. */
export const TASK_TYPE_DEFAULTS: Record<TaskType, { title: string; team: Team }> = {
  'call-patient': { title: 'Call patient', team: 'coordinators' },
  'schedule-appointment': { title: 'Schedule appointment', team: 'coordinators' },
  'obtain-records': { title: 'Obtain records', team: 'coordinators' },
  'send-referral-packet': { title: 'Send referral packet', team: 'coordinators' },
  'no-show-follow-up': { title: 'Reschedule missed appointment', team: 'coordinators' },
  'post-discharge-call': { title: 'Post-discharge call', team: 'nurses' },
  'follow-up-visit': { title: 'Arrange follow-up visit', team: 'coordinators' },
  'find-another-provider': { title: 'Find another provider', team: 'coordinators' },
  custom: { title: 'Task', team: 'coordinators' },
};

/** Sidecar record ids (ULIDs). */
export const ZUlid = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'ids are ULIDs');

/** A FHIR relative reference (`Encounter/123`). EHR ids may be MRN-like: never put one in a key as-is. */
export const ZFhirReference = z.string().regex(/^[A-Z][A-Za-z]{1,63}\/[A-Za-z0-9\-.]{1,64}$/, 'not a FHIR relative reference');

/** The EHR resource whose event created a task (idempotency and undo), with the version seen. */
export const ZTaskSource = z.object({
  sourceId: ZSourceId,
  reference: ZFhirReference,
  version: z.string().max(100).optional(),
});
export type TaskSource = z.infer<typeof ZTaskSource>;

/** A rule id: a slug naming what the rule creates (`discharge.post-discharge-call`). Safe in keys. */
export const ZRuleId = z.string().regex(/^[a-z][a-z0-9._-]{0,79}$/, 'rule ids are lower-case slugs');

export const ZTaskLinks = z.object({
  referralId: ZUlid.optional(),
  carePlanId: ZUlid.optional(),
  /** The EHR appointment the work is about. */
  appointmentRef: z.object({ sourceId: ZSourceId, reference: ZFhirReference }).optional(),
  source: ZTaskSource.optional(),
});
export type TaskLinks = z.infer<typeof ZTaskLinks>;

export const ATTEMPT_CHANNELS = ['phone', 'sms', 'email', 'letter', 'in-person'] as const;
export const ATTEMPT_OUTCOMES = ['reached', 'voicemail', 'no-answer', 'wrong-number', 'declined'] as const;
export const ZAttemptChannel = z.enum(ATTEMPT_CHANNELS);
export const ZAttemptOutcome = z.enum(ATTEMPT_OUTCOMES);

/** One contact attempt. `note` is PHI: render, never log. */
export const ZAttempt = z.object({
  at: z.string(),
  by: ZActorRef,
  channel: ZAttemptChannel,
  outcome: ZAttemptOutcome,
  note: z.string().max(1000).optional(),
});
export type Attempt = z.infer<typeof ZAttempt>;

/** Who created a task: a member of staff, or a rule reacting to an EHR event. */
export const ZTaskCreator = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), id: z.string(), name: z.string() }),
  z.object({ kind: z.literal('rule'), ruleId: ZRuleId }),
]);
export type TaskCreator = z.infer<typeof ZTaskCreator>;

const ZTaskFields = z.object({
  id: ZUlid,
  patientId: z.string().min(1).max(64),
  type: ZTaskType,
  title: z.string().min(1).max(200),
  status: ZTaskStatus,
  /** Why it is on hold, cancelled or failed (required in those statuses). PHI possible: never log. */
  statusReason: z.string().max(2000).optional(),
  priority: ZPriority,
  dueAt: z.string(),
  /** When the breach sweep found this due time passed (cleared when the due time changes). */
  breachedAt: z.string().optional(),
  /** Not to be worked before this time (e.g. a call two days after discharge). */
  notBefore: z.string().optional(),
  team: ZTeam,
  owner: ZActorRef.optional(),
  links: ZTaskLinks,
  attempts: z.array(ZAttempt),
  version: z.number().int().min(1),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: ZTaskCreator,
});

/** A task as the domain sees it. Validated on every read and write. */
export const ZTask = ZTaskFields.superRefine((task, issue) => {
  if (REASON_REQUIRED_STATUSES.includes(task.status) && !task.statusReason) {
    issue.addIssue({ code: 'custom', path: ['statusReason'], message: `A ${task.status} task needs a reason` });
  }
});
export type Task = z.infer<typeof ZTask>;

export const TASK_TIMELINE_KINDS = ['created', 'transition', 'assignment', 'attempt', 'note', 'ehr-update'] as const;

/** One entry of a task's history. `note` is PHI possibly: render, never log. */
export const ZTaskTimelineEntry = z.object({
  id: z.string(),
  taskId: z.string(),
  at: z.string(),
  actor: ZActorRef,
  kind: z.enum(TASK_TIMELINE_KINDS),
  from: ZTaskStatus.optional(),
  to: ZTaskStatus.optional(),
  attempt: z.object({ channel: ZAttemptChannel, outcome: ZAttemptOutcome }).optional(),
  note: z.string().max(4000).optional(),
});
export type TaskTimelineEntry = z.infer<typeof ZTaskTimelineEntry>;

/** The actor recorded on a timeline when a rule, not a person, created a task. */
export function ruleActor(ruleId: string): ActorRef {
  return { id: `rule:${ruleId}`, name: 'Sidecar rule' };
}

/** Work whose clock runs (not on hold, not closed) past its due time. */
export function isTaskOverdue(task: Pick<Task, 'dueAt' | 'status'>, now: Date): boolean {
  return CLOCK_RUNNING_STATUSES.includes(task.status) && task.dueAt < now.toISOString();
}
