import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { AppContext } from '../context';
import { errorFields, logger } from '../logger';
import type { InboxEvent } from '../inbox/schema';
import { EVENT_SOURCE, MAX_ENTRY_BYTES, detailTypeFor, type EhrResourceChanged } from './catalogue';

/** PutEvents takes at most 10 entries a call. */
const BATCH = 10;
/** In-request retries of entries EventBridge refused; the republish sweep covers the rest. */
const RETRIES = 2;

/** The thin event detail for one entry of an accepted delivery (ids and versions, never the payload). */
export function eventDetail(event: InboxEvent, entry: number): EhrResourceChanged {
  const e = event.entries[entry];
  if (!e) throw new Error(`Inbox event has no entry ${entry}`);
  return {
    inboxId: event.id,
    entry,
    sourceId: event.sourceId,
    resourceType: e.resourceType,
    resourceId: e.resourceId,
    ...(e.versionId ? { versionId: e.versionId } : {}),
    ...(e.lastUpdated ? { lastUpdated: e.lastUpdated } : {}),
    interaction: e.interaction,
    content: e.content,
    receivedAt: event.receivedAt,
  };
}

function toEntry(ctx: AppContext, event: InboxEvent, entry: number): PutEventsRequestEntry {
  const detail = eventDetail(event, entry);
  const putEntry: PutEventsRequestEntry = {
    EventBusName: ctx.config.eventBusName,
    Source: EVENT_SOURCE,
    DetailType: detailTypeFor(detail.resourceType),
    Detail: JSON.stringify(detail),
    Resources: [],
    Time: ctx.clock.now(),
  };
  const size = Buffer.byteLength(putEntry.Detail!) + putEntry.DetailType!.length + putEntry.Source!.length;
  if (size > MAX_ENTRY_BYTES) throw new Error('Event entry exceeds the EventBridge entry size limit');
  return putEntry;
}

export interface PublishResult {
  /** entry index (as string) → EventBridge event id */
  published: Record<string, string>;
  failed: number[];
  error?: string;
}

/**
 * Puts the given entries of an inbox event on the bus. PutEvents does not throw on per-entry
 * failure: FailedEntryCount is checked and only the failed entries are resent (twice, briefly).
 * Never throws for AWS errors: what could not be sent is returned as `failed` and stays pending.
 */
export async function publishInboxEntries(ctx: AppContext, event: InboxEvent, entries: number[]): Promise<PublishResult> {
  const published: Record<string, string> = {};
  let remaining = [...entries];
  let error: string | undefined;
  for (let attempt = 0; attempt <= RETRIES && remaining.length > 0; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
    const stillFailing: number[] = [];
    for (let i = 0; i < remaining.length; i += BATCH) {
      const batch = remaining.slice(i, i + BATCH);
      try {
        const res = await ctx.events.send(new PutEventsCommand({ Entries: batch.map((n) => toEntry(ctx, event, n)) }));
        batch.forEach((n, j) => {
          const result = res.Entries?.[j];
          if (result?.EventId && !result.ErrorCode) published[String(n)] = result.EventId;
          else {
            stillFailing.push(n);
            error = `EventBridge refused an entry: ${result?.ErrorCode ?? 'no result'}`;
          }
        });
      } catch (err) {
        const { errorName } = errorFields(err);
        error = `PutEvents failed: ${errorName}`;
        stillFailing.push(...batch);
      }
    }
    remaining = stillFailing;
  }
  if (remaining.length > 0) {
    logger.warn('Events left pending for the republish sweep', { inboxId: event.id, failed: remaining.length, error });
  }
  return { published, failed: remaining, ...(error && remaining.length > 0 ? { error } : {}) };
}
