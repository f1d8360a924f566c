import { z } from 'zod';
import type { AppContext } from '../context';
import { BadRequestError, ConflictError, NotFoundError } from '../errors';
import { newId } from '../ids';
import { getPatientRecord } from '../patients/repository';
import { getReferralRecord } from '../referrals/repository';
import { type ActorRef, ZPriority } from '../referrals/schema';
import { findUser, type User, ZUserId } from '../users/directory';
import { taskTimelineEntry } from './change';
import { taskDueAt } from './due';
import { findTaskIdByRule, getTaskRecord, insertTask } from './repository';
import { ruleActor, type Task, type TaskTimelineEntry, TASK_TYPE_DEFAULTS, type Team, TEAM_ROLE, ZRuleId, ZTaskLinks, ZTaskSource, ZTaskType, ZTeam } from './schema';

const ZInstant = z.iso.datetime({ offset: true });

export const ZCreateTaskInput = z
  .object({
    patientId: z.string().min(1).max(64),
    type: ZTaskType,
    /** Required for `custom`; otherwise defaults to the type's title. */
    title: z.string().trim().min(1).max(200).optional(),
    priority: ZPriority.default('routine'),
    /** Defaults to the type's team. */
    team: ZTeam.optional(),
    /** A member of the team; without one the task waits in the team queue. */
    ownerId: ZUserId.optional(),
    /** Defaults to the priority's due time from now. */
    dueAt: ZInstant.optional(),
    notBefore: ZInstant.optional(),
    links: ZTaskLinks.omit({ source: true }).default({}),
    /** First timeline entry. PHI possible: never logged. */
    note: z.string().trim().min(1).max(2000).optional(),
  })
  .superRefine((input, issue) => {
    if (input.type === 'custom' && !input.title) issue.addIssue({ code: 'custom', path: ['title'], message: 'A custom task needs a title' });
    if (input.dueAt && input.notBefore && Date.parse(input.notBefore) > Date.parse(input.dueAt)) {
      issue.addIssue({ code: 'custom', path: ['notBefore'], message: 'notBefore must not be after dueAt' });
    }
  });
export type CreateTaskInput = z.input<typeof ZCreateTaskInput>;
/** A CreateTaskInput after ZCreateTaskInput has validated it and applied its defaults. */
export type ValidCreateTaskInput = z.output<typeof ZCreateTaskInput>;

/** A rule reacting to an EHR event: which rule, and the resource whose event fired it. */
export const ZTaskRuleOrigin = z.object({ ruleId: ZRuleId, source: ZTaskSource });
export type TaskRuleOrigin = z.infer<typeof ZTaskRuleOrigin>;

export type CreateTaskOptions = { actor: User; input: CreateTaskInput } | { rule: TaskRuleOrigin; input: CreateTaskInput };

export interface CreatedTask {
  task: Task;
  /** False when a rule's replay found the task it created before. */
  created: boolean;
}

async function existing(ctx: AppContext, origin: TaskRuleOrigin): Promise<CreatedTask | undefined> {
  const id = await findTaskIdByRule(ctx, origin.source, origin.ruleId);
  const task = id ? await getTaskRecord(ctx, id) : undefined;
  return task ? { task, created: false } : undefined;
}

/**
 * Creates a `ready` task, by hand (a member of staff) or by a rule reacting to an EHR event. A
 * rule's task carries its source resource and is guarded by (resource, rule) in the same
 * transaction, so a replayed or duplicated event returns the task made the first time
 * (`created: false`) — even if it has been closed since. Due by priority unless `dueAt` is given;
 * the title comes from the type unless it is custom. 404 for an unknown patient, 400 for an
 * owner who is not on the team or a referral of another patient.
 */
export async function createTask(ctx: AppContext, options: CreateTaskOptions): Promise<CreatedTask> {
  const input = ZCreateTaskInput.parse(options.input);
  const origin = 'rule' in options ? ZTaskRuleOrigin.parse(options.rule) : undefined;
  if (origin) {
    const found = await existing(ctx, origin);
    if (found) return found;
  }
  const patient = await getPatientRecord(ctx, input.patientId);
  if (!patient) throw new NotFoundError('Patient not found');
  if (input.links.referralId) {
    const referral = await getReferralRecord(ctx, input.links.referralId);
    if (referral?.patientId !== patient.id) throw new BadRequestError('The linked referral is not this patient’s');
  }
  const team = teamOf(input);
  const owner = input.ownerId ? await findUser(ctx, input.ownerId) : undefined;
  if (input.ownerId && owner?.role !== TEAM_ROLE[team]) throw new BadRequestError(`The owner must be a member of the ${team} team`);

  const { task, entry } = buildTask({
    input: { ...input, patientId: patient.id },
    creator: 'actor' in options ? { actor: options.actor } : { rule: origin! },
    ...(owner ? { owner } : {}),
    now: ctx.clock.now(),
  });
  try {
    await insertTask(ctx, task, [entry], origin?.ruleId);
  } catch (error) {
    // Two deliveries of one event raced: the other one's task is the task.
    const found = error instanceof ConflictError && origin ? await existing(ctx, origin) : undefined;
    if (found) return found;
    throw error;
  }
  return { task, created: true };
}

const teamOf = (input: ValidCreateTaskInput): Team => input.team ?? TASK_TYPE_DEFAULTS[input.type].team;

/**
 * A new `ready` task and its 'created' timeline entry, exactly as createTask stores them: due by
 * its priority on the business calendar unless `dueAt` is given, titled by its type unless custom,
 * in its type's team unless another is given; a rule's task carries its source resource. Pure (no
 * reads, no checks of the patient or owner), so a use-case that has already made those checks can
 * put the task into its own transaction (see taskInsertItems).
 */
export function buildTask(options: {
  input: ValidCreateTaskInput;
  creator: { actor: ActorRef } | { rule: TaskRuleOrigin };
  owner?: ActorRef;
  now: Date;
}): { task: Task; entry: TaskTimelineEntry } {
  const { input, now } = options;
  const origin = 'rule' in options.creator ? options.creator.rule : undefined;
  const actor = 'actor' in options.creator ? { id: options.creator.actor.id, name: options.creator.actor.name } : ruleActor(origin!.ruleId);
  const task: Task = {
    id: newId(),
    patientId: input.patientId,
    type: input.type,
    title: input.title ?? TASK_TYPE_DEFAULTS[input.type].title,
    status: 'ready',
    priority: input.priority,
    dueAt: input.dueAt ? new Date(input.dueAt).toISOString() : taskDueAt(input.priority, now),
    ...(input.notBefore ? { notBefore: new Date(input.notBefore).toISOString() } : {}),
    team: teamOf(input),
    ...(options.owner ? { owner: { id: options.owner.id, name: options.owner.name } } : {}),
    links: { ...input.links, ...(origin ? { source: origin.source } : {}) },
    attempts: [],
    version: 1,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    createdBy: origin ? { kind: 'rule', ruleId: origin.ruleId } : { kind: 'user', ...actor },
  };
  const entry = taskTimelineEntry(task, actor, now, { kind: 'created', to: 'ready', ...(input.note ? { note: input.note } : {}) });
  return { task, entry };
}
