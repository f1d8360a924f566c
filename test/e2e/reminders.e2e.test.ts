import type { Page } from 'playwright-core';
import { LOCAL_CONTROL_PATHS } from '../../infra/local/local-control';
import { apiFetch, ehr, eventually, referralFor } from './support/api';
import { type BrowserSession, closeBrowser, openBrowser } from './support/browser';
import { signIn } from './support/sign-in';
import { type RunningStack, startStack } from './support/stack';

/**
 * Patient reminders end to end, on a real `npm start` stack with its moved clock: the EHR books an
 * appointment by webhook → the patient's reminders are scheduled 72 h and 24 h before it → the
 * patient opts in to texts → when the first comes due the sweep sends it into the local outbox →
 * on the console's outbox page a coordinator replies STOP as the patient → the patient is opted
 * out (and told so, once) → when the second comes due it is skipped, never sent.
 */

/** A seeded patient with a mobile number the SMS stand-in delivers to (numbers ending 0001/0002 fail on purpose). */
const EHR_PATIENT = 'pt-005';
const PATIENT_NUMBER = '+15550100005';
/** The reminder sweep runs every 30 s; give it two ticks and the delivery event. */
const SWEEP_WAIT_MS = 75_000;
const HOUR = 3_600_000;

interface ReminderView {
  id: string;
  channel: 'sms' | 'email';
  offsetHours?: number;
  status: string;
  statusReason?: string;
  dueAt: string;
}

let stack: RunningStack;
let coordinator: BrowserSession;

beforeAll(async () => {
  stack = await startStack();
  coordinator = await openBrowser();
}, 150_000);

afterAll(async () => {
  await closeBrowser();
  await stack?.stop();
});

/** Moves the stack's clock (Sidecar's and the simulated hospital's) forward to `at`. */
async function moveClock(at: Date): Promise<void> {
  const res = await fetch(`${stack.baseUrl}${LOCAL_CONTROL_PATHS.clock}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ now: at.toISOString() }),
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 200) throw new Error(`Moving the clock: HTTP ${res.status} ${await res.text()}`);
}

async function remindersOf(patientId: string): Promise<ReminderView[]> {
  const res = await apiFetch(stack, 'casey', `/api/patients/${patientId}/reminders`);
  if (res.status !== 200) throw new Error(`GET reminders: HTTP ${res.status}`);
  return ((await res.json()) as { reminders: ReminderView[] }).reminders;
}

async function smsConsent(patientId: string): Promise<string> {
  const res = await apiFetch(stack, 'casey', `/api/patients/${patientId}/consent`);
  if (res.status !== 200) throw new Error(`GET consent: HTTP ${res.status}`);
  return ((await res.json()) as { channels: { sms: { status: string } } }).channels.sms.status;
}

/** The outbox rows (texts and replies) for the patient's number, as the page shows them. */
function rowsFor(page: Page, direction: 'outbound' | 'inbound') {
  return page.locator(`tr[data-testid="outbox-message"][data-channel="sms"][data-direction="${direction}"]`).filter({ hasText: PATIENT_NUMBER });
}

test('appointment booked by webhook → reminder in the outbox when due → reply STOP on /outbox → the next reminder is skipped', async () => {
  // A known daytime world: tomorrow 06:00 UTC (forward of now, whenever the test runs).
  const tomorrow = new Date(Date.now() + 24 * HOUR);
  const start = new Date(Date.UTC(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth(), tomorrow.getUTCDate(), 6));
  await moveClock(start);

  // The EHR orders a referral for the patient and books its appointment (signed webhooks).
  const { serviceRequestId } = await ehr(stack, 'new-referral', { patientId: EHR_PATIENT });
  const { patientId } = await referralFor(stack, serviceRequestId);
  await ehr(stack, 'appointment-booked', { serviceRequestId });
  const scheduled = await eventually(
    async () => {
      const sms = (await remindersOf(patientId)).filter((r) => r.channel === 'sms' && r.status === 'scheduled');
      return sms.length === 2 ? sms : undefined;
    },
    'the appointment’s two SMS reminders',
  );
  const first = scheduled.find((r) => r.offsetHours === 72)!;
  const second = scheduled.find((r) => r.offsetHours === 24)!;
  expect(Date.parse(second.dueAt) - Date.parse(first.dueAt)).toBe(48 * HOUR);

  // The patient agreed to texts (recorded by a coordinator, as the patient said on the phone).
  const optIn = await apiFetch(stack, 'casey', `/api/patients/${patientId}/consent`, { method: 'POST', json: { channel: 'sms', change: 'opt-in' } });
  expect(optIn.status).toBe(200);

  // Time passes to the afternoon of the first reminder's day (inside quiet hours in any US zone).
  await moveClock(new Date(Date.parse(first.dueAt) + 6 * HOUR));
  await eventually(
    async () => ((await remindersOf(patientId)).find((r) => r.id === first.id)?.status === 'delivered' ? true : undefined),
    'the first reminder sent and delivered',
    SWEEP_WAIT_MS,
    1_000,
  );
  expect((await remindersOf(patientId)).find((r) => r.id === second.id)?.status).toBe('scheduled');

  // The outbox page shows the text; the coordinator replies STOP as the patient.
  const page = await signIn(coordinator.context, stack.baseUrl, 'casey', { path: '/outbox' });
  expect(await page.title()).toBe('Outbox (local) · Sidecar');
  expect(await page.locator('nav[aria-label="Main"] a[href="/outbox"]').count()).toBe(1);
  const reminderRow = rowsFor(page, 'outbound').filter({ hasText: 'Reply STOP to opt out' });
  await expect(reminderRow.count()).resolves.toBe(1);
  // The text's link opens the patient's reminder page (remembered for after the opt-out).
  const link = /(http:\/\/127\.0\.0\.1:\d+\/r\/[0-9A-Z]{26})/.exec((await reminderRow.textContent()) ?? '')?.[1];
  expect(link).toBeDefined();
  await reminderRow.getByRole('button', { name: 'STOP', exact: true }).click();
  await page.getByText('Reply sent as the patient.').waitFor();

  await eventually(async () => ((await smsConsent(patientId)) === 'opted-out' ? true : undefined), 'the patient opted out of texts');
  // One confirmation, and the reply itself, on the page.
  await eventually(
    async () => {
      await page.reload();
      return (await rowsFor(page, 'inbound').filter({ hasText: 'STOP' }).count()) === 1 && (await rowsFor(page, 'outbound').count()) === 2 ? true : undefined;
    },
    'the STOP reply and its one confirmation in the outbox',
  );

  // The second reminder comes due: skipped for the opt-out, never sent.
  await moveClock(new Date(Date.parse(second.dueAt) + 6 * HOUR));
  const skipped = await eventually(
    async () => {
      const r = (await remindersOf(patientId)).find((x) => x.id === second.id);
      return r && r.status !== 'scheduled' ? r : undefined;
    },
    'the second reminder handled by the sweep',
    SWEEP_WAIT_MS,
    1_000,
  );
  expect({ status: skipped.status, reason: skipped.statusReason }).toEqual({ status: 'skipped', reason: 'opted-out' });

  // The patient opens the link from the text (no account, no sign-in): what and when, no referrer,
  // and a stop button that posts from the page itself (same origin) and confirms.
  const patient = await openBrowser();
  try {
    const reminderPage = await patient.context.newPage();
    const response = await reminderPage.goto(link!);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['referrer-policy']).toBe('no-referrer');
    expect(response?.headers()['cache-control']).toBe('no-store');
    await expect(reminderPage.locator('h1').textContent()).resolves.toMatch(/^(Reminder from|Recordatorio de) /);
    await expect(reminderPage.locator('body').textContent()).resolves.toMatch(/Your appointment is on|Su cita es el/);
    await reminderPage.getByRole('button', { name: /^(Stop SMS reminders|Dejar de recibir recordatorios por SMS)$/ }).click();
    await reminderPage.getByText(/You will no longer receive SMS reminders|Ya no recibirá recordatorios por SMS/).waitFor();
  } finally {
    await patient.close();
  }

  // Two days passed, so the coordinator's console session has ended; a nurse looks at the outbox:
  // still only the first reminder and the confirmation went to the patient.
  const nurse = await openBrowser();
  try {
    const nursePage = await signIn(nurse.context, stack.baseUrl, 'nora', { path: '/outbox' });
    await expect(rowsFor(nursePage, 'outbound').count()).resolves.toBe(2);
    await expect(rowsFor(nursePage, 'outbound').filter({ hasText: 'Reply STOP to opt out' }).count()).resolves.toBe(1);
  } finally {
    await nurse.close();
  }
});

test('the outbox is for staff who read reminders: an admin is refused and not offered the link', async () => {
  const admin = await openBrowser();
  try {
    const page = await signIn(admin.context, stack.baseUrl, 'ada');
    expect(await page.locator('nav[aria-label="Main"] a[href="/outbox"]').count()).toBe(0);
    const response = await page.goto(`${stack.baseUrl}/outbox`);
    expect(response?.status()).toBe(403);
  } finally {
    await admin.close();
  }
});

test('the local clock only moves forward and answers only its own origin', async () => {
  const back = await fetch(`${stack.baseUrl}${LOCAL_CONTROL_PATHS.clock}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ now: '2001-01-01T00:00:00Z' }),
  });
  expect(back.status).toBe(409);
  const form = await fetch(`${stack.baseUrl}${LOCAL_CONTROL_PATHS.clock}`, { method: 'POST', body: 'now=2099-01-01T00:00:00Z', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  expect(form.status).toBe(415);
});
