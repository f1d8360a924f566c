import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import { z } from 'zod';
import type { Config } from '../config/config';
import { UnauthorizedError, UnavailableError } from '../errors';
import { logger } from '../logger';
import type { User } from '../users/directory';
import { principalFromClaims } from './principal';

type Claims = Record<string, unknown>;
type Verify = (token: string) => Promise<Claims>;

const ZDiscovery = z.object({ issuer: z.string(), jwks_uri: z.url() });

/**
 * Cognito (on AWS): aws-jwt-verify checks signature, issuer, `token_use: access` and `client_id`.
 * Any other issuer (the embedded provider locally): jose against the issuer's published JWKS,
 * requiring the API audience. Both cache the JWKS per container and refetch on an unknown `kid`.
 */
function createVerifier(config: Config, fetchImpl: typeof fetch): Verify {
  const { issuer, clientId, cognitoUserPoolId, apiAudience } = config.oidc;
  if (cognitoUserPoolId) {
    if (!clientId) throw new Error('Cognito token verification needs SIDECAR_OIDC_CLIENT_ID');
    const verifier = CognitoJwtVerifier.create({ userPoolId: cognitoUserPoolId, tokenUse: 'access', clientId });
    return async (token) => (await verifier.verify(token)) as unknown as Claims;
  }
  if (!issuer || !apiAudience) throw new Error('Bearer token verification needs SIDECAR_OIDC_ISSUER and SIDECAR_OIDC_API_AUDIENCE');
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  return async (token) => {
    if (!jwks) {
      const res = await fetchImpl(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5_000) });
      if (!res.ok) throw new UnavailableError('The identity provider is unavailable');
      const discovery = ZDiscovery.parse(await res.json());
      jwks = createRemoteJWKSet(new URL(discovery.jwks_uri), { timeoutDuration: 5_000 });
    }
    const { payload } = await jwtVerify(token, jwks, { issuer, audience: apiAudience, algorithms: ['RS256', 'ES256', 'PS256'], clockTolerance: 5 });
    return payload as Claims;
  };
}

const verifiers = new Map<Config, Verify>();

/**
 * The user a bearer access token speaks for, or 401 (bad, expired or foreign token) / 403 (no
 * Sidecar role). The token itself is never logged; only the failure's kind is.
 */
export async function userFromAccessToken(config: Config, token: string, fetchImpl: typeof fetch = fetch): Promise<User> {
  let verify = verifiers.get(config);
  if (!verify) {
    verify = createVerifier(config, fetchImpl);
    verifiers.set(config, verify);
  }
  let claims: Claims;
  try {
    claims = await verify(token);
  } catch (error) {
    if (error instanceof UnavailableError) throw error;
    if (error instanceof joseErrors.JWKSTimeout || (error instanceof joseErrors.JOSEError && error.code === 'ERR_JWKS_INVALID')) {
      throw new UnavailableError('The identity provider is unavailable');
    }
    logger.info('Bearer token refused', { reason: error instanceof Error ? error.name : 'unknown' });
    throw new UnauthorizedError('The access token is not valid');
  }
  return principalFromClaims(claims, config.oidc.groupsClaim);
}
