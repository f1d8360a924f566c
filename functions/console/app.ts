import { createRequestHandler, type ServerBuild } from '@remix-run/node';
import { Hono } from 'hono';
import type { AppContext } from '../../shared/context';
import { DomainError, HTTP_STATUS } from '../../shared/errors';
import { errorFields, logger } from '../../shared/logger';
import type { User } from '../../shared/users/directory';
import { type AuthVariables, authenticate } from '../http/auth';

/** What every Remix loader and action receives as `context`. */
export interface ConsoleLoadContext {
  ctx: AppContext;
  actor: User;
}

declare module '@remix-run/node' {
  interface AppLoadContext extends ConsoleLoadContext {}
}

function page(status: number, title: string, message: string): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} · Sidecar</title></head><body><main><h1>${title}</h1><p>${message}</p></main></body></html>`;
  return new Response(html, { status, headers: { 'content-type': 'text/html; charset=utf-8' } });
}

/**
 * The Remix console behind the single auth middleware: every page and form action runs with
 * the signed-in actor and the shared AppContext, and calls the same shared/ use-cases as the API.
 */
export function createConsoleApp(ctx: AppContext, build: ServerBuild, mode: 'production' | 'development' = 'production') {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.onError((error, c) => {
    if (error instanceof DomainError) {
      const status = HTTP_STATUS[error.code];
      return page(status, status === 401 ? 'Sign-in required' : 'Request refused', error.message);
    }
    logger.error('Console error', { path: c.req.path, ...errorFields(error) });
    return page(500, 'Something went wrong', 'The error has been logged. Try again, or go back to the queue.');
  });
  app.use('*', authenticate(ctx));
  const handle = createRequestHandler(build, mode);
  app.all('*', (c) => handle(c.req.raw, { ctx, actor: c.get('actor') }));
  return app;
}
