import { type Priority, PRIORITY_DUE_HOURS } from '../referrals/schema';

/**
 * When a task created at `from` with `priority` is due: for now the referrals' wall-clock hours
 * per priority. The one place task due times are computed, so switching to the business calendar
 * (shared/sla) changes this function only.
 */
export function taskDueAt(priority: Priority, from: Date): string {
  return new Date(from.getTime() + PRIORITY_DUE_HOURS[priority] * 3_600_000).toISOString();
}
