import { DEFAULT_CALENDAR } from '../sla/calendar';
import { priorityBudget, slaDueAt } from '../sla/clock';
import type { Priority } from '../referrals/schema';

/**
 * When a task created at `from` with `priority` is due: its priority's budget of business time
 * (PRIORITY_SLA: stat 4 h, asap 9 h, urgent 27 h, routine 90 h) on the business calendar, so a
 * task made on Friday evening is not overdue on Monday morning. The one place task due times are
 * computed.
 */
export function taskDueAt(priority: Priority, from: Date): string {
  const due = slaDueAt({ startedAt: from, budgetMs: priorityBudget(priority), pauses: [] }, DEFAULT_CALENDAR);
  // With no pauses the clock always runs: a due instant always exists.
  return (due ?? from).toISOString();
}
