import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { AppContext } from '../context';

export const ZSourceId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'source ids are lower-case letters, digits and dashes');

export const ZWebhookSource = z.object({
  id: ZSourceId,
  name: z.string().min(1).max(200),
  enabled: z.boolean(),
  /** Standard Webhooks secrets (`whsec_…`); more than one during a rotation's overlap window. */
  secrets: z.array(z.object({ secret: z.string().startsWith('whsec_'), addedAt: z.string(), expiresAt: z.string().optional() })).min(1),
  /** The EHR's FHIR R4 base URL, for reading id-only notifications and clinical context. */
  fhirBaseUrl: z.url().optional(),
  /** Base URL of the EHR's chart pages, for "Open in EHR" links: `<base>/Patient/<id>`. */
  ehrUiBaseUrl: z.url().optional(),
  updatedAt: z.string(),
});
export type WebhookSource = z.infer<typeof ZWebhookSource>;

const key = (id: string) => ({ pk: `SRC#${id}`, sk: 'A' });

const CACHE_MS = 30_000;
const cache = new Map<string, { at: number; source: WebhookSource | undefined }>();

/**
 * The webhook source (an EHR sending events), cached for 30 s per container.
 * Holds secrets: never log or return it to clients.
 */
export async function getWebhookSource(ctx: AppContext, id: string): Promise<WebhookSource | undefined> {
  const hit = cache.get(id);
  const now = ctx.clock.now().getTime();
  if (hit && now - hit.at < CACHE_MS) return hit.source;
  const res = await ctx.db.send(new GetCommand({ TableName: ctx.config.tables.records, Key: key(id), ConsistentRead: true }));
  const parsed = res.Item ? ZWebhookSource.safeParse(res.Item) : undefined;
  const source = parsed?.success ? parsed.data : undefined;
  cache.set(id, { at: now, source });
  return source;
}

/** Creates or replaces a webhook source (used by the local runtime and, later, the admin console). */
export async function putWebhookSource(ctx: AppContext, source: Omit<WebhookSource, 'updatedAt'>): Promise<WebhookSource> {
  const item = ZWebhookSource.parse({ ...source, updatedAt: ctx.clock.now().toISOString() });
  await ctx.db.send(new PutCommand({ TableName: ctx.config.tables.records, Item: { ...key(item.id), entity: 'webhook-source', ...item } }));
  cache.delete(item.id);
  return item;
}

/** Secrets that currently verify (expired rotation secrets excluded). */
export function activeSecrets(source: WebhookSource, now: Date): string[] {
  const iso = now.toISOString();
  return source.secrets.filter((s) => !s.expiresAt || s.expiresAt > iso).map((s) => s.secret);
}

export function clearWebhookSourceCache(): void {
  cache.clear();
}
