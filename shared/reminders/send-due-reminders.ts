import { z } from 'zod';
import type { AppContext } from '../context';
import { ConflictError } from '../errors';
import { errorFields, logger } from '../logger';
import { reminderTimelineEntry } from './change';
import { type DueReminderPage, getReminderRecord, queryDueReminders, queryExpiredClaims, REMINDER_DUE_SHARDS, saveReminder } from './repository';
import { MAX_REMINDER_ATTEMPTS, type Reminder, REMINDER_SYSTEM_ACTOR } from './schema';
import { REMINDER_CLAIM_LEASE_MS, UNKNOWN_OUTCOME } from './send-policy';
import { sendReminder, type SendReminderOutcome } from './send-reminder';

export interface SendDueRemindersResult {
  /** Reminders read from the due and lease indexes and looked at. */
  examined: number;
  sent: number;
  /** Due inside quiet hours: moved to the next window opening. */
  deferred: number;
  /** Not sent for a reason (consent, contact point, frequency cap): never retried. */
  skipped: number;
  /** Failed, including claims whose outcome a crash made unknown. */
  failed: number;
  /** Refused for now by the provider (throttling): due again after a backoff. */
  rescheduled: number;
}

/** At most this many reminders per run unless told otherwise (a run every minute). */
export const SWEEP_DEFAULT_LIMIT = 200;
/** Wall-clock budget of one run, under the sweep Lambda's timeout; the rest waits for the next run. */
export const SWEEP_DEFAULT_BUDGET_MS = 45_000;
const PAGE_SIZE = 25;

export const ZSendDueRemindersOptions = z.object({
  /** The sweep's notion of now (default: the context clock). */
  now: z.date().optional(),
  limit: z.number().int().min(1).max(5000).default(SWEEP_DEFAULT_LIMIT),
  /** Stop taking reminders after this many ms of wall-clock time. */
  budgetMs: z.number().int().min(1).max(15 * 60_000).default(SWEEP_DEFAULT_BUDGET_MS),
});
export type SendDueRemindersOptions = z.input<typeof ZSendDueRemindersOptions>;

/**
 * A claim whose lease expired: the sweep that made it stopped (a crash, a timeout) somewhere
 * between claiming and saving the result, so the text may or may not have gone out. It is failed
 * as `unknown-outcome` and never sent again; if the provider did accept it, its delivery event
 * (found through the message id linked right after the send) later records the real outcome.
 */
async function expireClaim(ctx: AppContext, indexed: Reminder, now: Date): Promise<SendReminderOutcome> {
  const current = await getReminderRecord(ctx, indexed.id);
  if (!current || current.status !== 'sending' || current.sendingAt !== indexed.sendingAt) return 'lost';
  const { sendingAt: _sendingAt, ...rest } = current;
  const at = now.toISOString();
  try {
    await saveReminder(
      ctx,
      current,
      {
        ...rest,
        status: 'failed',
        statusReason: UNKNOWN_OUTCOME,
        attempts: [...current.attempts, { at, outcome: 'failed' as const, code: UNKNOWN_OUTCOME }].slice(-MAX_REMINDER_ATTEMPTS),
        version: current.version + 1,
        updatedAt: at,
      },
      [reminderTimelineEntry(current, REMINDER_SYSTEM_ACTOR, now, { kind: 'transition', from: 'sending', to: 'failed', reason: UNKNOWN_OUTCOME })],
    );
    logger.warn('Reminder claim expired: outcome unknown, not sent again', { reminderId: current.id });
    return 'failed';
  } catch (error) {
    if (error instanceof ConflictError) return 'lost';
    throw error;
  }
}

/**
 * The reminder send sweep (every minute): first the claims a crashed run left `sending` past
 * REMINDER_CLAIM_LEASE_MS (failed as `unknown-outcome`, never re-sent), then every reminder due
 * at `now` — each shard's due partition is Queried (never a Scan), oldest first, and each
 * reminder goes through sendReminder, which claims it with a conditional write so concurrent
 * sweeps and retries never send twice. Shards run side by side; the run stops taking reminders
 * after `limit` of them or `budgetMs` of wall-clock time, leaving the rest to the next run. One
 * reminder's unexpected error is logged (ids and error name only) and does not stop the others.
 */
export async function sendDueReminders(ctx: AppContext, options: SendDueRemindersOptions = {}): Promise<SendDueRemindersResult> {
  const input = ZSendDueRemindersOptions.parse(options);
  const now = input.now ?? ctx.clock.now();
  const deadline = Date.now() + input.budgetMs;
  const result: SendDueRemindersResult = { examined: 0, sent: 0, deferred: 0, skipped: 0, failed: 0, rescheduled: 0 };
  let remaining = input.limit;
  const canTake = () => remaining > 0 && Date.now() < deadline;

  const drain = async (read: (limit: number, cursor?: string) => Promise<DueReminderPage>, handle: (r: Reminder) => Promise<SendReminderOutcome>) => {
    let cursor: string | undefined;
    do {
      if (!canTake()) return;
      const page = await read(Math.min(PAGE_SIZE, remaining), cursor);
      for (const reminder of page.reminders) {
        if (!canTake()) return;
        remaining--;
        result.examined++;
        try {
          const outcome = await handle(reminder);
          if (outcome !== 'lost') result[outcome]++;
        } catch (error) {
          logger.error('Reminder sweep could not handle a reminder', { reminderId: reminder.id, ...errorFields(error) });
        }
      }
      cursor = page.nextCursor;
    } while (cursor);
  };

  const claimedBefore = new Date(now.getTime() - REMINDER_CLAIM_LEASE_MS);
  await Promise.all(
    Array.from({ length: REMINDER_DUE_SHARDS }, async (_, shard) => {
      await drain(
        (limit, cursor) => queryExpiredClaims(ctx, { shard, claimedBefore, limit, ...(cursor ? { cursor } : {}) }),
        (r) => expireClaim(ctx, r, now),
      );
      await drain(
        (limit, cursor) => queryDueReminders(ctx, { shard, now, limit, ...(cursor ? { cursor } : {}) }),
        (r) => sendReminder(ctx, { reminderId: r.id, now }),
      );
    }),
  );
  if (result.examined > 0) logger.info('Reminder sweep finished', { ...result });
  return result;
}
