import * as oidc from 'openid-client';
import { z } from 'zod';
import type { Config } from '../config/config';
import type { AppContext } from '../context';
import { BadRequestError, UnauthorizedError, UnavailableError } from '../errors';
import { logger } from '../logger';
import type { User } from '../users/directory';
import { principalFromClaims } from './principal';
import { saveHandshake, takeHandshake } from './sessions';

/**
 * Staff sign-in with OpenID Connect, authorization code + PKCE S256 (openid-client). The same
 * code path serves Cognito on AWS and the embedded provider locally; only the issuer differs.
 */
export const CALLBACK_PATH = '/auth/callback';

const configs = new Map<string, Promise<oidc.Configuration>>();

function clientConfig(config: Config): Promise<oidc.Configuration> {
  const { issuer, clientId } = config.oidc;
  if (!issuer || !clientId) throw new UnavailableError('Sign-in is not configured');
  const cacheKey = `${issuer} ${clientId}`;
  let pending = configs.get(cacheKey);
  if (!pending) {
    pending = oidc
      .discovery(new URL(issuer), clientId, undefined, oidc.None(), {
        // http:// only for the embedded provider on a laptop; Cognito is always https.
        ...(issuer.startsWith('http://') ? { execute: [oidc.allowInsecureRequests] } : {}),
        timeout: 5,
      })
      .catch((error: unknown) => {
        configs.delete(cacheKey);
        logger.error('OIDC discovery failed', { reason: error instanceof Error ? error.name : 'unknown' });
        throw new UnavailableError('The identity provider is unavailable');
      });
    configs.set(cacheKey, pending);
  }
  return pending;
}

const ZSignInHandshake = z.object({ kind: z.literal('oidc'), state: z.string(), nonce: z.string(), verifier: z.string(), returnTo: z.string() });

/** Only same-origin paths are followed after sign-in (no open redirect). */
export function safeReturnTo(value: string | null | undefined): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || value.startsWith('/auth/')) return '/';
  return value.slice(0, 500);
}

/**
 * Starts a sign-in: records state, nonce and the PKCE verifier server-side under a random
 * handshake id (set as a short-lived cookie by the caller) and returns the IdP URL to visit.
 * `prompt=login` makes the IdP ask for credentials again after sign-out or an idle timeout.
 */
export async function beginSignIn(ctx: AppContext, returnTo: string): Promise<{ handshakeId: string; redirectTo: string }> {
  const client = await clientConfig(ctx.config);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const handshakeId = await saveHandshake(ctx, { kind: 'oidc', state, nonce, verifier, returnTo: safeReturnTo(returnTo) });
  const url = oidc.buildAuthorizationUrl(client, {
    redirect_uri: `${ctx.config.publicUrl}${CALLBACK_PATH}`,
    scope: 'openid profile email',
    response_type: 'code',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    prompt: 'login',
  });
  return { handshakeId, redirectTo: url.href };
}

/**
 * Finishes a sign-in from the IdP's redirect: takes the handshake (single use), checks state,
 * exchanges the code with the PKCE verifier, validates the ID token (issuer, audience, nonce,
 * signature) and maps its claims to a Sidecar user. The callback URL is rebuilt on the public
 * origin, never from the request's Host header.
 */
export async function completeSignIn(
  ctx: AppContext,
  handshakeId: string | undefined,
  search: string,
): Promise<{ user: User; idToken?: string; returnTo: string }> {
  const raw = await takeHandshake(ctx, handshakeId);
  const handshake = ZSignInHandshake.safeParse(raw);
  if (!handshake.success) throw new BadRequestError('This sign-in has expired or was already used; start again');
  const client = await clientConfig(ctx.config);
  const currentUrl = new URL(`${ctx.config.publicUrl}${CALLBACK_PATH}${search}`);
  let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
  try {
    tokens = await oidc.authorizationCodeGrant(client, currentUrl, {
      pkceCodeVerifier: handshake.data.verifier,
      expectedState: handshake.data.state,
      expectedNonce: handshake.data.nonce,
      idTokenExpected: true,
    });
  } catch (error) {
    logger.info('Sign-in refused', { reason: error instanceof Error ? error.name : 'unknown', code: (error as { code?: unknown }).code });
    throw new UnauthorizedError('Sign-in did not complete; start again');
  }
  const claims = tokens.claims();
  if (!claims) throw new UnauthorizedError('Sign-in did not complete; start again');
  const user = principalFromClaims(claims as Record<string, unknown>, ctx.config.oidc.groupsClaim);
  return { user, ...(tokens.id_token ? { idToken: tokens.id_token } : {}), returnTo: handshake.data.returnTo };
}

/** Where to send the browser after local sign-out: the IdP's end-session endpoint when it has one. */
export async function endSessionUrl(ctx: AppContext, idToken: string | undefined): Promise<string | undefined> {
  const client = await clientConfig(ctx.config).catch(() => undefined);
  if (!client?.serverMetadata().end_session_endpoint) return undefined;
  return oidc.buildEndSessionUrl(client, {
    post_logout_redirect_uri: `${ctx.config.publicUrl}/auth/signed-out`,
    ...(idToken ? { id_token_hint: idToken } : {}),
  }).href;
}
