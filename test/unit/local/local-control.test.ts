import { createLocalClock } from '../../../infra/local/local-clock';
import { createLocalControlApp, LOCAL_CONTROL_PATHS } from '../../../infra/local/local-control';

const HOST = '127.0.0.1:3000';

describe('the local control API (/_local/clock)', () => {
  let wall: number;
  let app: ReturnType<typeof createLocalControlApp>;
  let clock: ReturnType<typeof createLocalClock>;

  beforeEach(() => {
    wall = Date.parse('2026-03-01T12:00:00.000Z');
    clock = createLocalClock(() => wall);
    app = createLocalControlApp({ clock, hosts: [HOST] });
  });

  const request = (init: RequestInit & { host?: string } = {}) => {
    const headers = new Headers(init.headers);
    headers.set('host', init.host ?? HOST);
    return app.request(`http://${init.host ?? HOST}${LOCAL_CONTROL_PATHS.clock}`, { ...init, headers });
  };
  const move = (now: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    request({ method: 'POST', headers, body: typeof now === 'string' ? JSON.stringify({ now }) : JSON.stringify(now) });

  test('GET tells the clock’s now and offset', async () => {
    const res = await request();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ now: '2026-03-01T12:00:00.000Z', offsetMs: 0 });
  });

  test('POST {now} moves the clock forward', async () => {
    const res = await move('2026-03-04T10:00:00+01:00');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ now: '2026-03-04T09:00:00.000Z', offsetMs: Date.parse('2026-03-04T09:00:00Z') - wall });
    expect(clock.now().toISOString()).toBe('2026-03-04T09:00:00.000Z');
  });

  test('a move back is a 409 and changes nothing', async () => {
    const res = await move('2026-02-01T00:00:00Z');
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: 'The local clock only moves forward.', offsetMs: 0 });
    expect(clock.offsetMs()).toBe(0);
  });

  test.each([
    ['not JSON (a cross-site form could send it)', () => move('2026-03-04T00:00:00Z', { 'content-type': 'application/x-www-form-urlencoded' }), 415],
    ['a time without an offset', () => move('2026-03-04T00:00:00'), 400],
    ['extra fields', () => move({ now: '2026-03-04T00:00:00Z', offsetMs: 5 }), 400],
  ])('refuses %s', async (_what, send, status) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(JSON.stringify(await res.json())).not.toContain('2026-03-04');
    expect(clock.offsetMs()).toBe(0);
  });

  test('answers only its own origin: another Host (DNS rebinding) or a cross-site fetch is refused', async () => {
    expect((await request({ host: 'attacker.example:3000' })).status).toBe(403);
    const crossSite = await request({ method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, body: JSON.stringify({ now: '2026-03-04T00:00:00Z' }) });
    expect(crossSite.status).toBe(403);
    expect(clock.offsetMs()).toBe(0);
  });

  test('other paths are 404', async () => {
    const res = await app.request(`http://${HOST}/_local/other`, { headers: { host: HOST } });
    expect(res.status).toBe(404);
  });
});
