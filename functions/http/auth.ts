import { createMiddleware } from 'hono/factory';
import type { AppContext } from '../../shared/context';
import { UnauthorizedError } from '../../shared/errors';
import { findUser, type User } from '../../shared/users/directory';

export type AuthVariables = { actor: User };

/**
 * The single auth middleware every API and console route passes through. Until sign-in (OIDC)
 * lands, it acts as the seeded user named by SIDECAR_DEV_USER (set by `npm start` only); with
 * no such user configured — the deployed default — every request is refused with 401.
 */
export function authenticate(ctx: AppContext) {
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    const user = ctx.config.devUser ? findUser(ctx.config.devUser) : undefined;
    if (!user) throw new UnauthorizedError('Sign-in required');
    c.set('actor', user);
    await next();
  });
}
