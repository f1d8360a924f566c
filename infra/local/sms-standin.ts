import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { errorFields, logger } from '../../shared/logger';
import { SMS_REFERENCE_CONTEXT_KEY } from '../../shared/messaging/sms';
import { isGsm7Basic } from '../../shared/reminders/gsm7';
import type { EventBridgeEvent } from './eventbridge-standin';
import { type InboundSmsPayload, type MessagingEventListener, openOutbox, type SmsOutboxEntry } from './messaging-outbox';
import { handleControlRequest, isControlRequest, ZPatientReply } from './outbox-control';
import { LOOPBACK, listenOnLoopback } from './ports';
import { readBody } from './read-body';

/**
 * A loopback stand-in for End User Messaging SMS `SendTextMessage` (AWS JSON 1.0 on the wire, so
 * `@aws-sdk/client-pinpoint-sms-voice-v2` works unchanged through an endpoint override). Accepted
 * texts go to an outbox (persisted to `file`); a send that names a configuration set gets its final
 * delivery event, EventBridge-shaped, after `deliveryDelayMs`. Numbers ending 0001 are invalid,
 * 0002 carrier-blocked, all others delivered. `failNext` injects errors; `replyFromPatient` plays a
 * two-way SMS reply; `/_local/*` answers the console's outbox (outbox-control.ts).
 *
 * Unlike the service: no opt-out list or keyword auto-replies (Sidecar answers STOP and HELP
 * itself), only the final event, no prices, no DryRun. Never logs a number or a text.
 */

export interface SmsStandInOptions {
  /** Persist the outbox to this JSON file (mode 0600), for `npm start`. */
  file?: string;
  /** Delay before a delivery event. Default 500 ms. */
  deliveryDelayMs?: number;
  /** The number texts come from when OriginationIdentity is not a phone number (a pool, an id) or is absent. */
  originationNumber?: string;
  /** `account` / `region` of the event envelopes. Defaults 000000000000 / us-east-1. */
  account?: string;
  region?: string;
  /** Outbox size; the oldest entries are dropped beyond it. Default 500. */
  maxEntries?: number;
}

export interface SmsFailure {
  /** HTTP status; default 500 for InternalServerException, else 400. */
  status?: number;
  /** The error's `Reason` member, e.g. DESTINATION_PHONE_NUMBER_OPTED_OUT. */
  reason?: string;
  /** ValidationException `Fields`, e.g. [{ Name: 'DestinationPhoneNumber', Message: '…' }]. */
  fields?: { Name: string; Message: string }[];
}

export interface SmsStandIn {
  /** e.g. `http://127.0.0.1:41234`; give it to PinpointSMSVoiceV2Client as `endpoint`. */
  endpoint: string;
  /**
   * Failure injection: the next SendTextMessage answers `{ __type: errorType, Reason, Fields }`.
   * Each call queues one failure, so a client that retries (5xx, throttling) needs one per attempt.
   */
  failNext(errorType: string, failure?: SmsFailure): void;
  /** Copies of the outbox, oldest first (outbound texts and patients' replies). */
  outbox(): SmsOutboxEntry[];
  /** Listens to delivery events and inbound texts; returns the unsubscribe function. */
  onEvent(listener: MessagingEventListener): () => void;
  /**
   * A patient texts back: records the text as inbound and hands listeners the two-way SMS payload.
   * `to` defaults to the number that last texted `from` (else the origination number).
   */
  replyFromPatient(reply: { from: string; to?: string; body: string }): SmsOutboxEntry;
  /** Resolves when no event is scheduled and no listener is running. */
  idle(): Promise<void>;
  /** Drops scheduled events, stops listening and closes all connections. */
  stop(): Promise<void>;
}

export const SMS_EVENT_SOURCE = 'aws.sms-voice';
export const SMS_EVENT_DETAIL_TYPE = 'Text Message Delivery Status Updated';
/** Destination numbers ending so produce these outcomes (everything else is delivered). */
export const SMS_TEST_NUMBER_SUFFIXES = { invalid: '0001', blocked: '0002' } as const;

const TARGET = 'PinpointSMSVoiceV2.SendTextMessage';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
const MAX_BODY_BYTES = 1024 * 1024;
/** SendTextMessage's MessageBody limit. */
const MAX_MESSAGE_CHARACTERS = 1600;
const E164 = /^\+[1-9]\d{1,14}$/;
/** Keywords End User Messaging SMS gives every number (the opt-out ones and HELP). */
const DEFAULT_KEYWORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE', 'ARRET', 'HELP']);

const OUTCOMES = {
  delivered: { eventType: 'TEXT_DELIVERED', messageStatus: 'DELIVERED', description: 'Message has been accepted by phone', status: 'delivered' },
  invalid: { eventType: 'TEXT_INVALID', messageStatus: 'INVALID', description: 'Invalid destination phone number', status: 'invalid' },
  blocked: { eventType: 'TEXT_CARRIER_BLOCKED', messageStatus: 'CARRIER_BLOCKED', description: 'Carrier has blocked the message', status: 'blocked' },
} as const;

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    readonly members: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Starts the stand-in on 127.0.0.1 (an OS-assigned free port) and resolves once it listens. */
export async function startSmsStandIn(options: SmsStandInOptions = {}): Promise<SmsStandIn> {
  const delayMs = options.deliveryDelayMs ?? 500;
  const originationNumber = options.originationNumber ?? '+18005550100';
  const account = options.account ?? '000000000000';
  const region = options.region ?? 'us-east-1';
  const outbox = openOutbox<SmsOutboxEntry>('sms', { file: options.file, maxEntries: options.maxEntries ?? 500 });
  const failures: { type: string; failure: SmsFailure }[] = [];

  const scheduleOutcome = (entry: SmsOutboxEntry) => {
    if (!entry.configurationSet) return;
    const outcome = entry.to.endsWith(SMS_TEST_NUMBER_SUFFIXES.invalid)
      ? OUTCOMES.invalid
      : entry.to.endsWith(SMS_TEST_NUMBER_SUFFIXES.blocked)
        ? OUTCOMES.blocked
        : OUTCOMES.delivered;
    outbox.later(delayMs, () => {
      const at = new Date();
      outbox.setStatus(entry.id, outcome.status, at);
      outbox.emit({ kind: 'delivery', event: deliveryEvent(entry, outcome, at, account, region) });
    });
  };
  // Texts accepted before a restart still get their event, as they would on AWS.
  for (const entry of outbox.entries()) if (entry.direction === 'outbound' && entry.status === 'sent') scheduleOutcome(entry);

  const sendTextMessage = (body: Record<string, unknown>): { MessageId: string } => {
    const to = body.DestinationPhoneNumber;
    if (typeof to !== 'string' || !E164.test(to)) {
      throw new ServiceError('ValidationException', 'The destination phone number is not a valid E.164 number.', 400, {
        Reason: 'INVALID_PARAMETER',
        Fields: [{ Name: 'DestinationPhoneNumber', Message: 'Must be a valid E.164 phone number.' }],
      });
    }
    const text = body.MessageBody;
    if (typeof text !== 'string' || text.length === 0 || text.length > MAX_MESSAGE_CHARACTERS) {
      throw new ServiceError('ValidationException', `MessageBody is required and at most ${MAX_MESSAGE_CHARACTERS} characters.`, 400, {
        Reason: typeof text === 'string' && text.length > 0 ? 'MAXIMUM_SIZE_EXCEEDED' : 'MISSING_PARAMETER',
        Fields: [{ Name: 'MessageBody', Message: 'Invalid message body.' }],
      });
    }
    if (body.MessageType !== undefined && body.MessageType !== 'TRANSACTIONAL' && body.MessageType !== 'PROMOTIONAL') {
      throw new ServiceError('ValidationException', 'MessageType must be TRANSACTIONAL or PROMOTIONAL.', 400, { Reason: 'INVALID_PARAMETER', Fields: [{ Name: 'MessageType', Message: 'Invalid value.' }] });
    }
    if (body.DryRun === true) throw new ServiceError('ValidationException', 'The local SMS stand-in does not implement DryRun.', 400, { Reason: 'INVALID_REQUEST' });
    const context = z.record(z.string(), z.string()).optional().safeParse(body.Context);
    if (!context.success) throw new ServiceError('SerializationException', 'Context must be a map of strings.');
    const identity = typeof body.OriginationIdentity === 'string' ? body.OriginationIdentity : undefined;
    const entry: SmsOutboxEntry = {
      channel: 'sms',
      id: randomUUID(),
      direction: 'outbound',
      to,
      from: identity && E164.test(identity) ? identity : originationNumber,
      body: text,
      messageType: body.MessageType === 'PROMOTIONAL' ? 'PROMOTIONAL' : 'TRANSACTIONAL',
      ...(typeof body.ConfigurationSetName === 'string' && body.ConfigurationSetName ? { configurationSet: body.ConfigurationSetName } : {}),
      ...(context.data ? { context: context.data } : {}),
      ...(context.data?.[SMS_REFERENCE_CONTEXT_KEY] ? { reference: context.data[SMS_REFERENCE_CONTEXT_KEY] } : {}),
      sentAt: new Date().toISOString(),
      status: 'sent',
    };
    outbox.add(entry);
    scheduleOutcome(entry);
    return { MessageId: entry.id };
  };

  /** A patient texts back (see SmsStandIn.replyFromPatient). */
  const replyFromPatient = (input: { from: string; to?: string; body: string }): SmsOutboxEntry => {
    const parsed = ZPatientReply.safeParse(input);
    if (!parsed.success) throw new Error('A patient reply needs an E.164 `from` (and `to`) and a body of 1–1600 characters');
    const { from, body } = parsed.data;
    const answered = outbox.entries().filter((e) => e.direction === 'outbound' && e.to === from).at(-1);
    const to = parsed.data.to ?? answered?.from ?? originationNumber;
    const keyword = body.trim().split(/\s+/)[0]?.toUpperCase();
    const entry: SmsOutboxEntry = {
      channel: 'sms',
      id: randomUUID(),
      direction: 'inbound',
      to,
      from,
      body,
      ...(answered ? { inReplyTo: answered.id } : {}),
      sentAt: new Date().toISOString(),
      status: 'received',
    };
    outbox.add(entry);
    const payload: InboundSmsPayload = {
      originationNumber: from,
      destinationNumber: to,
      ...(keyword && DEFAULT_KEYWORDS.has(keyword) ? { messageKeyword: keyword } : {}),
      messageBody: body,
      inboundMessageId: entry.id,
      ...(answered ? { previousPublishedMessageId: answered.id } : {}),
    };
    outbox.emit({ kind: 'inbound', payload });
    return { ...entry };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const reply = (status: number, payload: unknown) => {
      const text = JSON.stringify(payload);
      response.writeHead(status, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID() });
      response.end(text);
    };
    try {
      if (isControlRequest(request)) {
        await handleControlRequest(request, response, { port, entries: () => outbox.entries(), reply: replyFromPatient });
        return;
      }
      const raw = await readBody(request, MAX_BODY_BYTES);
      if (raw === undefined) throw new ServiceError('ValidationException', 'Request body is too large.', 413);
      if (request.method !== 'POST' || request.headers['x-amz-target'] !== TARGET) {
        throw new ServiceError('UnknownOperationException', 'The local SMS stand-in implements only SendTextMessage.');
      }
      const injected = failures.shift();
      if (injected) {
        const { status, reason, fields } = injected.failure;
        throw new ServiceError(injected.type, 'Injected failure of SendTextMessage.', status ?? (injected.type === 'InternalServerException' ? 500 : 400), {
          ...(reason ? { Reason: reason } : {}),
          ...(fields ? { Fields: fields } : {}),
        });
      }
      let body: unknown;
      try {
        body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
      } catch {
        throw new ServiceError('SerializationException', 'The request body is not valid JSON.');
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new ServiceError('SerializationException', 'Start of structure or map found where not expected.');
      }
      reply(200, sendTextMessage(body as Record<string, unknown>));
    } catch (error) {
      if (error instanceof ServiceError) reply(error.status, { __type: error.type, Message: error.message, ...error.members });
      else {
        logger.error('SMS stand-in failed', errorFields(error));
        reply(500, { __type: 'InternalServerException', Message: 'Internal server error.' });
      }
    }
  };

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  const port = await listenOnLoopback(server);

  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    failNext: (errorType, failure = {}) => {
      failures.push({ type: errorType, failure });
    },
    outbox: () => outbox.entries(),
    onEvent: (listener) => outbox.onEvent(listener),
    replyFromPatient,
    idle: () => outbox.idle(),
    stop: async () => {
      outbox.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** The EventBridge envelope End User Messaging SMS publishes for a text's final status. */
function deliveryEvent(
  entry: SmsOutboxEntry,
  outcome: (typeof OUTCOMES)[keyof typeof OUTCOMES],
  at: Date,
  account: string,
  region: string,
): EventBridgeEvent {
  const gsm = isGsm7Basic(entry.body);
  const length = entry.body.length;
  const parts = gsm ? (length <= 160 ? 1 : Math.ceil(length / 153)) : length <= 70 ? 1 : Math.ceil(length / 67);
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': SMS_EVENT_DETAIL_TYPE,
    source: SMS_EVENT_SOURCE,
    account,
    time: `${at.toISOString().slice(0, 19)}Z`,
    region,
    resources: [],
    detail: {
      eventType: outcome.eventType,
      eventVersion: '1.0',
      eventTimestamp: at.getTime(),
      isFinal: true,
      originationPhoneNumber: entry.from,
      destinationPhoneNumber: entry.to,
      isInternationalSend: false,
      messageId: entry.id,
      messageRequestTimestamp: Date.parse(entry.sentAt),
      messageEncoding: gsm ? 'GSM' : 'UCS2',
      messageType: entry.messageType ?? 'TRANSACTIONAL',
      messageStatus: outcome.messageStatus,
      messageStatusDescription: outcome.description,
      ...(entry.context ? { context: entry.context } : {}),
      totalMessageParts: parts,
      totalMessagePrice: 0,
      totalCarrierFee: 0,
    },
  };
}
