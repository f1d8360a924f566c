import type { Referral } from '../../shared/referrals/schema';
import { DEFAULT_CALENDAR } from '../../shared/sla/calendar';
import { businessTimeBetween } from '../../shared/sla/clock';
import type { QueuePage } from '../../shared/referrals/list-queue';
import type { ReferralView } from '../../shared/referrals/get-referral';
import { patient } from '../fixtures/fhir/builders';
import { useStack } from './support/stack';

const stack = useStack();
let patientId = '';

const post = (path: string, body: unknown) => stack.api.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const get = (path: string) => stack.api.request(path);
async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

async function newReferral(overrides: Record<string, unknown> = {}): Promise<Referral> {
  const res = await post('/api/referrals', { patientId, service: { display: 'Cardiology', code: '394579002' }, reason: 'Palpitations', priority: 'routine', ...overrides });
  expect(res.status).toBe(201);
  return json<Referral>(res);
}

beforeAll(async () => {
  await stack.post(patient('api-pat', new Date().toISOString()));
  await stack.settle();
  const { patients } = await json<{ patients: { id: string }[] }>(await get('/api/patients'));
  patientId = patients[0]!.id;
});

describe('POST /api/referrals', () => {
  it('creates a requested referral in its specialty queue, due by priority on the business calendar', async () => {
    const r = await newReferral({ priority: 'urgent' });
    expect(r).toMatchObject({ status: 'requested', businessStatus: 'triage', queue: 'cardiology', priority: 'urgent', version: 1 });
    // Urgent: 3 business days of 9 hours, and due the moment they have elapsed.
    const created = new Date(r.createdAt);
    const due = new Date(r.dueAt);
    expect(businessTimeBetween(created, due, DEFAULT_CALENDAR)).toBe(27 * 3_600_000);
    expect(businessTimeBetween(created, new Date(due.getTime() - 1), DEFAULT_CALENDAR)).toBeLessThan(27 * 3_600_000);
  });

  it('says what is wrong with invalid input, without echoing it', async () => {
    const res = await post('/api/referrals', { patientId, service: {}, priority: 'whenever-CANARY' });
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toContain('priority');
    expect(body).not.toContain('CANARY');
  });

  it('is 404 for an unknown patient', async () => {
    expect((await post('/api/referrals', { patientId: '01JDUNKNOWNPATIENT000000000', service: { display: 'X' } })).status).toBe(404);
  });
});

describe('transitions and concurrency', () => {
  it('walks a referral through accept, schedule, no-show, hold, resume and close', async () => {
    let r = await newReferral();
    const move = async (body: Record<string, unknown>) => {
      const res = await post(`/api/referrals/${r.id}/transitions`, { version: r.version, ...body });
      expect(res.status).toBe(200);
      r = await json<Referral>(res);
    };
    await move({ action: 'accept' });
    await move({ action: 'schedule', appointmentAt: '2026-12-03T14:30:00-05:00' });
    await move({ action: 'no-show', note: 'Patient did not attend' });
    await move({ action: 'hold', reason: 'Patient in hospital' });
    await move({ action: 'resume' });
    await move({ action: 'close', outcome: 'Seen by cardiology; letter on file' });
    expect(r).toMatchObject({ status: 'completed', businessStatus: 'outcome-received', version: 7 });
    const view = await json<ReferralView>(await get(`/api/referrals/${r.id}`));
    expect(view.timeline.map((e) => `${e.from?.status ?? ''}>${e.to?.status ?? ''}`)).toEqual([
      '>requested',
      'requested>accepted',
      'accepted>in-progress',
      'in-progress>in-progress',
      'in-progress>on-hold',
      'on-hold>in-progress',
      'in-progress>completed',
    ]);
    expect(view.timeline.every((e) => e.actor.name === 'Casey Coordinator')).toBe(true);
  });

  it('refuses an illegal transition with 409 and the reason', async () => {
    const r = await newReferral();
    const res = await post(`/api/referrals/${r.id}/transitions`, { version: r.version, action: 'close', outcome: 'x' });
    expect(res.status).toBe(409);
    expect((await json<{ error: { message: string } }>(res)).error.message).toBe('Cannot close a referral that is requested (triage): accept it first');
  });

  it('refuses a stale version with 409, never overwriting', async () => {
    const r = await newReferral();
    expect((await post(`/api/referrals/${r.id}/transitions`, { version: 1, action: 'accept' })).status).toBe(200);
    const stale = await post(`/api/referrals/${r.id}/transitions`, { version: 1, action: 'reject', reason: 'dup' });
    expect(stale.status).toBe(409);
    expect((await json<{ error: { details: { currentVersion: number } } }>(stale)).error.details.currentVersion).toBe(2);
    expect((await json<ReferralView>(await get(`/api/referrals/${r.id}`))).referral.status).toBe('accepted');
  });

  it('lets exactly one of two simultaneous claims win', async () => {
    const r = await newReferral();
    const { claimReferral } = await import('../../shared/referrals/assign-referral');
    const riley = { id: 'u-riley', name: 'Riley Coordinator' };
    const casey = { id: 'u-casey', name: 'Casey Coordinator' };
    const results = await Promise.allSettled([
      claimReferral(stack.ctx, { actor: riley, id: r.id, version: 1 }),
      claimReferral(stack.ctx, { actor: casey, id: r.id, version: 1 }),
    ]);
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    const view = await json<ReferralView>(await get(`/api/referrals/${r.id}`));
    expect(view.referral.version).toBe(2);
    expect(view.timeline.filter((e) => e.kind === 'assignment')).toHaveLength(1);
    // The loser, reloading, is told who holds it.
    const again = await post(`/api/referrals/${r.id}/claim`, { version: 2 });
    if (view.referral.assignee!.id === 'u-riley') {
      expect(again.status).toBe(409);
      expect((await json<{ error: { message: string } }>(again)).error.message).toBe('Already claimed by Riley Coordinator');
    } else {
      expect(again.status).toBe(409);
      expect((await json<{ error: { message: string } }>(again)).error.message).toBe('You already hold this referral');
    }
  });

  it('assigns to a colleague and releases', async () => {
    const r = await newReferral();
    const assigned = await json<Referral>(await post(`/api/referrals/${r.id}/assign`, { version: 1, assigneeId: 'u-riley' }));
    expect(assigned.assignee).toEqual({ id: 'u-riley', name: 'Riley Coordinator' });
    const released = await json<Referral>(await post(`/api/referrals/${r.id}/assign`, { version: 2, assigneeId: null }));
    expect(released.assignee).toBeUndefined();
    expect((await post(`/api/referrals/${r.id}/assign`, { version: 3, assigneeId: 'u-nobody' })).status).toBe(400);
    // Referrals go to coordinators: a nurse in the directory is not an assignee.
    expect((await post(`/api/referrals/${r.id}/assign`, { version: 3, assigneeId: 'u-nora' })).status).toBe(400);
  });

  it('adds notes to the timeline', async () => {
    const r = await newReferral();
    expect((await post(`/api/referrals/${r.id}/notes`, { text: 'Called patient, left voicemail' })).status).toBe(201);
    expect((await post(`/api/referrals/${r.id}/notes`, { text: '   ' })).status).toBe(400);
    expect((await post('/api/referrals/01JD0000000000000000000000/notes', { text: 'x' })).status).toBe(404);
    const view = await json<ReferralView>(await get(`/api/referrals/${r.id}`));
    expect(view.timeline.at(-1)).toMatchObject({ kind: 'note', note: 'Called patient, left voicemail' });
  });

  it('validates ids and bodies at the edge', async () => {
    expect((await get('/api/referrals/not-a-ulid')).status).toBe(400);
    expect((await stack.api.request('/api/referrals', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' })).status).toBe(400);
  });
});

describe('GET /api/openapi.json', () => {
  it('documents every API route', async () => {
    // Public (no token needed), and it says how to authenticate.
    const doc = await json<{ openapi: string; paths: Record<string, unknown>; security: unknown; components: { securitySchemes: Record<string, { scheme: string }> } }>(
      await stack.apiApp.request('/api/openapi.json'),
    );
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.components.securitySchemes.bearer?.scheme).toBe('bearer');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/queue', '/api/queue/counts', '/api/referrals', '/api/referrals/{id}', '/api/referrals/{id}/claim', '/api/referrals/{id}/transitions', '/api/referrals/{id}/notes', '/api/patients/{id}', '/api/events', '/api/events/{id}/replay']),
    );
  });
});

describe('authentication', () => {
  it('refuses every API route without a bearer token, with a challenge', async () => {
    for (const path of ['/api/queue', '/api/queue/counts', '/api/patients', '/api/events', '/api/me']) {
      const res = await stack.apiApp.request(path);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    }
    expect((await stack.apiApp.request('/api/referrals', { method: 'POST', body: '{}' })).status).toBe(401);
  });
});
