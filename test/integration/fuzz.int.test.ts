import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { useStack } from './support/stack';

/**
 * Random bodies, headers, paths and query strings against the webhooks and the API: never a 5xx,
 * and never an echo of what was sent (canary strings stand in for patient data).
 */
const stack = useStack();
const CANARY = 'Wqcanary';
const canaryText = fc.string({ maxLength: 20 }).map((s) => `${CANARY}${s}`);
/**
 * The API test uses its own canary: the webhook tests may legitimately store resources whose
 * (opaque) ids contain theirs, and the events list shows those ids. What must never happen is the
 * API echoing the request it is answering.
 */
const API_CANARY = 'Apicanary';
const apiCanaryText = fc.string({ maxLength: 20 }).map((s) => `${API_CANARY}${s}`);
const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record({ resourceType: fc.constantFrom('Patient', 'ServiceRequest', 'Appointment', 'Bundle', 'Observation', CANARY), id: canaryText, status: canaryText }, { requiredKeys: ['resourceType'] }),
  fc.record({ resourceType: fc.constant('Bundle'), type: fc.constantFrom('history', 'transaction', CANARY), entry: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }) }),
);

function check(res: Response, body: string, canary = CANARY) {
  expect(res.status).toBeLessThan(500);
  expect(body).not.toContain(canary);
}

it('webhooks: signed random bodies never cause a 5xx or an echo', async () => {
  await fc.assert(
    fc.asyncProperty(jsonish, async (value) => {
      const res = await stack.post(undefined, { raw: JSON.stringify(value) });
      check(res, await res.text());
    }),
    { numRuns: 120 },
  );
});

it('webhooks: random headers and raw bytes never cause a 5xx or an echo', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.string({ maxLength: 200 }),
      fc.record({ id: fc.option(canaryText, { nil: undefined }), ts: fc.option(fc.oneof(canaryText, fc.integer().map(String)), { nil: undefined }), sig: fc.option(fc.oneof(canaryText, fc.constant('v1,AAAA')), { nil: undefined }) }),
      fc.constantFrom('ehr-test', 'unknown', `${CANARY.toLowerCase()}`, 'UPPER', '..%2f'),
      async (raw, h, source) => {
        const headers: Record<string, string> = {};
        if (h.id) headers['webhook-id'] = h.id;
        if (h.ts) headers['webhook-timestamp'] = h.ts;
        if (h.sig) headers['webhook-signature'] = h.sig;
        const res = await stack.webhooks.request(`/webhooks/ehr/${source}`, { method: 'POST', headers, body: `${CANARY}${raw}` });
        check(res, await res.text());
      },
    ),
    { numRuns: 120 },
  );
});

it('webhooks: a validly signed body with random content never echoes', async () => {
  const secret = stack.secret;
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 100 }), async (s) => {
      const raw = `${CANARY}${s}`;
      const id = `msg_${Math.random()}`;
      const at = new Date();
      const res = await stack.webhooks.request('/webhooks/ehr/ehr-test', {
        method: 'POST',
        headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, raw) },
        body: raw,
      });
      check(res, await res.text());
    }),
    { numRuns: 60 },
  );
});

it('API: random paths, query strings and bodies never cause a 5xx or an echo', async () => {
  const paths = fc.constantFrom('/api/queue', '/api/queue/counts', '/api/referrals', '/api/referrals/01JD0000000000000000000000', '/api/referrals/01JD0000000000000000000000/transitions', '/api/referrals/01JD0000000000000000000000/claim', '/api/referrals/01JD0000000000000000000000/notes', '/api/patients', '/api/events', `/api/referrals/${API_CANARY}`, `/api/events/${API_CANARY}/replay`);
  const query = fc.dictionary(fc.constantFrom('queue', 'status', 'priority', 'overdue', 'cursor', 'limit', 'assignee', 'businessStatus', 'view', 'day'), apiCanaryText, { maxKeys: 4 });
  const apiBody = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record({ patientId: apiCanaryText, service: fc.record({ display: apiCanaryText }), priority: apiCanaryText, version: fc.oneof(fc.integer(), apiCanaryText), action: apiCanaryText, text: apiCanaryText }, { requiredKeys: [] }),
  );
  await fc.assert(
    fc.asyncProperty(paths, query, fc.constantFrom('GET', 'POST'), apiBody, async (path, q, method, body) => {
      const url = `${path}?${new URLSearchParams(q).toString()}`;
      const res = await stack.api.request(url, method === 'GET' ? {} : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      check(res, await res.text(), API_CANARY);
    }),
    { numRuns: 200 },
  );
});

it('API: random roles, random bearer tokens and random headers never cause a 5xx or an echo', async () => {
  const paths = fc.constantFrom('/api/me', '/api/queue', '/api/referrals/01JD0000000000000000000000', '/api/patients', '/api/events', '/api/users', `/api/${API_CANARY}`);
  const authorization = fc.oneof(
    fc.constant(undefined),
    apiCanaryText.map((t) => `Bearer ${t}`),
    apiCanaryText,
    fc.tuple(apiCanaryText, apiCanaryText, apiCanaryText).map((parts) => `Bearer ${parts.map((p) => Buffer.from(p).toString('base64url')).join('.')}`),
    fc.constantFrom('coordinator', 'nurse', 'admin', 'auditor', 'visitor', API_CANARY).map((role) => ({ role })),
  );
  const headers = fc.dictionary(fc.constantFrom('x-request-id', 'x-forwarded-for', 'cookie', 'content-type', 'accept', 'x-amzn-requestid'), apiCanaryText, { maxKeys: 3 });
  await fc.assert(
    fc.asyncProperty(paths, authorization, headers, async (path, auth, extra) => {
      const h = new Headers(extra);
      if (typeof auth === 'string') h.set('authorization', auth);
      else if (auth) h.set('authorization', `Bearer ${await stack.issuer.tokenFor({ id: 'u-fuzz', name: 'Fuzz', role: auth.role })}`);
      const res = await stack.apiApp.request(path, { headers: h });
      const body = await res.text();
      check(res, body, API_CANARY);
      if (!auth || typeof auth === 'string') expect(res.status).toBe(401);
    }),
    { numRuns: 150 },
  );
});

it('console edge: random sign-in callbacks, launches, cookies and paths never cause a 5xx or an echo', async () => {
  const { createConsoleApp } = await import('../../functions/console/app');
  const noPages = (() => Promise.reject(new Error('no pages'))) as unknown as Parameters<typeof createConsoleApp>[1];
  const consoleApp = createConsoleApp(stack.ctx, noPages);
  const path = fc.oneof(
    fc.record({ code: apiCanaryText, state: apiCanaryText, error: fc.option(apiCanaryText, { nil: undefined }) }, { requiredKeys: [] }).map((q) => `/auth/callback?${new URLSearchParams(q as Record<string, string>)}`),
    fc.record({ iss: apiCanaryText, launch: apiCanaryText }, { requiredKeys: [] }).map((q) => `/launch?${new URLSearchParams(q)}`),
    fc.record({ code: apiCanaryText, state: apiCanaryText }, { requiredKeys: [] }).map((q) => `/launch/callback?${new URLSearchParams(q)}`),
    apiCanaryText.map((s) => `/queue/${encodeURIComponent(s)}`),
    fc.constantFrom('/auth/signed-out', '/queue', '/referrals/01JD0000000000000000000000', '/audit'),
  );
  const cookie = fc.option(
    fc.constantFrom('sidecar_session', 'sidecar_handshake', 'sidecar_launch').chain((name) => fc.oneof(apiCanaryText, fc.constant('A'.repeat(43))).map((v) => `${name}=${v}`)),
    { nil: undefined },
  );
  await fc.assert(
    fc.asyncProperty(path, cookie, fc.constantFrom('GET', 'POST'), async (p, c, method) => {
      const res = await consoleApp.request(`http://sidecar.test${p}`, {
        method,
        headers: { ...(c ? { cookie: c } : {}), ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        ...(method === 'POST' ? { body: `_csrf=${API_CANARY}` } : {}),
      });
      check(res, await res.text(), API_CANARY);
    }),
    { numRuns: 150 },
  );
});
