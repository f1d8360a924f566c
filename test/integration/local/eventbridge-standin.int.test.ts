/**
 * The local EventBridge stand-in, driven by the real @aws-sdk/client-eventbridge through an
 * endpoint override: what the SDK sends, what it parses, which errors it surfaces, and how
 * accepted events reach the catalogue's consumers. (No DynamoDB needed; it lives with the
 * integration tests because it opens servers and talks HTTP.)
 */
import { EventBridgeClient, ListRulesCommand, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  startEventBridgeStandIn,
  type EventBridgeEvent,
  type EventBridgeStandIn,
  type StartEventBridgeStandInOptions,
} from '../../../infra/local/eventbridge-standin';
import { CONSUMERS, DELIVERY_POLICY, DETAIL_TYPES, EVENT_SOURCE, MAX_ENTRY_BYTES, type ConsumerId } from '../../../shared/events/catalogue';

jest.setTimeout(20_000);

const BUS = 'sidecar-test-bus';
const REGION = 'eu-west-1';

interface Delivery {
  consumerId: ConsumerId;
  event: EventBridgeEvent;
}

/** Everything a test needs: the stand-in, a real SDK client on it, and what was delivered. */
async function harness(options: Partial<StartEventBridgeStandInOptions> = {}, clientOptions: { maxAttempts?: number } = {}) {
  const deliveries: Delivery[] = [];
  const standIn = await startEventBridgeStandIn({
    busName: BUS,
    baseDelayMs: 2,
    deliver: async (consumerId, event) => {
      deliveries.push({ consumerId, event });
    },
    ...options,
  });
  const client = new EventBridgeClient({
    endpoint: standIn.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    ...clientOptions,
  });
  open.push({ standIn, client });
  return { standIn, client, deliveries };
}

const open: { standIn: EventBridgeStandIn; client: EventBridgeClient }[] = [];
afterEach(async () => {
  for (const { standIn, client } of open.splice(0)) {
    client.destroy();
    await standIn.stop();
  }
});

/** A thin `<Type>.changed` entry as the webhook publishes it: ids only. */
function entry(detailType: string, overrides: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry {
  return {
    EventBusName: BUS,
    Source: EVENT_SOURCE,
    DetailType: detailType,
    Detail: JSON.stringify({ inboxId: '01HZX0INBOX', entry: 0, resourceId: 'sr-1', interaction: 'update' }),
    ...overrides,
  };
}

describe('PutEvents: accepted entries', () => {
  test('a matching entry is answered with an EventId and delivered to exactly its rule consumer as a well-formed envelope', async () => {
    const { standIn, client, deliveries } = await harness();
    const time = new Date('2024-05-01T12:34:56.789Z');

    const result = await client.send(
      new PutEventsCommand({ Entries: [entry('ServiceRequest.changed', { Time: time, Resources: ['urn:sidecar:inbox:01HZX0INBOX'] })] }),
    );
    await standIn.idle();

    expect(result.FailedEntryCount).toBe(0);
    expect(result.Entries).toHaveLength(1);
    const eventId = result.Entries?.[0]?.EventId;
    expect(eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(deliveries).toEqual([
      {
        consumerId: 'referral-intake',
        event: {
          version: '0',
          id: eventId,
          'detail-type': 'ServiceRequest.changed',
          source: EVENT_SOURCE,
          account: expect.stringMatching(/^\d{12}$/),
          time: '2024-05-01T12:34:56Z',
          region: REGION,
          resources: ['urn:sidecar:inbox:01HZX0INBOX'],
          detail: { inboxId: '01HZX0INBOX', entry: 0, resourceId: 'sr-1', interaction: 'update' },
        },
      },
    ]);
  });

  test('without Time, the envelope is stamped with the current time, to the second', async () => {
    const { standIn, client, deliveries } = await harness();
    const before = Math.floor(Date.now() / 1000) * 1000;
    await client.send(new PutEventsCommand({ Entries: [entry('Patient.changed')] }));
    await standIn.idle();
    const time = deliveries[0]?.event.time ?? '';
    expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(time)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(time)).toBeLessThanOrEqual(Date.now());
  });

  test('every detail type reaches exactly the consumers the catalogue routes it to; entries keep their order', async () => {
    const { standIn, client, deliveries } = await harness();

    const result = await client.send(new PutEventsCommand({ Entries: DETAIL_TYPES.map((t) => entry(t)) }));
    await standIn.idle();

    expect(result.FailedEntryCount).toBe(0);
    const ids = (result.Entries ?? []).map((e) => e.EventId);
    DETAIL_TYPES.forEach((detailType, i) => {
      const expected = CONSUMERS.filter((c) => (c.detailTypes as readonly string[]).includes(detailType)).map((c) => c.id);
      const reached = deliveries.filter((d) => d.event.id === ids[i]);
      expect(reached.every((d) => d.event['detail-type'] === detailType)).toBe(true);
      expect(reached.map((d) => d.consumerId).sort()).toEqual([...expected].sort());
    });
  });

  test('an entry matching no rule is accepted and delivered nowhere', async () => {
    const { standIn, client, deliveries } = await harness();

    const result = await client.send(
      new PutEventsCommand({ Entries: [entry('Patient.changed', { Source: 'someone.else' }), entry('Medication.changed')] }),
    );
    await standIn.idle();

    expect(result.FailedEntryCount).toBe(0);
    expect(result.Entries?.every((e) => typeof e.EventId === 'string')).toBe(true);
    expect(deliveries).toEqual([]);
  });

  test('the bus may be named by ARN', async () => {
    const { standIn, client, deliveries } = await harness();
    const arn = `arn:aws:events:${REGION}:000000000000:event-bus/${BUS}`;
    const result = await client.send(new PutEventsCommand({ Entries: [entry('Patient.changed', { EventBusName: arn })] }));
    await standIn.idle();
    expect(result.FailedEntryCount).toBe(0);
    expect(deliveries.map((d) => d.consumerId)).toEqual(['patient-projection']);
  });

  test('delivery happens after the call is answered: a slow consumer does not hold up PutEvents', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started: string[] = [];
    const { standIn, client } = await harness({
      deliver: async (consumerId) => {
        started.push(consumerId);
        await gate;
      },
    });

    const result = await client.send(new PutEventsCommand({ Entries: [entry('Patient.changed')] }));
    expect(result.FailedEntryCount).toBe(0);

    let idle = false;
    const idlePromise = standIn.idle().then(() => (idle = true));
    for (let i = 0; i < 100 && started.length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(started).toEqual(['patient-projection']);
    expect(idle).toBe(false);
    release();
    await idlePromise;
    expect(idle).toBe(true);
  });
});

describe('PutEvents: errors as EventBridge reports them', () => {
  test('per entry: malformed Detail, unknown bus, missing Source / DetailType / Detail fail; the others succeed, in order', async () => {
    const { standIn, client, deliveries } = await harness();

    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          entry('Patient.changed', { Detail: '{"inboxId": ' }),
          entry('Patient.changed', { Detail: '["not", "an", "object"]' }),
          entry('Patient.changed', { EventBusName: 'no-such-bus' }),
          entry('Patient.changed', { EventBusName: undefined }),
          entry('Patient.changed', { Source: undefined }),
          entry('Patient.changed', { DetailType: undefined }),
          entry('Patient.changed', { Detail: undefined }),
          entry('Patient.changed'),
        ],
      }),
    );
    await standIn.idle();

    expect(result.FailedEntryCount).toBe(7);
    expect(result.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'MalformedDetail',
      'MalformedDetail',
      'InvalidArgument',
      'InvalidArgument', // no EventBusName means the default bus, which is not this one
      'InvalidArgument',
      'InvalidArgument',
      'InvalidArgument',
      'ok',
    ]);
    expect(result.Entries?.[2]?.ErrorMessage).toMatch(/no-such-bus does not exist/);
    expect(result.Entries?.[4]?.ErrorMessage).toMatch(/Source/);
    expect(result.Entries?.slice(0, 7).every((e) => e.EventId === undefined)).toBe(true);
    expect(deliveries.map((d) => d.event.id)).toEqual([result.Entries?.[7]?.EventId]);
  });

  test.each([
    ['11 entries', Array.from({ length: 11 }, () => entry('Patient.changed')), /less than or equal to 10/],
    ['no entries', [], /greater than or equal to 1/],
    [
      'entries over the size limit in total',
      [entry('Patient.changed', { Detail: JSON.stringify({ pad: 'x'.repeat(MAX_ENTRY_BYTES) }) })],
      /Total size of the entries in the request is over the limit/,
    ],
  ])('%s: the SDK throws ValidationException (400, client fault) and nothing is delivered', async (_name, entries, message) => {
    const { standIn, client, deliveries } = await harness();

    const error = await client.send(new PutEventsCommand({ Entries: entries })).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'ValidationException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    expect((error as Error).message).toMatch(message);
    await standIn.idle();
    expect(deliveries).toEqual([]);
  });

  test('an entry just under the size limit is accepted', async () => {
    const { client } = await harness();
    const base = entry('Patient.changed', { Detail: '{"pad":""}' });
    const used = Buffer.byteLength(`${base.Source}${base.DetailType}{"pad":""}`);
    const Detail = JSON.stringify({ pad: 'x'.repeat(MAX_ENTRY_BYTES - used) });
    const result = await client.send(new PutEventsCommand({ Entries: [{ ...base, Detail }] }));
    expect(result.FailedEntryCount).toBe(0);
  });

  test('another operation: the SDK throws UnknownOperationException', async () => {
    const { client } = await harness();
    await expect(client.send(new ListRulesCommand({}))).rejects.toMatchObject({
      name: 'UnknownOperationException',
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe('injected failures (for testing a publisher)', () => {
  test('entries: FailedEntryCount and per-entry InternalFailure; resending only the failed entries succeeds', async () => {
    const { standIn, client, deliveries } = await harness();
    standIn.injectFailures({ entries: 2 });
    const entries = [entry('Patient.changed'), entry('ServiceRequest.changed'), entry('Appointment.changed')];

    const first = await client.send(new PutEventsCommand({ Entries: entries }));

    expect(first.FailedEntryCount).toBe(2);
    expect(first.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual(['InternalFailure', 'InternalFailure', 'ok']);
    expect(first.Entries?.[0]?.ErrorMessage).toEqual(expect.any(String));

    const failed = entries.filter((_, i) => first.Entries?.[i]?.ErrorCode !== undefined);
    const second = await client.send(new PutEventsCommand({ Entries: failed }));
    await standIn.idle();

    expect(second.FailedEntryCount).toBe(0);
    expect(deliveries.map((d) => d.consumerId).sort()).toEqual(['appointment-reminders', 'follow-up-work', 'patient-projection', 'referral-appointment', 'referral-intake']);
  });

  test('whole call: a 500 InternalException, which the SDK throws when it may not retry', async () => {
    const { standIn, client, deliveries } = await harness({}, { maxAttempts: 1 });
    standIn.injectFailures({ whole: 1 });

    const error = await client.send(new PutEventsCommand({ Entries: [entry('Patient.changed')] })).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'InternalException', $fault: 'server', $metadata: { httpStatusCode: 500 } });
    await standIn.idle();
    expect(deliveries).toEqual([]);
    // The injection is used up: the next call goes through.
    await expect(client.send(new PutEventsCommand({ Entries: [entry('Patient.changed')] }))).resolves.toMatchObject({
      FailedEntryCount: 0,
    });
  });

  test('whole call: the SDK with its default retries recovers from one 500', async () => {
    const { standIn, client } = await harness();
    standIn.injectFailures({ whole: 1 });
    const result = await client.send(new PutEventsCommand({ Entries: [entry('Patient.changed')] }));
    expect(result.FailedEntryCount).toBe(0);
    expect(result.$metadata.attempts).toBe(2);
  });
});

describe('delivery retries and dead letters', () => {
  test('a consumer that throws twice, then succeeds, gets the event on the third attempt and nothing is dead-lettered', async () => {
    const attempts: EventBridgeEvent[] = [];
    const onDeadLetter = jest.fn();
    const { standIn, client } = await harness({
      onDeadLetter,
      deliver: async (_consumerId, event) => {
        attempts.push(event);
        if (attempts.length <= 2) throw new Error('consumer unavailable');
      },
    });

    const result = await client.send(new PutEventsCommand({ Entries: [entry('Patient.changed')] }));
    await standIn.idle();

    expect(attempts).toHaveLength(3);
    expect(attempts.every((e) => e.id === result.Entries?.[0]?.EventId)).toBe(true);
    expect(standIn.deadLetters()).toEqual([]);
    expect(onDeadLetter).not.toHaveBeenCalled();
  });

  test('a consumer that always throws: 1 + retryAttempts attempts, then onDeadLetter and deadLetters()', async () => {
    let calls = 0;
    const failure = new Error('consumer down');
    const onDeadLetter = jest.fn();
    const { standIn, client } = await harness({
      onDeadLetter,
      deliver: async () => {
        calls += 1;
        throw failure;
      },
    });

    const result = await client.send(new PutEventsCommand({ Entries: [entry('Patient.changed')] }));
    await standIn.idle();

    expect(calls).toBe(1 + DELIVERY_POLICY.retryAttempts);
    const eventId = result.Entries?.[0]?.EventId;
    expect(onDeadLetter).toHaveBeenCalledTimes(1);
    expect(onDeadLetter).toHaveBeenCalledWith('patient-projection', expect.objectContaining({ id: eventId }), failure);
    expect(standIn.deadLetters()).toEqual([
      expect.objectContaining({
        consumerId: 'patient-projection',
        rule: 'to-patient-projection',
        attempts: 1 + DELIVERY_POLICY.retryAttempts,
        error: failure,
        event: expect.objectContaining({ id: eventId, 'detail-type': 'Patient.changed' }),
      }),
    ]);
  });

  test('retries back off exponentially from baseDelayMs', async () => {
    const at: number[] = [];
    const { standIn, client } = await harness({
      baseDelayMs: 20,
      onDeadLetter: () => undefined,
      deliver: async () => {
        at.push(Date.now());
        throw new Error('down');
      },
    });
    await client.send(new PutEventsCommand({ Entries: [entry('Patient.changed')] }));
    await standIn.idle();

    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    // Equal jitter: retry n waits between half and all of base * 2^(n-1).
    expect(gaps).toHaveLength(DELIVERY_POLICY.retryAttempts);
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual((20 * 2 ** i) / 2 - 2));
  });

  test('one failing consumer does not affect another consumer of the same event, or another event', async () => {
    const delivered: string[] = [];
    const { standIn, client } = await harness({
      onDeadLetter: () => undefined,
      deliver: async (consumerId, event) => {
        if (consumerId === 'referral-outcome' && event['detail-type'] === 'DocumentReference.changed') throw new Error('down');
        delivered.push(`${consumerId}:${event['detail-type']}`);
      },
    });
    await client.send(new PutEventsCommand({ Entries: [entry('DocumentReference.changed'), entry('DiagnosticReport.changed')] }));
    await standIn.idle();
    expect(delivered).toEqual(['referral-outcome:DiagnosticReport.changed']);
    expect(standIn.deadLetters().map((d) => d.event['detail-type'])).toEqual(['DocumentReference.changed']);
  });
});

describe('stop()', () => {
  test('closes the server and its connections, drops scheduled retries and leaves no handles behind', async () => {
    // Sockets, servers and timers (jest's own timers come and go, so timers may only decrease).
    const count = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;
    // Earlier tests' stand-ins were stopped in afterEach; let their handles leave libuv's list first.
    for (let i = 0; i < 50 && count('TCPServerWrap') + count('TCPSocketWrap') > 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const before = { servers: count('TCPServerWrap'), sockets: count('TCPSocketWrap'), timers: count('Timeout') };
    let calls = 0;
    const standIn = await startEventBridgeStandIn({
      busName: BUS,
      baseDelayMs: 60_000,
      onDeadLetter: () => undefined,
      deliver: async () => {
        calls += 1;
        throw new Error('down');
      },
    });
    const client = new EventBridgeClient({
      endpoint: standIn.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    await client.send(new PutEventsCommand({ Entries: [entry('Patient.changed')] }));
    await new Promise((resolve) => setTimeout(resolve, 20)); // first attempt done, a retry is scheduled a minute out

    await standIn.stop();
    client.destroy();

    await expect(standIn.idle()).resolves.toBeUndefined();
    expect(calls).toBe(1);
    expect(standIn.deadLetters()).toEqual([]);
    const reconnect = new EventBridgeClient({
      endpoint: standIn.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    await expect(reconnect.send(new PutEventsCommand({ Entries: [entry('Patient.changed')] }))).rejects.toThrow(/ECONNREFUSED/);
    reconnect.destroy();
    // Closed handles leave libuv's list on a later loop turn: give them a (bounded) moment.
    const settled = () =>
      count('TCPServerWrap') === before.servers && count('TCPSocketWrap') === before.sockets && count('Timeout') <= before.timers;
    for (let i = 0; i < 50 && !settled(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect({ servers: count('TCPServerWrap'), sockets: count('TCPSocketWrap') }).toEqual({
      servers: before.servers,
      sockets: before.sockets,
    });
    expect(count('Timeout')).toBeLessThanOrEqual(before.timers);
  });
});
