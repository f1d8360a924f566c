/**
 * SMART EHR launch, Sidecar's side, against the EHR simulator's real SMART authorization server:
 * allowlist, session first, the authorize request's parameters (aud, launch, minimal scope,
 * state, PKCE S256), the code exchange, and the failure paths. Opening the referral or patient in
 * Sidecar's own view is covered by the browser suite (it needs the seeded data).
 */
import type { ServerBuild } from '@remix-run/node';
import { createConsoleApp } from '../../../functions/console/app';
import { type EhrSimulator, startEhrSimulator } from '../../../infra/local/ehr-sim/simulator';
import { createSession } from '../../../shared/auth/sessions';
import { type AppContext, createContext } from '../../../shared/context';
import { TEST_USERS } from '../../support/test-issuer';
import { cookieFrom } from '../support/cookies';
import { useFreshTables } from '../support/tables';

const PUBLIC = 'http://sidecar.test';
const tables = useFreshTables();
let sim: EhrSimulator;
let ctx: AppContext;
let app: ReturnType<typeof createConsoleApp>;
let session = '';
const noBuild = (() => Promise.reject(new Error('no pages in this test'))) as unknown as ServerBuild;

beforeAll(async () => {
  sim = await startEhrSimulator({
    port: 0,
    sidecarWebhookUrl: 'http://127.0.0.1:9/webhooks/ehr/ehr-sim',
    secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
    seedCount: 3,
    smart: { clients: [{ clientId: 'sidecar-local', redirectUris: [`${PUBLIC}/launch/callback`] }], launchUrl: `${PUBLIC}/launch` },
  });
  ctx = createContext({
    config: { ...tables.config, publicUrl: PUBLIC, smartIssuers: [{ iss: sim.fhirBaseUrl, clientId: 'sidecar-local', sourceId: 'ehr-sim' }] },
    db: tables.db,
  });
  app = createConsoleApp(ctx, noBuild);
  session = (await createSession(ctx, TEST_USERS.casey)).id;
});
afterAll(() => sim.close());


/** The EHR user clicks "Launch Sidecar" on a patient's chart: the simulator mints a launch and sends the browser to Sidecar. */
async function ehrLaunchUrl(): Promise<string> {
  const res = await fetch(`${sim.url}/ehr/launch?patient=${sim.seed.patientIds[0]}&mode=window`, { redirect: 'manual' });
  expect(res.status).toBe(303);
  return res.headers.get('location')!;
}

async function launch(cookie = `sidecar_session=${session}`) {
  const res = await app.request(await ehrLaunchUrl(), { headers: { cookie } });
  return { res, launchCookie: cookieFrom(res, 'sidecar_launch') };
}

describe('/launch', () => {
  it('sends the browser to the EHR’s authorization endpoint with aud, launch, minimal scope, state and PKCE S256', async () => {
    const { res, launchCookie } = await launch();
    expect(res.status).toBe(302);
    expect(launchCookie).toBeTruthy();
    const to = new URL(res.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`).toBe(`${sim.url}/smart/authorize`);
    expect(Object.fromEntries(to.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'sidecar-local',
      redirect_uri: `${PUBLIC}/launch/callback`,
      scope: 'launch',
      aud: sim.fhirBaseUrl,
      code_challenge_method: 'S256',
    });
    expect(to.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(to.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses an EHR that is not on the allowlist, and a request without a launch', async () => {
    expect((await app.request(`${PUBLIC}/launch?iss=${encodeURIComponent('https://evil.example/fhir')}&launch=abc`, { headers: { cookie: `sidecar_session=${session}` } })).status).toBe(403);
    expect((await app.request(`${PUBLIC}/launch?iss=${encodeURIComponent(sim.fhirBaseUrl)}`, { headers: { cookie: `sidecar_session=${session}` } })).status).toBe(400);
  });

  it('asks for Sidecar sign-in first, then comes back to the same launch', async () => {
    const { res } = await launch('');
    expect(res.status).toBe(302);
    const to = res.headers.get('location')!;
    expect(to).toMatch(/^\/auth\/login\?returnTo=/);
    expect(decodeURIComponent(to.split('returnTo=')[1]!)).toMatch(/^\/launch\?iss=.+&launch=/);
  });

  it('exchanges the code with the verifier (the EHR checks PKCE), once', async () => {
    const { res, launchCookie } = await launch();
    const authorized = await fetch(res.headers.get('location')!, { redirect: 'manual' });
    expect(authorized.status).toBe(302);
    const callback = authorized.headers.get('location')!;
    expect(callback.startsWith(`${PUBLIC}/launch/callback?`)).toBe(true);
    const cookie = `sidecar_session=${session}; sidecar_launch=${launchCookie}`;
    const done = await app.request(callback, { headers: { cookie } });
    // The exchange succeeded; this patient was never sent to Sidecar, so there is nothing to open.
    expect(done.status).toBe(404);
    expect(await done.text()).toContain('Not in Sidecar yet');
    // A replay of the same callback finds no launch in flight.
    expect((await app.request(callback, { headers: { cookie } })).status).toBe(400);
  });

  it('refuses a callback whose state does not match, or from another Sidecar user', async () => {
    const first = await launch();
    const callback = new URL((await fetch(first.res.headers.get('location')!, { redirect: 'manual' })).headers.get('location')!);
    callback.searchParams.set('state', 'forged');
    expect((await app.request(callback.href, { headers: { cookie: `sidecar_session=${session}; sidecar_launch=${first.launchCookie}` } })).status).toBe(400);

    const second = await launch();
    const callback2 = (await fetch(second.res.headers.get('location')!, { redirect: 'manual' })).headers.get('location')!;
    const riley = (await createSession(ctx, TEST_USERS.riley)).id;
    expect((await app.request(callback2, { headers: { cookie: `sidecar_session=${riley}; sidecar_launch=${second.launchCookie}` } })).status).toBe(401);
  });

  it('shows the EHR’s refusal, and fails visibly when the EHR is unreachable', async () => {
    const { res, launchCookie } = await launch();
    const state = new URL(res.headers.get('location')!).searchParams.get('state')!;
    const refused = await app.request(`${PUBLIC}/launch/callback?error=access_denied&state=${state}`, {
      headers: { cookie: `sidecar_session=${session}; sidecar_launch=${launchCookie}` },
    });
    expect(refused.status).toBe(403);

    const down = createConsoleApp({ ...ctx, config: { ...ctx.config, smartIssuers: [{ iss: 'http://127.0.0.1:9/fhir/R4', clientId: 'x', sourceId: 'ehr-sim' }] } }, noBuild);
    const res2 = await down.request(`${PUBLIC}/launch?iss=${encodeURIComponent('http://127.0.0.1:9/fhir/R4')}&launch=abc`, { headers: { cookie: `sidecar_session=${session}` } });
    expect(res2.status).toBe(503);
  });

  it('never puts patient data in the URLs it builds', async () => {
    const { res } = await launch();
    const to = res.headers.get('location')!;
    expect(to).not.toContain(sim.seed.patientIds[0]!);
  });
});
