import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppContext } from '../../../shared/context';
import { DASHBOARD_MAX_DAYS, getDashboard, ZDashboardInput } from '../../../shared/dashboard/get-dashboard';
import { ZTaskType, ZTeam } from '../../../shared/tasks/schema';
import { newRouter } from '../../http/router';
import { errorResponses, json, ZErrorBody } from '../schemas';

const ZQuery = z.object({
  /** Whole days in the viewer's zone, today included (default 30). */
  days: z.coerce.number().int().min(1).max(DASHBOARD_MAX_DAYS).optional(),
  /** IANA zone the per-day series is counted in (default UTC). */
  timeZone: ZDashboardInput.shape.timeZone.unwrap().optional(),
});

const ZCapped = z.object({ count: z.number(), capped: z.boolean() });
const ZTally = z.object({ created: z.number(), completed: z.number() });
const ZDashboard = z.object({
  window: z.object({ days: z.number(), timeZone: z.string(), since: z.string(), until: z.string() }),
  referralQueues: z.array(z.object({ queue: z.string(), name: z.string(), open: z.number(), overdue: ZCapped })),
  taskTeams: z.array(z.object({ team: ZTeam, open: z.number(), unowned: z.number(), overdue: ZCapped })),
  escalations: z.object({ open: ZCapped, breaches: ZCapped.extend({ tasks: z.number(), referrals: z.number() }) }),
  timeToSchedule: z.object({ medianHours: z.number().nullable(), count: z.number() }),
  loopClosure: z.object({ closed: z.number(), terminal: z.number(), rate: z.number().nullable() }),
  tasks: ZTally.extend({ byTeam: z.array(ZTally.extend({ team: ZTeam })), byType: z.array(ZTally.extend({ type: ZTaskType })) }),
  series: z.array(z.object({ day: z.string(), referralsScheduled: z.number(), loopsClosed: z.number(), tasksCompleted: z.number(), breaches: z.number() })),
});

/**
 * /api/dashboard: the leads' figures (queue sizes, overdue, breaches, time to schedule,
 * loop-closure rate, task throughput, per-day series). Counts only, no patient data, so the read
 * is audited once as a read of the queues, not per patient.
 */
export function dashboardRoutes(ctx: AppContext) {
  return newRouter().openapi(
    createRoute({
      method: 'get',
      path: '/',
      request: { query: ZQuery },
      responses: { 200: json(ZDashboard, 'The dashboard figures of the window'), 403: { description: 'Not a lead’s role', content: { 'application/json': { schema: ZErrorBody } } }, ...errorResponses },
    }),
    async (c) => {
      const { days, timeZone } = c.req.valid('query');
      const dashboard = await getDashboard(ctx, { ...(days ? { days } : {}), ...(timeZone ? { timeZone } : {}) });
      c.get('audit').add('read', { resourceType: 'Queue', resourceId: 'dashboard' });
      return c.json(dashboard, 200);
    },
  );
}
