import { activitiesFromInput, goalsFromInput } from '../../../shared/careplans/revise';
import { ZActivity, ZGoal } from '../../../shared/careplans/schema';
import { CAREPLAN_TEMPLATES, CAREPLAN_TEMPLATE_IDS, carePlanTemplate, templateInputs } from '../../../shared/careplans/templates';

describe('care plan templates', () => {
  it('offers the three required templates', () => {
    expect(CAREPLAN_TEMPLATE_IDS).toEqual(['post-discharge-transitional-care', 'heart-failure-follow-up', 'diabetes-quarterly-review']);
    expect(carePlanTemplate('nope')).toBeUndefined();
  });

  it.each(CAREPLAN_TEMPLATES.map((t) => [t.id, t] as const))('%s turns into valid goals and activities', (_id, template) => {
    const content = templateInputs(template, '2026-11-02T22:15:00.000Z');
    const goals = goalsFromInput([], content.goals);
    const activities = activitiesFromInput([], content.activities);
    for (const g of goals) expect(ZGoal.parse(g)).toEqual(g);
    for (const a of activities) expect(ZActivity.parse(a)).toEqual(a);
    expect(activities.every((a) => a.status === 'scheduled' && a.settled.length === 0)).toBe(true);
    expect(goals.every((g) => g.achievementStatus === 'in-progress')).toBe(true);
    expect(template.description.length).toBeGreaterThan(40);
  });

  it('dates goals from the plan start date', () => {
    const content = templateInputs(carePlanTemplate('post-discharge-transitional-care')!, '2026-11-02T22:15:00.000Z');
    expect(content.goals.map((g) => g.dueDate)).toEqual(['2026-12-02', '2026-11-16']);
    expect(content.activities.map((a) => [a.kind, a.offsetDays])).toEqual([
      ['post-discharge-call', 2],
      ['call-patient', 7],
      ['follow-up-visit', 14],
    ]);
  });

  it('schedules the diabetes review quarterly, four times, and the foot exam once', () => {
    const content = templateInputs(carePlanTemplate('diabetes-quarterly-review')!, '2026-11-02T00:00:00.000Z');
    expect(content.activities.map((a) => a.recurrence)).toEqual([{ everyDays: 90, count: 4 }, undefined]);
    expect(content.goals[0]).toMatchObject({ description: 'HbA1c below 7%', target: { measure: 'Hemoglobin A1c', detail: '< 7%' } });
  });
});
