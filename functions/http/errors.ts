import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ZodError } from 'zod';
import { DomainError, HTTP_STATUS } from '../../shared/errors';
import { errorFields, logger } from '../../shared/logger';

/** The one error shape every Sidecar HTTP response uses. Never contains patient data. */
export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown>; issues?: { path: string; message: string }[]; requestId?: string };
}

/** zod issues as paths and messages (zod's messages name expectations, not the values received). */
export function zodIssues(error: ZodError): { path: string; message: string }[] {
  return error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message }));
}

export function errorBody(code: string, message: string, extra: Omit<ErrorBody['error'], 'code' | 'message'> = {}): ErrorBody {
  return { error: { code, message, ...extra } };
}

/**
 * Maps whatever a handler threw to HTTP, once, at the edge: domain errors to their status,
 * zod errors to 400 with paths, hono's own exceptions (e.g. body limit) to theirs, anything else
 * to a 500 that says nothing about internals.
 */
export function onError(error: Error, c: Context): Response {
  const requestId = c.req.header('x-request-id') ?? c.req.header('x-amzn-requestid');
  if (error instanceof DomainError) {
    const status = HTTP_STATUS[error.code];
    if (status >= 500) logger.warn('Dependency unavailable', { path: c.req.routePath, ...errorFields(error) });
    return c.json(errorBody(error.code, error.message, error.details ? { details: error.details } : {}), status as 400);
  }
  if (error instanceof ZodError) {
    return c.json(errorBody('bad_request', 'The request is not valid', { issues: zodIssues(error) }), 400);
  }
  if (error instanceof HTTPException) {
    const status = error.status;
    const code = status === 413 ? 'payload_too_large' : status === 401 ? 'unauthorized' : status === 404 ? 'not_found' : 'bad_request';
    return c.json(errorBody(code, status === 413 ? 'The request body is too large' : error.message || 'Bad request'), status);
  }
  logger.error('Unhandled error', { path: c.req.routePath, method: c.req.method, ...errorFields(error) });
  return c.json(errorBody('internal', 'Something went wrong on our side; it has been logged', requestId ? { requestId } : {}), 500);
}

export function notFound(c: Context): Response {
  return c.json(errorBody('not_found', 'No such route'), 404);
}
