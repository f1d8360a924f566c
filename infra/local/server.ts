import { serve, type ServerType } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import type { ServerBuild } from '@remix-run/node';
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { createApiApp } from '../../functions/api/app';
import { createConsoleApp } from '../../functions/console/app';
import { createWebhooksApp } from '../../functions/webhooks/app';
import type { AppContext } from '../../shared/context';
import { LOCAL_CONTROL_BASE } from './local-control';
import { LOOPBACK } from './ports';

/**
 * The one local port: console, /api and /webhooks, exactly the apps the Lambdas run (API Gateway
 * routes `/api/*`, `/webhooks/*` and `$default` the same way), plus the console's built assets,
 * which CloudFront serves from S3 on AWS. `control` (local-control.ts) is the local-only control
 * API under /_local, which nothing on AWS has.
 */
export function createLocalApp(ctx: AppContext, options: { build: ServerBuild; clientDir: string; control?: Hono }) {
  const api = createApiApp(ctx);
  const webhooks = createWebhooksApp(ctx);
  const consoleApp = createConsoleApp(ctx, options.build);
  const app = new Hono();
  // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on form posts, which
  // Remix's action CSRF check (origin vs host) rightly refuses.
  // Framing is the console's call (CSP frame-ancestors, which admits the EHR for embedded launch).
  // Defaults only (`overwrite: false`), as on CloudFront: the reminder pages set `no-referrer` themselves.
  app.use('*', secureHeaders({ crossOriginEmbedderPolicy: false, referrerPolicy: 'same-origin', xFrameOptions: false, overwrite: false }));
  app.use('/assets/*', serveStatic({ root: options.clientDir }));
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.all('/api/*', (c) => api.fetch(c.req.raw, c.env));
  app.all('/webhooks/*', (c) => webhooks.fetch(c.req.raw, c.env));
  const { control } = options;
  if (control) app.all(`${LOCAL_CONTROL_BASE}/*`, (c) => control.fetch(c.req.raw, c.env));
  app.all('*', (c) => consoleApp.fetch(c.req.raw, c.env));
  return app;
}

/** Listens on 127.0.0.1 only; resolves once listening. */
export function listen(app: Hono, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: LOOPBACK }, () => resolve(server));
    server.once('error', reject);
  });
}
