import { getContext } from '../../shared/context';
import { sweepBreaches, type SweepBreachesResult } from '../../shared/sla/breach-sweep';

/** Lambda entry (every minute): marks tasks and referrals past due and escalates each breach once. */
export async function handler(): Promise<SweepBreachesResult> {
  return sweepBreaches(getContext());
}
