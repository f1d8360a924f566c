import type { AppContext } from '../context';
import { BadRequestError, NotFoundError, PayloadTooLargeError, UnauthorizedError } from '../errors';
import { publishInboxEntries } from '../events/publish';
import { type InboundPayload, parseInbound } from '../fhir/parse-inbound';
import { logger } from '../logger';
import { activeSecrets, getWebhookSecrets, getWebhookSourceForVerification } from '../webhooks/sources';
import { type SignatureHeaders, verifyWebhookSignature } from '../webhooks/verify-signature';
import { inboxIdFor, insertInboxEvent, recordPublished } from './repository';
import type { InboxEvent } from './schema';

/** Largest webhook body accepted (bytes). */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

export type AcceptOutcome =
  | { outcome: 'accepted'; inboxId: string; entries: number; published: number }
  | { outcome: 'duplicate'; inboxId: string }
  | { outcome: 'acknowledged'; notificationType: string };

/**
 * Accepts one inbound EHR webhook delivery, in the order that keeps it safe:
 * source known → size → source enabled → its active secrets (Secrets Manager, cached) →
 * Standard Webhooks signature on the raw bytes → JSON → FHIR shape →
 * conditional insert into the inbox (dedupe on webhook-id) → PutEvents. Handshakes and heartbeats
 * are acknowledged with no side effect. A publish failure leaves the row pending for the
 * republish sweep: once accepted, an event is never lost. Errors never echo the payload.
 */
export async function acceptWebhook(
  ctx: AppContext,
  options: { sourceId: string; headers: SignatureHeaders; body: Uint8Array },
): Promise<AcceptOutcome> {
  const source = await getWebhookSourceForVerification(ctx, options.sourceId);
  if (!source) throw new NotFoundError('Unknown webhook source');
  if (options.body.byteLength > MAX_WEBHOOK_BYTES) throw new PayloadTooLargeError('Webhook bodies are limited to 1 MB');
  if (!source.enabled) throw new UnauthorizedError('Webhook source is disabled');
  // Secrets Manager failing throws UnavailableError (503): the EHR retries, nothing is lost.
  const secrets = activeSecrets(await getWebhookSecrets(ctx, source), ctx.clock.now());
  if (secrets.length === 0) throw new UnauthorizedError('Webhook source has no active secret');

  verifyWebhookSignature({ body: options.body, headers: options.headers, secrets });

  const text = Buffer.from(options.body).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BadRequestError('The body is not valid JSON');
  }
  const inbound: InboundPayload = parseInbound(json);
  if (inbound.kind === 'notification' && inbound.notificationType !== 'event-notification') {
    logger.info('Subscription notification acknowledged', { sourceId: source.id, notificationType: inbound.notificationType });
    return { outcome: 'acknowledged', notificationType: inbound.notificationType };
  }

  const webhookId = options.headers['webhook-id']!;
  const event: InboxEvent = {
    id: inboxIdFor(source.id, webhookId),
    sourceId: source.id,
    webhookId: webhookId.slice(0, 200),
    receivedAt: ctx.clock.now().toISOString(),
    kind: inbound.kind,
    ...(inbound.kind === 'notification' ? { notificationType: inbound.notificationType } : {}),
    status: inbound.entries.length === 0 ? 'no-content' : 'pending',
    entries: inbound.entries,
    published: {},
    consumers: {},
    attempts: {},
    ignoredEntries: inbound.kind === 'notification' ? inbound.ignored : 0,
    publishAttempts: 0,
  };
  const inserted = await insertInboxEvent(ctx, event, text);
  if (!inserted) {
    logger.info('Duplicate webhook delivery ignored', { sourceId: source.id, inboxId: event.id });
    return { outcome: 'duplicate', inboxId: event.id };
  }
  if (event.status === 'no-content') {
    logger.warn('Notification without focus accepted; nothing to publish', { sourceId: source.id, inboxId: event.id });
    return { outcome: 'accepted', inboxId: event.id, entries: 0, published: 0 };
  }
  const result = await publishInboxEntries(ctx, event, event.entries.map((_, i) => i));
  await recordPublished(ctx, event, result.published, result.error);
  logger.info('Webhook accepted', {
    sourceId: source.id,
    inboxId: event.id,
    entries: event.entries.length,
    published: Object.keys(result.published).length,
  });
  return { outcome: 'accepted', inboxId: event.id, entries: event.entries.length, published: Object.keys(result.published).length };
}
