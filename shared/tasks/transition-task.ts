import type { AppContext } from '../context';
import type { User } from '../users/directory';
import { changeTaskAt, taskTimelineEntry } from './change';
import type { Task } from './schema';
import { planTaskTransition, type TaskTransition, ZTaskTransition } from './state-machine';

/**
 * A member of the task's team moves it (start, back to the queue, hold, resume, complete, cancel,
 * fail). Illegal moves are a 409 with the reason, a stale `version` a 409 with the current one; a
 * hold, cancellation or failure needs a reason (400 without). Every move adds a timeline entry
 * with who, when, from → to and the reason or note.
 */
export async function transitionTask(ctx: AppContext, options: { actor: User; id: string; version: number; transition: TaskTransition }): Promise<Task> {
  const transition = ZTaskTransition.parse(options.transition);
  return changeTaskAt(ctx, options, (current) => {
    const now = ctx.clock.now();
    const after = planTaskTransition(current, transition, { actor: options.actor, now });
    const text = 'reason' in transition ? transition.reason : transition.note;
    const claimed = !current.owner && after.owner ? `Started by ${after.owner.name}` : undefined;
    const note = [claimed, text].filter(Boolean).join('. ');
    return { after, entries: [taskTimelineEntry(current, options.actor, now, { kind: 'transition', from: current.status, to: after.status, ...(note ? { note } : {}) })] };
  });
}
