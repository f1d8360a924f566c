import type { AppContext } from '../context';
import { readWebhookSecrets, readWebhookSource } from './source-repository';
import type { WebhookSecret, WebhookSource } from './source-schema';

export { type WebhookSource, type WebhookSourceView, ZSourceId, ZWebhookSourceView } from './source-schema';

/**
 * Lookups of webhook sources for the hot paths. Verification reads the source's item on every
 * webhook (one strongly consistent GetItem), so a disable or rotation made anywhere applies to the
 * next delivery; its secrets are cached per source version (every change bumps it). The FHIR base
 * and chart URLs that consumers and the API read are cached 30 s per container.
 */

const CACHE_MS = 30_000;
const sources = new Map<string, { at: number; source: WebhookSource | undefined }>();
const secretSets = new Map<string, { at: number; version: number; secrets: WebhookSecret[] }>();

/**
 * A webhook source's metadata (no secrets; safe to show), or undefined for an unknown id.
 * Reads only DynamoDB, so paths that need a source's URLs do not depend on Secrets Manager.
 */
export async function getWebhookSource(ctx: AppContext, id: string): Promise<WebhookSource | undefined> {
  const now = ctx.clock.now().getTime();
  const hit = sources.get(id);
  if (hit && now - hit.at < CACHE_MS) return hit.source;
  const source = await readWebhookSource(ctx, id);
  sources.set(id, { at: now, source });
  return source;
}

/**
 * The source as it is now, for verifying a webhook: never cached, so a source disabled or rotated
 * in another container (or in the console's bundle of this code) is refused or re-keyed at once.
 */
export async function getWebhookSourceForVerification(ctx: AppContext, id: string): Promise<WebhookSource | undefined> {
  return readWebhookSource(ctx, id);
}

/**
 * The source's signing secrets (expired ones included; see activeSecrets), empty when none is
 * stored. Cached per source version, so a change this container has seen reloads them.
 * Secret material: never log it. Throws UnavailableError when Secrets Manager fails, which a
 * webhook answers with 503 so the EHR retries.
 */
export async function getWebhookSecrets(ctx: AppContext, source: WebhookSource): Promise<WebhookSecret[]> {
  const now = ctx.clock.now().getTime();
  const hit = secretSets.get(source.id);
  // Versions change with every rotation made through Sidecar; the time limit also picks up a
  // secret changed in Secrets Manager directly.
  if (hit && hit.version === source.version && now - hit.at < CACHE_MS) return hit.secrets;
  const secrets = await readWebhookSecrets(ctx, source);
  secretSets.set(source.id, { at: now, version: source.version, secrets });
  return secrets;
}

/** The secrets that verify at `now`: those without an expiry and those a rotation left valid until later. */
export function activeSecrets(secrets: readonly WebhookSecret[], now: Date): string[] {
  const at = now.getTime();
  return secrets.filter((s) => !s.expiresAt || Date.parse(s.expiresAt) > at).map((s) => s.secret);
}

/** Forgets cached sources and secrets: one source's (after this process changed it) or all (tests). */
export function clearWebhookSourceCache(id?: string): void {
  if (id === undefined) {
    sources.clear();
    secretSets.clear();
  } else {
    sources.delete(id);
    secretSets.delete(id);
  }
}
