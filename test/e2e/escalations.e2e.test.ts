import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoDbLocalClientConfig } from '../../infra/local/dynamodb';
import { loadConfig } from '../../shared/config/config';
import { ENV } from '../../shared/config/env-names';
import { createContext } from '../../shared/context';
import { sweepBreaches, type SweepBreachesResult } from '../../shared/sla/breach-sweep';
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

/**
 * Runs the SLA breach sweep now, against the running stack's DynamoDB Local (the endpoint its
 * start-up banner prints; table names as infra/local/start.ts gives them), instead of waiting for
 * the stack's one-minute timer. The same function the timer calls, on the same tables.
 */
async function sweepNow(): Promise<SweepBreachesResult> {
  const endpoint = /DynamoDB Local\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(stack.output())?.[1];
  if (!endpoint) throw new Error('The stack did not print its DynamoDB Local endpoint');
  const env: Record<string, string> = {
    [ENV.recordsTable]: 'sidecar-records',
    [ENV.inboxTable]: 'sidecar-inbox',
    [ENV.auditTable]: 'sidecar-audit',
    [ENV.eventBusName]: 'sidecar-local',
    [ENV.dynamoDbEndpoint]: endpoint,
  };
  const config = loadConfig(env as NodeJS.ProcessEnv);
  const db = DynamoDBDocumentClient.from(new DynamoDBClient(dynamoDbLocalClientConfig(endpoint)), { marshallOptions: { removeUndefinedValues: true } });
  try {
    return await sweepBreaches(createContext({ config, db }));
  } finally {
    db.destroy();
  }
}

/** A nurses' task for a patient Sidecar knows, due an hour ago (so the next sweep breaches it). */
async function overdueNurseTask(patientId: string): Promise<{ id: string }> {
  const res = await apiFetch(stack, 'nora', '/api/tasks', {
    method: 'POST',
    json: { patientId, type: 'post-discharge-call', priority: 'urgent', dueAt: new Date(Date.now() - 3_600_000).toISOString() },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string };
}

describe('escalations: a breached task is raised to the team’s leads', () => {
  it('a nurse sees it, acknowledges it, it moves to Acknowledged; a stale acknowledgement is refused; an auditor only reads', async () => {
    const created = await ehr(stack, 'new-referral');
    const { patientId } = await referralFor(stack, created.serviceRequestId);
    const [acked, stale, left] = [await overdueNurseTask(patientId), await overdueNurseTask(patientId), await overdueNurseTask(patientId)];
    // The stack's own timer may sweep first; either way each task has exactly one open escalation.
    await sweepNow();
    const raised = ((await (await apiFetch(stack, 'nora', '/api/escalations?team=nurses&limit=100')).json()) as { rows: { escalation: { itemId: string } }[] }).rows;
    for (const t of [acked, stale, left]) expect(raised.filter((r) => r.escalation.itemId === t.id)).toHaveLength(1);

    const page = await signIn(browser.context, stack.baseUrl, 'nora');
    await page.getByRole('link', { name: 'Escalations', exact: true }).click();
    await page.waitForURL('**/escalations**');
    const openCount = async () => Number(await page.getByTestId('open-count').getAttribute('data-value'));
    const before = await openCount();
    expect(before).toBeGreaterThanOrEqual(3);

    // Her team by default; each row links the work and the patient, and says how late it is.
    const row = page.locator(`tr[data-item-id="${acked.id}"]`);
    await row.waitFor();
    await expect(row.locator(`a[href="/tasks/${acked.id}"]`).textContent()).resolves.toBe('Post-discharge call');
    await expect(row.locator(`a[href="/patients/${patientId}"]`).count()).resolves.toBe(1);
    expect(await row.getByTestId('overdue-by').textContent()).toMatch(/\d+ h/);
    await expect(row.getByText('Nurses').count()).resolves.toBe(1);

    await row.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await page.getByText('Escalation acknowledged').waitFor();
    await expect(page.locator(`tr[data-item-id="${acked.id}"]`).count()).resolves.toBe(0);
    expect(await openCount()).toBe(before - 1);

    await page.getByTestId('tab-acknowledged').click();
    await page.waitForURL('**/escalations?status=acknowledged**');
    const done = page.locator(`tr[data-item-id="${acked.id}"]`);
    await done.waitFor();
    await expect(done.getByText('Nora Nurse').isVisible()).resolves.toBe(true);
    await expect(done.getByRole('button').count()).resolves.toBe(0);

    // Someone acknowledges an escalation after her page was loaded: her click is refused, clearly.
    await page.getByTestId('tab-open').click();
    await page.waitForURL('**/escalations?status=open**');
    const staleRow = page.locator(`tr[data-item-id="${stale.id}"]`);
    await staleRow.waitFor();
    const list = (await (await apiFetch(stack, 'nora', '/api/escalations?team=nurses&limit=100')).json()) as { rows: { escalation: { id: string; itemId: string; version: number } }[] };
    const target = list.rows.find((r) => r.escalation.itemId === stale.id)!.escalation;
    const first = await apiFetch(stack, 'nora', `/api/escalations/${target.id}/acknowledge`, { method: 'POST', json: { version: target.version } });
    expect(first.status).toBe(200);
    await staleRow.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await page.locator('#escalation-error').getByText('changed by someone else').waitFor();

    // The breached task's own page says so.
    await page.goto(`${stack.baseUrl}/tasks/${left.id}`);
    await expect(page.getByTestId('sla-breached').textContent()).resolves.toMatch(/SLA breached .* escalated/);
    await page.close();

    const auditor = await openBrowser();
    try {
      const view = await signIn(auditor.context, stack.baseUrl, 'aubrey', { path: '/escalations' });
      await view.locator(`tr[data-item-id="${left.id}"]`).waitFor();
      await expect(view.getByRole('button', { name: 'Acknowledge' }).count()).resolves.toBe(0);
      await view.getByTestId('tab-acknowledged').click();
      await view.locator(`tr[data-item-id="${acked.id}"]`).waitFor();
    } finally {
      await auditor.close();
    }
  });
});
