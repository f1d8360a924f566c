import type { AppContext } from '../context';
import { ConflictError, NotFoundError } from '../errors';
import { newId } from '../ids';
import type { ActorRef } from '../referrals/schema';
import { getCarePlanRecord, saveCarePlan } from './repository';
import { type CarePlan, type CarePlanTimelineEntry, ZItemId } from './schema';

/** A timeline entry for a change to a care plan. */
export function carePlanTimelineEntry(
  plan: Pick<CarePlan, 'id'>,
  actor: ActorRef,
  at: Date,
  fields: Omit<CarePlanTimelineEntry, 'id' | 'carePlanId' | 'at' | 'actor'>,
): CarePlanTimelineEntry {
  return { id: newId(), carePlanId: plan.id, at: at.toISOString(), actor, ...fields };
}

/**
 * Read-check-write for people: the caller's `version` must be the current one (else 409 with the
 * current version), then `decide` computes the change, which is saved conditionally (409 if
 * someone won the race). `decide` returns undefined when there is nothing to save; the current
 * plan is then returned as it is. Returns the plan before and after. An id that cannot exist is
 * a NotFoundError like any other unknown id.
 */
export async function changeCarePlanAt(
  ctx: AppContext,
  id: string,
  version: number,
  decide: (current: CarePlan) => { after: CarePlan; entries: CarePlanTimelineEntry[] } | undefined,
): Promise<{ before: CarePlan; after: CarePlan }> {
  const current = ZItemId.safeParse(id).success ? await getCarePlanRecord(ctx, id) : undefined;
  if (!current) throw new NotFoundError('Care plan not found');
  if (current.version !== version) {
    throw new ConflictError('The care plan was changed since you loaded it; reload and try again', { currentVersion: current.version, yourVersion: version });
  }
  const decision = decide(current);
  if (!decision) return { before: current, after: current };
  await saveCarePlan(ctx, current, decision.after, decision.entries);
  return { before: current, after: decision.after };
}
