import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { createApiApp } from '../../functions/api/app';
import { createWebhooksApp } from '../../functions/webhooks/app';
import { LOOPBACK } from '../../infra/local/ports';
import type { AppContext } from '../../shared/context';

export interface BenchServer {
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  close(): Promise<void>;
}

/**
 * /api and /webhooks exactly as the local server routes them (infra/local/server.ts), without the
 * console, which needs a Remix build and is not measured. Listens on 127.0.0.1, on a port the OS
 * picks.
 */
export function startBenchServer(ctx: AppContext): Promise<BenchServer> {
  const api = createApiApp(ctx);
  const webhooks = createWebhooksApp(ctx);
  const app = new Hono();
  app.all('/api/*', (c) => api.fetch(c.req.raw));
  app.all('/webhooks/*', (c) => webhooks.fetch(c.req.raw));
  return new Promise((resolve, reject) => {
    const server: ServerType = serve({ fetch: app.fetch, port: 0, hostname: LOOPBACK }, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${LOOPBACK}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            // Keep-alive sockets from the load generator would hold close() open.
            if ('closeAllConnections' in server) server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
    server.once('error', reject);
  });
}
