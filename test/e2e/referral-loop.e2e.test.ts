import type { Page } from 'playwright-core';
import { openBrowser } from './support/browser';
import { type RunningStack, startStack } from './support/stack';

let stack: RunningStack;
let browser: Awaited<ReturnType<typeof openBrowser>>;

beforeAll(async () => {
  stack = await startStack();
  browser = await openBrowser();
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

interface ScenarioResult {
  serviceRequestId: string;
  deliveries: { status: number }[];
}

/** Plays the EHR: the simulator changes its FHIR data and posts a signed webhook to Sidecar. */
async function ehr(scenario: string, body: Record<string, string> = {}): Promise<ScenarioResult> {
  const res = await fetch(`${stack.simUrl}/$sim/scenarios/${scenario}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const result = (await res.json()) as ScenarioResult;
  expect(res.status).toBe(200);
  expect(result.deliveries.map((d) => d.status)).toEqual([202]);
  return result;
}

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

interface Found {
  id: string;
  queue: string;
  priority: string;
}

/** The Sidecar referral for an EHR ServiceRequest, once the webhook has been processed (via the API). */
async function referralFor(serviceRequestId: string): Promise<Found> {
  return eventually(async () => {
    const res = await fetch(`${stack.baseUrl}/api/queue?status=requested,accepted,in-progress,on-hold,completed,cancelled&limit=100`);
    const page = (await res.json()) as { rows: { referral: Found & { serviceRequest?: { reference: string } } }[] };
    return page.rows.find((r) => r.referral.serviceRequest?.reference === `ServiceRequest/${serviceRequestId}`)?.referral;
  }, `the referral for ServiceRequest/${serviceRequestId}`);
}

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
    const found = await referralFor(created.serviceRequestId);
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
    await page.waitForLoadState('networkidle');
    await expect(page.getByText('Casey Coordinator', { exact: false }).first().isVisible()).resolves.toBe(true);
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
    const referralId = (await referralFor(created.serviceRequestId)).id;
    const noJs = await openBrowser({ javaScriptEnabled: false });
    try {
      const page = await noJs.context.newPage();
      await page.goto(`${stack.baseUrl}/referrals/${referralId}`);
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

  it('shows the inbound events the EHR sent', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${stack.baseUrl}/events`);
    await expect(page.getByText('DocumentReference').first().isVisible()).resolves.toBe(true);
    await page.close();
  });
});
