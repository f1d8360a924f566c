import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { z } from 'zod';
import { logger } from '../../../shared/logger';
import { SMART_PATHS, type LaunchMode } from './catalogue';
import { errorPage } from './chart-app';
import { SingleUseStore } from './single-use-store';

/**
 * The simulated EHR's SMART App Launch 2.x authorization server, for the EHR launch of a public
 * client with PKCE: discovery (`{fhirBase}/.well-known/smart-configuration`), launch contexts,
 * `/smart/authorize` (auto-approved as the clinician signed in to the EHR), `/smart/token` and the
 * id_token signing keys at `/smart/jwks`. Everything lives in memory and is bounded. Launch ids,
 * codes and tokens are bearer secrets: never logged, and no error message quotes the request.
 */

const HTTP_URL = z.url({ protocol: /^https?$/ }).refine((url) => !url.includes('#'), 'must not have a fragment');

export const ZSmartOptions = z.object({
  /** The registered apps (public clients): redirect_uri must match one of a client's URIs exactly. */
  clients: z
    .array(
      z.object({
        clientId: z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/, 'letters, digits and ._~- (at most 128)'),
        redirectUris: z.array(HTTP_URL).min(1).max(20),
      }),
    )
    .min(1)
    .max(50)
    .refine((clients) => new Set(clients.map((c) => c.clientId)).size === clients.length, 'clientId must be unique'),
  /** The app's launch endpoint, e.g. http://localhost:3000/launch: the EHR opens it with `iss` and `launch`. */
  launchUrl: HTTP_URL,
});
export type SmartOptions = z.input<typeof ZSmartOptions>;

/** What a launch is bound to; the token response hands it to the app. */
export interface LaunchContext {
  patientId: string;
  serviceRequestId?: string;
  /** The clinician signed in to the EHR, who approves the authorization. */
  practitionerId: string;
  mode: LaunchMode;
}

/** The SMART configuration document (also served as the OpenID Connect discovery document). */
export interface SmartConfiguration {
  issuer: string;
  jwks_uri: string;
  authorization_endpoint: string;
  token_endpoint: string;
  grant_types_supported: string[];
  response_types_supported: string[];
  scopes_supported: string[];
  code_challenge_methods_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  id_token_signing_alg_values_supported: string[];
  subject_types_supported: string[];
  authorization_response_iss_parameter_supported: boolean;
  capabilities: string[];
}

export interface SmartTokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  patient: string;
  fhirContext?: { reference: string }[];
  need_patient_banner: boolean;
  id_token?: string;
}

export interface SmartAuthorizationServer {
  /** Serves the discovery documents; mount at the FHIR base (before the FHIR API). */
  discovery: Hono;
  /** Serves `/smart/authorize`, `/smart/token` and `/smart/jwks`; mount at the simulator's root. */
  app: Hono;
  /** The app's launch endpoint's origin (what an embedding page must allow to frame). */
  launchOrigin: string;
  /** Records a launch context for 5 minutes and returns the app's launch URL (`iss` and the opaque launch id only). */
  createLaunch(context: LaunchContext): string;
}

const LAUNCH_TTL_MS = 5 * 60_000;
const CODE_TTL_MS = 60_000;
const ACCESS_TOKEN_TTL_S = 3600;
const ID_TOKEN_TTL_S = 3600;
const STORE_CAPACITY = 1000;
const TOKEN_BODY_LIMIT = 16 * 1024;

/** The resource types the simulator's FHIR API serves, readable and searchable per patient or per user. */
const SCOPED_TYPES = ['*', 'Patient', 'ServiceRequest', 'Condition', 'Appointment', 'DocumentReference', 'Practitioner', 'Organization'];
export const SCOPES_SUPPORTED: readonly string[] = [
  'launch',
  'openid',
  'fhirUser',
  ...['patient', 'user'].flatMap((context) => SCOPED_TYPES.map((type) => `${context}/${type}.rs`)),
];

type AuthorizeError = 'invalid_request' | 'unsupported_response_type' | 'invalid_scope';
type TokenError = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type';

/** What an authorization code stands for until it is redeemed. */
interface Grant {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scopes: string[];
  nonce?: string;
  launch: LaunchContext;
}

const ZClientBinding = z.object({ client_id: z.string().min(1).max(128), redirect_uri: z.string().min(1).max(2048) });
const ZAuthorizeParams = z.object({
  response_type: z.string().max(64).optional(),
  state: z.string().min(1).max(1024).optional(),
  aud: z.string().max(2048).optional(),
  scope: z.string().max(4096).optional(),
  launch: z.string().max(256).optional(),
  code_challenge: z.string().max(256).optional(),
  code_challenge_method: z.string().max(64).optional(),
  nonce: z.string().max(1024).optional(),
});
const ZTokenRequest = z.object({
  grant_type: z.literal('authorization_code'),
  code: z.string().min(1).max(256),
  redirect_uri: z.string().min(1).max(2048),
  client_id: z.string().min(1).max(128),
  code_verifier: z.string().min(1).max(256),
});
/** RFC 7636: an S256 challenge is 32 bytes in base64url; a verifier is 43–128 unreserved characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** The parameters as an object, or undefined if any of them is repeated (RFC 6749 §3.1). */
function uniqueParams(params: URLSearchParams): Record<string, string> | undefined {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of params) {
    if (Object.hasOwn(out, name)) return undefined;
    out[name] = value;
  }
  return out;
}

/** The parameter's value if it occurs exactly once. */
function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  return values.length === 1 ? values[0] : undefined;
}

function redirectTo(redirectUri: string, params: Record<string, string | undefined>): Response {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return new Response(null, { status: 302, headers: { location: url.toString(), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } });
}

function tokenError(error: TokenError, description: string, status = 400): Response {
  return new Response(JSON.stringify({ error, error_description: description }), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache' },
  });
}

function pkceMatches(verifier: string, challenge: string): boolean {
  if (!CODE_VERIFIER.test(verifier)) return false;
  const computed = Buffer.from(createHash('sha256').update(verifier).digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

const randomToken = (): string => randomBytes(32).toString('base64url');

/**
 * Creates the authorization server (generating its RS256 id_token key) for an issuer known only
 * once the simulator listens, hence the getters. `clock` is the wall clock by default: codes,
 * launches and id_tokens must expire in real time whatever the simulated hospital's clock says.
 */
export async function createSmartAuthorizationServer(options: {
  smart: z.output<typeof ZSmartOptions>;
  /** The FHIR base URL: the `iss` of launches and id_tokens, and the required `aud`. */
  issuer: () => string;
  /** The simulator's URL, under which the authorization endpoints live. */
  origin: () => string;
  clock?: () => number;
}): Promise<SmartAuthorizationServer> {
  const { smart, issuer, origin, clock = Date.now } = options;
  const clients = new Map(smart.clients.map((client) => [client.clientId, new Set(client.redirectUris)]));
  const launches = new SingleUseStore<LaunchContext>({ ttlMs: LAUNCH_TTL_MS, capacity: STORE_CAPACITY, clock });
  const codes = new SingleUseStore<Grant>({ ttlMs: CODE_TTL_MS, capacity: STORE_CAPACITY, clock });

  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
  const exported = await exportJWK(publicKey);
  const publicJwk: JWK = { ...exported, kid: await calculateJwkThumbprint(exported), alg: 'RS256', use: 'sig' };

  const configuration = (): SmartConfiguration => ({
    issuer: issuer(),
    jwks_uri: `${origin()}${SMART_PATHS.jwks}`,
    authorization_endpoint: `${origin()}${SMART_PATHS.authorize}`,
    token_endpoint: `${origin()}${SMART_PATHS.token}`,
    grant_types_supported: ['authorization_code'],
    response_types_supported: ['code'],
    scopes_supported: [...SCOPES_SUPPORTED],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none'],
    id_token_signing_alg_values_supported: ['RS256'],
    subject_types_supported: ['public'],
    authorization_response_iss_parameter_supported: true,
    capabilities: ['launch-ehr', 'client-public', 'context-ehr-patient', 'permission-v2', 'sso-openid-connect'],
  });

  const discovery = new Hono();
  discovery.get(SMART_PATHS.configuration, (c) => c.json(configuration()));
  discovery.get(SMART_PATHS.openidConfiguration, (c) => c.json(configuration()));

  const app = new Hono();

  app.get(SMART_PATHS.authorize, (c) => {
    const query = new URL(c.req.url).searchParams;
    // An unregistered client or redirect_uri must never be redirected to (RFC 6749 §4.1.2.1).
    const binding = ZClientBinding.safeParse({ client_id: single(query, 'client_id'), redirect_uri: single(query, 'redirect_uri') });
    if (!binding.success || !clients.get(binding.data.client_id)?.has(binding.data.redirect_uri)) {
      logger.info('ehr-sim SMART authorization refused', { component: 'ehr-sim', error: 'unregistered_client_or_redirect_uri' });
      return errorPage(
        400,
        'App not registered',
        'The app that sent you here, or the address it asked to return to, is not registered with this EHR. Nothing was sent back to the app.',
      );
    }
    const { client_id: clientId, redirect_uri: redirectUri } = binding.data;
    const echoedState = ZAuthorizeParams.shape.state.safeParse(single(query, 'state')).data;
    const fail = (error: AuthorizeError, description: string) => {
      logger.info('ehr-sim SMART authorization refused', { component: 'ehr-sim', clientId, error });
      return redirectTo(redirectUri, { error, error_description: description, state: echoedState, iss: issuer() });
    };

    const unique = uniqueParams(query);
    if (!unique) return fail('invalid_request', 'A parameter was repeated');
    const parsed = ZAuthorizeParams.safeParse(unique);
    if (!parsed.success) return fail('invalid_request', 'A parameter is too long');
    const p = parsed.data;
    if (p.response_type === undefined) return fail('invalid_request', 'response_type is required');
    if (p.response_type !== 'code') return fail('unsupported_response_type', 'Only response_type=code is supported');
    if (p.state === undefined) return fail('invalid_request', 'state is required');
    if (p.aud !== issuer()) return fail('invalid_request', "aud must be this EHR's FHIR base URL");
    if (p.code_challenge_method !== 'S256') return fail('invalid_request', 'PKCE with code_challenge_method=S256 is required');
    if (p.code_challenge === undefined || !S256_CHALLENGE.test(p.code_challenge)) return fail('invalid_request', 'code_challenge must be an S256 challenge');
    const requested = (p.scope ?? '').split(' ').filter((s) => s !== '');
    if (!requested.includes('launch')) return fail('invalid_scope', 'An EHR launch requires the launch scope');
    // Taken last, so a request refused for another reason leaves the launch usable.
    const launch = p.launch === undefined ? undefined : launches.take(p.launch);
    if (!launch) return fail('invalid_request', 'launch is unknown, expired or already used');

    const scopes = [...new Set(requested.filter((s) => SCOPES_SUPPORTED.includes(s)))];
    const code = codes.put({
      clientId,
      redirectUri,
      codeChallenge: p.code_challenge,
      scopes,
      ...(p.nonce !== undefined ? { nonce: p.nonce } : {}),
      launch,
    });
    logger.info('ehr-sim SMART authorization granted', { component: 'ehr-sim', clientId, scopes: scopes.length });
    return redirectTo(redirectUri, { code, state: p.state, iss: issuer() });
  });

  app.post(
    SMART_PATHS.token,
    bodyLimit({ maxSize: TOKEN_BODY_LIMIT, onError: () => tokenError('invalid_request', 'The request body is too large', 413) }),
    async (c) => {
      const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/x-www-form-urlencoded') return tokenError('invalid_request', 'The body must be application/x-www-form-urlencoded');
      const params = uniqueParams(new URLSearchParams(await c.req.text()));
      if (!params) return tokenError('invalid_request', 'A parameter was repeated');
      if (params.grant_type === undefined) return tokenError('invalid_request', 'grant_type is required');
      if (params.grant_type !== 'authorization_code') return tokenError('unsupported_grant_type', 'Only grant_type=authorization_code is supported');
      const parsed = ZTokenRequest.safeParse(params);
      if (!parsed.success) return tokenError('invalid_request', 'code, redirect_uri, client_id and code_verifier are required');
      const request = parsed.data;
      if (!clients.has(request.client_id)) return tokenError('invalid_client', 'Unknown client');

      // Any redemption attempt uses the code up, a failed one included (RFC 6749 §4.1.2: single use).
      const grant = codes.take(request.code);
      if (!grant) return tokenError('invalid_grant', 'The authorization code is invalid, expired or already used');
      if (grant.clientId !== request.client_id || grant.redirectUri !== request.redirect_uri) {
        return tokenError('invalid_grant', 'The authorization code was issued to another client or redirect_uri');
      }
      if (!pkceMatches(request.code_verifier, grant.codeChallenge)) return tokenError('invalid_grant', 'code_verifier does not match the code_challenge');

      const body: SmartTokenResponse = {
        access_token: randomToken(),
        token_type: 'Bearer',
        expires_in: ACCESS_TOKEN_TTL_S,
        scope: grant.scopes.join(' '),
        patient: grant.launch.patientId,
        ...(grant.launch.serviceRequestId ? { fhirContext: [{ reference: `ServiceRequest/${grant.launch.serviceRequestId}` }] } : {}),
        // Embedded, the EHR's own banner sits above the app; in its own window the app must show one.
        need_patient_banner: grant.launch.mode === 'window',
      };
      if (grant.scopes.includes('openid') && grant.scopes.includes('fhirUser')) body.id_token = await idToken(grant);
      logger.info('ehr-sim SMART token issued', { component: 'ehr-sim', clientId: grant.clientId, idToken: body.id_token !== undefined });
      return new Response(JSON.stringify(body), {
        status: 200,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache' },
      });
    },
  );

  app.get(SMART_PATHS.jwks, (c) => c.json({ keys: [publicJwk] }));

  async function idToken(grant: Grant): Promise<string> {
    const now = Math.floor(clock() / 1000);
    const claims: Record<string, string> = { fhirUser: `${issuer()}/Practitioner/${grant.launch.practitionerId}` };
    if (grant.nonce !== undefined) claims.nonce = grant.nonce;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: publicJwk.kid ?? '', typ: 'JWT' })
      .setIssuer(issuer())
      .setAudience(grant.clientId)
      .setSubject(grant.launch.practitionerId)
      .setIssuedAt(now)
      .setExpirationTime(now + ID_TOKEN_TTL_S)
      .sign(privateKey);
  }

  return {
    discovery,
    app,
    launchOrigin: new URL(smart.launchUrl).origin,
    createLaunch(context) {
      const url = new URL(smart.launchUrl);
      url.searchParams.set('iss', issuer());
      url.searchParams.set('launch', launches.put(context));
      return url.toString();
    },
  };
}
