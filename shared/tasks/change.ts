import type { AppContext } from '../context';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors';
import { newId } from '../ids';
import type { ActorRef } from '../referrals/schema';
import type { User } from '../users/directory';
import { getTaskRecord, saveTask } from './repository';
import { type Task, type TaskTimelineEntry, teamOfRole } from './schema';

/** A timeline entry for a change to a task. */
export function taskTimelineEntry(
  task: Pick<Task, 'id'>,
  actor: ActorRef,
  at: Date,
  fields: Omit<TaskTimelineEntry, 'id' | 'taskId' | 'at' | 'actor'>,
): TaskTimelineEntry {
  return { id: newId(), taskId: task.id, at: at.toISOString(), actor: { id: actor.id, name: actor.name }, ...fields };
}

/**
 * Refuses (403) a change by someone outside the task's team: coordinators work the coordinators'
 * queue, nurses the nurses'. The policy table lets both roles in; this is the per-record rule.
 */
export function assertTeamMember(actor: User, task: Pick<Task, 'team'>): void {
  if (teamOfRole(actor.role) !== task.team) throw new ForbiddenError(`Only the ${task.team} team can change this task`);
}

export type TaskDecision = { after: Task; entries: TaskTimelineEntry[] };

/**
 * Read-check-write for people: the task must exist (404), the actor must be on its team (403), the
 * caller's `version` must be the current one (409 with the current version), then `decide`'s change
 * is saved conditionally; a write that loses a race is a 409 with the version that won. `decide`
 * returns undefined when there is nothing to change (the current task is returned as it is).
 */
export async function changeTaskAt(
  ctx: AppContext,
  options: { actor: User; id: string; version: number },
  decide: (current: Task) => TaskDecision | undefined,
): Promise<Task> {
  const current = await getTaskRecord(ctx, options.id);
  if (!current) throw new NotFoundError('Task not found');
  assertTeamMember(options.actor, current);
  const stale = (currentVersion: number) =>
    new ConflictError('The task was changed since you loaded it; reload and try again', { currentVersion, yourVersion: options.version });
  if (current.version !== options.version) throw stale(current.version);
  const decision = decide(current);
  if (!decision) return current;
  try {
    await saveTask(ctx, current, decision.after, decision.entries);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const winner = await getTaskRecord(ctx, options.id);
    throw stale(winner?.version ?? current.version + 1);
  }
  return decision.after;
}

/**
 * Read-decide-write for system changes (EHR-driven): re-reads and re-decides when another writer
 * got there first, so the EHR never overwrites a person's concurrent change. `decide` returns
 * undefined for "nothing to do".
 */
export async function changeTaskWithRetry(ctx: AppContext, id: string, decide: (current: Task) => TaskDecision | undefined): Promise<Task | undefined> {
  for (let attempt = 0; attempt < 4; attempt++) {
    const current = await getTaskRecord(ctx, id);
    if (!current) throw new NotFoundError('Task not found');
    const decision = decide(current);
    if (!decision) return undefined;
    try {
      await saveTask(ctx, current, decision.after, decision.entries);
      return decision.after;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  throw new ConflictError('The task kept changing concurrently; try again');
}
