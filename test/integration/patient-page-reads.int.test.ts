/**
 * The patient page reads each thing once: its reminders and contact-preference sections come from
 * the overview's own Queries (getPatientOverview's `include`), not from second reads, and each read
 * is audited once. The real console route behind the real edge on DynamoDB Local, with the
 * database client wrapped to count what the page load sends.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ServerBuild } from '@remix-run/node';
import { createConsoleApp } from '../../functions/console/app';
import { listAudit } from '../../shared/audit/list-audit';
import type { AuditEntry } from '../../shared/audit/schema';
import { createSession } from '../../shared/auth/sessions';
import { getPatientConsent } from '../../shared/consent/get-patient-consent';
import { recordConsentChange } from '../../shared/consent/record-consent-change';
import type { AppContext } from '../../shared/context';
import { RECORDS_INDEX } from '../../shared/db/tables';
import { applyEhrPatient } from '../../shared/patients/apply-ehr-patient';
import { getPatientOverview, OVERVIEW_REMINDER_LIMIT } from '../../shared/patients/get-patient-overview';
import type { PatientOverview } from '../../shared/patients/overview-schema';
import { createReminder } from '../../shared/reminders/create-reminder';
import { getPatientReminders } from '../../shared/reminders/get-patient-reminders';
import { REMINDER_PATIENT_SK_PREFIX } from '../../shared/reminders/repository';
import type { Reminder } from '../../shared/reminders/schema';
import * as patientPage from '../../web/app/routes/patients.$id';
import { patient } from '../fixtures/fhir/builders';
import { TEST_USERS } from '../support/test-issuer';
import { useStack } from './support/stack';

const stack = useStack();
const PAGE = 'routes/patients.$id';
const DAY = 86_400_000;

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

interface PageData {
  reminders?: { capped: boolean; rows: { id: string }[] };
  consent?: { channels: { channel: string; status: string }[]; history: { channel: string; change: string }[] };
  timeline: { truncated: boolean; rows: { key: string; item: { type: string } }[] };
}

type Sent = { constructor: { name: string }; input: { IndexName?: string; Key?: { pk?: string }; ExpressionAttributeValues?: Record<string, unknown> } };

/** The commands the wrapped client was sent since the last `load()` began. */
const sent: Sent[] = [];
/** The stack's context with its database client wrapped to record every command. */
const counting = (base: AppContext): AppContext => ({
  ...base,
  db: {
    send: (command: Sent) => {
      sent.push(command);
      return base.db.send(command as never);
    },
  } as unknown as AppContext['db'],
});

let app: ReturnType<typeof createConsoleApp>;
let patientId = '';
/** Newest first, as the page lists them. */
const reminders: Reminder[] = [];

beforeAll(async () => {
  const now = stack.ctx.clock.now().toISOString();
  patientId = (await applyEhrPatient(stack.ctx, { sourceId: 'ehr-test', resource: patient('page-reads', now), version: now })).patientId;
  // One more reminder than the timeline reads the histories of: the page's list still shows every one.
  for (let i = 0; i <= OVERVIEW_REMINDER_LIMIT; i++) {
    stack.advance(1000);
    const dueAt = new Date(stack.ctx.clock.now().getTime() + 3 * DAY).toISOString();
    const { reminder } = await createReminder(stack.ctx, { actor: TEST_USERS.casey, input: { patientId, channel: 'sms', templateId: 'follow-up-reminder', dueAt } });
    reminders.unshift(reminder);
  }
  stack.advance(1000);
  await recordConsentChange(stack.ctx, { patientId, channel: 'sms', change: 'opt-in', source: 'console', actor: { id: 'u-casey', name: 'Casey Coordinator' } });
  app = createConsoleApp(counting(stack.ctx), build);
});

async function load(user: 'casey' | 'aubrey'): Promise<PageData> {
  const s = await createSession(stack.ctx, TEST_USERS[user]);
  sent.length = 0;
  const res = await app.request(`http://sidecar.test/patients/${patientId}?_data=${encodeURIComponent(PAGE)}`, { headers: { cookie: `sidecar_session=${s.id}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as PageData;
}

/** Everything the audit trail holds for this patient by one member of staff, every page of it. */
async function trailOf(actorId: string): Promise<AuditEntry[]> {
  const all: AuditEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await listAudit(stack.ctx, { patientId, actorId, limit: 200, ...(cursor ? { cursor } : {}) });
    all.push(...page.entries);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

const queries = () => sent.filter((c): c is Sent => c.constructor.name === QueryCommand.name);
const values = (c: Sent) => c.input.ExpressionAttributeValues ?? {};

describe('a patient page load', () => {
  it('reads the patient, their reminders and each part of their consent ledger once', async () => {
    const data = await load('casey');
    const reminderIndexReads = queries().filter((c) => c.input.IndexName === RECORDS_INDEX.patient && values(c)[':pk'] === `P#${patientId}` && values(c)[':prefix'] === REMINDER_PATIENT_SK_PREFIX);
    const ledgerReads = queries().filter((c) => values(c)[':pk'] === `CONSENT#${patientId}`);
    expect(reminderIndexReads.length).toBe(1);
    expect(ledgerReads.map((c) => values(c)[':e'] ?? values(c)[':s']).sort()).toEqual(['E#', 'S#']);
    expect(sent.filter((c) => c.constructor.name === GetCommand.name && c.input.Key?.pk === `PAT#${patientId}`)).toHaveLength(1);

    // The one read still fills both sections: every reminder in the list, the newest on the timeline.
    expect(data.reminders?.capped).toBe(false);
    expect(data.reminders?.rows.map((r) => r.id)).toEqual(reminders.map((r) => r.id));
    expect(data.consent?.channels.find((c) => c.channel === 'sms')?.status).toBe('opted-in');
    expect(data.consent?.history).toEqual([expect.objectContaining({ channel: 'SMS', change: 'Opted in' })]);
    const onTimeline = new Set(data.timeline.rows.filter((r) => r.item.type === 'reminder').map((r) => r.key.split(':')[1]));
    expect([...onTimeline].sort()).toEqual(reminders.slice(0, OVERVIEW_REMINDER_LIMIT).map((r) => r.id).sort());
    expect(onTimeline.has(reminders.at(-1)!.id)).toBe(false);
    expect(data.timeline.rows.filter((r) => r.item.type === 'consent')).toHaveLength(1);
    expect(data.timeline.truncated).toBe(true);
  });

  it('audits each read once: the patient, the reminders list by patient, the consent ledger, and no timeline entry of them again', async () => {
    const before = await trailOf('u-aubrey');
    await load('aubrey');
    const fresh = (await trailOf('u-aubrey')).filter((e) => !before.some((b) => b.id === e.id));
    expect(fresh.every((e) => e.via === 'console' && e.patientId === patientId)).toBe(true);
    expect(fresh.map((e) => `${e.action} ${e.resourceType}${e.resourceId ? ` ${e.resourceId}` : ''}`).sort()).toEqual(
      [`read Patient ${patientId}`, 'list Reminder', `read Consent ${patientId}`].sort(),
    );
  });
});

describe('the API’s overview of the same patient', () => {
  it('is unchanged: no sections, the same timeline as the page’s, and its reminder and consent entries audited as those resources', async () => {
    const before = await trailOf('u-riley');
    const res = await stack.as('riley').request(`/api/patients/${patientId}/overview`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as PatientOverview & Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['carePlans', 'ehr', 'patient', 'referrals', 'tasks', 'timeline']);
    const withSections = await getPatientOverview(stack.ctx, { id: patientId, role: 'coordinator', include: { reminders: true, consent: true } });
    const { reminders: _r, consent: _c, ...rest } = withSections;
    expect(JSON.parse(JSON.stringify(rest))).toEqual(body);

    const fresh = (await trailOf('u-riley')).filter((e) => !before.some((b) => b.id === e.id));
    expect(fresh.filter((e) => e.resourceType === 'Consent').map((e) => `${e.action} ${e.resourceId}`)).toEqual([`list ${patientId}`]);
    expect(
      fresh
        .filter((e) => e.resourceType === 'Reminder')
        .map((e) => `${e.action} ${e.resourceId}`)
        .sort(),
    ).toEqual(reminders.slice(0, OVERVIEW_REMINDER_LIMIT).map((r) => `list ${r.id}`).sort());
    expect(fresh.filter((e) => e.resourceType === 'Patient').map((e) => e.action)).toEqual(['read']);
  });
});

describe('getPatientOverview’s include', () => {
  it('returns exactly what getPatientReminders and getPatientConsent return', async () => {
    const o = await getPatientOverview(stack.ctx, { id: patientId, role: 'nurse', include: { reminders: true, consent: true } });
    expect(o.reminders).toEqual(await getPatientReminders(stack.ctx, { patientId }));
    expect(o.consent).toEqual(await getPatientConsent(stack.ctx, { patientId }));
  });

  it('returns only the sections asked for, and none to a role that may not read them', async () => {
    const onlyReminders = await getPatientOverview(stack.ctx, { id: patientId, role: 'coordinator', include: { reminders: true } });
    expect(onlyReminders.reminders?.reminders).toHaveLength(OVERVIEW_REMINDER_LIMIT + 1);
    expect(onlyReminders).not.toHaveProperty('consent');
    const none = await getPatientOverview(stack.ctx, { id: patientId, role: 'coordinator' });
    expect(none).not.toHaveProperty('reminders');
    expect(none).not.toHaveProperty('consent');
    const admin = await getPatientOverview(stack.ctx, { id: patientId, role: 'admin', include: { reminders: true, consent: true } });
    expect(admin).not.toHaveProperty('reminders');
    expect(admin).not.toHaveProperty('consent');
    expect(admin.timeline.entries).toEqual([]);
  });
});
