import { Hono } from 'hono';
import { CSRF_FIELD } from '../../shared/auth/csrf';
import { csrfMatches, createSession, endSession, loadSession } from '../../shared/auth/sessions';
import { beginSignIn, completeSignIn, endSessionUrl, safeReturnTo } from '../../shared/auth/sign-in';
import type { AppContext } from '../../shared/context';
import { ForbiddenError } from '../../shared/errors';
import { logger } from '../../shared/logger';
import { recordSignIn } from '../../shared/users/directory';
import { AuditTrail } from '../http/audit-trail';
import type { AuthVariables } from '../http/auth';
import { clearCookie, HANDSHAKE_COOKIE, readCookie, SESSION_COOKIE, writeCookie } from './cookies';
import { page } from './page';

/**
 * /auth: sign-in (OIDC authorization code + PKCE), its callback, sign-out, and the signed-out page.
 * The only console routes reachable without a session.
 */
export function authRoutes(ctx: AppContext) {
  const app = new Hono<{ Variables: AuthVariables }>();

  app.get('/login', async (c) => {
    const { handshakeId, redirectTo } = await beginSignIn(ctx, safeReturnTo(c.req.query('returnTo')));
    writeCookie(c, ctx.config, HANDSHAKE_COOKIE, handshakeId, 600);
    return c.redirect(redirectTo, 302);
  });

  app.get('/callback', async (c) => {
    const search = new URL(c.req.url).search;
    const handshakeId = readCookie(c, ctx.config, HANDSHAKE_COOKIE);
    clearCookie(c, ctx.config, HANDSHAKE_COOKIE);
    let result: Awaited<ReturnType<typeof completeSignIn>>;
    try {
      result = await completeSignIn(ctx, handshakeId, search);
    } catch (error) {
      if (error instanceof ForbiddenError) {
        logger.info('Sign-in refused: no usable role');
        return page(403, 'No access to Sidecar', `${error.message}. Ask an administrator to add you to one Sidecar group.`, { href: '/auth/login', label: 'Try again' });
      }
      throw error;
    }
    const session = await createSession(ctx, result.user, result.idToken ? { idToken: result.idToken } : {});
    await recordSignIn(ctx, result.user);
    const trail = new AuditTrail(ctx, result.user, c.get('meta'), 'console');
    trail.add('sign-in', { resourceType: 'Session' });
    await trail.flush();
    writeCookie(c, ctx.config, SESSION_COOKIE, session.id);
    return c.redirect(result.returnTo, 303);
  });

  app.post('/logout', async (c) => {
    const cookie = readCookie(c, ctx.config, SESSION_COOKIE);
    const session = await loadSession(ctx, cookie);
    if (!session) {
      clearCookie(c, ctx.config, SESSION_COOKIE);
      return c.redirect('/auth/signed-out', 303);
    }
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    if (!csrfMatches(session, form[CSRF_FIELD])) {
      return page(403, 'This form has expired', 'Reload the page and try again. (The form was missing its security token.)');
    }
    await endSession(ctx, session.id);
    clearCookie(c, ctx.config, SESSION_COOKIE);
    const trail = new AuditTrail(ctx, session.user, c.get('meta'), 'console');
    trail.add('sign-out', { resourceType: 'Session' });
    await trail.flush();
    return c.redirect((await endSessionUrl(ctx, session.idToken)) ?? '/auth/signed-out', 303);
  });

  app.get('/signed-out', () =>
    page(200, 'Signed out', 'You are signed out of Sidecar. Close this window, or sign in again.', { href: '/auth/login', label: 'Sign in again' }),
  );

  return app;
}
