import { zonedLocalToIso } from '../../web/app/lib/time';
import { ehr, referralFor } from './support/api';
import { type BrowserSession, closeBrowser, openBrowser } from './support/browser';
import { signIn } from './support/sign-in';
import { type RunningStack, startStack } from './support/stack';

/**
 * Reminders and contact preferences on the patient page in a real browser: a coordinator
 * schedules an SMS reminder for tomorrow (in the zone they choose), sees it listed, records the
 * patient's opt-out (after confirming it) and sees it in the contact preferences and the
 * timeline; an auditor sees the same sections with no forms.
 */
let stack: RunningStack;
let browser: BrowserSession;
let patientId: string;
const ZONE = 'America/New_York';

/** Tomorrow at 10:00 in ZONE, as a `datetime-local` value. */
function tomorrowAtTen(): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  const [y, m, d] = parts.split('-').map(Number) as [number, number, number];
  return `${new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10)}T10:00`;
}

beforeAll(async () => {
  stack = await startStack();
  browser = await openBrowser();
  patientId = (await referralFor(stack, (await ehr(stack, 'new-referral')).serviceRequestId)).patientId;
}, 150_000);

afterAll(async () => {
  await closeBrowser();
  await stack?.stop();
});

describe('reminders and contact preferences on the patient page', () => {
  it('lets a coordinator schedule an SMS reminder for tomorrow and record an opt-out, each shown where it belongs', async () => {
    const page = await signIn(browser.context, stack.baseUrl, 'casey', { path: `/patients/${patientId}` });
    const reminders = page.getByTestId('patient-reminders');
    await expect(reminders.getByText('No reminders yet.').isVisible()).resolves.toBe(true);

    const local = tomorrowAtTen();
    await page.locator('#schedule-channel').selectOption('sms');
    await page.locator('#schedule-templateId').selectOption('appointment-reminder');
    await page.locator('#schedule-dueAt').fill(local);
    await page.locator('#schedule-timeZone').selectOption(ZONE);
    await page.getByRole('button', { name: 'Schedule reminder' }).click();
    await page.waitForURL('**/patients/*?done=reminder-scheduled');
    // The URL changes as the navigation commits; wait for the page to render its outcome.
    await page.getByRole('status').filter({ hasText: 'The reminder is scheduled' }).waitFor();
    await expect(page.getByRole('status').filter({ hasText: 'The reminder is scheduled' }).count()).resolves.toBe(1);

    const row = reminders.locator('tbody tr');
    await expect(row.count()).resolves.toBe(1);
    await expect(row.textContent()).resolves.toMatch(/Appointment reminder.*SMS.*Scheduled.*Casey Coordinator/);
    expect(await row.locator('time').first().getAttribute('datetime')).toBe(new Date(zonedLocalToIso(local, ZONE)).toISOString());
    await expect(row.getByRole('button', { name: 'Cancel reminder' }).count()).resolves.toBe(1);

    const consent = page.getByTestId('patient-consent');
    await expect(consent.locator('[data-channel="sms"]').textContent()).resolves.toContain('Not asked');
    const optOut = consent.locator('form', { has: page.getByRole('heading', { name: 'SMS: record an opt-out' }) });
    await optOut.getByRole('checkbox', { name: 'The patient asked to stop text (SMS) reminders' }).check();
    await optOut.getByRole('button', { name: 'Record opt-out' }).click();
    await page.waitForURL('**/patients/*?done=opt-out-recorded');

    const sms = consent.locator('[data-channel="sms"][data-status="opted-out"]');
    await sms.waitFor();
    expect(await sms.getAttribute('data-status')).toBe('opted-out');
    await expect(sms.textContent()).resolves.toMatch(/Opted out.*Since .*from staff in Sidecar/);
    await expect(consent.locator('[data-channel="email"]').textContent()).resolves.toContain('Not asked');
    // Opted out now: the form offered is the opt-in.
    await expect(consent.getByRole('button', { name: 'Record opt-out' }).count()).resolves.toBe(1);
    await expect(consent.getByRole('heading', { name: 'SMS: record an opt-in' }).count()).resolves.toBe(1);

    const timeline = page.getByTestId('patient-timeline');
    const consentEntry = timeline.locator('li[data-item-type="consent"]');
    await expect(consentEntry.count()).resolves.toBe(1);
    await expect(consentEntry.textContent()).resolves.toMatch(/Casey Coordinator.*Opted out.*SMS consent.*Source: staff in Sidecar/);
    await expect(timeline.locator('li[data-item-type="reminder"]').first().textContent()).resolves.toContain('Reminder scheduled');
    await page.close();
  });

  it('shows an auditor the reminders and contact preferences with no forms', async () => {
    const auditor = await openBrowser();
    try {
      const page = await signIn(auditor.context, stack.baseUrl, 'aubrey', { path: `/patients/${patientId}` });
      await expect(page.getByTestId('patient-reminders').locator('tbody tr').count()).resolves.toBe(1);
      await expect(page.getByTestId('patient-consent').locator('[data-channel="sms"]').textContent()).resolves.toContain('Opted out');
      await expect(page.locator('main form[method="post"]').count()).resolves.toBe(0);
      await expect(page.getByRole('button', { name: /Record opt|Cancel reminder|Schedule reminder/ }).count()).resolves.toBe(0);
    } finally {
      await auditor.close();
    }
  });
});
