import { z } from 'zod';
import type { AppContext } from '../context';
import { NotFoundError } from '../errors';
import { newId } from '../ids';
import { getPatientRecord } from '../patients/repository';
import type { ActorRef } from '../referrals/schema';
import { resolveCareTeam } from './care-team';
import { carePlanTimelineEntry } from './change';
import { type CarePlanChange, plannedWork } from './planned-work';
import { insertCarePlan } from './repository';
import { activitiesFromInput, goalsFromInput } from './revise';
import {
  type CarePlan,
  checkPlanBounds,
  MAX_ACTIVITIES,
  MAX_CARE_TEAM,
  MAX_GOALS,
  ZActivityInput,
  ZCarePlan,
  ZCarePlanCategory,
  ZCareTeamInput,
  ZGoalInput,
} from './schema';
import { carePlanTemplate, templateInputs, ZCarePlanTemplateId } from './templates';

export const ZCreateCarePlanInput = z
  .object({
    patientId: z.string().min(1).max(64),
    /** Start from a template (its title, category, description, goals and activities). */
    templateId: ZCarePlanTemplateId.optional(),
    title: z.string().trim().min(1).max(200).optional(),
    category: ZCarePlanCategory.optional(),
    description: z.string().trim().min(1).max(2000).optional(),
    goals: z.array(ZGoalInput.omit({ id: true })).max(MAX_GOALS).optional(),
    activities: z.array(ZActivityInput.omit({ id: true })).max(MAX_ACTIVITIES).optional(),
    careTeam: z.array(ZCareTeamInput).max(MAX_CARE_TEAM).default([]),
    /** When the plan starts (activity offsets count from its date); defaults to now. */
    start: z.iso.datetime({ offset: true }).optional(),
    /** `active` applies the plan at once (its work is generated); `draft` lets the team review it first. */
    status: z.enum(['draft', 'active']).default('draft'),
    note: z.string().trim().max(2000).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.templateId) {
      if (value.goals || value.activities) {
        ctx.addIssue({ code: 'custom', path: ['templateId'], message: 'A template brings its own goals and activities; revise them after creating the plan' });
      }
    } else {
      if (!value.title) ctx.addIssue({ code: 'custom', path: ['title'], message: 'A plan without a template needs a title' });
      if (!value.category) ctx.addIssue({ code: 'custom', path: ['category'], message: 'A plan without a template needs a category' });
    }
    checkPlanBounds(value, ctx);
  });
export type CreateCarePlanInput = z.input<typeof ZCreateCarePlanInput>;

/**
 * Creates a patient's care plan, blank or from a template (title and description can be
 * overridden), as a draft or straight away active, with a `created` timeline entry in the same
 * transaction. Returns the plan and its planned work (nothing for a draft; for an active plan,
 * one task per activity occurrence). Returns PHI by association: never log the plan.
 */
export async function createCarePlan(ctx: AppContext, options: { actor: ActorRef; input: CreateCarePlanInput }): Promise<CarePlanChange> {
  const input = ZCreateCarePlanInput.parse(options.input);
  const patient = await getPatientRecord(ctx, input.patientId);
  if (!patient) throw new NotFoundError('Patient not found');
  const careTeam = await resolveCareTeam(ctx, input.careTeam);
  const now = ctx.clock.now();
  const start = input.start ? new Date(input.start).toISOString() : now.toISOString();
  const template = input.templateId ? carePlanTemplate(input.templateId) : undefined;
  const content = template ? templateInputs(template, start) : { goals: input.goals ?? [], activities: input.activities ?? [] };
  const description = input.description ?? template?.description;
  // Parsed, not asserted: the input's refinement guarantees a title and category without a template.
  const carePlan: CarePlan = ZCarePlan.parse({
    id: newId(),
    patientId: patient.id,
    title: input.title ?? template?.title,
    ...(description ? { description } : {}),
    category: template?.category ?? input.category,
    status: input.status,
    goals: goalsFromInput([], content.goals),
    activities: activitiesFromInput([], content.activities),
    careTeam,
    period: { start },
    ...(template ? { templateId: template.id } : {}),
    version: 1,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    createdBy: options.actor,
  });
  const note = input.note ?? (template ? `Created from the template "${template.title}"` : 'Care plan created');
  await insertCarePlan(ctx, carePlan, [carePlanTimelineEntry(carePlan, options.actor, now, { kind: 'created', to: carePlan.status, note })]);
  return { carePlan, work: plannedWork(carePlan) };
}
