import { OpenAPIHono } from '@hono/zod-openapi';
import type { AuthVariables } from './auth';
import { errorBody, zodIssues } from './errors';

export type ApiEnv = { Variables: AuthVariables };

/** An OpenAPI router whose validation failures answer in Sidecar's one error shape (400). */
export function newRouter(): OpenAPIHono<ApiEnv> {
  return new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        return c.json(errorBody('bad_request', 'The request is not valid', { issues: zodIssues(result.error) }), 400);
      }
      return undefined;
    },
  });
}
