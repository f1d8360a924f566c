import type { AppContext } from '../context';
import { logger } from '../logger';
import { webhookSourceSecretName } from '../secrets/secret-store';
import { newWebhookSecret, saveWebhookSource } from './source-repository';
import { type CreateWebhookSourceInput, toWebhookSourceView, type WebhookSource, type WebhookSourceWithSecret, ZCreateWebhookSourceInput } from './source-schema';
import { clearWebhookSourceCache } from './sources';

/**
 * Registers a new EHR as a webhook source, enabled, with a freshly generated Standard Webhooks
 * secret stored in Secrets Manager. The secret is returned here only (and by a rotation): show it
 * once to the administrator, never log it. ConflictError (409) if the id is taken;
 * UnavailableError (503) if Secrets Manager fails, in which case the source is not created.
 */
export async function createWebhookSource(ctx: AppContext, input: CreateWebhookSourceInput): Promise<WebhookSourceWithSecret> {
  const fields = ZCreateWebhookSourceInput.parse(input);
  const now = ctx.clock.now().toISOString();
  const secret = newWebhookSecret();
  const source: WebhookSource = {
    ...fields,
    enabled: true,
    secretName: webhookSourceSecretName(ctx, fields.id),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await saveWebhookSource(ctx, source, { previous: undefined, secrets: [{ secret, addedAt: now }] });
  clearWebhookSourceCache(source.id);
  logger.info('Webhook source created', { sourceId: source.id });
  return { source: toWebhookSourceView(source), secret };
}
