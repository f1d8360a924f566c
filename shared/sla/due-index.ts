import { shardOf } from '../ids';

/** What an SLA clock runs on: outreach tasks and referrals. */
export const SLA_KINDS = ['task', 'referral'] as const;
export type SlaKind = (typeof SLA_KINDS)[number];

/** Shards of the sparse due index (`DUE#<shard>`), read one by one by the breach sweep. */
export const DUE_SHARDS = 4;

/** Due-index partition of one shard. */
export const duePk = (shard: number) => `DUE#${shard}`;
/** Due-index sort key: due time first, so `dueSk < now` selects exactly the breached items. */
export const dueSk = (kind: SlaKind, id: string, dueAt: string) => `${dueAt}#${kind}#${id}`;

/** Parses a due-index sort key back into its parts (undefined when it is not one). */
export function parseDueSk(sk: string): { dueAt: string; kind: SlaKind; id: string } | undefined {
  const match = /^(.+)#(task|referral)#([^#]+)$/.exec(sk);
  return match ? { dueAt: match[1]!, kind: match[2] as SlaKind, id: match[3]! } : undefined;
}

/**
 * The due-index attributes an item carries while its SLA clock can still breach: open, not on
 * hold (`clockRunning`), with a due time, and not yet breached for that due time. Otherwise none,
 * so the index stays sparse and holds only work the sweep may have to escalate. Repositories
 * spread this into the item they Put, so every save sets or removes the keys in the same write.
 */
export function dueIndexKeys(kind: SlaKind, item: { id: string; dueAt?: string; breachedAt?: string }, clockRunning: boolean): { duePk: string; dueSk: string } | Record<string, never> {
  if (!clockRunning || !item.dueAt || item.breachedAt) return {};
  return { duePk: duePk(shardOf(item.id, DUE_SHARDS)), dueSk: dueSk(kind, item.id, item.dueAt) };
}

/**
 * The record to store when `after` replaces `before`: a breach belongs to one due time, so a new
 * due time (re-prioritised, resumed from hold) clears `breachedAt` and the clock can breach again.
 */
export function withBreachForDue<T extends { dueAt?: string; breachedAt?: string }>(before: Pick<T, 'dueAt'>, after: T): T {
  if (after.breachedAt === undefined || before.dueAt === after.dueAt) return after;
  const { breachedAt: _cleared, ...rest } = after;
  return rest as T;
}
