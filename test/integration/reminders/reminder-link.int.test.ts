/**
 * The patient's side of a reminder end to end: the page behind the link (`GET /r/:id`) and its
 * stop button (`POST /r/:id/stop`, also the RFC 8058 one-click target) through the real console
 * app (app.request), DynamoDB Local, the consent ledger, the send path (sendReminder) and the SES
 * stand-in. The application clock is injected.
 */
import { BadRequestException, SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { ServerBuild } from '@remix-run/node';
import { mockClient } from 'aws-sdk-client-mock';
import { createConsoleApp } from '../../../functions/console/app';
import { reminderLinkRoutes } from '../../../functions/console/reminder-link';
import type { EmailOutboxEntry, MessagingStandInEvent } from '../../../infra/local/messaging-outbox';
import { allowedRoles, CONSOLE_POLICY, CONSOLE_PUBLIC_ROUTES } from '../../../shared/auth/policy';
import { getConsent } from '../../../shared/consent/get-consent';
import { listConsentHistory } from '../../../shared/consent/list-consent-history';
import { recordConsentChange } from '../../../shared/consent/record-consent-change';
import type { ConsentChannel } from '../../../shared/consent/schema';
import type { AppContext } from '../../../shared/context';
import { newId } from '../../../shared/ids';
import { insertPatient } from '../../../shared/patients/repository';
import { cancelReminder } from '../../../shared/reminders/cancel-reminder';
import { createReminder, type CreateReminderInput } from '../../../shared/reminders/create-reminder';
import { getReminderRecord } from '../../../shared/reminders/repository';
import type { Reminder, ReminderChannel } from '../../../shared/reminders/schema';
import { sendReminder } from '../../../shared/reminders/send-reminder';
import { captureLogs } from '../../unit/messaging/support';
import { TEST_MESSAGING, useStack } from '../support/stack';

jest.setTimeout(60_000);

const stack = useStack();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** 10:00 in New York (EST); each test starts on a day of its own after it. */
const T0 = Date.parse('2027-02-10T15:00:00.000Z');
const CASEY = { id: 'u-casey', name: 'Casey Coordinator', role: 'coordinator' as const };
const ORG = TEST_MESSAGING.organizationName;
/** The console's origin in the stack's configuration (publicUrl). */
const ORIGIN = 'http://localhost:3000';

/** Just enough of a Remix build: reaching it (the console's catch-all) would answer "remix". */
const build = {
  mode: 'production',
  entry: { module: { default: async () => new Response('remix', { headers: { 'content-type': 'text/html' } }) } },
  routes: { root: { id: 'root', path: '', module: { default: () => null } } },
  assets: { url: '/assets/manifest.js', version: '1', entry: { module: '/assets/entry.js', imports: [] }, routes: {} },
  publicPath: '/',
  assetsBuildDirectory: 'build/client',
  future: {},
  isSpaMode: false,
} as unknown as ServerBuild;

let nowMs = T0;
let day = 0;
let ctx: AppContext;
let app: ReturnType<typeof createConsoleApp>;

beforeAll(() => {
  ctx = { ...stack.ctx, clock: { now: () => new Date(nowMs) } };
  app = createConsoleApp(ctx, build);
});

function newDay(): number {
  day += 7;
  nowMs = T0 + day * DAY;
  return nowMs;
}

let phones = 0;
const newPhone = () => `+1617555${String(2000 + phones++).padStart(4, '0')}`;

async function newPatient(options: { email?: string; timeZone?: string; language?: string; consent?: ConsentChannel[] } = {}): Promise<{ id: string; phone: string; email: string }> {
  const id = newId();
  const phone = newPhone();
  const email = options.email ?? `ana.lopez.${phones}@example.org`;
  const created = new Date(nowMs).toISOString();
  await insertPatient(ctx, {
    id,
    name: { text: 'Ana Lopez', given: ['Ana'], family: 'Lopez' },
    birthDate: '1961-04-02',
    phones: [{ value: phone, use: 'mobile' }],
    emails: [{ value: email, use: 'home' }],
    timeZone: options.timeZone ?? 'America/New_York',
    ...(options.language ? { language: options.language } : {}),
    pending: false,
    version: 1,
    createdAt: created,
    updatedAt: created,
  });
  for (const channel of options.consent ?? ['sms', 'email']) {
    await recordConsentChange(ctx, { patientId: id, channel, change: 'opt-in', source: 'console', actor: { id: CASEY.id, name: CASEY.name }, at: new Date(nowMs - DAY).toISOString() });
  }
  return { id, phone, email };
}

async function schedule(patientId: string, channel: ReminderChannel, dueAt: number, input: Partial<CreateReminderInput> = {}): Promise<Reminder> {
  const saved = nowMs;
  nowMs = Math.min(nowMs, dueAt);
  try {
    return (await createReminder(ctx, { actor: CASEY, input: { patientId, channel, templateId: 'follow-up-reminder', dueAt: new Date(dueAt).toISOString(), ...input } })).reminder;
  } finally {
    nowMs = saved;
  }
}

const page = (id: string) => app.request(`${ORIGIN}/r/${id}`);
/** The page's own form as a browser posts it: same-origin, and `Origin: null` because the page is no-referrer. */
const stopFromPage = (id: string) =>
  app.request(`${ORIGIN}/r/${id}/stop`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', origin: 'null' }, body: '' });
/** A mail provider's RFC 8058 one-click: no Origin, no Sec-Fetch-*. */
const oneClick = (id: string) => app.request(`${ORIGIN}/r/${id}/stop`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
const auditCount = async () => (await ctx.db.send(new ScanCommand({ TableName: ctx.config.tables.audit, Select: 'COUNT' }))).Count ?? 0;
const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ');

describe('GET /r/:id', () => {
  it('shows the organization, what and when in the patient’s zone and language — nothing of the patient, no audit, no PHI logged', async () => {
    const start = newDay();
    const patient = await newPatient({ language: 'es-MX', timeZone: 'America/Los_Angeles' });
    const r = await schedule(patient.id, 'email', start + 2 * HOUR, { templateId: 'care-plan-activity' });
    const auditBefore = await auditCount();
    const logs = captureLogs();
    let res: Response;
    try {
      res = await page(r.id);
    } finally {
      logs.restore();
    }

    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-robots-tag')).toBe('noindex');
    const html = await res.text();
    expect(html).toContain('<html lang="es">');
    const text = textOf(html);
    expect(text).toContain(`Recordatorio de ${ORG}`);
    // The file's first day (T0 + 7 days), 17:00Z: 09:00 in Los Angeles (PST).
    expect(text).toContain('Tiene una actividad prevista el miércoles, 17 de febrero de 2027, 09:00 PST.');
    expect(text).toContain('Dejar de recibir recordatorios por correo electrónico');
    for (const secret of ['Ana', 'Lopez', patient.email, patient.phone.slice(2), '1961', patient.id]) expect(html).not.toContain(secret);
    expect(await auditCount()).toBe(auditBefore);
    expect(logs.lines.join('\n')).not.toMatch(new RegExp(`${patient.id}|Ana|Lopez|${patient.email}`));
  });

  it('a cancelled reminder is "no longer current"; unknown, malformed and expired links get one identical 404', async () => {
    const start = newDay();
    const patient = await newPatient();
    const cancelled = await schedule(patient.id, 'sms', start + HOUR);
    await cancelReminder(ctx, { id: cancelled.id, version: cancelled.version, actor: CASEY });
    const withdrawn = textOf(await (await page(cancelled.id)).text());
    expect(withdrawn).toContain(`This reminder is no longer current; please contact ${ORG}.`);
    expect(withdrawn).not.toContain('2027');

    const old = await schedule(patient.id, 'sms', start + 2 * HOUR);
    nowMs = start + 2 * HOUR + 29 * DAY;
    expect((await page(old.id)).status).toBe(200);

    const answers: { status: number; body: string }[] = [];
    nowMs = start + 2 * HOUR + 30 * DAY + MINUTE;
    for (const id of [old.id, newId(), 'not-a-reminder', `${old.id}x`]) {
      const res = await page(id);
      answers.push({ status: res.status, body: await res.text() });
    }
    expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 404]);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(answers[0]!.body).not.toContain(old.id);
    // Stopping through an expired link is the same 404.
    expect((await stopFromPage(old.id)).status).toBe(404);
  });
});

describe('POST /r/:id/stop', () => {
  it('from the page: opts the channel out in the ledger (source reminder-link), twice is fine, and the send path then skips that channel', async () => {
    const start = newDay();
    const patient = await newPatient();
    const r1 = await schedule(patient.id, 'sms', start + HOUR, { templateId: 'appointment-reminder' });

    const res = await stopFromPage(r1.id);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(textOf(await res.text())).toContain(`You will no longer receive SMS reminders from ${ORG}.`);
    const consent = await getConsent(ctx, patient.id);
    expect(consent.sms).toMatchObject({ status: 'opted-out', source: 'reminder-link' });
    expect(consent.email).toMatchObject({ status: 'opted-in', source: 'console' });
    const history = (await listConsentHistory(ctx, patient.id)).entries;
    expect(history.filter((e) => e.change === 'opt-out')).toEqual([
      expect.objectContaining({ channel: 'sms', source: 'reminder-link', actor: { id: 'system:reminder-link', name: 'Patient (reminder link)' }, at: new Date(nowMs).toISOString() }),
    ]);

    const again = await stopFromPage(r1.id);
    expect(again.status).toBe(200);
    expect(textOf(await again.text())).toContain(`You will no longer receive SMS reminders from ${ORG}.`);
    expect((await listConsentHistory(ctx, patient.id)).entries).toHaveLength(history.length);

    const nextSms = await schedule(patient.id, 'sms', start + 2 * HOUR);
    const nextEmail = await schedule(patient.id, 'email', start + 2 * HOUR);
    nowMs = start + 2 * HOUR;
    expect(await sendReminder(ctx, { reminderId: nextSms.id, now: new Date(nowMs) })).toBe('skipped');
    expect(await getReminderRecord(ctx, nextSms.id)).toMatchObject({ status: 'skipped', statusReason: 'opted-out' });
    expect(stack.sms.outbox().filter((e) => e.reference === nextSms.id)).toEqual([]);
    // Only that channel: email reminders still go.
    expect(await sendReminder(ctx, { reminderId: nextEmail.id, now: new Date(nowMs) })).toBe('sent');
  });

  it('refuses a cross-site post with a 403 that echoes nothing, and records nothing', async () => {
    newDay();
    const patient = await newPatient();
    const r = await schedule(patient.id, 'email', nowMs + HOUR);
    const before = (await listConsentHistory(ctx, patient.id)).entries.length;
    const crossSite: Record<string, string>[] = [{ 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }, { origin: 'https://evil.example' }];
    for (const headers of crossSite) {
      const res = await app.request(`${ORIGIN}/r/${r.id}/stop`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: 'List-Unsubscribe=One-Click' });
      expect(res.status).toBe(403);
      const body = await res.text();
      expect(body).not.toContain(r.id);
      expect(body).not.toContain('evil');
    }
    expect((await getConsent(ctx, patient.id)).email.status).toBe('opted-in');
    expect((await listConsentHistory(ctx, patient.id)).entries).toHaveLength(before);
  });

  it('RFC 8058 one-click without Origin opts email out (source email-unsubscribe), idempotently, urlencoded or multipart', async () => {
    newDay();
    const patient = await newPatient();
    const r = await schedule(patient.id, 'email', nowMs + HOUR, { templateId: 'appointment-reminder' });

    const res = await oneClick(r.id);
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect((await getConsent(ctx, patient.id)).email).toMatchObject({ status: 'opted-out', source: 'email-unsubscribe' });

    const form = new FormData();
    form.set('List-Unsubscribe', 'One-Click');
    expect((await app.request(`${ORIGIN}/r/${r.id}/stop`, { method: 'POST', body: form })).status).toBe(200);
    const optOuts = (await listConsentHistory(ctx, patient.id)).entries.filter((e) => e.change === 'opt-out');
    expect(optOuts).toEqual([expect.objectContaining({ channel: 'email', source: 'email-unsubscribe', actor: expect.objectContaining({ id: 'system:reminder-link' }) })]);
    expect((await getConsent(ctx, patient.id)).sms.status).toBe('opted-in');
  });
});

describe('reminder emails carry the one-click unsubscribe headers', () => {
  it('sendReminder passes List-Unsubscribe (the reminder’s stop URL) and List-Unsubscribe-Post to SES', async () => {
    const start = newDay();
    const patient = await newPatient();
    const r = await schedule(patient.id, 'email', start + HOUR);
    const email = new SESv2Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    const ses = mockClient(email);
    ses.on(SendEmailCommand).resolves({ MessageId: 'mocked-1' });
    try {
      nowMs = start + HOUR;
      expect(await sendReminder({ ...ctx, email }, { reminderId: r.id, now: new Date(nowMs) })).toBe('sent');
      expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Content?.Simple?.Headers).toEqual([
        { Name: 'List-Unsubscribe', Value: `<https://localhost:3000/r/${r.id}/stop>` },
        { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
      ]);
    } finally {
      ses.restore();
      email.destroy();
    }
  });

  it('the SES stand-in accepts them and lists them in the events’ mail.headers, never in the outbox', async () => {
    const start = newDay();
    const patient = await newPatient({ email: 'success@simulator.amazonses.com' });
    const r = await schedule(patient.id, 'email', start + HOUR);
    const events: MessagingStandInEvent[] = [];
    const stop = stack.ses.onEvent((event) => {
      events.push(event);
    });
    try {
      nowMs = start + HOUR;
      expect(await sendReminder(ctx, { reminderId: r.id, now: new Date(nowMs) })).toBe('sent');
      await stack.ses.idle();
    } finally {
      stop();
    }
    const [entry] = stack.ses.outbox().filter((e) => e.reference === r.id) as [EmailOutboxEntry];
    expect(JSON.stringify(entry)).not.toContain('List-Unsubscribe');
    const delivered = events.flatMap((e) => (e.kind === 'delivery' && (e.event.detail as { mail: { messageId: string } }).mail.messageId === entry.id ? [e.event] : []));
    expect(delivered).toHaveLength(1);
    expect((delivered[0]!.detail as { mail: { headers: unknown[] } }).mail.headers).toEqual(
      expect.arrayContaining([
        { name: 'List-Unsubscribe', value: `<https://localhost:3000/r/${r.id}/stop>` },
        { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
      ]),
    );
  });
});

describe('the SES stand-in’s custom headers', () => {
  it('refuses what SES refuses: a colon in a name, a non-ASCII value, more than 15, a repeated single field, a field SES writes itself', async () => {
    const client = new SESv2Client({ region: 'us-east-1', endpoint: stack.ses.endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    const send = (Headers: { Name: string; Value: string }[]) =>
      client.send(
        new SendEmailCommand({
          FromEmailAddress: TEST_MESSAGING.emailFrom,
          Destination: { ToAddresses: ['success@simulator.amazonses.com'] },
          Content: { Simple: { Subject: { Data: 'Reminder' }, Body: { Text: { Data: 'text' } }, Headers } },
        }),
      );
    const stopUrl = { Name: 'List-Unsubscribe', Value: '<https://localhost:3000/r/x/stop>' };
    try {
      await expect(send([stopUrl, { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' }])).resolves.toMatchObject({ MessageId: expect.any(String) });
      for (const headers of [
        [{ Name: 'X-Bad:Name', Value: 'v' }],
        [{ Name: 'X-Note', Value: 'café' }],
        Array.from({ length: 16 }, (_, i) => ({ Name: `X-H${i}`, Value: 'v' })),
        [stopUrl, { Name: 'list-unsubscribe', Value: '<https://localhost:3000/r/y/stop>' }],
        [{ Name: 'Subject', Value: 'another subject' }],
      ]) {
        await expect(send(headers)).rejects.toBeInstanceOf(BadRequestException);
      }
    } finally {
      client.destroy();
    }
  });
});

describe('route policy', () => {
  it('the routes under /r are exactly CONSOLE_PUBLIC_ROUTES, and none is a console (staff) route', () => {
    // A route with middleware (the body limit) is registered once per handler: count each method and path once.
    const mounted = [...new Set(reminderLinkRoutes(ctx).routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} /r${r.path}`))].sort();
    const declared = Object.entries(CONSOLE_PUBLIC_ROUTES)
      .flatMap(([path, methods]) => methods.map((m) => `${m} ${path}`))
      .sort();
    expect(mounted).toEqual(declared);
    for (const path of Object.keys(CONSOLE_PUBLIC_ROUTES)) {
      const concrete = path.replace(':id', newId());
      expect(allowedRoles(CONSOLE_POLICY, 'GET', concrete)).toBeUndefined();
      expect(allowedRoles(CONSOLE_POLICY, 'POST', concrete)).toBeUndefined();
    }
  });
});
