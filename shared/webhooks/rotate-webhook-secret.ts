import { z } from 'zod';
import type { AppContext } from '../context';
import { logger } from '../logger';
import { newWebhookSecret, readWebhookSecrets, readWebhookSourceForChange, saveWebhookSource } from './source-repository';
import { toWebhookSourceView, type WebhookSecret, type WebhookSource, type WebhookSourceWithSecret } from './source-schema';
import { activeSecrets, clearWebhookSourceCache } from './sources';

export const ZRotateWebhookSecretInput = z.object({
  /** The version the administrator last saw (optimistic concurrency). */
  version: z.number().int().min(0),
  /** How long the replaced secrets keep verifying, so the EHR can switch without losing events. */
  overlapMinutes: z.number().int().min(1).max(10_080).default(60),
});
export type RotateWebhookSecretInput = z.input<typeof ZRotateWebhookSecretInput>;

/**
 * Issues a new secret for a source. Every secret that still verifies keeps verifying until
 * `now + overlapMinutes` (never longer than it already would); expired ones are dropped. The new
 * secret is returned this once: never log it. NotFoundError for an unknown source, ConflictError
 * (409) for a stale version, UnavailableError (503) if Secrets Manager fails (nothing changes).
 */
export async function rotateWebhookSecret(ctx: AppContext, id: string, input: RotateWebhookSecretInput): Promise<WebhookSourceWithSecret> {
  const { version, overlapMinutes } = ZRotateWebhookSecretInput.parse(input);
  const current = await readWebhookSourceForChange(ctx, id, version);
  const stored = await readWebhookSecrets(ctx, current);

  const now = ctx.clock.now();
  const overlapEnd = now.getTime() + overlapMinutes * 60_000;
  const stillValid = new Set(activeSecrets(stored, now));
  const kept: WebhookSecret[] = stored
    .filter((s) => stillValid.has(s.secret))
    .map((s) => ({ ...s, expiresAt: new Date(s.expiresAt ? Math.min(Date.parse(s.expiresAt), overlapEnd) : overlapEnd).toISOString() }));
  const secret = newWebhookSecret();

  const { previousSecretExpiresAt: _replaced, ...unchanged } = current;
  const next: WebhookSource = {
    ...unchanged,
    updatedAt: now.toISOString(),
    version: current.version + 1,
    rotatedAt: now.toISOString(),
    ...(kept.length > 0 ? { previousSecretExpiresAt: new Date(Math.max(...kept.map((s) => Date.parse(s.expiresAt!)))).toISOString() } : {}),
  };
  await saveWebhookSource(ctx, next, { previous: current, secrets: [...kept, { secret, addedAt: now.toISOString() }] });
  clearWebhookSourceCache(id);
  logger.info('Webhook secret rotated', { sourceId: id, overlapMinutes, stillVerifying: kept.length });
  return { source: toWebhookSourceView(next), secret };
}
