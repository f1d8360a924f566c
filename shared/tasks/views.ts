import { z } from 'zod';
import type { KeyRange } from '../db/merge-query';
import { RECORDS_INDEX } from '../db/tables';
import { PRIORITY_RANK, PRIORITIES } from '../referrals/schema';
import { TEAM_QUEUE_SHARDS, taskAssigneePk, taskQueuePk } from './repository';
import { CLOCK_RUNNING_STATUSES, OPEN_TASK_STATUSES, type Team } from './schema';

/**
 * The work lists: my open tasks; a team's open queue; a team's running work due before a cutoff
 * (the end of the viewer's day, which only the viewer's time zone knows); a team's running work
 * past due. Due views leave on-hold work out: its clock is paused.
 */
export const TASK_VIEWS = ['mine', 'team', 'due-today', 'overdue'] as const;
export const ZTaskListView = z.enum(TASK_VIEWS);
export type TaskListView = z.infer<typeof ZTaskListView>;

/** Which tasks of a team list to show by owner. */
export const ZTaskOwnership = z.enum(['any', 'unowned', 'owned']);
export type TaskOwnership = z.infer<typeof ZTaskOwnership>;

export type ViewScope = { view: 'mine'; userId: string } | { view: 'team'; team: Team } | { view: 'due-today' | 'overdue'; team: Team; before: string };

/**
 * The index key ranges a view reads, all sorted by `<priorityRank>#<dueAt>#<id>`: assignee
 * partitions per open status for "mine"; the team's sharded queue partitions otherwise, cut per
 * priority rank at the due cutoff (a sort-key range, so "due before" costs what the page costs).
 * Pass the ranges to mergeQuery; never a Scan.
 */
export function viewRanges(scope: ViewScope): KeyRange[] {
  if (scope.view === 'mine') {
    return OPEN_TASK_STATUSES.map((s) => ({ index: RECORDS_INDEX.assignee, pkName: 'assigneePk', pkValue: taskAssigneePk(scope.userId, s), skName: 'queueSk' }));
  }
  const statuses = scope.view === 'team' ? OPEN_TASK_STATUSES : CLOCK_RUNNING_STATUSES;
  const partitions = statuses.flatMap((s) =>
    Array.from({ length: TEAM_QUEUE_SHARDS }, (_, shard) => ({ index: RECORDS_INDEX.queue, pkName: 'queuePk', pkValue: taskQueuePk(scope.team, s, shard), skName: 'queueSk' })),
  );
  if (scope.view === 'team') return partitions;
  // `<rank>#<dueAt>#<id>` ≤ `<rank>#<before>` exactly when dueAt < before (ISO instants of one length).
  const ranks = PRIORITIES.map((p) => PRIORITY_RANK[p]);
  return partitions.flatMap((p) => ranks.map((r) => ({ ...p, lo: `${r}#`, hi: `${r}#${scope.before}` })));
}
