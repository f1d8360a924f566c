import type { CarePlan } from '../../../shared/careplans/schema';
import type { AppContext } from '../../../shared/context';
import { batchGetAll } from '../../../shared/db/batch';
import { findTaskIdsBySource, taskFromItem, taskKey } from '../../../shared/tasks/repository';
import type { Task } from '../../../shared/tasks/schema';

/**
 * The tasks a care plan generated, read the way the tasks module finds a source's work: one Query
 * on the plan's rule-guard partition, then one BatchGet of the tasks (never a Scan).
 *
 * The source and rule-id shapes mirror shared/careplans/apply-planned-work.ts, which does not
 * export them (`sidecar-careplan`, `CarePlan/<id>`, `careplan.<activity id>.r<revision>.<n>`);
 * test/integration/care-plans-console.int.test.ts fails if they drift apart.
 */
const CAREPLAN_SOURCE_ID = 'sidecar-careplan';
const RULE_ID = /^careplan\.([0-9a-hjkmnp-tv-z]{26})\.r\d+\.(\d+)$/;

/** One generated task as the care-plan page shows it (the minimum necessary). */
export interface PlanTaskRow {
  id: string;
  title: string;
  status: Task['status'];
  dueAt: string;
  occurrence: number;
}

export interface PlanTasks {
  /** Activity id → its tasks, by due time. */
  byActivity: Record<string, PlanTaskRow[]>;
  /** Tasks of activities no longer on the plan (removed by a revision), by due time. */
  removed: PlanTaskRow[];
  /** Every task id shown, for the audit trail. */
  ids: string[];
}

function activityOf(task: Task): { activityId: string; occurrence: number } | undefined {
  if (task.createdBy.kind !== 'rule') return undefined;
  const m = RULE_ID.exec(task.createdBy.ruleId);
  return m ? { activityId: m[1]!.toUpperCase(), occurrence: Number(m[2]) } : undefined;
}

/** The plan's generated tasks grouped by the activity that generated them. Returns PHI (titles): render, never log. */
export async function carePlanTasks(ctx: AppContext, plan: Pick<CarePlan, 'id' | 'activities'>): Promise<PlanTasks> {
  const ids = await findTaskIdsBySource(ctx, { sourceId: CAREPLAN_SOURCE_ID, reference: `CarePlan/${plan.id}` });
  const items = ids.length > 0 ? await batchGetAll(ctx, ctx.config.tables.records, ids.map(taskKey)) : [];
  const current = new Set(plan.activities.map((a) => a.id));
  const byActivity: Record<string, PlanTaskRow[]> = {};
  const removed: PlanTaskRow[] = [];
  for (const item of items) {
    if (item.entity !== 'task') continue;
    const task = taskFromItem(item);
    const origin = activityOf(task);
    const row: PlanTaskRow = { id: task.id, title: task.title, status: task.status, dueAt: task.dueAt, occurrence: origin?.occurrence ?? 1 };
    if (origin && current.has(origin.activityId)) (byActivity[origin.activityId] ??= []).push(row);
    else removed.push(row);
  }
  const byDue = (a: PlanTaskRow, b: PlanTaskRow) => a.dueAt.localeCompare(b.dueAt) || a.id.localeCompare(b.id);
  for (const rows of Object.values(byActivity)) rows.sort(byDue);
  removed.sort(byDue);
  return {
    byActivity,
    removed,
    ids: [...Object.values(byActivity).flat(), ...removed].map((r) => r.id),
  };
}
