import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../context';
import { queryPartition, TIMELINE_READ_LIMIT } from '../db/query-partition';
import { batchGetAll, isConditionFailure } from '../db/batch';
import { ConflictError, NotFoundError } from '../errors';
import { externalKey, shardOf } from '../ids';
import { PRIORITY_RANK } from '../referrals/schema';
import { taskLogPut } from '../dashboard/transition-log';
import { dueIndexKeys, withBreachForDue } from '../sla/due-index';
import {
  type Task,
  type TaskSource,
  type TaskStatus,
  type TaskTimelineEntry,
  type Team,
  CLOCK_RUNNING_STATUSES,
  TASK_STATUSES,
  ZTask,
  ZTaskTimelineEntry,
} from './schema';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Shards of each team queue partition (`T#<team>#<status>#<shard>`), read together with mergeQuery. */
export const TEAM_QUEUE_SHARDS = 4;
/** Shards of each team's counter item (summed on read). */
export const TASK_COUNTER_SHARDS = 4;
/** Shards of the task kind listing. */
export const TASK_KIND_SHARDS = 4;

// ---- keys -------------------------------------------------------------------------------
export const taskKey = (id: string) => ({ pk: `TASK#${id}`, sk: 'A' });
const timelineKey = (taskId: string, entryId: string) => ({ pk: `TASK#${taskId}`, sk: `T#${entryId}` });
/**
 * Uniqueness guards of rule-created tasks: one partition per EHR resource (its reference digested,
 * as EHR ids can be MRN-like), one item per rule. The guard makes a rule firing twice create one
 * task, and the partition lists every task the resource created, for undo.
 */
const guardPk = (source: Pick<TaskSource, 'sourceId' | 'reference'>) => `TASKGUARD#${source.sourceId}#${externalKey(source.sourceId, source.reference)}`;
const guardKey = (source: Pick<TaskSource, 'sourceId' | 'reference'>, ruleId: string) => ({ pk: guardPk(source), sk: `R#${ruleId}` });
const teamCounterKey = (team: Team, shard: number) => ({ pk: `TCOUNT#${team}#${shard}`, sk: 'A' });
const ownerCounterKey = (userId: string) => ({ pk: `TCOUNT#A#${userId}`, sk: 'A' });

/** Team queue partition: one per team, status and shard. */
export const taskQueuePk = (team: Team, status: TaskStatus, shard: number) => `T#${team}#${status}#${shard}`;
/** Someone's tasks in one status. */
export const taskAssigneePk = (userId: string, status: TaskStatus) => `A#${userId}#T#${status}`;
/** Work-list order: priority, then due time, then id (unique, so it doubles as a cursor). */
export const taskQueueSk = (t: Pick<Task, 'priority' | 'dueAt' | 'id'>) => `${PRIORITY_RANK[t.priority]}#${t.dueAt}#${t.id}`;
/** Prefix of tasks' sort keys in the patient index (`task#<createdAt>#<id>`). */
export const TASK_PATIENT_SK_PREFIX = 'task#';

/** Storage shape of a task: the domain record plus its index keys (no PHI in any key). */
interface TaskItem extends Task {
  pk: string;
  sk: 'A';
  entity: 'task';
  queuePk: string;
  queueSk: string;
  assigneePk?: string;
  patientPk: string;
  patientSk: string;
  kindPk: string;
  kindSk: string;
  /** Due index (sparse): only while the clock runs and this due time has not breached. */
  duePk?: string;
  dueSk?: string;
}

function toItem(t: Task): TaskItem {
  return {
    ...t,
    ...taskKey(t.id),
    sk: 'A',
    entity: 'task',
    queuePk: taskQueuePk(t.team, t.status, shardOf(t.id, TEAM_QUEUE_SHARDS)),
    queueSk: taskQueueSk(t),
    ...(t.owner ? { assigneePk: taskAssigneePk(t.owner.id, t.status) } : {}),
    patientPk: `P#${t.patientId}`,
    patientSk: `${TASK_PATIENT_SK_PREFIX}${t.createdAt}#${t.id}`,
    kindPk: `K#task#${shardOf(t.id, TASK_KIND_SHARDS)}`,
    kindSk: `${t.createdAt}#${t.id}`,
    ...taskDueIndexKeys(t),
  };
}

/**
 * The due-index keys a save of this task writes (none while its clock is stopped or its due time
 * has breached). Exported so the due-index backfill compares stored items with exactly this.
 */
export function taskDueIndexKeys(t: Task): { duePk: string; dueSk: string } | Record<string, never> {
  return dueIndexKeys('task', t, CLOCK_RUNNING_STATUSES.includes(t.status));
}

/** Maps a stored item (table or GSI projection) to the domain task. Returns PHI. */
export function taskFromItem(item: Record<string, unknown>): Task {
  return ZTask.parse(item);
}

// ---- counters ---------------------------------------------------------------------------
type Deltas = Map<string, { key: { pk: string; sk: string }; attrs: Record<string, number> }>;

function bump(deltas: Deltas, key: { pk: string; sk: string }, attr: string, d: number): void {
  const id = key.pk;
  const entry = deltas.get(id) ?? { key, attrs: {} };
  entry.attrs[attr] = (entry.attrs[attr] ?? 0) + d;
  deltas.set(id, entry);
}

/**
 * Counter moves for a change from `before` to `after`: per team (all, and unowned) and per owner,
 * by status. The team's shard is picked by `seed`, so one change touches each counter item once.
 */
function counterDeltas(before: Task | undefined, after: Task, seed: string): Deltas {
  const deltas: Deltas = new Map();
  const contribute = (t: Task, sign: number) => {
    const team = teamCounterKey(t.team, shardOf(`${seed}#${t.team}`, TASK_COUNTER_SHARDS));
    bump(deltas, team, `s_${t.status}`, sign);
    if (t.owner) bump(deltas, ownerCounterKey(t.owner.id), `s_${t.status}`, sign);
    else bump(deltas, team, `u_${t.status}`, sign);
  };
  if (before) contribute(before, -1);
  contribute(after, 1);
  return deltas;
}

function counterUpdates(ctx: AppContext, deltas: Deltas): TransactItem[] {
  return [...deltas.values()].flatMap(({ key, attrs }) => {
    const moves = Object.entries(attrs).filter(([, d]) => d !== 0);
    if (moves.length === 0) return [];
    const names: Record<string, string> = {};
    const values: Record<string, number> = {};
    const adds = moves.map(([attr, d], i) => {
      names[`#c${i}`] = attr;
      values[`:c${i}`] = d;
      return `#c${i} :c${i}`;
    });
    return [{ Update: { TableName: ctx.config.tables.records, Key: key, UpdateExpression: `ADD ${adds.join(', ')}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values } }];
  });
}

const zeroByStatus = () => Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;

/** A team's tasks per status, all and unowned: one BatchGet of its counter shards (never a Scan). */
export async function readTeamCounts(ctx: AppContext, team: Team): Promise<{ byStatus: Record<TaskStatus, number>; unownedByStatus: Record<TaskStatus, number> }> {
  const byStatus = zeroByStatus();
  const unownedByStatus = zeroByStatus();
  const keys = Array.from({ length: TASK_COUNTER_SHARDS }, (_, i) => teamCounterKey(team, i));
  for (const item of await batchGetAll(ctx, ctx.config.tables.records, keys)) {
    for (const s of TASK_STATUSES) {
      byStatus[s] += Number(item[`s_${s}`] ?? 0);
      unownedByStatus[s] += Number(item[`u_${s}`] ?? 0);
    }
  }
  return { byStatus, unownedByStatus };
}

/** Someone's tasks per status: one GetItem of their counter. */
export async function readOwnerCounts(ctx: AppContext, userId: string): Promise<Record<TaskStatus, number>> {
  const byStatus = zeroByStatus();
  const res = await ctx.db.send(new GetCommand({ TableName: ctx.config.tables.records, Key: ownerCounterKey(userId) }));
  for (const s of TASK_STATUSES) byStatus[s] += Number(res.Item?.[`s_${s}`] ?? 0);
  return byStatus;
}

// ---- reads ------------------------------------------------------------------------------
/** One task, strongly consistent, or undefined. Returns PHI. */
export async function getTaskRecord(ctx: AppContext, id: string): Promise<Task | undefined> {
  const res = await ctx.db.send(new GetCommand({ TableName: ctx.config.tables.records, Key: taskKey(id), ConsistentRead: true }));
  return res.Item?.entity === 'task' ? taskFromItem(res.Item) : undefined;
}

/** The task and its timeline (oldest first) in one Query on the task's partition. Returns PHI. */
export async function getTaskWithTimeline(ctx: AppContext, id: string): Promise<{ task: Task; timeline: TaskTimelineEntry[] } | undefined> {
  let task: Task | undefined;
  const timeline: TaskTimelineEntry[] = [];
  for (const item of await queryPartition(ctx, taskKey(id).pk, { stopAfter: TIMELINE_READ_LIMIT })) {
    if (item.sk === 'A' && item.entity === 'task') task = taskFromItem(item);
    else if (typeof item.sk === 'string' && item.sk.startsWith('T#')) timeline.push(ZTaskTimelineEntry.parse(item));
  }
  return task ? { task, timeline } : undefined;
}

/** The task a rule created from an EHR resource, if it already did. */
export async function findTaskIdByRule(ctx: AppContext, source: Pick<TaskSource, 'sourceId' | 'reference'>, ruleId: string): Promise<string | undefined> {
  const res = await ctx.db.send(new GetCommand({ TableName: ctx.config.tables.records, Key: guardKey(source, ruleId), ConsistentRead: true }));
  return typeof res.Item?.targetId === 'string' ? res.Item.targetId : undefined;
}

/** Ids of every task any rule created from an EHR resource: a Query on its guard partition. */
export async function findTaskIdsBySource(ctx: AppContext, source: Pick<TaskSource, 'sourceId' | 'reference'>): Promise<string[]> {
  const ids: string[] = [];
  for (const item of await queryPartition(ctx, guardPk(source))) if (typeof item.targetId === 'string') ids.push(item.targetId);
  return ids;
}

// ---- writes -----------------------------------------------------------------------------
/** A transaction cancelled only because another one held an item it touched (often a counter). */
function isTransactionConflictOnly(error: unknown): boolean {
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
  return codes.includes('TransactionConflict') && !codes.includes('ConditionalCheckFailed');
}

/**
 * Sends a transaction, resending it (it is atomic: a cancelled one changed nothing) when it was
 * cancelled only by a concurrent transaction on a shared item, so busy counters never surface as
 * a 409. A failed condition is a ConflictError with `conflictMessage`.
 */
async function transact(ctx: AppContext, items: TransactItem[], conflictMessage: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await ctx.db.send(new TransactWriteCommand({ TransactItems: items }));
      return;
    } catch (error) {
      if (isTransactionConflictOnly(error) && attempt < 4) {
        await new Promise((r) => setTimeout(r, 10 * 2 ** attempt + Math.random() * 10));
        continue;
      }
      if (isConditionFailure(error)) throw new ConflictError(conflictMessage);
      throw error;
    }
  }
}

function timelinePut(ctx: AppContext, entry: TaskTimelineEntry): TransactItem {
  return { Put: { TableName: ctx.config.tables.records, Item: { ...timelineKey(entry.taskId, entry.id), entity: 'task-timeline', ...entry } } };
}

/**
 * The transaction items that create a task: the task (only if absent), its timeline entries,
 * counters and transition-log entry, and for a rule-created task (`ruleId` and `links.source`) its
 * uniqueness guard (only if absent), so one source and rule can never make two tasks. For
 * insertTask, and for use-cases that must create a task atomically with another change (a rule
 * reacting to a referral's transition). Validates the task.
 */
export function taskInsertItems(ctx: AppContext, task: Task, entries: TaskTimelineEntry[], ruleId?: string): TransactItem[] {
  const items: TransactItem[] = [
    { Put: { TableName: ctx.config.tables.records, Item: toItem(ZTask.parse(task)), ConditionExpression: 'attribute_not_exists(pk)' } },
    ...entries.map((e) => timelinePut(ctx, e)),
  ];
  if (ruleId && task.links.source) {
    items.push({
      Put: {
        TableName: ctx.config.tables.records,
        Item: { ...guardKey(task.links.source, ruleId), entity: 'task-guard', targetId: task.id },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
  }
  items.push(...counterUpdates(ctx, counterDeltas(undefined, task, task.id)));
  items.push(taskLogPut(ctx.config.tables.records, undefined, task)!);
  return items;
}

/**
 * Creates a task with its timeline entries, counters and transition-log entry in one transaction
 * (see taskInsertItems). Throws ConflictError if the task or its rule's guard already exists.
 */
export async function insertTask(ctx: AppContext, task: Task, entries: TaskTimelineEntry[], ruleId?: string): Promise<void> {
  await transact(ctx, taskInsertItems(ctx, task, entries, ruleId), 'This task already exists');
}

/**
 * Saves a changed task if nobody changed it since `before` was read (optimistic concurrency on
 * `version`), with its timeline entries, counter moves and transition-log entry, in one transaction. The item's
 * due-index keys follow its status and due time (a new due time clears `breachedAt`). With
 * `requireUnowned`, the write also requires that the stored task has no owner (claims). A lost
 * race is a ConflictError (409), never a silent overwrite.
 */
export async function saveTask(ctx: AppContext, before: Task, after: Task, entries: TaskTimelineEntry[], options: { requireUnowned?: boolean } = {}): Promise<void> {
  if (after.version !== before.version + 1) throw new Error('saveTask: version must advance by one');
  const condition = options.requireUnowned ? '#version = :expected AND attribute_not_exists(#owner)' : '#version = :expected';
  const items: TransactItem[] = [
    {
      Put: {
        TableName: ctx.config.tables.records,
        Item: toItem(ZTask.parse(withBreachForDue(before, after))),
        ConditionExpression: condition,
        ExpressionAttributeNames: { '#version': 'version', ...(options.requireUnowned ? { '#owner': 'owner' } : {}) },
        ExpressionAttributeValues: { ':expected': before.version },
      },
    },
    ...entries.map((e) => timelinePut(ctx, e)),
  ];
  if (before.status !== after.status || before.team !== after.team || before.owner?.id !== after.owner?.id) {
    items.push(...counterUpdates(ctx, counterDeltas(before, after, `${after.id}#${after.version}`)));
  }
  const log = taskLogPut(ctx.config.tables.records, before, after);
  if (log) items.push(log);
  await transact(ctx, items, 'The task was changed by someone else; reload it and try again');
}

/** Appends an entry to a task's timeline (notes need no version: they never overwrite). */
export async function appendTaskTimeline(ctx: AppContext, entry: TaskTimelineEntry): Promise<void> {
  const check: TransactItem = { ConditionCheck: { TableName: ctx.config.tables.records, Key: taskKey(entry.taskId), ConditionExpression: 'attribute_exists(pk)' } };
  await transact(ctx, [check, timelinePut(ctx, entry)], 'Task not found').catch((error: unknown) => {
    throw error instanceof ConflictError ? new NotFoundError('Task not found') : error;
  });
}
