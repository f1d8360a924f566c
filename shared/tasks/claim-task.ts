import type { AppContext } from '../context';
import { ConflictError, NotFoundError } from '../errors';
import type { User } from '../users/directory';
import { assertTeamMember, taskTimelineEntry } from './change';
import { getTaskRecord, saveTask } from './repository';
import { isOpenTask, type Task } from './schema';

/** 409 naming who holds the task (a colleague's display name, never patient data). */
function heldBy(actor: User, owner: NonNullable<Task['owner']>): ConflictError {
  const message = owner.id === actor.id ? 'You already hold this task' : `Already claimed by ${owner.name}`;
  return new ConflictError(message, { owner });
}

/**
 * The actor takes an unowned open task from their team's queue. The write is conditional on the
 * task's version and on it having no owner, so of two people claiming at once exactly one wins;
 * the other gets a 409 whose details name the winner (`{ owner: { id, name } }`). `version` is
 * optional: claiming does not overwrite anything the caller saw, so a task changed in between
 * (a note, an attempt) is claimed at its new version, unless the caller pins one (then a stale
 * version is a 409 with the current one).
 */
export async function claimTask(ctx: AppContext, options: { actor: User; id: string; version?: number }): Promise<Task> {
  for (let attempt = 0; attempt < 4; attempt++) {
    const current = await getTaskRecord(ctx, options.id);
    if (!current) throw new NotFoundError('Task not found');
    assertTeamMember(options.actor, current);
    if (!isOpenTask(current)) throw new ConflictError(`Cannot claim a task that is ${current.status}`, { status: current.status });
    if (current.owner) throw heldBy(options.actor, current.owner);
    if (options.version !== undefined && options.version !== current.version) {
      throw new ConflictError('The task was changed since you loaded it; reload and try again', { currentVersion: current.version, yourVersion: options.version });
    }
    const now = ctx.clock.now();
    const owner = { id: options.actor.id, name: options.actor.name };
    const after: Task = { ...current, owner, version: current.version + 1, updatedAt: now.toISOString() };
    try {
      await saveTask(ctx, current, after, [taskTimelineEntry(current, options.actor, now, { kind: 'assignment', note: `Claimed by ${owner.name}` })], { requireUnowned: true });
      return after;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      // Lost a race: the re-read names the winner, or (an unrelated edit) the claim is retried.
    }
  }
  throw new ConflictError('The task kept changing concurrently; try again');
}
