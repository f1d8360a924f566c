import type { BrowserContext, Frame, Page } from 'playwright-core';
import { ehr, type FoundReferral, referralFor, simServiceRequests } from './support/api';
import { type BrowserSession, closeBrowser, openBrowser } from './support/browser';
import { signIn, submitSignInForm } from './support/sign-in';
import { type RunningStack, startStack } from './support/stack';

/**
 * SMART App Launch from the simulated EHR's chart pages into Sidecar: in a new window and in the
 * EHR's panel (an iframe), from a referral or a patient, with Sidecar's own roles still applied
 * after the launch, and the refusals (an EHR not on the allowlist, a replayed callback).
 */
let stack: RunningStack;
/** Casey Coordinator's browser, signed in to Sidecar. */
let casey: BrowserSession;
/** The EHR's ServiceRequest and Patient ids, and the Sidecar referral made from them. */
let ehrIds: { serviceRequestId: string; patientId: string };
let referral: FoundReferral;

beforeAll(async () => {
  stack = await startStack();
  const { serviceRequestId } = await ehr(stack, 'new-referral');
  const inSim = (await simServiceRequests(stack)).find((sr) => sr.id === serviceRequestId);
  if (!inSim?.patientId) throw new Error(`The simulator does not list ServiceRequest/${serviceRequestId} with a patient`);
  ehrIds = { serviceRequestId, patientId: inSim.patientId };
  referral = await referralFor(stack, serviceRequestId);
  casey = await openBrowser();
  await (await signIn(casey.context, stack.baseUrl, 'casey')).close();
}, 150_000);

afterAll(async () => {
  await closeBrowser();
  await stack?.stop();
});

const chartUrl = (type: 'ServiceRequest' | 'Patient') => `${stack.simUrl}/ehr/${type}/${type === 'Patient' ? ehrIds.patientId : ehrIds.serviceRequestId}`;

/** Opens a chart page and clicks "Launch Sidecar", which opens a new window; returns that window. */
async function launchInNewWindow(context: BrowserContext, type: 'ServiceRequest' | 'Patient'): Promise<{ chart: Page; popup: Page }> {
  const chart = await context.newPage();
  await chart.goto(chartUrl(type));
  const [popup] = await Promise.all([context.waitForEvent('page'), chart.getByRole('link', { name: /^Launch Sidecar/ }).click()]);
  return { chart, popup };
}

/** Waits until `page` (or frame) shows a Sidecar page at `path`, and returns its document title. */
async function landedOn(target: Page | Frame, path: string): Promise<string> {
  await target.waitForURL(`${stack.baseUrl}${path}`);
  await target.waitForLoadState('load');
  return target.title();
}

describe('SMART launch from the EHR', () => {
  it('“Launch Sidecar” on a referral opens that referral in a new window; its callback cannot be replayed', async () => {
    const callbacks: string[] = [];
    const record = (request: { url(): string }) => {
      if (request.url().startsWith(`${stack.baseUrl}/launch/callback`)) callbacks.push(request.url());
    };
    casey.context.on('request', record);
    try {
      const { chart, popup } = await launchInNewWindow(casey.context, 'ServiceRequest');
      await expect(landedOn(popup, `/referrals/${referral.id}`)).resolves.toBe('Referral · Sidecar');
      await expect(popup.getByTestId('referral-status').getAttribute('data-value')).resolves.toBe(referral.status);
      expect(chart.url()).toBe(chartUrl('ServiceRequest')); // the chart stays where it was
      expect(callbacks).toHaveLength(1);

      const replay = await popup.goto(callbacks[0]!);
      expect(replay?.status()).toBe(400);
      await expect(popup.title()).resolves.toBe('Launch expired · Sidecar');
      await chart.close();
      await popup.close();
    } finally {
      casey.context.off('request', record);
    }
  });

  it('“Open Sidecar in panel” shows the referral inside the EHR page', async () => {
    const chart = await casey.context.newPage();
    await chart.goto(chartUrl('ServiceRequest'));
    await chart.getByRole('link', { name: 'Open Sidecar in panel' }).click();
    await chart.waitForURL(`${stack.simUrl}/ehr/**`);
    const frame = await (await chart.locator('iframe[title="Sidecar"]').elementHandle())!.contentFrame();
    await expect(landedOn(frame!, `/referrals/${referral.id}`)).resolves.toBe('Referral · Sidecar');
    const panel = chart.frameLocator('iframe[title="Sidecar"]');
    await expect(panel.getByTestId('referral-status').getAttribute('data-value')).resolves.toBe(referral.status);
    await expect(panel.getByTestId('current-user').textContent()).resolves.toBe('Casey Coordinator');
    await chart.close();
  });

  it('“Launch Sidecar” on a patient’s chart opens that patient', async () => {
    const { chart, popup } = await launchInNewWindow(casey.context, 'Patient');
    await expect(landedOn(popup, `/patients/${referral.patientId}`)).resolves.toBe('Patient · Sidecar');
    expect(await popup.locator(`a[href="/referrals/${referral.id}"]`).count()).toBeGreaterThan(0);
    await chart.close();
    await popup.close();
  });

  it('a browser not yet signed in to Sidecar signs in first, then lands on the launched referral', async () => {
    const fresh = await openBrowser();
    try {
      const { popup } = await launchInNewWindow(fresh.context, 'ServiceRequest');
      await popup.waitForURL((url) => url.origin === stack.oidcUrl);
      await submitSignInForm(popup, 'riley', stack.password);
      await expect(landedOn(popup, `/referrals/${referral.id}`)).resolves.toBe('Referral · Sidecar');
      await expect(popup.getByTestId('current-user').textContent()).resolves.toBe('Riley Coordinator');
    } finally {
      await fresh.close();
    }
  });

  it('keeps Sidecar’s roles: a nurse launched from a referral gets “Not allowed”, from the patient the patient', async () => {
    const nora = await openBrowser();
    try {
      await (await signIn(nora.context, stack.baseUrl, 'nora')).close();
      const fromReferral = await launchInNewWindow(nora.context, 'ServiceRequest');
      await expect(landedOn(fromReferral.popup, `/referrals/${referral.id}`)).resolves.toBe('Not allowed · Sidecar');
      await expect(fromReferral.popup.locator('h1').textContent()).resolves.toBe('Not allowed');

      const fromPatient = await launchInNewWindow(nora.context, 'Patient');
      await expect(landedOn(fromPatient.popup, `/patients/${referral.patientId}`)).resolves.toBe('Patient · Sidecar');
    } finally {
      await nora.close();
    }
  });

  it('refuses a launch from an EHR that is not on the allowlist, without sending the browser anywhere', async () => {
    const page = await casey.context.newPage();
    const outside: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(stack.baseUrl)) outside.push(r.url());
    });
    const response = await page.goto(`${stack.baseUrl}/launch?iss=${encodeURIComponent('https://evil.example/fhir')}&launch=x`);
    expect(response?.status()).toBe(403);
    expect(page.url()).toMatch(new RegExp(`^${stack.baseUrl}/launch\\?`));
    await expect(page.title()).resolves.toBe('Not allowed · Sidecar');
    expect(outside).toEqual([]);
    await page.close();
  });
});
