import type { Resource } from '@medplum/fhirtypes';
import { CAREPLAN_STATUSES, type CarePlan } from '../../../shared/careplans/schema';
import { applyCarePlanTransition } from '../../../shared/careplans/state-machine';
import { CAREPLAN_TEMPLATE_IDS } from '../../../shared/careplans/templates';
import {
  CAREPLAN_CATEGORY_SYSTEM,
  GOAL_ACHIEVEMENT_SYSTEM,
  PATIENT_ID_SYSTEM,
  TASK_TYPE_SYSTEM,
  carePlanToFhir,
} from '../../../shared/careplans/to-fhir';
import { fhirIssues } from '../../../shared/fhir/validate';
import { planFromTemplate } from './support';

function expectValid(resources: Resource[]): void {
  for (const resource of resources) expect({ type: resource.resourceType, issues: fhirIssues(resource) }).toEqual({ type: resource.resourceType, issues: [] });
}

/** A plan using every optional part: a care team, goals with and without targets, every achievement and activity status. */
function handBuilt(status: CarePlan['status']): CarePlan {
  const base = planFromTemplate('post-discharge-transitional-care', { status, ...(status === 'completed' || status === 'revoked' ? { period: { start: '2026-11-02T14:30:00.000Z', end: '2026-12-02T09:00:00.000Z' } } : {}) });
  return {
    ...base,
    careTeam: [
      { userId: 'u-nina', name: 'Nina Nurse', role: 'Nurse care manager' },
      { userId: 'u-casey', name: 'Casey Coordinator', role: 'Care coordinator' },
    ],
    goals: [
      { id: '01JDG0A10000000000000000A1', description: 'Walks 20 minutes a day', target: { measure: 'Daily walk', detail: '20 minutes' }, dueDate: '2026-12-31', achievementStatus: 'improving' },
      { id: '01JDG0A10000000000000000A2', description: 'Understands the warning signs', achievementStatus: 'achieved' },
      { id: '01JDG0A10000000000000000A3', description: 'Keeps the follow-up visit', dueDate: '2026-11-16', achievementStatus: 'not-achieved' },
      { id: '01JDG0A10000000000000000A4', description: 'Sleeps flat', achievementStatus: 'worsening' },
      { id: '01JDG0A10000000000000000A5', description: 'Appetite', achievementStatus: 'no-change' },
      { id: '01JDG0A10000000000000000A6', description: 'Mobility', achievementStatus: 'in-progress' },
    ],
    activities: [
      ...base.activities.map((a, i) => ({ ...a, status: (['in-progress', 'completed', 'cancelled'] as const)[i % 3]! })),
      { id: '01JDACT0000000000000000001', kind: 'call-patient', title: 'Weekly call', offsetDays: 3, recurrence: { everyDays: 7, count: 4 }, status: 'scheduled', settled: [] },
    ],
  };
}

describe('carePlanToFhir', () => {
  it.each(CAREPLAN_TEMPLATE_IDS)('exports a plan from the %s template as a valid R4 CarePlan and Goals', (templateId) => {
    const plan = planFromTemplate(templateId);
    const { carePlan, goals } = carePlanToFhir(plan, { patientReference: 'Patient/ehr-123' });
    expectValid([carePlan, ...goals]);
    expect(carePlan).toMatchObject({ resourceType: 'CarePlan', id: plan.id, status: 'active', intent: 'plan', title: plan.title, subject: { reference: 'Patient/ehr-123' } });
    expect(carePlan.category?.[0]?.coding?.[0]).toMatchObject({ system: CAREPLAN_CATEGORY_SYSTEM, code: plan.category });
    expect(carePlan.instantiatesUri?.[0]).toMatch(new RegExp(`/${templateId}$`));
    expect(goals).toHaveLength(plan.goals.length);
    expect(carePlan.goal).toEqual(plan.goals.map((g) => ({ reference: `Goal/${g.id}` })));
    expect(carePlan.activity).toHaveLength(plan.activities.length);
    for (const goal of goals) {
      expect(goal.subject).toEqual({ reference: 'Patient/ehr-123' });
      expect(goal.lifecycleStatus).toBe('active');
      expect(goal.achievementStatus?.coding?.[0]).toMatchObject({ system: GOAL_ACHIEVEMENT_SYSTEM, code: 'in-progress' });
    }
  });

  it.each(CAREPLAN_STATUSES)('exports a hand-built %s plan with every optional part, valid', (status) => {
    const plan = handBuilt(status);
    const { carePlan, goals } = carePlanToFhir(plan);
    expectValid([carePlan, ...goals]);
    expect(carePlan.status).toBe(status);
    expect(carePlan.contained?.[0]).toMatchObject({ resourceType: 'CareTeam', id: 'care-team' });
    expect(carePlan.careTeam).toEqual([{ reference: '#care-team' }]);
    expect(goals.map((g) => g.achievementStatus?.coding?.[0]?.code)).toEqual(plan.goals.map((g) => g.achievementStatus));
  });

  it('falls back to a logical patient reference (Sidecar id) when the EHR reference is unknown', () => {
    const plan = planFromTemplate('heart-failure-follow-up');
    const { carePlan, goals } = carePlanToFhir(plan);
    const logical = { type: 'Patient', identifier: { system: PATIENT_ID_SYSTEM, value: plan.patientId } };
    expect(carePlan.subject).toEqual(logical);
    expect(goals[0]!.subject).toEqual(logical);
  });

  it('maps activities to Task details: code, status and a window or a recurring timing', () => {
    const plan = handBuilt('active');
    const { carePlan } = carePlanToFhir(plan);
    const [call, medRec, visit, weekly] = carePlan.activity!.map((a) => a.detail!);
    expect(call).toMatchObject({
      kind: 'Task',
      status: 'in-progress',
      code: { coding: [{ system: TASK_TYPE_SYSTEM, code: 'post-discharge-call' }], text: 'Post-discharge call (within 2 business days)' },
      scheduledPeriod: { start: '2026-11-02T14:30:00.000Z', end: '2026-11-04T22:00:00.000Z' },
    });
    expect(medRec!.status).toBe('completed');
    expect(visit).toMatchObject({ status: 'cancelled', scheduledPeriod: { end: '2026-11-16T22:00:00.000Z' } });
    expect(weekly).toMatchObject({
      status: 'scheduled',
      scheduledTiming: { repeat: { boundsPeriod: { start: '2026-11-05T22:00:00.000Z' }, count: 4, frequency: 1, period: 7, periodUnit: 'd' } },
    });
    expect(weekly!.scheduledPeriod).toBeUndefined();
  });

  it('derives Goal.lifecycleStatus from the plan, completed once achieved', () => {
    const lifecycles = (status: CarePlan['status']) => carePlanToFhir(handBuilt(status)).goals.map((g) => g.lifecycleStatus);
    expect(lifecycles('draft')).toEqual(['proposed', 'completed', 'proposed', 'proposed', 'proposed', 'proposed']);
    expect(lifecycles('on-hold')).toEqual(['on-hold', 'completed', 'on-hold', 'on-hold', 'on-hold', 'on-hold']);
    expect(lifecycles('revoked')).toEqual(['cancelled', 'completed', 'cancelled', 'cancelled', 'cancelled', 'cancelled']);
    expect(lifecycles('completed')).toEqual(Array(6).fill('completed'));
  });

  it('writes goal targets as measure + detailString with the due date', () => {
    const { goals } = carePlanToFhir(handBuilt('active'));
    expect(goals[0]).toMatchObject({ description: { text: 'Walks 20 minutes a day' }, target: [{ measure: { text: 'Daily walk' }, detailString: '20 minutes', dueDate: '2026-12-31' }] });
    expect(goals[1]!.target).toBeUndefined();
    expect(goals[2]!.target).toEqual([{ dueDate: '2026-11-16' }]);
  });

  it('exports a plan that ended with its period end and its cancelled activities, valid', () => {
    const ended = applyCarePlanTransition(planFromTemplate('diabetes-quarterly-review'), { to: 'revoked', reason: 'Moved to another practice' }, new Date('2027-01-10T08:00:00Z'));
    const { carePlan, goals } = carePlanToFhir(ended, { patientReference: 'Patient/p1' });
    expectValid([carePlan, ...goals]);
    expect(carePlan.period).toEqual({ start: ended.period.start, end: '2027-01-10T08:00:00.000Z' });
    expect(carePlan.activity!.map((a) => a.detail!.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('is checked by a validator that does reject broken exports', () => {
    const { carePlan, goals } = carePlanToFhir(planFromTemplate('heart-failure-follow-up'));
    expect(fhirIssues({ ...carePlan, intent: undefined } as unknown as Resource).length).toBeGreaterThan(0);
    expect(fhirIssues({ ...goals[0]!, description: undefined } as unknown as Resource).length).toBeGreaterThan(0);
    // gol-1: a target detail needs its measure; dates must be FHIR dateTimes.
    expect(fhirIssues({ ...goals[0]!, target: [{ detailString: '20 minutes' }] }).map((i) => i.problem)).toEqual([expect.stringContaining('gol-1')]);
    expect(fhirIssues({ ...carePlan, period: { start: 'tomorrow' } }).length).toBeGreaterThan(0);
  });
});
