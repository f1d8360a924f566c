import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppContext } from '../../../shared/context';
import { listInboundEvents } from '../../../shared/inbox/list-inbound-events';
import { replayInboundEvent } from '../../../shared/inbox/replay-inbound-event';
import { ZInboxEvent } from '../../../shared/inbox/schema';
import { newRouter } from '../../http/router';
import { errorResponses, json, ZInboxIdParam } from '../schemas';

/** /api/events: accepted inbound EHR events (never their payloads), failures and replay. */
export function eventsRoutes(ctx: AppContext) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/',
        request: {
          query: z.object({
            view: z.enum(['recent', 'failed']).optional(),
            day: z.iso.date().optional(),
            cursor: z.string().max(1000).optional(),
            limit: z.coerce.number().int().min(1).max(100).optional(),
          }),
        },
        responses: { 200: json(z.object({ events: z.array(ZInboxEvent.extend({ state: z.string() })), nextCursor: z.string().optional() }), 'Inbound events, newest first'), ...errorResponses },
      }),
      async (c) => {
        const q = c.req.valid('query');
        const page = await listInboundEvents(ctx, { ...(q.view ? { view: q.view } : {}), ...(q.day ? { day: q.day } : {}), ...(q.cursor ? { cursor: q.cursor } : {}), ...(q.limit ? { limit: q.limit } : {}) });
        c.get('audit').add('list', { resourceType: 'InboundEvent' });
        return c.json(page, 200);
      },
    )
    .openapi(
      createRoute({ method: 'post', path: '/{id}/replay', request: { params: ZInboxIdParam }, responses: { 202: json(z.object({ republished: z.number() }), 'Replayed'), ...errorResponses } }),
      async (c) => {
        const id = c.req.valid('param').id;
        const result = await replayInboundEvent(ctx, { id });
        c.get('audit').add('replay', { resourceType: 'InboundEvent', resourceId: id });
        return c.json(result, 202);
      },
    );
}
