import type { Context } from 'hono';
import { newId } from '../../shared/ids';

export interface RequestMeta {
  requestId: string;
  sourceIp: string;
}

type LambdaEnv = { event?: { requestContext?: { requestId?: string; http?: { sourceIp?: string } } } };
type NodeEnv = { incoming?: { socket?: { remoteAddress?: string } } };

/**
 * Request id and caller address from the runtime, never from client-supplied headers: API
 * Gateway's request context on Lambda (hono/aws-lambda passes the event as env), the socket
 * locally (@hono/node-server passes the IncomingMessage). `app.request()` in tests has neither.
 */
export function requestMeta(c: Context): RequestMeta {
  const env = (c.env ?? {}) as LambdaEnv & NodeEnv;
  const lambda = env.event?.requestContext;
  return {
    requestId: lambda?.requestId ?? newId(),
    sourceIp: lambda?.http?.sourceIp ?? env.incoming?.socket?.remoteAddress ?? 'unknown',
  };
}
