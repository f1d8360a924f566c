import { z } from 'zod';

/** FHIR Task status, the subset the HL7 SDOH Clinical Care referral profile uses. */
export const REFERRAL_STATUSES = ['requested', 'accepted', 'rejected', 'in-progress', 'on-hold', 'completed', 'cancelled', 'failed'] as const;
export const ZReferralStatus = z.enum(REFERRAL_STATUSES);
export type ReferralStatus = z.infer<typeof ZReferralStatus>;

/** Statuses in which work is still owed; the queue shows these by default. */
export const OPEN_STATUSES: readonly ReferralStatus[] = ['requested', 'accepted', 'in-progress', 'on-hold'];
export const TERMINAL_STATUSES: readonly ReferralStatus[] = ['rejected', 'completed', 'cancelled', 'failed'];
/** Open statuses whose SLA clock runs: on hold pauses it, so on-hold work is never overdue. */
export const CLOCK_RUNNING_STATUSES: readonly ReferralStatus[] = ['requested', 'accepted', 'in-progress'];

/** The finer funnel a coordinator works through, beside the FHIR status. */
export const BUSINESS_STATUSES = ['triage', 'awaiting-docs', 'scheduling', 'appointment-booked', 'no-show', 'outcome-received'] as const;
export const ZBusinessStatus = z.enum(BUSINESS_STATUSES);
export type BusinessStatus = z.infer<typeof ZBusinessStatus>;

export const PRIORITIES = ['stat', 'asap', 'urgent', 'routine'] as const;
export const ZPriority = z.enum(PRIORITIES);
export type Priority = z.infer<typeof ZPriority>;

/** Sort rank: lower is more pressing (FHIR's request-priority order). */
export const PRIORITY_RANK: Record<Priority, number> = { stat: 0, asap: 1, urgent: 2, routine: 3 };

export const ZDirection = z.enum(['outbound', 'inbound']);
export type Direction = z.infer<typeof ZDirection>;

export const ZCode = z.object({
  system: z.string().max(500).optional(),
  code: z.string().max(200).optional(),
  display: z.string().max(500).optional(),
});
export type Code = z.infer<typeof ZCode>;

/** A link back to a resource in one EHR source. */
export const ZEhrLink = z.object({
  sourceId: z.string(),
  reference: z.string(),
});
export type EhrLink = z.infer<typeof ZEhrLink>;

export const ZActorRef = z.object({ id: z.string(), name: z.string() });
export type ActorRef = z.infer<typeof ZActorRef>;

/** How many times one referral may go on hold: its hold history stays small and every resume cheap. */
export const MAX_REFERRAL_HOLDS = 50;

/** A time the referral was on hold (its SLA clock paused); no `to` while it still is. */
export const ZReferralHold = z.object({ from: z.iso.datetime(), to: z.iso.datetime().optional() });
export type ReferralHold = z.infer<typeof ZReferralHold>;

export const ZReferral = z.object({
  id: z.string(),
  patientId: z.string(),
  serviceRequest: ZEhrLink.optional(),
  direction: ZDirection,
  service: ZCode,
  reason: z.string().max(2000).optional(),
  priority: ZPriority,
  status: ZReferralStatus,
  businessStatus: ZBusinessStatus,
  statusReason: z.string().max(2000).optional(),
  queue: z.string(),
  assignee: ZActorRef.optional(),
  /** When the SLA clock runs out: see referralDueAt (due.ts). */
  dueAt: z.string(),
  /** When the SLA clock started, if not at `createdAt` (an EHR referral's clock starts when it was authored). */
  slaStartedAt: z.iso.datetime().optional(),
  /** Every hold, oldest first: its business time does not count against the SLA. Absent = never held. */
  holds: z.array(ZReferralHold).max(MAX_REFERRAL_HOLDS).optional(),
  /** When the breach sweep found this due time passed (cleared when the due time changes). */
  breachedAt: z.string().optional(),
  receivingOrganization: z.string().max(500).optional(),
  appointment: z
    .object({ start: z.string().optional(), link: ZEhrLink.optional(), status: z.string().optional() })
    .optional(),
  outcome: z.object({ link: ZEhrLink.optional(), receivedAt: z.string(), description: z.string().max(500).optional() }).optional(),
  loopClosedAt: z.string().optional(),
  /** Last applied EHR version per source resource (`ServiceRequest/1` → lastUpdated), for version gating. */
  ehrVersions: z.record(z.string(), z.string()).default({}),
  version: z.number().int().min(1),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Referral = z.infer<typeof ZReferral>;

export const ZTimelineEntry = z.object({
  id: z.string(),
  referralId: z.string(),
  at: z.string(),
  actor: ZActorRef,
  kind: z.enum(['created', 'transition', 'assignment', 'note', 'ehr-update']),
  from: z.object({ status: ZReferralStatus, businessStatus: ZBusinessStatus }).optional(),
  to: z.object({ status: ZReferralStatus, businessStatus: ZBusinessStatus }).optional(),
  action: z.string().optional(),
  note: z.string().max(4000).optional(),
});
export type TimelineEntry = z.infer<typeof ZTimelineEntry>;

/** The system actor recorded when the EHR, not a person, changed a referral. */
export const EHR_ACTOR: ActorRef = { id: 'system:ehr', name: 'EHR' };

export function isOverdue(referral: Pick<Referral, 'dueAt' | 'status'>, now: Date): boolean {
  return CLOCK_RUNNING_STATUSES.includes(referral.status) && referral.dueAt < now.toISOString();
}
