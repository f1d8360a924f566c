import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { launchPagePath, SMART_PATHS } from '../../../infra/local/ehr-sim/catalogue';
import { startEhrSimulator, type EhrSimulator } from '../../../infra/local/ehr-sim/simulator';
import { SingleUseStore } from '../../../infra/local/ehr-sim/single-use-store';
import { createSmartAuthorizationServer, type SmartConfiguration, type SmartTokenResponse } from '../../../infra/local/ehr-sim/smart';
import { SECRET } from './support';

jest.setTimeout(20_000);

const CLIENT_ID = 'sidecar-local';
const REDIRECT_URI = 'http://localhost:3000/launch/callback';
const LAUNCH_URL = 'http://localhost:3000/launch';
const SMART = { clients: [{ clientId: CLIENT_ID, redirectUris: [REDIRECT_URI] }], launchUrl: LAUNCH_URL };
/** Nothing listens there: these tests never publish webhooks. */
const DUMMY_WEBHOOK = 'http://127.0.0.1:9/webhooks/ehr/ehr-sim';

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

async function get(url: string): Promise<Response> {
  return fetch(url, { redirect: 'manual' });
}

async function postForm(url: string, params: Record<string, string>, contentType = 'application/x-www-form-urlencoded'): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body: new URLSearchParams(params).toString() });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

describe('SMART App Launch on the EHR simulator', () => {
  let sim: EhrSimulator;
  let patientId: string;
  let serviceRequestId: string;

  beforeAll(async () => {
    sim = await startEhrSimulator({ port: 0, sidecarWebhookUrl: DUMMY_WEBHOOK, secret: SECRET, seedCount: 3, smart: SMART });
    serviceRequestId = sim.seed.serviceRequestIds[0] ?? '';
    const sr = (await (await fetch(`${sim.fhirBaseUrl}/ServiceRequest/${serviceRequestId}`)).json()) as { subject: { reference: string } };
    patientId = sr.subject.reference.replace('Patient/', '');
  });
  afterAll(async () => {
    await sim?.close();
  });

  /** Opens the chart's "Launch Sidecar" link (window mode) and returns what the app's /launch receives. */
  async function launch(context: { patientId: string; serviceRequestId?: string }): Promise<{ iss: string; launch: string; url: URL }> {
    const response = await get(`${sim.url}${launchPagePath({ ...context, mode: 'window' })}`);
    expect(response.status).toBe(303);
    const url = new URL(response.headers.get('location') ?? '');
    return { iss: url.searchParams.get('iss') ?? '', launch: url.searchParams.get('launch') ?? '', url };
  }

  /** The authorize URL the app builds, with `overrides` (undefined removes a parameter). */
  function authorizeUrl(launchId: string, challenge: string, overrides: Record<string, string | undefined> = {}): string {
    const params: Record<string, string | undefined> = {
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      scope: 'launch openid fhirUser patient/*.rs',
      state: 'state-123',
      aud: sim.fhirBaseUrl,
      launch: launchId,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...overrides,
    };
    const url = new URL(`${sim.url}${SMART_PATHS.authorize}`);
    for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
    return url.toString();
  }

  /** Launch + authorize; returns the redirect's query. */
  async function authorize(overrides: Record<string, string | undefined> = {}, context: { patientId: string; serviceRequestId?: string } = { patientId }) {
    const { launch: launchId } = await launch(context);
    const { verifier, challenge } = pkce();
    const response = await get(authorizeUrl(launchId, challenge, overrides));
    const location = response.headers.get('location');
    return { response, verifier, launchId, redirect: location ? new URL(location) : undefined };
  }

  function token(params: Record<string, string>) {
    return postForm(`${sim.url}${SMART_PATHS.token}`, { grant_type: 'authorization_code', client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, ...params });
  }

  describe('GET {fhirBase}/.well-known/smart-configuration', () => {
    test('advertises the EHR launch of a public client with PKCE S256 and v2 scopes', async () => {
      expect(sim.smartConfigurationUrl).toBe(`${sim.fhirBaseUrl}/.well-known/smart-configuration`);
      const response = await fetch(sim.smartConfigurationUrl ?? '');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/json');
      const config = (await response.json()) as SmartConfiguration;
      expect(config).toMatchObject({
        issuer: sim.fhirBaseUrl,
        authorization_endpoint: `${sim.url}/smart/authorize`,
        token_endpoint: `${sim.url}/smart/token`,
        jwks_uri: `${sim.url}/smart/jwks`,
        grant_types_supported: ['authorization_code'],
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none'],
      });
      expect(config.capabilities).toEqual(expect.arrayContaining(['launch-ehr', 'client-public', 'context-ehr-patient', 'permission-v2']));
      expect(config.scopes_supported).toEqual(expect.arrayContaining(['launch', 'openid', 'fhirUser', 'patient/*.rs', 'user/*.rs', 'patient/ServiceRequest.rs']));
    });

    test('the FHIR API still answers beside it', async () => {
      const response = await fetch(`${sim.fhirBaseUrl}/Patient/${patientId}`);
      expect(response.status).toBe(200);
    });
  });

  describe('a full EHR launch from a referral', () => {
    test('launch → authorize (PKCE S256) → token with patient, fhirContext and a verifiable id_token', async () => {
      // The chart's link redirects to the app with iss and an opaque launch id, nothing else.
      const launched = await launch({ patientId, serviceRequestId });
      expect(launched.url.toString().startsWith(`${LAUNCH_URL}?`)).toBe(true);
      expect([...launched.url.searchParams.keys()]).toEqual(['iss', 'launch']);
      expect(launched.iss).toBe(sim.fhirBaseUrl);
      expect(launched.launch).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(launched.url.toString()).not.toContain(patientId);

      const config = (await (await fetch(`${launched.iss}${SMART_PATHS.configuration}`)).json()) as SmartConfiguration;
      const { verifier, challenge } = pkce();
      const authorizeUrlFromConfig = new URL(config.authorization_endpoint);
      const params = {
        response_type: 'code',
        client_id: CLIENT_ID,
        redirect_uri: REDIRECT_URI,
        scope: 'launch openid fhirUser patient/*.rs patient/*.cruds offline_access',
        state: 'st-1',
        aud: launched.iss,
        launch: launched.launch,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        nonce: 'n-1',
      };
      for (const [k, v] of Object.entries(params)) authorizeUrlFromConfig.searchParams.set(k, v);
      const authorized = await get(authorizeUrlFromConfig.toString());
      expect(authorized.status).toBe(302);
      const callback = new URL(authorized.headers.get('location') ?? '');
      expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
      expect(callback.searchParams.get('state')).toBe('st-1');
      expect(callback.searchParams.get('iss')).toBe(sim.fhirBaseUrl);
      const code = callback.searchParams.get('code') ?? '';
      expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);

      const { status, body, headers } = await postForm(config.token_endpoint, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        client_id: CLIENT_ID,
        code_verifier: verifier,
      });
      expect(status).toBe(200);
      expect(headers.get('cache-control')).toBe('no-store');
      const tokens = body as unknown as SmartTokenResponse;
      expect(tokens).toMatchObject({
        token_type: 'Bearer',
        expires_in: 3600,
        patient: patientId,
        fhirContext: [{ reference: `ServiceRequest/${serviceRequestId}` }],
        need_patient_banner: true,
      });
      expect(tokens.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // Only supported scopes are granted.
      expect(tokens.scope.split(' ')).toEqual(['launch', 'openid', 'fhirUser', 'patient/*.rs']);

      const jwks = createRemoteJWKSet(new URL(config.jwks_uri));
      const { payload, protectedHeader } = await jwtVerify(tokens.id_token ?? '', jwks, { issuer: sim.fhirBaseUrl, audience: CLIENT_ID, algorithms: ['RS256'] });
      expect(protectedHeader.alg).toBe('RS256');
      expect(payload).toMatchObject({ sub: 'pract-requester-1', fhirUser: `${sim.fhirBaseUrl}/Practitioner/pract-requester-1`, nonce: 'n-1' });
      const practitioner = await fetch(String(payload.fhirUser));
      expect(practitioner.status).toBe(200);
    });

    test('a launch from the patient chart has no fhirContext, and no id_token without openid fhirUser', async () => {
      const { redirect, verifier } = await authorize({ scope: 'launch openid patient/Patient.rs' });
      const { status, body } = await token({ code: redirect?.searchParams.get('code') ?? '', code_verifier: verifier });
      expect(status).toBe(200);
      expect(body).toMatchObject({ patient: patientId, scope: 'launch openid patient/Patient.rs' });
      expect(body).not.toHaveProperty('fhirContext');
      expect(body).not.toHaveProperty('id_token');
    });

    test('openid-client completes the flow from the OpenID discovery document, validating the id_token', async () => {
      const config = await oidc.discovery(new URL(sim.fhirBaseUrl), CLIENT_ID, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
      const { launch: launchId } = await launch({ patientId, serviceRequestId });
      const verifier = oidc.randomPKCECodeVerifier();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT_URI,
        scope: 'launch openid fhirUser patient/*.rs',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state: 'st-oidc',
        nonce,
        aud: sim.fhirBaseUrl,
        launch: launchId,
      });
      const authorized = await get(url.toString());
      const tokens = await oidc.authorizationCodeGrant(config, new URL(authorized.headers.get('location') ?? ''), {
        pkceCodeVerifier: verifier,
        expectedState: 'st-oidc',
        expectedNonce: nonce,
      });
      expect(tokens.claims()?.fhirUser).toBe(`${sim.fhirBaseUrl}/Practitioner/pract-requester-1`);
      expect(tokens).toMatchObject({ patient: patientId, fhirContext: [{ reference: `ServiceRequest/${serviceRequestId}` }] });
    });
  });

  describe('GET /smart/authorize refusals', () => {
    test('an unregistered redirect_uri is a 400 page, never a redirect', async () => {
      const { response } = await authorize({ redirect_uri: 'http://localhost:3000/launch/callback/evil' });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(await response.text()).not.toContain('evil');
    });

    test('an unknown client is a 400 page, never a redirect', async () => {
      const { response } = await authorize({ client_id: 'someone-else' });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    });

    test('a repeated client_id is a 400 page', async () => {
      const { launch: launchId } = await launch({ patientId });
      const url = new URL(authorizeUrl(launchId, pkce().challenge));
      url.searchParams.append('client_id', CLIENT_ID);
      const response = await get(url.toString());
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    });

    test.each<{ name: string; overrides: Record<string, string | undefined>; error: string }>([
      { name: 'a wrong aud', overrides: { aud: 'http://127.0.0.1:1/fhir/R4' }, error: 'invalid_request' },
      { name: 'no aud', overrides: { aud: undefined }, error: 'invalid_request' },
      { name: 'plain PKCE', overrides: { code_challenge_method: 'plain' }, error: 'invalid_request' },
      { name: 'no code_challenge_method', overrides: { code_challenge_method: undefined }, error: 'invalid_request' },
      { name: 'no code_challenge', overrides: { code_challenge: undefined }, error: 'invalid_request' },
      { name: 'an unknown launch', overrides: { launch: 'not-a-launch' }, error: 'invalid_request' },
      { name: 'no launch', overrides: { launch: undefined }, error: 'invalid_request' },
      { name: 'no launch scope', overrides: { scope: 'openid fhirUser patient/*.rs' }, error: 'invalid_scope' },
      { name: 'response_type token', overrides: { response_type: 'token' }, error: 'unsupported_response_type' },
    ])('$name redirects back with error=$error and the state', async ({ overrides, error }) => {
      const { response, redirect } = await authorize(overrides);
      expect(response.status).toBe(302);
      expect(`${redirect?.origin}${redirect?.pathname}`).toBe(REDIRECT_URI);
      expect(redirect?.searchParams.get('error')).toBe(error);
      expect(redirect?.searchParams.get('state')).toBe('state-123');
      expect(redirect?.searchParams.has('code')).toBe(false);
    });

    test('a missing state is invalid_request', async () => {
      const { redirect } = await authorize({ state: undefined });
      expect(redirect?.searchParams.get('error')).toBe('invalid_request');
      expect(redirect?.searchParams.has('state')).toBe(false);
      expect(redirect?.searchParams.has('code')).toBe(false);
    });

    test('a refused request leaves the launch usable; a granted one uses it up', async () => {
      const { launch: launchId } = await launch({ patientId });
      const { challenge } = pkce();
      const refused = await get(authorizeUrl(launchId, challenge, { aud: 'http://elsewhere.example/fhir' }));
      expect(new URL(refused.headers.get('location') ?? '').searchParams.get('error')).toBe('invalid_request');

      const granted = await get(authorizeUrl(launchId, challenge));
      expect(new URL(granted.headers.get('location') ?? '').searchParams.has('code')).toBe(true);

      const reused = await get(authorizeUrl(launchId, challenge));
      expect(new URL(reused.headers.get('location') ?? '').searchParams.get('error')).toBe('invalid_request');
    });
  });

  describe('POST /smart/token refusals', () => {
    test('a wrong code_verifier is invalid_grant, and uses the code up', async () => {
      const { redirect, verifier } = await authorize();
      const code = redirect?.searchParams.get('code') ?? '';
      const wrong = await token({ code, code_verifier: pkce().verifier });
      expect(wrong.status).toBe(400);
      expect(wrong.body).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
      expect(wrong.headers.get('cache-control')).toBe('no-store');
      expect((await token({ code, code_verifier: verifier })).body.error).toBe('invalid_grant');
    });

    test('a reused code is invalid_grant', async () => {
      const { redirect, verifier } = await authorize();
      const code = redirect?.searchParams.get('code') ?? '';
      expect((await token({ code, code_verifier: verifier })).status).toBe(200);
      const again = await token({ code, code_verifier: verifier });
      expect(again.status).toBe(400);
      expect(again.body.error).toBe('invalid_grant');
    });

    test('a redirect_uri other than the authorize request’s is invalid_grant', async () => {
      const { redirect, verifier } = await authorize();
      const { status, body } = await token({ code: redirect?.searchParams.get('code') ?? '', code_verifier: verifier, redirect_uri: `${REDIRECT_URI}?x=1` });
      expect(status).toBe(400);
      expect(body.error).toBe('invalid_grant');
    });

    test('an unknown client is invalid_client; another grant type is unsupported_grant_type; JSON is invalid_request', async () => {
      const { redirect, verifier } = await authorize();
      const code = redirect?.searchParams.get('code') ?? '';
      expect((await token({ code, code_verifier: verifier, client_id: 'someone-else' })).body.error).toBe('invalid_client');
      expect((await token({ code, code_verifier: verifier, grant_type: 'client_credentials' })).body.error).toBe('unsupported_grant_type');
      const json = await postForm(`${sim.url}${SMART_PATHS.token}`, { grant_type: 'authorization_code', code, code_verifier: verifier }, 'application/json');
      expect(json).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      // None of these refusals used the code up.
      expect((await token({ code, code_verifier: verifier })).status).toBe(200);
    });

    test('a missing code_verifier is invalid_request and echoes nothing', async () => {
      const { redirect } = await authorize();
      const code = redirect?.searchParams.get('code') ?? '';
      const { status, body } = await token({ code });
      expect(status).toBe(400);
      expect(body.error).toBe('invalid_request');
      expect(JSON.stringify(body)).not.toContain(code);
    });
  });

  describe('GET /ehr/launch', () => {
    test('embedded: the chart with the app in an iframe the page’s CSP allows', async () => {
      const response = await get(`${sim.url}${launchPagePath({ patientId, serviceRequestId, mode: 'embedded' })}`);
      expect(response.status).toBe(200);
      const page = await response.text();
      const src = /<iframe title="Sidecar" src="([^"]+)"/.exec(page)?.[1]?.replace(/&amp;/g, '&') ?? '';
      expect(src.startsWith(`${LAUNCH_URL}?`)).toBe(true);
      expect([...new URL(src).searchParams.keys()]).toEqual(['iss', 'launch']);
      expect(response.headers.get('content-security-policy')).toContain("frame-src 'self' http://localhost:3000;");
      expect(page).toContain('class="patient"');

      // The embedded launch is a real one, and tells the app the EHR shows the patient banner.
      const { challenge, verifier } = pkce();
      const authorized = await get(authorizeUrl(new URL(src).searchParams.get('launch') ?? '', challenge));
      const code = new URL(authorized.headers.get('location') ?? '').searchParams.get('code') ?? '';
      const { body } = await token({ code, code_verifier: verifier });
      expect(body).toMatchObject({ patient: patientId, need_patient_banner: false });
    });

    test('an unknown patient, or a referral of another patient, is a 404 page', async () => {
      expect((await get(`${sim.url}${launchPagePath({ patientId: 'no-such-patient', mode: 'window' })}`)).status).toBe(404);
      const other = sim.seed.patientIds.find((id) => id !== patientId) ?? '';
      const response = await get(`${sim.url}${launchPagePath({ patientId: other, serviceRequestId, mode: 'window' })}`);
      expect(response.status).toBe(404);
      expect(response.headers.get('location')).toBeNull();
    });

    test('an unknown mode is a 400 page', async () => {
      const response = await get(`${sim.url}/ehr/launch?patient=${patientId}&mode=popup`);
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    });
  });

  describe('chart pages', () => {
    test('the patient and referral pages link to both launches', async () => {
      const patientPage = await (await fetch(`${sim.uiBaseUrl}/Patient/${patientId}`)).text();
      expect(patientPage).toContain(`href="/ehr/launch?patient=${patientId}&amp;mode=window"`);
      expect(patientPage).toContain(`href="/ehr/launch?patient=${patientId}&amp;mode=embedded"`);
      expect(patientPage).toContain('Launch Sidecar');
      expect(patientPage).toContain('Open Sidecar in panel');
      const referralPage = await (await fetch(`${sim.uiBaseUrl}/ServiceRequest/${serviceRequestId}`)).text();
      expect(referralPage).toContain(`href="/ehr/launch?patient=${patientId}&amp;serviceRequest=${serviceRequestId}&amp;mode=embedded"`);
    });
  });
});

describe('the EHR simulator without smart', () => {
  let sim: EhrSimulator;
  beforeAll(async () => {
    sim = await startEhrSimulator({ port: 0, sidecarWebhookUrl: DUMMY_WEBHOOK, secret: SECRET, seedCount: 1 });
  });
  afterAll(async () => {
    await sim?.close();
  });

  test('has no Launch links, no launch page and no SMART endpoints', async () => {
    expect(sim.smartConfigurationUrl).toBeUndefined();
    const patientPage = await (await fetch(`${sim.uiBaseUrl}/Patient/${sim.seed.patientIds[0]}`)).text();
    expect(patientPage).not.toContain('Launch Sidecar');
    expect(patientPage).not.toContain('/ehr/launch');
    expect((await get(`${sim.url}${launchPagePath({ patientId: sim.seed.patientIds[0] ?? '', mode: 'window' })}`)).status).toBe(404);
    expect((await fetch(`${sim.fhirBaseUrl}${SMART_PATHS.configuration}`)).status).toBe(404);
    expect((await get(`${sim.url}${SMART_PATHS.authorize}`)).status).toBe(404);
  });

  test('rejects invalid smart options at start', async () => {
    await expect(
      startEhrSimulator({ port: 0, sidecarWebhookUrl: DUMMY_WEBHOOK, secret: SECRET, smart: { clients: [{ clientId: 'a', redirectUris: ['http://x.test/cb#frag'] }], launchUrl: LAUNCH_URL } }),
    ).rejects.toThrow(/smart\.clients\.0\.redirectUris\.0/);
    await expect(
      startEhrSimulator({ port: 0, sidecarWebhookUrl: DUMMY_WEBHOOK, secret: SECRET, smart: { ...SMART, clients: [...SMART.clients, ...SMART.clients] } }),
    ).rejects.toThrow(/clientId must be unique/);
  });
});

describe('createSmartAuthorizationServer expiry', () => {
  const ISSUER = 'http://ehr.test/fhir/R4';
  let now = 0;
  let server: Awaited<ReturnType<typeof createSmartAuthorizationServer>>;

  beforeAll(async () => {
    server = await createSmartAuthorizationServer({ smart: SMART, issuer: () => ISSUER, origin: () => 'http://ehr.test', clock: () => now });
  });
  beforeEach(() => {
    now = 1_000_000;
  });

  function authorizeRequest(launchId: string, challenge: string): Promise<Response> {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      scope: 'launch',
      state: 's',
      aud: ISSUER,
      launch: launchId,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    return Promise.resolve(server.app.request(`http://ehr.test/smart/authorize?${query.toString()}`));
  }
  const launchIdOf = (url: string) => new URL(url).searchParams.get('launch') ?? '';
  const context = { patientId: 'pt-001', practitionerId: 'pract-requester-1', mode: 'window' as const };

  test('a launch expires after 5 minutes', async () => {
    const fresh = launchIdOf(server.createLaunch(context));
    const stale = launchIdOf(server.createLaunch(context));
    now += 5 * 60_000 - 1;
    expect(new URL((await authorizeRequest(fresh, pkce().challenge)).headers.get('location') ?? '').searchParams.has('code')).toBe(true);
    now += 1;
    expect(new URL((await authorizeRequest(stale, pkce().challenge)).headers.get('location') ?? '').searchParams.get('error')).toBe('invalid_request');
  });

  test('a code expires after 60 seconds', async () => {
    const { verifier, challenge } = pkce();
    const redirect = new URL((await authorizeRequest(launchIdOf(server.createLaunch(context)), challenge)).headers.get('location') ?? '');
    now += 60_000;
    const response = await server.app.request('http://ehr.test/smart/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: redirect.searchParams.get('code') ?? '',
        redirect_uri: REDIRECT_URI,
        client_id: CLIENT_ID,
        code_verifier: verifier,
      }).toString(),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_grant');
  });

  test('an id_token expires with the clock it was issued by', async () => {
    const { verifier, challenge } = pkce();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      scope: 'launch openid fhirUser',
      state: 's',
      aud: ISSUER,
      launch: launchIdOf(server.createLaunch(context)),
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const authorized = await server.app.request(`http://ehr.test/smart/authorize?${query.toString()}`);
    const code = new URL(authorized.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const response = await server.app.request('http://ehr.test/smart/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: CLIENT_ID, code_verifier: verifier }).toString(),
    });
    const claims = decodeJwt(((await response.json()) as SmartTokenResponse).id_token ?? '');
    expect(claims).toMatchObject({ iss: ISSUER, aud: CLIENT_ID, iat: 1000, exp: 1000 + 3600 });
  });
});

describe('SingleUseStore', () => {
  test('gives a value back once', () => {
    const store = new SingleUseStore<string>({ ttlMs: 1000, capacity: 10, clock: () => 0 });
    const id = store.put('a');
    expect(store.take(id)).toBe('a');
    expect(store.take(id)).toBeUndefined();
  });

  test('drops the oldest entry at capacity', () => {
    const store = new SingleUseStore<string>({ ttlMs: 1000, capacity: 2, clock: () => 0 });
    const [a, b, c] = [store.put('a'), store.put('b'), store.put('c')];
    expect(store.take(a)).toBeUndefined();
    expect(store.take(b)).toBe('b');
    expect(store.take(c)).toBe('c');
  });
});
