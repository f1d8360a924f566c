import { createApiApp } from '../../../functions/api/app';
import { listAudit } from '../../../shared/audit/list-audit';
import type { Referral } from '../../../shared/referrals/schema';
import { patient } from '../../fixtures/fhir/builders';
import { TEST_USERS } from '../../support/test-issuer';
import { useStack } from '../support/stack';

const stack = useStack();
let patientId = '';
let referral: Referral;

beforeAll(async () => {
  await stack.post(patient('audit-pat', new Date().toISOString()));
  await stack.settle();
  const { patients } = (await (await stack.api.request('/api/patients')).json()) as { patients: { id: string }[] };
  patientId = patients[0]!.id;
  const res = await stack.api.request('/api/referrals', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ patientId, service: { display: 'Cardiology' }, reason: 'Audit', priority: 'routine' }),
  });
  referral = (await res.json()) as Referral;
});

const trail = async () => (await listAudit(stack.ctx, { patientId, limit: 200 })).entries;

describe('the audit trail at the API edge', () => {
  it('records who read which patient’s referral, when, from where, under which request id', async () => {
    const res = await stack.as('aubrey').request(`/api/referrals/${referral.id}`);
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    const read = (await trail()).find((e) => e.action === 'read' && e.actorId === TEST_USERS.aubrey.id);
    expect(read).toMatchObject({
      actorId: 'u-aubrey',
      role: 'auditor',
      resourceType: 'Referral',
      resourceId: referral.id,
      patientId,
      requestId,
      via: 'api',
      outcome: 'allowed',
    });
    expect(read?.sourceIp).toBeTruthy();
  });

  it('records changes and list reads per patient shown', async () => {
    const entries = await trail();
    expect(entries.some((e) => e.action === 'create' && e.resourceId === referral.id && e.actorId === 'u-casey')).toBe(true);
    expect(entries.some((e) => e.action === 'list' && e.resourceType === 'Patient')).toBe(true);
    await stack.api.request('/api/queue');
    expect((await trail()).some((e) => e.action === 'list' && e.resourceType === 'Referral' && e.resourceId === referral.id)).toBe(true);
  });

  it('records refusals without the refused record’s id', async () => {
    const res = await stack.as('nora').request(`/api/referrals/${referral.id}`);
    expect(res.status).toBe(403);
    const denied = (await listAudit(stack.ctx, { actorId: 'u-nora', limit: 50 })).entries.find((e) => e.action === 'denied');
    expect(denied).toMatchObject({ outcome: 'denied', resourceType: 'Route', resourceId: 'GET /api/referrals/:id' });
    expect(JSON.stringify(denied)).not.toContain(referral.id);
  });

  it('fails closed: no audit record, no data', async () => {
    const broken = createApiApp({ ...stack.ctx, config: { ...stack.ctx.config, tables: { ...stack.ctx.config.tables, audit: 'no-such-audit-table' } } });
    const token = await stack.issuer.tokenFor(TEST_USERS.casey);
    const res = await broken.request(`/api/referrals/${referral.id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(body).not.toContain(referral.id);
    expect(body).not.toContain('Cardiology');
  });
});
