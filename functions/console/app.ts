import { randomBytes } from 'node:crypto';
import { createRequestHandler, type ServerBuild } from '@remix-run/node';
import { Hono } from 'hono';
import { CSRF_FIELD } from '../../shared/auth/csrf';
import { allowedRoles, CONSOLE_POLICY } from '../../shared/auth/policy';
import { csrfMatches, loadSession, type Session } from '../../shared/auth/sessions';
import type { AppContext } from '../../shared/context';
import { DomainError, HTTP_STATUS } from '../../shared/errors';
import { errorFields, logger } from '../../shared/logger';
import type { User } from '../../shared/users/directory';
import { AuditTrail } from '../http/audit-trail';
import { type AuthVariables, routeShape, withRequestMeta } from '../http/auth';
import { authRoutes } from './auth-routes';
import { readCookie, SESSION_COOKIE } from './cookies';
import { applySecurityHeaders } from './headers';
import { page } from './page';
import { reminderLinkRoutes } from './reminder-link';
import { launchRoutes } from './smart-launch';

/** What every Remix loader and action receives as `context`. */
export interface ConsoleLoadContext {
  ctx: AppContext;
  actor: User;
  /** Loaders and actions record what they read or changed; written before the response leaves. */
  audit: AuditTrail;
  /** The session's CSRF token, rendered into every form by <PostForm>. */
  csrf: string;
  /** This response's CSP nonce for Remix's inline scripts. */
  nonce: string;
}

declare module '@remix-run/node' {
  interface AppLoadContext extends ConsoleLoadContext {}
}

type ConsoleEnv = { Variables: AuthVariables & { nonce: string; session: Session } };

/** Remix's client navigations fetch loader data with `?_data=`; they follow this header, not a 302. */
function redirectTo(request: Request, location: string): Response {
  if (new URL(request.url).searchParams.has('_data')) {
    return new Response(null, { status: 204, headers: { 'X-Remix-Redirect': location, 'X-Remix-Status': '302' } });
  }
  return new Response(null, { status: 302, headers: { Location: location } });
}

/**
 * The Remix console. Sign-in, sign-out, SMART launch and the patients' public reminder pages
 * (`/r`, see reminder-link.ts) are plain routes here; every other page
 * and form action needs a live server-side session (idle timeout, absolute lifetime), a role its
 * policy allows (shared/auth/policy.ts, deny by default) and, for a POST, the session's CSRF token.
 * Loaders and actions call the same shared/ use-cases as the API and record what they touched in
 * the audit trail, which is written before the response leaves.
 */
export function createConsoleApp(ctx: AppContext, build: ServerBuild, mode: 'production' | 'development' = 'production') {
  const app = new Hono<ConsoleEnv>();
  app.onError((error, c) => {
    if (error instanceof DomainError) {
      const status = HTTP_STATUS[error.code];
      return page(status, status === 401 ? 'Sign-in required' : status === 403 ? 'Not allowed' : 'Request refused', error.message);
    }
    logger.error('Console error', { path: routeShape(c.req.path), ...errorFields(error) });
    return page(500, 'Something went wrong', 'The error has been logged. Try again, or go back to the queue.');
  });
  app.use('*', withRequestMeta());
  // Public patient pages with headers of their own: mounted before the console's headers and session check.
  app.route('/r', reminderLinkRoutes(ctx));
  app.use('*', async (c, next) => {
    const nonce = randomBytes(16).toString('base64');
    c.set('nonce', nonce);
    await next();
    applySecurityHeaders(c.res.headers, ctx.config, nonce);
  });
  app.route('/auth', authRoutes(ctx));
  app.route('/launch', launchRoutes(ctx));

  const handle = createRequestHandler(build, mode);
  app.all('*', async (c) => {
    const request = c.req.raw;
    const session = await loadSession(ctx, readCookie(c, ctx.config, SESSION_COOKIE));
    if (!session) {
      if (c.req.method === 'GET' || c.req.method === 'HEAD') {
        const url = new URL(request.url);
        url.searchParams.delete('_data');
        return redirectTo(request, `/auth/login?returnTo=${encodeURIComponent(url.pathname + url.search)}`);
      }
      return page(401, 'Your session has ended', 'Sign in again to continue; nothing was changed.', { href: '/auth/login', label: 'Sign in' });
    }
    const actor = session.user;
    const trail = new AuditTrail(ctx, actor, c.get('meta'), session.via === 'smart' ? 'smart' : 'console');
    const roles = allowedRoles(CONSOLE_POLICY, c.req.method, c.req.path);
    if (!roles?.includes(actor.role)) {
      trail.add('denied', { resourceType: 'Route', resourceId: `${c.req.method} ${routeShape(c.req.path)}` });
      await trail.flush().catch((e: unknown) => logger.error('Audit write failed', errorFields(e)));
      return page(403, 'Not allowed', `The ${actor.role} role cannot open this page or do this.`, { href: '/', label: 'Go to your start page' });
    }
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const type = c.req.header('content-type') ?? '';
      const form = /^(application\/x-www-form-urlencoded|multipart\/form-data)/.test(type) ? await request.clone().formData().catch(() => undefined) : undefined;
      if (!form || !csrfMatches(session, form.get(CSRF_FIELD))) {
        return page(403, 'This form has expired', 'Reload the page and try again. (The form was missing its security token.)');
      }
    }
    const response = await handle(request, { ctx, actor, audit: trail, csrf: session.csrf, nonce: c.get('nonce') });
    try {
      await trail.flush();
    } catch (error) {
      logger.error('Audit write failed; response withheld', errorFields(error));
      return page(500, 'Something went wrong', 'The error has been logged. Try again, or go back to the queue.');
    }
    return response;
  });
  return app;
}
