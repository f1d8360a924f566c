import { DEFAULT_CALENDAR } from '../sla/calendar';
import { priorityBudget, slaDueAt } from '../sla/clock';
import type { Referral, ReferralHold } from './schema';

/** What a referral's SLA clock is made of. */
export type ReferralClock = Pick<Referral, 'priority' | 'createdAt'> & Partial<Pick<Referral, 'slaStartedAt' | 'holds' | 'dueAt'>>;

/**
 * When a referral is due: its priority's budget of business time (PRIORITY_SLA, the same budgets as
 * tasks) on the business calendar, counted from `slaStartedAt` (else `createdAt`) and not counting
 * the business time spent on hold. The one place referral due times are computed, so creating,
 * re-prioritising and resuming all agree. While an open hold has stopped the clock before it ran
 * out there is no due instant: the referral keeps the `dueAt` it had (on-hold referrals are not in
 * the due index, and resuming recomputes it).
 */
export function referralDueAt(referral: ReferralClock): string {
  const startedAt = new Date(referral.slaStartedAt ?? referral.createdAt);
  const pauses = (referral.holds ?? []).map((hold) => ({ from: new Date(hold.from), ...(hold.to ? { to: new Date(hold.to) } : {}) }));
  const due = slaDueAt({ startedAt, budgetMs: priorityBudget(referral.priority), pauses }, DEFAULT_CALENDAR);
  // Without an open hold the clock always runs, so `due` is only missing while on hold.
  return due?.toISOString() ?? referral.dueAt ?? startedAt.toISOString();
}

const openHold = (holds: readonly ReferralHold[]) => holds.findIndex((hold) => hold.to === undefined);

/**
 * The referral's SLA clock after a status move from `before` to `after` at `now`: going on hold
 * opens a hold; leaving it (resumed, or closed from on-hold) closes the hold and moves `dueAt`
 * later by the business time spent on hold. Other moves leave the clock as it was. A referral that
 * went on hold before holds were recorded has no open hold to close and keeps its due time.
 */
export function followClock(before: Referral, after: Referral, now: Date): Referral {
  const holds = after.holds ?? [];
  const at = now.toISOString();
  if (before.status !== 'on-hold' && after.status === 'on-hold') {
    return { ...after, holds: [...holds, { from: at }] };
  }
  const open = openHold(holds);
  if (before.status === 'on-hold' && after.status !== 'on-hold' && open >= 0) {
    const closed = holds.map((hold, i) => (i === open ? { from: hold.from, to: at } : hold));
    const resumed = { ...after, holds: closed };
    return { ...resumed, dueAt: referralDueAt(resumed) };
  }
  return after;
}
