import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DELIVERY_POLICY, MAX_ENTRY_BYTES, RULES, type ConsumerId, type RuleDefinition } from '../../shared/events/catalogue';
import { errorFields, logger } from '../../shared/logger';
import { matches, validatePattern } from './event-pattern';
import { LOOPBACK } from './ports';

/**
 * A loopback stand-in for the one EventBridge operation Sidecar calls, `PutEvents`, answered on the
 * wire (AWS JSON 1.1) so `@aws-sdk/client-eventbridge` is used unchanged through an endpoint
 * override. Accepted entries become real event envelopes, are matched against the catalogue's RULES
 * and delivered to the rule's consumer after the call has been answered, with EventBridge-like
 * retries (exponential backoff, jitter, DELIVERY_POLICY) and a dead-letter record.
 * Wire fidelity and deliberate differences: docs/decisions/030-local-runtime-stand-ins.md.
 *
 * Never logs or echoes an entry's Detail: events may point at patient records.
 */

/** The event envelope EventBridge delivers to a target. */
export interface EventBridgeEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  /** ISO 8601, second precision, UTC (`2024-05-01T12:00:00Z`), like EventBridge. */
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/**
 * What a rule delivers to: by default a catalogue consumer; a bus standing in for another bus (the
 * account's default bus, where AWS services publish) routes to its own targets by its own rules.
 */
export type DeliverFn<C extends string = ConsumerId> = (consumerId: C, event: EventBridgeEvent) => Promise<void>;
export type DeadLetterFn<C extends string = ConsumerId> = (consumerId: C, event: EventBridgeEvent, error: unknown) => void | Promise<void>;

/** A rule of the stand-in: events matching `pattern` go to `consumer`. The catalogue's RULES are these. */
export interface StandInRule<C extends string = ConsumerId> {
  name: string;
  consumer: C;
  pattern: RuleDefinition['pattern'];
}

export interface DeadLetter<C extends string = ConsumerId> {
  consumerId: C;
  rule: string;
  event: EventBridgeEvent;
  /** The error of the last attempt. */
  error: unknown;
  attempts: number;
  failedAt: string;
}

export interface StartEventBridgeStandInOptions<C extends string = ConsumerId> {
  /** The one bus this stand-in knows; entries naming another bus fail (see the decision record). */
  busName: string;
  deliver: DeliverFn<C>;
  /** Called once an event has exhausted its retries (also kept in `deadLetters()`). */
  onDeadLetter?: DeadLetterFn<C>;
  /** First retry delay; doubles per attempt, with jitter. Default 1000 ms (tests use a few ms). */
  baseDelayMs?: number;
  /** Upper bound of one retry delay. Default 60 s. */
  maxDelayMs?: number;
  /** Port on 127.0.0.1; an OS-assigned free one when omitted. */
  port?: number;
  /** `account` of the envelopes. Default 000000000000. */
  account?: string;
  /** `region` of the envelopes; default: the region the client signed for, else us-east-1. */
  region?: string;
  /** Rules to route by; default the catalogue's RULES (so required for any other kind of target). */
  rules?: readonly StandInRule<C>[];
}

export interface EventBridgeStandIn<C extends string = ConsumerId> {
  /** e.g. `http://127.0.0.1:41234`; give it to EventBridgeClient as `endpoint`. */
  endpoint: string;
  port: number;
  /**
   * Stops listening and drops scheduled retries (each dropped delivery is neither delivered nor
   * dead-lettered), waits for running deliveries to settle, and closes all connections.
   */
  stop(): Promise<void>;
  /** Resolves when no delivery is running or scheduled (immediately if none). */
  idle(): Promise<void>;
  deadLetters(): DeadLetter<C>[];
  /**
   * Failure injection for testing a publisher: the next `entries` otherwise-accepted entries fail
   * with ErrorCode InternalFailure (a partial failure, FailedEntryCount > 0), and the next `whole`
   * HTTP calls answer 500 InternalException. Counts add up across calls.
   */
  injectFailures(failures: { entries?: number; whole?: number }): void;
}

const TARGET_PREFIX = 'AWSEvents.';
const PUT_EVENTS = 'AWSEvents.PutEvents';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const MAX_ENTRIES = 10;
/** Bodies beyond this are refused with 413 and an empty body, as EventBridge's front end does. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;
const DEFAULT_ACCOUNT = '000000000000';
const DEFAULT_REGION = 'us-east-1';

interface ResultEntry {
  EventId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

interface Job<C extends string> {
  rule: string;
  consumerId: C;
  event: EventBridgeEvent;
  attempts: number;
  acceptedAt: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** Starts the stand-in on 127.0.0.1 and resolves once it listens. */
export async function startEventBridgeStandIn<C extends string = ConsumerId>(options: StartEventBridgeStandInOptions<C>): Promise<EventBridgeStandIn<C>> {
  // Without rules of its own the stand-in is Sidecar's bus, whose targets are catalogue consumers.
  const rules = options.rules ?? (RULES as readonly StandInRule<string>[] as readonly StandInRule<C>[]);
  for (const rule of rules) validatePattern(rule.pattern);
  const baseDelayMs = options.baseDelayMs ?? 1_000;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  const account = options.account ?? DEFAULT_ACCOUNT;

  const dead: DeadLetter<C>[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let pending = 0;
  let idleWaiters: (() => void)[] = [];
  let stopped = false;
  let failEntries = 0;
  let failWhole = 0;

  const settle = () => {
    pending -= 1;
    if (pending === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  };

  const retryDelay = (attempts: number) => {
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempts - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2); // "equal jitter"
  };

  const deadLetter = async (job: Job<C>, error: unknown) => {
    const letter: DeadLetter<C> = {
      consumerId: job.consumerId,
      rule: job.rule,
      event: job.event,
      error,
      attempts: job.attempts,
      failedAt: new Date().toISOString(),
    };
    dead.push(letter);
    try {
      if (options.onDeadLetter) await options.onDeadLetter(job.consumerId, job.event, error);
      else {
        logger.warn('event delivery dead-lettered', {
          consumerId: job.consumerId,
          eventId: job.event.id,
          detailType: job.event['detail-type'],
          attempts: job.attempts,
          ...errorFields(error),
        });
      }
    } catch (callbackError) {
      logger.error('onDeadLetter failed', { consumerId: job.consumerId, eventId: job.event.id, ...errorFields(callbackError) });
    }
  };

  const attempt = (job: Job<C>) => {
    if (stopped) {
      settle();
      return;
    }
    job.attempts += 1;
    const run = (async () => {
      try {
        // Each target gets its own copy, as each Lambda invocation gets its own payload.
        await options.deliver(job.consumerId, structuredClone(job.event));
        settle();
      } catch (error) {
        const tooOld = Date.now() - job.acceptedAt > DELIVERY_POLICY.maximumEventAgeSeconds * 1000;
        if (job.attempts <= DELIVERY_POLICY.retryAttempts && !tooOld && !stopped) {
          const timer = setTimeout(() => {
            timers.delete(timer);
            attempt(job);
          }, retryDelay(job.attempts));
          timers.add(timer);
        } else if (stopped) {
          settle();
        } else {
          await deadLetter(job, error);
          settle();
        }
      }
    })();
    running.add(run);
    void run.finally(() => running.delete(run));
  };

  const putEvents = (body: unknown, request: IncomingMessage): { result: { Entries: ResultEntry[]; FailedEntryCount: number }; jobs: Job<C>[] } => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new HttpError(400, 'SerializationException', 'Start of structure or map found where not expected.');
    }
    const entries = (body as { Entries?: unknown }).Entries;
    if (entries === undefined || entries === null) {
      throw new HttpError(400, 'ValidationException', "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null");
    }
    if (!Array.isArray(entries)) throw new HttpError(400, 'SerializationException', 'Expected a list for Entries.');
    if (entries.length < 1 || entries.length > MAX_ENTRIES) {
      const constraint = entries.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES}`;
      throw new HttpError(
        400,
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${constraint}`,
      );
    }
    const total = entries.reduce<number>((sum, entry) => sum + entrySize(entry), 0);
    if (total > MAX_ENTRY_BYTES) {
      throw new HttpError(400, 'ValidationException', 'Total size of the entries in the request is over the limit.');
    }

    const region = options.region ?? signedRegion(request) ?? DEFAULT_REGION;
    const results: ResultEntry[] = [];
    const jobs: Job<C>[] = [];
    for (const raw of entries) {
      const outcome = checkEntry(raw, options.busName);
      if (!outcome.ok) {
        results.push(outcome.failure);
        continue;
      }
      const checked = outcome.entry;
      if (failEntries > 0) {
        failEntries -= 1;
        results.push({ ErrorCode: 'InternalFailure', ErrorMessage: 'Internal Service Failure' });
        continue;
      }
      const event: EventBridgeEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': checked.detailType,
        source: checked.source,
        account,
        time: checked.time,
        region,
        resources: checked.resources,
        detail: checked.detail,
      };
      results.push({ EventId: event.id });
      for (const rule of rules) {
        if (matches(rule.pattern, event)) {
          jobs.push({ rule: rule.name, consumerId: rule.consumer, event, attempts: 0, acceptedAt: Date.now() });
        }
      }
    }
    const failed = results.filter((r) => r.ErrorCode !== undefined).length;
    return { result: { FailedEntryCount: failed, Entries: results }, jobs };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const reply = (status: number, payload: unknown) => {
      const text = payload === undefined ? '' : JSON.stringify(payload);
      response.writeHead(status, {
        'content-type': CONTENT_TYPE,
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': randomUUID(),
      });
      response.end(text);
    };
    try {
      const body = await readBody(request);
      if (body === undefined) {
        response.writeHead(413, { 'content-length': 0, connection: 'close' });
        response.end();
        return;
      }
      const target = request.headers['x-amz-target'];
      if (request.method !== 'POST' || (request.url ?? '/') !== '/' || typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) {
        throw new HttpError(400, 'UnknownOperationException', 'Unknown operation.');
      }
      if (target !== PUT_EVENTS) {
        throw new HttpError(400, 'UnknownOperationException', `The local EventBridge stand-in implements only PutEvents.`);
      }
      if (failWhole > 0) {
        failWhole -= 1;
        throw new HttpError(500, 'InternalException', 'Internal service error (injected).');
      }
      let parsed: unknown;
      try {
        parsed = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch {
        throw new HttpError(400, 'SerializationException', 'The request body is not valid JSON.');
      }
      const { result, jobs } = putEvents(parsed, request);
      pending += jobs.length;
      reply(200, result);
      // Deliver only after the call has been answered, as EventBridge does.
      setImmediate(() => {
        for (const job of jobs) attempt(job);
      });
    } catch (error) {
      if (error instanceof HttpError) reply(error.status, { __type: error.type, message: error.message });
      else {
        logger.error('EventBridge stand-in failed', errorFields(error));
        reply(500, { __type: 'InternalException', message: 'Internal service error.' });
      }
    }
  };

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host: LOOPBACK }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    port,
    deadLetters: () => [...dead],
    injectFailures: ({ entries = 0, whole = 0 }) => {
      failEntries += entries;
      failWhole += whole;
    },
    idle: () => (pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
    stop: async () => {
      if (!stopped) {
        stopped = true;
        for (const timer of timers) {
          clearTimeout(timer);
          settle();
        }
        timers.clear();
      }
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.allSettled([...running]);
      await closed;
    },
  };
}

/** Reads the body; `undefined` when it exceeds MAX_BODY_BYTES (the rest is discarded). */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) tooLarge = true;
    if (!tooLarge) chunks.push(chunk);
  }
  return tooLarge ? undefined : Buffer.concat(chunks);
}

/** The region of the SigV4 credential scope (`Credential=AKID/20240101/us-east-1/events/aws4_request`). */
function signedRegion(request: IncomingMessage): string | undefined {
  const match = /Credential=[^/]+\/\d{8}\/([^/]+)\/events\//.exec(request.headers.authorization ?? '');
  return match?.[1];
}

const utf8 = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);

/** EventBridge's documented entry size: Time (14 bytes if set) + Source + DetailType + Detail + Resources, in UTF-8. */
export function entrySize(entry: unknown): number {
  if (typeof entry !== 'object' || entry === null) return 0;
  const e = entry as Record<string, unknown>;
  let size = e.Time !== undefined && e.Time !== null ? 14 : 0;
  size += utf8(e.Source) + utf8(e.DetailType) + utf8(e.Detail);
  if (Array.isArray(e.Resources)) for (const resource of e.Resources) size += utf8(resource);
  return size;
}

interface AcceptedEntry {
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  resources: string[];
  time: string;
}

type EntryCheck = { ok: true; entry: AcceptedEntry } | { ok: false; failure: Required<Omit<ResultEntry, 'EventId'>> };

const fail = (ErrorCode: string, ErrorMessage: string): EntryCheck => ({ ok: false, failure: { ErrorCode, ErrorMessage } });
const invalid = (parameter: string): EntryCheck =>
  fail('InvalidArgument', `Parameter ${parameter} is not valid. Reason: ${parameter} is a required argument.`);

function checkEntry(raw: unknown, busName: string): EntryCheck {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return fail('InvalidArgument', 'Entry is not a structure.');
  }
  const entry = raw as Record<string, unknown>;
  const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
  if (!nonEmpty(entry.Source)) return invalid('Source');
  if (!nonEmpty(entry.DetailType)) return invalid('DetailType');
  if (!nonEmpty(entry.Detail)) return invalid('Detail');

  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    detail = undefined;
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    return fail('MalformedDetail', 'Detail is malformed.');
  }

  const bus = entry.EventBusName === undefined || entry.EventBusName === null || entry.EventBusName === '' ? 'default' : entry.EventBusName;
  if (typeof bus !== 'string' || busNameOf(bus) !== busName) {
    return fail('InvalidArgument', `Event bus ${typeof bus === 'string' ? busNameOf(bus) : '?'} does not exist.`);
  }

  const resources = entry.Resources ?? [];
  if (!Array.isArray(resources) || !resources.every((r): r is string => typeof r === 'string')) {
    return fail('InvalidArgument', 'Parameter Resources is not valid.');
  }

  const time = eventTime(entry.Time);
  if (time === undefined) return fail('InvalidArgument', 'Parameter Time is not valid.');

  return {
    ok: true,
    entry: { source: entry.Source, detailType: entry.DetailType, detail: detail as Record<string, unknown>, resources, time },
  };
}

/** A bus given by name or by ARN (`arn:aws:events:<region>:<account>:event-bus/<name>`). */
function busNameOf(nameOrArn: string): string {
  const marker = ':event-bus/';
  const at = nameOrArn.startsWith('arn:') ? nameOrArn.indexOf(marker) : -1;
  return at >= 0 ? nameOrArn.slice(at + marker.length) : nameOrArn;
}

/** The SDK sends Time as epoch seconds (a JSON number); EventBridge stamps `time` to the second. */
function eventTime(time: unknown): string | undefined {
  let date: Date;
  if (time === undefined || time === null) date = new Date();
  else if (typeof time === 'number') date = new Date(time * 1000);
  else if (typeof time === 'string') date = new Date(time);
  else return undefined;
  if (Number.isNaN(date.getTime())) return undefined;
  return `${date.toISOString().slice(0, 19)}Z`;
}
