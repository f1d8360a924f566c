import { z } from 'zod';
import type { AppContext } from '../../../shared/context';
import { BadRequestError, NotFoundError, UnavailableError } from '../../../shared/errors';
import { getReminderRecord } from '../../../shared/reminders/repository';
import { OUTBOX_CONTROL_PATHS } from '../../../infra/local/outbox-control';

/**
 * A small client for the local SMS and SES stand-ins' outboxes (their `/_local/*` control API),
 * used only by the console's outbox page, and only where the SMS or SES endpoint is overridden by a
 * stand-in that answers it (`npm start`). On AWS the endpoints are not overridden, so the page does
 * not exist. Returns PHI (numbers, addresses, texts): shown to signed-in staff, never logged.
 */
const TIMEOUT_MS = 10_000;
/** Newest first, at most this many of each channel on the page. */
const PAGE_SIZE = 100;

const ZEntry = z.looseObject({
  channel: z.enum(['sms', 'email']),
  id: z.string(),
  direction: z.enum(['outbound', 'inbound']),
  to: z.string(),
  from: z.string(),
  body: z.string().optional(),
  subject: z.string().optional(),
  text: z.string().optional(),
  reference: z.string().optional(),
  inReplyTo: z.string().optional(),
  sentAt: z.string(),
  status: z.string(),
  statusAt: z.string().optional(),
});
const ZOutbox = z.object({ messages: z.array(z.unknown()) });

export type OutboxEntry = z.infer<typeof ZEntry>;
export interface OutboxMessage extends OutboxEntry {
  /** The reminder this message was (our reference), with its patient: for the link and the audit. */
  reminder?: { id: string; patientId: string };
}

type Channel = OutboxEntry['channel'];

function endpoints(ctx: AppContext): Partial<Record<Channel, string>> {
  const { sms, ses } = ctx.config.endpoints;
  return { ...(sms ? { sms } : {}), ...(ses ? { email: ses } : {}) };
}

/** Whether this deployment has messaging stand-ins at all (else the page is a 404). */
export function outboxConfigured(ctx: AppContext): boolean {
  return Object.keys(endpoints(ctx)).length > 0;
}

async function call(ctx: AppContext, base: string, path: string, init: RequestInit = {}): Promise<unknown> {
  let response: Response;
  try {
    response = await ctx.fetch(`${base.replace(/\/+$/, '')}${path}`, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch {
    throw new UnavailableError(`The messaging stand-in did not answer at ${base}; is npm start still running?`);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (response.ok) return body;
  // An endpoint that is not a stand-in (a real service's) has no control API: there is no outbox.
  if (response.status === 404 || response.status === 403) throw new NotFoundError('There is no page at this address.');
  const message = typeof (body as { error?: unknown } | undefined)?.error === 'string' ? (body as { error: string }).error : `The stand-in answered ${response.status}`;
  if (response.status >= 400 && response.status < 500) throw new BadRequestError(message);
  throw new UnavailableError(message);
}

async function channelEntries(ctx: AppContext, channel: Channel, base: string): Promise<OutboxEntry[]> {
  const parsed = ZOutbox.safeParse(await call(ctx, base, OUTBOX_CONTROL_PATHS.outbox));
  if (!parsed.success) throw new UnavailableError('The messaging stand-in answered in an unexpected shape');
  return parsed.data.messages
    .flatMap((m) => {
      const entry = ZEntry.safeParse(m);
      return entry.success && entry.data.channel === channel ? [entry.data] : [];
    })
    .slice(-PAGE_SIZE);
}

/**
 * Every message in the stand-ins' outboxes (texts, patients' replies, emails), newest first, each
 * outbound one with the reminder it carried and that reminder's patient when it was a reminder.
 */
export async function readOutbox(ctx: AppContext): Promise<OutboxMessage[]> {
  const configured = Object.entries(endpoints(ctx)) as [Channel, string][];
  if (configured.length === 0) throw new NotFoundError('There is no page at this address.');
  const entries = (await Promise.all(configured.map(([channel, base]) => channelEntries(ctx, channel, base)))).flat();
  const references = [...new Set(entries.flatMap((e) => (e.direction === 'outbound' && e.reference ? [e.reference] : [])))];
  const reminders = new Map<string, { id: string; patientId: string }>();
  await Promise.all(
    references.map(async (reference) => {
      const reminder = /^[A-Za-z0-9_-]{1,100}$/.test(reference) ? await getReminderRecord(ctx, reference) : undefined;
      if (reminder) reminders.set(reference, { id: reminder.id, patientId: reminder.patientId });
    }),
  );
  const byId = new Map(entries.map((e) => [e.id, e]));
  const reminderOf = (e: OutboxEntry) => {
    const outbound = e.direction === 'inbound' && e.inReplyTo ? byId.get(e.inReplyTo) : e;
    return outbound?.reference ? reminders.get(outbound.reference) : undefined;
  };
  return entries
    .map((e): OutboxMessage => {
      const reminder = reminderOf(e);
      return reminder ? { ...e, reminder } : e;
    })
    .sort((a, b) => b.sentAt.localeCompare(a.sentAt));
}

export const ZReplyForm = z.object({
  messageId: z.string({ error: 'Choose a text to reply to' }).regex(/^[A-Za-z0-9_-]{1,200}$/, 'Choose a text to reply to'),
  text: z
    .string({ error: 'Type the reply, or use one of the quick replies' })
    .trim()
    .min(1, 'Type the reply, or use one of the quick replies')
    .max(1600, 'At most 1,600 characters'),
});
export type ReplyForm = z.infer<typeof ZReplyForm>;

/**
 * Plays the patient texting back to one of our texts: the stand-in records the reply and hands it
 * to Sidecar as End User Messaging SMS would (STOP, HELP, a plain-language opt-out…). The numbers
 * come from the text being answered, never from the form. Returns the message answered, for the audit.
 */
export async function replyAsPatient(ctx: AppContext, form: ReplyForm): Promise<OutboxMessage> {
  const base = endpoints(ctx).sms;
  if (!base) throw new NotFoundError('There is no page at this address.');
  const answered = (await readOutbox(ctx)).find((m) => m.channel === 'sms' && m.direction === 'outbound' && m.id === form.messageId);
  if (!answered) throw new NotFoundError('That text is no longer in the outbox.');
  await call(ctx, base, OUTBOX_CONTROL_PATHS.reply, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from: answered.to, to: answered.from, body: form.text }),
  });
  return answered;
}
