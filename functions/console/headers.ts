import type { Config } from '../../shared/config/config';

/**
 * The console's Content-Security-Policy: scripts only from this origin or carrying the
 * request's nonce (Remix's inline hydration scripts get it), no plugins, no base-tag tricks,
 * forms post only here (and to the IdP, which sign-out redirects to), and framing only by this
 * origin plus the EHR origins configured for embedded launch (SIDECAR_FRAME_ANCESTORS).
 */
export function contentSecurityPolicy(config: Config, nonce: string): string {
  const origin = (url: string | undefined) => (url ? new URL(url).origin : undefined);
  const formTargets = ["'self'", origin(config.oidc.issuer)].filter(Boolean).join(' ');
  const ancestors = ["'self'", ...config.frameAncestors.map((u) => new URL(u).origin)].join(' ');
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    `form-action ${formTargets}`,
    `frame-ancestors ${ancestors}`,
  ].join('; ');
}

/** Headers on every console response: PHI pages are never cached and never leak a referrer. */
export function applySecurityHeaders(headers: Headers, config: Config, nonce: string): void {
  headers.set('Content-Security-Policy', contentSecurityPolicy(config, nonce));
  headers.set('Cache-Control', 'private, no-store');
  headers.set('Referrer-Policy', 'same-origin');
  headers.set('X-Content-Type-Options', 'nosniff');
  if (config.frameAncestors.length === 0) headers.set('X-Frame-Options', 'SAMEORIGIN');
  else headers.delete('X-Frame-Options');
}
