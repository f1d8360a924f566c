import { z } from 'zod';
import type { AppContext } from '../context';
import { BadRequestError, ConflictError } from '../errors';
import type { User } from '../users/directory';
import { changeTaskAt, taskTimelineEntry } from './change';
import { isOpenTask, type Task, ZAttemptChannel, ZAttemptOutcome } from './schema';

/** Attempts kept per task; past this, close the task and open a new one. */
export const MAX_ATTEMPTS = 100;

export const ZLogAttemptInput = z.object({
  channel: ZAttemptChannel,
  outcome: ZAttemptOutcome,
  /** When the contact was tried (default: now); never in the future. */
  at: z.iso.datetime({ offset: true }).optional(),
  /** PHI possible: never logged. */
  note: z.string().trim().min(1).max(1000).optional(),
});
export type LogAttemptInput = z.input<typeof ZLogAttemptInput>;

/**
 * Records one contact attempt (channel and outcome) on an open task, version-checked, with a
 * timeline entry. Reaching the patient does not complete the task: the person doing the work
 * decides when it is done. 409 on closed tasks; 400 for a time in the future.
 */
export async function logAttempt(ctx: AppContext, options: { actor: User; id: string; version: number; input: LogAttemptInput }): Promise<Task> {
  const input = ZLogAttemptInput.parse(options.input);
  const now = ctx.clock.now();
  const at = input.at ? new Date(input.at) : now;
  // A minute of grace for clocks that disagree a little.
  if (at.getTime() > now.getTime() + 60_000) throw new BadRequestError('An attempt cannot be in the future');
  return changeTaskAt(ctx, options, (current) => {
    if (!isOpenTask(current)) throw new ConflictError(`Cannot log an attempt on a task that is ${current.status}`, { status: current.status });
    if (current.attempts.length >= MAX_ATTEMPTS) throw new ConflictError(`A task keeps at most ${MAX_ATTEMPTS} attempts; close it and open a new one`);
    const by = { id: options.actor.id, name: options.actor.name };
    const attempt = { at: at.toISOString(), by, channel: input.channel, outcome: input.outcome, ...(input.note ? { note: input.note } : {}) };
    const after: Task = { ...current, attempts: [...current.attempts, attempt], version: current.version + 1, updatedAt: now.toISOString() };
    const entry = taskTimelineEntry(current, options.actor, now, { kind: 'attempt', attempt: { channel: input.channel, outcome: input.outcome }, ...(input.note ? { note: input.note } : {}) });
    return { after, entries: [entry] };
  });
}
