import { createHash } from 'node:crypto';
import { DEFAULT_LOCAL_PASSWORD, type LocalAccount } from './accounts';

/**
 * The embedded provider's HTML: sign-in, sign-out, signed-out and error pages. Every dynamic
 * value goes through `escapeHtml`; no page ever echoes a request parameter or what the user typed.
 * Each page carries a Content-Security-Policy that allows only its own inline style and (for the
 * sign-out page) its own inline script, by hash.
 */
export interface Page {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = [
  'body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1d21}',
  'main{max-width:26rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.2)}',
  'h1{font-size:1.4rem;margin-top:0}label{display:block;font-weight:600;margin:1rem 0 .25rem}',
  'input{box-sizing:border-box;width:100%;padding:.6rem;font-size:1rem;border:1px solid #6b7280;border-radius:.25rem}',
  'button{margin-top:1.5rem;width:100%;padding:.7rem;font-size:1rem;font-weight:600;color:#fff;background:#1d4ed8;border:0;border-radius:.25rem;cursor:pointer}',
  'button:focus-visible,input:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}',
  '.error{color:#991b1b;background:#fee2e2;padding:.6rem;border-radius:.25rem}',
  '.note{margin-top:2rem;font-size:.9rem;color:#374151}.note table{border-collapse:collapse}.note td,.note th{padding:.15rem .75rem .15rem 0;text-align:left}',
].join('');

const sha256Source = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

function page(options: { status: number; title: string; main: string; script?: string }): Page {
  const { status, title, main, script } = options;
  const csp = [
    "default-src 'none'",
    `style-src ${sha256Source(STYLE)}`,
    `script-src ${script ? sha256Source(script) : "'none'"}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const body = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · Sidecar (local)</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${main}
</main>${script ? `\n<script>${script}</script>` : ''}
</body>
</html>
`;
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': csp,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
    body,
  };
}

/** The generic message for a refused sign-in: the same whether the username or the password was wrong. */
export const SIGN_IN_FAILED = 'Unknown username or password';

/**
 * The sign-in form (POSTs username and password to `action`). With `failed` it is the 401
 * re-render: a generic alert and empty fields, never the username that was typed. The note lists
 * the seeded accounts: this provider exists only for local runs with synthetic staff.
 */
export function signInPage(options: { action: string; accounts: readonly LocalAccount[]; failed?: boolean }): Page {
  const { action, accounts, failed = false } = options;
  const rows = accounts
    .map((a) => `<tr><td><code>${escapeHtml(a.username)}</code></td><td>${escapeHtml(a.name)}</td><td>${escapeHtml(a.groups.join(', '))}</td></tr>`)
    .join('\n');
  const invalid = failed ? ' aria-invalid="true" aria-describedby="sign-in-error"' : '';
  const main = `<h1>Sign in to Sidecar (local)</h1>
${failed ? `<p id="sign-in-error" class="error" role="alert">${SIGN_IN_FAILED}</p>\n` : ''}<form method="post" action="${escapeHtml(action)}">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus${invalid}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${invalid}>
<button type="submit">Sign in</button>
</form>
<section class="note" aria-labelledby="accounts-heading">
<h2 id="accounts-heading">Local accounts</h2>
<p>This sign-in page exists only on a local run. Every account uses the same local password (<code>${escapeHtml(DEFAULT_LOCAL_PASSWORD)}</code> unless it was overridden).</p>
<table>
<thead><tr><th scope="col">Username</th><th scope="col">Name</th><th scope="col">Role</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</section>`;
  return page({ status: failed ? 401 : 200, title: 'Sign in', main });
}

/** Submits the sign-out form at once, so sign-out from the console stays one click. */
const AUTO_SIGN_OUT = "document.getElementById('sign-out').click();";

/**
 * The RP-initiated logout confirmation. `form` is oidc-provider's hidden form (its id is
 * `op.logoutForm`, carrying the xsrf token); the visible "Sign out" button submits it with
 * `logout=yes` (end the whole provider session). A hash-allowed inline script presses the button
 * on load, so a browser with JavaScript passes straight through; without it, one click.
 */
export function signOutPage(form: string): Page {
  const main = `<h1>Sign out of Sidecar (local)</h1>
<p>Signing you out…</p>
${form}
<button id="sign-out" type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>`;
  return page({ status: 200, title: 'Sign out', main, script: AUTO_SIGN_OUT });
}

/** Shown after a sign-out that named no post-logout redirect URI. */
export function signedOutPage(): Page {
  return page({ status: 200, title: 'Signed out', main: '<h1>You are signed out</h1>\n<p>You can close this page or sign in to Sidecar again.</p>' });
}

const ERROR_MESSAGES: Record<string, string> = {
  invalid_request: 'The sign-in request was not valid. Start again from Sidecar.',
  invalid_client: 'The application that sent you here is not registered with this sign-in service.',
  invalid_redirect_uri: 'The application asked to return you to an address it has not registered.',
  session_not_found: 'This sign-in page has expired. Start again from Sidecar.',
  access_denied: 'Access was denied.',
};

/**
 * An error page naming only the OAuth error code (a fixed token) and a fixed sentence for it;
 * never the error description, state or any other request parameter.
 */
export function errorPage(status: number, error: string): Page {
  const code = /^[a-z_]{1,64}$/.test(error) ? error : 'server_error';
  const message = ERROR_MESSAGES[code] ?? 'Something went wrong with sign-in. Start again from Sidecar.';
  const main = `<h1>Sign-in problem</h1>\n<p>${escapeHtml(message)}</p>\n<p><small>Error code: <code>${escapeHtml(code)}</code></small></p>`;
  return page({ status, title: 'Sign-in problem', main });
}
