import { z } from 'zod';
import { HANDLED_RESOURCE_TYPES } from '../events/catalogue';

export const ZConsumerState = z.object({
  state: z.enum(['done', 'skipped', 'failed', 'dead-lettered']),
  at: z.string(),
  /** PHI-free error name and message of the last failure. */
  error: z.string().optional(),
  /** Why a consumer had nothing to do (e.g. "not a referral"). */
  note: z.string().optional(),
});
export type ConsumerState = z.infer<typeof ZConsumerState>;

export const ZInboxEntry = z.object({
  resourceType: z.enum(HANDLED_RESOURCE_TYPES),
  resourceId: z.string(),
  versionId: z.string().optional(),
  lastUpdated: z.string().optional(),
  interaction: z.enum(['create', 'update', 'delete']),
  content: z.enum(['full-resource', 'id-only']),
  bundleIndex: z.number().int().optional(),
});
export type InboxEntry = z.infer<typeof ZInboxEntry>;

/** An accepted inbound EHR event, without its raw payload (which is PHI and kept apart). */
export const ZInboxEvent = z.object({
  id: z.string(),
  sourceId: z.string(),
  webhookId: z.string(),
  receivedAt: z.string(),
  kind: z.enum(['resource', 'notification']),
  notificationType: z.string().optional(),
  /** `pending` until every entry is on the bus; `published` after; `no-content` for empty notifications. */
  status: z.enum(['pending', 'published', 'no-content']),
  entries: z.array(ZInboxEntry),
  /** entry index → EventBridge event id, once published. */
  published: z.record(z.string(), z.string()),
  /** `<entry>:<consumerId>` → processing state. */
  consumers: z.record(z.string(), ZConsumerState),
  /** `<entry>:<consumerId>` → deliveries attempted. */
  attempts: z.record(z.string(), z.number().int()).default({}),
  ignoredEntries: z.number().int().min(0).default(0),
  publishAttempts: z.number().int().min(0).default(0),
  lastPublishError: z.string().optional(),
});
export type InboxEvent = z.infer<typeof ZInboxEvent>;

/** Derived overall state shown in the console. */
export function overallState(event: InboxEvent): 'pending' | 'processing' | 'processed' | 'failed' | 'no-content' {
  if (event.status === 'no-content') return 'no-content';
  const states = Object.values(event.consumers).map((c) => c.state);
  if (states.some((s) => s === 'failed' || s === 'dead-lettered')) return 'failed';
  if (event.status === 'pending') return 'pending';
  return states.length > 0 ? 'processed' : 'processing';
}
