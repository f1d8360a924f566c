import { z } from 'zod';
import type { AppContext } from '../context';
import { EHR_ACTOR } from '../referrals/schema';
import { ZSourceId } from '../webhooks/source-schema';
import { changeTaskWithRetry, taskTimelineEntry } from './change';
import { findTaskIdsBySource } from './repository';
import { isOpenTask, type Task, ZFhirReference } from './schema';
import { planTaskTransition } from './state-machine';

export const ZCancelTasksFromSourceInput = z.object({
  sourceId: ZSourceId,
  reference: ZFhirReference,
  /** Why the EHR took it back (e.g. "Encounter entered in error in the EHR"). Shown to staff. */
  reason: z.string().trim().min(1).max(2000),
});
export type CancelTasksFromSourceInput = z.input<typeof ZCancelTasksFromSourceInput>;

export interface CancelledFromSource {
  /** Tasks this call cancelled. */
  cancelled: Task[];
  /** Ids of tasks from the resource that were already closed (done, failed or cancelled before). */
  alreadyClosed: string[];
}

/**
 * Undoes the work an EHR resource created when the EHR cancels it or marks it entered-in-error:
 * every open task any rule created from that resource is cancelled with the reason (a timeline
 * entry by the EHR); closed ones are left as they are. Idempotent: a replay finds nothing open.
 * Reads the resource's guard partition (a Query), never a Scan.
 */
export async function cancelTasksFromSource(ctx: AppContext, options: CancelTasksFromSourceInput): Promise<CancelledFromSource> {
  const input = ZCancelTasksFromSourceInput.parse(options);
  const result: CancelledFromSource = { cancelled: [], alreadyClosed: [] };
  for (const id of await findTaskIdsBySource(ctx, input)) {
    const task = await changeTaskWithRetry(ctx, id, (current) => {
      if (!isOpenTask(current)) return undefined;
      const now = ctx.clock.now();
      const after = planTaskTransition(current, { to: 'cancelled', reason: input.reason }, { actor: EHR_ACTOR, now });
      return { after, entries: [taskTimelineEntry(current, EHR_ACTOR, now, { kind: 'transition', from: current.status, to: 'cancelled', note: input.reason })] };
    });
    if (task) result.cancelled.push(task);
    else result.alreadyClosed.push(id);
  }
  return result;
}
