import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { UnauthorizedError } from '../errors';

export interface SignatureHeaders {
  'webhook-id'?: string;
  'webhook-timestamp'?: string;
  'webhook-signature'?: string;
}

/**
 * Verifies a Standard Webhooks signature over the raw request bytes, before anything parses them:
 * HMAC-SHA256 of `id.timestamp.body`, `v1,<base64>` signatures (several allowed, space-separated),
 * timestamp within ±5 minutes, constant-time comparison — all by the `standardwebhooks` library, so
 * senders using it work unchanged. Tries every active secret (rotation overlap). Throws 401 with a
 * reason that names the header problem, never the payload.
 */
export function verifyWebhookSignature(options: { body: Uint8Array; headers: SignatureHeaders; secrets: readonly string[] }): void {
  const { headers } = options;
  if (!headers['webhook-id'] || !headers['webhook-timestamp'] || !headers['webhook-signature']) {
    throw new UnauthorizedError('Missing webhook-id, webhook-timestamp or webhook-signature header');
  }
  if (!/^\d{1,12}$/.test(headers['webhook-timestamp'])) {
    throw new UnauthorizedError('webhook-timestamp must be Unix seconds');
  }
  const payload = Buffer.from(options.body.buffer, options.body.byteOffset, options.body.byteLength);
  let lastReason = 'No matching signature found';
  for (const secret of options.secrets) {
    try {
      new Webhook(secret).verify(payload, { ...headers } as Record<string, string>, { jsonParse: false });
      return;
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      lastReason = error.message;
      // A stale or future timestamp fails the same way for every secret: stop early.
      if (/timestamp/i.test(error.message)) break;
    }
  }
  throw new UnauthorizedError(
    /too old|too new/.test(lastReason) ? 'webhook-timestamp is outside the 5-minute tolerance' : 'Invalid webhook signature',
  );
}
