import type { Page } from 'playwright-core';
import { ehr as playEhr, eventually, referralFor } from './support/api';
import { type BrowserSession, closeBrowser, openBrowser } from './support/browser';
import { signIn } from './support/sign-in';
import { type RunningStack, startStack } from './support/stack';

let stack: RunningStack;
let browser: BrowserSession;

beforeAll(async () => {
  stack = await startStack();
  browser = await openBrowser();
  // The coordinator signs in once; every page of this context carries her session.
  await (await signIn(browser.context, stack.baseUrl, 'casey')).close();
}, 150_000);

afterAll(async () => {
  await closeBrowser();
  await stack?.stop();
});

const ehr = (scenario: string, body: Record<string, string> = {}) => playEhr(stack, scenario, body);

/** Reloads until the status element's machine-readable value (data-value) is `expected`. */
async function reloadUntil(page: Page, testId: string, expected: string): Promise<void> {
  await eventually(async () => {
    await page.reload();
    return (await page.getByTestId(testId).getAttribute('data-value')) === expected ? true : undefined;
  }, `${testId} to read ${expected}`);
}

describe('a care coordinator works a referral from the EHR until its loop is closed', () => {
  it('signed ServiceRequest webhook → queue → claim → appointment booked → consult note → loop closed', async () => {
    const created = await ehr('new-referral');
    const found = await referralFor(stack, created.serviceRequestId);
    const referralId = found.id;

    // The coordinator filters the queue to the referral's specialty and priority (a GET form).
    const page = await browser.context.newPage();
    await page.goto(`${stack.baseUrl}/queue?queue=${found.queue}&priority=${found.priority}`);
    const queue = page.getByRole('table', { name: 'Referral queue' });
    await expect(queue.isVisible()).resolves.toBe(true);
    const link = queue.locator(`a[href="/referrals/${referralId}"]`);
    await expect(link.count()).resolves.toBe(1);
    await link.click();
    await page.waitForURL(`**/referrals/${referralId}**`);
    expect(await page.getByTestId('referral-status').getAttribute('data-value')).toBe('requested');

    await page.getByRole('button', { name: 'Claim', exact: true }).click();
    // The page reloads its data after the action: wait (bounded) for the assignee to read Casey.
    await page.getByTestId('assignee').filter({ hasText: 'Casey Coordinator' }).waitFor();
    expect(await page.getByRole('button', { name: 'Claim', exact: true }).count()).toBe(0);

    await ehr('appointment-booked', { serviceRequestId: created.serviceRequestId });
    await reloadUntil(page, 'business-status', 'appointment-booked');
    expect(await page.getByTestId('referral-status').getAttribute('data-value')).toBe('in-progress');

    await ehr('consult-note', { serviceRequestId: created.serviceRequestId });
    await reloadUntil(page, 'referral-status', 'completed');
    expect(await page.getByTestId('business-status').getAttribute('data-value')).toBe('outcome-received');
    await expect(page.getByText('Loop closed').first().isVisible()).resolves.toBe(true);
    await page.close();
  });

  it('core actions work as plain HTML forms, without client JavaScript', async () => {
    const created = await ehr('new-referral');
    const referralId = (await referralFor(stack, created.serviceRequestId)).id;
    const noJs = await openBrowser({ javaScriptEnabled: false });
    try {
      // Signing in needs no JavaScript either: the provider's page is a plain form.
      const page = await signIn(noJs.context, stack.baseUrl, 'casey', { path: `/referrals/${referralId}` });
      expect(new URL(page.url()).pathname).toBe(`/referrals/${referralId}`);
      await page.getByRole('button', { name: 'Accept', exact: true }).click();
      await page.waitForLoadState('load');
      expect(await page.getByTestId('referral-status').getAttribute('data-value')).toBe('accepted');
      await page.getByRole('textbox', { name: /note/i }).last().fill('Spoke with the patient; prefers mornings.');
      await page.getByRole('button', { name: 'Add note', exact: true }).click();
      await page.waitForLoadState('load');
      await expect(page.getByText('Spoke with the patient; prefers mornings.').first().isVisible()).resolves.toBe(true);
    } finally {
      await noJs.close();
    }
  });

  it('shows the inbound events the EHR sent (to an administrator: integration pages are not for coordinators)', async () => {
    const admin = await openBrowser();
    try {
      const page = await signIn(admin.context, stack.baseUrl, 'ada', { path: '/events' });
      expect(new URL(page.url()).pathname).toBe('/events');
      await expect(page.getByText('DocumentReference').first().isVisible()).resolves.toBe(true);
    } finally {
      await admin.close();
    }
  });
});
