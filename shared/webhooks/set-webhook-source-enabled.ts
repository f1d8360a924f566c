import { z } from 'zod';
import type { AppContext } from '../context';
import { logger } from '../logger';
import { readWebhookSourceForChange, saveWebhookSource } from './source-repository';
import { toWebhookSourceView, type WebhookSourceView } from './source-schema';
import { clearWebhookSourceCache } from './sources';

export const ZSetWebhookSourceEnabledInput = z.object({
  /** The version the administrator last saw (optimistic concurrency). */
  version: z.number().int().min(0),
  enabled: z.boolean(),
});
export type SetWebhookSourceEnabledInput = z.input<typeof ZSetWebhookSourceEnabledInput>;

/**
 * Disables a source (its webhooks are refused with 401 while its secrets are kept) or enables it
 * again. Setting the state it already has changes nothing. NotFoundError for an unknown source,
 * ConflictError (409) for a stale version.
 */
export async function setWebhookSourceEnabled(ctx: AppContext, id: string, input: SetWebhookSourceEnabledInput): Promise<WebhookSourceView> {
  const { version, enabled } = ZSetWebhookSourceEnabledInput.parse(input);
  const current = await readWebhookSourceForChange(ctx, id, version);
  if (current.enabled === enabled) return toWebhookSourceView(current);
  const next = { ...current, enabled, updatedAt: ctx.clock.now().toISOString(), version: current.version + 1 };
  await saveWebhookSource(ctx, next, { previous: current });
  clearWebhookSourceCache(id);
  logger.info(enabled ? 'Webhook source enabled' : 'Webhook source disabled', { sourceId: id });
  return toWebhookSourceView(next);
}
