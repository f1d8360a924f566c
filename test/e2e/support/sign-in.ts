import type { BrowserContext, Page } from 'playwright-core';
import { DEFAULT_LOCAL_PASSWORD, LOCAL_ACCOUNTS, type LocalAccount } from '../../../infra/local/oidc/accounts';
import type { Role } from '../../../shared/users/directory';

/** A seeded local account by username, with its Sidecar role (its one group). */
export function account(username: string): LocalAccount & { role: Role } {
  const found = LOCAL_ACCOUNTS.find((a) => a.username === username);
  if (!found) throw new Error(`No seeded account "${username}"`);
  return { ...found, role: found.groups[0] as Role };
}

/** True once the page is back on Sidecar after the sign-in round trip (not on /auth/*). */
function isOnSidecar(url: URL, baseUrl: string): boolean {
  return url.origin === new URL(baseUrl).origin && !url.pathname.startsWith('/auth/');
}

/** Types the credentials into the identity provider's sign-in page the page is showing and submits it. */
export async function submitSignInForm(page: Page, username: string, password: string): Promise<void> {
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('form button[type="submit"], form input[type="submit"]').first().click();
}

/**
 * Signs a browser in to Sidecar through the real sign-in round trip: opens `path` (default `/`,
 * the role's start page), is sent to the identity provider's page, types the seeded account's
 * username and password, and waits until the browser is back on Sidecar with its session cookie.
 * Given a context, opens a new page in it; returns the page, left on where Sidecar sent it.
 */
export async function signIn(
  target: BrowserContext | Page,
  baseUrl: string,
  username: string,
  options: { password?: string; path?: string } = {},
): Promise<Page> {
  const page = 'newPage' in target ? await target.newPage() : target;
  await page.goto(`${baseUrl}${options.path ?? '/'}`);
  if (isOnSidecar(new URL(page.url()), baseUrl)) throw new Error(`Expected the sign-in page, but ${page.url()} opened without signing in`);
  await submitSignInForm(page, username, options.password ?? DEFAULT_LOCAL_PASSWORD);
  await page.waitForURL((url) => isOnSidecar(url, baseUrl));
  return page;
}
