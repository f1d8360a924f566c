import { z } from 'zod';
import type { AppContext } from '../context';
import { logger } from '../logger';
import { webhookSourceSecretName } from '../secrets/secret-store';
import { readWebhookSecrets, readWebhookSource, saveWebhookSource } from './source-repository';
import { toWebhookSourceView, type WebhookSource, type WebhookSourceView, ZCreateWebhookSourceInput, ZNewWebhookSecret } from './source-schema';
import { clearWebhookSourceCache } from './sources';

export const ZRegisterWebhookSourceInput = ZCreateWebhookSourceInput.extend({ secret: ZNewWebhookSecret });
export type RegisterWebhookSourceInput = z.infer<typeof ZRegisterWebhookSourceInput>;

/**
 * Makes a source exist with exactly these fields and this one secret (a known secret: the local
 * EHR simulator's, a test's) — idempotent, for `npm start` and tests rather than administrators.
 * A new source is created enabled; an existing one keeps its enabled state and, if anything
 * differs, is rewritten with its version incremented (the secret then replaces every other one
 * at once: whoever registers it is the only sender). Nothing differs → nothing is written.
 * The secret is input, never logged or returned. ConflictError (409) if the source changed
 * concurrently; UnavailableError (503) if Secrets Manager fails.
 */
export async function registerWebhookSource(ctx: AppContext, input: RegisterWebhookSourceInput): Promise<WebhookSourceView> {
  const { secret, ...fields } = ZRegisterWebhookSourceInput.parse(input);
  const now = ctx.clock.now().toISOString();
  const current = await readWebhookSource(ctx, fields.id);
  const stored = current ? await readWebhookSecrets(ctx, current) : [];
  const secretIsCurrent = stored.length === 1 && stored[0]!.secret === secret && !stored[0]!.expiresAt;
  const fieldsAreCurrent =
    current !== undefined &&
    current.version > 0 &&
    current.name === fields.name &&
    current.fhirBaseUrl === fields.fhirBaseUrl &&
    current.ehrUiBaseUrl === fields.ehrUiBaseUrl;
  if (current && secretIsCurrent && fieldsAreCurrent) return toWebhookSourceView(current);

  let next: WebhookSource;
  if (!current) {
    next = { ...fields, enabled: true, secretName: webhookSourceSecretName(ctx, fields.id), createdAt: now, updatedAt: now, version: 1 };
  } else {
    // URLs left out of the registration are removed; a replaced secret ends any rotation overlap.
    const { fhirBaseUrl: _fhir, ehrUiBaseUrl: _chart, ...kept } = current;
    const { previousSecretExpiresAt: _overlap, ...keptWithoutOverlap } = kept;
    next = { ...(secretIsCurrent ? kept : { ...keptWithoutOverlap, rotatedAt: now }), ...fields, updatedAt: now, version: current.version + 1 };
  }
  await saveWebhookSource(ctx, next, { previous: current, ...(secretIsCurrent ? {} : { secrets: [{ secret, addedAt: now }] }) });
  clearWebhookSourceCache(next.id);
  logger.info(current ? 'Webhook source re-registered' : 'Webhook source registered', { sourceId: next.id, secretReplaced: !secretIsCurrent });
  return toWebhookSourceView(next);
}
