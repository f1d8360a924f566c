import type {
  Appointment,
  Bundle,
  CapabilityStatement,
  DocumentReference,
  Patient,
  Resource,
  ServiceRequest,
  Subscription,
} from '@medplum/fhirtypes';
import { BadRequestError, ConflictError, NotFoundError } from '../../../shared/errors';
import { SCENARIO_NAMES, SCENARIOS, startEhrSimulator, type EhrSimulator } from '../../../infra/local/ehr-sim/simulator';
import { expectNotificationLike, SECRET, startReceiver, verified, type Receiver } from './support';

jest.setTimeout(20_000);

const FAST_RETRIES = { baseDelayMs: 5, maxDelayMs: 20 };
const DAY = 86_400_000;

async function getJson<T = unknown>(url: string, init?: RequestInit): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
}

/** Every received delivery's verified body, in order. */
const bodies = (receiver: Receiver) => receiver.received.map((r) => verified<Resource>(r));

describe('startEhrSimulator', () => {
  let receiver: Receiver;
  let sim: EhrSimulator;

  beforeAll(async () => {
    receiver = await startReceiver();
    sim = await startEhrSimulator({ port: 0, sidecarWebhookUrl: receiver.webhookUrl, secret: SECRET, delivery: FAST_RETRIES });
  });
  afterAll(async () => {
    await sim?.close();
    await receiver?.close();
  });
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.respond = () => 202;
  });

  test('listens on 127.0.0.1 and publishes its FHIR and chart base URLs', () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.fhirBaseUrl).toBe(`${sim.url}/fhir/R4`);
    expect(sim.uiBaseUrl).toBe(`${sim.url}/ehr`);
    expect(sim.webhookUrl).toBe(receiver.webhookUrl);
  });

  describe('publishSeed', () => {
    test('announces every seeded Patient, then every referral, as bare signed resources with deterministic ids', async () => {
      const published = await sim.publishSeed();

      expect(published.patients).toBeGreaterThanOrEqual(20);
      expect(published.serviceRequests).toBeGreaterThanOrEqual(20);
      expect(published.accepted).toBe(published.patients + published.serviceRequests);
      expect(receiver.received).toHaveLength(published.deliveries.length);
      const received = bodies(receiver);
      const types = received.map((r) => r.resourceType);
      expect(types.lastIndexOf('Patient')).toBeLessThan(types.indexOf('ServiceRequest'));
      expect(new Set(types)).toEqual(new Set(['Patient', 'ServiceRequest']));
      receiver.received.forEach((request, i) => {
        const resource = received[i] as Resource;
        expect(request.headers['webhook-id']).toBe(`seed-${resource.resourceType}-${resource.id}-v1`);
        expect(request.headers['content-type']).toBe('application/fhir+json');
        expect(resource.meta).toMatchObject({ versionId: expect.any(String), lastUpdated: expect.any(String) });
      });
      // Up to 4 in flight: arrival order within a type varies, the result's order does not.
      expect(published.deliveries.map((d) => d.webhookId)).toEqual([
        ...sim.seed.patientIds.map((id) => `seed-Patient-${id}-v1`),
        ...sim.seed.serviceRequestIds.map((id) => `seed-ServiceRequest-${id}-v1`),
      ]);
      expect(received.filter((r) => r.resourceType === 'Patient').map((r) => r.id).sort()).toEqual([...sim.seed.patientIds].sort());
    });

    test('announces the seed as first stored even after scenarios changed it', async () => {
      const [id] = sim.seed.serviceRequestIds.slice(-1);
      await sim.runScenario('revoke', { serviceRequestId: id });
      receiver.received.length = 0;

      await sim.publishSeed();

      const announced = bodies(receiver).find((r) => r.id === id) as ServiceRequest;
      expect(announced.status).toBe('active');
      expect(announced.meta?.versionId).toBe('1');
    });

    test('counts only 2xx answers as accepted (200 is a duplicate, still accepted)', async () => {
      receiver.respond = (n) => (n === 0 ? 400 : 200);
      const published = await sim.publishSeed();
      expect(published.accepted).toBe(published.deliveries.length - 1);
      expect(published.deliveries.filter((d) => d.status === 400)).toHaveLength(1);
    });
  });

  describe('FHIR API', () => {
    test('GET /fhir/R4/metadata is a CapabilityStatement', async () => {
      const { status, body, headers } = await getJson<CapabilityStatement>(`${sim.fhirBaseUrl}/metadata`);
      expect(status).toBe(200);
      expect(headers.get('content-type')).toContain('application/fhir+json');
      expect(body).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', kind: 'instance' });
      expect(body.rest?.[0]?.resource?.map((r) => r.type)).toEqual(expect.arrayContaining(['Patient', 'ServiceRequest', 'Condition']));
    });

    test('GET /fhir/R4/Patient/:id reads a seeded patient with its version', async () => {
      const { status, body, headers } = await getJson<Patient>(`${sim.fhirBaseUrl}/Patient/pt-001`);
      expect(status).toBe(200);
      expect(headers.get('content-type')).toContain('application/fhir+json');
      expect(body).toMatchObject({ resourceType: 'Patient', id: 'pt-001', meta: { versionId: '1' } });
      expect(headers.get('etag')).toBe('W/"1"');
    });

    test('GET /fhir/R4/Condition?subject=Patient/:id finds only that patient’s conditions', async () => {
      const { status, body } = await getJson<Bundle>(`${sim.fhirBaseUrl}/Condition?subject=Patient/pt-002`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
      expect(body.entry?.length).toBeGreaterThanOrEqual(1);
      for (const entry of body.entry ?? []) {
        expect(entry.resource).toMatchObject({ resourceType: 'Condition', subject: { reference: 'Patient/pt-002' } });
        expect(entry.fullUrl).toBe(`${sim.fhirBaseUrl}/Condition/${entry.resource?.id}`);
      }
    });

    test('an unknown id is a 404 OperationOutcome', async () => {
      const { status, body } = await getJson<Resource>(`${sim.fhirBaseUrl}/Patient/does-not-exist`);
      expect(status).toBe(404);
      expect(body.resourceType).toBe('OperationOutcome');
    });

    test('POST creates with a server-assigned id, PUT updates and advances meta', async () => {
      const created = await getJson<Patient>(`${sim.fhirBaseUrl}/Patient`, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'Patient', id: 'pt-001', name: [{ family: 'Created' }] }),
      });
      expect(created.status).toBe(201);
      expect(created.body.id).not.toBe('pt-001');
      expect(created.headers.get('location')).toContain(`/Patient/${created.body.id}/_history/`);

      const updated = await getJson<Patient>(`${sim.fhirBaseUrl}/Patient/${created.body.id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/fhir+json' },
        body: JSON.stringify({ ...created.body, gender: 'other' }),
      });
      expect(updated.status).toBe(200);
      expect(updated.body.gender).toBe('other');
      expect(updated.body.meta?.versionId).not.toBe(created.body.meta?.versionId);
      expect(Date.parse(updated.body.meta?.lastUpdated ?? '')).toBeGreaterThan(Date.parse(created.body.meta?.lastUpdated ?? ''));

      const seeded = await getJson<Patient>(`${sim.fhirBaseUrl}/Patient/pt-001`);
      expect(seeded.body.name?.[0]?.family).not.toBe('Created');
    });

    test('refuses DELETE and a body that is not JSON', async () => {
      expect((await fetch(`${sim.fhirBaseUrl}/Patient/pt-001`, { method: 'DELETE' })).status).toBe(405);
      const bad = await fetch(`${sim.fhirBaseUrl}/Patient`, { method: 'POST', body: '{not json' });
      expect(bad.status).toBe(400);
      expect((await getJson(`${sim.fhirBaseUrl}/Patient/pt-001`)).status).toBe(200);
    });
  });

  describe('runScenario', () => {
    const lastNotification = () => {
      const request = receiver.received.at(-1);
      if (!request) throw new Error('nothing received');
      return { webhookId: String(request.headers['webhook-id']), ...expectNotificationLike(verified<Bundle>(request)) };
    };
    const read = async <T extends Resource>(reference: string) => (await getJson<T>(`${sim.fhirBaseUrl}/${reference}`)).body;

    test('new-referral creates an active referral for the patient and notifies its creation', async () => {
      const result = await sim.runScenario('new-referral', { patientId: 'pt-003' });

      expect(result).toMatchObject({ scenario: 'new-referral', patientId: 'pt-003', deliveries: [{ status: 202, attempts: 1 }] });
      expect(sim.seed.serviceRequestIds).not.toContain(result.serviceRequestId);
      const sr = await read<ServiceRequest>(`ServiceRequest/${result.serviceRequestId}`);
      expect(sr).toMatchObject({ status: 'active', intent: 'order', subject: { reference: 'Patient/pt-003' } });
      expect(sr.category?.[0]?.coding?.[0]?.code).toBe('3457005');
      expect(sr.performer?.[0]?.display).toBeTruthy();
      expect((await read<Resource>(sr.reasonReference?.[0]?.reference ?? '')).resourceType).toBe('Condition');

      const { webhookId, focus } = lastNotification();
      expect(webhookId).toBe(result.deliveries[0]?.webhookId);
      expect(webhookId).toMatch(/^evt-/);
      expect(focus).toEqual(sr);
      const bundle = verified<Bundle>(receiver.received.at(-1)!);
      expect(bundle.entry?.[1]).toMatchObject({ request: { method: 'POST', url: 'ServiceRequest' }, response: { status: '201' } });
    });

    test('revoke sets the referral to revoked, with a new version, and notifies the update', async () => {
      const before = await read<ServiceRequest>('ServiceRequest/sr-002-1');

      const result = await sim.runScenario('revoke', { serviceRequestId: 'sr-002-1' });

      const after = await read<ServiceRequest>('ServiceRequest/sr-002-1');
      expect(before.status).toBe('active');
      expect(after.status).toBe('revoked');
      expect(after.meta?.versionId).not.toBe(before.meta?.versionId);
      expect(Date.parse(after.meta?.lastUpdated ?? '')).toBeGreaterThan(Date.parse(before.meta?.lastUpdated ?? ''));
      expect(result.resources).toEqual(['ServiceRequest/sr-002-1']);
      const { focus } = lastNotification();
      expect(focus).toEqual(after);
      expect(verified<Bundle>(receiver.received.at(-1)!).entry?.[1]).toMatchObject({
        request: { method: 'PUT', url: 'ServiceRequest/sr-002-1' },
        response: { status: '200' },
      });

      await expect(sim.runScenario('revoke', { serviceRequestId: 'sr-002-1' })).rejects.toThrow(ConflictError);
    });

    test('appointment-booked books an appointment based on the referral', async () => {
      const sr = await read<ServiceRequest>('ServiceRequest/sr-003-1');

      const result = await sim.runScenario('appointment-booked', { serviceRequestId: 'sr-003-1' });

      const search = await read<Bundle<Appointment>>('Appointment?based-on=ServiceRequest/sr-003-1');
      expect(search.entry).toHaveLength(1);
      const appointment = search.entry?.[0]?.resource as Appointment;
      expect(result.resources).toEqual([`Appointment/${appointment.id}`]);
      expect(appointment.status).toBe('booked');
      expect(appointment.serviceType).toEqual([sr.performerType]);
      expect(appointment.participant.map((p) => p.actor?.reference?.split('/')[0])).toEqual(['Patient', 'Practitioner']);
      expect(appointment.participant[0]?.actor?.reference).toBe(sr.subject?.reference);
      // More than 4 days ahead: Sidecar's 72 h and 24 h reminders are both still to come.
      expect(Date.parse(appointment.start ?? '')).toBeGreaterThan(Date.now() + 4 * DAY);
      expect(Date.parse(appointment.end ?? '')).toBeGreaterThan(Date.parse(appointment.start ?? ''));
      expect(lastNotification().focus).toEqual(appointment);

      await expect(sim.runScenario('appointment-booked', { serviceRequestId: 'sr-003-1' })).rejects.toThrow(/already has Appointment/);
    });

    test('no-show marks the booked appointment noshow; the Appointment subscription counts its events', async () => {
      await sim.runScenario('appointment-booked', { serviceRequestId: 'sr-006-1' });
      const booked = lastNotification();

      const result = await sim.runScenario('no-show', { serviceRequestId: 'sr-006-1' });

      const missed = lastNotification();
      expect(result.deliveries).toHaveLength(1);
      expect(missed.focus).toMatchObject({ resourceType: 'Appointment', id: booked.focus.id, status: 'noshow' });
      expect(missed.eventNumber).toBe(booked.eventNumber + 1);
      const subscription = (n: typeof booked) => n.status.parameter?.find((p) => p.name === 'subscription')?.valueReference?.reference;
      expect(subscription(missed)).toBe(subscription(booked));
      const stored = await read<Subscription>(subscription(missed)?.replace(`${sim.fhirBaseUrl}/`, '') ?? '');
      expect(stored).toMatchObject({ resourceType: 'Subscription', status: 'active', channel: { type: 'rest-hook', endpoint: receiver.webhookUrl } });
    });

    test('no-show books an appointment first when the referral has none', async () => {
      const result = await sim.runScenario('no-show', { serviceRequestId: 'sr-004-1' });

      expect(result.deliveries).toHaveLength(2);
      const [created, missed] = bodies(receiver).map((b) => expectNotificationLike(b as Bundle));
      expect(created?.focus).toMatchObject({ resourceType: 'Appointment', status: 'booked' });
      expect(missed?.focus).toMatchObject({ resourceType: 'Appointment', id: created?.focus.id, status: 'noshow' });
      expect(missed?.eventNumber).toBe((created?.eventNumber ?? 0) + 1);
    });

    test('appointment-moved re-sends the same Appointment 2 days later, as a newer version', async () => {
      await sim.runScenario('appointment-booked', { serviceRequestId: 'sr-009-1' });
      const booked = lastNotification();
      const before = booked.focus as Appointment;

      const result = await sim.runScenario('appointment-moved', { serviceRequestId: 'sr-009-1' });

      const moved = lastNotification();
      const after = moved.focus as Appointment;
      expect(result).toMatchObject({ scenario: 'appointment-moved', serviceRequestId: 'sr-009-1', patientId: 'pt-009', resources: [`Appointment/${before.id}`] });
      expect(result.deliveries).toHaveLength(1);
      expect(after).toMatchObject({ resourceType: 'Appointment', id: before.id, status: 'booked' });
      expect(Date.parse(after.start ?? '') - Date.parse(before.start ?? '')).toBe(2 * DAY);
      expect(Date.parse(after.end ?? '') - Date.parse(before.end ?? '')).toBe(2 * DAY);
      expect(after.meta?.versionId).not.toBe(before.meta?.versionId);
      expect(Date.parse(after.meta?.lastUpdated ?? '')).toBeGreaterThan(Date.parse(before.meta?.lastUpdated ?? ''));
      expect(moved.eventNumber).toBe(booked.eventNumber + 1);
      expect(verified<Bundle>(receiver.received.at(-1)!).entry?.[1]).toMatchObject({ request: { method: 'PUT', url: `Appointment/${before.id}` } });
      expect(await read<Appointment>(`Appointment/${before.id}`)).toEqual(after);
      // Still one appointment for the referral: moved, not rebooked.
      expect((await read<Bundle<Appointment>>('Appointment?based-on=ServiceRequest/sr-009-1')).entry).toHaveLength(1);
    });

    test('appointment-cancelled cancels the booked appointment, with the patient as the reason', async () => {
      await sim.runScenario('appointment-booked', { serviceRequestId: 'sr-010-1' });
      const booked = lastNotification();

      const result = await sim.runScenario('appointment-cancelled', { serviceRequestId: 'sr-010-1' });

      const cancelled = lastNotification();
      expect(result).toMatchObject({ scenario: 'appointment-cancelled', serviceRequestId: 'sr-010-1', resources: [`Appointment/${booked.focus.id}`] });
      expect(cancelled.focus).toMatchObject({
        resourceType: 'Appointment',
        id: booked.focus.id,
        status: 'cancelled',
        start: (booked.focus as Appointment).start,
        cancelationReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason', code: 'pat' }] },
      });
      expect(cancelled.eventNumber).toBe(booked.eventNumber + 1);
      // Nothing upcoming is left to cancel or move: the next run books a new appointment first.
      const again = await sim.runScenario('appointment-cancelled', { serviceRequestId: 'sr-010-1' });
      expect(again.deliveries).toHaveLength(2);
      expect(again.resources[0]).not.toBe(`Appointment/${booked.focus.id}`);
    });

    test('appointment-moved and appointment-cancelled book an appointment first when the referral has none', async () => {
      for (const [scenario, serviceRequestId] of [
        ['appointment-moved', 'sr-011-1'],
        ['appointment-cancelled', 'sr-012-1'],
      ] as const) {
        receiver.received.length = 0;
        const result = await sim.runScenario(scenario, { serviceRequestId });
        expect(result.deliveries).toHaveLength(2);
        const [created, changed] = bodies(receiver).map((b) => expectNotificationLike(b as Bundle));
        expect(created?.focus).toMatchObject({ resourceType: 'Appointment', status: 'booked' });
        expect(changed?.focus).toMatchObject({ resourceType: 'Appointment', id: created?.focus.id, status: scenario === 'appointment-moved' ? 'booked' : 'cancelled' });
        expect(result.resources).toEqual([`Appointment/${created?.focus.id}`, `Appointment/${created?.focus.id}`]);
      }
    });

    test('consult-note files a current consult note related to the referral', async () => {
      const result = await sim.runScenario('consult-note', { serviceRequestId: 'sr-005-1' });

      const search = await read<Bundle<DocumentReference>>('DocumentReference?related=ServiceRequest/sr-005-1');
      const note = search.entry?.[0]?.resource as DocumentReference;
      expect(result.resources).toEqual([`DocumentReference/${note.id}`]);
      expect(note).toMatchObject({ status: 'current', subject: { reference: 'Patient/pt-005' } });
      expect(note.type?.coding?.[0]).toMatchObject({ system: 'http://loinc.org', code: '11488-4' });
      expect(note.context?.related?.[0]?.reference).toBe('ServiceRequest/sr-005-1');
      const attachment = note.content[0]?.attachment;
      expect(attachment?.contentType).toBe('text/plain');
      expect(Buffer.from(attachment?.data ?? '', 'base64').toString('utf8')).toContain('Consult note');
      expect(lastNotification().focus).toEqual(note);

      await expect(sim.runScenario('consult-note', { serviceRequestId: 'sr-005-1' })).rejects.toThrow(ConflictError);
    });

    test('rejects unknown scenarios and targets with typed errors', async () => {
      await expect(sim.runScenario('transfer')).rejects.toThrow(NotFoundError);
      await expect(sim.runScenario('revoke', { serviceRequestId: 'no-such-referral' })).rejects.toThrow(NotFoundError);
      await expect(sim.runScenario('new-referral', { patientId: 'no-such-patient' })).rejects.toThrow(NotFoundError);
      await expect(sim.runScenario('revoke', { serviceRequestId: '../Patient/pt-001' })).rejects.toThrow(BadRequestError);
      await expect(sim.runScenario('revoke', { serviceRequestId: 'sr-007-1', patientId: 'pt-001' })).rejects.toThrow(BadRequestError);
      expect(receiver.received).toHaveLength(0);
    });
  });

  describe('control API', () => {
    const post = (name: string, body?: string) =>
      getJson<{ error?: { code: string; message: string } } & Record<string, unknown>>(`${sim.url}/$sim/scenarios/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body }),
      });

    test('POST /$sim/scenarios/:name runs the scenario and answers its result', async () => {
      const { status, body } = await post('appointment-booked', JSON.stringify({ serviceRequestId: 'sr-008-1' }));
      expect(status).toBe(200);
      expect(body).toMatchObject({ scenario: 'appointment-booked', serviceRequestId: 'sr-008-1', deliveries: [{ status: 202 }] });
      expect(receiver.received).toHaveLength(1);
    });

    test('answers 404 for an unknown scenario or referral, 400 for a bad body, 409 for a wrong state', async () => {
      const unknown = await post('transfer', '{}');
      expect(unknown.status).toBe(404);
      expect(unknown.body.error?.message).toContain('new-referral');
      expect((await post('revoke', JSON.stringify({ serviceRequestId: 'nope' }))).status).toBe(404);
      expect((await post('revoke', '{oops')).status).toBe(400);
      const typo = await post('revoke', JSON.stringify({ serviceRequest: 'sr-001-1' }));
      expect(typo.status).toBe(400);
      expect(typo.body.error?.code).toBe('bad_request');
      expect((await post('revoke', JSON.stringify({ serviceRequestId: 'sr-002-1' }))).status).toBe(409);
      expect(receiver.received).toHaveLength(0);
    });

    test('GET /$sim/state lists referrals with appointment and outcome, and no patient data', async () => {
      const { status, body } = await getJson<{ scenarios: unknown[]; serviceRequests: Record<string, unknown>[] }>(`${sim.url}/$sim/state`);
      expect(status).toBe(200);
      expect(body.scenarios).toEqual(SCENARIOS);
      expect(body.serviceRequests.length).toBeGreaterThanOrEqual(20);
      const row = (id: string) => body.serviceRequests.find((r) => r.id === id);
      expect(row('sr-003-1')).toMatchObject({ patientId: 'pt-003', status: 'active', appointment: { status: 'booked' }, hasOutcome: false });
      expect(row('sr-005-1')).toMatchObject({ hasOutcome: true, appointment: null, code: expect.any(String) });
      expect(row('sr-002-1')).toMatchObject({ status: 'revoked' });
      const patient = (await getJson<Patient>(`${sim.fhirBaseUrl}/Patient/pt-003`)).body;
      expect(JSON.stringify(body)).not.toContain(patient.name?.[0]?.family ?? '-');
    });

    test('GET /$sim/health answers ok', async () => {
      const { status, body } = await getJson(`${sim.url}/$sim/health`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ status: 'ok', sourceId: 'ehr-sim', fhirBaseUrl: sim.fhirBaseUrl });
    });
  });

  describe('chart pages', () => {
    test('GET /ehr/Patient/:id shows the chart with every value escaped', async () => {
      const hostile = '<script>alert("x")</script>';
      const created = await getJson<Patient>(`${sim.fhirBaseUrl}/Patient`, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'Patient', name: [{ family: hostile, given: ['A&B'] }], birthDate: '1970-01-01' }),
      });

      const response = await fetch(`${sim.uiBaseUrl}/Patient/${created.body.id}`);
      const html = await response.text();

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
      expect(html).toContain('A&amp;B');
      expect(html).not.toContain('<script>');
      expect(html).toContain('<html lang="en">');
    });

    test('GET /ehr/ServiceRequest/:id summarises the referral and links its patient', async () => {
      const sr = (await getJson<ServiceRequest>(`${sim.fhirBaseUrl}/ServiceRequest/sr-001-1`)).body;
      const response = await fetch(`${sim.uiBaseUrl}/ServiceRequest/sr-001-1`);
      const html = await response.text();
      expect(response.status).toBe(200);
      expect(html).toContain('href="/ehr/Patient/pt-001"');
      expect(html).toContain(sr.code?.text ?? '-');
      expect(html).toContain(sr.performer?.[0]?.display ?? '-');
    });

    test('a missing resource gets a 404 page', async () => {
      for (const path of ['/Patient/nobody', '/ServiceRequest/nothing', '/Encounter/1']) {
        const response = await fetch(`${sim.uiBaseUrl}${path}`);
        expect(response.status).toBe(404);
        expect(response.headers.get('content-type')).toContain('text/html');
        await response.text();
      }
    });
  });
});

describe('default targets', () => {
  let receiver: Receiver;
  let sim: EhrSimulator;

  beforeAll(async () => {
    receiver = await startReceiver();
    sim = await startEhrSimulator({ port: 0, sidecarWebhookUrl: receiver.webhookUrl, secret: SECRET, seedCount: 4, delivery: FAST_RETRIES });
  });
  afterAll(async () => {
    await sim?.close();
    await receiver?.close();
  });

  test('each scenario acts on the most recently created referral that fits it', async () => {
    const first = await sim.runScenario('new-referral');
    expect(sim.seed.patientIds).toContain(first.patientId);
    const second = await sim.runScenario('new-referral');
    expect(second.patientId).not.toBe(first.patientId);

    expect((await sim.runScenario('appointment-booked')).serviceRequestId).toBe(second.serviceRequestId);
    // The newest now has an appointment, so the next booking goes to the one before it.
    expect((await sim.runScenario('appointment-booked')).serviceRequestId).toBe(first.serviceRequestId);
    // The newest referral with a booked appointment misses it.
    const noShow = await sim.runScenario('no-show');
    expect(noShow.serviceRequestId).toBe(second.serviceRequestId);
    expect(noShow.deliveries).toHaveLength(1);
    // A consult note prefers a referral with a booked appointment over a newer one whose appointment was missed.
    expect((await sim.runScenario('consult-note')).serviceRequestId).toBe(first.serviceRequestId);
    expect((await sim.runScenario('revoke')).serviceRequestId).toBe(second.serviceRequestId);
    expect((await sim.runScenario('revoke')).serviceRequestId).toBe(first.serviceRequestId);
    // Then the seeded referrals, newest first.
    expect((await sim.runScenario('revoke')).serviceRequestId).toBe(sim.seed.serviceRequestIds.at(-1));
  });

  test('patientId narrows the default target to that patient’s referrals', async () => {
    const result = await sim.runScenario('appointment-booked', { patientId: 'pt-001' });
    expect(result.patientId).toBe('pt-001');
  });

  test('says so when no referral fits', async () => {
    for (const id of sim.seed.serviceRequestIds) await sim.runScenario('revoke', { serviceRequestId: id }).catch(() => undefined);
    await expect(sim.runScenario('revoke')).rejects.toThrow(/No active referral to revoke; pass serviceRequestId/);
    await expect(sim.runScenario('appointment-booked')).rejects.toThrow(ConflictError);
  });
});

describe('determinism across starts', () => {
  test('two starts seed the same ids and content, and re-announce them with the same webhook ids', async () => {
    const receiver = await startReceiver();
    const now = () => new Date('2025-06-02T10:00:00Z');
    const runs: { ids: string[]; bodies: string[]; fhir: unknown }[] = [];
    try {
      for (let start = 0; start < 2; start++) {
        receiver.received.length = 0;
        const sim = await startEhrSimulator({ port: 0, sidecarWebhookUrl: receiver.webhookUrl, secret: SECRET, now });
        try {
          await sim.publishSeed();
          const [patients, referrals] = await Promise.all(
            ['Patient', 'ServiceRequest'].map(async (type) => (await getJson<Bundle>(`${sim.fhirBaseUrl}/${type}`)).body.entry?.map((e) => e.resource)),
          );
          // Sorted by webhook id: up to 4 deliveries are in flight, so arrival order varies.
          const received = [...receiver.received].sort((x, y) => String(x.headers['webhook-id']).localeCompare(String(y.headers['webhook-id'])));
          runs.push({
            ids: received.map((r) => String(r.headers['webhook-id'])),
            bodies: received.map((r) => r.body),
            fhir: { patients, referrals },
          });
        } finally {
          await sim.close();
        }
      }
    } finally {
      await receiver.close();
    }
    const [a, b] = runs;
    expect(a?.ids.length).toBeGreaterThanOrEqual(40);
    expect(b?.ids).toEqual(a?.ids);
    expect(b?.bodies).toEqual(a?.bodies);
    expect(b?.fhir).toEqual(a?.fhir);
  });
});

describe('options', () => {
  test('a bare Sidecar base URL gets the webhook path for the source appended', async () => {
    const receiver = await startReceiver('hospital-a');
    const sim = await startEhrSimulator({ port: 0, sidecarWebhookUrl: receiver.url, secret: SECRET, sourceId: 'hospital-a' });
    try {
      expect(sim.webhookUrl).toBe(receiver.webhookUrl);
    } finally {
      await sim.close();
      await receiver.close();
    }
  });

  test('refuses a malformed secret without repeating it', async () => {
    const secret = 'whsec_not base64 at all!';
    const start = startEhrSimulator({ port: 0, sidecarWebhookUrl: 'http://127.0.0.1:9/', secret });
    await expect(start).rejects.toThrow(/secret/);
    await expect(start).rejects.not.toThrow(secret);
  });

  test('the injected clock dates the writes and lastUpdated always moves forward', async () => {
    const receiver = await startReceiver();
    const at = new Date('2025-01-10T08:00:00Z');
    const sim = await startEhrSimulator({ port: 0, sidecarWebhookUrl: receiver.webhookUrl, secret: SECRET, seedCount: 2, now: () => at });
    try {
      const seeded = (await getJson<ServiceRequest>(`${sim.fhirBaseUrl}/ServiceRequest/sr-001-1`)).body;
      expect(seeded.meta?.lastUpdated).toBe('2025-01-10T00:00:00.000Z');
      const result = await sim.runScenario('no-show', { serviceRequestId: 'sr-001-1' });
      const [booked, missed] = receiver.received.map((r) => expectNotificationLike(verified<Bundle>(r)).focus);
      expect(booked?.meta?.lastUpdated).toBe(at.toISOString());
      expect(missed?.meta?.lastUpdated).toBe(new Date(at.getTime() + 1).toISOString());
      expect(result.deliveries.map((d) => d.status)).toEqual([202, 202]);
    } finally {
      await sim.close();
      await receiver.close();
    }
  });

  test('books appointments more than 4 days ahead even late in the day, so no reminder offset is already past', async () => {
    const receiver = await startReceiver();
    const at = new Date('2025-01-10T23:59:00Z');
    const sim = await startEhrSimulator({ port: 0, sidecarWebhookUrl: receiver.webhookUrl, secret: SECRET, seedCount: 4, now: () => at, delivery: FAST_RETRIES });
    try {
      for (const serviceRequestId of ['sr-001-1', 'sr-002-1', 'sr-003-1', 'sr-004-1']) {
        await sim.runScenario('appointment-booked', { serviceRequestId });
        const { focus } = expectNotificationLike(verified<Bundle>(receiver.received.at(-1)!));
        expect(Date.parse((focus as Appointment).start ?? '') - at.getTime()).toBeGreaterThan(4 * DAY);
      }
    } finally {
      await sim.close();
      await receiver.close();
    }
  });

  test('exports the scenario list for the dev page', () => {
    expect(SCENARIOS.map((s) => s.name)).toEqual([...SCENARIO_NAMES]);
    for (const s of SCENARIOS) expect(s.description.length).toBeGreaterThan(10);
  });
});
