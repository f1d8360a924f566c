import { z } from 'zod';
import type { AppContext } from '../context';
import { BadRequestError, ConflictError } from '../errors';
import { type DirectoryEntry, findUser, type User, ZUserId } from '../users/directory';
import { changeTaskAt, type TaskDecision, taskTimelineEntry } from './change';
import { isOpenTask, type Task, TEAM_ROLE, type Team, ZTeam } from './schema';

export const ZAssignTaskInput = z.object({
  /** The new owner, or null to release the task to its team queue. */
  ownerId: ZUserId.nullable(),
  /** Moves the task to another team's queue (its owner, if any, must be on that team). */
  team: ZTeam.optional(),
});
export type AssignTaskInput = z.infer<typeof ZAssignTaskInput>;

/** The directory entry of the new owner (400 if unknown), or undefined when releasing. */
export async function findAssignee(ctx: AppContext, ownerId: string | null): Promise<DirectoryEntry | undefined> {
  if (ownerId === null) return undefined;
  const user = await findUser(ctx, ownerId);
  if (!user) throw new BadRequestError('Unknown assignee');
  return user;
}

/**
 * The decision to give `current` to `assignee` (or release it) in `team` (default: its own), or
 * undefined when it already is so. 409 for closed work; 400 for an owner who is not on the team.
 */
export function planAssignment(ctx: AppContext, actor: User, current: Task, assignee: DirectoryEntry | undefined, team: Team | undefined): TaskDecision | undefined {
  if (!isOpenTask(current)) throw new ConflictError(`Cannot reassign a task that is ${current.status}`, { status: current.status });
  const targetTeam = team ?? current.team;
  if (assignee && assignee.role !== TEAM_ROLE[targetTeam]) throw new BadRequestError(`Tasks of the ${targetTeam} team go to its members`);
  if (current.owner?.id === assignee?.id && current.team === targetTeam) return undefined;
  const now = ctx.clock.now();
  const after: Task = { ...current, team: targetTeam, version: current.version + 1, updatedAt: now.toISOString() };
  if (assignee) after.owner = { id: assignee.id, name: assignee.name };
  else delete after.owner;
  const moved = targetTeam === current.team ? '' : ` (moved to the ${targetTeam} team)`;
  const note = assignee ? `Assigned to ${assignee.name}${moved}` : `Released to the ${targetTeam} queue`;
  return { after, entries: [taskTimelineEntry(current, actor, now, { kind: 'assignment', note })] };
}

/**
 * A member of the task's team (its lead for the day) gives the task to a colleague on the team,
 * releases it to the team queue, or hands it to the other team's queue. Version-checked (409 with
 * the current version); 403 from outside the team; a no-op returns the task unchanged.
 */
export async function assignTask(ctx: AppContext, options: { actor: User; id: string; version: number; input: AssignTaskInput }): Promise<Task> {
  const input = ZAssignTaskInput.parse(options.input);
  const assignee = await findAssignee(ctx, input.ownerId);
  return changeTaskAt(ctx, options, (current) => planAssignment(ctx, options.actor, current, assignee, input.team));
}
