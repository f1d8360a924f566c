import type { Page } from 'playwright-core';
import { apiFetch, ehr, referralFor } from './support/api';
import { type BrowserSession, closeBrowser, openBrowser } from './support/browser';
import { signIn } from './support/sign-in';
import { type RunningStack, startStack } from './support/stack';

/**
 * Care plans in the console, in a real browser: a nurse starts a plan from a template on a
 * patient's "start a care plan" page, works its goals and ends it; a coordinator reads it; a form
 * loaded before someone else's change is refused with a message.
 */
let stack: RunningStack;
let nurse: BrowserSession;
let patientId: string;

beforeAll(async () => {
  stack = await startStack();
  nurse = await openBrowser();
  patientId = (await referralFor(stack, (await ehr(stack, 'new-referral')).serviceRequestId)).patientId;
}, 150_000);

afterAll(async () => {
  await closeBrowser();
  await stack?.stop();
});

/** Fails the test on any uncaught script error in the page (a broken hydration, a CSP refusal of a script). */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** Starts a post-discharge plan for the patient as the signed-in nurse, returns its page's id. */
async function startPlan(page: Page): Promise<string> {
  await page.goto(`${stack.baseUrl}/patients/${patientId}/care-plans/new`);
  await page.getByLabel('Post-discharge transitional care').check();
  await page.getByRole('button', { name: 'Create care plan', exact: true }).click();
  await page.waitForURL(/\/care-plans\/[0-9A-Z]{26}\?/);
  return new URL(page.url()).pathname.split('/')[2]!;
}

describe('care plans in the console', () => {
  let planId: string;

  it('a nurse previews a template, applies it, and sees the plan’s goals and generated tasks', async () => {
    const page = await signIn(nurse.context, stack.baseUrl, 'nora', { path: `/patients/${patientId}/care-plans/new` });
    const errors = watchErrors(page);
    expect(await page.title()).toBe('Start a care plan · Sidecar');
    // What the template will create is on the page before anything is committed.
    const preview = page.getByTestId('template-post-discharge-transitional-care-tasks').locator('li');
    await expect(preview.count()).resolves.toBe(3);
    await expect(preview.first().textContent()).resolves.toContain('due day 2 after the start');

    planId = await startPlan(page);
    await page.getByText('The care plan was created. 3 tasks created.').waitFor();
    expect(await page.getByTestId('care-plan-status').getAttribute('data-value')).toBe('active');
    await expect(page.getByTestId('goal').count()).resolves.toBe(2);
    const tasks = page.getByTestId('plan-task');
    await expect(tasks.count()).resolves.toBe(3);
    await expect(tasks.locator('a[href^="/tasks/"]').count()).resolves.toBe(3);
    await expect(page.getByRole('link', { name: /Download as FHIR R4/ }).count()).resolves.toBe(1);
    await expect(page.getByRole('link', { name: '← Back to the patient' }).getAttribute('href')).resolves.toBe(`/patients/${patientId}`);

    // The goal is achieved.
    const goal = page.getByTestId('goal').first();
    await goal.getByLabel('Achievement').selectOption('achieved');
    await goal.getByRole('button', { name: 'Save goal', exact: true }).click();
    await page.getByText('The goal was updated.').waitFor();
    expect(await page.getByTestId('goal').first().getAttribute('data-achievement')).toBe('achieved');
    expect(errors).toEqual([]);
  });

  it('a coordinator sees the plan without any form', async () => {
    const coordinator = await openBrowser();
    try {
      const page = await signIn(coordinator.context, stack.baseUrl, 'casey', { path: `/care-plans/${planId}` });
      expect(await page.getByTestId('care-plan-status').getAttribute('data-value')).toBe('active');
      await expect(page.getByTestId('plan-task').count()).resolves.toBe(3);
      await expect(page.locator('form input[name="intent"]').count()).resolves.toBe(0);
      await expect(page.getByRole('button', { name: /Save goal|Revoke plan|Complete plan|Add activity|Remove activity/ }).count()).resolves.toBe(0);
    } finally {
      await coordinator.close();
    }
  });

  it('a form loaded before someone else changed the plan is refused with a clear message', async () => {
    const page = await nurse.context.newPage();
    await page.goto(`${stack.baseUrl}/care-plans/${planId}`);
    const plan = (await (await apiFetch(stack, 'nora', `/api/care-plans/${planId}`)).json()) as { carePlan: { version: number } };
    const changed = await apiFetch(stack, 'nora', `/api/care-plans/${planId}/revisions`, {
      method: 'POST',
      json: { version: plan.carePlan.version, title: 'Post-discharge transitional care (revised)' },
    });
    expect(changed.status).toBe(200);
    await page.getByRole('button', { name: 'Complete plan', exact: true }).click();
    await page.getByText('Someone changed this care plan after you opened it. Reload the page').first().waitFor();
    expect(await page.getByTestId('care-plan-status').getAttribute('data-value')).toBe('active');
    await page.close();
  });

  it('revoking the plan cancels its pending tasks, and the page says how many', async () => {
    const page = await nurse.context.newPage();
    await page.goto(`${stack.baseUrl}/care-plans/${planId}`);
    await page.getByLabel('Why it is withdrawn').fill('Patient moved to another practice');
    await page.getByRole('button', { name: 'Revoke plan', exact: true }).click();
    await page.getByText('The plan was revoked. 3 pending tasks cancelled.').waitFor();
    expect(await page.getByTestId('care-plan-status').getAttribute('data-value')).toBe('revoked');
    const statuses = await page.getByTestId('plan-task').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')));
    expect(statuses).toEqual(['cancelled', 'cancelled', 'cancelled']);
    await expect(page.getByRole('button', { name: /Save goal|Revoke plan|Add activity/ }).count()).resolves.toBe(0);
    await expect(page.getByTestId('care-plan-history').getByText('Patient moved to another practice').count()).resolves.toBe(1);
    await page.close();
  });
});
