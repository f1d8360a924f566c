import { z } from 'zod';
import type { AppContext } from '../context';
import { DomainError } from '../errors';
import type { User } from '../users/directory';
import { findAssignee, planAssignment, ZAssignTaskInput } from './assign-task';
import { changeTaskAt } from './change';
import { type Task, ZUlid } from './schema';

export const BULK_REASSIGN_MAX = 50;

export const ZBulkReassignInput = ZAssignTaskInput.extend({
  /** The tasks, each with the version the lead saw. */
  items: z
    .array(z.object({ id: ZUlid, version: z.number().int().min(1) }))
    .min(1)
    .max(BULK_REASSIGN_MAX)
    .refine((items) => new Set(items.map((i) => i.id)).size === items.length, 'Each task may appear once'),
});
export type BulkReassignInput = z.infer<typeof ZBulkReassignInput>;

export const BULK_OUTCOMES = ['reassigned', 'unchanged', 'stale', 'conflict', 'not-found', 'forbidden', 'invalid'] as const;
export type BulkOutcome = (typeof BULK_OUTCOMES)[number];

export interface BulkReassignResult {
  id: string;
  outcome: BulkOutcome;
  /** The task as it now is (reassigned or unchanged). Returns PHI. */
  task?: Task;
  /** Why it was not reassigned (never patient data). */
  message?: string;
  /** For `stale`: the version to reload. */
  currentVersion?: number;
}

function outcomeOf(error: DomainError): BulkOutcome {
  if (error.code === 'not_found') return 'not-found';
  if (error.code === 'forbidden') return 'forbidden';
  if (error.code === 'bad_request') return 'invalid';
  return typeof error.details?.currentVersion === 'number' ? 'stale' : 'conflict';
}

/**
 * A lead reassigns up to 50 tasks of their team at once (to a colleague, back to the queue, or to
 * the other team): each task is its own version-checked write, so one stale or closed task does not
 * hold the others back, and each reports its own outcome. Writes run one after another: they
 * share counter items, and a burst of transactions on one item would only conflict.
 */
export async function bulkReassignTasks(ctx: AppContext, options: { actor: User; input: BulkReassignInput }): Promise<BulkReassignResult[]> {
  const input = ZBulkReassignInput.parse(options.input);
  const assignee = await findAssignee(ctx, input.ownerId);
  const results: BulkReassignResult[] = [];
  for (const item of input.items) {
    let changed = false;
    try {
      const task = await changeTaskAt(ctx, { actor: options.actor, ...item }, (current) => {
        const decision = planAssignment(ctx, options.actor, current, assignee, input.team);
        changed = decision !== undefined;
        return decision;
      });
      results.push({ id: item.id, outcome: changed ? 'reassigned' : 'unchanged', task });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const currentVersion = error.details?.currentVersion;
      results.push({ id: item.id, outcome: outcomeOf(error), message: error.message, ...(typeof currentVersion === 'number' ? { currentVersion } : {}) });
    }
  }
  return results;
}
