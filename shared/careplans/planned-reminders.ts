import { isOpenActivity, scheduleRevision, settledThrough } from './schedule';
import { type Activity, type CarePlan, occurrenceCount } from './schema';

/**
 * The patient reminders a care plan calls for: one per upcoming occurrence of each open activity
 * the patient takes part in (`patientReminderTime` set), while the plan is active. Pure; the
 * reminders module turns each into a reminder per channel (shared/reminders/apply-care-plan-reminders.ts).
 */
export interface PlannedReminder {
  /**
   * `careplan.reminder.<activity>.r<revision>.<occurrence>.<HHMM>`: opaque ids only. A new schedule
   * revision or another time of day makes a new key, so the reminder made for the old one is
   * withdrawn and a new one made — never the same key for a different time.
   */
  key: string;
  activityId: string;
  /** 1-based occurrence of a recurring activity (1 for a one-off). */
  occurrence: number;
  /** The occurrence's day (`YYYY-MM-DD`): plan start + offset (+ (n−1) × interval) calendar days. */
  date: string;
  /** When on that day, in the patient's own zone (`HH:MM`). */
  time: string;
}

/** The calendar date `days` after `isoDate`'s date (`YYYY-MM-DD`). */
function addDays(isoDate: string, days: number): string {
  const [year, month, day] = isoDate.slice(0, 10).split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

function remindersOf(plan: CarePlan, activity: Activity & { patientReminderTime: string }): PlannedReminder[] {
  const revision = scheduleRevision(activity);
  const time = activity.patientReminderTime;
  const planned: PlannedReminder[] = [];
  for (let n = settledThrough(activity) + 1; n <= occurrenceCount(activity); n++) {
    planned.push({
      key: `careplan.reminder.${activity.id.toLowerCase()}.r${revision}.${n}.${time.replace(':', '')}`,
      activityId: activity.id,
      occurrence: n,
      date: addDays(plan.period.start, activity.offsetDays + (n - 1) * (activity.recurrence?.everyDays ?? 0)),
      time,
    });
  }
  return planned;
}

/**
 * Every patient reminder the plan wants now: for an active plan, the unsettled occurrences of the
 * current schedule revision of each open activity with a patient time. Nothing for a draft,
 * paused, completed or revoked plan — the integrator withdraws whatever is left scheduled. Whether
 * an occurrence is still far enough ahead to remind is decided against the clock by the integrator.
 */
export function plannedReminders(plan: CarePlan): PlannedReminder[] {
  if (plan.status !== 'active') return [];
  return plan.activities
    .filter((a): a is Activity & { patientReminderTime: string } => isOpenActivity(a) && a.patientReminderTime !== undefined)
    .flatMap((a) => remindersOf(plan, a));
}
