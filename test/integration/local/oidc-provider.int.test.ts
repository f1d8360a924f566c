/**
 * The embedded OpenID Connect provider of local runs (Cognito's stand-in), driven over HTTP the way
 * the console and a browser do: discovery, the authorization-code + PKCE flow through its own
 * sign-in page, JWT access tokens for the API, refused requests, and RP-initiated logout.
 * (No DynamoDB needed; it lives with the integration tests because it opens servers.)
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { DEFAULT_LOCAL_PASSWORD, LOCAL_ACCOUNTS, type LocalAccount } from '../../../infra/local/oidc/accounts';
import { BrowserAgent, readForm, redirectTarget } from '../../../infra/local/oidc/browser-agent';
import { createMemoryAdapter } from '../../../infra/local/oidc/memory-adapter';
import { obtainTokens } from '../../../infra/local/oidc/obtain-tokens';
import { startOidcProvider, type LocalOidcProvider } from '../../../infra/local/oidc/provider';
import { ROLES, ZUserId } from '../../../shared/users/directory';

jest.setTimeout(20_000);

const CLIENT_ID = 'sidecar-console';
const REDIRECT_URI = 'http://localhost:3000/auth/callback';
const POST_LOGOUT_URI = 'http://localhost:3000/signed-out';
const API_AUDIENCE = 'http://localhost:3000/api';
const CLIENTS = [{ clientId: CLIENT_ID, redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [POST_LOGOUT_URI] }];

let provider: LocalOidcProvider;
let discovery: Record<string, unknown>;

beforeAll(async () => {
  provider = await startOidcProvider({ port: 0, clients: CLIENTS, apiAudience: API_AUDIENCE });
  discovery = (await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
});
afterAll(() => provider.close());

const endpoint = (name: string) => new URL(String(discovery[name]));

/** An authorization request as the console sends it (no `resource`), with any parameter overridden or removed. */
function authorizationUrl(overrides: Record<string, string | undefined> = {}): URL {
  const params: Record<string, string | undefined> = {
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email',
    state: 'state-123',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    ...overrides,
  };
  const url = endpoint('authorization_endpoint');
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
  return url;
}

/** Follows redirects with `agent` until a page (returned) or the client's callback (returned as `callback`). */
async function browse(agent: BrowserAgent, url: URL): Promise<{ response: Response; callback?: URL }> {
  let response = await agent.request(url);
  for (let hop = 0; hop < 10; hop += 1) {
    const next = redirectTarget(response);
    if (!next) return { response };
    if (next.href.startsWith(REDIRECT_URI) || next.href.startsWith(POST_LOGOUT_URI)) return { response, callback: next };
    response = await agent.request(next);
  }
  throw new Error('too many redirects');
}

async function verifyAccessToken(token: string, audience = API_AUDIENCE) {
  const jwks = createRemoteJWKSet(endpoint('jwks_uri'));
  return jwtVerify(token, jwks, { issuer: provider.issuer, audience, algorithms: ['RS256'], typ: 'at+jwt' });
}

describe('LOCAL_ACCOUNTS', () => {
  it('keep the user ids existing local data references, each a valid user id with one Sidecar role', () => {
    expect(LOCAL_ACCOUNTS.map((a) => a.sub)).toEqual(['u-casey', 'u-riley', 'u-nora', 'u-ada', 'u-aubrey']);
    for (const account of LOCAL_ACCOUNTS) {
      expect(ZUserId.safeParse(account.sub).success).toBe(true);
      expect(account.groups).toHaveLength(1);
      expect(ROLES).toContain(account.groups[0]);
    }
    expect(new Set(LOCAL_ACCOUNTS.flatMap((a) => a.groups))).toEqual(new Set(ROLES));
  });
});

describe('startOidcProvider options', () => {
  it('refuses an API audience that is not an absolute URI (every token request would fail later)', async () => {
    await expect(startOidcProvider({ clients: CLIENTS, apiAudience: 'sidecar-api' })).rejects.toThrow();
  });

  it('puts the host option in the issuer while listening on 127.0.0.1', async () => {
    const custom = await startOidcProvider({ clients: CLIENTS, apiAudience: API_AUDIENCE, host: '127.0.0.1' });
    try {
      expect(custom.issuer).toBe(`http://127.0.0.1:${custom.port}`);
      const metadata = (await (await fetch(`${custom.issuer}/.well-known/openid-configuration`)).json()) as { issuer: string };
      expect(metadata.issuer).toBe(custom.issuer);
    } finally {
      await custom.close();
    }
  });
});

describe('createMemoryAdapter', () => {
  it('expires entries by TTL, finds sessions by uid, and revokes everything of a grant', async () => {
    let now = 1_000_000;
    const adapter = createMemoryAdapter(() => now);
    const sessions = adapter('Session');
    const codes = adapter('AuthorizationCode');
    const refresh = adapter('RefreshToken');
    await sessions.upsert('s1', { uid: 'uid-1', accountId: 'u-casey' }, 60);
    await codes.upsert('c1', { grantId: 'g1' }, 60);
    await refresh.upsert('r1', { grantId: 'g1' }, 3600);
    await refresh.upsert('r2', { grantId: 'g2' }, 3600);
    await codes.consume('c1');

    expect(await sessions.findByUid('uid-1')).toMatchObject({ accountId: 'u-casey' });
    expect(await codes.find('c1')).toMatchObject({ consumed: 1000 });
    now += 61_000;
    expect(await sessions.find('s1')).toBeUndefined();
    expect(await sessions.findByUid('uid-1')).toBeUndefined();
    await refresh.revokeByGrantId('g1');
    expect(await refresh.find('r1')).toBeUndefined();
    expect(await refresh.find('r2')).toMatchObject({ grantId: 'g2' });
  });
});

describe('discovery', () => {
  it('publishes the issuer, code flow only, PKCE S256 only and public clients only', () => {
    expect(provider.issuer).toBe(`http://localhost:${provider.port}`);
    expect(discovery).toMatchObject({
      issuer: provider.issuer,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none'],
      jwks_uri: `${provider.issuer}/jwks`,
      end_session_endpoint: `${provider.issuer}/session/end`,
      scopes_supported: expect.arrayContaining(['openid', 'profile', 'email']),
      claims_supported: expect.arrayContaining(['sub', 'name', 'email', 'cognito:groups']),
    });
    // Claims travel in the ID token; API-bound access tokens would be refused at userinfo.
    expect(discovery.userinfo_endpoint).toBeUndefined();
  });
});

describe('sign-in (authorization code + PKCE) via obtainTokens', () => {
  it.each([
    ['casey', 'u-casey', 'Casey Coordinator', 'coordinator'],
    ['nora', 'u-nora', 'Nora Nurse', 'nurse'],
  ])('%s gets an ID token with name and groups and a JWT access token for the API', async (username, sub, name, role) => {
    const tokens = await obtainTokens({ issuer: provider.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username, password: DEFAULT_LOCAL_PASSWORD });

    expect(tokens.claims).toMatchObject({ iss: provider.issuer, aud: CLIENT_ID, sub, name, email: `${username}@sidecar.local`, 'cognito:groups': [role] });
    expect(decodeProtectedHeader(tokens.accessToken)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    const { payload } = await verifyAccessToken(tokens.accessToken);
    expect(payload).toMatchObject({ sub, name, 'cognito:groups': [role], client_id: CLIENT_ID, scope: 'openid profile email', aud: API_AUDIENCE });
    expect(Number(payload.exp) - Number(payload.iat)).toBe(15 * 60);
    await expect(verifyAccessToken(tokens.accessToken, 'http://localhost:3000/other-api')).rejects.toThrow(/aud/);
  });

  it('issues a refresh token that yields a new API access token', async () => {
    const tokens = await obtainTokens({ issuer: provider.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username: 'ada', password: DEFAULT_LOCAL_PASSWORD });
    expect(tokens.refreshToken).toEqual(expect.any(String));
    const config = await oidc.discovery(new URL(provider.issuer), CLIENT_ID, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refreshToken ?? '');

    expect(refreshed.access_token).not.toBe(tokens.accessToken);
    const { payload } = await verifyAccessToken(refreshed.access_token);
    expect(payload).toMatchObject({ sub: 'u-ada', 'cognito:groups': ['admin'] });
  });

  it('honours the accounts, password and groupsClaim options', async () => {
    const tester: LocalAccount = { sub: 'u-test', username: 'tess', name: 'Tess Tester', email: 'tess@sidecar.local', groups: ['auditor'] };
    const custom = await startOidcProvider({ clients: CLIENTS, apiAudience: API_AUDIENCE, accounts: [tester], password: 'another-secret', groupsClaim: 'groups' });
    try {
      const signIn = (username: string, password: string) => obtainTokens({ issuer: custom.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username, password });

      const tokens = await signIn('tess', 'another-secret');

      expect(tokens.claims).toMatchObject({ sub: 'u-test', groups: ['auditor'] });
      expect(tokens.claims).not.toHaveProperty('cognito:groups');
      await expect(signIn('tess', DEFAULT_LOCAL_PASSWORD)).rejects.toThrow(/refused/);
      await expect(signIn('casey', 'another-secret')).rejects.toThrow(/refused/);
    } finally {
      await custom.close();
    }
  });
});

describe('the sign-in page', () => {
  async function openSignIn(agent: BrowserAgent) {
    const { response } = await browse(agent, authorizationUrl());
    const html = await response.text();
    return { response, html, form: readForm(html, response.url, 'password') };
  }

  it('is an accessible form listing the local accounts', async () => {
    const { response, html, form } = await openSignIn(new BrowserAgent());

    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'none'");
    expect(html).toContain('<h1>Sign in to Sidecar (local)</h1>');
    expect(html).toMatch(/<label for="username">[\s\S]*<input id="username" name="username"[^>]*autocomplete="username"[^>]*autofocus/);
    expect(html).toMatch(/<label for="password">[\s\S]*<input id="password" name="password" type="password" autocomplete="current-password"/);
    for (const account of LOCAL_ACCOUNTS) expect(html).toContain(`<code>${account.username}</code>`);
    expect(form?.action.pathname).toMatch(/^\/interaction\/[\w-]+\/login$/);
  });

  it.each([
    ['an unknown username', 'casey-typed-this-<b>', 'typed-password-1'],
    ['a wrong password', 'casey', 'wrong-password-typed'],
  ])('answers %s with 401 and a generic message that echoes nothing typed', async (_case, username, password) => {
    const agent = new BrowserAgent();
    const { form } = await openSignIn(agent);

    const response = await agent.request(form?.action ?? '', { form: { username, password } });

    expect(response.status).toBe(401);
    const html = await response.text();
    expect(html).toContain('Unknown username or password');
    expect(html).not.toContain(password);
    expect(html).not.toContain('casey-typed');
    expect(html).not.toMatch(/value="casey"/);
    // The same interaction can still be completed with the right password.
    const retry = await agent.request(form?.action ?? '', { form: { username: 'casey', password: DEFAULT_LOCAL_PASSWORD } });
    expect(retry.status).toBe(303);
  });

  it('refuses an oversized form with 413', async () => {
    const agent = new BrowserAgent();
    const { form } = await openSignIn(agent);

    const response = await agent.request(form?.action ?? '', { form: { username: 'casey', password: 'x'.repeat(20_000) } });

    expect(response.status).toBe(413);
  });

  it('answers an unknown interaction with a 400 page, not a sign-in form', async () => {
    const response = await new BrowserAgent().request(`${provider.issuer}/interaction/not-a-real-uid`);

    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('session_not_found');
    expect(html).not.toContain('not-a-real-uid');
    expect(html).not.toContain('name="password"');
  });
});

describe('refused authorization requests', () => {
  it('refuses a request without code_challenge (PKCE required) by redirecting with invalid_request', async () => {
    const response = await new BrowserAgent().request(authorizationUrl({ code_challenge: undefined, code_challenge_method: undefined }));

    const target = redirectTarget(response);
    expect(target?.href.startsWith(REDIRECT_URI)).toBe(true);
    expect(target?.searchParams.get('error')).toBe('invalid_request');
    expect(target?.searchParams.get('code')).toBeNull();
  });

  it('refuses the plain PKCE method', async () => {
    const response = await new BrowserAgent().request(authorizationUrl({ code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }));

    const target = redirectTarget(response);
    expect(target?.searchParams.get('error')).toBe('invalid_request');
    expect(target?.searchParams.get('code')).toBeNull();
  });

  it('refuses an unregistered redirect_uri with an error page, never redirecting there or echoing it', async () => {
    const evil = 'http://evil.example/steal?x=<script>alert(1)</script>';
    const response = await new BrowserAgent().request(authorizationUrl({ redirect_uri: evil, state: 'state-<i>marker</i>' }));

    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    const html = await response.text();
    expect(html).toContain('invalid_redirect_uri');
    expect(html).not.toContain('evil.example');
    expect(html).not.toContain('marker');
  });

  it('refuses an unknown client with an error page', async () => {
    const response = await new BrowserAgent().request(authorizationUrl({ client_id: 'who-is-this' }));

    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).not.toContain('who-is-this');
  });
});

describe('RP-initiated logout (end_session)', () => {
  it('signs the session out and returns to the post-logout URI; the next sign-in asks for the password again', async () => {
    const agent = new BrowserAgent();
    const tokens = await obtainTokens({ issuer: provider.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username: 'riley', password: DEFAULT_LOCAL_PASSWORD, agent });
    // While the provider session lives, a new authorization completes without the sign-in page.
    expect((await browse(agent, authorizationUrl())).callback?.searchParams.get('code')).toEqual(expect.any(String));

    const logoutUrl = endpoint('end_session_endpoint');
    logoutUrl.search = new URLSearchParams({ id_token_hint: tokens.idToken, post_logout_redirect_uri: POST_LOGOUT_URI, state: 'bye' }).toString();
    const page = await agent.request(logoutUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/<button id="sign-out" type="submit" form="op.logoutForm" name="logout" value="yes">Sign out<\/button>/);
    const form = readForm(html, page.url, 'xsrf');

    const done = await agent.request(form?.action ?? '', { form: { ...form?.hidden, logout: 'yes' } });

    expect(done.status).toBe(303);
    const target = redirectTarget(done);
    expect(target?.href.startsWith(POST_LOGOUT_URI)).toBe(true);
    expect(target?.searchParams.get('state')).toBe('bye');
    const again = await browse(agent, authorizationUrl());
    expect(again.callback).toBeUndefined();
    expect(await again.response.text()).toContain('name="password"');
    // Signing out revoked the grant, so its refresh token is dead too.
    const config = await oidc.discovery(new URL(provider.issuer), CLIENT_ID, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    await expect(oidc.refreshTokenGrant(config, tokens.refreshToken ?? '')).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses an unregistered post_logout_redirect_uri without echoing it', async () => {
    const agent = new BrowserAgent();
    const tokens = await obtainTokens({ issuer: provider.issuer, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, username: 'aubrey', password: DEFAULT_LOCAL_PASSWORD, agent });
    const logoutUrl = endpoint('end_session_endpoint');
    logoutUrl.search = new URLSearchParams({ id_token_hint: tokens.idToken, post_logout_redirect_uri: 'http://evil.example/after' }).toString();

    const response = await agent.request(logoutUrl);

    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).not.toContain('evil.example');
  });
});

describe('infra/scripts/token.ts', () => {
  const root = path.resolve(__dirname, '../../..');
  const run = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const argv = ['--import', 'tsx', 'infra/scripts/token.ts', ...args, '--issuer', provider.issuer, '--client-id', CLIENT_ID, '--redirect-uri', REDIRECT_URI];
      execFile(process.execPath, argv, { cwd: root, timeout: 15_000 }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
    });

  it('prints an API access token for a local account', async () => {
    const { code, stdout } = await run('nora');

    expect(code).toBe(0);
    const { payload } = await verifyAccessToken(stdout.trim());
    expect(payload).toMatchObject({ sub: 'u-nora', 'cognito:groups': ['nurse'] });
  });

  it('exits 1 with the generic refusal for an unknown account', async () => {
    const { code, stdout, stderr } = await run('nobody');

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('unknown username or password');
  });
});
