import { Hono } from 'hono';
import { z } from 'zod';
import type { LocalClock } from './local-clock';

/** Where the local runtime mounts its control API on its one port. */
export const LOCAL_CONTROL_BASE = '/_local';
export const LOCAL_CONTROL_PATHS = { clock: `${LOCAL_CONTROL_BASE}/clock` } as const;

const ZMoveClock = z.object({ now: z.iso.datetime({ offset: true }) }).strict();

/**
 * The local runtime's control API, for tests and demos on a laptop only (infra/server.ts mounts it
 * in `npm start`; nothing on AWS has it):
 * - `GET /_local/clock` → `{ now, offsetMs }`;
 * - `POST /_local/clock` with `{ "now": "<ISO 8601>" }` moves the local clock forward to that time
 *   (409 if it is earlier than the clock's now) → `{ now, offsetMs }`.
 * The reminder, SLA and republish sweeps and the EHR simulator all read this clock, so moving it is
 * time passing: the next sweep tick acts on whatever came due.
 *
 * It answers only requests addressed to one of `hosts` (its own loopback origin: a page elsewhere
 * cannot reach it through a DNS name pointing at 127.0.0.1) and takes changes only as JSON (which a
 * cross-site form cannot send, and a cross-site script cannot without a CORS preflight it fails).
 */
export function createLocalControlApp(options: { clock: LocalClock; hosts: readonly string[] }): Hono {
  const app = new Hono();
  app.use('*', async (c, next) => {
    if (!options.hosts.includes(c.req.header('host') ?? '') || c.req.header('sec-fetch-site') === 'cross-site') {
      return c.json({ error: 'The local control API answers only its own loopback origin.' }, 403);
    }
    await next();
  });
  const state = () => ({ now: options.clock.now().toISOString(), offsetMs: options.clock.offsetMs() });
  app.get(LOCAL_CONTROL_PATHS.clock, (c) => c.json(state()));
  app.post(LOCAL_CONTROL_PATHS.clock, async (c) => {
    if (!/^application\/json(;|$)/i.test(c.req.header('content-type') ?? '')) return c.json({ error: 'Send JSON.' }, 415);
    const parsed = ZMoveClock.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: 'Send {"now": "<ISO 8601 date-time with offset>"}.' }, 400);
    try {
      options.clock.moveTo(new Date(parsed.data.now));
    } catch (error) {
      if (error instanceof RangeError) return c.json({ error: 'The local clock only moves forward.', ...state() }, 409);
      throw error;
    }
    return c.json(state());
  });
  app.all('*', (c) => c.json({ error: 'No such control path.' }, 404));
  return app;
}
