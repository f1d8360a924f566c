import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { OutboxEntry, SmsOutboxEntry } from './messaging-outbox';
import { readBody } from './read-body';

/**
 * The local messaging stand-ins' control API, beside the AWS operations they answer: the console's
 * outbox page (local runs only) reads each stand-in's outbox and plays a patient texting back.
 * Not an AWS API: the paths sit under `/_local/`, which no AWS operation uses.
 *
 * The answers hold phone numbers, addresses and message texts, so the API admits only requests
 * addressed to the stand-in's own loopback host and port (a page elsewhere cannot reach it through
 * a DNS name pointing at 127.0.0.1), and a reply only as JSON (a cross-site form cannot send it).
 */
export const OUTBOX_CONTROL_PATHS = {
  /** GET → `{ messages: [...] }`, oldest first. */
  outbox: '/_local/outbox',
  /** POST `{ from, to?, body }` (SMS stand-in only) → 201 `{ message }`. */
  reply: '/_local/reply',
} as const;

const E164 = /^\+[1-9]\d{1,14}$/;

/** A patient's text back: from their number (E.164), optionally to one of ours, 1–1600 characters. */
export const ZPatientReply = z.object({
  from: z.string().regex(E164),
  to: z.string().regex(E164).optional(),
  body: z.string().min(1).max(1600),
});
export type PatientReply = z.infer<typeof ZPatientReply>;

const MAX_CONTROL_BODY_BYTES = 16 * 1024;

/** Whether a request is for the control API rather than an AWS operation. */
export function isControlRequest(request: IncomingMessage): boolean {
  return (request.url ?? '').startsWith('/_local/');
}

/**
 * Answers one control request. `port` is the stand-in's own; `reply` is given by the SMS stand-in
 * only. Errors name the problem, never the input.
 */
export async function handleControlRequest(
  request: IncomingMessage,
  response: ServerResponse,
  options: { port: number; entries: () => OutboxEntry[]; reply?: (reply: PatientReply) => SmsOutboxEntry },
): Promise<void> {
  const send = (status: number, payload: unknown) => {
    const text = JSON.stringify(payload);
    response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    response.end(text);
  };
  const raw = await readBody(request, MAX_CONTROL_BODY_BYTES);
  if (request.headers.host !== `127.0.0.1:${options.port}`) return send(403, { error: 'The control API answers only on its own loopback address.' });
  if (raw === undefined) return send(413, { error: 'The request body is too large.' });
  const path = (request.url ?? '').split('?')[0];

  if (path === OUTBOX_CONTROL_PATHS.outbox) {
    if (request.method !== 'GET') return send(405, { error: 'Use GET.' });
    return send(200, { messages: options.entries() });
  }
  if (path === OUTBOX_CONTROL_PATHS.reply && options.reply) {
    if (request.method !== 'POST') return send(405, { error: 'Use POST.' });
    if (!/^application\/json(;|$)/i.test(request.headers['content-type'] ?? '')) return send(415, { error: 'Send JSON.' });
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return send(400, { error: 'The body is not valid JSON.' });
    }
    const parsed = ZPatientReply.safeParse(body);
    if (!parsed.success) return send(400, { error: 'A reply needs an E.164 `from` (and `to`, if given) and a text of 1–1600 characters.' });
    return send(201, { message: options.reply(parsed.data) });
  }
  return send(404, { error: 'No such control path.' });
}
