import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { API_POLICY, allowedRoles, CONSOLE_POLICY } from '../../../shared/auth/policy';
import { ROLES } from '../../../shared/users/directory';
import { TEST_USERS } from '../../support/test-issuer';
import { useStack } from '../support/stack';

const stack = useStack();
const SAMPLE_ID = '01JDSAMPLE0000000000000000';
const userFor = (role: string) => Object.values(TEST_USERS).find((u) => u.role === role)!;
const concrete = (p: string) => p.replace(/:[A-Za-z]+/g, SAMPLE_ID);

/** Every route the API app registered (middleware is registered as ALL). */
function apiRoutes(): { method: string; path: string }[] {
  const seen = new Set<string>();
  return stack.apiApp.routes
    .filter((r) => r.method !== 'ALL' && r.path !== '/api/openapi.json')
    .map((r) => ({ method: r.method, path: r.path }))
    .filter((r) => !seen.has(`${r.method} ${r.path}`) && Boolean(seen.add(`${r.method} ${r.path}`)));
}

describe('API route policy (deny by default)', () => {
  it('every registered route declares the roles it allows', () => {
    const routes = apiRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(14);
    const undeclared = routes.filter((r) => !allowedRoles(API_POLICY, r.method, concrete(r.path))).map((r) => `${r.method} ${r.path}`);
    expect(undeclared).toEqual([]);
  });

  it('a route missing from the table is refused to every role', () => {
    expect(allowedRoles(API_POLICY, 'GET', '/api/not-declared')).toBeUndefined();
    expect(allowedRoles(API_POLICY, 'DELETE', '/api/referrals/x')).toBeUndefined();
  });

  it('walks every route: 401 without a token, 403 for each role not allowed, through for the rest', async () => {
    const failures: string[] = [];
    for (const route of apiRoutes()) {
      const url = concrete(route.path);
      const init = route.method === 'GET' ? {} : { method: route.method, headers: { 'content-type': 'application/json' }, body: '{}' };
      const anonymous = await stack.apiApp.request(url, init);
      if (anonymous.status !== 401) failures.push(`${route.method} ${route.path} without a token: ${anonymous.status}`);
      const allowed = allowedRoles(API_POLICY, route.method, url) ?? [];
      for (const role of ROLES) {
        const res = await stack.as(userFor(role)).request(url, init);
        const refused = res.status === 403;
        if (allowed.includes(role) === refused || res.status === 401) failures.push(`${route.method} ${route.path} as ${role}: ${res.status}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses forged, expired and role-less tokens', async () => {
    const casey = TEST_USERS.casey;
    const as = async (token: string) => (await stack.apiApp.request('/api/me', { headers: { authorization: `Bearer ${token}` } })).status;
    expect(await as(await stack.issuer.tokenFor(casey, {}, { key: 'foreign' }))).toBe(401);
    expect(await as(await stack.issuer.tokenFor(casey, {}, { expiresIn: '-1m' }))).toBe(401);
    expect(await as(await stack.issuer.tokenFor(casey, { aud: 'someone-else' }))).toBe(401);
    expect(await as(await stack.issuer.tokenFor(casey, { 'cognito:groups': [] }))).toBe(403);
    expect(await as(await stack.issuer.tokenFor(casey, { 'cognito:groups': ['coordinator', 'admin'] }))).toBe(403);
    expect(await as('not-a-jwt')).toBe(401);
    expect(await as(await stack.issuer.tokenFor(casey))).toBe(200);
  });
});

/** Remix flat-route file names → URL paths (`referrals.$id.tsx` → `/referrals/:id`, `admin.sources_.$id.tsx` → `/admin/sources/:id`). */
function consoleRoutes(): { method: string; path: string; file: string }[] {
  const dir = path.resolve(__dirname, '../../../web/app/routes');
  return readdirSync(dir)
    .filter((f) => /\.tsx?$/.test(f))
    .flatMap((file) => {
      const name = file.replace(/\.tsx?$/, '');
      // A trailing `_` opts out of layout nesting (`admin.sources_.$id`): not part of the URL.
      const p = name === '_index' ? '/' : `/${name.split('.').map((s) => (s.startsWith('$') ? `:${s.slice(1)}` : s.replace(/_$/, ''))).join('/')}`;
      const source = readFileSync(path.join(dir, file), 'utf8');
      const methods = [/export (async )?function loader/.test(source) ? 'GET' : undefined, /export (async )?function action/.test(source) ? 'POST' : undefined];
      return methods.filter((m): m is string => Boolean(m)).map((method) => ({ method, path: p, file }));
    });
}

describe('console route policy (deny by default)', () => {
  it('every page (loader) and form action declares the roles it allows', () => {
    const routes = consoleRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(8);
    const undeclared = routes.filter((r) => !allowedRoles(CONSOLE_POLICY, r.method, concrete(r.path))).map((r) => `${r.method} ${r.path} (${r.file})`);
    expect(undeclared).toEqual([]);
  });

  it('declares nothing for pages that do not exist (no stale grants)', () => {
    const routes = consoleRoutes();
    const stale = Object.entries(CONSOLE_POLICY).flatMap(([p, policy]) =>
      Object.keys(policy)
        .filter((m) => !routes.some((r) => r.method === m && r.path === p))
        .map((m) => `${m} ${p}`),
    );
    expect(stale).toEqual([]);
  });
});
