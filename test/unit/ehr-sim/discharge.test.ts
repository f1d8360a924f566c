import type { Bundle, Encounter } from '@medplum/fhirtypes';
import { ConflictError } from '../../../shared/errors';
import { startEhrSimulator, type EhrSimulator } from '../../../infra/local/ehr-sim/simulator';
import { expectNotificationLike, SECRET, startReceiver, verified, type Receiver } from './support';

jest.setTimeout(20_000);

describe('discharge scenarios', () => {
  let receiver: Receiver;
  let sim: EhrSimulator;

  beforeAll(async () => {
    receiver = await startReceiver();
    sim = await startEhrSimulator({ port: 0, sidecarWebhookUrl: receiver.webhookUrl, secret: SECRET, delivery: { baseDelayMs: 5, maxDelayMs: 20 } });
  });
  afterAll(async () => {
    await sim?.close();
    await receiver?.close();
  });
  beforeEach(() => {
    receiver.received.length = 0;
  });

  const lastFocus = () => expectNotificationLike(verified<Bundle>(receiver.received.at(-1)!)).focus as Encounter;

  test('refuses to withdraw a discharge when there is none', async () => {
    await expect(sim.runScenario('discharge-entered-in-error')).rejects.toThrow(ConflictError);
    expect(receiver.received).toHaveLength(0);
  });

  test('discharge finishes an inpatient Encounter for a seeded patient and posts it as a signed webhook', async () => {
    const patientId = sim.seed.patientIds[1]!;
    const result = await sim.runScenario('discharge', { patientId });
    expect(result).toMatchObject({ scenario: 'discharge', patientId, resources: [expect.stringMatching(/^Encounter\//)] });
    expect(result.serviceRequestId).toBeUndefined();
    expect(result.deliveries).toHaveLength(1);
    const encounter = lastFocus();
    expect(encounter).toMatchObject({
      resourceType: 'Encounter',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      subject: { reference: `Patient/${patientId}` },
    });
    expect(Date.parse(encounter.period!.end!)).toBeGreaterThan(Date.parse(encounter.period!.start!));
    expect(result.resources).toEqual([`Encounter/${encounter.id}`]);
    const stored = (await (await fetch(`${sim.fhirBaseUrl}/Encounter/${encounter.id}`)).json()) as Encounter;
    expect(stored.status).toBe('finished');
  });

  test('defaults to the next seeded patient in turn', async () => {
    const result = await sim.runScenario('discharge');
    expect(sim.seed.patientIds).toContain(result.patientId);
  });

  test('discharge-entered-in-error withdraws the newest finished Encounter of the patient, as an update', async () => {
    const patientId = sim.seed.patientIds[2]!;
    const discharged = await sim.runScenario('discharge', { patientId });
    const first = lastFocus();
    await sim.runScenario('discharge', { patientId: sim.seed.patientIds[3]! }); // someone else's, newer
    const result = await sim.runScenario('discharge-entered-in-error', { patientId });
    const withdrawn = lastFocus();
    expect(result.resources).toEqual(discharged.resources);
    expect(withdrawn).toMatchObject({ resourceType: 'Encounter', id: first.id, status: 'entered-in-error' });
    expect(withdrawn.meta?.versionId).not.toBe(first.meta?.versionId);
    const entry = verified<Bundle>(receiver.received.at(-1)!).entry?.[1];
    expect(entry?.request).toMatchObject({ method: 'PUT', url: `Encounter/${first.id}` });
  });

  test('refuses a serviceRequestId: discharges are not about a referral', async () => {
    await expect(sim.runScenario('discharge', { serviceRequestId: 'sr-001-1' })).rejects.toThrow(/takes patientId/);
  });
});
