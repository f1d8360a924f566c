import { z } from 'zod';
import type { AppContext } from '../context';
import { decodeCursor, encodeCursor } from '../db/cursor';
import { mergeQuery } from '../db/merge-query';
import { BadRequestError } from '../errors';
import { getPatientsByIds } from '../patients/repository';
import type { User } from '../users/directory';
import { taskFromItem } from './repository';
import { isTaskOverdue, type Task, type Team, teamOfRole, ZTeam } from './schema';
import { type ViewScope, viewRanges, ZTaskOwnership, ZTaskListView } from './views';

export const ZListTasksInput = z
  .object({
    view: ZTaskListView.default('mine'),
    /** The team whose queue to read; defaults to the viewer's own. */
    team: ZTeam.optional(),
    /** Team views only. */
    ownership: ZTaskOwnership.default('any'),
    /** `due-today`: the end of the viewer's day (an instant; any offset). */
    dueBefore: z.iso.datetime({ offset: true }).optional(),
    cursor: z.string().max(1000).optional(),
    limit: z.number().int().min(1).max(100).default(25),
  })
  .superRefine((input, issue) => {
    if (input.view === 'due-today' && !input.dueBefore) issue.addIssue({ code: 'custom', path: ['dueBefore'], message: 'due-today needs dueBefore (the end of your day)' });
  });
export type ListTasksInput = z.input<typeof ZListTasksInput>;

export interface TaskRow {
  task: Task;
  /** Display name (PHI: render, never log). Undefined while the EHR has not sent the patient. */
  patientName?: string;
  overdue: boolean;
}

export interface TaskPage {
  rows: TaskRow[];
  nextCursor?: string;
}

/** The team a team view reads: the one asked for, else the viewer's own (400 for roles without one). */
export function resolveTeam(actor: User, team: Team | undefined): Team {
  const resolved = team ?? teamOfRole(actor.role);
  if (!resolved) throw new BadRequestError('Choose a team: coordinators or nurses');
  return resolved;
}

/** The view's scope for this viewer at `now`. */
function viewScope(actor: User, input: { view: ViewScope['view']; team?: Team; dueBefore?: string }, now: Date): ViewScope {
  switch (input.view) {
    case 'mine':
      return { view: 'mine', userId: actor.id };
    case 'team':
      return { view: 'team', team: resolveTeam(actor, input.team) };
    case 'due-today':
      return { view: 'due-today', team: resolveTeam(actor, input.team), before: new Date(input.dueBefore!).toISOString() };
    case 'overdue':
      return { view: 'overdue', team: resolveTeam(actor, input.team), before: now.toISOString() };
  }
}

const OWNERSHIP_CONDITION = { unowned: 'attribute_not_exists(#owner)', owned: 'attribute_exists(#owner)' } as const;

/**
 * One page of a work list (My work, Team queue, Due today, Overdue), by priority then due time:
 * a merge of Queries over the view's index ranges, so a page costs the same at 1,000 or 100,000
 * tasks. The owner filter of team views is a FilterExpression on top (a page may come back short;
 * the cursor still moves). Returns PHI (patient names).
 */
export async function listTasks(ctx: AppContext, options: { actor: User; input: ListTasksInput }): Promise<TaskPage> {
  const input = ZListTasksInput.parse(options.input);
  const now = ctx.clock.now();
  const scope = viewScope(options.actor, input, now);
  const filter = scope.view !== 'mine' && input.ownership !== 'any' ? { expression: OWNERSHIP_CONDITION[input.ownership], names: { '#owner': 'owner' }, values: {} } : undefined;
  const after = decodeCursor(input.cursor);
  const page = await mergeQuery(ctx, {
    table: ctx.config.tables.records,
    ranges: viewRanges(scope),
    limit: input.limit,
    ...(after ? { after } : {}),
    ...(filter ? { filter } : {}),
  });
  const tasks = page.items.map(taskFromItem);
  const patients = await getPatientsByIds(ctx, [...new Set(tasks.map((t) => t.patientId))]);
  return {
    rows: tasks.map((task) => {
      const name = patients.get(task.patientId)?.name?.text;
      return { task, ...(name ? { patientName: name } : {}), overdue: isTaskOverdue(task, now) };
    }),
    ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}),
  };
}
