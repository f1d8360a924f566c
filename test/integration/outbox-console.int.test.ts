/**
 * The console's outbox page (local runs only) through the console app over HTTP, with its real
 * route module behind the real edge (sessions, route policy, CSRF, audit), reading the real SMS and
 * SES stand-ins the stack's context sends through, on DynamoDB Local. Remix data requests
 * (`?_data=`) return what the loader or action produced; rendering is left to the browser suite.
 */
import type { ServerBuild } from '@remix-run/node';
import { createConsoleApp } from '../../functions/console/app';
import type { InboundSmsPayload } from '../../infra/local/messaging-outbox';
import { listAudit } from '../../shared/audit/list-audit';
import { CSRF_FIELD } from '../../shared/auth/csrf';
import { createSession } from '../../shared/auth/sessions';
import { createContext } from '../../shared/context';
import { newId } from '../../shared/ids';
import { sendEmail } from '../../shared/messaging/email';
import { sendSms } from '../../shared/messaging/sms';
import { insertPatient } from '../../shared/patients/repository';
import { createReminder } from '../../shared/reminders/create-reminder';
import * as outboxPage from '../../web/app/routes/outbox';
import { TEST_USERS } from '../support/test-issuer';
import { useStack } from './support/stack';

const stack = useStack();
const ROUTE = 'routes/outbox';
const NUMBER = '+15550109876';

const build = {
  mode: 'production',
  entry: { module: { default: async () => new Response('<!doctype html><title>page</title>', { headers: { 'content-type': 'text/html' } }) } },
  routes: {
    root: { id: 'root', path: '', module: { default: () => null } },
    [ROUTE]: { id: ROUTE, parentId: 'root', path: 'outbox', module: outboxPage },
  },
  assets: { url: '/assets/manifest.js', version: '1', entry: { module: '/assets/entry.js', imports: [] }, routes: {} },
  publicPath: '/',
  assetsBuildDirectory: 'build/client',
  future: {},
  isSpaMode: false,
} as unknown as ServerBuild;

type User = keyof typeof TEST_USERS;
interface Message {
  channel: string;
  id: string;
  direction: string;
  to: string;
  from: string;
  body?: string;
  subject?: string;
  reminder?: { id: string; patientId: string };
}

let app: ReturnType<typeof createConsoleApp>;
const sessions = new Map<User, { id: string; csrf: string }>();
let patientId: string;
let reminderId: string;
let reminderText: string;
const inbound: InboundSmsPayload[] = [];

beforeAll(async () => {
  app = createConsoleApp(stack.ctx, build);
  for (const name of ['casey', 'nora', 'aubrey', 'ada'] as const) {
    const s = await createSession(stack.ctx, TEST_USERS[name]);
    sessions.set(name, { id: s.id, csrf: s.csrf });
  }
  const now = stack.ctx.clock.now().toISOString();
  patientId = newId();
  await insertPatient(stack.ctx, { id: patientId, phones: [{ value: NUMBER, use: 'mobile' }], emails: [], pending: false, version: 1, createdAt: now, updatedAt: now });
  const { reminder } = await createReminder(stack.ctx, {
    actor: TEST_USERS.casey,
    input: { patientId, channel: 'sms', templateId: 'follow-up-reminder', dueAt: new Date(Date.now() + 3_600_000).toISOString() },
  });
  reminderId = reminder.id;
  // A reminder's text (its reference is the reminder id), an unrelated text, and an email.
  reminderText = (await sendSms(stack.ctx, { to: NUMBER, body: 'Riverside Care: Hi Ana, a reminder. Reply STOP to opt out', reference: reminderId })).messageId;
  await sendSms(stack.ctx, { to: '+15550104321', body: 'Another text', reference: 'reply-x' });
  await sendEmail(stack.ctx, { to: 'ana@example.org', subject: 'Your appointment', text: 'Hi Ana', html: '<p>Hi Ana</p>', reference: 'ref-email' });
  stack.sms.onEvent((event) => {
    if (event.kind === 'inbound') inbound.push(event.payload);
  });
});

const cookie = (user: User) => `sidecar_session=${sessions.get(user)!.id}`;

function load(user: User, appInstance = app) {
  return appInstance.request(`http://sidecar.test/outbox?_data=${encodeURIComponent(ROUTE)}`, { headers: { cookie: cookie(user) } });
}

function submit(user: User, fields: [string, string][]) {
  const body = new URLSearchParams([[CSRF_FIELD, sessions.get(user)!.csrf], ...fields]);
  return app.request(`http://sidecar.test/outbox?_data=${encodeURIComponent(ROUTE)}`, {
    method: 'POST',
    headers: { cookie: cookie(user), 'content-type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
  });
}

async function messages(user: User): Promise<Message[]> {
  const res = await load(user);
  expect(res.status).toBe(200);
  return ((await res.json()) as { messages: Message[] }).messages;
}

describe('GET /outbox', () => {
  it('lists every text and email the stand-ins accepted, newest first, linking a reminder’s text to its patient', async () => {
    const list = await messages('casey');
    expect(list.map((m) => m.channel).sort()).toEqual(['email', 'sms', 'sms']);
    expect(list[0]!.channel).toBe('email'); // sent last
    const text = list.find((m) => m.id === reminderText)!;
    expect(text).toMatchObject({ direction: 'outbound', to: NUMBER, body: expect.stringContaining('Reply STOP'), reminder: { id: reminderId, patientId } });
    expect(list.find((m) => m.body === 'Another text')?.reminder).toBeUndefined();
    expect(list.find((m) => m.channel === 'email')).toMatchObject({ to: 'ana@example.org', subject: 'Your appointment' });
  });

  it('lists each reminder whose messages it shows in the audit, once, with its patient', async () => {
    await messages('nora');
    const audit = (await listAudit(stack.ctx, { actorId: 'u-nora', limit: 100 })).entries;
    expect(audit.map((e) => `${e.action} ${e.resourceType} ${e.resourceId} ${e.patientId}`)).toEqual([`list Reminder ${reminderId} ${patientId}`]);
  });

  it('is for those who read reminders: an auditor may look, an admin may not', async () => {
    expect((await load('aubrey')).status).toBe(200);
    expect((await load('ada')).status).toBe(403);
  });

  it('does not exist without messaging stand-ins (as on AWS)', async () => {
    const config = { ...stack.ctx.config, endpoints: { ...stack.ctx.config.endpoints, sms: undefined, ses: undefined } };
    const aws = createConsoleApp(createContext({ ...stack.ctx, config }), build);
    expect((await load('casey', aws)).status).toBe(404);
  });

  it('is a 404, not a leak, when the configured endpoint is not a stand-in', async () => {
    const notAStandIn: typeof fetch = async () => new Response('{"message":"Unknown operation"}', { status: 404, headers: { 'content-type': 'application/json' } });
    const elsewhere = createConsoleApp(createContext({ ...stack.ctx, fetch: notAStandIn }), build);
    expect((await load('casey', elsewhere)).status).toBe(404);
  });
});

describe('POST /outbox (reply as the patient)', () => {
  it('texts back from the number the reminder went to, as two-way SMS hands it to Sidecar', async () => {
    const res = await submit('casey', [['messageId', reminderText], ['quick', 'STOP'], ['text', '']]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, messageId: reminderText });
    await stack.sms.idle();
    expect(inbound).toEqual([
      expect.objectContaining({ originationNumber: NUMBER, destinationNumber: '+18005550100', messageKeyword: 'STOP', messageBody: 'STOP', previousPublishedMessageId: reminderText }),
    ]);
    expect((await messages('casey')).filter((m) => m.direction === 'inbound')).toEqual([expect.objectContaining({ from: NUMBER, body: 'STOP', reminder: { id: reminderId, patientId } })]);
    const audit = (await listAudit(stack.ctx, { actorId: 'u-casey', limit: 100 })).entries;
    expect(audit.filter((e) => e.action === 'update')).toEqual([expect.objectContaining({ resourceType: 'Consent', resourceId: patientId, patientId, via: 'console' })]);
  });

  it('sends a typed reply when no quick reply was chosen', async () => {
    inbound.length = 0;
    const res = await submit('nora', [['messageId', reminderText], ['text', 'please stop texting me']]);
    expect(res.status).toBe(200);
    await stack.sms.idle();
    expect(inbound.map((p) => [p.messageBody, p.messageKeyword])).toEqual([['please stop texting me', undefined]]);
  });

  it('refuses an empty reply, and an unknown or not-outbound message, without sending anything', async () => {
    inbound.length = 0;
    const empty = await submit('casey', [['messageId', reminderText], ['text', '  ']]);
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { fieldErrors: Record<string, string> }).fieldErrors.text).toMatch(/Type the reply/);

    const unknown = await submit('casey', [['messageId', 'no-such-message'], ['text', 'HELP']]);
    expect(unknown.status).toBe(404);
    const reply = (await messages('casey')).find((m) => m.direction === 'inbound')!;
    expect((await submit('casey', [['messageId', reply.id], ['text', 'HELP']])).status).toBe(404);
    await stack.sms.idle();
    expect(inbound).toEqual([]);
  });

  it('is refused to an auditor (read only)', async () => {
    expect((await submit('aubrey', [['messageId', reminderText], ['text', 'STOP']])).status).toBe(403);
  });
});
