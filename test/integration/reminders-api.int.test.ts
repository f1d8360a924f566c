/**
 * Reminders and consent through the real HTTP API (bearer tokens, route policy, audit trail) on
 * DynamoDB Local: staff schedule, list and cancel reminders, and read and record a patient's
 * contact preferences; refusals never echo a patient's number or address.
 */
import { listAudit } from '../../shared/audit/list-audit';
import type { ConsentEntry, ConsentState } from '../../shared/consent/schema';
import type { PatientOverview } from '../../shared/patients/overview-schema';
import { queryDueReminders, REMINDER_DUE_SHARDS } from '../../shared/reminders/repository';
import type { Reminder } from '../../shared/reminders/schema';
import { patient } from '../fixtures/fhir/builders';
import type { TEST_USERS } from '../support/test-issuer';
import { useStack } from './support/stack';

const stack = useStack();
type User = keyof typeof TEST_USERS;
type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown>; issues?: { path: string; message: string }[] } };
type PatientReminders = { reminders: Reminder[]; capped: boolean; channels: string[] };
type PatientConsent = { channels: Record<'sms' | 'email', ConsentState>; history: ConsentEntry[]; capped: boolean };

const PHONE = '+15550100001';
const EMAIL = 'testy@example.org';
const EMAIL_ONLY = 'only.email@example.org';
const PHONE_ONLY = '+15550100777';

let patientId = '';
let emailOnlyId = '';
let phoneOnlyId = '';

const post = (path: string, body: unknown, who: User = 'casey') =>
  stack.as(who).request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const get = (path: string, who: User = 'casey') => stack.as(who).request(path);
async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

async function schedule(body: Record<string, unknown> = {}, who: User = 'casey'): Promise<Reminder> {
  const res = await post('/api/reminders', { patientId, channel: 'sms', templateId: 'follow-up-reminder', dueAt: inDays(1), ...body }, who);
  expect(res.status).toBe(201);
  return json<Reminder>(res);
}

async function dueIndexIds(): Promise<string[]> {
  const ids: string[] = [];
  const farFuture = new Date(Date.now() + 400 * 86_400_000);
  for (let shard = 0; shard < REMINDER_DUE_SHARDS; shard++) ids.push(...(await queryDueReminders(stack.ctx, { shard, now: farFuture, limit: 1000 })).reminders.map((r) => r.id));
  return ids;
}

beforeAll(async () => {
  const now = new Date().toISOString();
  await stack.post(patient('rem-api-both', now));
  await stack.post(patient('rem-api-email', now, { name: [{ given: ['Emma'], family: 'Emailonly' }], telecom: [{ system: 'email', value: EMAIL_ONLY }] }));
  await stack.post(patient('rem-api-phone', now, { name: [{ given: ['Phil'], family: 'Phoneonly' }], telecom: [{ system: 'phone', value: PHONE_ONLY, use: 'mobile' }, { system: 'email', value: 'work.only@example.org', use: 'work' }] }));
  await stack.settle();
  const { patients } = await json<{ patients: { id: string; name?: { text: string } }[] }>(await get('/api/patients'));
  const find = (family: string) => patients.find((p) => p.name?.text.includes(family))!.id;
  patientId = find('McTestface');
  emailOnlyId = find('Emailonly');
  phoneOnlyId = find('Phoneonly');
});

describe('POST /api/reminders', () => {
  it('schedules a reminder by hand, in the patient’s language, and lists it with the patient’s contact channels', async () => {
    const dueAt = inDays(2);
    const r = await schedule({ channel: 'email', templateId: 'appointment-reminder', dueAt });
    expect(r).toMatchObject({
      patientId,
      channel: 'email',
      templateId: 'appointment-reminder',
      language: 'es',
      status: 'scheduled',
      dueAt,
      sendAt: dueAt,
      version: 1,
      createdBy: { kind: 'user', id: 'u-casey', name: 'Casey Coordinator' },
    });
    const byNurse = await schedule({}, 'nora');
    expect(byNurse.createdBy).toEqual({ kind: 'user', id: 'u-nora', name: 'Nora Nurse' });

    const list = await json<PatientReminders>(await get(`/api/patients/${patientId}/reminders`));
    expect(list.channels).toEqual(['sms', 'email']);
    expect(list.capped).toBe(false);
    expect(list.reminders.map((x) => x.id)).toEqual(expect.arrayContaining([r.id, byNurse.id]));
    expect(list.reminders.findIndex((x) => x.id === byNurse.id)).toBeLessThan(list.reminders.findIndex((x) => x.id === r.id));
    expect(await dueIndexIds()).toEqual(expect.arrayContaining([r.id, byNurse.id]));
  });

  it('refuses a time that has passed with 400', async () => {
    const res = await post('/api/reminders', { patientId, channel: 'sms', templateId: 'follow-up-reminder', dueAt: new Date(Date.now() - 3_600_000).toISOString() });
    expect(res.status).toBe(400);
    const body = await json<ErrorBody>(res);
    expect(body.error.message).toMatch(/has passed/);
    expect(JSON.stringify(body)).not.toContain(PHONE);
  });

  it('refuses a channel the patient has no contact point for, naming the channel and never the other number or address', async () => {
    const sms = await post('/api/reminders', { patientId: emailOnlyId, channel: 'sms', templateId: 'follow-up-reminder', dueAt: inDays(1) });
    expect(sms.status).toBe(400);
    const smsText = await sms.text();
    expect(JSON.parse(smsText)).toMatchObject({ error: { code: 'bad_request', message: 'The patient has no mobile number on file to text', details: { path: 'channel' } } });
    expect(smsText).not.toContain(EMAIL_ONLY);

    const email = await post('/api/reminders', { patientId: phoneOnlyId, channel: 'email', templateId: 'follow-up-reminder', dueAt: inDays(1) });
    expect(email.status).toBe(400);
    const emailText = await email.text();
    expect(JSON.parse(emailText).error.message).toBe('The patient has no personal email address on file');
    expect(emailText).not.toContain(PHONE_ONLY);
    expect(emailText).not.toContain('work.only@example.org');

    // The channels they do have work, and are the ones listed.
    expect((await post('/api/reminders', { patientId: phoneOnlyId, channel: 'sms', templateId: 'follow-up-reminder', dueAt: inDays(1) })).status).toBe(201);
    expect((await json<PatientReminders>(await get(`/api/patients/${emailOnlyId}/reminders`))).channels).toEqual(['email']);
    expect((await json<PatientReminders>(await get(`/api/patients/${phoneOnlyId}/reminders`))).reminders).toHaveLength(1);
  });

  it('refuses invalid input with 400 without echoing it, and an unknown patient with 404', async () => {
    const bad = await post('/api/reminders', { patientId, channel: 'sms', templateId: 'CANARY-template', dueAt: inDays(1) });
    expect(bad.status).toBe(400);
    const text = await bad.text();
    expect(text).toContain('templateId');
    expect(text).not.toContain('CANARY');
    const extra = await post('/api/reminders', { patientId, channel: 'sms', templateId: 'follow-up-reminder', dueAt: inDays(1), to: '+15550199999' });
    expect(extra.status).toBe(400);
    expect(await extra.text()).not.toContain('+15550199999');
    expect((await post('/api/reminders', { patientId, channel: 'sms', templateId: 'follow-up-reminder', dueAt: 'tomorrow' })).status).toBe(400);
    expect((await post('/api/reminders', { patientId: '01JDZZZZZZZZZZZZZZZZZZZZZZ', channel: 'sms', templateId: 'follow-up-reminder', dueAt: inDays(1) })).status).toBe(404);
  });
});

describe('POST /api/reminders/{id}/cancel', () => {
  it('cancels a scheduled reminder at its version, which leaves the due index and shows in the list', async () => {
    const r = await schedule();
    const res = await post(`/api/reminders/${r.id}/cancel`, { version: 1 }, 'nora');
    expect(res.status).toBe(200);
    expect(await json<Reminder>(res)).toMatchObject({ id: r.id, status: 'cancelled', statusReason: 'cancelled-by-staff', version: 2 });
    const listed = (await json<PatientReminders>(await get(`/api/patients/${patientId}/reminders`))).reminders.find((x) => x.id === r.id);
    expect(listed).toMatchObject({ status: 'cancelled', statusReason: 'cancelled-by-staff' });
    expect(await dueIndexIds()).not.toContain(r.id);

    const overview = await json<PatientOverview>(await get(`/api/patients/${patientId}/overview`));
    expect(overview.timeline.entries).toContainEqual(
      expect.objectContaining({ item: expect.objectContaining({ type: 'reminder', id: r.id }), kind: 'transition', reason: 'cancelled-by-staff', actor: { id: 'u-nora', name: 'Nora Nurse' } }),
    );
  });

  it('answers 409 to a stale version (with the current one) and to a reminder no longer scheduled', async () => {
    const r = await schedule();
    expect((await post(`/api/reminders/${r.id}/cancel`, { version: 1 })).status).toBe(200);
    const stale = await post(`/api/reminders/${r.id}/cancel`, { version: 1 });
    expect(stale.status).toBe(409);
    expect((await json<ErrorBody>(stale)).error.details).toEqual({ currentVersion: 2 });
    const done = await post(`/api/reminders/${r.id}/cancel`, { version: 2 });
    expect(done.status).toBe(409);
    expect((await json<ErrorBody>(done)).error.message).toBe('Only a scheduled reminder can be cancelled');
  });

  it('lets exactly one of two simultaneous cancels win', async () => {
    const r = await schedule();
    const [a, b] = await Promise.all([post(`/api/reminders/${r.id}/cancel`, { version: 1 }, 'casey'), post(`/api/reminders/${r.id}/cancel`, { version: 1 }, 'nora')]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
  });

  it('answers 404 for an unknown reminder and 400 for a malformed id or a missing version', async () => {
    expect((await post('/api/reminders/01JD0000000000000000000000/cancel', { version: 1 })).status).toBe(404);
    expect((await post('/api/reminders/not-a-ulid/cancel', { version: 1 })).status).toBe(400);
    const r = await schedule();
    expect((await post(`/api/reminders/${r.id}/cancel`, {})).status).toBe(400);
  });
});

describe('consent: GET and POST /api/patients/{id}/consent', () => {
  it('starts as not asked, records a console opt-out, lists it, puts it on the timeline, and refuses a stale version', async () => {
    const before = await json<PatientConsent>(await get(`/api/patients/${patientId}/consent`));
    expect(before).toEqual({ channels: { sms: { channel: 'sms', status: 'unknown', version: 0 }, email: { channel: 'email', status: 'unknown', version: 0 } }, history: [], capped: false });

    const res = await post(`/api/patients/${patientId}/consent`, { channel: 'sms', change: 'opt-out', version: 0 }, 'nora');
    expect(res.status).toBe(200);
    const recorded = await json<{ outcome: string; state: ConsentState }>(res);
    expect(recorded).toMatchObject({ outcome: 'recorded', state: { channel: 'sms', status: 'opted-out', source: 'console', version: 1 } });

    const after = await json<PatientConsent>(await get(`/api/patients/${patientId}/consent`, 'aubrey'));
    expect(after.channels.sms).toMatchObject({ status: 'opted-out', source: 'console', version: 1 });
    expect(after.channels.email.status).toBe('unknown');
    expect(after.history).toEqual([expect.objectContaining({ channel: 'sms', change: 'opt-out', source: 'console', actor: { id: 'u-nora', name: 'Nora Nurse' } })]);

    const overview = await json<PatientOverview>(await get(`/api/patients/${patientId}/overview`));
    expect(overview.timeline.entries).toContainEqual(expect.objectContaining({ item: expect.objectContaining({ type: 'consent', id: 'sms' }), kind: 'opt-out', reason: 'console' }));

    const stale = await post(`/api/patients/${patientId}/consent`, { channel: 'sms', change: 'opt-in', version: 0 });
    expect(stale.status).toBe(409);
    expect((await json<ErrorBody>(stale)).error.details).toEqual({ currentVersion: 1 });
    expect((await json<PatientConsent>(await get(`/api/patients/${patientId}/consent`))).channels.sms.status).toBe('opted-out');

    const again = await json<{ outcome: string }>(await post(`/api/patients/${patientId}/consent`, { channel: 'sms', change: 'opt-out', version: 1 }));
    expect(again.outcome).toBe('unchanged');
    const optIn = await json<{ outcome: string; state: ConsentState }>(await post(`/api/patients/${patientId}/consent`, { channel: 'sms', change: 'opt-in' }));
    expect(optIn).toMatchObject({ outcome: 'recorded', state: { status: 'opted-in', version: 2 } });
  });

  it('refuses a source or unknown fields in the body (only the console source is possible here), and an unknown patient', async () => {
    const forged = await post(`/api/patients/${emailOnlyId}/consent`, { channel: 'email', change: 'opt-in', source: 'ehr' });
    expect(forged.status).toBe(400);
    expect((await post(`/api/patients/${emailOnlyId}/consent`, { channel: 'fax', change: 'opt-in' })).status).toBe(400);
    expect((await post('/api/patients/01JDZZZZZZZZZZZZZZZZZZZZZZ/consent', { channel: 'sms', change: 'opt-in', version: 0 })).status).toBe(404);
    expect((await get('/api/patients/01JDZZZZZZZZZZZZZZZZZZZZZZ/consent')).status).toBe(404);
    expect((await get('/api/patients/01JDZZZZZZZZZZZZZZZZZZZZZZ/reminders')).status).toBe(404);
    expect((await json<PatientConsent>(await get(`/api/patients/${emailOnlyId}/consent`))).history).toEqual([]);
  });

  it('lets only one of two clients that read the same version change it: the other gets 409 and the ledger holds one change', async () => {
    const seen = (await json<PatientConsent>(await get(`/api/patients/${emailOnlyId}/consent`, 'casey'))).channels.email.version;
    expect((await json<PatientConsent>(await get(`/api/patients/${emailOnlyId}/consent`, 'nora'))).channels.email.version).toBe(seen);

    const [casey, nora] = await Promise.all([
      post(`/api/patients/${emailOnlyId}/consent`, { channel: 'email', change: 'opt-in', version: seen }, 'casey'),
      post(`/api/patients/${emailOnlyId}/consent`, { channel: 'email', change: 'opt-out', version: seen }, 'nora'),
    ]);
    expect([casey.status, nora.status].sort()).toEqual([200, 409]);
    const [won, lost] = casey.status === 200 ? [casey, nora] : [nora, casey];
    expect((await json<ErrorBody>(lost)).error.details).toEqual({ currentVersion: seen + 1 });
    const { state } = await json<{ state: ConsentState }>(won);

    const after = await json<PatientConsent>(await get(`/api/patients/${emailOnlyId}/consent`));
    expect(after.channels.email).toEqual(state);
    expect(after.history.filter((e) => e.channel === 'email')).toEqual([expect.objectContaining({ change: state.status === 'opted-in' ? 'opt-in' : 'opt-out' })]);
  });
});

describe('who may', () => {
  it('refuses an admin everything, and lets an auditor read but not change', async () => {
    const r = await schedule();
    const writes: [string, unknown][] = [
      ['/api/reminders', { patientId, channel: 'sms', templateId: 'follow-up-reminder', dueAt: inDays(1) }],
      [`/api/reminders/${r.id}/cancel`, { version: 1 }],
      [`/api/patients/${patientId}/consent`, { channel: 'email', change: 'opt-in' }],
    ];
    const reads = [`/api/patients/${patientId}/reminders`, `/api/patients/${patientId}/consent`];
    for (const path of reads) {
      expect((await get(path, 'ada')).status).toBe(403);
      expect((await get(path, 'aubrey')).status).toBe(200);
    }
    for (const [path, body] of writes) {
      expect((await post(path, body, 'ada')).status).toBe(403);
      expect((await post(path, body, 'aubrey')).status).toBe(403);
    }
    // Nothing an auditor or admin tried took effect.
    expect((await json<PatientReminders>(await get(`/api/patients/${patientId}/reminders`))).reminders.find((x) => x.id === r.id)?.status).toBe('scheduled');
    expect((await json<PatientConsent>(await get(`/api/patients/${patientId}/consent`))).channels.email.status).toBe('unknown');
  });
});

describe('the audit trail', () => {
  it('records each reminder change against the reminder, consent reads and changes against the ledger, and list reads by patient, by whom', async () => {
    const { entries: before } = await listAudit(stack.ctx, { patientId: phoneOnlyId, limit: 200 });
    const r = await json<Reminder>(await post('/api/reminders', { patientId: phoneOnlyId, channel: 'sms', templateId: 'follow-up-reminder', dueAt: inDays(3) }, 'nora'));
    await post(`/api/reminders/${r.id}/cancel`, { version: 1 }, 'casey');
    await post(`/api/patients/${phoneOnlyId}/consent`, { channel: 'sms', change: 'opt-in', version: 0 }, 'casey');
    await get(`/api/patients/${phoneOnlyId}/reminders`, 'aubrey');
    await get(`/api/patients/${phoneOnlyId}/consent`, 'aubrey');
    // A refused change leaves no update on the patient’s trail (the refusal is audited against the route).
    await post(`/api/patients/${phoneOnlyId}/consent`, { channel: 'sms', change: 'opt-out' }, 'aubrey');

    const { entries } = await listAudit(stack.ctx, { patientId: phoneOnlyId, limit: 200 });
    const fresh = entries.filter((e) => !before.some((b) => b.id === e.id));
    expect(fresh.every((e) => e.patientId === phoneOnlyId && e.via === 'api')).toBe(true);
    expect(fresh.map((e) => `${e.actorId} ${e.action} ${e.resourceType}${e.resourceId ? ` ${e.resourceId}` : ''}`).sort()).toEqual(
      [
        `u-nora create Reminder ${r.id}`,
        `u-casey transition Reminder ${r.id}`,
        `u-casey update Consent ${phoneOnlyId}`,
        'u-aubrey list Reminder',
        `u-aubrey read Consent ${phoneOnlyId}`,
      ].sort(),
    );
  });
});

describe('GET /api/openapi.json', () => {
  it('documents the reminder and consent routes', async () => {
    const doc = await json<{ paths: Record<string, unknown> }>(await stack.apiApp.request('/api/openapi.json'));
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/reminders', '/api/reminders/{id}/cancel', '/api/patients/{id}/reminders', '/api/patients/{id}/consent']),
    );
  });
});
