import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { errorFields, logger } from '../../shared/logger';
import type { EventBridgeEvent } from './eventbridge-standin';

/**
 * The outbox the local SMS and SES stand-ins share: every message they accepted (and every SMS a
 * patient sent back), its delivery status, the delivery events they emit to listeners, and
 * optional persistence to a JSON file (mode 0600: it holds phone numbers and addresses).
 */

/**
 * `sent` — accepted, no final event yet (or none will come: the send named no configuration set);
 * `delivered`, `bounced`, `complained` (email), `invalid`, `blocked` (SMS) — the final event emitted;
 * `received` — an inbound SMS from a patient.
 */
export const OUTBOX_STATUSES = ['sent', 'delivered', 'bounced', 'complained', 'invalid', 'blocked', 'received'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

const ZBase = z.object({
  /** Provider message id (SMS `MessageId`, SES `MessageId`), or the inbound message id. */
  id: z.string(),
  direction: z.enum(['outbound', 'inbound']),
  to: z.string(),
  from: z.string(),
  configurationSet: z.string().optional(),
  /** Our reference: SMS `Context.reference`, SES tag `reminder`. */
  reference: z.string().optional(),
  /** ISO 8601 (ms). */
  sentAt: z.string(),
  status: z.enum(OUTBOX_STATUSES),
  statusAt: z.string().optional(),
});
const ZSmsEntry = ZBase.extend({
  channel: z.literal('sms'),
  body: z.string(),
  messageType: z.enum(['TRANSACTIONAL', 'PROMOTIONAL']).optional(),
  /** The send's `Context` map, echoed in its delivery events. */
  context: z.record(z.string(), z.string()).optional(),
  /** Inbound: the outbound message id the patient answered (`previousPublishedMessageId`). */
  inReplyTo: z.string().optional(),
});
const ZEmailEntry = ZBase.extend({
  channel: z.literal('email'),
  subject: z.string(),
  text: z.string().optional(),
  html: z.string().optional(),
  /** The send's message tags (name → value), repeated in `detail.mail.tags` of its events. */
  tags: z.record(z.string(), z.string()).optional(),
});
const ZEntry = z.discriminatedUnion('channel', [ZSmsEntry, ZEmailEntry]);
const ZStore = z.object({ messages: z.array(ZEntry) });

export type SmsOutboxEntry = z.infer<typeof ZSmsEntry>;
export type EmailOutboxEntry = z.infer<typeof ZEmailEntry>;
export type OutboxEntry = SmsOutboxEntry | EmailOutboxEntry;

/**
 * What AWS End User Messaging SMS publishes when a patient texts our number (two-way SMS, the JSON
 * `Message` of the SNS notification).
 */
export interface InboundSmsPayload {
  /** The patient's number. */
  originationNumber: string;
  /** Our number they texted. */
  destinationNumber: string;
  /** Set when the text starts with one of the number's keywords (STOP, HELP…). */
  messageKeyword?: string;
  messageBody: string;
  inboundMessageId: string;
  /** The id of the message they were answering, when there was one. */
  previousPublishedMessageId?: string;
}

/** What a stand-in hands its listeners: a delivery event as EventBridge delivers it, or an inbound SMS. */
export type MessagingStandInEvent = { kind: 'delivery'; event: EventBridgeEvent } | { kind: 'inbound'; payload: InboundSmsPayload };
export type MessagingEventListener = (event: MessagingStandInEvent) => void | Promise<void>;

export interface Outbox<E extends OutboxEntry> {
  /** Copies of the entries, oldest first. */
  entries(): E[];
  add(entry: E): void;
  setStatus(id: string, status: OutboxStatus, at: Date): void;
  /** Runs `emit` after `delayMs` (tracked by idle(), dropped by close()). */
  later(delayMs: number, emit: () => void): void;
  /** Hands `event` to every listener; a listener's failure is logged (by error name) and does not stop the others. */
  emit(event: MessagingStandInEvent): void;
  onEvent(listener: MessagingEventListener): () => void;
  /** Resolves when nothing is scheduled and no listener is still running. */
  idle(): Promise<void>;
  /** Drops what is scheduled. */
  close(): void;
}

/**
 * Opens one stand-in's outbox, loading `file` (that stand-in's own) when it exists; at most
 * `maxEntries` are kept, oldest dropped.
 */
export function openOutbox<E extends OutboxEntry>(channel: E['channel'], options: { file?: string; maxEntries: number }): Outbox<E> {
  const entries: E[] = load(options.file).filter((e): e is E => e.channel === channel);
  const listeners = new Set<MessagingEventListener>();
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let idleWaiters: (() => void)[] = [];

  const settleIfIdle = () => {
    if (timers.size > 0 || running.size > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const wake of waiters) wake();
  };

  const persist = () => {
    if (!options.file) return;
    const temporary = `${options.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify({ messages: entries }, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, options.file);
  };

  return {
    entries: () => entries.map((e) => ({ ...e })),
    add: (entry) => {
      entries.push(entry);
      entries.splice(0, Math.max(0, entries.length - options.maxEntries));
      persist();
    },
    setStatus: (id, status, at) => {
      const entry = entries.find((e) => e.id === id);
      if (!entry) return;
      entry.status = status;
      entry.statusAt = at.toISOString();
      persist();
    },
    later: (delayMs, emit) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        emit();
        settleIfIdle();
      }, delayMs);
      timers.add(timer);
    },
    emit: (event) => {
      for (const listener of listeners) {
        const run = (async () => {
          try {
            await listener(event);
          } catch (error) {
            logger.error('Messaging stand-in listener failed', errorFields(error));
          }
        })();
        running.add(run);
        void run.finally(() => {
          running.delete(run);
          settleIfIdle();
        });
      }
    },
    onEvent: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIfIdle();
      }),
    close: () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      settleIfIdle();
    },
  };
}

/** The persisted outbox, or none when there is no file yet. A corrupt file is an error, not a silent reset. */
function load(file: string | undefined): OutboxEntry[] {
  if (!file || !existsSync(file)) return [];
  const invalid = () => new Error(`The local outbox file ${file} is not valid; delete it to start afresh`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw invalid();
  }
  const parsed = ZStore.safeParse(json);
  if (!parsed.success) throw invalid();
  return parsed.data.messages;
}
