import type { AppContext } from '../context';
import { NotFoundError } from '../errors';
import { getCarePlanWithTimeline } from './repository';
import { type CarePlan, type CarePlanTimelineEntry, ZItemId } from './schema';

export interface CarePlanView {
  carePlan: CarePlan;
  /** Oldest first: creation, revisions, status changes, with who and why. */
  timeline: CarePlanTimelineEntry[];
}

/** A care plan with its timeline, or NotFoundError (also for an id that cannot exist). Returns PHI by association. */
export async function getCarePlan(ctx: AppContext, options: { id: string }): Promise<CarePlanView> {
  const found = ZItemId.safeParse(options.id).success ? await getCarePlanWithTimeline(ctx, options.id) : undefined;
  if (!found) throw new NotFoundError('Care plan not found');
  return found;
}
