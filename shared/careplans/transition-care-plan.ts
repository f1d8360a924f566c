import { z } from 'zod';
import type { AppContext } from '../context';
import type { ActorRef } from '../referrals/schema';
import { carePlanTimelineEntry, changeCarePlanAt } from './change';
import { type CarePlanChange, plannedWork } from './planned-work';
import { applyCarePlanTransition, type CarePlanTransition, ZCarePlanTransition } from './state-machine';

/**
 * A person moves a plan (activate, pause, resume, complete, revoke) at the version they loaded.
 * An illegal move or a stale version is a 409. The timeline records from → to with the reason.
 * Returns the plan and its work: activation generates the tasks, resuming generates the work
 * still ahead, pausing or ending cancels everything pending.
 */
export async function transitionCarePlan(
  ctx: AppContext,
  options: { actor: ActorRef; id: string; version: number; input: CarePlanTransition },
): Promise<CarePlanChange> {
  const version = z.number().int().min(1).parse(options.version);
  const transition = ZCarePlanTransition.parse(options.input);
  const { before, after } = await changeCarePlanAt(ctx, options.id, version, (current) => {
    const now = ctx.clock.now();
    return {
      after: applyCarePlanTransition(current, transition, now),
      entries: [
        carePlanTimelineEntry(current, options.actor, now, {
          kind: 'transition',
          from: current.status,
          to: transition.to,
          ...(transition.reason ? { note: transition.reason } : {}),
        }),
      ],
    };
  });
  return { carePlan: after, work: plannedWork(after, before) };
}
