import { apiFetch, ehr, referralFor } from './support/api';
import { type BrowserSession, closeBrowser, openBrowser } from './support/browser';
import { signIn } from './support/sign-in';
import { type RunningStack, startStack } from './support/stack';

let stack: RunningStack;
let browser: BrowserSession;

beforeAll(async () => {
  stack = await startStack();
  browser = await openBrowser();
}, 150_000);

afterAll(async () => {
  await closeBrowser();
  await stack?.stop();
});

/** A patient Sidecar knows: the one of a referral the EHR just sent. */
async function knownPatientId(): Promise<string> {
  const created = await ehr(stack, 'new-referral');
  return (await referralFor(stack, created.serviceRequestId)).patientId;
}

describe('a nurse works a task from the team queue to done', () => {
  it('team queue → claim → task page → attempt logged → completed → gone from My work', async () => {
    const patientId = await knownPatientId();
    const res = await apiFetch(stack, 'nora', '/api/tasks', { method: 'POST', json: { patientId, type: 'post-discharge-call', priority: 'urgent' } });
    expect(res.status).toBe(201);
    const task = (await res.json()) as { id: string; team: string; owner?: unknown };
    expect(task.team).toBe('nurses');
    expect(task.owner).toBeUndefined();

    // A nurse's start page is her work lists.
    const page = await signIn(browser.context, stack.baseUrl, 'nora');
    expect(new URL(page.url()).pathname).toBe('/work');
    await expect(page.getByRole('link', { name: 'Work', exact: true }).count()).resolves.toBe(1);

    await page.getByTestId('tab-team').click();
    await page.waitForURL('**/work?view=team**');
    const row = page.locator(`tr[data-task-id="${task.id}"]`);
    await row.waitFor();
    await expect(row.getByText('Unowned').isVisible()).resolves.toBe(true);
    await row.getByRole('button', { name: 'Claim', exact: true }).click();
    await page.getByText('You claimed the task').waitFor();
    await expect(row.getByText('Nora Nurse').isVisible()).resolves.toBe(true);
    await expect(row.getByRole('button', { name: 'Claim', exact: true }).count()).resolves.toBe(0);

    await page.getByTestId('tab-mine').click();
    await page.waitForURL('**/work?view=mine**');
    const mine = page.getByRole('table', { name: 'My work' });
    await mine.locator(`a[href="/tasks/${task.id}"]`).click();
    await page.waitForURL(`**/tasks/${task.id}**`);
    expect(await page.getByTestId('task-status').getAttribute('data-value')).toBe('ready');
    expect(await page.getByTestId('task-owner').textContent()).toBe('Nora Nurse');

    await page.getByLabel('Channel').selectOption('phone');
    await page.getByLabel('Outcome').selectOption('reached');
    await page.getByLabel('Attempt note').fill('Recovering well at home.');
    await page.getByRole('button', { name: 'Log attempt', exact: true }).click();
    await page.locator('[data-testid="attempts"] td[data-outcome="reached"]').waitFor();
    await expect(page.getByText('Recovering well at home.').first().isVisible()).resolves.toBe(true);

    await page.getByRole('button', { name: 'Complete', exact: true }).click();
    await page.locator('[data-testid="task-status"][data-value="completed"]').waitFor();
    // Closed work offers no more actions.
    await expect(page.getByRole('button', { name: 'Log attempt', exact: true }).count()).resolves.toBe(0);

    await page.goto(`${stack.baseUrl}/work?view=mine`);
    await page.getByRole('table', { name: 'My work' }).waitFor();
    await expect(page.locator(`tr[data-task-id="${task.id}"]`).count()).resolves.toBe(0);
    await page.close();
  });

  it('refuses a stale change with a message, and shows an auditor the task without forms', async () => {
    const patientId = await knownPatientId();
    const res = await apiFetch(stack, 'nora', '/api/tasks', { method: 'POST', json: { patientId, type: 'post-discharge-call' } });
    const task = (await res.json()) as { id: string; version: number };

    const page = await browser.context.newPage();
    await page.goto(`${stack.baseUrl}/tasks/${task.id}`);
    await page.getByRole('button', { name: 'Start', exact: true }).waitFor();
    // Someone else changes the task after the page was shown.
    const moved = await apiFetch(stack, 'nora', `/api/tasks/${task.id}/transitions`, { method: 'POST', json: { version: task.version, to: 'on-hold', reason: 'Patient readmitted' } });
    expect(moved.status).toBe(200);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.getByText('changed by someone else').first().waitFor();
    await page.close();

    const auditor = await openBrowser();
    try {
      const view = await signIn(auditor.context, stack.baseUrl, 'aubrey', { path: `/tasks/${task.id}` });
      expect(await view.getByTestId('task-status').getAttribute('data-value')).toBe('on-hold');
      await expect(view.getByRole('button').filter({ hasText: /Start|Resume|Complete|Add note|Log attempt/ }).count()).resolves.toBe(0);
    } finally {
      await auditor.close();
    }
  });

  it('a coordinator reassigns ticked tasks of the team queue at once, with an outcome per task', async () => {
    const patientId = await knownPatientId();
    const ids: string[] = [];
    for (const type of ['call-patient', 'obtain-records']) {
      const res = await apiFetch(stack, 'casey', '/api/tasks', { method: 'POST', json: { patientId, type } });
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as { id: string }).id);
    }
    const lead = await openBrowser();
    try {
      const page = await signIn(lead.context, stack.baseUrl, 'casey', { path: '/work?view=team&team=coordinators&ownership=unowned' });
      for (const id of ids) await page.locator(`tr[data-task-id="${id}"] input[type="checkbox"]`).check();
      await page.getByLabel('Give to').selectOption({ label: 'Casey Coordinator (me)' });
      await page.getByRole('button', { name: 'Reassign selected', exact: true }).click();
      const outcomes = page.getByTestId('reassign-outcomes');
      await outcomes.waitFor();
      await expect(outcomes.locator('li[data-outcome="reassigned"]').count()).resolves.toBe(2);
      await page.goto(`${stack.baseUrl}/work?view=mine`);
      for (const id of ids) await page.locator(`tr[data-task-id="${id}"]`).waitFor();
    } finally {
      await lead.close();
    }
  });
});
