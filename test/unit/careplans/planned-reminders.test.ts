import { plannedReminders } from '../../../shared/careplans/planned-reminders';
import { reviseCarePlan } from '../../../shared/careplans/revise';
import { ZActivity, ZActivityInput } from '../../../shared/careplans/schema';
import { activityInputs, planWith } from './support';

const visit = { kind: 'follow-up-visit', title: 'Clinic visit', offsetDays: 3, patientReminderTime: '09:30' };

describe('plannedReminders', () => {
  it('wants one reminder per occurrence of each open activity the patient takes part in, on calendar days from the plan’s start date', () => {
    const plan = planWith([visit, { kind: 'call-patient', title: 'Weigh-in', offsetDays: 0, recurrence: { everyDays: 14, count: 3 }, patientReminderTime: '08:00' }, { kind: 'call-patient', title: 'Staff call', offsetDays: 1 }]);
    const [clinic, weighIn] = plan.activities;
    expect(plannedReminders(plan)).toEqual([
      { key: `careplan.reminder.${clinic!.id.toLowerCase()}.r1.1.0930`, activityId: clinic!.id, occurrence: 1, date: '2026-11-05', time: '09:30' },
      { key: `careplan.reminder.${weighIn!.id.toLowerCase()}.r1.1.0800`, activityId: weighIn!.id, occurrence: 1, date: '2026-11-02', time: '08:00' },
      { key: `careplan.reminder.${weighIn!.id.toLowerCase()}.r1.2.0800`, activityId: weighIn!.id, occurrence: 2, date: '2026-11-16', time: '08:00' },
      // Across a month end, on a Sunday: patients' activities follow the calendar, not business days.
      { key: `careplan.reminder.${weighIn!.id.toLowerCase()}.r1.3.0800`, activityId: weighIn!.id, occurrence: 3, date: '2026-11-30', time: '08:00' },
    ]);
  });

  it.each(['draft', 'on-hold', 'completed', 'revoked'] as const)('wants nothing of a %s plan', (status) => {
    expect(plannedReminders(planWith([visit], { status }))).toEqual([]);
  });

  it('wants nothing of a completed or cancelled activity', () => {
    expect(plannedReminders(planWith([{ ...visit, status: 'completed' }, { ...visit, status: 'cancelled' }]))).toEqual([]);
    expect(plannedReminders(planWith([{ ...visit, status: 'in-progress' }]))).toHaveLength(1);
  });

  it('gives a new key when the time of day or the schedule revision changes, and leaves settled occurrences out', () => {
    const plan = planWith([{ ...visit, offsetDays: 1, recurrence: { everyDays: 7, count: 3 } }]);
    const [before1] = plannedReminders(plan);
    const retimed = reviseCarePlan(plan, { activities: activityInputs(plan).map((a) => ZActivityInput.parse({ ...a, patientReminderTime: '15:45' })) }, new Date('2026-11-02T15:00:00Z')).after;
    expect(plannedReminders(retimed)[0]!.key).toBe(before1!.key.replace(/\.0930$/, '.1545'));

    // Moved a day later, ten days in: occurrences 1 (day 1) and 2 (day 8) had fallen due and are settled.
    const later = reviseCarePlan(plan, { activities: activityInputs(plan).map((a) => ZActivityInput.parse({ ...a, offsetDays: 2 })) }, new Date('2026-11-12T15:00:00Z')).after;
    expect(plannedReminders(later).map((p) => [p.occurrence, p.key.split('.').slice(3, 5).join('.'), p.date])).toEqual([[3, 'r2.3', '2026-11-18']]);
  });

  it('accepts only a real time of day for the patient', () => {
    for (const bad of ['9:30', '24:00', '12:60', '0930', 'noon']) {
      expect(ZActivityInput.safeParse({ ...visit, patientReminderTime: bad }).success).toBe(false);
    }
    expect(ZActivity.shape.patientReminderTime.safeParse(undefined).success).toBe(true);
  });
});
