import { createServer } from 'node:net';
import type { Bundle } from '@medplum/fhirtypes';
import { createWebhookSender, mapWithConcurrency } from '../../../infra/local/ehr-sim/delivery';
import { startEhrSimulator, type EhrSimulator } from '../../../infra/local/ehr-sim/simulator';
import { expectNotificationLike, SECRET, startReceiver, verified, type Receiver } from './support';

jest.setTimeout(20_000);

/** A port nothing listens on: bound, read, released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('webhook delivery', () => {
  let receiver: Receiver;
  let sim: EhrSimulator;

  beforeAll(async () => {
    receiver = await startReceiver();
    sim = await startEhrSimulator({
      port: 0,
      sidecarWebhookUrl: receiver.webhookUrl,
      secret: SECRET,
      seedCount: 6,
      delivery: { attempts: 5, baseDelayMs: 10, maxDelayMs: 40 },
    });
  });
  afterAll(async () => {
    await sim?.close();
    await receiver?.close();
  });
  beforeEach(() => {
    receiver.received.length = 0;
  });

  test('retries a 503 with the same webhook id and a fresh valid signature until Sidecar accepts', async () => {
    receiver.respond = (n) => (n < 2 ? 503 : 202);

    const result = await sim.runScenario('revoke', { serviceRequestId: 'sr-001-1' });

    expect(result.deliveries).toEqual([{ webhookId: expect.stringMatching(/^evt-/), status: 202, attempts: 3 }]);
    expect(receiver.received.map((r) => r.answered)).toEqual([503, 503, 202]);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([result.deliveries[0]?.webhookId]));
    const bodies = receiver.received.map((r) => verified<Bundle>(r));
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    expectNotificationLike(bodies[0] as Bundle);
  });

  test('does not retry a 400: the request is wrong, not the moment', async () => {
    receiver.respond = () => 400;

    const result = await sim.runScenario('revoke', { serviceRequestId: 'sr-002-1' });

    expect(result.deliveries).toEqual([{ webhookId: expect.any(String), status: 400, attempts: 1 }]);
    expect(receiver.received).toHaveLength(1);
  });

  test('retries 429 and 500, and gives up after the attempt limit with the last status', async () => {
    receiver.respond = (n) => (n === 0 ? 429 : 500);

    const result = await sim.runScenario('revoke', { serviceRequestId: 'sr-003-1' });

    expect(result.deliveries[0]).toMatchObject({ status: 500, attempts: 5 });
    expect(receiver.received.map((r) => r.answered)).toEqual([429, 500, 500, 500, 500]);
  });

  test('a 200 (duplicate delivery) is final', async () => {
    receiver.respond = () => 200;
    const result = await sim.runScenario('revoke', { serviceRequestId: 'sr-004-1' });
    expect(result.deliveries[0]).toMatchObject({ status: 200, attempts: 1 });
  });

  test('reports status 0 after bounded retries when Sidecar cannot be reached', async () => {
    const sender = createWebhookSender({
      url: `http://127.0.0.1:${await closedPort()}/webhooks/ehr/ehr-sim`,
      secret: SECRET,
      policy: { attempts: 3, baseDelayMs: 10, maxDelayMs: 20, timeoutMs: 1_000 },
    });
    const started = Date.now();

    const delivery = await sender.send('evt-unreachable', { resourceType: 'Patient', id: 'x' });

    expect(delivery).toEqual({ webhookId: 'evt-unreachable', status: 0, attempts: 3 });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('mapWithConcurrency', () => {
  test('keeps order and never has more than the limit in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapWithConcurrency([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, n * 3));
      inFlight -= 1;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(most).toBe(3);
  });
});
