import type { AppContext } from '../context';
import { ConflictError, NotFoundError } from '../errors';
import { newId } from '../ids';
import { followClock } from './due';
import type { TransitionPlan } from './state-machine';
import { getReferralRecord, saveReferral, type TransactItem } from './repository';
import { type ActorRef, EHR_ACTOR, type Referral, type TimelineEntry } from './schema';

/** A timeline entry for a change to a referral. */
export function timelineEntry(
  referral: Pick<Referral, 'id'>,
  actor: ActorRef,
  at: Date,
  fields: Omit<TimelineEntry, 'id' | 'referralId' | 'at' | 'actor'>,
): TimelineEntry {
  return { id: newId(), referralId: referral.id, at: at.toISOString(), actor, ...fields };
}

/**
 * Entries written by one change, their ids re-dealt in sorted order so the timeline (sorted by id)
 * shows them in the order given: ULIDs made within the same millisecond are not ordered.
 */
export function inWrittenOrder(entries: TimelineEntry[]): TimelineEntry[] {
  const ids = entries.map((e) => e.id).sort();
  return entries.map((e, i) => ({ ...e, id: ids[i]! }));
}

/**
 * The referral after a transition plan, one version later, with its SLA clock following the move
 * (on hold: paused; resumed: due later by the business time spent on hold; see followClock).
 */
export function applyPlan(referral: Referral, plan: TransitionPlan, now: Date): Referral {
  const next: Referral = {
    ...referral,
    ...plan.patch,
    status: plan.status,
    businessStatus: plan.businessStatus,
    version: referral.version + 1,
    updatedAt: now.toISOString(),
  };
  if ('statusReason' in plan.patch && plan.patch.statusReason === undefined) delete next.statusReason;
  return followClock(referral, next, now);
}

export type Decision = { after: Referral; entries: TimelineEntry[] } | undefined;

/**
 * Read-decide-write for system (EHR-driven) changes: re-reads and re-decides when another writer
 * got there first, so an EHR update never overwrites a coordinator's concurrent change.
 * `decide` returns undefined for "nothing to do".
 */
export async function changeReferralWithRetry(
  ctx: AppContext,
  id: string,
  decide: (current: Referral) => Decision,
): Promise<Referral | undefined> {
  for (let attempt = 0; attempt < 4; attempt++) {
    const current = await getReferralRecord(ctx, id);
    if (!current) throw new NotFoundError('Referral not found');
    const decision = decide(current);
    if (!decision) return undefined;
    try {
      await saveReferral(ctx, current, decision.after, decision.entries);
      return decision.after;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  throw new ConflictError('The referral kept changing concurrently; the event will be retried');
}

/**
 * Read-check-write for people: the caller's `version` must be the current one (else 409 with
 * the current version), then the change is saved conditionally (409 if someone won the race).
 * `decide` may add `transactItems` (work a rule creates from the change), written in the same
 * transaction: with the change, or not at all.
 */
export async function changeReferralAt(
  ctx: AppContext,
  id: string,
  version: number,
  decide: (current: Referral) => { after: Referral; entries: TimelineEntry[]; transactItems?: TransactItem[] },
): Promise<Referral> {
  const current = await getReferralRecord(ctx, id);
  if (!current) throw new NotFoundError('Referral not found');
  if (current.version !== version) {
    throw new ConflictError('The referral was changed since you loaded it; reload and try again', { currentVersion: current.version, yourVersion: version });
  }
  const { after, entries, transactItems } = decide(current);
  await saveReferral(ctx, current, after, entries, transactItems);
  return after;
}

/**
 * A decision that only records an EHR resource version and a timeline note (news the referral's
 * state cannot take, e.g. an appointment booked after it was closed), so it is not re-applied.
 */
export function recordEhrNote(ctx: AppContext, current: Referral, versionKey: string, version: string, note: string): NonNullable<Decision> {
  const now = ctx.clock.now();
  return {
    after: { ...current, ehrVersions: { ...current.ehrVersions, [versionKey]: version }, version: current.version + 1, updatedAt: now.toISOString() },
    entries: [timelineEntry(current, EHR_ACTOR, now, { kind: 'ehr-update', note })],
  };
}
