import type { Page } from 'playwright-core';
import { apiFetch, ehr, eventually } from './support/api';
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

interface TaskRow {
  task: { id: string; type: string; team: string; status: string; links: { source?: { reference: string } } };
}

/** The post-discharge call the follow-up rule created for an Encounter (read as Nora, through the API). */
function postDischargeCall(encounter: string): Promise<TaskRow['task']> {
  return eventually(async () => {
    const res = await apiFetch(stack, 'nora', '/api/tasks?view=team&team=nurses&limit=100');
    if (res.status !== 200) throw new Error(`GET /api/tasks: HTTP ${res.status}`);
    const rows = ((await res.json()) as { rows: TaskRow[] }).rows;
    return rows.find((r) => r.task.type === 'post-discharge-call' && r.task.links.source?.reference === encounter)?.task;
  }, `the post-discharge call for ${encounter}`);
}

/** The "Tasks completed" figure the dashboard page shows. */
async function tasksCompleted(page: Page): Promise<number> {
  const text = await page.getByTestId('stat-tasks-completed-value').textContent();
  return Number(text);
}

/** Opens the dashboard and waits until the browser has drawn its charts. */
async function openDashboard(page: Page): Promise<void> {
  await page.goto(`${stack.baseUrl}/dashboard`);
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  // The chart's own surface (legend icons are recharts surfaces too).
  await page.locator('[data-testid="series-chart"] .recharts-wrapper > svg.recharts-surface').waitFor();
  await page.locator('[data-testid="queue-chart"] .recharts-wrapper > svg.recharts-surface').waitFor();
}

describe('a discharge becomes a nurse’s call, and the leads’ dashboard counts it', () => {
  it('discharge event → post-discharge call task → Nora claims and completes it → the dashboard counts one more, with charts', async () => {
    const browserErrors: string[] = [];
    const page = await browser.context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) browserErrors.push(msg.text());
    });
    page.on('pageerror', (error) => browserErrors.push(`page error: ${error.message}`));

    // Nora, on the nurses' team, leads it today: the dashboard before.
    await signIn(page, stack.baseUrl, 'nora', { path: '/dashboard' });
    await openDashboard(page);
    await expect(page.getByRole('link', { name: 'Dashboard', exact: true }).count()).resolves.toBe(1);
    const before = await tasksCompleted(page);

    // The hospital discharges a patient: the EHR simulator posts the finished inpatient Encounter.
    const discharge = (await ehr(stack, 'discharge')) as unknown as { resources: string[] };
    const encounter = discharge.resources.find((r) => r.startsWith('Encounter/'))!;
    const task = await postDischargeCall(encounter);
    expect(task).toEqual(expect.objectContaining({ team: 'nurses', status: 'ready' }));

    // Nora claims it from the team queue and completes it.
    await page.goto(`${stack.baseUrl}/work?view=team&team=nurses`);
    const row = page.locator(`tr[data-task-id="${task.id}"]`);
    await row.waitFor();
    await row.getByRole('button', { name: 'Claim', exact: true }).click();
    await page.getByText('You claimed the task').waitFor();
    await page.goto(`${stack.baseUrl}/tasks/${task.id}`);
    expect(await page.getByTestId('task-owner').textContent()).toBe('Nora Nurse');
    await page.getByRole('button', { name: 'Complete', exact: true }).click();
    await page.locator('[data-testid="task-status"][data-value="completed"]').waitFor();

    // The dashboard after: one more task completed, today, and the charts drawn.
    await openDashboard(page);
    expect(await tasksCompleted(page)).toBe(before + 1);
    const today = page.locator('[data-testid="per-day"] tbody tr').first();
    expect(Number(await today.locator('td').nth(2).textContent())).toBeGreaterThanOrEqual(1);
    const byType = page.getByTestId('tasks-by-type').getByRole('row', { name: /Post-discharge call/ });
    expect(Number(await byType.locator('td').nth(1).textContent())).toBeGreaterThanOrEqual(1);
    expect(browserErrors).toEqual([]);
    await page.close();
  });

  it('shows the same figures as tables without JavaScript (no chart is server-rendered)', async () => {
    const noJs = await openBrowser({ javaScriptEnabled: false });
    try {
      const page = await signIn(noJs.context, stack.baseUrl, 'casey', { path: '/dashboard' });
      await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
      // Without JavaScript no time-zone cookie is set: the page counts in UTC, as the API does by default.
      const api = (await (await apiFetch(stack, 'casey', '/api/dashboard')).json()) as { tasks: { completed: number } };
      expect(await tasksCompleted(page)).toBe(api.tasks.completed);
      await expect(page.getByRole('table', { name: 'Tasks by team' }).isVisible()).resolves.toBe(true);
      await expect(page.locator('svg.recharts-surface').count()).resolves.toBe(0);
      await expect(page.getByText('The charts are drawn in your browser').isVisible()).resolves.toBe(true);
    } finally {
      await noJs.close();
    }
  });

  it('is refused to an admin', async () => {
    expect((await apiFetch(stack, 'ada', '/api/dashboard')).status).toBe(403);
  });
});
