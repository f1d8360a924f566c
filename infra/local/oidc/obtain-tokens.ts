import * as oidc from 'openid-client';
import { BrowserAgent, readForm, redirectTarget } from './browser-agent';

export interface ObtainTokensOptions {
  issuer: string;
  clientId: string;
  redirectUri: string;
  username: string;
  password: string;
  /** Default `openid profile email`. */
  scope?: string;
  /** The "browser" to sign in with; pass one to keep its provider session (e.g. to sign out after). */
  agent?: BrowserAgent;
}

export interface ObtainedTokens {
  /** RS256 JWT for the API audience: the bearer token for /api. */
  accessToken: string;
  idToken: string;
  refreshToken?: string;
  /** The validated ID token's claims. */
  claims: Record<string, unknown>;
}

const MAX_HOPS = 10;

/**
 * Signs in to an OpenID Connect provider the way the console does — authorization code with PKCE
 * (S256) and state, through the provider's own sign-in page — and returns the tokens. Drives the
 * pages over HTTP with a tiny cookie-keeping agent, captures the redirect back to `redirectUri`
 * without requesting it, then redeems the code with openid-client. For the local provider (plain
 * http on localhost is allowed): integration tests and `infra/scripts/token.ts` use it.
 * Throws on a refused sign-in or an error redirect, naming only the status or OAuth error code.
 */
export async function obtainTokens(options: ObtainTokensOptions): Promise<ObtainedTokens> {
  const agent = options.agent ?? new BrowserAgent();
  const config = await oidc.discovery(new URL(options.issuer), options.clientId, undefined, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
    timeout: 10,
  });
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const authorizationUrl = oidc.buildAuthorizationUrl(config, {
    redirect_uri: options.redirectUri,
    scope: options.scope ?? 'openid profile email',
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
  });

  const callback = new URL(options.redirectUri);
  const isCallback = (url: URL) => url.origin === callback.origin && url.pathname === callback.pathname;
  let response = await agent.request(authorizationUrl);
  let signedIn = false;
  for (let hop = 0; hop < MAX_HOPS; hop += 1) {
    const next = redirectTarget(response);
    if (next && isCallback(next)) {
      const tokens = await oidc.authorizationCodeGrant(config, next, { pkceCodeVerifier: codeVerifier, expectedState: state, idTokenExpected: true });
      if (!tokens.id_token) throw new Error('The provider returned no ID token');
      return {
        accessToken: tokens.access_token,
        idToken: tokens.id_token,
        ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
        claims: { ...tokens.claims() },
      };
    }
    if (next) {
      response = await agent.request(next);
      continue;
    }
    const html = await response.text();
    const form = response.status === 200 && !signedIn ? readForm(html, response.url, 'password') : undefined;
    if (!form) throw new Error(`Sign-in did not complete (HTTP ${response.status})`);
    signedIn = true;
    response = await agent.request(form.action, { form: { ...form.hidden, username: options.username, password: options.password } });
    if (response.status === 401) throw new Error('Sign-in refused: unknown username or password');
  }
  throw new Error('Sign-in did not complete (too many redirects)');
}
