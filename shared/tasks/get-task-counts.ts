import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { AppContext } from '../context';
import type { KeyRange } from '../db/merge-query';
import type { User } from '../users/directory';
import { resolveTeam } from './list-tasks';
import { readOwnerCounts, readTeamCounts } from './repository';
import { OPEN_TASK_STATUSES, type TaskStatus, type Team, ZTeam } from './schema';
import { type TaskListView, viewRanges } from './views';

/** Time-dependent counts stop here (the console shows "1000+"), so a count costs a bounded read. */
export const TASK_COUNT_CAP = 1000;

export const ZTaskCountsInput = z.object({
  team: ZTeam.optional(),
  /** The end of the viewer's day, for "Due today". */
  dueBefore: z.iso.datetime({ offset: true }),
});
export type TaskCountsInput = z.input<typeof ZTaskCountsInput>;

export interface TaskCounts {
  team: Team;
  /** Rows each work list holds (My work, Team queue, Due today, Overdue). */
  views: Record<TaskListView, number>;
  /** Open tasks in the team queue that nobody owns yet. */
  unowned: number;
  /** Views whose count stopped at TASK_COUNT_CAP. */
  capped: TaskListView[];
}

const openSum = (byStatus: Record<TaskStatus, number>) => OPEN_TASK_STATUSES.reduce((n, s) => n + Math.max(0, byStatus[s]), 0);

/**
 * Items in the given index sort-key ranges, counted by Query (Select COUNT, never a Scan), stopping
 * at `cap` so a count costs a bounded read. Shared with the leads' dashboard (overdue counts).
 */
export async function countRanges(ctx: AppContext, ranges: KeyRange[], cap: number): Promise<number> {
  let total = 0;
  await Promise.all(
    ranges.map(async (range) => {
      let startKey: Record<string, unknown> | undefined;
      do {
        const res = await ctx.db.send(
          new QueryCommand({
            TableName: ctx.config.tables.records,
            IndexName: range.index,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
            ExpressionAttributeNames: { '#pk': range.pkName, '#sk': range.skName },
            ExpressionAttributeValues: { ':pk': range.pkValue, ':lo': range.lo ?? '', ':hi': range.hi ?? '\uffff' },
            Select: 'COUNT',
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        total += res.Count ?? 0;
        startKey = res.LastEvaluatedKey;
      } while (startKey && total < cap);
    }),
  );
  return Math.min(total, cap);
}

/**
 * How many rows each work list holds for this viewer and team: My work and the team queue from
 * counter items kept in the same transactions as every change (O(1)); Due today and Overdue,
 * which move with the clock, by COUNT Queries on the same due-ordered ranges as the lists,
 * capped at TASK_COUNT_CAP. Never a Scan.
 */
export async function getTaskCounts(ctx: AppContext, options: { actor: User; input: TaskCountsInput }): Promise<TaskCounts> {
  const input = ZTaskCountsInput.parse(options.input);
  const team = resolveTeam(options.actor, input.team);
  const now = ctx.clock.now().toISOString();
  const [mine, teamCounts, dueToday, overdue] = await Promise.all([
    readOwnerCounts(ctx, options.actor.id),
    readTeamCounts(ctx, team),
    countRanges(ctx, viewRanges({ view: 'due-today', team, before: new Date(input.dueBefore).toISOString() }), TASK_COUNT_CAP),
    countRanges(ctx, viewRanges({ view: 'overdue', team, before: now }), TASK_COUNT_CAP),
  ]);
  return {
    team,
    views: { mine: openSum(mine), team: openSum(teamCounts.byStatus), 'due-today': dueToday, overdue },
    unowned: openSum(teamCounts.unownedByStatus),
    capped: (['due-today', 'overdue'] as const).filter((v) => (v === 'due-today' ? dueToday : overdue) >= TASK_COUNT_CAP),
  };
}
