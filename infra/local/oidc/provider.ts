import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import type Koa from 'koa';
import { errors, Provider, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { z } from 'zod';
import { errorFields, logger } from '../../../shared/logger';
import { LOOPBACK } from '../ports';
import { DEFAULT_LOCAL_PASSWORD, LOCAL_ACCOUNTS, type LocalAccount } from './accounts';
import { createMemoryAdapter } from './memory-adapter';
import { handleInteraction, INTERACTION_PATH, interactionUrl } from './interactions';
import { errorPage, signedOutPage, signOutPage, type Page } from './pages';

/** A first-party public client (the console, a test): authorization code + PKCE S256, no secret. */
export interface LocalOidcClient {
  clientId: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
}

export interface StartOidcProviderOptions {
  /** Port on 127.0.0.1; 0 (the default) lets the OS pick a free one. */
  port?: number;
  /** Host name in the issuer URL (`http://${host}:${port}`). Default `localhost`. */
  host?: string;
  clients: LocalOidcClient[];
  /** Who can sign in. Default LOCAL_ACCOUNTS. */
  accounts?: readonly LocalAccount[];
  /** The password every account shares. Default DEFAULT_LOCAL_PASSWORD. */
  password?: string;
  /** The API's audience: access tokens are RS256 JWTs for this resource indicator. */
  apiAudience: string;
  /** Name of the claim carrying the account's groups. Default `cognito:groups`, as on AWS. */
  groupsClaim?: string;
}

export interface LocalOidcProvider {
  /** e.g. `http://localhost:3002`; discovery at `${issuer}/.well-known/openid-configuration`. */
  issuer: string;
  port: number;
  /** Stops listening and closes open connections. Sessions and tokens live in memory and are lost. */
  close(): Promise<void>;
}

/** Fails fast on settings oidc-provider would otherwise reject on every request (a resource indicator must be an absolute URI). */
const ZStartOptions = z.object({
  port: z.number().int().min(0).max(65_535).default(0),
  host: z.string().regex(/^[a-z0-9.-]+$/i).default('localhost'),
  clients: z.array(z.object({ clientId: z.string().min(1), redirectUris: z.array(z.url()).min(1), postLogoutRedirectUris: z.array(z.url()) })).min(1),
  accounts: z.array(z.object({ sub: z.string().min(1), username: z.string().min(1), name: z.string(), email: z.string(), groups: z.array(z.string()) })).min(1).optional(),
  password: z.string().min(1).optional(),
  apiAudience: z.url(),
  groupsClaim: z.string().min(1).default('cognito:groups'),
});

const MINUTE = 60;
const TTL = { AccessToken: 15 * MINUTE, IdToken: 15 * MINUTE, Interaction: 10 * MINUTE, Session: 8 * 60 * MINUTE, Grant: 8 * 60 * MINUTE, RefreshToken: 8 * 60 * MINUTE };
const API_SCOPE = 'openid profile email';

function render(ctx: KoaContextWithOIDC, page: Page, status = page.status): void {
  ctx.status = status;
  ctx.set(page.headers);
  ctx.body = page.body;
}

/** A fresh RS256 signing key (private JWK with a kid) for this run; tokens do not survive a restart. */
async function signingKey() {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: `local-${randomBytes(6).toString('hex')}`, alg: 'RS256', use: 'sig' };
}

/** The oidc-provider configuration: Cognito-shaped claims, JWT access tokens for the API, own pages. */
function configuration(options: Required<Omit<StartOidcProviderOptions, 'port' | 'host'>>, jwk: Awaited<ReturnType<typeof signingKey>>): Configuration {
  const { accounts, apiAudience, groupsClaim } = options;
  const bySub = new Map(accounts.map((a) => [a.sub, a]));
  return {
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      redirect_uris: c.redirectUris,
      post_logout_redirect_uris: c.postLogoutRedirectUris,
      token_endpoint_auth_method: 'none',
      response_types: ['code'],
      grant_types: ['authorization_code', 'refresh_token'],
    })),
    adapter: createMemoryAdapter(),
    responseTypes: ['code'],
    clientAuthMethods: ['none'],
    // Every client is public, so PKCE is required for all; v9 accepts only the S256 method.
    pkce: { required: () => true },
    scopes: ['openid', 'profile', 'email'],
    // The groups claim rides on `openid`, so every ID token carries the role, as Cognito's does.
    claims: { openid: ['sub', groupsClaim], profile: ['name', 'preferred_username'], email: ['email'] },
    // Claims go in the ID token; the console reads them there (as with Cognito).
    conformIdTokenClaims: false,
    findAccount: (_ctx, sub) => {
      const account = bySub.get(sub);
      if (!account) return undefined;
      return {
        accountId: account.sub,
        claims: () => ({ sub: account.sub, name: account.name, preferred_username: account.username, email: account.email, [groupsClaim]: [...account.groups] }),
      };
    },
    extraTokenClaims: (_ctx, token) => {
      const account = 'accountId' in token && token.accountId ? bySub.get(token.accountId) : undefined;
      return account ? { [groupsClaim]: [...account.groups], name: account.name } : undefined;
    },
    // Like Cognito, a refresh token with every code exchange (offline_access is not needed).
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    jwks: { keys: [jwk] },
    // Cookies ignore ports: on localhost the console sees these too, so the names say whose they are.
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      names: { session: 'sidecar_idp_session', interaction: 'sidecar_idp_interaction', resume: 'sidecar_idp_resume' },
    },
    ttl: { ...TTL },
    interactions: { url: (_ctx, interaction) => interactionUrl(interaction.uid) },
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris?.some((uri) => URL.parse(uri)?.origin === origin) ?? false,
    features: {
      devInteractions: { enabled: false },
      // Not offered by Cognito either; one way in keeps the two runtimes alike.
      pushedAuthorizationRequests: { enabled: false },
      dPoP: { enabled: false },
      // The console reads claims from the ID token; access tokens are bound to the API audience,
      // which oidc-provider refuses at userinfo, so the endpoint would only mislead.
      userinfo: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // The console sends no `resource` parameter: every grant is for the API.
        defaultResource: () => apiAudience,
        // Token requests name no resource either: use the one granted. (With userinfo off oidc-provider
        // would do so anyway; this keeps API tokens JWTs should userinfo ever be turned on.)
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => {
          if (resourceIndicator !== apiAudience) throw new errors.InvalidTarget();
          return { scope: API_SCOPE, audience: apiAudience, accessTokenTTL: TTL.AccessToken, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => render(ctx, signOutPage(form)),
        postLogoutSuccessSource: (ctx) => render(ctx, signedOutPage()),
      },
    },
    // oidc-provider has already set the status; the page names only the error code.
    renderError: (ctx, out) => render(ctx, errorPage(ctx.status, out.error), ctx.status),
  };
}

function listen(server: ReturnType<typeof createServer>, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: LOOPBACK }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Starts the embedded OpenID Connect provider of local runs (Cognito's stand-in): one seeded
 * account per role, authorization code + PKCE (S256) for public clients, RS256 JWT access tokens
 * for `apiAudience` carrying `sub`, the groups claim, `name`, `client_id` and `scope`, and
 * RP-initiated logout. Listens on 127.0.0.1; the issuer is `http://${host}:${port}`. Keys,
 * sessions and tokens live in memory: a restart signs everyone out.
 */
export async function startOidcProvider(options: StartOidcProviderOptions): Promise<LocalOidcProvider> {
  const checked = ZStartOptions.parse(options);
  const settings = {
    clients: options.clients,
    accounts: options.accounts ?? LOCAL_ACCOUNTS,
    password: options.password ?? DEFAULT_LOCAL_PASSWORD,
    apiAudience: checked.apiAudience,
    groupsClaim: checked.groupsClaim,
  };
  const jwk = await signingKey();
  // The issuer names the port, so the server listens first and the provider is made after.
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end();
  };
  const server = createServer((req, res) => handle(req, res));
  const port = await listen(server, checked.port);
  const issuer = `http://${checked.host}:${port}`;

  try {
    const provider = new Provider(issuer, configuration(settings, jwk));
    // Koa logs unhandled errors to the console unless someone listens; route them to the logger.
    const app: Koa = provider;
    app.on('error', (error: unknown) => logger.error('Local OIDC provider error', errorFields(error)));
    provider.on('server_error', (_ctx: unknown, error: unknown) => logger.error('Local OIDC provider server error', errorFields(error)));
    const callback = provider.callback();
    handle = (req, res) => {
      const match = INTERACTION_PATH.exec((req.url ?? '/').split('?')[0] ?? '/');
      if (!match?.[1]) return void callback(req, res);
      void handleInteraction(provider, settings, req, res, { uid: match[1], login: match[2] !== undefined });
    };
  } catch (error) {
    server.close();
    throw error;
  }

  return {
    issuer,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
