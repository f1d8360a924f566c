import { API_POLICY, CONSOLE_POLICY, isAllowed } from '../../shared/auth/policy';
import { apiFetch, ehr, type FoundReferral, readReferral, referralFor } from './support/api';
import { readAuditLog } from './support/audit';
import { closeBrowser, openBrowser } from './support/browser';
import { account, signIn, submitSignInForm } from './support/sign-in';
import { type RunningStack, startStack } from './support/stack';

/**
 * Sign-in and roles in a real browser: every seeded user signs in through the embedded OpenID
 * Connect provider in a fresh browser context, and sees and may open exactly what the policy
 * table (shared/auth/policy.ts) allows their role; the API follows API_POLICY for their token.
 * Expectations are derived from the tables, so the test follows them when they change.
 */
let stack: RunningStack;
/** A referral (with its patient) every user tries to open. */
let referral: FoundReferral;
/** A second referral, for the CSRF test to try (and fail) to change. */
let untouched: FoundReferral;
/** A nurses' task every user tries to open. */
let taskId: string;
/** A care plan every user tries to open. */
let carePlanId: string;

beforeAll(async () => {
  stack = await startStack();
  referral = await referralFor(stack, (await ehr(stack, 'new-referral')).serviceRequestId);
  untouched = await referralFor(stack, (await ehr(stack, 'new-referral')).serviceRequestId);
  const created = await apiFetch(stack, 'nora', '/api/tasks', { method: 'POST', json: { patientId: referral.patientId, type: 'post-discharge-call' } });
  expect(created.status).toBe(201);
  taskId = ((await created.json()) as { id: string }).id;
  const plan = await apiFetch(stack, 'nora', '/api/care-plans', {
    method: 'POST',
    json: { patientId: referral.patientId, templateId: 'post-discharge-transitional-care', status: 'active' },
  });
  expect(plan.status).toBe(201);
  carePlanId = ((await plan.json()) as { id: string }).id;
}, 150_000);

afterAll(async () => {
  await closeBrowser();
  await stack?.stop();
});

const USERNAMES = ['casey', 'riley', 'nora', 'ada', 'aubrey'] as const;
const NOT_ALLOWED_TITLE = 'Not allowed · Sidecar';

/**
 * Links the main navigation offers to every role its page allows (the root layout's NAV, the dev
 * page, and the outbox, which `npm start` always has: its SMS and SES stand-ins are configured).
 */
const NAV_PATHS = ['/queue', '/work', '/escalations', '/dashboard', '/referrals/new', '/events', '/admin/sources', '/audit', '/dev', '/outbox'];

/** Document titles of the pages this test knows; any other page in the policy is checked for status only. */
const TITLES: Record<string, string> = {
  '/queue': 'Queue · Sidecar',
  '/work': 'Work · Sidecar',
  '/tasks/:id': 'Task · Sidecar',
  '/referrals/new': 'New referral · Sidecar',
  '/referrals/:id': 'Referral · Sidecar',
  '/patients/:id': 'Patient · Sidecar',
  '/events': 'Inbound events · Sidecar',
  '/admin/sources': 'EHR sources · Sidecar',
  '/admin/sources/:id': 'EHR source · Sidecar',
  '/audit': 'Audit log · Sidecar',
  '/dev': 'Dev: EHR simulator · Sidecar',
  '/patients/:id/care-plans/new': 'Start a care plan · Sidecar',
  '/care-plans/:id': 'Care plan · Sidecar',
  '/outbox': 'Outbox (local) · Sidecar',
};

/** Console routes that answer with a file, not a page: checked by status through the browser's session. */
const DOWNLOADS = new Set(['/care-plans/:id/fhir']);

/** Every console page in CONSOLE_POLICY (GET), with real ids in place of its parameters. */
function consolePages(): { path: string; title?: string; download: boolean }[] {
  const ids: Record<string, string> = {
    '/referrals/:id': `/referrals/${referral.id}`,
    '/patients/:id': `/patients/${referral.patientId}`,
    '/admin/sources/:id': '/admin/sources/ehr-sim',
    '/tasks/:id': `/tasks/${taskId}`,
    '/patients/:id/care-plans/new': `/patients/${referral.patientId}/care-plans/new`,
    '/care-plans/:id': `/care-plans/${carePlanId}`,
    '/care-plans/:id/fhir': `/care-plans/${carePlanId}/fhir`,
  };
  return Object.entries(CONSOLE_POLICY)
    .filter(([, policy]) => policy.GET)
    .map(([route]) => {
      const path = route.includes(':') ? ids[route] : route;
      if (!path) throw new Error(`This test has no id for the console page ${route}: add one`);
      return { path, title: TITLES[route], download: DOWNLOADS.has(route) };
    });
}

/** API calls, with the status each answers when the role may make it. */
function apiCalls(): { method: 'GET' | 'POST'; path: string; json?: unknown; ok: number }[] {
  return [
    { method: 'GET', path: '/api/me', ok: 200 },
    { method: 'GET', path: '/api/queue', ok: 200 },
    { method: 'GET', path: `/api/referrals/${referral.id}`, ok: 200 },
    { method: 'GET', path: `/api/patients/${referral.patientId}`, ok: 200 },
    { method: 'GET', path: '/api/events', ok: 200 },
    { method: 'POST', path: `/api/referrals/${referral.id}/notes`, json: { text: 'Checked the referral letter.' }, ok: 201 },
  ];
}

/** Which users opened the console pages (filled by the per-user tests, read by the audit test). */
const visited = new Set<string>();

describe('each role, signed in, sees and may open only what the policy allows', () => {
  it.each(USERNAMES)('%s', async (username) => {
    const user = account(username);
    const browser = await openBrowser();
    try {
      const page = await signIn(browser.context, stack.baseUrl, username);
      await expect(page.getByTestId('current-user').textContent()).resolves.toBe(user.name);
      await expect(page.getByTestId('current-role').textContent()).resolves.toContain(user.role);

      // Every link leads to a page the role may open, and each known page is linked exactly when allowed.
      const nav = await page.locator('nav[aria-label="Main"] a').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
      expect(nav.filter((href) => !isAllowed(CONSOLE_POLICY, 'GET', href, user.role))).toEqual([]);
      expect(NAV_PATHS.filter((p) => nav.includes(p))).toEqual(NAV_PATHS.filter((p) => isAllowed(CONSOLE_POLICY, 'GET', p, user.role)));

      // Status and title of every page, compared as one list so a failure names every difference.
      const expected: string[] = [];
      const actual: string[] = [];
      for (const { path, title, download } of consolePages()) {
        const allowed = isAllowed(CONSOLE_POLICY, 'GET', path, user.role);
        if (download) {
          expected.push(`${path} → ${allowed ? 200 : 403}`);
          actual.push(`${path} → ${(await page.request.get(`${stack.baseUrl}${path}`)).status()}`);
          continue;
        }
        expected.push(`${path} → ${allowed ? `200 ${title ?? 'its page'}` : `403 ${NOT_ALLOWED_TITLE}`}`);
        const response = await page.goto(`${stack.baseUrl}${path}`);
        const shown = await page.title();
        actual.push(`${path} → ${response?.status()} ${title === undefined && shown !== NOT_ALLOWED_TITLE ? 'its page' : shown}`);
      }
      expect(actual).toEqual(expected);
      visited.add(username);

      const apiExpected: string[] = [];
      const apiActual: string[] = [];
      for (const call of apiCalls()) {
        apiExpected.push(`${call.method} ${call.path} → ${isAllowed(API_POLICY, call.method, call.path, user.role) ? call.ok : 403}`);
        const res = await apiFetch(stack, username, call.path, { method: call.method, json: call.json });
        apiActual.push(`${call.method} ${call.path} → ${res.status}`);
      }
      expect(apiActual).toEqual(apiExpected);
      const me = (await (await apiFetch(stack, username, '/api/me')).json()) as { id: string; role: string };
      expect(me).toMatchObject({ id: user.sub, role: user.role });
    } finally {
      await browser.close();
    }
  });
});

describe('signing in and out', () => {
  it('sends an unauthenticated browser to the sign-in page, and back to the page it asked for', async () => {
    const browser = await openBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(`${stack.baseUrl}/queue`);
      expect(new URL(page.url()).origin).toBe(stack.oidcUrl);
      await page.locator('input[name="password"]').waitFor();
      await submitSignInForm(page, 'casey', stack.password);
      await page.waitForURL(`${stack.baseUrl}/queue`);
      await expect(page.getByTestId('current-user').textContent()).resolves.toBe('Casey Coordinator');
    } finally {
      await browser.close();
    }
  });

  it('refuses an unauthenticated API call', async () => {
    const res = await fetch(`${stack.baseUrl}/api/queue`, { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(401);
  });

  it('shows the provider’s error for a wrong password and starts no session', async () => {
    const browser = await openBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(`${stack.baseUrl}/queue`);
      await submitSignInForm(page, 'casey', 'not-the-password');
      await expect(page.getByRole('alert').textContent()).resolves.toContain('Unknown username or password');
      expect(new URL(page.url()).origin).toBe(stack.oidcUrl);
      const cookies = await browser.context.cookies(stack.baseUrl);
      expect(cookies.map((c) => c.name)).not.toContain('sidecar_session');
      await page.goto(`${stack.baseUrl}/queue`);
      expect(new URL(page.url()).origin).toBe(stack.oidcUrl);
    } finally {
      await browser.close();
    }
  });

  it('after “Sign out”, the console asks for sign-in again and the old session is dead on the server', async () => {
    const browser = await openBrowser();
    try {
      const page = await signIn(browser.context, stack.baseUrl, 'casey', { path: '/queue' });
      const session = (await browser.context.cookies(stack.baseUrl)).find((c) => c.name === 'sidecar_session');
      expect(session).toBeDefined();

      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.waitForURL(`${stack.baseUrl}/auth/signed-out`);
      await expect(page.locator('h1').textContent()).resolves.toBe('Signed out');

      await page.goto(`${stack.baseUrl}/queue`);
      expect(new URL(page.url()).origin).toBe(stack.oidcUrl);
      await page.locator('input[name="password"]').waitFor();

      // The session id itself no longer opens anything (not merely its cookie removed).
      const replay = await fetch(`${stack.baseUrl}/queue`, {
        headers: { cookie: `sidecar_session=${session!.value}` },
        redirect: 'manual',
        signal: AbortSignal.timeout(10_000),
      });
      expect(replay.status).toBe(302);
      expect(replay.headers.get('location')).toMatch(/^\/auth\/login\?/);
    } finally {
      await browser.close();
    }
  });
});

describe('CSRF', () => {
  it('refuses a console POST without the session’s CSRF token, and changes nothing', async () => {
    const browser = await openBrowser();
    try {
      const page = await signIn(browser.context, stack.baseUrl, 'casey', { path: `/referrals/${untouched.id}` });
      const before = await readReferral(stack, untouched.id);
      const url = `${stack.baseUrl}/referrals/${untouched.id}`;
      const claim = { intent: 'claim', version: String(before.version) };

      // page.request sends the context's cookies: a signed-in browser, but a forged form.
      for (const form of [claim, { ...claim, _csrf: 'forged-token' }]) {
        const res = await page.request.post(url, { form, maxRedirects: 0 });
        expect(res.status()).toBe(403);
        expect(await res.text()).toContain('This form has expired');
      }
      const after = await readReferral(stack, untouched.id);
      expect(after.version).toBe(before.version);
      expect(after.assignee).toBeUndefined();
      expect(after.status).toBe(before.status);

      // The same request with the page's token is accepted: the token alone made the difference.
      const token = await page.locator('main input[name="_csrf"]').first().inputValue();
      const res = await page.request.post(url, { form: { ...claim, _csrf: token }, maxRedirects: 0 });
      expect([302, 303]).toContain(res.status());
      expect((await readReferral(stack, untouched.id)).assignee?.id).toBe('u-casey');
    } finally {
      await browser.close();
    }
  });
});

describe('the auditor', () => {
  it('reads referral pages but is offered no action', async () => {
    const browser = await openBrowser();
    try {
      const page = await signIn(browser.context, stack.baseUrl, 'aubrey', { path: `/referrals/${referral.id}` });
      expect(new URL(page.url()).pathname).toBe(`/referrals/${referral.id}`);
      await expect(page.title()).resolves.toBe('Referral · Sidecar');
      await expect(page.getByTestId('referral-status').getAttribute('data-value')).resolves.toBe(referral.status);
      expect(await page.getByRole('button', { name: 'Claim', exact: true }).count()).toBe(0);
      expect(await page.locator('main form[method="post"]').count()).toBe(0);
    } finally {
      await browser.close();
    }
  });

  it('finds, per user, the record reads and refusals of the users above in the audit log', async () => {
    const others = USERNAMES.filter((u) => u !== 'aubrey');
    expect(others.filter((u) => !visited.has(u))).toEqual([]); // the per-user tests ran first
    const browser = await openBrowser();
    try {
      const page = await signIn(browser.context, stack.baseUrl, 'aubrey', { path: '/audit' });
      const records = [
        { path: `/referrals/${referral.id}`, type: 'Referral', id: referral.id, route: 'GET /referrals/:id' },
        { path: `/patients/${referral.patientId}`, type: 'Patient', id: referral.patientId, route: 'GET /patients/:id' },
      ];
      const expected: string[] = [];
      const actual: string[] = [];
      for (const username of others) {
        const user = account(username);
        const mine = await readAuditLog(page, stack.baseUrl, { user: user.sub });
        expect(mine.every((r) => r.user.includes(user.sub))).toBe(true);
        const onPatient = await readAuditLog(page, stack.baseUrl, { user: user.sub, patient: referral.patientId });
        for (const record of records) {
          const allowed = isAllowed(CONSOLE_POLICY, 'GET', record.path, user.role);
          expected.push(`${username} ${record.type}: ${allowed ? 'read' : 'refused'}`);
          const read = onPatient.some((r) => /^Read\b/.test(r.action) && r.action.includes('Console') && r.resource.includes(record.id));
          const refused = mine.some((r) => /^Refused\b/.test(r.action) && r.resource.includes(record.route));
          actual.push(`${username} ${record.type}: ${read ? 'read' : refused ? 'refused' : 'not in the audit log'}`);
        }
      }
      expect(actual).toEqual(expected);
    } finally {
      await browser.close();
    }
  });
});
