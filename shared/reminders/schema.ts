import { z } from 'zod';
import { type ActorRef, ZActorRef } from '../referrals/schema';
import { ZFhirReference, ZRuleId, ZUlid } from '../tasks/schema';
import { ZSourceId } from '../webhooks/source-schema';
import { REMINDER_TEMPLATE_LABEL } from './template-labels';
import { ZReminderLanguage, ZReminderTemplateId } from './templates';

/**
 * A patient reminder as Sidecar keeps it: who, by which channel, with which template and when —
 * never the message itself (it is rendered at send time from the template and the patient's first
 * name), and never provider text that could hold PHI: reasons and failures are codes.
 */

export const REMINDER_CHANNELS = ['sms', 'email'] as const;
export const ZReminderChannel = z.enum(REMINDER_CHANNELS);
export type ReminderChannel = z.infer<typeof ZReminderChannel>;

/**
 * `scheduled` waits in the due index; `sending` is claimed by one sweep; `sent` went to the
 * provider; `delivered`/`failed` come from delivery events (or a permanent send error);
 * `cancelled` by the work it belonged to; `skipped` at send time with a skip reason.
 */
export const REMINDER_STATUSES = ['scheduled', 'sending', 'sent', 'delivered', 'failed', 'cancelled', 'skipped'] as const;
export const ZReminderStatus = z.enum(REMINDER_STATUSES);
export type ReminderStatus = z.infer<typeof ZReminderStatus>;

/** Why a reminder was not sent when it came due. */
export const REMINDER_SKIP_REASONS = ['no-consent', 'opted-out', 'frequency-cap', 'no-contact-point', 'bad-contact-point'] as const;
export const ZReminderSkipReason = z.enum(REMINDER_SKIP_REASONS);
export type ReminderSkipReason = z.infer<typeof ZReminderSkipReason>;

/** Why a scheduled reminder was withdrawn before it came due. */
export const REMINDER_CANCEL_REASONS = [
  'appointment-cancelled',
  /** The patient did not come: the EHR marked the appointment a no-show. */
  'appointment-no-show',
  /** The appointment moved so that this reminder's time has passed. */
  'appointment-moved-too-late',
  /** The appointment moved before this fixed-time reminder. */
  'appointment-moved',
  /** The EHR resource that made it was withdrawn or entered in error. */
  'source-withdrawn',
  'care-plan-ended',
  /** The plan was put on hold (resuming it schedules the activities' reminders anew). */
  'care-plan-on-hold',
  /** The activity was removed, closed or rescheduled, or its patient time changed. */
  'care-plan-activity-changed',
  'task-closed',
  'referral-closed',
  'cancelled-by-staff',
] as const;
export const ZReminderCancelReason = z.enum(REMINDER_CANCEL_REASONS);
export type ReminderCancelReason = z.infer<typeof ZReminderCancelReason>;

/** A reason or failure code (`throttled`, `opted-out`, `quiet-hours`): a slug, never provider text. */
export const ZReminderCode = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'reminder codes are lower-case slugs');

/** An EHR resource (the appointment, or the resource whose event fired a rule). EHR ids are never put in keys as-is. */
export const ZReminderResourceRef = z.object({ sourceId: ZSourceId, reference: ZFhirReference });
export type ReminderResourceRef = z.infer<typeof ZReminderResourceRef>;

/** The work a reminder belongs to; fixed when it is created (cancellation and moves find it by these). */
export const ZReminderLinks = z.object({
  appointment: ZReminderResourceRef.optional(),
  taskId: ZUlid.optional(),
  carePlanId: ZUlid.optional(),
  referralId: ZUlid.optional(),
});
export type ReminderLinks = z.infer<typeof ZReminderLinks>;

/** The rule (and the resource whose event fired it) that created a reminder: one reminder per rule and resource. */
export const ZReminderRuleOrigin = z.object({ ruleId: ZRuleId, source: ZReminderResourceRef });
export type ReminderRuleOrigin = z.infer<typeof ZReminderRuleOrigin>;

/** Who created a reminder: a member of staff, or a rule. */
export const ZReminderCreator = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), id: z.string(), name: z.string() }),
  z.object({ kind: z.literal('rule'), ruleId: ZRuleId }),
]);
export type ReminderCreator = z.infer<typeof ZReminderCreator>;

export const REMINDER_ATTEMPT_OUTCOMES = ['sent', 'failed', 'deferred', 'skipped'] as const;

/** One try at sending (or a decision not to, yet): when, what happened, and a code. */
export const ZReminderAttempt = z.object({
  at: z.iso.datetime(),
  outcome: z.enum(REMINDER_ATTEMPT_OUTCOMES),
  code: ZReminderCode.optional(),
});
export type ReminderAttempt = z.infer<typeof ZReminderAttempt>;

/** Attempts a reminder may record (deferrals included); the sweep gives up well before. */
export const MAX_REMINDER_ATTEMPTS = 50;
/** Longest appointment offset (hours before its start) a reminder may keep: 30 days. */
export const MAX_REMINDER_OFFSET_HOURS = 720;

const ZReminderFields = z.object({
  id: ZUlid,
  patientId: z.string().min(1).max(64),
  channel: ZReminderChannel,
  /** Which text is rendered at send time (templates.ts), in `language`. */
  templateId: ZReminderTemplateId,
  language: ZReminderLanguage,
  /** The intended time. */
  dueAt: z.iso.datetime(),
  /** When it may go out: `dueAt`, or later once quiet hours deferred it. The due index is keyed by it. */
  sendAt: z.iso.datetime(),
  /** Hours before the linked appointment's start: a moved appointment moves the reminder with it. */
  offsetHours: z.number().int().min(1).max(MAX_REMINDER_OFFSET_HOURS).optional(),
  /** The time the reminder is about when it is neither its due time nor an appointment's start (a care-plan activity's). */
  eventAt: z.iso.datetime().optional(),
  links: ZReminderLinks,
  status: ZReminderStatus,
  /** Skip reason, cancel reason or failure code: a code, never text. */
  statusReason: ZReminderCode.optional(),
  /** When a sweep claimed it (only while `sending`): a claim older than the lease is re-examined. */
  sendingAt: z.iso.datetime().optional(),
  attempts: z.array(ZReminderAttempt).max(MAX_REMINDER_ATTEMPTS),
  /** The provider's id of the sent message (SMS MessageId, SES MessageId); delivery events find the reminder by it. */
  providerMessageId: z.string().min(1).max(200).optional(),
  rule: ZReminderRuleOrigin.optional(),
  createdBy: ZReminderCreator,
  version: z.number().int().min(1),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

/** A reminder as the domain sees it, with its invariants. Validated on every read and write. */
export const ZReminder = ZReminderFields.superRefine((r, issue) => {
  const reason = (ok: boolean, message: string) => ok || issue.addIssue({ code: 'custom', path: ['statusReason'], message });
  if (r.status === 'skipped') reason(ZReminderSkipReason.safeParse(r.statusReason).success, 'A skipped reminder needs a skip reason');
  if (r.status === 'cancelled') reason(ZReminderCancelReason.safeParse(r.statusReason).success, 'A cancelled reminder needs a cancel reason');
  if (r.status === 'failed') reason(r.statusReason !== undefined, 'A failed reminder needs a failure code');
  if (Date.parse(r.sendAt) < Date.parse(r.dueAt)) issue.addIssue({ code: 'custom', path: ['sendAt'], message: 'sendAt is never before dueAt' });
  if ((r.status === 'sending') !== (r.sendingAt !== undefined)) issue.addIssue({ code: 'custom', path: ['sendingAt'], message: 'sendingAt is set exactly while sending' });
  if ((r.status === 'sent' || r.status === 'delivered') && !r.providerMessageId) {
    issue.addIssue({ code: 'custom', path: ['providerMessageId'], message: 'A sent reminder has the provider’s message id' });
  }
  if (r.offsetHours !== undefined && !r.links.appointment) issue.addIssue({ code: 'custom', path: ['offsetHours'], message: 'An offset needs a linked appointment' });
  if (r.eventAt !== undefined && (r.offsetHours !== undefined || Date.parse(r.eventAt) < Date.parse(r.dueAt))) {
    issue.addIssue({ code: 'custom', path: ['eventAt'], message: 'An event time is not before the due time, and not with an appointment offset' });
  }
  const ruleOfCreator = r.createdBy.kind === 'rule' ? r.createdBy.ruleId : undefined;
  if (ruleOfCreator !== r.rule?.ruleId) {
    issue.addIssue({ code: 'custom', path: ['rule'], message: 'A rule-created reminder carries its rule origin' });
  }
});
export type Reminder = z.infer<typeof ZReminder>;

export const REMINDER_TIMELINE_KINDS = ['created', 'transition', 'rescheduled'] as const;

/** One entry of a reminder's history: codes and times only (no PHI beyond the staff actor). */
export const ZReminderTimelineEntry = z.object({
  id: z.string(),
  reminderId: z.string(),
  at: z.string(),
  actor: ZActorRef,
  kind: z.enum(REMINDER_TIMELINE_KINDS),
  from: ZReminderStatus.optional(),
  to: ZReminderStatus.optional(),
  reason: ZReminderCode.optional(),
  /** `rescheduled`: the new send time. */
  sendAt: z.string().optional(),
});
export type ReminderTimelineEntry = z.infer<typeof ZReminderTimelineEntry>;

/** Who is recorded when Sidecar itself changes a reminder (a cascade, a sweep). */
export const REMINDER_SYSTEM_ACTOR: ActorRef = { id: 'system:reminders', name: 'Reminders' };

/** A short label for timelines: the template in words and the channel ("Appointment reminder (SMS)"). No PHI. */
export function reminderLabel(r: Pick<Reminder, 'templateId' | 'channel'>): string {
  return `${REMINDER_TEMPLATE_LABEL[r.templateId]} (${r.channel === 'sms' ? 'SMS' : 'email'})`;
}
