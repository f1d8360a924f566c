import { apiFetch, ehr, readReferral, referralFor } from './support/api';
import { type BrowserSession, closeBrowser, openBrowser } from './support/browser';
import { signIn } from './support/sign-in';
import { type RunningStack, startStack } from './support/stack';

/**
 * The patient page in a real browser: a coordinator sees the header (Open in EHR), referrals,
 * tasks, care plans and one timeline of all of it, newest first; a nurse sees the same patient
 * without referrals or any trace of them; an auditor gets no forms.
 */
let stack: RunningStack;
let browser: BrowserSession;
let patientId: string;
let referralId: string;
let nurseTaskId: string;
let coordTaskId: string;
let carePlanId: string;
const REFERRAL_NOTE = 'Cardiology asked for the echo report first';

async function created<T>(res: Promise<Response>): Promise<T> {
  const r = await res;
  if (r.status !== 201 && r.status !== 200) throw new Error(`HTTP ${r.status}: ${await r.text()}`);
  return (await r.json()) as T;
}

beforeAll(async () => {
  stack = await startStack();
  browser = await openBrowser();
  const found = await referralFor(stack, (await ehr(stack, 'new-referral')).serviceRequestId);
  patientId = found.patientId;
  referralId = found.id;
  nurseTaskId = (await created<{ id: string }>(apiFetch(stack, 'nora', '/api/tasks', { method: 'POST', json: { patientId, type: 'post-discharge-call' } }))).id;
  coordTaskId = (await created<{ id: string }>(apiFetch(stack, 'casey', '/api/tasks', { method: 'POST', json: { patientId, type: 'call-patient', dueAt: '2020-01-02T17:00:00Z' } }))).id;
  carePlanId = (
    await created<{ id: string }>(apiFetch(stack, 'nora', '/api/care-plans', { method: 'POST', json: { patientId, title: 'Heart failure follow-up', category: 'heart-failure' } }))
  ).id;
  const { version } = await readReferral(stack, referralId);
  await created(apiFetch(stack, 'casey', `/api/referrals/${referralId}/transitions`, { method: 'POST', json: { version, action: 'accept' } }));
  await created(apiFetch(stack, 'casey', `/api/referrals/${referralId}/notes`, { method: 'POST', json: { text: REFERRAL_NOTE } }));
}, 150_000);

afterAll(async () => {
  await closeBrowser();
  await stack?.stop();
});

describe('the patient page', () => {
  it('shows a coordinator the header, referrals, tasks, care plans and one timeline, newest first', async () => {
    const page = await signIn(browser.context, stack.baseUrl, 'casey', { path: `/patients/${patientId}` });
    await expect(page.title()).resolves.toBe('Patient · Sidecar');
    await expect(page.locator('h1').textContent()).resolves.not.toBe('Patient details pending from the EHR');
    const ehrLink = page.getByRole('link', { name: /Open in EHR/ });
    expect(await ehrLink.getAttribute('href')).toMatch(/\/Patient\/[^/]+$/);

    await expect(page.getByTestId('patient-referrals').locator(`a[href="/referrals/${referralId}"]`).count()).resolves.toBe(1);
    const tasks = page.getByTestId('patient-tasks');
    await expect(tasks.locator(`a[href="/tasks/${nurseTaskId}"]`).count()).resolves.toBe(1);
    const overdueRow = tasks.locator(`tr[data-task-id="${coordTaskId}"]`);
    await expect(overdueRow.getByText('Overdue').isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('patient-care-plans').locator(`tr[data-care-plan-id="${carePlanId}"]`).textContent()).resolves.toContain('Heart failure');

    const timeline = page.getByTestId('patient-timeline').locator('ol.timeline > li');
    await expect(timeline.first().textContent()).resolves.toContain(REFERRAL_NOTE);
    const types = await timeline.evaluateAll((items) => items.map((li) => li.getAttribute('data-item-type')));
    expect(new Set(types)).toEqual(new Set(['referral', 'task', 'care-plan']));
    const times = await timeline.locator('time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime') ?? ''));
    expect(times).toEqual([...times].sort().reverse());
    await timeline.first().getByRole('link', { name: /Cardiology|Referral/ }).click();
    await page.waitForURL(`**/referrals/${referralId}`);
    await page.close();
  });

  it('shows a nurse the same patient without referrals or any trace of them', async () => {
    const nurse = await openBrowser();
    try {
      const page = await signIn(nurse.context, stack.baseUrl, 'nora', { path: `/patients/${patientId}` });
      await expect(page.title()).resolves.toBe('Patient · Sidecar');
      await expect(page.getByTestId('patient-referrals').count()).resolves.toBe(0);
      await expect(page.getByTestId('patient-timeline').locator('li[data-item-type="referral"]').count()).resolves.toBe(0);
      await expect(page.getByTestId('patient-timeline').locator('li[data-item-type="task"]').count()).resolves.toBeGreaterThan(0);
      await expect(page.getByTestId('patient-tasks').locator(`tr[data-task-id="${nurseTaskId}"]`).count()).resolves.toBe(1);
      const html = await page.content();
      expect(html).not.toContain(REFERRAL_NOTE);
      expect(html).not.toContain(referralId);
    } finally {
      await nurse.close();
    }
  });

  it('gives an auditor the page to read, with no forms', async () => {
    const auditor = await openBrowser();
    try {
      const page = await signIn(auditor.context, stack.baseUrl, 'aubrey', { path: `/patients/${patientId}` });
      await expect(page.getByTestId('patient-referrals').count()).resolves.toBe(1);
      await expect(page.locator('main form[method="post"]').count()).resolves.toBe(0);
      await expect(page.getByRole('link', { name: 'New referral for this patient' }).count()).resolves.toBe(0);
    } finally {
      await auditor.close();
    }
  });
});
