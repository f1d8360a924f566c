import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Config } from '../../shared/config/config';

/**
 * The console's two cookies, both httpOnly + SameSite=Lax, and Secure with the `__Host-` prefix
 * whenever the console is served over https (always on AWS): the session id, and the short-lived
 * id binding a sign-in or SMART launch in flight to this browser. Neither holds data.
 */
export const SESSION_COOKIE = 'sidecar_session';
export const HANDSHAKE_COOKIE = 'sidecar_handshake';

const secure = (config: Config) => config.publicUrl.startsWith('https://');

export function readCookie(c: Context, config: Config, name: string): string | undefined {
  return secure(config) ? getCookie(c, name, 'host') : getCookie(c, name);
}

export function writeCookie(c: Context, config: Config, name: string, value: string, maxAgeSeconds?: number): void {
  setCookie(c, name, value, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    ...(secure(config) ? { secure: true, prefix: 'host' as const } : {}),
    ...(maxAgeSeconds ? { maxAge: maxAgeSeconds } : {}),
  });
}

export function clearCookie(c: Context, config: Config, name: string): void {
  deleteCookie(c, name, { path: '/', ...(secure(config) ? { secure: true, prefix: 'host' as const } : {}) });
}
