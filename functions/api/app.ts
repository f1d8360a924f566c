import type { AppContext } from '../../shared/context';
import { SEEDED_USERS } from '../../shared/users/directory';
import { authenticate } from '../http/auth';
import { notFound, onError } from '../http/errors';
import { newRouter } from '../http/router';
import { eventsRoutes } from './routes/events';
import { patientsRoutes } from './routes/patients';
import { queueRoutes } from './routes/queue';
import { referralsRoutes } from './routes/referrals';

/**
 * The JSON API, mounted at /api: one sub-app per resource, zod validation on every input, one
 * error shape, and the OpenAPI document at /api/openapi.json. Every route but the document
 * passes through the single auth middleware.
 */
export function createApiApp(ctx: AppContext) {
  const app = newRouter().basePath('/api');
  app.onError(onError);
  app.notFound(notFound);
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Sidecar API', version: '0.1.0', description: 'Care-coordination referrals, patients and inbound EHR events.' },
  });
  app.use('*', async (c, next) => {
    if (c.req.path === '/api/openapi.json') return next();
    return authenticate(ctx)(c, next);
  });
  app.get('/me', (c) => c.json(c.get('actor')));
  app.get('/users', (c) => c.json({ users: SEEDED_USERS }));
  app.route('/queue', queueRoutes(ctx));
  app.route('/referrals', referralsRoutes(ctx));
  app.route('/patients', patientsRoutes(ctx));
  app.route('/events', eventsRoutes(ctx));
  return app;
}
