import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type EhrSimulator, startEhrSimulator } from '../../infra/local/ehr-sim/simulator';
import { getEhrContext } from '../../shared/referrals/get-ehr-context';
import type { ReferralView } from '../../shared/referrals/get-referral';
import type { QueuePage } from '../../shared/referrals/list-queue';
import { appointment } from '../fixtures/fhir/builders';
import { useStack } from './support/stack';

/**
 * Sidecar reading from the EHR's FHIR API (MedplumClient) — here the EHR simulator's real FHIR R4
 * server — for id-only notifications, out-of-order events and clinical context.
 */
let sim: EhrSimulator;
beforeAll(async () => {
  // The simulator is only used as a FHIR server here; its webhooks go nowhere.
  sim = await startEhrSimulator({ port: 0, sidecarWebhookUrl: 'http://127.0.0.1:9/webhooks/ehr/ehr-test', secret: `whsec_${Buffer.alloc(24, 1).toString('base64')}`, delivery: { attempts: 1 } });
});
afterAll(async () => sim?.close());

const stack = useStack({ fhirBaseUrl: () => sim.fhirBaseUrl });

/** The Inferno id-only fixture, with its focus pointed at a resource the EHR holds. */
function idOnly(reference: string): string {
  const fixture = readFileSync(path.resolve(__dirname, '../../../shared/fixtures/fhir-subscriptions/event-id-only.json'), 'utf8');
  return fixture.replaceAll('https://fhirserver.org/fhir/Encounter/86009987-eabe-42bf-8c02-b112b18cb616', `${sim.fhirBaseUrl}/${reference}`);
}

async function referralFor(srId: string): Promise<ReferralView | undefined> {
  const page = (await (await stack.api.request('/api/queue?limit=100')).json()) as QueuePage;
  const row = page.rows.find((r) => r.referral.serviceRequest?.reference === `ServiceRequest/${srId}`);
  return row ? ((await (await stack.api.request(`/api/referrals/${row.referral.id}`)).json()) as ReferralView) : undefined;
}

it('an id-only notification reads the ServiceRequest (and its patient) from the EHR', async () => {
  const srId = sim.seed.serviceRequestIds[0]!;
  const res = await stack.post(undefined, { raw: idOnly(`ServiceRequest/${srId}`) });
  expect(res.status).toBe(202);
  await stack.settle();
  const view = await referralFor(srId);
  expect(view?.referral.status).toBe('requested');
  expect(view?.patient?.pending).toBe(false);
  expect(view?.patient?.name?.text).toBeTruthy();
});

it('an appointment that arrives before its referral reads the ServiceRequest from the EHR first', async () => {
  const srId = sim.seed.serviceRequestIds[1]!;
  const sr = (await (await fetch(`${sim.fhirBaseUrl}/ServiceRequest/${srId}`)).json()) as { subject: { reference: string } };
  const patientId = sr.subject.reference.split('/')[1]!;
  expect((await stack.post(appointment('appt-first', srId, patientId, new Date().toISOString(), 'booked'))).status).toBe(202);
  await stack.settle();
  expect((await referralFor(srId))?.referral).toMatchObject({ status: 'in-progress', businessStatus: 'appointment-booked' });
});

it('reads clinical context live from the EHR, and says so when it cannot', async () => {
  const srId = sim.seed.serviceRequestIds[0]!;
  const view = await referralFor(srId);
  const context = await getEhrContext(stack.ctx, { referral: view!.referral });
  expect(context.available).toBe(true);
  expect(context.serviceRequest?.id).toBe(srId);
  expect(context.conditions?.length).toBeGreaterThan(0);

  const unreachable = await getEhrContext({ ...stack.ctx, fetch: () => Promise.reject(new Error('connect ECONNREFUSED')) }, { referral: view!.referral });
  expect(unreachable).toEqual({ available: false, problem: 'The EHR did not answer; try again shortly' });
});

it('an id-only notification for a resource the EHR cannot return fails visibly, with a replay', async () => {
  await stack.post(undefined, { raw: idOnly('ServiceRequest/does-not-exist') });
  await stack.settle();
  const failed = (await (await stack.as('ada').request('/api/events?view=failed')).json()) as { events: { consumers: Record<string, { error?: string }> }[] };
  expect(failed.events.some((e) => Object.values(e.consumers).some((c) => /Could not read the notified resource from the EHR/.test(c.error ?? '')))).toBe(true);
});
