/**
 * The patient page's reminder and contact-preference forms through the console app over HTTP,
 * with the real route module behind the real edge (sessions, route policy, CSRF, audit) on
 * DynamoDB Local. Remix data requests (`?_data=`) return what the loader or action produced;
 * rendering is the browser suite's (test/e2e/reminders-console.e2e.test.ts).
 */
import type { ServerBuild } from '@remix-run/node';
import { createConsoleApp } from '../../functions/console/app';
import { listAudit } from '../../shared/audit/list-audit';
import { CSRF_FIELD } from '../../shared/auth/csrf';
import { createSession } from '../../shared/auth/sessions';
import { applyCarePlanChange } from '../../shared/careplans/apply-planned-work';
import { createCarePlan } from '../../shared/careplans/create-care-plan';
import { PATIENT_STALE_MESSAGE } from '../../web/app/lib/reminders.server';
import * as patientPage from '../../web/app/routes/patients.$id';
import { patient } from '../fixtures/fhir/builders';
import { TEST_USERS } from '../support/test-issuer';
import { useStack } from './support/stack';

const stack = useStack();
const PAGE = 'routes/patients.$id';

const build = {
  mode: 'production',
  entry: { module: { default: async () => new Response('<!doctype html><title>page</title>', { headers: { 'content-type': 'text/html' } }) } },
  routes: {
    root: { id: 'root', path: '', module: { default: () => null } },
    [PAGE]: { id: PAGE, parentId: 'root', path: 'patients/:id', module: patientPage },
  },
  assets: { url: '/assets/manifest.js', version: '1', entry: { module: '/assets/entry.js', imports: [] }, routes: {} },
  publicPath: '/',
  assetsBuildDirectory: 'build/client',
  future: {},
  isSpaMode: false,
} as unknown as ServerBuild;

type User = keyof typeof TEST_USERS;
let app: ReturnType<typeof createConsoleApp>;
let patientId = '';
let otherPatientId = '';
const sessions = new Map<User, { id: string; csrf: string }>();

interface PageData {
  links: { writeReminders: boolean };
  reminders?: {
    canWrite: boolean;
    rows: { id: string; version: number; channel: string; template: string; dueAt: string; about?: string; carePlanHref?: string; status: string; statusCode: string; reason?: string; createdBy: string; cancellable: boolean }[];
    channels: { value: string; label: string }[];
    templates: { value: string; label: string }[];
  };
  consent?: {
    canWrite: boolean;
    channels: { channel: string; status: string; statusLabel: string; since?: string; source?: string; version: number; changes: string[] }[];
    history: { channel: string; change: string; source: string; actor: string }[];
  };
  timeline: { rows: { heading: string; detail?: string; item: { type: string; label: string } }[] };
  done?: string;
}
interface Failure {
  ok: false;
  form: string;
  message: string;
  fieldErrors: Record<string, string>;
  values: Record<string, string>;
}

beforeAll(async () => {
  const now = new Date().toISOString();
  await stack.post(patient('rem-console-pat', now));
  await stack.post(patient('rem-console-other', now, { name: [{ given: ['Other'], family: 'Person' }] }));
  await stack.settle();
  const { patients } = (await (await stack.api.request('/api/patients')).json()) as { patients: { id: string; name?: { text: string } }[] };
  patientId = patients.find((p) => p.name?.text.includes('McTestface'))!.id;
  otherPatientId = patients.find((p) => p.name?.text.includes('Person'))!.id;
  app = createConsoleApp(stack.ctx, build);
  for (const name of ['casey', 'nora', 'aubrey', 'ada'] as const) {
    const s = await createSession(stack.ctx, TEST_USERS[name]);
    sessions.set(name, { id: s.id, csrf: s.csrf });
  }
});

const cookie = (user: User) => `sidecar_session=${sessions.get(user)!.id}`;
const TZ_COOKIE = 'sidecar_tz=America%2FNew_York';

function load(user: User, query = '') {
  const path = `/patients/${patientId}${query}`;
  return app.request(`http://sidecar.test${path}${path.includes('?') ? '&' : '?'}_data=${encodeURIComponent(PAGE)}`, { headers: { cookie: `${cookie(user)}; ${TZ_COOKIE}` } });
}

async function page(user: User, query = ''): Promise<PageData> {
  const res = await load(user, query);
  expect(res.status).toBe(200);
  return (await res.json()) as PageData;
}

function submit(user: User, fields: [string, string][], id = patientId) {
  const body = new URLSearchParams([[CSRF_FIELD, sessions.get(user)!.csrf], ...fields]);
  return app.request(`http://sidecar.test/patients/${id}?_data=${encodeURIComponent(PAGE)}`, {
    method: 'POST',
    headers: { cookie: cookie(user), 'content-type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
  });
}

function redirectedTo(res: Response): URL {
  expect(res.status).toBe(204);
  const location = res.headers.get('x-remix-redirect');
  expect(location).toBeTruthy();
  return new URL(location!, 'http://sidecar.test');
}

async function failed(res: Response, status: number): Promise<Failure> {
  expect(res.status).toBe(status);
  return (await res.json()) as Failure;
}

const nextYear = new Date().getUTCFullYear() + 1;
const schedule = (dueAt: string, templateId = 'follow-up-reminder'): [string, string][] => [
  ['intent', 'schedule-reminder'],
  ['channel', 'sms'],
  ['templateId', templateId],
  ['dueAt', dueAt],
  ['timeZone', 'America/New_York'],
];

describe('the patient page’s reminder sections', () => {
  it('gives coordinators and nurses the forms, with the patient’s channels and every template, and nothing recorded yet', async () => {
    for (const user of ['casey', 'nora'] as const) {
      const data = await page(user);
      expect(data.links.writeReminders).toBe(true);
      expect(data.reminders).toMatchObject({ canWrite: true, rows: [], channels: [{ value: 'sms', label: 'SMS' }, { value: 'email', label: 'Email' }] });
      expect(data.reminders!.templates.map((t) => t.value)).toEqual(['appointment-reminder', 'care-plan-activity', 'follow-up-reminder']);
      expect(data.consent!.channels.map((c) => [c.channel, c.statusLabel, c.changes])).toEqual([
        ['sms', 'Not asked', ['opt-in', 'opt-out']],
        ['email', 'Not asked', ['opt-in', 'opt-out']],
      ]);
    }
  });

  it('shows an auditor both sections read-only, refuses their forms, and refuses an admin the page', async () => {
    const data = await page('aubrey');
    expect(data.links.writeReminders).toBe(false);
    expect(data.reminders?.canWrite).toBe(false);
    expect(data.consent?.canWrite).toBe(false);
    expect(data.consent!.channels.every((c) => c.changes.length === 0)).toBe(true);
    expect((await submit('aubrey', schedule(`${nextYear}-03-04T10:00`))).status).toBe(403);
    expect((await submit('aubrey', [['intent', 'consent'], ['channel', 'sms'], ['change', 'opt-out'], ['version', '0'], ['confirm', 'yes']])).status).toBe(403);
    expect((await load('ada')).status).toBe(403);
  });
});

describe('scheduling a reminder', () => {
  it('reads the date and time in the chosen zone, lists the reminder in words, and audits the change', async () => {
    const done = redirectedTo(await submit('casey', schedule(`${nextYear}-01-02T09:30`)));
    expect(done.pathname).toBe(`/patients/${patientId}`);
    expect(done.search).toBe('?done=reminder-scheduled');
    const data = await page('casey', done.search);
    expect(data.done).toBe('The reminder is scheduled. Consent and quiet hours are checked when it comes due.');
    expect(data.reminders!.rows).toEqual([
      expect.objectContaining({ channel: 'SMS', template: 'Follow-up reminder', dueAt: `${nextYear}-01-02T14:30:00.000Z`, status: 'Scheduled', createdBy: 'Casey Coordinator', cancellable: true }),
    ]);
    expect(data.timeline.rows).toContainEqual(expect.objectContaining({ heading: 'Reminder scheduled', item: expect.objectContaining({ type: 'reminder', label: 'Follow-up reminder (SMS)' }) }));
    // An auditor sees the row, but not as cancellable.
    expect((await page('aubrey')).reminders!.rows[0]).toMatchObject({ status: 'Scheduled', cancellable: false });

    const { entries } = await listAudit(stack.ctx, { patientId, limit: 200 });
    const scheduled = data.reminders!.rows[0]!.id;
    expect(entries).toContainEqual(expect.objectContaining({ actorId: 'u-casey', action: 'create', resourceType: 'Reminder', resourceId: scheduled, patientId, via: 'console' }));
    // The page's reads: the reminders as a list of the patient's, the consent ledger as itself.
    expect(entries).toContainEqual(expect.objectContaining({ actorId: 'u-aubrey', action: 'list', resourceType: 'Reminder', patientId, via: 'console' }));
    expect(entries).toContainEqual(expect.objectContaining({ actorId: 'u-aubrey', action: 'read', resourceType: 'Consent', resourceId: patientId, patientId, via: 'console' }));
    expect(entries.some((e) => e.actorId === 'u-casey' && e.action === 'update' && e.resourceType === 'Patient')).toBe(false);
  });

  it('names the field for a time that does not exist or has passed, keeps what was typed, and schedules nothing', async () => {
    const impossible = await failed(await submit('nora', schedule(`${nextYear}-02-30T10:00`)), 400);
    expect(impossible).toMatchObject({ form: 'schedule', fieldErrors: { dueAt: 'Enter a real date and time' }, values: { dueAt: `${nextYear}-02-30T10:00`, channel: 'sms' } });
    const past = await failed(await submit('nora', schedule('2020-01-02T10:00')), 400);
    expect(past.form).toBe('schedule');
    expect(past.fieldErrors.dueAt).toMatch(/has passed/);
    const noTemplate = await failed(await submit('nora', schedule(`${nextYear}-01-02T10:00`, 'CANARY-diagnosis')), 400);
    expect(Object.keys(noTemplate.fieldErrors)).toEqual(['templateId']);
    expect(noTemplate.values).toEqual({ channel: 'sms', dueAt: `${nextYear}-01-02T10:00`, timeZone: 'America/New_York' });
    expect(JSON.stringify(noTemplate)).not.toContain('CANARY');
    expect((await page('nora')).reminders!.rows).toHaveLength(1);
  });
});

describe('cancelling a reminder', () => {
  it('cancels at the version shown, then says a second click is stale, and never cancels another patient’s reminder', async () => {
    const before = (await page('nora')).reminders!.rows[0]!;
    const stale = await failed(await submit('nora', [['intent', 'cancel-reminder'], ['reminderId', before.id], ['version', String(before.version + 1)]]), 409);
    expect(stale).toMatchObject({ form: `cancel:${before.id}`, message: PATIENT_STALE_MESSAGE });

    const otherPage = await failed(await submit('nora', [['intent', 'cancel-reminder'], ['reminderId', before.id], ['version', String(before.version)]], otherPatientId), 404);
    expect(otherPage.message).toBe('Reminder not found');

    expect(redirectedTo(await submit('nora', [['intent', 'cancel-reminder'], ['reminderId', before.id], ['version', String(before.version)]])).search).toBe('?done=reminder-cancelled');
    const row = (await page('nora')).reminders!.rows[0]!;
    expect(row).toMatchObject({ status: 'Cancelled', reason: 'cancelled by staff', cancellable: false });

    const again = await failed(await submit('nora', [['intent', 'cancel-reminder'], ['reminderId', before.id], ['version', String(before.version)]]), 409);
    expect(again.message).toBe(PATIENT_STALE_MESSAGE);

    const { entries } = await listAudit(stack.ctx, { patientId, limit: 200 });
    expect(entries.filter((e) => e.actorId === 'u-nora' && e.action === 'transition')).toEqual([
      expect.objectContaining({ resourceType: 'Reminder', resourceId: before.id, patientId, via: 'console' }),
    ]);
  });
});

describe('recording consent', () => {
  it('needs the confirmation box, records an opt-out from the console, and shows it in the section, its history and the timeline', async () => {
    const unconfirmed = await failed(await submit('casey', [['intent', 'consent'], ['channel', 'sms'], ['change', 'opt-out'], ['version', '0']]), 400);
    expect(unconfirmed).toMatchObject({ form: 'consent:sms:opt-out', fieldErrors: { confirm: 'Tick the box to confirm the patient asked for this' } });
    expect((await page('casey')).consent!.channels[0]!.status).toBe('unknown');

    const done = redirectedTo(await submit('casey', [['intent', 'consent'], ['channel', 'sms'], ['change', 'opt-out'], ['version', '0'], ['confirm', 'yes']]));
    expect(done.search).toBe('?done=opt-out-recorded');
    const data = await page('aubrey', done.search);
    expect(data.done).toBe('The opt-out was recorded. Reminders on that channel will not be sent.');
    expect(data.consent!.channels[0]).toMatchObject({ channel: 'sms', status: 'opted-out', statusLabel: 'Opted out', source: 'staff in Sidecar', version: 1 });
    expect(data.consent!.channels[1]).toMatchObject({ channel: 'email', status: 'unknown' });
    expect(data.consent!.history).toEqual([{ id: expect.any(String), at: expect.any(String), channel: 'SMS', change: 'Opted out', source: 'staff in Sidecar', actor: 'Casey Coordinator' }]);
    expect(data.timeline.rows).toContainEqual(expect.objectContaining({ heading: 'Opted out', detail: 'Source: staff in Sidecar', item: expect.objectContaining({ type: 'consent', label: 'SMS consent' }) }));
    expect((await page('casey')).consent!.channels[0]!.changes).toEqual(['opt-in']);

    const { entries } = await listAudit(stack.ctx, { patientId, limit: 200 });
    expect(entries.filter((e) => e.actorId === 'u-casey' && e.action === 'update')).toEqual([
      expect.objectContaining({ resourceType: 'Consent', resourceId: patientId, patientId, via: 'console' }),
    ]);
  });

  it('refuses a change made on a state that moved on since the page was shown', async () => {
    const stale = await failed(await submit('nora', [['intent', 'consent'], ['channel', 'sms'], ['change', 'opt-in'], ['version', '0'], ['confirm', 'yes']]), 409);
    expect(stale).toMatchObject({ form: 'consent:sms:opt-in', message: PATIENT_STALE_MESSAGE });
    expect((await page('nora')).consent!.channels[0]!.status).toBe('opted-out');
    expect(redirectedTo(await submit('nora', [['intent', 'consent'], ['channel', 'sms'], ['change', 'opt-out'], ['version', '1'], ['confirm', 'yes']])).search).toBe('?done=consent-unchanged');
  });

  it('refuses unknown intents and channels without echoing them', async () => {
    const odd = await failed(await submit('casey', [['intent', 'consent'], ['channel', 'CANARY'], ['change', 'opt-in'], ['version', '0'], ['confirm', 'yes']]), 400);
    expect(odd.form).toBe('form');
    expect(JSON.stringify(odd)).not.toContain('CANARY');
    expect((await failed(await submit('casey', [['intent', 'delete-patient']]), 400)).form).toBe('form');
  });
});

describe('a care plan’s reminders on the patient page', () => {
  it('say what time they are for and link to their plan; a staff reminder shows neither', async () => {
    const start = new Date(Date.now() + 24 * 3_600_000).toISOString();
    const saved = await createCarePlan(stack.ctx, {
      actor: { id: 'u-nora', name: 'Nora Nurse' },
      input: { patientId, title: 'Follow-up', category: 'other', status: 'active', start, activities: [{ kind: 'follow-up-visit', title: 'Clinic visit', offsetDays: 3, patientReminderTime: '10:15' }] },
    });
    await applyCarePlanChange(stack.ctx, saved);
    const rows = (await page('nora')).reminders!.rows;
    const planRows = rows.filter((r) => r.carePlanHref === `/care-plans/${saved.carePlan.id}`);
    expect(planRows.length).toBeGreaterThan(0);
    for (const r of planRows) {
      expect(r).toMatchObject({ template: 'Care-plan activity reminder', createdBy: 'Automatic' });
      expect(Date.parse(r.about!) - Date.parse(r.dueAt)).toBe(24 * 3_600_000);
      expect(new Date(r.about!).toLocaleString('en-US', { timeZone: 'America/New_York', hour: 'numeric', minute: '2-digit' })).toBe('10:15 AM');
    }
    expect(rows.filter((r) => r.createdBy !== 'Automatic').every((r) => r.about === undefined && r.carePlanHref === undefined)).toBe(true);
  });
});
