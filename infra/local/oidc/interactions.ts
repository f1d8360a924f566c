import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, type Provider } from 'oidc-provider';
import { z } from 'zod';
import { errorFields, logger } from '../../../shared/logger';
import { authenticateLocalAccount, type LocalAccount } from './accounts';
import { errorPage, signInPage, type Page } from './pages';

/**
 * The provider's own interaction routes (its development interactions stay off):
 *
 * - `GET  /interaction/:uid`       the sign-in page for a `login` prompt; a `consent` prompt is
 *   granted at once (every registered client is a first-party Sidecar app), as Cognito does.
 * - `POST /interaction/:uid/login` checks the username and password; 401 with a generic message.
 *
 * Served by a plain node:http wrapper in front of `provider.callback()`; oidc-provider binds an
 * interaction to its uid-scoped, signed `_interaction` cookie, checked by `interactionDetails`.
 */
export const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]{1,64})(\/login)?$/;

/** Where oidc-provider sends the browser for an interaction (the `interactions.url` setting). */
export const interactionUrl = (uid: string) => `/interaction/${uid}`;

const MAX_FORM_BYTES = 8 * 1024;

const ZSignInForm = z.object({ username: z.string().max(256), password: z.string().max(1024) });

const ZConsentDetails = z.object({
  missingOIDCScope: z.array(z.string()).optional(),
  missingOIDCClaims: z.array(z.string()).optional(),
  missingResourceScopes: z.record(z.string(), z.array(z.string())).optional(),
});

class FormTooLarge extends Error {}

function send(res: ServerResponse, { status, headers, body }: Page): void {
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Reads an application/x-www-form-urlencoded body of at most MAX_FORM_BYTES. */
async function readFormBody(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return new URLSearchParams();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new FormTooLarge();
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Grants what the consent prompt found missing (scopes, claims, resource scopes) and saves the grant. */
async function autoConsent(provider: Provider, interaction: Awaited<ReturnType<Provider['interactionDetails']>>): Promise<string> {
  const details = ZConsentDetails.parse(interaction.prompt.details);
  const accountId = interaction.session?.accountId;
  const clientId = interaction.params.client_id;
  if (!accountId || typeof clientId !== 'string') throw new errors.SessionNotFound('consent without a signed-in session');
  const grant = interaction.grantId ? await provider.Grant.find(interaction.grantId) : new provider.Grant({ accountId, clientId });
  if (!grant) throw new errors.SessionNotFound('grant not found');
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  return grant.save();
}

/**
 * Handles one request to an interaction route (the caller matched INTERACTION_PATH). Never echoes
 * what was typed; failures render the generic error page (unknown or expired interaction: 400).
 */
export async function handleInteraction(
  provider: Provider,
  options: { accounts: readonly LocalAccount[]; password: string },
  req: IncomingMessage,
  res: ServerResponse,
  match: { uid: string; login: boolean },
): Promise<void> {
  const method = match.login ? 'POST' : 'GET';
  if (req.method !== method) {
    res.setHeader('allow', method);
    return send(res, errorPage(405, 'invalid_request'));
  }
  try {
    const interaction = await provider.interactionDetails(req, res);
    if (interaction.uid !== match.uid) throw new errors.SessionNotFound('interaction uid mismatch');
    const prompt = interaction.prompt.name;
    const signInAction = `${interactionUrl(interaction.uid)}/login`;

    if (!match.login && prompt === 'login') return send(res, signInPage({ action: signInAction, accounts: options.accounts }));
    if (!match.login && prompt === 'consent') {
      const grantId = await autoConsent(provider, interaction);
      return await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }
    if (match.login && prompt === 'login') {
      const form = ZSignInForm.safeParse(Object.fromEntries(await readFormBody(req)));
      const account = form.success ? authenticateLocalAccount(options.accounts, options.password, form.data) : undefined;
      if (!account) return send(res, signInPage({ action: signInAction, accounts: options.accounts, failed: true }));
      return await provider.interactionFinished(req, res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
    }
    return send(res, errorPage(400, 'invalid_request'));
  } catch (error) {
    if (error instanceof FormTooLarge) {
      res.setHeader('connection', 'close');
      return send(res, errorPage(413, 'invalid_request'));
    }
    if (error instanceof errors.SessionNotFound) return send(res, errorPage(400, 'session_not_found'));
    logger.error('Local sign-in interaction failed', errorFields(error));
    if (!res.headersSent) send(res, errorPage(500, 'server_error'));
  }
}
