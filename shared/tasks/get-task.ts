import type { AppContext } from '../context';
import { NotFoundError } from '../errors';
import { getPatientRecord } from '../patients/repository';
import type { Patient } from '../patients/schema';
import { getTaskWithTimeline } from './repository';
import { isTaskOverdue, type Task, type TaskTimelineEntry } from './schema';

export interface TaskView {
  task: Task;
  /** Oldest first. */
  timeline: TaskTimelineEntry[];
  /** PHI: render, never log. Undefined if the patient projection is gone. */
  patient?: Patient;
  overdue: boolean;
}

/** A task with its timeline (notes, attempts, transitions) and its patient. Returns PHI. */
export async function getTask(ctx: AppContext, options: { id: string }): Promise<TaskView> {
  const found = await getTaskWithTimeline(ctx, options.id);
  if (!found) throw new NotFoundError('Task not found');
  const patient = await getPatientRecord(ctx, found.task.patientId);
  return { ...found, ...(patient ? { patient } : {}), overdue: isTaskOverdue(found.task, ctx.clock.now()) };
}
