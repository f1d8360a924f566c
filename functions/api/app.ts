import { except } from 'hono/combine';
import type { AppContext } from '../../shared/context';
import { API_POLICY } from '../../shared/auth/policy';
import { listUsers } from '../../shared/users/directory';
import { authorize, bearerAuth, withRequestMeta } from '../http/auth';
import { notFound, onError } from '../http/errors';
import { newRouter } from '../http/router';
import { carePlansRoutes } from './routes/care-plans';
import { dashboardRoutes } from './routes/dashboard';
import { escalationsRoutes } from './routes/escalations';
import { eventsRoutes } from './routes/events';
import { patientsRoutes } from './routes/patients';
import { queueRoutes } from './routes/queue';
import { referralsRoutes } from './routes/referrals';
import { patientRemindersRoutes, remindersRoutes } from './routes/reminders';
import { tasksRoutes } from './routes/tasks';

/**
 * The JSON API, mounted at /api: one sub-app per resource, zod validation on every input, one
 * error shape, and the OpenAPI document at /api/openapi.json. Every route but the document
 * needs a bearer access token and a role its policy allows (shared/auth/policy.ts, deny by
 * default), and everything it reads or changes is audited.
 */
export function createApiApp(ctx: AppContext) {
  const app = newRouter().basePath('/api');
  app.onError(onError);
  app.notFound(notFound);
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An access token from Sidecar’s identity provider (Cognito on AWS); the role comes from its groups claim.',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    security: [{ bearer: [] }],
    info: { title: 'Sidecar API', version: '0.1.0', description: 'Care-coordination referrals, patients and inbound EHR events.' },
  });
  app.use('*', withRequestMeta());
  app.use('*', except('/api/openapi.json', bearerAuth(ctx), authorize(ctx, API_POLICY)));
  app.get('/me', (c) => c.json(c.get('actor')));
  app.get('/users', async (c) => c.json({ users: (await listUsers(ctx)).map(({ id, name, role }) => ({ id, name, role })) }));
  app.route('/queue', queueRoutes(ctx));
  app.route('/referrals', referralsRoutes(ctx));
  app.route('/tasks', tasksRoutes(ctx));
  app.route('/escalations', escalationsRoutes(ctx));
  app.route('/dashboard', dashboardRoutes(ctx));
  app.route('/care-plans', carePlansRoutes(ctx));
  app.route('/patients', patientsRoutes(ctx));
  app.route('/patients', patientRemindersRoutes(ctx));
  app.route('/reminders', remindersRoutes(ctx));
  app.route('/events', eventsRoutes(ctx));
  return app;
}
