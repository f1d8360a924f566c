import { PassThrough } from 'node:stream';
import { type AppLoadContext, createReadableStreamFromReadable, type EntryContext, type HandleDataRequestFunction, type HandleErrorFunction } from '@remix-run/node';
import { RemixServer } from '@remix-run/react';
import { renderToPipeableStream } from 'react-dom/server';
import { errorFields, logger } from '../../shared/logger';

const ABORT_DELAY_MS = 5_000;

/**
 * Pages hold PHI: never cached by the browser, a proxy or CloudFront. The Content-Security-Policy
 * (with this response's script nonce and the configured frame-ancestors) is set by the console's
 * edge, functions/console/headers.ts, on every response.
 */
function secure(headers: Headers): Headers {
  headers.set('Cache-Control', 'private, no-store');
  headers.set('Referrer-Policy', 'same-origin');
  headers.set('X-Content-Type-Options', 'nosniff');
  return headers;
}

/**
 * Renders the whole document before answering (no deferred data, so nothing to stream), the same
 * for browsers and bots, then applies the headers above.
 */
export default function handleRequest(
  request: Request,
  status: number,
  headers: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    let rendered = false;
    const { pipe, abort } = renderToPipeableStream(<RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY_MS} nonce={loadContext.nonce} />, {
      nonce: loadContext.nonce,
      onAllReady() {
        rendered = true;
        const body = new PassThrough();
        headers.set('Content-Type', 'text/html; charset=utf-8');
        resolve(new Response(createReadableStreamFromReadable(body), { headers: secure(headers), status }));
        pipe(body);
      },
      onShellError(error: unknown) {
        reject(error);
      },
      onError(error: unknown) {
        status = 500;
        // Errors before the document is ready reject above and are logged by handleError.
        if (rendered) logger.error('Console render failed', errorFields(error));
      },
    });
    setTimeout(abort, ABORT_DELAY_MS);
  });
}

export const handleDataRequest: HandleDataRequestFunction = (response) => {
  secure(response.headers);
  return response;
};

/** Unexpected loader, action and render errors: logged as name and message only (never PHI). */
export const handleError: HandleErrorFunction = (error, { request }) => {
  if (request.signal.aborted) return;
  logger.error('Console request failed', { method: request.method, path: new URL(request.url).pathname, ...errorFields(error) });
};
