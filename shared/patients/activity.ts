import type { CarePlan, CarePlanTimelineEntry } from '../careplans/schema';
import type { ConsentChannel, ConsentEntry } from '../consent/schema';
import type { Referral, TimelineEntry } from '../referrals/schema';
import { type Reminder, type ReminderTimelineEntry, reminderLabel } from '../reminders/schema';
import type { Task, TaskTimelineEntry } from '../tasks/schema';
import type { ActivityEntry, ActivityItem } from './overview-schema';

/**
 * Maps each record kind's own timeline entries to the patient timeline's one shape, and merges
 * them. Pure: the use-case decides which items the viewer may see before anything comes here.
 */

/** The referral as a timeline item, labelled by its service. */
export function referralItem(referral: Pick<Referral, 'id' | 'service'>): ActivityItem {
  return { type: 'referral', id: referral.id, label: referral.service.display ?? referral.service.code ?? 'Referral' };
}

/** The task as a timeline item, labelled by its title (titles name the work, never the patient). */
export function taskItem(task: Pick<Task, 'id' | 'title'>): ActivityItem {
  return { type: 'task', id: task.id, label: task.title };
}

/** The care plan as a timeline item, labelled by its title. */
export function carePlanItem(plan: Pick<CarePlan, 'id' | 'title'>): ActivityItem {
  return { type: 'care-plan', id: plan.id, label: plan.title };
}

/** The reminder as a timeline item, labelled by its template and channel (never its text, which is not stored). */
export function reminderItem(reminder: Pick<Reminder, 'id' | 'templateId' | 'channel'>): ActivityItem {
  return { type: 'reminder', id: reminder.id, label: reminderLabel(reminder) };
}

/** One channel's consent ledger as a timeline item (its id is the channel: a patient has one ledger per channel). */
export function consentItem(channel: ConsentChannel): ActivityItem {
  return { type: 'consent', id: channel, label: channel === 'sms' ? 'SMS consent' : 'Email consent' };
}

/** What every record kind's timeline entry shares: which entry, when, who, on which item, what kind. */
function entryBase(item: ActivityItem, e: { id: string; at: string; actor: ActivityEntry['actor']; kind: ActivityEntry['kind'] }) {
  return { id: e.id, at: e.at, actor: e.actor, item, kind: e.kind };
}

/** A status move given as bare statuses (tasks, care plans, reminders), in the timeline's from/to shape. */
function statusMove(e: { from?: string | undefined; to?: string | undefined }) {
  return { ...(e.from ? { from: { status: e.from } } : {}), ...(e.to ? { to: { status: e.to } } : {}) };
}

/** A referral timeline entry on the patient timeline (status and business status on both sides). */
export function fromReferralEntry(item: ActivityItem, e: TimelineEntry): ActivityEntry {
  return {
    ...entryBase(item, e),
    ...(e.action ? { action: e.action } : {}),
    ...(e.from ? { from: { status: e.from.status, businessStatus: e.from.businessStatus } } : {}),
    ...(e.to ? { to: { status: e.to.status, businessStatus: e.to.businessStatus } } : {}),
    ...(e.note ? { note: e.note } : {}),
  };
}

/** A task timeline entry on the patient timeline (contact attempts keep their channel and outcome). */
export function fromTaskEntry(item: ActivityItem, e: TaskTimelineEntry): ActivityEntry {
  return {
    ...entryBase(item, e),
    ...statusMove(e),
    ...(e.attempt ? { attempt: e.attempt } : {}),
    ...(e.note ? { note: e.note } : {}),
  };
}

/** A care-plan timeline entry on the patient timeline (revisions keep which parts changed). */
export function fromCarePlanEntry(item: ActivityItem, e: CarePlanTimelineEntry): ActivityEntry {
  return {
    ...entryBase(item, e),
    ...statusMove(e),
    ...(e.changes ? { changes: e.changes } : {}),
    ...(e.note ? { note: e.note } : {}),
  };
}

/** A reminder timeline entry on the patient timeline (status moves keep their reason code). */
export function fromReminderEntry(item: ActivityItem, e: ReminderTimelineEntry): ActivityEntry {
  return {
    ...entryBase(item, e),
    ...statusMove(e),
    ...(e.reason ? { reason: e.reason } : {}),
  };
}

/** A consent change on the patient timeline: `opt-in` or `opt-out`, with its source as the reason. */
export function fromConsentEntry(e: ConsentEntry): ActivityEntry {
  return {
    id: e.id,
    at: e.at,
    actor: e.actor,
    item: consentItem(e.channel),
    kind: e.change,
    to: { status: e.change === 'opt-in' ? 'opted-in' : 'opted-out' },
    reason: e.source,
    ...(e.note ? { note: e.note } : {}),
  };
}

/**
 * Newest first. Entries written at the same instant (one transaction: a record created and at once
 * moved) keep creation last; otherwise the id decides (ULIDs: later milliseconds sort later), so the
 * order is total and stable.
 */
export function newestFirst(a: ActivityEntry, b: ActivityEntry): number {
  if (a.at !== b.at) return a.at < b.at ? 1 : -1;
  if ((a.kind === 'created') !== (b.kind === 'created')) return a.kind === 'created' ? 1 : -1;
  if (a.id !== b.id) return a.id < b.id ? 1 : -1;
  return a.item.id < b.item.id ? 1 : a.item.id > b.item.id ? -1 : 0;
}

/**
 * The `limit` newest entries of several items' timelines, merged newest first, and whether any
 * entry was left out (so the page can say the timeline is cut).
 */
export function mergeActivity(lists: readonly (readonly ActivityEntry[])[], limit: number): { entries: ActivityEntry[]; truncated: boolean } {
  const all = lists.flat().sort(newestFirst);
  return { entries: all.slice(0, limit), truncated: all.length > limit };
}
