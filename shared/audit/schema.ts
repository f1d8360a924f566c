import { isIP } from 'node:net';
import { z } from 'zod';
import { ZRole, ZUserId } from '../users/directory';

/** What was done: a closed set, so a record never carries a free-text description. */
export const AUDIT_ACTIONS = [
  'read',
  'list',
  'create',
  'update',
  'transition',
  'assign',
  'claim',
  'note',
  'replay',
  'sign-in',
  'sign-out',
  'launch',
  'webhook-source.create',
  'webhook-source.rotate',
  'webhook-source.disable',
  'webhook-source.enable',
  'denied',
] as const;
export const ZAuditAction = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof ZAuditAction>;

/**
 * `Route` is a refused request's `METHOD /path/:id` (ids replaced); every other type holds a record
 * id. `Reminder` is one reminder (a list of a patient's reminders carries only the patient id);
 * `Consent` is a patient's consent ledger, which has no id of its own beyond the patient's.
 */
export const AUDIT_RESOURCE_TYPES = [
  'Referral',
  'Patient',
  'Queue',
  'InboundEvent',
  'WebhookSource',
  'Session',
  'AuditLog',
  'User',
  'Route',
  'Task',
  'CarePlan',
  'Reminder',
  'Consent',
] as const;
export const ZAuditResourceType = z.enum(AUDIT_RESOURCE_TYPES);
export type AuditResourceType = z.infer<typeof ZAuditResourceType>;

export const AUDIT_OUTCOMES = ['allowed', 'denied', 'failed'] as const;
export const AUDIT_VIAS = ['api', 'console', 'smart'] as const;

/**
 * A Sidecar record id (a ULID minted by newId(), an inbox digest, a webhook source slug): the
 * same shape the console accepts in a URL. No `#`, so it can never forge a key segment.
 */
export const ZRecordId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'not a record id');

/** Audit record ids are ULIDs (Crockford base32, upper case). */
export const ZAuditId = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'not an audit id');

const ROUTE_SHAPE = /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) \/[A-Za-z0-9_.:/%~-]{0,200}$/;

/** API Gateway request ids (base64-ish) or our own ULIDs. */
const ZRequestId = z.string().regex(/^[A-Za-z0-9+/=_.:-]{1,128}$/, 'not a request id');

/** An IPv4 or IPv6 address (as the runtime reports it), or `unknown` when there is none. */
const ZSourceIp = z
  .string()
  .max(64)
  .refine((ip) => ip === 'unknown' || isIP(ip) !== 0, 'not an IP address');

/**
 * One append-only audit record: who (actor id, display name, role) did what (a closed set of
 * actions) to which resource, for which patient, when, through which surface, from where, and
 * whether it was allowed. Only opaque ids and enums: never a patient's name or any free text a
 * user typed, so the audit table and its keys stay free of PHI. Unknown fields are rejected, not
 * stripped, so a caller that tries to add one fails loudly in its tests.
 */
export const ZAuditEntry = z
  .strictObject({
    id: ZAuditId,
    /** UTC, millisecond precision (Date#toISOString): it is the start of the sort key. */
    at: z.iso.datetime({ precision: 3 }),
    actorId: ZUserId,
    /** A member of staff's display name (never a patient's). */
    actorName: z.string().min(1).max(200),
    role: ZRole,
    action: ZAuditAction,
    resourceType: ZAuditResourceType,
    resourceId: z.string().max(210).optional(),
    /** Sidecar's opaque patient id; never a name or an EHR identifier. */
    patientId: ZRecordId.optional(),
    requestId: ZRequestId,
    sourceIp: ZSourceIp,
    outcome: z.enum(AUDIT_OUTCOMES).default('allowed'),
    via: z.enum(AUDIT_VIAS),
  })
  .superRefine((entry, issue) => {
    if (entry.resourceId === undefined) return;
    const ok = entry.resourceType === 'Route' ? ROUTE_SHAPE.test(entry.resourceId) : ZRecordId.safeParse(entry.resourceId).success;
    if (!ok) issue.addIssue({ code: 'custom', path: ['resourceId'], message: entry.resourceType === 'Route' ? 'not a route shape' : 'not a record id' });
  });
export type AuditEntry = z.infer<typeof ZAuditEntry>;

/** What a caller of recordAudit supplies: everything but the id and time, which recordAudit sets. */
export type AuditInput = Omit<z.input<typeof ZAuditEntry>, 'id' | 'at'>;
