import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { errorFields, logger } from '../../../shared/logger';

/**
 * Sends signed webhooks the way a real EHR integration engine would: Standard Webhooks headers
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature`) made by the `standardwebhooks` library,
 * the same id on every attempt of one delivery (so the receiver can dedupe), a fresh signature
 * per attempt, and retries with bounded exponential backoff on network errors, 5xx and 429 only.
 *
 * The signature timestamp is the wall clock even when the simulator's clock is moved: it is a
 * transport anti-replay check the receiver makes against its own wall clock.
 */
export interface DeliveryPolicy {
  /** Attempts in all, including the first. */
  attempts: number;
  /** Delay before the 2nd attempt; doubles each time. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per-attempt timeout. */
  timeoutMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 4_000, timeoutMs: 10_000 };

export interface Delivery {
  webhookId: string;
  /** Final HTTP status; 0 when the receiver could not be reached at all. */
  status: number;
  attempts: number;
}

export interface WebhookSender {
  send(webhookId: string, payload: unknown): Promise<Delivery>;
}

const retryable = (status: number): boolean => status === 0 || status === 429 || status >= 500;

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export function createWebhookSender(options: { url: string; secret: string; policy: DeliveryPolicy }): WebhookSender {
  // Throws here, at start, on a malformed secret.
  const signer = new Webhook(options.secret);
  const { policy } = options;

  return {
    async send(webhookId, payload) {
      const body = JSON.stringify(payload);
      let status = 0;
      let attempt = 0;
      while (attempt < policy.attempts) {
        attempt += 1;
        let retryAfter: number | undefined;
        try {
          const timestamp = new Date();
          const response = await fetch(options.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/fhir+json',
              'webhook-id': webhookId,
              'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
              'webhook-signature': signer.sign(webhookId, timestamp, body),
            },
            body,
            signal: AbortSignal.timeout(policy.timeoutMs),
          });
          status = response.status;
          retryAfter = retryAfterMs(response.headers.get('retry-after'));
          // Drain the body so the connection can be reused; its content is not needed.
          await response.arrayBuffer().catch(() => undefined);
        } catch (error) {
          status = 0;
          logger.debug('ehr-sim webhook attempt failed', { component: 'ehr-sim', webhookId, attempt, ...errorFields(error) });
        }
        if (!retryable(status) || attempt >= policy.attempts) break;
        const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
        await sleep(Math.min(policy.maxDelayMs, Math.max(backoff, retryAfter ?? 0)));
      }
      if (status < 200 || status >= 300) {
        logger.warn('ehr-sim webhook not accepted', { component: 'ehr-sim', webhookId, status, attempts: attempt });
      }
      return { webhookId, status, attempts: attempt };
    },
  };
}

/** Runs `fn` over `items` with at most `limit` in flight; results keep the items' order. */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
