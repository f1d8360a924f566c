import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppContext } from '../../shared/context';
import { PayloadTooLargeError } from '../../shared/errors';
import { acceptWebhook, MAX_WEBHOOK_BYTES } from '../../shared/inbox/accept-webhook';
import { ZSourceId } from '../../shared/webhooks/sources';
import { errorBody, notFound, onError } from '../http/errors';

/**
 * Inbound EHR webhooks, mounted at /webhooks. Thin: reads the raw bytes (bounded to 1 MB before
 * they are buffered), hands them with the signature headers to `acceptWebhook`, maps the outcome.
 * Not behind the user auth middleware: the Standard Webhooks signature is the authentication.
 */
export function createWebhooksApp(ctx: AppContext) {
  const app = new Hono().basePath('/webhooks');
  app.onError(onError);
  app.notFound(notFound);
  app.post(
    '/ehr/:sourceId',
    bodyLimit({
      maxSize: MAX_WEBHOOK_BYTES,
      onError: () => {
        throw new PayloadTooLargeError('Webhook bodies are limited to 1 MB');
      },
    }),
    async (c) => {
      const sourceId = ZSourceId.safeParse(c.req.param('sourceId'));
      if (!sourceId.success) return c.json(errorBody('not_found', 'Unknown webhook source'), 404);
      const body = new Uint8Array(await c.req.arrayBuffer());
      const outcome = await acceptWebhook(ctx, {
        sourceId: sourceId.data,
        body,
        headers: {
          ...(c.req.header('webhook-id') ? { 'webhook-id': c.req.header('webhook-id') } : {}),
          ...(c.req.header('webhook-timestamp') ? { 'webhook-timestamp': c.req.header('webhook-timestamp') } : {}),
          ...(c.req.header('webhook-signature') ? { 'webhook-signature': c.req.header('webhook-signature') } : {}),
        },
      });
      switch (outcome.outcome) {
        case 'accepted':
          return c.json({ status: 'accepted', id: outcome.inboxId, entries: outcome.entries }, 202);
        case 'duplicate':
          return c.json({ status: 'duplicate', id: outcome.inboxId }, 200);
        case 'acknowledged':
          return c.json({ status: 'acknowledged', type: outcome.notificationType }, 200);
      }
    },
  );
  return app;
}
