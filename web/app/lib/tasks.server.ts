import { json } from '@remix-run/node';
import { z } from 'zod';
import type { AppContext } from '../../../shared/context';
import { addTaskNote } from '../../../shared/tasks/add-task-note';
import { type BulkReassignResult, bulkReassignTasks } from '../../../shared/tasks/bulk-reassign-tasks';
import { claimTask } from '../../../shared/tasks/claim-task';
import type { TaskRow } from '../../../shared/tasks/list-tasks';
import { logAttempt } from '../../../shared/tasks/log-attempt';
import { type Task, TEAM_ROLE, type Team, teamOfRole, ZAttemptChannel, ZAttemptOutcome, ZTeam } from '../../../shared/tasks/schema';
import { canMoveTask, type TaskTransition } from '../../../shared/tasks/state-machine';
import { transitionTask } from '../../../shared/tasks/transition-task';
import { ZTaskListView, ZTaskOwnership } from '../../../shared/tasks/views';
import { listUsers, type User, ZUserId } from '../../../shared/users/directory';
import { STALE_MESSAGE, toUserError } from './action-error.server';
import { formList, formValues } from './session.server';
import type { TaskIntent } from './task-labels';
import { isoToZonedLocal, isValidTimeZone, TIME_ZONE_COOKIE, zonedLocalToIso } from './time';

export const TASK_STALE_MESSAGE = 'This task was changed by someone else — reload the page to see the latest, then try again.';

/** The work page's query string: a view, a team, an owner filter and a cursor (codes only, never PHI). */
export const ZWorkSearch = z.object({
  view: ZTaskListView.default('mine'),
  team: ZTeam.optional(),
  ownership: ZTaskOwnership.default('any'),
  cursor: z.string().max(1000).optional(),
});
export type WorkSearch = z.infer<typeof ZWorkSearch>;

/** The work page's search parameters, validated (a ZodError, shown as a 400, for anything odd). */
export function parseWorkSearch(params: URLSearchParams): WorkSearch {
  const v = formValues(params, ['view', 'team', 'ownership', 'cursor']);
  return ZWorkSearch.parse(Object.fromEntries(Object.entries(v).filter(([, value]) => value !== undefined)));
}

/** The team a work list shows by default: the actor's own (nurses → nurses), else coordinators. */
export function defaultTeam(actor: User): Team {
  return teamOfRole(actor.role) ?? 'coordinators';
}

/** The browser's time zone, remembered in the cookie root.tsx sets, else UTC. */
export function requestTimeZone(request: Request): string {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== TIME_ZONE_COOKIE) continue;
    try {
      const zone = decodeURIComponent(v.join('='));
      return isValidTimeZone(zone) ? zone : 'UTC';
    } catch {
      return 'UTC';
    }
  }
  return 'UTC';
}

/**
 * The end of the viewer's day at `now` in `timeZone` (local midnight that starts tomorrow), the
 * "Due today" cutoff. Where that midnight does not exist (a daylight-saving jump), UTC's is used.
 */
export function endOfLocalDay(now: Date, timeZone: string): string {
  const today = isoToZonedLocal(now.toISOString(), timeZone).slice(0, 10);
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const tomorrow = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  try {
    return zonedLocalToIso(`${tomorrow}T00:00`, timeZone);
  } catch {
    const utcTomorrow = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
    return utcTomorrow.toISOString();
  }
}

/** What a work-list row shows, and nothing more (the minimum necessary leaves the server). */
export function toTaskRow(row: TaskRow) {
  const t = row.task;
  return {
    id: t.id,
    version: t.version,
    patientId: t.patientId,
    patientName: row.patientName,
    title: t.title,
    type: t.type,
    status: t.status,
    priority: t.priority,
    dueAt: t.dueAt,
    overdue: row.overdue,
    owner: t.owner?.name,
  };
}

/** Staff a team's tasks can go to: the directory's members of the team's role. */
export async function teamStaff(ctx: AppContext, team: Team) {
  return (await listUsers(ctx)).filter((u) => u.role === TEAM_ROLE[team]).map((u) => ({ id: u.id, name: u.name }));
}

/** The forms a person on the task's team may use now, per the task state machine. */
export function taskActions(task: Pick<Task, 'status' | 'owner'>): TaskIntent[] {
  const s = task.status;
  const open = s === 'ready' || s === 'in-progress' || s === 'on-hold';
  const out: TaskIntent[] = [];
  if (open && !task.owner) out.push('claim');
  if (s !== 'on-hold' && canMoveTask(s, 'in-progress')) out.push('start');
  if (s === 'on-hold') out.push('resume');
  if (canMoveTask(s, 'on-hold')) out.push('hold');
  if (canMoveTask(s, 'completed')) out.push('complete');
  if (open) out.push('attempt');
  if (canMoveTask(s, 'cancelled')) out.push('cancel');
  if (canMoveTask(s, 'failed')) out.push('fail');
  return out;
}

const ZVersion = z.coerce.number().int().min(1);
const ZReason = z.string({ error: 'A reason is required' }).min(1, 'A reason is required').max(2000);

/** A task page form, validated: the intent with what it needs. */
export const ZTaskCommand = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('claim'), version: ZVersion }),
  z.object({ intent: z.literal('start'), version: ZVersion }),
  z.object({ intent: z.literal('resume'), version: ZVersion }),
  z.object({ intent: z.literal('complete'), version: ZVersion }),
  z.object({ intent: z.literal('hold'), version: ZVersion, reason: ZReason }),
  z.object({ intent: z.literal('cancel'), version: ZVersion, reason: ZReason }),
  z.object({ intent: z.literal('fail'), version: ZVersion, reason: ZReason }),
  z.object({ intent: z.literal('attempt'), version: ZVersion, channel: ZAttemptChannel, outcome: ZAttemptOutcome, note: z.string().max(1000).optional() }),
  z.object({ intent: z.literal('note'), text: z.string({ error: 'A note cannot be empty' }).min(1, 'A note cannot be empty').max(4000) }),
]);
export type TaskCommand = z.infer<typeof ZTaskCommand>;

/** Fields a failed form shows again as typed. */
export const TASK_ECHOED_FIELDS = ['reason', 'channel', 'outcome', 'note', 'text'] as const;

/** The task page's POST body as a command (a ZodError, shown per field, for anything invalid). */
export function parseTaskForm(form: FormData): TaskCommand {
  const v = formValues(form, ['intent', 'version', 'reason', 'channel', 'outcome', 'note', 'text']);
  return ZTaskCommand.parse(Object.fromEntries(Object.entries(v).filter(([, value]) => value !== undefined)));
}

function transitionOf(command: Extract<TaskCommand, { version: number }>): TaskTransition | undefined {
  switch (command.intent) {
    case 'start':
    case 'resume':
      return { to: 'in-progress' };
    case 'complete':
      return { to: 'completed' };
    case 'hold':
      return { to: 'on-hold', reason: command.reason };
    case 'cancel':
      return { to: 'cancelled', reason: command.reason };
    case 'fail':
      return { to: 'failed', reason: command.reason };
    default:
      return undefined;
  }
}

/** The audit action a task command is recorded as. */
export function taskAuditAction(command: TaskCommand): 'claim' | 'note' | 'update' | 'transition' {
  return command.intent === 'claim' || command.intent === 'note' ? command.intent : command.intent === 'attempt' ? 'update' : 'transition';
}

/** Runs one task page command through its use-case (which checks team, version and state). */
export async function runTaskCommand(ctx: AppContext, actor: User, id: string, command: TaskCommand): Promise<void> {
  if (command.intent === 'note') {
    await addTaskNote(ctx, { actor, id, text: command.text });
    return;
  }
  if (command.intent === 'claim') {
    await claimTask(ctx, { actor, id, version: command.version });
    return;
  }
  if (command.intent === 'attempt') {
    await logAttempt(ctx, { actor, id, version: command.version, input: { channel: command.channel, outcome: command.outcome, ...(command.note ? { note: command.note } : {}) } });
    return;
  }
  const transition = transitionOf(command);
  if (transition) await transitionTask(ctx, { actor, id, version: command.version, transition });
}

/**
 * A failed task form's answer: the page re-renders with the alert at the error's status; a stale
 * version says the task (not "the referral") changed. Unexplainable errors are rethrown.
 */
export function taskFormError<I extends string>(intent: I, error: unknown, values: Record<string, string> = {}) {
  const e = toUserError(error);
  const message = e.message === STALE_MESSAGE ? TASK_STALE_MESSAGE : e.message;
  return json({ ok: false as const, intent, message, fieldErrors: e.fieldErrors ?? {}, values }, { status: e.status });
}

const ZBulkForm = z.object({
  ownerId: z.union([z.literal(''), ZUserId]).default(''),
  items: z
    .array(z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}\.\d{1,9}$/, 'not a task'))
    .min(1, 'Select at least one task')
    .transform((values) => values.map((v) => ({ id: v.slice(0, 26), version: Number(v.slice(27)) }))),
});

/**
 * The work page's bulk reassign: ticked rows (`task` = `<id>.<version>`) go to the chosen member of
 * staff, or back to the team queue when none is chosen. One outcome per task.
 */
export async function runBulkReassign(ctx: AppContext, actor: User, form: FormData): Promise<BulkReassignResult[]> {
  const parsed = ZBulkForm.parse({ ownerId: formValues(form, ['ownerId']).ownerId ?? '', items: formList(form, 'task') });
  return bulkReassignTasks(ctx, { actor, input: { ownerId: parsed.ownerId === '' ? null : parsed.ownerId, items: parsed.items } });
}
