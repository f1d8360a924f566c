import { z } from 'zod';
import type { InboundEventRow } from '../../../shared/inbox/list-inbound-events';
import { formValues } from './session.server';


/** The events page's query string: which view, which UTC day, which page. */
const ZEventsSearch = z.object({
  view: z.enum(['recent', 'failed'], { error: 'Choose Recent or Failed' }).default('recent'),
  day: z.iso.date({ error: 'Use a date like 2025-01-31' }).optional(),
  cursor: z.string().max(1000).optional(),
});
export type EventsSearch = z.infer<typeof ZEventsSearch>;

export function parseEventsSearch(params: URLSearchParams | FormData): EventsSearch {
  return ZEventsSearch.parse(formValues(params, ['view', 'day', 'cursor']));
}

export const ZReplayForm = z.object({
  id: z.string({ error: 'Missing event id' }).min(1).max(200),
});

/**
 * An inbound event as the page shows it: ids, states and PHI-free errors, never the payload.
 * Consumer keys are `<entry index>:<consumer id>`.
 */
export function toEventRow(event: InboundEventRow) {
  const entries = event.entries.map((e, index) => ({
    index,
    label: `${e.resourceType}/${e.resourceId}`,
    interaction: e.interaction,
  }));
  const consumers = Object.entries(event.consumers)
    .map(([key, c]) => {
      const cut = key.indexOf(':');
      const entry = cut > 0 ? Number(key.slice(0, cut)) : Number.NaN;
      return {
        key,
        entry: entries[entry]?.label ?? (Number.isNaN(entry) ? undefined : `entry ${entry}`),
        consumer: cut >= 0 ? key.slice(cut + 1) : key,
        state: c.state,
        at: c.at,
        error: c.error,
        note: c.note,
        attempts: event.attempts[key] ?? 0,
      };
    })
    .sort((a, b) => a.key.localeCompare(b.key, 'en', { numeric: true }));
  return {
    id: event.id,
    receivedAt: event.receivedAt,
    sourceId: event.sourceId,
    kind: event.kind,
    notificationType: event.notificationType,
    status: event.status,
    state: event.state,
    entries,
    ignoredEntries: event.ignoredEntries,
    consumers,
    publishAttempts: event.publishAttempts,
    lastPublishError: event.lastPublishError,
    replayable: event.state === 'failed',
  };
}
