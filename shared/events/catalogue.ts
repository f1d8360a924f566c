import { z } from 'zod';

/**
 * The event catalogue: every `detail-type` Sidecar publishes, its detail schema, and every rule
 * (pattern → consumer). The CDK stack makes one EventBridge rule per entry of RULES; the local
 * EventBridge stand-in matches the same patterns. Event metadata (source, detail-type, resources)
 * never carries patient data, and details are thin: ids and versions, never the FHIR payload,
 * which consumers read from the inbox (or, for id-only notifications, from the EHR).
 */
export const EVENT_SOURCE = 'sidecar.ehr';

/** FHIR resource types Sidecar accepts from an EHR, each published as `<type>.changed`. */
export const HANDLED_RESOURCE_TYPES = [
  'Patient',
  'ServiceRequest',
  'Appointment',
  'DocumentReference',
  'DiagnosticReport',
  'Encounter',
] as const;
export type HandledResourceType = (typeof HANDLED_RESOURCE_TYPES)[number];

export const DETAIL_TYPES = HANDLED_RESOURCE_TYPES.map((t) => `${t}.changed` as const);
export type DetailType = (typeof DETAIL_TYPES)[number];

export function detailTypeFor(resourceType: HandledResourceType): DetailType {
  return `${resourceType}.changed`;
}

/** Detail of every `<ResourceType>.changed` event. */
export const ZEhrResourceChanged = z.object({
  /** Inbox row holding the accepted webhook delivery. */
  inboxId: z.string().min(1),
  /** Index of the changed resource within that delivery. */
  entry: z.number().int().min(0),
  sourceId: z.string().min(1),
  resourceType: z.enum(HANDLED_RESOURCE_TYPES),
  /** The EHR's logical id (opaque; not PHI by itself, and never used in a key as-is). */
  resourceId: z.string().min(1),
  versionId: z.string().optional(),
  lastUpdated: z.string().optional(),
  interaction: z.enum(['create', 'update', 'delete']),
  /** Whether the inbox holds the resource (`full-resource`) or it must be read from the EHR (`id-only`). */
  content: z.enum(['full-resource', 'id-only']),
  /** When Sidecar accepted the delivery: the version fallback when the resource has no meta.lastUpdated. */
  receivedAt: z.string(),
});
export type EhrResourceChanged = z.infer<typeof ZEhrResourceChanged>;

export interface ConsumerDefinition {
  /** Stable id; also the Lambda's file name under functions/consumers/. */
  id: string;
  description: string;
  detailTypes: readonly DetailType[];
}

export const CONSUMERS = [
  {
    id: 'referral-intake',
    description: 'ServiceRequest created, updated, revoked or entered-in-error → referral created, updated or cancelled',
    detailTypes: ['ServiceRequest.changed'],
  },
  {
    id: 'referral-appointment',
    description: 'Appointment based on a referral booked, no-show or cancelled → referral scheduling state',
    detailTypes: ['Appointment.changed'],
  },
  {
    id: 'referral-outcome',
    description: 'DocumentReference or DiagnosticReport based on a referral → outcome received, loop closed',
    detailTypes: ['DocumentReference.changed', 'DiagnosticReport.changed'],
  },
  {
    id: 'follow-up-work',
    description: 'Inpatient or emergency Encounter finished, or Appointment no-show → follow-up tasks; withdrawn by the EHR → those tasks cancelled',
    detailTypes: ['Encounter.changed', 'Appointment.changed'],
  },
  {
    id: 'patient-projection',
    description: 'Patient created or updated → the minimum-necessary patient projection',
    detailTypes: ['Patient.changed'],
  },
  {
    id: 'appointment-reminders',
    description: "Appointment booked, moved, cancelled, no-show, entered-in-error or deleted → the patient's reminders scheduled, moved or cancelled",
    detailTypes: ['Appointment.changed'],
  },
] as const satisfies readonly ConsumerDefinition[];

export type ConsumerId = (typeof CONSUMERS)[number]['id'];

/** An EventBridge event pattern (the subset Sidecar's rules use: exact values in arrays, nested objects). */
export type EventPattern = { [key: string]: readonly string[] | EventPattern };

export interface RuleDefinition {
  /** Rule name suffix; unique. */
  name: string;
  consumer: ConsumerId;
  pattern: EventPattern;
}

export const RULES: readonly RuleDefinition[] = CONSUMERS.map((c) => ({
  name: `to-${c.id}`,
  consumer: c.id,
  pattern: { source: [EVENT_SOURCE], 'detail-type': [...c.detailTypes] },
}));

/** Delivery policy shared by the CDK rule targets and the local stand-in. */
export const DELIVERY_POLICY = {
  /** Attempts after the first, before the event goes to the dead-letter queue. */
  retryAttempts: 4,
  /** Give up on an event older than this (seconds). */
  maximumEventAgeSeconds: 3600,
} as const;

/** EventBridge's limit for one PutEvents entry, checked before sending. */
export const MAX_ENTRY_BYTES = 256 * 1024;
