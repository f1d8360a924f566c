/**
 * The patient's reminder page (`/r/:id`) and stop button through the console app (app.request),
 * DynamoDB faked: what the page shows in each language and template, the one not-found answer,
 * the refusal of cross-site posts before anything is read, and the RFC 8058 headers of the email.
 */
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { ServerBuild } from '@remix-run/node';
import { mockClient } from 'aws-sdk-client-mock';
import { createConsoleApp } from '../../../functions/console/app';
import { isSameOriginOrNotBrowser } from '../../../functions/console/reminder-link';
import { sourceCanChange } from '../../../shared/consent/schema';
import type { AppContext } from '../../../shared/context';
import { sendEmail } from '../../../shared/messaging/email';
import { ChannelError } from '../../../shared/messaging/errors';
import type { Reminder } from '../../../shared/reminders/schema';
import { reminderStopUrl } from '../../../shared/reminders/stop-by-link';
import { messagingContext } from '../messaging/support';
import { clinicalWord } from './support';

const NOW = new Date('2026-11-23T10:00:00Z');
const ID = '01JDK7ZQ3M9T5W8X2C4V6B1N0A';
const PATIENT_ID = '01JDPATIENT00000000000000A';
const ORG = 'Riverside Care';
const PATIENT = {
  entity: 'patient',
  id: PATIENT_ID,
  name: { text: 'Ana Lopez', given: ['Ana'], family: 'Lopez' },
  birthDate: '1961-04-02',
  phones: [{ value: '+16175550123', use: 'mobile' }],
  emails: [{ value: 'ana.lopez@example.org' }],
  timeZone: 'America/Chicago',
  pending: false,
  version: 1,
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
};
/** 14:30Z: 8:30 in Chicago (CST) on Tuesday, November 24, 2026. */
const DUE = '2026-11-24T14:30:00.000Z';

function reminderItem(patch: Partial<Reminder> = {}): Record<string, unknown> {
  const reminder: Reminder = {
    id: ID,
    patientId: PATIENT_ID,
    channel: 'sms',
    templateId: 'appointment-reminder',
    language: 'en',
    dueAt: DUE,
    sendAt: DUE,
    links: {},
    status: 'sent',
    providerMessageId: 'msg-1',
    attempts: [],
    createdBy: { kind: 'user', id: 'u-casey', name: 'Casey Coordinator' },
    version: 3,
    createdAt: '2026-11-20T00:00:00.000Z',
    updatedAt: '2026-11-20T00:00:00.000Z',
    ...patch,
  };
  return { entity: 'reminder', pk: `REM#${reminder.id}`, sk: 'A', ...reminder };
}

/** Just enough of a Remix build: reaching it (the console's catch-all) would show "remix". */
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

const ddb = mockClient(DynamoDBDocumentClient);
let ctx: AppContext;
let app: ReturnType<typeof createConsoleApp>;

/** The fake table holds `reminder` and `patient` (none when null). */
function store(reminder: Record<string, unknown> | null, patient: Record<string, unknown> | null = PATIENT) {
  ddb.reset();
  ddb.on(GetCommand).resolves({});
  if (reminder) ddb.on(GetCommand, { Key: { pk: `REM#${String(reminder.id)}`, sk: 'A' } }).resolves({ Item: reminder });
  if (patient) ddb.on(GetCommand, { Key: { pk: `PAT#${PATIENT_ID}`, sk: 'A' } }).resolves({ Item: patient });
}

beforeEach(() => {
  const base = messagingContext({ organizationName: ORG });
  ctx = { ...base, clock: { now: () => NOW }, config: { ...base.config, publicUrl: 'https://care.example.org' } };
  app = createConsoleApp(ctx, build);
  store(reminderItem());
});

const get = (path: string) => app.request(`https://care.example.org${path}`);
const text = async (res: Response) => (await res.text()).replace(/<[^>]+>/g, ' ');

describe('GET /r/:id', () => {
  test.each([
    ['appointment-reminder', 'en', `Reminder from ${ORG}`, 'Your appointment is on Tuesday, November 24, 2026 at 8:30 AM CST.', 'Stop SMS reminders'],
    ['care-plan-activity', 'en', `Reminder from ${ORG}`, 'You have an activity planned for Tuesday, November 24, 2026 at 8:30 AM CST.', 'Stop SMS reminders'],
    ['follow-up-reminder', 'en', `Reminder from ${ORG}`, 'Please contact us by Tuesday, November 24, 2026 at 8:30 AM CST.', 'Stop SMS reminders'],
    ['appointment-reminder', 'es', `Recordatorio de ${ORG}`, 'Su cita es el martes, 24 de noviembre de 2026, 08:30 CST.', 'Dejar de recibir recordatorios por SMS'],
    ['care-plan-activity', 'es', `Recordatorio de ${ORG}`, 'Tiene una actividad prevista el martes, 24 de noviembre de 2026, 08:30 CST.', 'Dejar de recibir recordatorios por SMS'],
    ['follow-up-reminder', 'es', `Recordatorio de ${ORG}`, 'Póngase en contacto con nosotros antes del martes, 24 de noviembre de 2026, 08:30 CST.', 'Dejar de recibir recordatorios por SMS'],
  ] as const)('%s in %s: the organization, the template’s words and the time in the patient’s zone', async (templateId, language, title, sentence, button) => {
    store(reminderItem({ templateId, language }));
    const res = await get(`/r/${ID}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`<html lang="${language}">`);
    expect(html).toContain(`<h1>${title}</h1>`);
    expect(html).toContain(`<p>${sentence}</p>`);
    expect(html).toContain(`<form method="post" action="/r/${ID}/stop"><button type="submit">${button}</button></form>`);
  });

  test('an email reminder offers to stop email reminders', async () => {
    store(reminderItem({ channel: 'email', language: 'es' }));
    expect(await text(await get(`/r/${ID}`))).toContain('Dejar de recibir recordatorios por correo electrónico');
  });

  test('an appointment reminder shows the appointment’s time (its due time plus its offset), not its own', async () => {
    store(reminderItem({ offsetHours: 24, links: { appointment: { sourceId: 'ehr-test', reference: 'Appointment/a1' } } }));
    expect(await text(await get(`/r/${ID}`))).toContain('Your appointment is on Wednesday, November 25, 2026 at 8:30 AM CST.');
  });

  test('a patient without a zone gets the organization calendar’s (as the message did)', async () => {
    const { timeZone: _zone, ...withoutZone } = PATIENT;
    store(reminderItem(), withoutZone);
    expect(await text(await get(`/r/${ID}`))).toContain('Tuesday, November 24, 2026 at 9:30 AM EST');
  });

  test('shows nothing about the patient: no name, contact point, birth date, id or clinical word', async () => {
    for (const templateId of ['appointment-reminder', 'care-plan-activity', 'follow-up-reminder'] as const) {
      for (const language of ['en', 'es'] as const) {
        store(reminderItem({ templateId, language }));
        const html = await (await get(`/r/${ID}`)).text();
        for (const secret of ['Ana', 'Lopez', '6175550123', 'ana.lopez', '1961', PATIENT_ID, 'Casey']) expect(html).not.toContain(secret);
        expect(clinicalWord(html.replace(/<[^>]+>/g, ' '))).toBeUndefined();
      }
    }
  });

  test('answers with a patient page’s headers: never cached, no referrer, not indexed, not framed, no scripts', async () => {
    const res = await get(`/r/${ID}`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-robots-tag')).toBe('noindex');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('script-src');
    expect(await res.text()).not.toMatch(/<script|style=/);
  });

  test('a cancelled reminder is no longer current: no date, only "please contact" the organization', async () => {
    store(reminderItem({ status: 'cancelled', statusReason: 'appointment-cancelled', providerMessageId: undefined }));
    const page = await text(await get(`/r/${ID}`));
    expect(page).toContain(`This reminder is no longer current; please contact ${ORG}.`);
    expect(page).not.toContain('November');
    store(reminderItem({ status: 'cancelled', statusReason: 'appointment-cancelled', providerMessageId: undefined, language: 'es' }));
    expect(await text(await get(`/r/${ID}`))).toContain(`Este recordatorio ya no está vigente; póngase en contacto con ${ORG}.`);
  });

  test('still shows the reminder up to 30 days after its time', async () => {
    store(reminderItem({ dueAt: '2026-10-25T10:00:00.000Z', sendAt: '2026-10-25T10:00:00.000Z' }));
    expect((await get(`/r/${ID}`)).status).toBe(200);
  });

  test('unknown, malformed, expired and patient-less links all get one identical 404, malformed without a read', async () => {
    const answers: { status: number; body: string; headers: string }[] = [];
    const answer = async (path: string) => {
      const res = await get(path);
      answers.push({ status: res.status, body: await res.text(), headers: JSON.stringify([...res.headers].filter(([name]) => name !== 'x-request-id')) });
    };
    store(null);
    await answer(`/r/${ID}`);
    store(reminderItem());
    await answer('/r/not-a-ulid');
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
    await answer(`/r/${ID.toLowerCase()}`);
    await answer(`/r/${ID}/and/more`);
    store(reminderItem({ dueAt: '2026-10-23T09:00:00.000Z', sendAt: '2026-10-23T09:00:00.000Z' }));
    await answer(`/r/${ID}`);
    store(reminderItem(), null);
    await answer(`/r/${ID}`);
    expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 404, 404, 404]);
    const [first] = answers;
    for (const a of answers) expect(a).toEqual(first);
    expect(first!.body).not.toContain(ID);
    expect(first!.body).not.toContain('ulid');
    expect(first!.headers).toContain('no-store');
  });

  test('needs no staff session: never the sign-in redirect or the console', async () => {
    const res = await get(`/r/${ID}/stop`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Stop SMS reminders');
    expect((await app.request(`https://care.example.org/r/${ID}`, { method: 'PUT' })).status).toBe(404);
  });
});

describe('POST /r/:id/stop, refused before anything is read', () => {
  const post = (headers: Record<string, string>, body = '') =>
    app.request(`https://care.example.org/r/${ID}/stop`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });

  test.each([
    ['a cross-site form', { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }],
    ['a same-site (other subdomain) form', { 'sec-fetch-site': 'same-site', origin: 'https://www.care.example.org' }],
    ['another origin, from a browser without Sec-Fetch-Site', { origin: 'https://evil.example' }],
    ['a cross-site page posting the one-click body', { 'sec-fetch-site': 'cross-site' }],
  ])('%s: 403, nothing echoed, nothing read or written', async (_name, headers) => {
    const res = await post(headers, 'List-Unsubscribe=One-Click');
    expect(res.status).toBe(403);
    const body = await res.text();
    expect(body).not.toContain(ID);
    expect(body).not.toContain('evil');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(ddb.calls()).toHaveLength(0);
  });

  test('a body larger than a stop needs is refused (413)', async () => {
    const res = await post({ 'sec-fetch-site': 'same-origin' }, `x=${'a'.repeat(10_000)}`);
    expect(res.status).toBe(413);
    expect(ddb.calls()).toHaveLength(0);
  });

  test('a malformed id gets the same 404 as the page', async () => {
    const res = await app.request('https://care.example.org/r/nope/stop', { method: 'POST', headers: { 'sec-fetch-site': 'same-origin' } });
    expect(res.status).toBe(404);
    expect(ddb.calls()).toHaveLength(0);
  });
});

describe('isSameOriginOrNotBrowser', () => {
  const PUBLIC = 'https://care.example.org';
  test.each([
    [{ 'sec-fetch-site': 'same-origin', origin: 'null' }, true],
    [{ 'sec-fetch-site': 'same-origin' }, true],
    [{ 'sec-fetch-site': 'cross-site', origin: PUBLIC }, false],
    [{ 'sec-fetch-site': 'same-site' }, false],
    [{ 'sec-fetch-site': 'none' }, false],
    [{ origin: PUBLIC }, true],
    [{ origin: 'https://care.example.org.evil.example' }, false],
    [{ origin: 'http://care.example.org' }, false],
    [{ origin: 'null' }, true],
    [{}, true],
  ])('%j → %s', (headers, allowed) => {
    expect(isSameOriginOrNotBrowser(new Headers(headers), PUBLIC)).toBe(allowed);
  });
});

describe('reminder emails carry RFC 8058 one-click unsubscribe headers', () => {
  const MESSAGE = { to: 'ana.lopez@example.org', subject: 'Appointment reminder from Riverside Care', text: 'text', html: '<p>html</p>', reference: ID };

  test('reminderStopUrl: the reminder link plus /stop, on https', () => {
    expect(reminderStopUrl('http://localhost:3000', ID)).toBe(`https://localhost:3000/r/${ID}/stop`);
    expect(reminderStopUrl('https://care.example.org/', ID)).toBe(`https://care.example.org/r/${ID}/stop`);
  });

  test('sendEmail with an unsubscribe URL sends List-Unsubscribe and List-Unsubscribe-Post', async () => {
    const ctx = messagingContext({ emailFrom: 'Riverside Care <reminders@example.org>' });
    const ses = mockClient(ctx.email);
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    await sendEmail(ctx, { ...MESSAGE, unsubscribeUrl: reminderStopUrl('https://care.example.org', ID) });
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Content?.Simple?.Headers).toEqual([
      { Name: 'List-Unsubscribe', Value: `<https://care.example.org/r/${ID}/stop>` },
      { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
    ]);
    ses.restore();
  });

  test('without one, no headers; a URL that is not https or would break the header is refused before SES is called', async () => {
    const ctx = messagingContext({ emailFrom: 'Riverside Care <reminders@example.org>' });
    const ses = mockClient(ctx.email);
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    await sendEmail(ctx, MESSAGE);
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Content?.Simple?.Headers).toBeUndefined();
    for (const unsubscribeUrl of ['http://care.example.org/r/x/stop', 'https://care.example.org/r/x>, <mailto:a@b', 'https://care.example.org/r/x\r\nBcc: a@b']) {
      const error = await sendEmail(ctx, { ...MESSAGE, unsubscribeUrl }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChannelError);
      expect((error as ChannelError).code).toBe('InvalidMessage');
    }
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    ses.restore();
  });
});

describe('consent source reminder-link', () => {
  test('opts out of either channel and never opts in (anyone holding a link could)', () => {
    expect(sourceCanChange('reminder-link', 'sms', 'opt-out')).toBe(true);
    expect(sourceCanChange('reminder-link', 'email', 'opt-out')).toBe(true);
    expect(sourceCanChange('reminder-link', 'sms', 'opt-in')).toBe(false);
    expect(sourceCanChange('reminder-link', 'email', 'opt-in')).toBe(false);
  });
});
