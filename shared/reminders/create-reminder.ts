import { z } from 'zod';
import { getCarePlanRecord } from '../careplans/repository';
import type { AppContext } from '../context';
import { BadRequestError, ConflictError, NotFoundError } from '../errors';
import { newId } from '../ids';
import { getPatientRecord } from '../patients/repository';
import type { Patient } from '../patients/schema';
import { getReferralRecord } from '../referrals/repository';
import { ruleActor } from '../tasks/schema';
import { getTaskRecord } from '../tasks/repository';
import type { User } from '../users/directory';
import { reminderTimelineEntry } from './change';
import { findReminderIdByRule, getReminderRecord, insertReminder } from './repository';
import {
  MAX_REMINDER_OFFSET_HOURS,
  type Reminder,
  type ReminderLinks,
  type ReminderRuleOrigin,
  ZReminderChannel,
  ZReminderLinks,
  ZReminderRuleOrigin,
} from './schema';
import { reminderLanguage, ZReminderLanguage, ZReminderTemplateId } from './templates';

export const ZCreateReminderInput = z
  .object({
    patientId: z.string().min(1).max(64),
    channel: ZReminderChannel,
    templateId: ZReminderTemplateId,
    /** Defaults to the patient's preferred language (Spanish for `es*`, else English). */
    language: ZReminderLanguage.optional(),
    /** When it should go out; quiet hours may defer it at send time. Must not have passed. */
    dueAt: z.iso.datetime({ offset: true }),
    /** Hours before the linked appointment's start (so a moved appointment moves it). */
    offsetHours: z.number().int().min(1).max(MAX_REMINDER_OFFSET_HOURS).optional(),
    /** The time the reminder is about, when not its due time (a care-plan activity's); not with an offset. */
    eventAt: z.iso.datetime({ offset: true }).optional(),
    links: ZReminderLinks.default({}),
  })
  .superRefine((input, issue) => {
    if (input.offsetHours !== undefined && !input.links.appointment) {
      issue.addIssue({ code: 'custom', path: ['offsetHours'], message: 'An offset needs a linked appointment' });
    }
    if (input.eventAt !== undefined && (input.offsetHours !== undefined || Date.parse(input.eventAt) < Date.parse(input.dueAt))) {
      issue.addIssue({ code: 'custom', path: ['eventAt'], message: 'The event time must not be before the due time, nor given with an offset' });
    }
  });
export type CreateReminderInput = z.input<typeof ZCreateReminderInput>;

export type CreateReminderOptions = { actor: User; input: CreateReminderInput } | { rule: ReminderRuleOrigin; input: CreateReminderInput };

export interface CreatedReminder {
  reminder: Reminder;
  /** False when a rule's replay found the reminder it created before. */
  created: boolean;
}

async function existing(ctx: AppContext, rule: ReminderRuleOrigin): Promise<CreatedReminder | undefined> {
  const id = await findReminderIdByRule(ctx, rule);
  const reminder = id ? await getReminderRecord(ctx, id) : undefined;
  return reminder ? { reminder, created: false } : undefined;
}

/** Refuses (400) a linked task, care plan or referral that is not this patient's (or does not exist). */
async function assertLinksBelongTo(ctx: AppContext, patient: Patient, links: ReminderLinks): Promise<void> {
  const checks: [string | undefined, string, (id: string) => Promise<{ patientId: string } | undefined>][] = [
    [links.taskId, 'task', (id) => getTaskRecord(ctx, id)],
    [links.carePlanId, 'care plan', (id) => getCarePlanRecord(ctx, id)],
    [links.referralId, 'referral', (id) => getReferralRecord(ctx, id)],
  ];
  for (const [id, what, read] of checks) {
    if (id !== undefined && (await read(id))?.patientId !== patient.id) throw new BadRequestError(`The linked ${what} is not this patient’s`);
  }
}

/**
 * Schedules a reminder, by hand (a coordinator or nurse in the console; the route's policy decides
 * who) or by a rule (an appointment booked, a care-plan activity). A rule's reminder is guarded by
 * (rule, resource) in the same transaction, so a replayed or duplicated event returns the reminder
 * made the first time (`created: false`), whatever its status now. The language defaults to the
 * patient's preferred one. 400 for a due time that has passed or a link to another patient's work,
 * 404 for an unknown patient. Stores no message text: it is rendered at send time.
 */
export async function createReminder(ctx: AppContext, options: CreateReminderOptions): Promise<CreatedReminder> {
  const input = ZCreateReminderInput.parse(options.input);
  const rule = 'rule' in options ? ZReminderRuleOrigin.parse(options.rule) : undefined;
  if (rule) {
    const found = await existing(ctx, rule);
    if (found) return found;
  }
  const now = ctx.clock.now();
  const dueAt = new Date(input.dueAt);
  if (dueAt.getTime() < now.getTime()) throw new BadRequestError('The reminder’s time has passed; choose a time in the future', { path: 'dueAt' });
  const patient = await getPatientRecord(ctx, input.patientId);
  if (!patient) throw new NotFoundError('Patient not found');
  await assertLinksBelongTo(ctx, patient, input.links);

  const actor = 'actor' in options ? { id: options.actor.id, name: options.actor.name } : ruleActor(rule!.ruleId);
  const reminder: Reminder = {
    id: newId(),
    patientId: patient.id,
    channel: input.channel,
    templateId: input.templateId,
    language: input.language ?? reminderLanguage(patient.language),
    dueAt: dueAt.toISOString(),
    sendAt: dueAt.toISOString(),
    ...(input.offsetHours !== undefined ? { offsetHours: input.offsetHours } : {}),
    ...(input.eventAt !== undefined ? { eventAt: new Date(input.eventAt).toISOString() } : {}),
    links: input.links,
    status: 'scheduled',
    attempts: [],
    ...(rule ? { rule } : {}),
    createdBy: rule ? { kind: 'rule', ruleId: rule.ruleId } : { kind: 'user', ...actor },
    version: 1,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  const entry = reminderTimelineEntry(reminder, actor, now, { kind: 'created', to: 'scheduled', sendAt: reminder.sendAt });
  try {
    await insertReminder(ctx, reminder, [entry]);
  } catch (error) {
    // Two deliveries of one event raced: the other one's reminder is the reminder.
    const found = error instanceof ConflictError && rule ? await existing(ctx, rule) : undefined;
    if (found) return found;
    throw error;
  }
  return { reminder, created: true };
}
