import type { BulkOutcome } from '../../../shared/tasks/bulk-reassign-tasks';
import type { ATTEMPT_CHANNELS, ATTEMPT_OUTCOMES, TaskStatus, TaskType, Team } from '../../../shared/tasks/schema';
import type { TaskListView } from '../../../shared/tasks/views';

/**
 * Words the console shows for task codes, and what each task form is called. Type-only imports
 * from shared/, so it is safe in the browser bundle.
 */
export const TASK_STATUS_LABEL: Record<TaskStatus, string> = {
  ready: 'Ready',
  'in-progress': 'In progress',
  'on-hold': 'On hold',
  completed: 'Completed',
  cancelled: 'Cancelled',
  failed: 'Failed',
};

export const TASK_TYPE_LABEL: Record<TaskType, string> = {
  'call-patient': 'Call patient',
  'schedule-appointment': 'Schedule appointment',
  'obtain-records': 'Obtain records',
  'send-referral-packet': 'Send referral packet',
  'no-show-follow-up': 'No-show follow-up',
  'post-discharge-call': 'Post-discharge call',
  'follow-up-visit': 'Follow-up visit',
  'find-another-provider': 'Find another provider',
  custom: 'Other',
};

export const TEAM_LABEL: Record<Team, string> = { coordinators: 'Care coordinators', nurses: 'Nurses' };

export const VIEW_LABEL: Record<TaskListView, string> = { mine: 'My work', team: 'Team queue', 'due-today': 'Due today', overdue: 'Overdue' };

export const ATTEMPT_CHANNEL_LABEL: Record<(typeof ATTEMPT_CHANNELS)[number], string> = { phone: 'Phone', sms: 'Text message', email: 'Email', letter: 'Letter', 'in-person': 'In person' };
export const ATTEMPT_OUTCOME_LABEL: Record<(typeof ATTEMPT_OUTCOMES)[number], string> = {
  reached: 'Reached',
  voicemail: 'Left voicemail',
  'no-answer': 'No answer',
  'wrong-number': 'Wrong number',
  declined: 'Declined',
};

export const BULK_OUTCOME_LABEL: Record<BulkOutcome, string> = {
  reassigned: 'Reassigned',
  unchanged: 'Already so; unchanged',
  stale: 'Changed by someone else; reload and try again',
  conflict: 'Not reassigned',
  'not-found': 'No longer exists',
  forbidden: 'Not on your team',
  invalid: 'Not a valid reassignment',
};

/** The codes of a label table, in its order (the browser bundle never loads shared/ runtime code). */
export function labelKeys<K extends string>(labels: Record<K, string>): K[] {
  return Object.keys(labels) as K[];
}

/** A task status in words (the code itself for anything unknown). */
export function taskStatusLabel(status: string): string {
  return TASK_STATUS_LABEL[status as TaskStatus] ?? status;
}

/** A task type in words. */
export function taskTypeLabel(type: string): string {
  return TASK_TYPE_LABEL[type as TaskType] ?? type;
}

/** The task page's forms: state moves, claim, contact attempts and notes. */
export const TASK_INTENTS = ['claim', 'start', 'hold', 'resume', 'complete', 'cancel', 'fail', 'attempt', 'note'] as const;
export type TaskIntent = (typeof TASK_INTENTS)[number];

export interface TaskActionUi {
  title: string;
  button: string;
  done: string;
  /** Moves that need a reason carry a required text field named `reason`. */
  reason?: string;
  /** Ends the work (styled as a danger). */
  ends?: boolean;
}

export const TASK_ACTION_UI: Record<TaskIntent, TaskActionUi> = {
  claim: { title: 'Take this task', button: 'Claim', done: 'You now own this task.' },
  start: { title: 'Start work', button: 'Start', done: 'The task is in progress.' },
  hold: { title: 'Put on hold', button: 'Put on hold', done: 'The task is on hold; its due clock is paused.', reason: 'Why it waits' },
  resume: { title: 'Resume work', button: 'Resume', done: 'The task is in progress again.' },
  complete: { title: 'Complete the task', button: 'Complete', done: 'The task was completed.' },
  cancel: { title: 'Cancel the task', button: 'Cancel task', done: 'The task was cancelled.', reason: 'Reason for cancelling', ends: true },
  fail: { title: 'Mark as failed', button: 'Mark failed', done: 'The task was marked failed.', reason: 'Why it failed', ends: true },
  attempt: { title: 'Log a contact attempt', button: 'Log attempt', done: 'The attempt was logged.' },
  note: { title: 'Add a note', button: 'Add note', done: 'The note was added.' },
};

/** The success message for a task page's `?done=` value. */
export function taskDoneMessage(done: string | null): string | undefined {
  return done && (TASK_INTENTS as readonly string[]).includes(done) ? TASK_ACTION_UI[done as TaskIntent].done : undefined;
}

const TIMELINE_KIND: Record<string, string> = {
  created: 'Created',
  transition: 'Status changed',
  assignment: 'Assignment',
  attempt: 'Contact attempt',
  note: 'Note',
  'ehr-update': 'Updated from the EHR',
};

/** A task timeline entry's heading (past tense, never a button's name). */
export function taskTimelineHeading(kind: string): string {
  return TIMELINE_KIND[kind] ?? kind;
}
