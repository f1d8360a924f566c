import { logger } from '../../shared/logger';
import { appointment, consultNote, notification, patient, serviceRequest } from '../fixtures/fhir/builders';
import { useStack } from './support/stack';

/**
 * Patient data never reaches the logs: run the referral loop — success and failure paths — with
 * canary values in every PHI field and assert that the structured log output contains none.
 */
const stack = useStack();
const CANARY = 'Qzxcanary';
const captured: string[] = [];
let restore: () => void;

beforeAll(() => {
  logger.setLogLevel('DEBUG');
  const original = process.stdout.write.bind(process.stdout);
  const originalErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    captured.push(String(chunk));
    return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    captured.push(String(chunk));
    return (originalErr as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  restore = () => {
    process.stdout.write = original;
    process.stderr.write = originalErr;
    logger.setLogLevel('SILENT');
  };
});
afterAll(() => restore());

it('logs ids and outcomes, never the canary patient data', async () => {
  const at = (m: number) => new Date(Date.UTC(2026, 10, 22, 8, m)).toISOString();
  const p = patient('canary-pat', at(0), {
    name: [{ given: [`${CANARY}Given`], family: `${CANARY}Family` }],
    birthDate: '1933-03-03',
    telecom: [{ system: 'phone', value: `+1555${CANARY}` }, { system: 'email', value: `${CANARY}@example.org` }],
  });
  await stack.post(p);
  await stack.post(notification(serviceRequest('canary-sr', 'canary-pat', at(1), { reasonCode: [{ text: `${CANARY} reason` }], note: [{ text: `${CANARY} note` }] }), 1, 'POST'));
  await stack.post(appointment('canary-appt', 'canary-sr', 'canary-pat', at(2), 'booked'));
  await stack.post(consultNote('canary-doc', 'canary-sr', 'canary-pat', at(3)));
  // Failure paths: malformed FHIR with canaries, an event for an unknown referral, a bad signature.
  await stack.post({ resourceType: 'Patient', id: 'x', name: `${CANARY}NotAnArray`, birthDate: `${CANARY}-date` });
  await stack.post(appointment('canary-orphan', `${CANARY}-missing-sr`, 'canary-pat', at(4), 'booked'));
  await stack.post(patient('canary-2', at(5), { name: [{ family: CANARY }] }), { secret: `whsec_${Buffer.alloc(24, 9).toString('base64')}` });
  await stack.settle();
  const page = (await (await stack.api.request('/api/queue?limit=100&status=completed')).json()) as { rows: { referral: { id: string } }[] };
  await stack.api.request(`/api/referrals/${page.rows[0]!.referral.id}/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: `${CANARY} called the patient` }) });
  await stack.api.request('/api/referrals', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ patientId: `${CANARY}-nobody`, service: { display: CANARY } }) });
  // Sign-in, roles and audit paths: reads by several roles (audited), a refusal, a forged token
  // whose claims carry the canary, and an audit write failing (the request fails closed).
  const referralId = page.rows[0]!.referral.id;
  await stack.as('aubrey').request(`/api/referrals/${referralId}`);
  await stack.as('nora').request(`/api/referrals/${referralId}`);
  await stack.as('nora').request('/api/patients');
  const forged = await stack.issuer.tokenFor({ id: 'u-forged', name: `${CANARY} Impostor`, role: 'coordinator' }, {}, { key: 'foreign' });
  await stack.apiApp.request('/api/queue', { headers: { authorization: `Bearer ${forged}` } });
  const { createApiApp } = await import('../../functions/api/app');
  const broken = createApiApp({ ...stack.ctx, config: { ...stack.ctx.config, tables: { ...stack.ctx.config.tables, audit: 'missing-audit-table' } } });
  await broken.request(`/api/referrals/${referralId}`, { headers: { authorization: `Bearer ${await stack.issuer.tokenFor({ id: 'u-casey', name: 'Casey Coordinator', role: 'coordinator' })}` } });

  const output = captured.join('');
  expect(output).toMatch(/"message":"Webhook accepted"/);
  expect(output).toMatch(/"message":"Event consumer failed"/);
  expect(output).toMatch(/"message":"Bearer token refused"/);
  expect(output).toMatch(/"message":"Audit write failed; response withheld"/);
  expect(output).not.toContain(CANARY);
  expect(output).not.toContain('1933-03-03');
});
