import type { Context } from 'aws-lambda';
import { getContext } from '../../shared/context';
import { sendDueReminders, type SendDueRemindersResult } from '../../shared/reminders/send-due-reminders';

/** Time left for the last send in flight to finish and be recorded before the Lambda times out. */
const SAFETY_MARGIN_MS = 10_000;

/** Lambda entry (every minute): sends the reminders that are due, within the invocation's remaining time. */
export async function handler(_event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<SendDueRemindersResult> {
  const remaining = context?.getRemainingTimeInMillis();
  return sendDueReminders(getContext(), remaining === undefined ? {} : { budgetMs: Math.max(1, remaining - SAFETY_MARGIN_MS) });
}
