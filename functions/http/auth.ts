import { createMiddleware } from 'hono/factory';
import { userFromAccessToken } from '../../shared/auth/access-tokens';
import { allowedRoles, type PolicyTable } from '../../shared/auth/policy';
import type { AppContext } from '../../shared/context';
import { ForbiddenError, UnauthorizedError } from '../../shared/errors';
import { errorFields, logger } from '../../shared/logger';
import type { User } from '../../shared/users/directory';
import { AuditTrail } from './audit-trail';
import { type RequestMeta, requestMeta } from './request-meta';
import { errorBody } from './errors';

export type AuthVariables = { actor: User; audit: AuditTrail; meta: RequestMeta };

/** Request id and caller address for logs, errors and audit; echoed as `x-request-id`. */
export function withRequestMeta() {
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    const meta = requestMeta(c);
    c.set('meta', meta);
    await next();
    c.res.headers.set('x-request-id', meta.requestId);
  });
}

/**
 * The API's authentication: `Authorization: Bearer <access token>` verified against the issuer's
 * keys (aws-jwt-verify for Cognito, jose otherwise); anything else is a 401 with a
 * `WWW-Authenticate` challenge. Sets the actor and the request's audit trail.
 */
export function bearerAuth(ctx: AppContext) {
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer ([A-Za-z0-9._~+/=-]{1,8192})$/.exec(header);
    if (!match) {
      c.header('WWW-Authenticate', 'Bearer realm="sidecar"');
      throw new UnauthorizedError('A bearer access token is required');
    }
    try {
      c.set('actor', await userFromAccessToken(ctx.config, match[1]!, ctx.fetch));
    } catch (error) {
      if (error instanceof UnauthorizedError) c.header('WWW-Authenticate', 'Bearer realm="sidecar", error="invalid_token"');
      throw error;
    }
    c.set('audit', new AuditTrail(ctx, c.get('actor'), c.get('meta'), 'api'));
    await next();
  });
}

/**
 * Deny by default: the request's route must declare the actor's role in `table` (see
 * shared/auth/policy.ts) or it is refused with 403 — and the refusal is audited. After the
 * handler, the request's audit trail is written before the response leaves; if that write
 * fails, the response becomes a 500 (no unaudited reads).
 */
export function authorize(ctx: AppContext, table: PolicyTable) {
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    const actor = c.get('actor');
    const trail = c.get('audit');
    const roles = allowedRoles(table, c.req.method, c.req.path);
    if (!roles?.includes(actor.role)) {
      trail.add('denied', { resourceType: 'Route', resourceId: `${c.req.method} ${routeShape(c.req.path)}` });
      await trail.flush().catch((e: unknown) => logger.error('Audit write failed', errorFields(e)));
      throw new ForbiddenError(`The ${actor.role} role may not do this`);
    }
    await next();
    try {
      await trail.flush();
    } catch (error) {
      logger.error('Audit write failed; response withheld', errorFields(error));
      c.res = c.json(errorBody('internal', 'Something went wrong on our side; it has been logged', { requestId: c.get('meta').requestId }), 500);
    }
  });
}

/** A path with its ids replaced, for audit records of refused requests (no ids of records the caller may not see). */
export function routeShape(path: string): string {
  return path
    .split('/')
    .map((s) => (/^[0-9A-HJKMNP-TV-Z]{26}$/.test(s) || /^[A-Za-z0-9_-]{20,}$/.test(s) ? ':id' : s))
    .join('/')
    .slice(0, 200);
}
