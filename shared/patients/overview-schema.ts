import { z } from 'zod';
import { CAREPLAN_PARTS, ZCarePlan } from '../careplans/schema';
import { ZActorRef, ZReferral } from '../referrals/schema';
import { ZAttemptChannel, ZAttemptOutcome, ZTask } from '../tasks/schema';
import { ZPatient } from './schema';

/**
 * The patient page's one view of a patient: their record, where they live in the EHR, the
 * coordination work around them (referrals, tasks, care plans) and one timeline of it all. Every
 * section is optional because a viewer only gets the sections their role may open (a nurse gets
 * no referrals), and nothing of an omitted section leaks into the timeline. All of it is PHI.
 */

/** The kinds of record whose history the patient timeline merges (`consent`: one channel's consent ledger). */
export const ACTIVITY_ITEM_TYPES = ['referral', 'task', 'care-plan', 'reminder', 'consent'] as const;
export const ZActivityItemType = z.enum(ACTIVITY_ITEM_TYPES);
export type ActivityItemType = z.infer<typeof ZActivityItemType>;

/** Which record an activity entry belongs to, with a short label (the service, the task or plan title, the reminder's template and channel). */
export const ZActivityItem = z.object({ type: ZActivityItemType, id: z.string(), label: z.string() });
export type ActivityItem = z.infer<typeof ZActivityItem>;

/** A status before or after a change; referrals also carry their business status. */
export const ZActivityStatus = z.object({ status: z.string(), businessStatus: z.string().optional() });

/** What happened, in the vocabulary of the item's own timeline (transition, note, attempt, revision, reschedule, consent change…). */
export const ACTIVITY_KINDS = ['created', 'transition', 'assignment', 'attempt', 'note', 'ehr-update', 'revision', 'rescheduled', 'opt-in', 'opt-out'] as const;

/**
 * One entry of the patient timeline: what (kind, action, from → to), on which item, who and when.
 * `note` is text a person or the EHR wrote: PHI, render, never log.
 */
export const ZActivityEntry = z.object({
  id: z.string(),
  at: z.string(),
  actor: ZActorRef,
  item: ZActivityItem,
  kind: z.enum(ACTIVITY_KINDS),
  /** Referrals: the state-machine action that made the change (`accept`, `ehr-outcome`…). */
  action: z.string().optional(),
  from: ZActivityStatus.optional(),
  to: ZActivityStatus.optional(),
  attempt: z.object({ channel: ZAttemptChannel, outcome: ZAttemptOutcome }).optional(),
  /** Care-plan revisions: which parts changed. */
  changes: z.array(z.enum(CAREPLAN_PARTS)).optional(),
  /** Reminders: the reason code of the change (`opted-out`, `appointment-moved`); consent: its source (`sms-keyword`). A code, never text. */
  reason: z.string().optional(),
  note: z.string().optional(),
});
export type ActivityEntry = z.infer<typeof ZActivityEntry>;

/** Where the patient lives in the EHR: the chart link when the source has chart pages, else the reference. */
export const ZPatientEhrRef = z.object({
  sourceId: z.string(),
  sourceName: z.string().optional(),
  reference: z.string(),
  chartUrl: z.string().optional(),
});
export type PatientEhrRef = z.infer<typeof ZPatientEhrRef>;

export const ZPatientOverview = z.object({
  patient: ZPatient,
  ehr: ZPatientEhrRef.optional(),
  /** Open first (most pressing due time first), then closed, newest first. Absent when the role may not read referrals. */
  referrals: z.object({ items: z.array(ZReferral), capped: z.boolean() }).optional(),
  /** Open work (by due time) and the most recently closed. Absent when the role may not read tasks. */
  tasks: z.object({ open: z.array(ZTask), recentlyClosed: z.array(ZTask), capped: z.boolean() }).optional(),
  /** Newest first. Absent when the role may not read care plans. */
  carePlans: z.object({ items: z.array(ZCarePlan), capped: z.boolean() }).optional(),
  /** Every readable item's history, newest first, at most `limit` entries; `truncated` when more exist. */
  timeline: z.object({ entries: z.array(ZActivityEntry), limit: z.number().int(), truncated: z.boolean() }),
});
export type PatientOverview = z.infer<typeof ZPatientOverview>;
