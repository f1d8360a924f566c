import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppContext } from '../../../shared/context';
import { acknowledgeEscalation, escalationAuditResource, ZEscalation, ZEscalationId, ZEscalationStatus } from '../../../shared/sla/escalations';
import { listEscalationRows, ZEscalationPage } from '../../../shared/sla/list-escalation-rows';
import { ZTeam } from '../../../shared/tasks/schema';
import { newRouter } from '../../http/router';
import { errorResponses, json, ZErrorBody, ZVersion } from '../schemas';

const responses = { ...errorResponses, 403: { description: 'Not on the escalation’s team', content: { 'application/json': { schema: ZErrorBody } } } } as const;

const ZListQuery = z.object({
  /** Defaults to `open`. */
  status: ZEscalationStatus.optional(),
  /** The team that leads the escalations (a referral’s is the coordinators); all teams without one. */
  team: ZTeam.optional(),
  cursor: z.string().max(1000).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});

/** /api/escalations: the leads' list of SLA breaches (by status and team) and acknowledging one. */
export function escalationsRoutes(ctx: AppContext) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/',
        request: { query: ZListQuery },
        responses: { 200: json(ZEscalationPage, 'A page of escalations, newest breach first, with the open count'), ...responses },
      }),
      async (c) => {
        const page = await listEscalationRows(ctx, { viewer: c.get('actor'), input: c.req.valid('query') });
        c.get('audit').add('list', ...page.rows.map((r) => escalationAuditResource(r.escalation)));
        return c.json(page, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/{id}/acknowledge',
        request: { params: z.object({ id: ZEscalationId }), body: { content: { 'application/json': { schema: ZVersion } }, required: true } },
        responses: { 200: json(ZEscalation, 'Acknowledged (or already acknowledged at this version)'), ...responses },
      }),
      async (c) => {
        const escalation = await acknowledgeEscalation(ctx, { id: c.req.valid('param').id, actor: c.get('actor'), version: c.req.valid('json').version });
        c.get('audit').add('update', escalationAuditResource(escalation));
        return c.json(escalation, 200);
      },
    );
}
