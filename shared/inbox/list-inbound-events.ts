import { z } from 'zod';
import type { AppContext } from '../context';
import { decodeCursor, encodeCursor } from '../db/cursor';
import { type KeyRange, mergeQuery } from '../db/merge-query';
import { INBOX_INDEX } from '../db/tables';
import { INBOX_SHARDS, inboxEventFromItem, isInboxItemExpired, recentPk } from './repository';
import { type InboxEvent, overallState } from './schema';

export const ZInboundEventsQuery = z.object({
  view: z.enum(['recent', 'failed']).default('recent'),
  /** For `recent`: the day (UTC, yyyy-mm-dd); defaults to today. */
  day: z.iso.date().optional(),
  cursor: z.string().max(1000).optional(),
  limit: z.number().int().min(1).max(100).default(25),
});

export interface InboundEventRow extends InboxEvent {
  state: ReturnType<typeof overallState>;
}

/**
 * Accepted inbound events for the console, newest first: one day's events (merged over the
 * sharded recent index) or those with a failed consumer (the sparse failed index). Never the
 * raw payload.
 */
export async function listInboundEvents(ctx: AppContext, input: z.input<typeof ZInboundEventsQuery>): Promise<{ events: InboundEventRow[]; nextCursor?: string }> {
  const query = ZInboundEventsQuery.parse(input);
  const day = query.day ?? ctx.clock.now().toISOString().slice(0, 10);
  const ranges: KeyRange[] = Array.from({ length: INBOX_SHARDS }, (_, shard) =>
    query.view === 'failed'
      ? { index: INBOX_INDEX.failed, pkName: 'failedPk', pkValue: `FAILED#${shard}`, skName: 'failedSk' }
      : { index: INBOX_INDEX.recent, pkName: 'recentPk', pkValue: recentPk(day, shard), skName: 'recentSk' },
  );
  const before = decodeCursor(query.cursor);
  const page = await mergeQuery(ctx, { table: ctx.config.tables.inbox, ranges, limit: query.limit, descending: true, ...(before ? { after: before } : {}) });
  const now = ctx.clock.now();
  const events = page.items.filter((i) => !isInboxItemExpired(i, now)).map((item) => {
    const event = inboxEventFromItem(item);
    return { ...event, state: overallState(event) };
  });
  return { events, ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}) };
}
