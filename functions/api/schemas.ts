import { z } from 'zod';
import { ZPatient } from '../../shared/patients/schema';
import { ZReferral, ZTimelineEntry, ZBusinessStatus, REFERRAL_STATUSES, BUSINESS_STATUSES, PRIORITIES } from '../../shared/referrals/schema';

export const ZErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

export const ZUlidParam = z.object({ id: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'ids are ULIDs') });
export const ZInboxIdParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'inbound event ids are 43-character digests') });
export const ZVersion = z.object({ version: z.number().int().min(1) });

/** A comma-separated list of enum values in a query string (`status=requested,accepted`). */
const csv = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .max(200)
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)).min(1));

export const ZQueueQuery = z.object({
  queue: z.string().max(64).optional(),
  status: csv(REFERRAL_STATUSES).optional(),
  businessStatus: ZBusinessStatus.optional(),
  /** A user id, or `me`. */
  assignee: z.string().max(100).optional(),
  priority: csv(PRIORITIES).optional(),
  overdue: z.enum(['true', 'false']).optional(),
  cursor: z.string().max(1000).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});

export const ZQueueRow = z.object({
  referral: ZReferral,
  patientName: z.string().optional(),
  patientBirthDate: z.string().optional(),
  overdue: z.boolean(),
});
export const ZQueuePage = z.object({ rows: z.array(ZQueueRow), nextCursor: z.string().optional() });

export const ZQueueCounts = z.object({
  byStatus: z.object(Object.fromEntries(REFERRAL_STATUSES.map((s) => [s, z.number()]))),
  byBusinessStatus: z.object(Object.fromEntries(BUSINESS_STATUSES.map((s) => [s, z.number()]))),
});

export const ZReferralView = z.object({
  referral: ZReferral,
  timeline: z.array(ZTimelineEntry),
  patient: ZPatient.optional(),
  overdue: z.boolean(),
  links: z.object({ patientInEhr: z.string().optional(), serviceRequestInEhr: z.string().optional() }),
});

export const ZPatientView = z.object({ patient: ZPatient, referrals: z.array(ZReferral), links: z.object({ patientInEhr: z.string().optional() }) });

export const errorResponses = {
  400: { description: 'Invalid input', content: { 'application/json': { schema: ZErrorBody } } },
  401: { description: 'Not signed in', content: { 'application/json': { schema: ZErrorBody } } },
  404: { description: 'Not found', content: { 'application/json': { schema: ZErrorBody } } },
  409: { description: 'Stale version or illegal transition', content: { 'application/json': { schema: ZErrorBody } } },
} as const;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
