import { z } from 'zod';
import type { ACTIVITY_KINDS, CarePlanCategory, Recurrence, ZActivityInput, ZGoalInput } from './schema';

/**
 * Care-plan templates: the standard goals and scheduled work a team applies to a patient, then
 * adjusts. Wording is synthetic and generic (no patient data, not clinical guidance); offsets are
 * calendar days from the plan's start (for a discharge, the discharge date).
 */
export interface CarePlanTemplate {
  readonly id: string;
  readonly title: string;
  readonly category: CarePlanCategory;
  readonly description: string;
  readonly goals: readonly { description: string; target?: { measure: string; detail: string }; dueInDays?: number }[];
  readonly activities: readonly { kind: (typeof ACTIVITY_KINDS)[number]; title: string; offsetDays: number; recurrence?: Recurrence }[];
}

export const CAREPLAN_TEMPLATES = [
  {
    id: 'post-discharge-transitional-care',
    title: 'Post-discharge transitional care',
    category: 'transitional-care',
    description:
      'Thirty days of transitional care after an inpatient discharge: an interactive contact within two business days, ' +
      'medication reconciliation in the first week and a face-to-face follow-up visit within fourteen days, to prevent avoidable readmission.',
    goals: [
      { description: 'No unplanned hospital readmission within 30 days of discharge', target: { measure: 'Unplanned readmissions (30 days)', detail: '0' }, dueInDays: 30 },
      { description: 'Follow-up visit attended within 14 days of discharge', target: { measure: 'Follow-up visit', detail: 'Attended by day 14' }, dueInDays: 14 },
    ],
    activities: [
      // Two business days; until the tasks module's business calendar places it, two calendar days.
      { kind: 'post-discharge-call', title: 'Post-discharge call (within 2 business days)', offsetDays: 2 },
      { kind: 'call-patient', title: 'Medication reconciliation call', offsetDays: 7 },
      { kind: 'follow-up-visit', title: 'Follow-up visit within 14 days of discharge', offsetDays: 14 },
    ],
  },
  {
    id: 'heart-failure-follow-up',
    title: 'Heart failure follow-up',
    category: 'heart-failure',
    description:
      'Early follow-up for heart failure: teach daily weights and the symptoms that warrant a call, ' +
      'check in by phone at one week and review in clinic at thirty days.',
    goals: [
      { description: 'Body weight stays within the agreed target range', target: { measure: 'Daily body weight', detail: 'Within 2 kg of target dry weight' }, dueInDays: 30 },
      { description: 'Heart failure symptoms controlled at home', target: { measure: 'Breathlessness and swelling', detail: 'No worsening reported at the 30-day review' }, dueInDays: 30 },
    ],
    activities: [
      { kind: 'call-patient', title: 'Daily weight monitoring education', offsetDays: 1 },
      { kind: 'call-patient', title: '7-day heart failure check-in call', offsetDays: 7 },
      { kind: 'follow-up-visit', title: '30-day heart failure clinic visit', offsetDays: 30 },
    ],
  },
  {
    id: 'diabetes-quarterly-review',
    title: 'Diabetes quarterly review',
    category: 'diabetes',
    description: 'A year of diabetes follow-up: an HbA1c review every quarter and a yearly diabetic foot examination.',
    goals: [{ description: 'HbA1c below 7%', target: { measure: 'Hemoglobin A1c', detail: '< 7%' }, dueInDays: 365 }],
    activities: [
      { kind: 'follow-up-visit', title: 'Quarterly HbA1c review', offsetDays: 90, recurrence: { everyDays: 90, count: 4 } },
      { kind: 'follow-up-visit', title: 'Yearly diabetic foot examination', offsetDays: 30 },
    ],
  },
] as const satisfies readonly CarePlanTemplate[];

export type CarePlanTemplateId = (typeof CAREPLAN_TEMPLATES)[number]['id'];
export const CAREPLAN_TEMPLATE_IDS = CAREPLAN_TEMPLATES.map((t) => t.id) as [CarePlanTemplateId, ...CarePlanTemplateId[]];
export const ZCarePlanTemplateId = z.enum(CAREPLAN_TEMPLATE_IDS);

const BY_ID: ReadonlyMap<string, CarePlanTemplate> = new Map(CAREPLAN_TEMPLATES.map((t) => [t.id, t]));

/** The template with this id, or undefined (ids from clients are validated by ZCarePlanTemplateId first). */
export function carePlanTemplate(id: string): CarePlanTemplate | undefined {
  return BY_ID.get(id);
}

/**
 * A template's goals and activities as plan inputs for a plan starting at `planStart` (ISO):
 * goal due dates are the start date plus the template's `dueInDays`.
 */
export function templateInputs(
  template: CarePlanTemplate,
  planStart: string,
): { goals: z.output<typeof ZGoalInput>[]; activities: z.output<typeof ZActivityInput>[] } {
  const startDay = Date.parse(`${planStart.slice(0, 10)}T00:00:00.000Z`);
  return {
    goals: template.goals.map((g) => ({
      description: g.description,
      ...(g.target ? { target: { ...g.target } } : {}),
      ...(g.dueInDays !== undefined ? { dueDate: new Date(startDay + g.dueInDays * 86_400_000).toISOString().slice(0, 10) } : {}),
      achievementStatus: 'in-progress' as const,
    })),
    activities: template.activities.map((a) => ({
      kind: a.kind,
      title: a.title,
      offsetDays: a.offsetDays,
      ...(a.recurrence ? { recurrence: { ...a.recurrence } } : {}),
    })),
  };
}
