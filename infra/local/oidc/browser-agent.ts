/**
 * Just enough of a browser to walk the local provider's pages over HTTP: fetch with manual
 * redirects and a cookie jar that honours each cookie's origin, path and deletion. Used by
 * `obtainTokens` and by tests that need one session across several requests (sign-in, then
 * RP-initiated logout). Not a general-purpose client: no Domain cookies, no redirect following.
 */
interface StoredCookie {
  origin: string;
  path: string;
  value: string;
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  const prefix = cookiePath.endsWith('/') ? cookiePath : `${cookiePath}/`;
  return requestPath.startsWith(prefix);
}

/** One `Set-Cookie` header: name, value, Path (default `/`) and whether it deletes the cookie. */
function parseSetCookie(header: string): { name: string; value: string; path: string; expired: boolean } | undefined {
  const [pair = '', ...attributes] = header.split(';');
  const eq = pair.indexOf('=');
  if (eq <= 0) return undefined;
  let path = '/';
  let expired = false;
  for (const attribute of attributes) {
    const [rawKey = '', ...rest] = attribute.split('=');
    const key = rawKey.trim().toLowerCase();
    const value = rest.join('=').trim();
    if (key === 'path' && value.startsWith('/')) path = value;
    if (key === 'max-age' && Number(value) <= 0) expired = true;
    if (key === 'expires' && Date.parse(value) <= Date.now()) expired = true;
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), path, expired };
}

export class BrowserAgent {
  readonly #cookies = new Map<string, StoredCookie & { name: string }>();

  /**
   * One request (GET, or POST of a urlencoded `form`), sending matching cookies and storing the
   * response's. Redirects are returned, not followed: read `location` and decide.
   */
  async request(url: string | URL, init: { form?: Record<string, string>; timeoutMs?: number } = {}): Promise<Response> {
    const target = new URL(url);
    const cookie = [...this.#cookies.values()]
      .filter((c) => c.origin === target.origin && pathMatches(target.pathname, c.path))
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
    const headers: Record<string, string> = { accept: 'text/html' };
    if (cookie) headers.cookie = cookie;
    const response = await fetch(target, {
      method: init.form ? 'POST' : 'GET',
      headers,
      ...(init.form ? { body: new URLSearchParams(init.form) } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(init.timeoutMs ?? 10_000),
    });
    for (const header of response.headers.getSetCookie()) {
      const parsed = parseSetCookie(header);
      if (!parsed) continue;
      const key = `${target.origin} ${parsed.path} ${parsed.name}`;
      if (parsed.expired) this.#cookies.delete(key);
      else this.#cookies.set(key, { origin: target.origin, path: parsed.path, name: parsed.name, value: parsed.value });
    }
    return response;
  }
}

/** The absolute URL a redirect response points to, or undefined when it is not a redirect. */
export function redirectTarget(response: Response): URL | undefined {
  const location = response.headers.get('location');
  return response.status >= 300 && response.status < 400 && location ? new URL(location, response.url) : undefined;
}

/** Decodes the few entities `escapeHtml` produces, for reading attribute values back out of a page. */
function unescapeHtml(value: string): string {
  return value.replace(/&#(\d+);|&amp;|&quot;|&lt;|&gt;/g, (entity, code: string | undefined) =>
    code ? String.fromCharCode(Number(code)) : ({ '&amp;': '&', '&quot;': '"', '&lt;': '<', '&gt;': '>' })[entity] ?? entity,
  );
}

/**
 * The first `<form>` of a page whose fields include `field`: its absolute action URL and its hidden
 * inputs. Enough for the provider's own sign-in and sign-out pages.
 */
export function readForm(html: string, baseUrl: string, field?: string): { action: URL; hidden: Record<string, string> } | undefined {
  for (const [form, attributes = '', inner = ''] of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    if (field && !new RegExp(`name="${field}"`).test(form)) continue;
    const action = /\baction="([^"]*)"/i.exec(attributes)?.[1];
    if (action === undefined) continue;
    const hidden: Record<string, string> = {};
    for (const [input] of inner.matchAll(/<input\b[^>]*>/gi)) {
      if (!/\btype="hidden"/i.test(input)) continue;
      const name = /\bname="([^"]*)"/i.exec(input)?.[1];
      const value = /\bvalue="([^"]*)"/i.exec(input)?.[1];
      if (name) hidden[unescapeHtml(name)] = unescapeHtml(value ?? '');
    }
    return { action: new URL(unescapeHtml(action), baseUrl), hidden };
  }
  return undefined;
}
