import type { BusinessStatus, Priority, ReferralStatus } from '../../../shared/referrals/schema';
import type { ReferralAction } from '../../../shared/referrals/state-machine';

/**
 * Words the console shows for domain codes, and what each referral form is called. Pure and
 * type-only imports from shared/, so it is safe in the browser bundle.
 */
export const STATUS_LABEL: Record<ReferralStatus, string> = {
  requested: 'Requested',
  accepted: 'Accepted',
  rejected: 'Rejected',
  'in-progress': 'In progress',
  'on-hold': 'On hold',
  completed: 'Completed',
  cancelled: 'Cancelled',
  failed: 'Failed',
};

export const BUSINESS_STATUS_LABEL: Record<BusinessStatus, string> = {
  triage: 'Triage',
  'awaiting-docs': 'Awaiting documents',
  scheduling: 'Scheduling',
  'appointment-booked': 'Appointment booked',
  'no-show': 'No-show',
  'outcome-received': 'Outcome received',
};

export const PRIORITY_LABEL: Record<Priority, string> = {
  stat: 'STAT',
  asap: 'ASAP',
  urgent: 'Urgent',
  routine: 'Routine',
};

export function statusLabel(status: string): string {
  return STATUS_LABEL[status as ReferralStatus] ?? status;
}
export function businessStatusLabel(status: string): string {
  return BUSINESS_STATUS_LABEL[status as BusinessStatus] ?? status;
}
export function priorityLabel(priority: string): string {
  return PRIORITY_LABEL[priority as Priority] ?? priority;
}

export type TransitionIntent = ReferralAction['action'];
/** Every form on the referral page posts one of these as `intent`. */
export type ReferralIntent = 'claim' | 'assign' | 'note' | TransitionIntent;

/** The free-text field a transition form carries, if any (the name matches ZReferralAction). */
export type ActionField = 'reason' | 'outcome' | 'note';

export interface ActionUi {
  /** Exact visible text of the submit button (browser tests find buttons by it). */
  button: string;
  /** What `?done=<intent>` says after a successful POST (no patient data). */
  done: string;
  field?: { name: ActionField; label: string; required: boolean };
  /** A button that ends or refuses the work: styled as such. */
  ends?: boolean;
}

export const ACTION_UI: Record<ReferralIntent, ActionUi> = {
  claim: { button: 'Claim', done: 'You claimed this referral.' },
  assign: { button: 'Assign', done: 'The assignment was saved.' },
  note: { button: 'Add note', done: 'The note was added.' },
  accept: { button: 'Accept', done: 'The referral was accepted.', field: { name: 'note', label: 'Note (optional)', required: false } },
  reject: { button: 'Reject', done: 'The referral was rejected.', field: { name: 'reason', label: 'Reason for rejecting', required: true }, ends: true },
  'request-docs': { button: 'Request documents', done: 'Documents were requested.', field: { name: 'note', label: 'What is missing (optional)', required: false } },
  'docs-received': { button: 'Documents received', done: 'The documents were recorded as received.', field: { name: 'note', label: 'Note (optional)', required: false } },
  schedule: { button: 'Schedule', done: 'The appointment was recorded.', field: { name: 'note', label: 'Note (optional)', required: false } },
  'no-show': { button: 'Record no-show', done: 'The no-show was recorded.', field: { name: 'note', label: 'Note (optional)', required: false } },
  hold: { button: 'Put on hold', done: 'The referral is on hold.', field: { name: 'reason', label: 'Reason for the hold', required: true } },
  resume: { button: 'Resume', done: 'The referral was resumed.', field: { name: 'note', label: 'Note (optional)', required: false } },
  close: { button: 'Close loop', done: 'The loop was closed.', field: { name: 'outcome', label: 'Outcome', required: true } },
  cancel: { button: 'Cancel referral', done: 'The referral was cancelled.', field: { name: 'reason', label: 'Reason for cancelling', required: true }, ends: true },
  fail: { button: 'Mark failed', done: 'The referral was marked failed.', field: { name: 'reason', label: 'Why it failed', required: true }, ends: true },
};

/** Success messages for `?done=` values (the referral page's intents plus creation). */
export function doneMessage(done: string | null): string | undefined {
  if (!done) return undefined;
  if (done === 'create') return 'The referral was created.';
  return (ACTION_UI as Record<string, ActionUi | undefined>)[done]?.done;
}

/** Timeline headings: past tense, so they never read like (or share a name with) a button. */
const TIMELINE_ACTION: Record<string, string> = {
  accept: 'Accepted',
  reject: 'Rejected',
  'request-docs': 'Documents requested',
  'docs-received': 'Documents received',
  schedule: 'Appointment scheduled',
  'no-show': 'No-show recorded',
  hold: 'Put on hold',
  resume: 'Resumed',
  close: 'Closed with an outcome',
  cancel: 'Cancelled',
  fail: 'Marked failed',
  'ehr-revoked': 'Revoked in the EHR',
  'ehr-appointment-booked': 'Appointment booked in the EHR',
  'ehr-appointment-noshow': 'No-show recorded in the EHR',
  'ehr-appointment-cancelled': 'Appointment cancelled in the EHR',
  'ehr-outcome': 'Outcome received from the EHR',
};
const TIMELINE_KIND: Record<string, string> = {
  created: 'Created',
  transition: 'Status changed',
  assignment: 'Assignment',
  note: 'Note',
  'ehr-update': 'Updated from the EHR',
};

export function timelineHeading(entry: { kind: string; action?: string | undefined }): string {
  return (entry.action ? TIMELINE_ACTION[entry.action] : undefined) ?? TIMELINE_KIND[entry.kind] ?? entry.action ?? entry.kind;
}

/** "Spanish (es)" for a BCP-47 code (computed on the server, so both renders agree). */
export function languageName(code: string | undefined): string | undefined {
  if (!code) return undefined;
  try {
    const name = new Intl.DisplayNames(['en'], { type: 'language' }).of(code);
    return name && name !== code ? `${name} (${code})` : code;
  } catch {
    return code;
  }
}
