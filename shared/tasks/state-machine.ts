import { z } from 'zod';
import { ConflictError } from '../errors';
import type { ActorRef } from '../referrals/schema';
import { type Task, type TaskStatus, TERMINAL_TASK_STATUSES } from './schema';

/**
 * Legal status moves for a task (FHIR Task's statuses without the request/accept handshake, since
 * a task is created ready to work): ready work can be started, parked, done, dropped or failed;
 * work in progress can also go back to the queue (`ready`); parked work resumes or is dropped.
 * completed, cancelled and failed are terminal.
 */
export const TASK_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  ready: ['in-progress', 'on-hold', 'cancelled', 'completed', 'failed'],
  'in-progress': ['on-hold', 'completed', 'failed', 'cancelled', 'ready'],
  'on-hold': ['ready', 'in-progress', 'cancelled'],
  completed: [],
  cancelled: [],
  failed: [],
};

/** Whether a task may move from one status to another. */
export function canMoveTask(from: TaskStatus, to: TaskStatus): boolean {
  return TASK_TRANSITIONS[from].includes(to);
}

const reason = z.string().trim().min(1, 'A reason is required').max(2000);
const optionalNote = z.string().trim().max(2000).optional();

/** What a person asks for: the target status, with a reason where the status needs one. */
export const ZTaskTransition = z.discriminatedUnion('to', [
  z.object({ to: z.literal('ready'), note: optionalNote }),
  z.object({ to: z.literal('in-progress'), note: optionalNote }),
  z.object({ to: z.literal('completed'), note: optionalNote }),
  z.object({ to: z.literal('on-hold'), reason }),
  z.object({ to: z.literal('cancelled'), reason }),
  z.object({ to: z.literal('failed'), reason }),
]);
export type TaskTransition = z.infer<typeof ZTaskTransition>;

/**
 * The task after a transition, one version later, or a ConflictError saying why the move is
 * illegal. Pure: the caller persists it with optimistic concurrency. The reason of an on-hold,
 * cancelled or failed task is kept in `statusReason` (cleared when work resumes or completes);
 * starting unowned work makes the actor its owner, so it leaves the unowned team queue.
 */
export function planTaskTransition(task: Task, transition: TaskTransition, options: { actor: ActorRef; now: Date }): Task {
  const to = transition.to;
  if (!canMoveTask(task.status, to)) {
    const why = TERMINAL_TASK_STATUSES.includes(task.status) ? 'it is already closed' : task.status === to ? `it is already ${to}` : `${task.status} cannot become ${to}`;
    throw new ConflictError(`Cannot move a task that is ${task.status} to ${to}: ${why}`, { status: task.status, to });
  }
  const next: Task = { ...task, status: to, version: task.version + 1, updatedAt: options.now.toISOString() };
  if ('reason' in transition) next.statusReason = transition.reason;
  else delete next.statusReason;
  if (to === 'in-progress' && !task.owner) next.owner = { id: options.actor.id, name: options.actor.name };
  return next;
}
