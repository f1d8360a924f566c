import { ZodError } from 'zod';
import { BadRequestError, ConflictError } from '../../../shared/errors';
import { reviseCarePlan } from '../../../shared/careplans/revise';
import { ZActivityInput, ZGoalInput } from '../../../shared/careplans/schema';
import { ZUpdateCarePlanInput } from '../../../shared/careplans/update-care-plan';
import { ZCreateCarePlanInput } from '../../../shared/careplans/create-care-plan';
import { activityInputs, planFromTemplate } from './support';

const now = new Date('2026-11-05T10:00:00Z');

describe('reviseCarePlan', () => {
  const plan = planFromTemplate('post-discharge-transitional-care');

  it('keeps goal and activity identity by id, gives new items fresh ids and reports what changed', () => {
    const goals = [{ ...plan.goals[0]!, achievementStatus: 'improving' as const }, { description: 'Knows who to call out of hours' }].map((g) => ZGoalInput.parse(g));
    const { after, changes } = reviseCarePlan(plan, { title: 'Transitional care (revised)', goals }, now);
    expect(changes).toEqual(['title', 'goals']);
    expect(after).toMatchObject({ version: 2, updatedAt: now.toISOString(), title: 'Transitional care (revised)' });
    expect(after.goals[0]).toEqual({ ...plan.goals[0], achievementStatus: 'improving' });
    expect(after.goals[1]).toMatchObject({ description: 'Knows who to call out of hours', achievementStatus: 'in-progress' });
    expect(after.goals[1]!.id).toMatch(/^[0-9A-Z]{26}$/);
    expect(after.goals).toHaveLength(2);
  });

  it('saves nothing for a revision that changes nothing', () => {
    const same = reviseCarePlan(plan, { title: plan.title, activities: activityInputs(plan).map((a) => ZActivityInput.parse(a)) }, now);
    expect(same).toEqual({ after: plan, changes: [] });
  });

  it('clears the description with null', () => {
    const { after, changes } = reviseCarePlan(plan, { description: null }, now);
    expect(changes).toEqual(['description']);
    expect('description' in after).toBe(false);
  });

  it('refuses ids that do not belong to the plan, or repeat, without echoing them', () => {
    const foreign = ZActivityInput.parse({ id: '01JDXXXXXXXXXXXXXXXXXXXXXX'.replace(/X/g, '0'), kind: 'custom', title: 'x', offsetDays: 1 });
    expect(() => reviseCarePlan(plan, { activities: [foreign] }, now)).toThrow(BadRequestError);
    expect(() => reviseCarePlan(plan, { activities: [foreign] }, now)).toThrow('An activity id does not belong to this care plan');
    const twice = activityInputs(plan).slice(0, 1).map((a) => ZActivityInput.parse(a));
    expect(() => reviseCarePlan(plan, { activities: [...twice, ...twice] }, now)).toThrow('An activity id appears more than once');
    const goal = ZGoalInput.parse({ id: plan.activities[0]!.id, description: 'x' });
    expect(() => reviseCarePlan(plan, { goals: [goal] }, now)).toThrow('A goal id does not belong to this care plan');
  });

  it.each(['completed', 'revoked'] as const)('refuses to change a %s plan', (status) => {
    expect(() => reviseCarePlan({ ...plan, status }, { title: 'New' }, now)).toThrow(ConflictError);
  });
});

describe('care plan inputs', () => {
  it('create: a blank plan needs a title and category; a template brings its own goals and activities', () => {
    expect(() => ZCreateCarePlanInput.parse({ patientId: 'p1' })).toThrow(ZodError);
    expect(ZCreateCarePlanInput.parse({ patientId: 'p1', title: 'Plan', category: 'other' })).toMatchObject({ status: 'draft', careTeam: [] });
    expect(ZCreateCarePlanInput.parse({ patientId: 'p1', templateId: 'heart-failure-follow-up' })).toMatchObject({ templateId: 'heart-failure-follow-up' });
    expect(() => ZCreateCarePlanInput.parse({ patientId: 'p1', templateId: 'heart-failure-follow-up', goals: [{ description: 'x' }] })).toThrow(ZodError);
    expect(() => ZCreateCarePlanInput.parse({ patientId: 'p1', templateId: 'no-such-template' })).toThrow(ZodError);
  });

  it('bounds the work a plan can generate and lists each team member once', () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ kind: 'call-patient', title: `Call ${i}`, offsetDays: i, recurrence: { everyDays: 1, count: 52 } }));
    expect(() => ZUpdateCarePlanInput.parse({ activities: many })).toThrow('A plan may schedule at most 200 tasks');
    expect(() => ZUpdateCarePlanInput.parse({ careTeam: [{ userId: 'u-a', role: 'Nurse' }, { userId: 'u-a', role: 'Lead' }] })).toThrow('Each member appears once');
    expect(() => ZUpdateCarePlanInput.parse({ note: 'only a note' })).toThrow('Nothing to change');
    expect(() => ZUpdateCarePlanInput.parse({ activities: [{ kind: 'Call Patient!', title: 'x', offsetDays: 1 }] })).toThrow(ZodError);
    expect(() => ZUpdateCarePlanInput.parse({ activities: [{ id: 'REF#1', kind: 'custom', title: 'x', offsetDays: 1 }] })).toThrow(ZodError);
  });
});
