import type {
  CarePlan as FhirCarePlan,
  CarePlanActivity,
  CareTeam,
  Goal as FhirGoal,
  Identifier,
  Patient,
  Reference,
} from '@medplum/fhirtypes';
import { occurrenceDueAt } from './schedule';
import type { Activity, CarePlan, CarePlanCategory, CarePlanStatus, Goal, GoalAchievementStatus } from './schema';

/**
 * FHIR R4 export of a care plan: a CarePlan and one Goal per goal, returned side by side (not a
 * Bundle) so the caller picks the envelope — an API response, a transaction to an EHR. The
 * CarePlan refers to its Goals as `Goal/<goal id>` (Sidecar ids), so a receiver that assigns its
 * own ids rewrites those references, as with any transaction. Neither resource holds anything
 * the plan does not: no identifiers of the patient beyond the reference given.
 */
const SIDECAR_FHIR = 'https://sidecar.example.org/fhir';
export const CAREPLAN_CATEGORY_SYSTEM = `${SIDECAR_FHIR}/CodeSystem/care-plan-category`;
export const TASK_TYPE_SYSTEM = `${SIDECAR_FHIR}/CodeSystem/task-type`;
export const CAREPLAN_TEMPLATE_BASE = `${SIDECAR_FHIR}/care-plan-template`;
/** Identifier systems for Sidecar's own (opaque) ids. */
export const CAREPLAN_ID_SYSTEM = `${SIDECAR_FHIR}/sid/care-plan`;
export const PATIENT_ID_SYSTEM = `${SIDECAR_FHIR}/sid/patient`;
export const STAFF_ID_SYSTEM = `${SIDECAR_FHIR}/sid/staff`;
export const GOAL_ACHIEVEMENT_SYSTEM = 'http://terminology.hl7.org/CodeSystem/goal-achievement';

const CATEGORY_DISPLAY: Record<CarePlanCategory, string> = {
  'transitional-care': 'Transitional care',
  'heart-failure': 'Heart failure',
  diabetes: 'Diabetes',
  other: 'Other',
};

const ACHIEVEMENT_DISPLAY: Record<GoalAchievementStatus, string> = {
  'in-progress': 'In Progress',
  improving: 'Improving',
  worsening: 'Worsening',
  'no-change': 'No Change',
  achieved: 'Achieved',
  'not-achieved': 'Not Achieved',
};

const CARE_TEAM_STATUS: Record<CarePlanStatus, NonNullable<CareTeam['status']>> = {
  draft: 'proposed',
  active: 'active',
  'on-hold': 'suspended',
  completed: 'inactive',
  revoked: 'inactive',
};

const CARE_TEAM_ID = 'care-team';

/** Goal.lifecycleStatus: an achieved goal is completed; otherwise it follows its plan. */
function goalLifecycle(plan: CarePlan, goal: Goal): NonNullable<FhirGoal['lifecycleStatus']> {
  if (goal.achievementStatus === 'achieved') return 'completed';
  switch (plan.status) {
    case 'draft':
      return 'proposed';
    case 'active':
      return 'active';
    case 'on-hold':
      return 'on-hold';
    case 'completed':
      return 'completed';
    case 'revoked':
      return 'cancelled';
  }
}

function staffIdentifier(userId: string): Identifier {
  return { system: STAFF_ID_SYSTEM, value: userId };
}

function toGoal(plan: CarePlan, goal: Goal, subject: Reference<Patient>): FhirGoal {
  const target = goal.target || goal.dueDate
    ? [{ ...(goal.target ? { measure: { text: goal.target.measure }, detailString: goal.target.detail } : {}), ...(goal.dueDate ? { dueDate: goal.dueDate } : {}) }]
    : undefined;
  return {
    resourceType: 'Goal',
    id: goal.id,
    lifecycleStatus: goalLifecycle(plan, goal),
    achievementStatus: {
      coding: [{ system: GOAL_ACHIEVEMENT_SYSTEM, code: goal.achievementStatus, display: ACHIEVEMENT_DISPLAY[goal.achievementStatus] }],
      text: ACHIEVEMENT_DISPLAY[goal.achievementStatus],
    },
    description: { text: goal.description },
    subject,
    startDate: plan.period.start.slice(0, 10),
    ...(target ? { target } : {}),
  };
}

/** One activity: a Task-kind detail, scheduled as a window (one-off) or a Timing (recurring). */
function toActivity(plan: CarePlan, activity: Activity): CarePlanActivity {
  const firstDue = occurrenceDueAt(plan.period.start, activity, 1);
  const schedule: Pick<NonNullable<CarePlanActivity['detail']>, 'scheduledPeriod' | 'scheduledTiming'> = activity.recurrence
    ? {
        scheduledTiming: {
          repeat: {
            boundsPeriod: { start: firstDue },
            count: activity.recurrence.count,
            frequency: 1,
            period: activity.recurrence.everyDays,
            periodUnit: 'd',
          },
        },
      }
    : { scheduledPeriod: { start: plan.period.start, end: firstDue } };
  return {
    detail: {
      kind: 'Task',
      code: { coding: [{ system: TASK_TYPE_SYSTEM, code: activity.kind }], text: activity.title },
      status: activity.status,
      ...schedule,
    },
  };
}

/**
 * The plan as a FHIR R4 CarePlan (status as is, intent `plan`, category coded in Sidecar's
 * system, activities as Task details, care team as a contained CareTeam) and its Goals (lifecycle
 * from the plan and the goal, achievement coded in HL7's goal-achievement system). The subject is
 * the EHR's Patient reference when known (`Patient/123`), else a logical reference by Sidecar's
 * patient id. Validates against the base R4 definitions (tested with @medplum/core). Returns PHI
 * by association: never log the resources.
 */
export function carePlanToFhir(plan: CarePlan, options: { patientReference?: string } = {}): { carePlan: FhirCarePlan; goals: FhirGoal[] } {
  const subject: Reference<Patient> = options.patientReference
    ? { reference: options.patientReference }
    : { type: 'Patient', identifier: { system: PATIENT_ID_SYSTEM, value: plan.patientId } };
  const goals = plan.goals.map((g) => toGoal(plan, g, subject));
  const careTeam: CareTeam | undefined =
    plan.careTeam.length > 0
      ? {
          resourceType: 'CareTeam',
          id: CARE_TEAM_ID,
          status: CARE_TEAM_STATUS[plan.status],
          subject,
          participant: plan.careTeam.map((m) => ({
            role: [{ text: m.role }],
            member: { type: 'Practitioner', identifier: staffIdentifier(m.userId), display: m.name },
          })),
        }
      : undefined;
  const carePlan: FhirCarePlan = {
    resourceType: 'CarePlan',
    id: plan.id,
    ...(careTeam ? { contained: [careTeam] } : {}),
    identifier: [{ system: CAREPLAN_ID_SYSTEM, value: plan.id }],
    ...(plan.templateId ? { instantiatesUri: [`${CAREPLAN_TEMPLATE_BASE}/${plan.templateId}`] } : {}),
    status: plan.status,
    intent: 'plan',
    category: [{ coding: [{ system: CAREPLAN_CATEGORY_SYSTEM, code: plan.category, display: CATEGORY_DISPLAY[plan.category] }], text: CATEGORY_DISPLAY[plan.category] }],
    title: plan.title,
    ...(plan.description ? { description: plan.description } : {}),
    subject,
    period: { start: plan.period.start, ...(plan.period.end ? { end: plan.period.end } : {}) },
    created: plan.createdAt,
    author: { identifier: staffIdentifier(plan.createdBy.id), display: plan.createdBy.name },
    ...(careTeam ? { careTeam: [{ reference: `#${CARE_TEAM_ID}` }] } : {}),
    ...(goals.length > 0 ? { goal: goals.map((g) => ({ reference: `Goal/${g.id}` })) } : {}),
    ...(plan.activities.length > 0 ? { activity: plan.activities.map((a) => toActivity(plan, a)) } : {}),
  };
  return { carePlan, goals };
}
