import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { publishInboxEntries } from '../../../shared/events/publish';
import type { InboxEvent } from '../../../shared/inbox/schema';
import { unitContext } from '../support/context';

const eventBridge = mockClient(EventBridgeClient);

function inboxEvent(entries: number): InboxEvent {
  return {
    id: 'abc',
    sourceId: 'ehr-sim',
    webhookId: 'msg_1',
    receivedAt: '2026-11-23T10:00:00.000Z',
    kind: 'notification',
    status: 'pending',
    entries: Array.from({ length: entries }, (_, i) => ({ resourceType: 'ServiceRequest' as const, resourceId: `sr${i}`, interaction: 'update' as const, content: 'full-resource' as const, lastUpdated: '2026-11-23T09:00:00Z' })),
    published: {},
    consumers: {},
    attempts: {},
    ignoredEntries: 0,
    publishAttempts: 0,
  };
}

describe('publishInboxEntries', () => {
  beforeEach(() => eventBridge.reset());

  it('sends thin events with no patient data in the metadata', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e0' }] });
    const result = await publishInboxEntries(unitContext(), inboxEvent(1), [0]);
    expect(result).toEqual({ published: { '0': 'e0' }, failed: [] });
    const input = eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input;
    const entry = input.Entries![0]!;
    expect(entry).toMatchObject({ Source: 'sidecar.ehr', DetailType: 'ServiceRequest.changed', EventBusName: 'sidecar-test', Resources: [] });
    expect(JSON.parse(entry.Detail!)).toEqual({
      inboxId: 'abc',
      entry: 0,
      sourceId: 'ehr-sim',
      resourceType: 'ServiceRequest',
      resourceId: 'sr0',
      lastUpdated: '2026-11-23T09:00:00Z',
      interaction: 'update',
      content: 'full-resource',
      receivedAt: '2026-11-23T10:00:00.000Z',
    });
  });

  it('checks FailedEntryCount and resends only the failed entries', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: 'e0' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'x' }, { EventId: 'e2' }] })
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
    const result = await publishInboxEntries(unitContext(), inboxEvent(3), [0, 1, 2]);
    expect(result).toEqual({ published: { '0': 'e0', '1': 'e1', '2': 'e2' }, failed: [] });
    const second = eventBridge.commandCalls(PutEventsCommand)[1]!.args[0].input.Entries!;
    expect(second).toHaveLength(1);
    expect(JSON.parse(second[0]!.Detail!).entry).toBe(1);
  });

  it('batches by ten entries per PutEvents call', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({ FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })) }));
    const result = await publishInboxEntries(unitContext(), inboxEvent(23), Array.from({ length: 23 }, (_, i) => i));
    expect(Object.keys(result.published)).toHaveLength(23);
    expect(eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!.length)).toEqual([10, 10, 3]);
  });

  it('returns what it could not send, without throwing, when EventBridge throttles', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    eventBridge.on(PutEventsCommand).rejects(throttled);
    const result = await publishInboxEntries(unitContext(), inboxEvent(2), [0, 1]);
    expect(result.published).toEqual({});
    expect(result.failed).toEqual([0, 1]);
    expect(result.error).toBe('PutEvents failed: ThrottlingException');
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(3);
  });

  it('leaves persistently refused entries failed after its retries', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    const result = await publishInboxEntries(unitContext(), inboxEvent(1), [0]);
    expect(result).toMatchObject({ published: {}, failed: [0], error: 'EventBridge refused an entry: InternalFailure' });
  });
});
