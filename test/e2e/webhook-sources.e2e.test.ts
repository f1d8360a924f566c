import type { Page } from 'playwright-core';
import { patient } from '../fixtures/fhir/builders';
import { eventually, postWebhook } from './support/api';
import { readAuditLog } from './support/audit';
import { type BrowserSession, closeBrowser, openBrowser } from './support/browser';
import { account, signIn } from './support/sign-in';
import { type RunningStack, startStack } from './support/stack';

/**
 * Webhook-source administration in the console: an administrator adds an EHR source (its secret
 * shown once), rotates the secret with an overlap, disables and enables it, and every step shows
 * in what Sidecar's webhook accepts and in the audit log. Coordinators cannot open the page.
 */
let stack: RunningStack;
let ada: BrowserSession;
let page: Page;

const SOURCE_ID = 'e2e-ehr';
/** A well-formed secret Sidecar never issued. */
const WRONG_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

beforeAll(async () => {
  stack = await startStack();
  ada = await openBrowser();
  page = await signIn(ada.context, stack.baseUrl, 'ada', { path: '/admin/sources' });
}, 150_000);

afterAll(async () => {
  await closeBrowser();
  await stack?.stop();
});

let patientCounter = 0;
/** A webhook carrying a new valid FHIR Patient each time (so none is a duplicate), signed with `secret`. */
async function sendPatient(secret: string): Promise<number> {
  patientCounter += 1;
  const res = await postWebhook(stack, SOURCE_ID, secret, patient(`e2e-patient-${patientCounter}`, new Date().toISOString()));
  return res.status;
}

/**
 * Sends webhooks signed with `secret` until one answers `status`. The webhook app caches a source
 * and its secrets for up to 30 s (shared/webhooks/sources.ts), so a change made in the console
 * may take that long to reach it; bounded at 40 s.
 */
async function webhookAnswers(secret: string, status: number): Promise<void> {
  let last = 0;
  await eventually(
    async () => {
      last = await sendPatient(secret);
      return last === status ? true : undefined;
    },
    `the webhook to answer ${status}`,
    40_000,
    2_000,
  ).catch((error: unknown) => {
    throw new Error(`${error instanceof Error ? error.message : error} (last answer: ${last})`);
  });
}

/** The secret the page shows once after a create or a rotation. */
async function shownSecret(): Promise<string> {
  const secret = (await page.getByTestId('new-secret').textContent())?.trim() ?? '';
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
  return secret;
}

async function sourceStatus(): Promise<string> {
  return (await page.getByTestId('source-status').textContent())?.trim() ?? '';
}

describe('an administrator manages an EHR webhook source', () => {
  let firstSecret: string;
  let secondSecret: string;

  it('adds a source: the secret is shown once, and a webhook signed with it is accepted', async () => {
    await page.locator('#source-id').fill(SOURCE_ID);
    await page.locator('#source-name').fill('E2E test EHR');
    await page.getByRole('button', { name: 'Add source', exact: true }).click();
    await page.getByTestId('new-secret').waitFor();
    firstSecret = await shownSecret();
    const row = page.locator(`[data-testid="source-row"][data-source-id="${SOURCE_ID}"]`);
    await row.waitFor();

    await page.reload();
    await row.waitFor();
    expect(await page.getByTestId('new-secret').count()).toBe(0);
    expect(await page.content()).not.toContain(firstSecret);

    expect(await sendPatient(firstSecret)).toBe(202);
    expect(await sendPatient(WRONG_SECRET)).toBe(401);
  });

  it('rotates the secret with a 15-minute overlap: the new secret is shown, old and new both verify', async () => {
    await page.goto(`${stack.baseUrl}/admin/sources`);
    await page.getByRole('link', { name: 'E2E test EHR', exact: true }).click();
    await page.waitForURL(`${stack.baseUrl}/admin/sources/${SOURCE_ID}`);
    // A client-side navigation: the URL can change a moment before the new page renders.
    await page.locator('h1', { hasText: `(${SOURCE_ID})` }).waitFor();
    await page.locator('#overlap').selectOption('15');
    await page.getByRole('button', { name: 'Rotate secret', exact: true }).click();
    await page.getByTestId('new-secret').waitFor();
    secondSecret = await shownSecret();
    expect(secondSecret).not.toBe(firstSecret);
    await page.getByText('Previous secret verifies until').waitFor();

    await webhookAnswers(secondSecret, 202);
    expect(await sendPatient(firstSecret)).toBe(202);
    expect(await sendPatient(WRONG_SECRET)).toBe(401);

    await page.reload();
    expect(await page.getByTestId('new-secret').count()).toBe(0);
  });

  it('disabling refuses the source’s webhooks (401); enabling accepts them again', async () => {
    await page.goto(`${stack.baseUrl}/admin/sources/${SOURCE_ID}`);
    const secret = secondSecret;
    expect(await sourceStatus()).toBe('Enabled');

    await page.getByRole('button', { name: 'Disable source', exact: true }).click();
    await page.getByTestId('source-status').filter({ hasText: /^Disabled/ }).waitFor();
    await webhookAnswers(secret, 401);

    await page.getByRole('button', { name: 'Enable source', exact: true }).click();
    await page.getByTestId('source-status').filter({ hasText: /^Enabled$/ }).waitFor();
    await webhookAnswers(secret, 202);
  });

  it('records the create, rotate, disable and enable in the audit log', async () => {
    const rows = await readAuditLog(page, stack.baseUrl, { user: account('ada').sub });
    const changes = rows
      .filter((r) => r.resource.includes(SOURCE_ID) && /webhook (source|secret)/i.test(r.action))
      .map((r) => r.action.split('\n')[0])
      .reverse();
    expect(changes).toEqual(['Created webhook source', 'Rotated webhook secret', 'Disabled webhook source', 'Enabled webhook source']);
  });
});

describe('a coordinator', () => {
  it('cannot open the EHR sources page', async () => {
    const casey = await openBrowser();
    try {
      const caseyPage = await signIn(casey.context, stack.baseUrl, 'casey');
      const response = await caseyPage.goto(`${stack.baseUrl}/admin/sources`);
      expect(response?.status()).toBe(403);
      await expect(caseyPage.title()).resolves.toBe('Not allowed · Sidecar');
      const post = await caseyPage.request.post(`${stack.baseUrl}/admin/sources`, { form: { id: 'casey-ehr', name: 'Not allowed' }, maxRedirects: 0 });
      expect(post.status()).toBe(403);
    } finally {
      await casey.close();
    }
  });
});
