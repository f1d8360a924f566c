import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ReferralView } from '../../shared/referrals/get-referral';
import type { QueuePage } from '../../shared/referrals/list-queue';
import { appointment, consultNote, notification, patient, serviceRequest } from '../fixtures/fhir/builders';
import { useStack } from './support/stack';

const stack = useStack();
const t = (minutes: number) => new Date(Date.UTC(2026, 10, 20, 9, minutes)).toISOString();

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
const api = (path: string, init?: RequestInit) => stack.api.request(path, init);
/** Inbound events are an integration concern: read and replayed by an admin. */
const admin = (path: string, init?: RequestInit) => stack.as('ada').request(path, init);
const postJson = (path: string, body: unknown) => api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function referralFor(srId: string): Promise<ReferralView> {
  const page = await json<QueuePage>(await api('/api/queue?status=requested,accepted,in-progress,on-hold,completed,cancelled&limit=100'));
  const row = page.rows.find((r) => r.referral.serviceRequest?.reference === `ServiceRequest/${srId}`);
  if (!row) throw new Error(`no referral for ${srId}`);
  return json<ReferralView>(await api(`/api/referrals/${row.referral.id}`));
}

describe('the referral loop through webhooks, EventBridge and the API', () => {
  it('opens, works and closes a referral from EHR events', async () => {
    expect((await stack.post(patient('pat-1', t(0)))).status).toBe(202);
    const created = await stack.post(notification(serviceRequest('sr-1', 'pat-1', t(1)), 1, 'POST'));
    expect(created.status).toBe(202);
    expect(await created.json()).toMatchObject({ status: 'accepted', entries: 1 });
    await stack.settle();

    let view = await referralFor('sr-1');
    expect(view.referral).toMatchObject({ status: 'requested', businessStatus: 'triage', queue: 'cardiology', priority: 'urgent', reason: 'Chest pain on exertion', receivingOrganization: 'Riverside Heart Clinic' });
    expect(view.patient?.name?.text).toBe('Testy McTestface');
    expect(view.patient?.language).toBe('es');
    expect(view.links.patientInEhr).toBe('http://127.0.0.1:9/ehr/Patient/pat-1');
    expect(view.timeline.map((e) => e.kind)).toEqual(['created']);

    const claimed = await postJson(`/api/referrals/${view.referral.id}/claim`, { version: view.referral.version });
    expect(claimed.status).toBe(200);
    expect((await json<{ assignee: { name: string } }>(claimed)).assignee.name).toBe('Casey Coordinator');

    expect((await stack.post(notification(appointment('appt-1', 'sr-1', 'pat-1', t(2), 'booked'), 2))).status).toBe(202);
    await stack.settle();
    view = await referralFor('sr-1');
    expect(view.referral).toMatchObject({ status: 'in-progress', businessStatus: 'appointment-booked', appointment: { start: '2026-12-01T15:00:00Z', status: 'booked' } });

    expect((await stack.post(notification(consultNote('doc-1', 'sr-1', 'pat-1', t(3)), 3, 'POST'))).status).toBe(202);
    await stack.settle();
    view = await referralFor('sr-1');
    expect(view.referral).toMatchObject({ status: 'completed', businessStatus: 'outcome-received', outcome: { link: { reference: 'DocumentReference/doc-1' } } });
    expect(view.referral.loopClosedAt).toBeDefined();
    expect(view.timeline.map((e) => e.action ?? e.kind)).toEqual(['created', 'assignment', 'ehr-appointment-booked', 'ehr-outcome']);
    expect(view.timeline.at(-1)!.note).toBe('Consult note received: loop closed');
  });

  it('ignores a redelivered webhook (same webhook-id): 200 and no second effect', async () => {
    const body = notification(serviceRequest('sr-dup', 'pat-1', t(10)), 1, 'POST');
    expect((await stack.post(body, { id: 'msg-dup' })).status).toBe(202);
    const again = await stack.post(body, { id: 'msg-dup' });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'duplicate' });
    await stack.settle();
    const page = await json<QueuePage>(await api('/api/queue?limit=100'));
    expect(page.rows.filter((r) => r.referral.serviceRequest?.reference === 'ServiceRequest/sr-dup')).toHaveLength(1);
  });

  it('applies a replay or an older version as a no-op (version gating)', async () => {
    await stack.post(serviceRequest('sr-v', 'pat-1', t(20)));
    await stack.post(serviceRequest('sr-v', 'pat-1', t(22), { status: 'revoked', meta: { versionId: '3', lastUpdated: t(22) } }));
    await stack.settle();
    // Version 2 (active, priority changed) arrives after version 3: it must not reopen or change anything.
    await stack.post(serviceRequest('sr-v', 'pat-1', t(21), { priority: 'stat', meta: { versionId: '2', lastUpdated: t(21) } }));
    await stack.settle();
    const view = await referralFor('sr-v');
    expect(view.referral.status).toBe('cancelled');
    expect(view.referral.priority).toBe('urgent');
    expect(view.referral.statusReason).toBe('ServiceRequest revoked in the EHR');
  });

  it('records a no-show from the EHR', async () => {
    await stack.post(serviceRequest('sr-ns', 'pat-1', t(30)));
    await stack.post(appointment('appt-ns', 'sr-ns', 'pat-1', t(31), 'booked'));
    await stack.settle();
    await stack.post(appointment('appt-ns', 'sr-ns', 'pat-1', t(32), 'noshow'));
    await stack.settle();
    expect((await referralFor('sr-ns')).referral).toMatchObject({ status: 'in-progress', businessStatus: 'no-show', appointment: { status: 'noshow' } });
  });

  it('keeps an appointment that arrives before its referral as a visible failure, and replays it', async () => {
    // No FHIR API is configured for this source, so the consumer cannot read the ServiceRequest itself.
    await stack.post(appointment('appt-early', 'sr-late', 'pat-1', t(40), 'booked'), { id: 'msg-early' });
    await stack.settle();
    const failed = await json<{ events: { id: string; state: string; consumers: Record<string, { state: string; error?: string }> }[] }>(await admin('/api/events?view=failed'));
    const row = failed.events.find((e) => Object.keys(e.consumers).some((k) => k.endsWith('referral-appointment')));
    expect(row).toBeDefined();
    expect(row!.state).toBe('failed');
    const appointmentConsumer = Object.entries(row!.consumers).find(([k]) => k.endsWith('referral-appointment'))![1];
    expect(appointmentConsumer.error).toMatch(/not known yet/);
    expect(stack.standIn.deadLetters().length).toBeGreaterThan(0);

    await stack.post(serviceRequest('sr-late', 'pat-1', t(39)));
    await stack.settle();
    expect((await admin(`/api/events/${row!.id}/replay`, { method: 'POST' })).status).toBe(202);
    await stack.settle();
    expect((await referralFor('sr-late')).referral.businessStatus).toBe('appointment-booked');
    const after = await json<{ events: { id: string }[] }>(await admin('/api/events?view=failed'));
    expect(after.events.map((e) => e.id)).not.toContain(row!.id);
  });

  it('never loses an accepted event when PutEvents fails: the republish sweep sends it', async () => {
    const { republishPending } = await import('../../shared/inbox/republish-pending');
    stack.standIn.injectFailures({ whole: 3 });
    const res = await stack.post(serviceRequest('sr-pending', 'pat-1', t(50)));
    expect({ status: res.status, body: await res.json() }).toMatchObject({ status: 202 });
    await stack.settle();
    await expect(referralFor('sr-pending')).rejects.toThrow(/no referral/);
    const recent = await json<{ events: { id: string; status: string; lastPublishError?: string }[] }>(await admin('/api/events?view=recent'));
    expect(recent.events.find((e) => e.status === 'pending')?.lastPublishError).toMatch(/PutEvents failed/);

    stack.advance(60_000);
    const swept = await republishPending(stack.ctx);
    stack.advance(-60_000);
    expect(swept.republished).toBeGreaterThanOrEqual(1);
    await stack.settle();
    expect((await referralFor('sr-pending')).referral.status).toBe('requested');
  });

  it('ignores ServiceRequests that are not referrals (e.g. a lab order)', async () => {
    await stack.post(serviceRequest('sr-lab', 'pat-1', t(55), { category: [{ coding: [{ system: 'http://snomed.info/sct', code: '108252007', display: 'Laboratory procedure' }] }], performerType: undefined }));
    await stack.settle();
    await expect(referralFor('sr-lab')).rejects.toThrow(/no referral/);
  });
});

describe('POST /webhooks/ehr/:sourceId refuses bad input and stores nothing', () => {
  const inboxCount = async () =>
    (await stack.ctx.db.send(new QueryCommand({ TableName: stack.ctx.config.tables.inbox, IndexName: 'recent', KeyConditionExpression: 'recentPk = :pk', ExpressionAttributeValues: { ':pk': `DAY#${new Date().toISOString().slice(0, 10)}#0` } }))).Count ?? 0;

  it.each([
    ['a signature from another secret', () => stack.post(patient('bad-1', t(0)), { secret: `whsec_${Buffer.alloc(24, 7).toString('base64')}` }), 401],
    ['an unknown source', () => stack.post(patient('bad-2', t(0)), { sourceId: 'nobody' }), 404],
    ['an invalid source id', () => stack.post(patient('bad-3', t(0)), { sourceId: 'Bad_Source' }), 404],
    ['a body that is not JSON', () => stack.post(undefined, { raw: '{"resourceType": "Patient", ' }), 400],
    ['a resource Sidecar does not handle', () => stack.post({ resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'x' } }), 422],
    ['malformed FHIR', () => stack.post({ resourceType: 'Patient', id: 'p', birthDate: 'not-a-date' }), 422],
    ['a body over 1 MB', () => stack.post(undefined, { raw: JSON.stringify({ resourceType: 'Patient', id: 'big', text: { status: 'generated', div: 'x'.repeat(1_100_000) } }) }), 413],
  ])('refuses %s', async (_label, send, status) => {
    const before = await inboxCount();
    const res = await send();
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.message).toBeTruthy();
    expect(JSON.stringify(body)).not.toMatch(/McTestface|not-a-date/);
    expect(await inboxCount()).toBe(before);
  });

  it('refuses a missing signature with 401', async () => {
    const res = await stack.webhooks.request('/webhooks/ehr/ehr-test', { method: 'POST', body: JSON.stringify(patient('x', t(0))) });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: 'Missing webhook-id, webhook-timestamp or webhook-signature header' } });
  });

  it('answers handshakes and heartbeats with 200 and no side effect', async () => {
    const { readFileSync } = await import('node:fs');
    const path = await import('node:path');
    const dir = path.resolve(__dirname, '../../../shared/fixtures/fhir-subscriptions');
    const before = await inboxCount();
    for (const name of ['handshake.json', 'heartbeat.json']) {
      const res = await stack.post(undefined, { raw: readFileSync(path.join(dir, name), 'utf8') });
      expect(res.status).toBe(200);
    }
    expect(await inboxCount()).toBe(before);
  });
});
