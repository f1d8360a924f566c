import type { ActivityStatus, CarePlanCategory, CarePlanPart, CarePlanStatus, GoalAchievementStatus } from '../../../shared/careplans/schema';

/**
 * Words the console shows for care-plan codes, and what each care-plan form is called. Type-only
 * imports from shared/, so it is safe in the browser bundle.
 */
export const CAREPLAN_STATUS_LABEL: Record<CarePlanStatus, string> = {
  draft: 'Draft',
  active: 'Active',
  'on-hold': 'On hold',
  completed: 'Completed',
  revoked: 'Revoked',
};

export const CAREPLAN_CATEGORY_LABEL: Record<CarePlanCategory, string> = {
  'transitional-care': 'Transitional care',
  'heart-failure': 'Heart failure',
  diabetes: 'Diabetes',
  other: 'Other',
};

export const GOAL_ACHIEVEMENT_LABEL: Record<GoalAchievementStatus, string> = {
  'in-progress': 'In progress',
  improving: 'Improving',
  worsening: 'Worsening',
  'no-change': 'No change',
  achieved: 'Achieved',
  'not-achieved': 'Not achieved',
};

export const ACTIVITY_STATUS_LABEL: Record<ActivityStatus, string> = {
  scheduled: 'Scheduled',
  'in-progress': 'In progress',
  completed: 'Completed',
  cancelled: 'Cancelled',
};

const PART_LABEL: Record<CarePlanPart, string> = {
  title: 'title',
  description: 'description',
  goals: 'goals',
  activities: 'activities',
  careTeam: 'care team',
};

/** A code in words via `labels` (the code itself for anything unknown). */
function labelOf<K extends string>(labels: Record<K, string>, code: string): string {
  return labels[code as K] ?? code;
}

export const carePlanStatusLabel = (status: string): string => labelOf(CAREPLAN_STATUS_LABEL, status);
export const carePlanCategoryLabel = (category: string): string => labelOf(CAREPLAN_CATEGORY_LABEL, category);
export const goalAchievementLabel = (status: string): string => labelOf(GOAL_ACHIEVEMENT_LABEL, status);
export const activityStatusLabel = (status: string): string => labelOf(ACTIVITY_STATUS_LABEL, status);

/** "Changed the goals and activities": which parts a revision touched, in words. */
export function revisionSummary(changes: readonly string[] | undefined): string {
  const parts = (changes ?? []).map((c) => labelOf(PART_LABEL, c));
  if (parts.length === 0) return 'Revised';
  const list = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  return `Changed the ${list}`;
}

/** "Day 2 after the start" (offsets are calendar days from the plan's start date). */
export function dayOffsetLabel(days: number): string {
  return days === 0 ? 'On the start day' : `Day ${days} after the start`;
}

/** "4 times, every 90 days" for a recurring activity; undefined for a one-off. */
export function recurrenceLabel(recurrence: { everyDays: number; count: number } | undefined): string | undefined {
  if (!recurrence) return undefined;
  return `${recurrence.count} times, every ${recurrence.everyDays} day${recurrence.everyDays === 1 ? '' : 's'}`;
}

/** The care-plan page's forms: status moves, a goal's progress, and revisions of the activities. */
export const CAREPLAN_INTENTS = ['activate', 'resume', 'hold', 'complete', 'revoke', 'goal', 'add-activity', 'remove-activity'] as const;
export type CarePlanIntent = (typeof CAREPLAN_INTENTS)[number];
/** The status moves among the intents (each offered only where the plan state machine allows it). */
export type CarePlanMoveIntent = Extract<CarePlanIntent, 'activate' | 'resume' | 'hold' | 'complete' | 'revoke'>;

export interface CarePlanActionUi {
  title: string;
  /** Exact visible text of the submit button (browser tests find buttons by it). */
  button: string;
  /** What `?done=<intent>` says after a successful POST (no patient data). */
  done: string;
  /** Moves that need a reason carry a required text field named `reason`. */
  reason?: string;
  /** Ends or withdraws the plan (styled as a danger). */
  ends?: boolean;
}

export const CAREPLAN_ACTION_UI: Record<CarePlanIntent, CarePlanActionUi> = {
  activate: { title: 'Activate the plan', button: 'Activate plan', done: 'The plan is active.' },
  resume: { title: 'Resume the plan', button: 'Resume plan', done: 'The plan is active again.' },
  hold: { title: 'Put the plan on hold', button: 'Put plan on hold', done: 'The plan is on hold.', reason: 'Why it is paused' },
  complete: { title: 'Complete the plan', button: 'Complete plan', done: 'The plan was completed.', ends: true },
  revoke: { title: 'Revoke the plan', button: 'Revoke plan', done: 'The plan was revoked.', reason: 'Why it is withdrawn', ends: true },
  goal: { title: 'Update the goal', button: 'Save goal', done: 'The goal was updated.' },
  'add-activity': { title: 'Add an activity', button: 'Add activity', done: 'The activity was added.' },
  'remove-activity': { title: 'Remove the activity', button: 'Remove activity', done: 'The activity was removed.', ends: true },
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The success message for a care-plan page's `?done=` value, with the work it changed
 * (`created` and `cancelled` tasks, counts only); undefined for an unknown value.
 */
export function carePlanDoneMessage(
  done: string | undefined,
  work: { created: number; cancelled: number; remindersScheduled?: number; remindersCancelled?: number; unreachable?: boolean },
): string | undefined {
  if (!done) return undefined;
  const what =
    done === 'create'
      ? 'The care plan was created.'
      : (CAREPLAN_INTENTS as readonly string[]).includes(done)
      ? CAREPLAN_ACTION_UI[done as CarePlanIntent].done
      : undefined;
  if (!what) return undefined;
  const changes = [
    work.created > 0 ? `${plural(work.created, 'task', 'tasks')} created` : undefined,
    work.cancelled > 0 ? `${plural(work.cancelled, 'pending task', 'pending tasks')} cancelled` : undefined,
  ].filter(Boolean);
  const reminders = [
    work.remindersScheduled ? `${plural(work.remindersScheduled, 'patient reminder', 'patient reminders')} scheduled` : undefined,
    work.remindersCancelled ? `${plural(work.remindersCancelled, 'scheduled patient reminder', 'scheduled patient reminders')} cancelled` : undefined,
  ].filter(Boolean);
  const unreachable = work.unreachable ? ' The patient has no mobile phone or personal email on file, so no reminders can be sent.' : '';
  const tasks = changes.length > 0 ? `${changes.join('; ')}.` : 'No tasks were created or cancelled.';
  return `${what} ${tasks}${reminders.length > 0 ? ` ${capitalize(reminders.join('; '))}.` : ''}${unreachable}`;
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

const TIMELINE_KIND: Record<string, string> = { created: 'Created', transition: 'Status changed', revision: 'Revised' };

/** A care-plan timeline entry's heading (past tense, never a button's name). */
export function carePlanTimelineHeading(kind: string): string {
  return TIMELINE_KIND[kind] ?? kind;
}
