import { json } from '@remix-run/node';
import type { Bundle } from '@medplum/fhirtypes';
import { z } from 'zod';
import { applyCarePlanChange } from '../../../shared/careplans/apply-planned-work';
import { createCarePlan, type CreateCarePlanInput } from '../../../shared/careplans/create-care-plan';
import { getCarePlan } from '../../../shared/careplans/get-care-plan';
import type { CarePlanChange } from '../../../shared/careplans/planned-work';
import {
  ACTIVITY_KINDS,
  type Activity,
  type ActivityInput,
  type CarePlan,
  type Goal,
  type GoalInput,
  MAX_CARE_TEAM,
  ZGoalAchievementStatus,
  ZItemId,
  ZLocalTime,
} from '../../../shared/careplans/schema';
import { CAREPLAN_TRANSITIONS, FINAL_CAREPLAN_STATUSES } from '../../../shared/careplans/state-machine';
import { CAREPLAN_TEMPLATE_IDS, CAREPLAN_TEMPLATES } from '../../../shared/careplans/templates';
import { carePlanToFhir } from '../../../shared/careplans/to-fhir';
import { transitionCarePlan } from '../../../shared/careplans/transition-care-plan';
import { updateCarePlan } from '../../../shared/careplans/update-care-plan';
import type { AppContext } from '../../../shared/context';
import { BadRequestError, NotFoundError } from '../../../shared/errors';
import { getPatientRecord } from '../../../shared/patients/repository';
import { findUser, listUsers, type Role, type User, ZUserId } from '../../../shared/users/directory';
import { STALE_MESSAGE, toUserError } from './action-error.server';
import { CAREPLAN_INTENTS, type CarePlanIntent, type CarePlanMoveIntent } from './care-plan-labels';
import { formList, formValues } from './session.server';

export const CAREPLAN_STALE_MESSAGE = 'Someone changed this care plan after you opened it. Reload the page to see the latest, then try again.';

/** What a form's work did to the tasks and patient reminders (counts only: they go into the redirect's query string). */
export interface WorkOutcome {
  created: number;
  cancelled: number;
  remindersScheduled: number;
  remindersCancelled: number;
  /** Reminders were wanted but the patient has no mobile phone or personal email on file. */
  unreachable: boolean;
}

// ---- templates and the "start a care plan" form ----------------------------------------------

/** The templates as the "start a care plan" page shows them: what each creates, before anything is committed. */
export function templateChoices() {
  return CAREPLAN_TEMPLATES.map((t) => ({
    id: t.id,
    title: t.title,
    category: t.category,
    description: t.description,
    goals: t.goals.map((g) => ({ description: g.description, target: 'target' in g ? g.target : undefined, dueInDays: g.dueInDays })),
    activities: t.activities.map((a) => ({
      kind: a.kind,
      title: a.title,
      offsetDays: a.offsetDays,
      recurrence: 'recurrence' in a ? a.recurrence : undefined,
      tasks: 'recurrence' in a ? a.recurrence.count : 1,
    })),
  }));
}

const CARE_TEAM_ROLES: Partial<Record<Role, string>> = { nurse: 'Nurse', coordinator: 'Care coordinator' };

/** Staff who can be put on a care team (nurses and coordinators in the directory), with the role they would have. */
export async function careTeamChoices(ctx: AppContext) {
  return (await listUsers(ctx)).flatMap((u) => {
    const role = CARE_TEAM_ROLES[u.role];
    return role ? [{ id: u.id, name: u.name, role }] : [];
  });
}

export const NEW_CAREPLAN_FIELDS = ['templateId', 'startDate', 'status'] as const;

/** zod paths of createCarePlan's input → the form field that carries them. */
export const NEW_CAREPLAN_FIELD_NAMES: Record<string, string> = { start: 'startDate' };

const ZNewCarePlanForm = z.object({
  templateId: z.enum(CAREPLAN_TEMPLATE_IDS, { error: 'Choose a template' }),
  startDate: z.iso.date({ error: 'Enter the start date as a real date' }).optional(),
  status: z.enum(['active', 'draft'], { error: 'Choose whether to start the plan now' }).default('active'),
  careTeam: z.array(ZUserId, { error: 'Choose care team members from the list' }).max(MAX_CARE_TEAM, `At most ${MAX_CARE_TEAM} care team members`),
});

/**
 * The "start a care plan" form as createCarePlan's input: a template, a start date (activity
 * offsets count from it; default now) and care team members by staff id, whose role on the team
 * follows their Sidecar role. A ZodError (shown per field) for anything invalid; an unknown
 * member of staff is refused without echoing the id.
 */
export async function parseNewCarePlanForm(ctx: AppContext, patientId: string, form: FormData): Promise<CreateCarePlanInput> {
  const f = ZNewCarePlanForm.parse({ ...formValues(form, NEW_CAREPLAN_FIELDS), careTeam: formList(form, 'careTeam') });
  const careTeam = await Promise.all(
    [...new Set(f.careTeam)].map(async (userId) => {
      const user = await findUser(ctx, userId);
      const role = user ? CARE_TEAM_ROLES[user.role] : undefined;
      if (!role) throw new BadRequestError('A chosen care team member is not a nurse or coordinator in the staff directory');
      return { userId, role };
    }),
  );
  return {
    patientId,
    templateId: f.templateId,
    status: f.status,
    careTeam,
    // Midnight UTC of the chosen day: the plan's offsets count from its date.
    ...(f.startDate ? { start: `${f.startDate}T00:00:00.000Z` } : {}),
  };
}

/** Creates the plan from the form's input and hands its work to the tasks module. */
export async function startCarePlan(ctx: AppContext, actor: User, input: CreateCarePlanInput): Promise<{ carePlan: CarePlan; work: WorkOutcome }> {
  return withWork(ctx, createCarePlan(ctx, { actor: { id: actor.id, name: actor.name }, input }));
}

/**
 * The patient a care-plan page is about: id and name (undefined while the EHR has not sent it),
 * or NotFoundError for a patient Sidecar does not know. Returns PHI: render, never log.
 */
export async function patientHeader(ctx: AppContext, patientId: string): Promise<{ id: string; name: string | undefined }> {
  const patient = await getPatientRecord(ctx, patientId);
  if (!patient) throw new NotFoundError('Patient not found');
  return { id: patient.id, name: patient.name?.text };
}

/** The name of a plan's patient, or undefined while the EHR has not sent it. PHI: render, never log. */
export async function patientName(ctx: AppContext, patientId: string): Promise<string | undefined> {
  return (await getPatientRecord(ctx, patientId))?.name?.text;
}

// ---- the care-plan page's forms ----------------------------------------------------------------

const ZVersion = z.coerce.number().int().min(1);
const ZReason = z.string({ error: 'A reason is required' }).min(1, 'A reason is required').max(500, 'Keep the reason under 500 characters');
const ZCount = (min: number, max: number, what: string) =>
  z.coerce
    .number({ error: `Enter ${what} as a whole number` })
    .int(`Enter ${what} as a whole number`)
    .min(min, `${what[0]!.toUpperCase()}${what.slice(1)} must be at least ${min}`)
    .max(max, `${what[0]!.toUpperCase()}${what.slice(1)} must be at most ${max}`);

/** A care-plan page form, validated: the intent with what it needs. */
export const ZCarePlanCommand = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('activate'), version: ZVersion }),
  z.object({ intent: z.literal('resume'), version: ZVersion }),
  z.object({ intent: z.literal('complete'), version: ZVersion }),
  z.object({ intent: z.literal('hold'), version: ZVersion, reason: ZReason }),
  z.object({ intent: z.literal('revoke'), version: ZVersion, reason: ZReason }),
  z.object({
    intent: z.literal('goal'),
    version: ZVersion,
    goalId: ZItemId,
    achievementStatus: ZGoalAchievementStatus,
    dueDate: z.iso.date({ error: 'Enter the due date as a real date' }).optional(),
  }),
  z
    .object({
      intent: z.literal('add-activity'),
      version: ZVersion,
      kind: z.enum(ACTIVITY_KINDS, { error: 'Choose the kind of task from the list' }),
      title: z.string({ error: 'Describe the activity' }).min(1, 'Describe the activity').max(200, 'Keep the description under 200 characters'),
      offsetDays: ZCount(0, 730, 'the day after the start'),
      everyDays: ZCount(1, 365, 'the interval in days').optional(),
      count: ZCount(2, 52, 'the number of times').optional(),
      patientReminderTime: ZLocalTime.optional(),
    })
    .refine((c) => (c.everyDays === undefined) === (c.count === undefined), {
      path: ['count'],
      message: 'To repeat the activity, give both the interval and the number of times',
    }),
  z.object({ intent: z.literal('remove-activity'), version: ZVersion, activityId: ZItemId }),
]);
export type CarePlanCommand = z.infer<typeof ZCarePlanCommand>;

/** Fields a failed form shows again as typed. */
export const CAREPLAN_ECHOED_FIELDS = [
  'reason',
  'achievementStatus',
  'dueDate',
  'kind',
  'title',
  'offsetDays',
  'everyDays',
  'count',
  'patientReminderTime',
  'goalId',
  'activityId',
] as const;

/** The care-plan page's POST body as a command (a ZodError, shown per field, for anything invalid). */
export function parseCarePlanForm(form: FormData): CarePlanCommand {
  const v = formValues(form, ['intent', 'version', ...CAREPLAN_ECHOED_FIELDS]);
  return ZCarePlanCommand.parse(Object.fromEntries(Object.entries(v).filter(([, value]) => value !== undefined)));
}

/**
 * The forms a nurse may use on a plan now: the status moves the plan state machine allows
 * (activate a draft, resume a paused plan, pause, complete, revoke) and, until the plan is
 * completed or revoked, revisions of its goals and activities. Nothing for read-only roles.
 */
export function carePlanActions(plan: Pick<CarePlan, 'status'>, canWrite: boolean): { moves: CarePlanMoveIntent[]; canRevise: boolean } {
  if (!canWrite) return { moves: [], canRevise: false };
  const moves = CAREPLAN_TRANSITIONS[plan.status].map((to): CarePlanMoveIntent => {
    switch (to) {
      case 'active':
        return plan.status === 'draft' ? 'activate' : 'resume';
      case 'on-hold':
        return 'hold';
      case 'completed':
        return 'complete';
      default:
        return 'revoke';
    }
  });
  const order: CarePlanMoveIntent[] = ['activate', 'resume', 'hold', 'complete', 'revoke'];
  return { moves: order.filter((m) => moves.includes(m)), canRevise: !FINAL_CAREPLAN_STATUSES.includes(plan.status) };
}

const goalInput = (g: Goal): GoalInput => ({
  id: g.id,
  description: g.description,
  ...(g.target ? { target: g.target } : {}),
  ...(g.dueDate ? { dueDate: g.dueDate } : {}),
  achievementStatus: g.achievementStatus,
});

const activityInput = (a: Activity): ActivityInput => ({
  id: a.id,
  kind: a.kind,
  title: a.title,
  offsetDays: a.offsetDays,
  ...(a.recurrence ? { recurrence: a.recurrence } : {}),
  ...(a.patientReminderTime ? { patientReminderTime: a.patientReminderTime } : {}),
  status: a.status,
});

/**
 * A revision as updateCarePlan takes it (each list replaces the plan's whole list), built from
 * the plan as it is now; the caller's version still decides whether it may be saved.
 */
function revisionOf(plan: CarePlan, command: Extract<CarePlanCommand, { intent: 'goal' | 'add-activity' | 'remove-activity' }>) {
  switch (command.intent) {
    case 'goal': {
      if (!plan.goals.some((g) => g.id === command.goalId)) throw new BadRequestError('That goal is no longer on this plan; reload the page');
      const goals = plan.goals.map((g) => {
        if (g.id !== command.goalId) return goalInput(g);
        const { dueDate: _dropped, ...rest } = goalInput(g);
        return { ...rest, achievementStatus: command.achievementStatus, ...(command.dueDate ? { dueDate: command.dueDate } : {}) };
      });
      return { goals };
    }
    case 'add-activity': {
      const added: ActivityInput = {
        kind: command.kind,
        title: command.title,
        offsetDays: command.offsetDays,
        ...(command.everyDays !== undefined && command.count !== undefined ? { recurrence: { everyDays: command.everyDays, count: command.count } } : {}),
        ...(command.patientReminderTime ? { patientReminderTime: command.patientReminderTime } : {}),
      };
      return { activities: [...plan.activities.map(activityInput), added] };
    }
    case 'remove-activity': {
      if (!plan.activities.some((a) => a.id === command.activityId)) throw new BadRequestError('That activity is no longer on this plan; reload the page');
      return { activities: plan.activities.filter((a) => a.id !== command.activityId).map(activityInput) };
    }
  }
}

const MOVE_TO = { activate: 'active', resume: 'active', hold: 'on-hold', complete: 'completed', revoke: 'revoked' } as const;

async function withWork(ctx: AppContext, change: Promise<CarePlanChange>): Promise<{ carePlan: CarePlan; work: WorkOutcome }> {
  const saved = await change;
  const { created, cancelled, reminders } = await applyCarePlanChange(ctx, saved);
  return {
    carePlan: saved.carePlan,
    work: { created, cancelled, remindersScheduled: reminders.scheduled, remindersCancelled: reminders.cancelled, unreachable: reminders.unreachable },
  };
}

/**
 * Runs one care-plan page command through its use-case (which checks the version and the state
 * machine) and applies the work it calls for: tasks created for new or resumed work, pending ones
 * cancelled for removed activities or a paused or ended plan. Returns the plan and those counts.
 */
export async function runCarePlanCommand(
  ctx: AppContext,
  actor: User,
  id: string,
  command: CarePlanCommand,
): Promise<{ carePlan: CarePlan; work: WorkOutcome }> {
  const ref = { id: actor.id, name: actor.name };
  if (command.intent === 'goal' || command.intent === 'add-activity' || command.intent === 'remove-activity') {
    const { carePlan } = await getCarePlan(ctx, { id });
    return withWork(ctx, updateCarePlan(ctx, { actor: ref, id, version: command.version, input: revisionOf(carePlan, command) }));
  }
  const input = { to: MOVE_TO[command.intent], ...('reason' in command ? { reason: command.reason } : {}) };
  return withWork(ctx, transitionCarePlan(ctx, { actor: ref, id, version: command.version, input }));
}

/** The audit action a care-plan command is recorded as. */
export function carePlanAuditAction(command: CarePlanCommand): 'update' | 'transition' {
  return command.intent === 'goal' || command.intent === 'add-activity' || command.intent === 'remove-activity' ? 'update' : 'transition';
}

/**
 * A failed care-plan form's answer: the page re-renders with the alert at the error's status; a
 * stale version says someone changed the plan and to reload. Unexplainable errors are rethrown.
 */
export function carePlanFormError(intent: string, error: unknown, values: Record<string, string> = {}) {
  const e = toUserError(error);
  const message = e.message === STALE_MESSAGE ? CAREPLAN_STALE_MESSAGE : e.message;
  const known = (CAREPLAN_INTENTS as readonly string[]).includes(intent);
  return json(
    { ok: false as const, intent: (known ? intent : 'form') as CarePlanIntent | 'form', message, fieldErrors: e.fieldErrors ?? {}, values },
    { status: e.status },
  );
}

const ZTally = z.coerce.number().int().min(0).max(10_000).catch(0);

/** The `?done=…&created=…&cancelled=…&reminded=…&unreminded=…&unreachable=1` of a redirect after a successful form (codes and counts only). */
const ZDone = z.object({
  done: z.string().max(40).optional(),
  created: ZTally,
  cancelled: ZTally,
  reminded: ZTally,
  unreminded: ZTally,
  unreachable: z.literal('1').optional().catch(undefined),
});

/** The success query string for a redirect. */
export function doneQuery(done: string, work: WorkOutcome): string {
  return new URLSearchParams({
    done,
    created: String(work.created),
    cancelled: String(work.cancelled),
    reminded: String(work.remindersScheduled),
    unreminded: String(work.remindersCancelled),
    ...(work.unreachable ? { unreachable: '1' } : {}),
  }).toString();
}

/** Reads a page's success query string (anything odd reads as nothing done). */
export function readDone(params: URLSearchParams): { done?: string } & WorkOutcome {
  const parsed = ZDone.safeParse(formValues(params, ['done', 'created', 'cancelled', 'reminded', 'unreminded', 'unreachable']));
  if (!parsed.success) return { created: 0, cancelled: 0, remindersScheduled: 0, remindersCancelled: 0, unreachable: false };
  const { done, created, cancelled, reminded, unreminded, unreachable } = parsed.data;
  return { ...(done ? { done } : {}), created, cancelled, remindersScheduled: reminded, remindersCancelled: unreminded, unreachable: unreachable === '1' };
}

// ---- FHIR export -------------------------------------------------------------------------------

/**
 * A care plan's FHIR R4 export as one downloadable document: a `collection` Bundle holding the
 * CarePlan and its Goals (carePlanToFhir), the subject being the EHR's Patient when known.
 * Returns PHI by association: never log it.
 */
export async function carePlanFhirBundle(ctx: AppContext, id: string): Promise<{ carePlan: CarePlan; bundle: Bundle }> {
  const { carePlan } = await getCarePlan(ctx, { id });
  const patient = await getPatientRecord(ctx, carePlan.patientId);
  const exported = carePlanToFhir(carePlan, patient?.ehr ? { patientReference: patient.ehr.reference } : {});
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: ctx.clock.now().toISOString(),
    entry: [exported.carePlan, ...exported.goals].map((resource) => ({
      resource,
    })),
  };
  return { carePlan, bundle };
}
