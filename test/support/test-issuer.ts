import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import type { Role } from '../../shared/users/directory';

/** Staff used across tests, one per role (the local provider seeds the same people). */
export const TEST_USERS = {
  casey: { id: 'u-casey', name: 'Casey Coordinator', role: 'coordinator' },
  riley: { id: 'u-riley', name: 'Riley Coordinator', role: 'coordinator' },
  nora: { id: 'u-nora', name: 'Nora Nurse', role: 'nurse' },
  ada: { id: 'u-ada', name: 'Ada Admin', role: 'admin' },
  aubrey: { id: 'u-aubrey', name: 'Aubrey Auditor', role: 'auditor' },
} as const satisfies Record<string, { id: string; name: string; role: Role }>;

export const TEST_AUDIENCE = 'sidecar-api';

export interface TestIssuer {
  issuer: string;
  /** A signed RS256 access token for `user`, as an OIDC provider would issue; `claims` override. */
  tokenFor(user: { id: string; name: string; role: string }, claims?: Record<string, unknown>, options?: { expiresIn?: string; key?: 'issuer' | 'foreign' }): Promise<string>;
  close(): Promise<void>;
}

/**
 * A minimal token issuer for tests: a loopback HTTP server publishing OIDC discovery and a JWKS,
 * and signing access tokens with its key — so the API's real verification path (discovery,
 * remote JWKS, signature, issuer, audience, expiry) runs unchanged. A "foreign" key signs
 * tokens the JWKS does not know (forgery tests).
 */
export async function startTestIssuer(): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const foreign = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  let issuer = '';
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    } else if (req.url === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    async tokenFor(user, claims = {}, options = {}) {
      return new SignJWT({ name: user.name, 'cognito:groups': [user.role], scope: 'openid profile email', client_id: 'sidecar-console', ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .setIssuer(issuer)
        .setAudience(typeof claims.aud === 'string' ? claims.aud : TEST_AUDIENCE)
        .setSubject(user.id)
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '15m')
        .sign(options.key === 'foreign' ? foreign.privateKey : privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
