import { z } from 'zod';
import type { AppContext } from '../context';
import type { ActorRef } from '../referrals/schema';
import { resolveCareTeam } from './care-team';
import { carePlanTimelineEntry, changeCarePlanAt } from './change';
import { type CarePlanChange, plannedWork } from './planned-work';
import { type CarePlanRevision, reviseCarePlan } from './revise';
import { checkPlanBounds, MAX_ACTIVITIES, MAX_CARE_TEAM, MAX_GOALS, ZActivityInput, ZCareTeamInput, ZGoalInput } from './schema';

/** A revision: each list given replaces the plan's whole list (items keep identity by `id`). */
export const ZUpdateCarePlanInput = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    description: z.string().trim().min(1).max(2000).nullable().optional(),
    goals: z.array(ZGoalInput).max(MAX_GOALS).optional(),
    activities: z.array(ZActivityInput).max(MAX_ACTIVITIES).optional(),
    careTeam: z.array(ZCareTeamInput).max(MAX_CARE_TEAM).optional(),
    /** Why the plan was revised, for the timeline. */
    note: z.string().trim().max(2000).optional(),
  })
  .superRefine(checkPlanBounds)
  .refine((v) => v.title !== undefined || v.description !== undefined || v.goals || v.activities || v.careTeam, {
    message: 'Nothing to change',
  });
export type UpdateCarePlanInput = z.input<typeof ZUpdateCarePlanInput>;

/**
 * A person revises a draft, active or paused plan (title, description, goals, activities, care
 * team) at the version they loaded: a stale version is a 409, a completed or revoked plan is a
 * 409. One timeline entry names the parts that changed. Returns the plan and the work the
 * revision calls for (tasks for new or rescheduled activities, cancellations for removed,
 * closed or superseded ones); an edit that changes nothing saves nothing.
 */
export async function updateCarePlan(
  ctx: AppContext,
  options: { actor: ActorRef; id: string; version: number; input: UpdateCarePlanInput },
): Promise<CarePlanChange> {
  const version = z.number().int().min(1).parse(options.version);
  const { note, careTeam, ...rest } = ZUpdateCarePlanInput.parse(options.input);
  const revision: CarePlanRevision = { ...rest, ...(careTeam ? { careTeam: await resolveCareTeam(ctx, careTeam) } : {}) };
  const { before, after } = await changeCarePlanAt(ctx, options.id, version, (current) => {
    const now = ctx.clock.now();
    const { after: revised, changes } = reviseCarePlan(current, revision, now);
    if (changes.length === 0) return undefined;
    return { after: revised, entries: [carePlanTimelineEntry(current, options.actor, now, { kind: 'revision', changes, ...(note ? { note } : {}) })] };
  });
  return { carePlan: after, work: plannedWork(after, before) };
}
