import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppContext } from '../../../shared/context';
import { getQueueCounts } from '../../../shared/referrals/get-queue-counts';
import { listQueue } from '../../../shared/referrals/list-queue';
import { newRouter } from '../../http/router';
import { errorResponses, json, ZQueueCounts, ZQueuePage, ZQueueQuery } from '../schemas';

/** /api/queue: the referral work queue (Query-backed pages) and its counts. */
export function queueRoutes(ctx: AppContext) {
  return newRouter()
    .openapi(
      createRoute({ method: 'get', path: '/', request: { query: ZQueueQuery }, responses: { 200: json(ZQueuePage, 'A page of the queue, by priority then due time'), ...errorResponses } }),
      async (c) => {
        const q = c.req.valid('query');
        const page = await listQueue(ctx, {
          ...(q.queue ? { queue: q.queue } : {}),
          ...(q.status ? { status: q.status } : {}),
          ...(q.businessStatus ? { businessStatus: q.businessStatus } : {}),
          ...(q.assignee ? { assigneeId: q.assignee === 'me' ? c.get('actor').id : q.assignee } : {}),
          ...(q.priority ? { priority: q.priority } : {}),
          ...(q.overdue ? { overdue: q.overdue === 'true' } : {}),
          ...(q.cursor ? { cursor: q.cursor } : {}),
          ...(q.limit ? { limit: q.limit } : {}),
        });
        c.get('audit').add('list', ...page.rows.map((r) => ({ resourceType: 'Referral' as const, resourceId: r.referral.id, patientId: r.referral.patientId })));
        return c.json(page, 200);
      },
    )
    .openapi(
      createRoute({ method: 'get', path: '/counts', request: { query: z.object({ queue: z.string().max(64).optional() }) }, responses: { 200: json(ZQueueCounts, 'Counts per status'), ...errorResponses } }),
      async (c) => c.json(await getQueueCounts(ctx, { ...(c.req.valid('query').queue ? { queue: c.req.valid('query').queue } : {}) }), 200),
    );
}
