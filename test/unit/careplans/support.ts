import { ulid } from 'ulid';
import { activitiesFromInput, goalsFromInput } from '../../../shared/careplans/revise';
import type { ActivityInput, CarePlan } from '../../../shared/careplans/schema';
import { ZActivityInput } from '../../../shared/careplans/schema';
import { carePlanTemplate, templateInputs } from '../../../shared/careplans/templates';

export const PLAN_START = '2026-11-02T14:30:00.000Z';
export const nurse = { id: 'u-nina', name: 'Nina Nurse' };

/** A plan built the way createCarePlan builds one, without storage. */
export function planFromTemplate(templateId: string, overrides: Partial<CarePlan> = {}): CarePlan {
  const template = carePlanTemplate(templateId);
  if (!template) throw new Error(`no template ${templateId}`);
  const start = overrides.period?.start ?? PLAN_START;
  const content = templateInputs(template, start);
  return {
    id: ulid(),
    patientId: ulid(),
    title: template.title,
    description: template.description,
    category: template.category,
    status: 'active',
    goals: goalsFromInput([], content.goals),
    activities: activitiesFromInput([], content.activities),
    careTeam: [],
    period: { start },
    templateId: template.id,
    version: 1,
    createdAt: start,
    updatedAt: start,
    createdBy: nurse,
    ...overrides,
  };
}

/** A blank active plan with the given activities. */
export function planWith(activities: ActivityInput[], overrides: Partial<CarePlan> = {}): CarePlan {
  return {
    id: ulid(),
    patientId: ulid(),
    title: 'Test plan',
    category: 'other',
    status: 'active',
    goals: [],
    activities: activitiesFromInput([], activities.map((a) => ZActivityInput.parse(a))),
    careTeam: [],
    period: { start: PLAN_START },
    version: 1,
    createdAt: PLAN_START,
    updatedAt: PLAN_START,
    createdBy: nurse,
    ...overrides,
  };
}

/** The activity inputs that reproduce a plan's activities (for revisions in tests). */
export function activityInputs(plan: CarePlan): ActivityInput[] {
  return plan.activities.map(({ id, kind, title, offsetDays, recurrence, patientReminderTime, status }) => ({
    id,
    kind,
    title,
    offsetDays,
    status,
    ...(recurrence ? { recurrence } : {}),
    ...(patientReminderTime ? { patientReminderTime } : {}),
  }));
}
