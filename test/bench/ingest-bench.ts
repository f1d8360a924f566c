/**
 * Budget 2: webhook ingest latency against the floor of its own storage writes, in the same run.
 *
 * Ingest: POST /webhooks/ehr/:source on the real webhooks app over HTTP, driven by autocannon,
 * every request a unique webhook-id with a valid Standard Webhooks signature and a FHIR
 * ServiceRequest body. Per request the app reads the source (cached), verifies the signature,
 * parses and validates the FHIR resource, writes the inbox row (conditional PutItem), calls
 * PutEvents on the EventBridge stand-in, and records the publication (UpdateItem).
 *
 * Floor: the same two writes — a conditional PutItem of an inbox item of the same shape and size
 * (same payload), then the same UpdateItem as `recordPublished` — sent directly with the SDK on
 * the same document client, at the same concurrency. What ingest adds on top is its own work.
 */
import { randomBytes } from 'node:crypto';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import autocannon from 'autocannon';
import { Webhook } from 'standardwebhooks';
import type { AppContext } from '../../shared/context';
import { externalKey, shardOf } from '../../shared/ids';
import { parseInbound } from '../../shared/fhir/parse-inbound';
import { INBOX_SHARDS, recentPk } from '../../shared/inbox/repository';
import { verifyWebhookSignature } from '../../shared/webhooks/verify-signature';
import { serviceRequest } from '../fixtures/fhir/builders';
import { type Summary, ratio, runPool, summarize, timed } from './stats';

export interface LoadRun {
  connections: number;
  /** Requests (or floor operations) asked for. */
  planned: number;
  completed: number;
  /** Milliseconds per request (ingest: as autocannon's client saw it; floor: PutItem + UpdateItem). */
  ms: Summary;
  /** Requests (or operations) per second over the run. */
  throughput: number;
  seconds: number;
  /** False when the hard time limit stopped the run first. */
  finished: boolean;
}

export interface IngestRun extends LoadRun {
  statusCodes: Record<string, number>;
  non2xx: number;
  /** Responses other than 202 Accepted (the only right answer to a new, valid delivery). */
  not202: number;
  errors: number;
  timeouts: number;
}

/** Median milliseconds of ingest's own steps, each measured alone, one at a time. */
export interface IngestSteps {
  samples: number;
  signature: number;
  /** JSON.parse + parseInbound (FHIR R4 validation with @medplum/core). */
  fhir: number;
  /** One PutEvents round trip to the stand-in (an entry no rule matches, so nothing is delivered). */
  putEvents: number;
}

export interface IngestResult {
  bodyBytes: number;
  /** Where the time over the floor goes, at 1 connection. */
  steps: IngestSteps;
  sequential: { ingest: IngestRun; floor: LoadRun; ratio: number };
  concurrent: { ingest: IngestRun; floor: LoadRun; ratio: number };
  /** Distinct accepted deliveries whose event reached the stand-in's consumer delivery. */
  eventsDelivered: number;
  /** 202s returned during the measured runs and the warm-up. */
  accepted: number;
}

function bodyFor(runId: string, label: string, i: number, at: Date): string {
  return JSON.stringify(serviceRequest(`sr-${runId}-${label}-${i}`, `pat-${i % 500}`, at.toISOString()));
}

/** One autocannon run: `amount` signed requests on `connections` connections, stopped at `timeLimitMs`. */
function cannon(options: {
  url: string;
  path: string;
  secret: string;
  runId: string;
  label: string;
  amount: number;
  connections: number;
  timeLimitMs: number;
}): Promise<IngestRun> {
  const signer = new Webhook(options.secret);
  let n = 0;
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  return new Promise((resolve, reject) => {
    let stoppedByLimit = false;
    const started = Date.now();
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        amount: options.amount,
        timeout: 10,
        requests: [
          {
            method: 'POST',
            path: options.path,
            // Signed per request, exactly as an EHR using the standardwebhooks library does.
            setupRequest: (request) => {
              const i = n++;
              const id = `msg_${options.runId}_${options.label}_${i}`;
              const at = new Date();
              const body = bodyFor(options.runId, options.label, i, at);
              return {
                ...request,
                method: 'POST',
                path: options.path,
                headers: {
                  'content-type': 'application/fhir+json',
                  'webhook-id': id,
                  'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
                  'webhook-signature': signer.sign(id, at, body),
                },
                body,
              };
            },
          },
        ],
      },
      (error, result) => {
        clearTimeout(limit);
        if (error) {
          reject(error);
          return;
        }
        const seconds = (Date.now() - started) / 1000;
        resolve({
          connections: options.connections,
          planned: options.amount,
          completed: latencies.length,
          ms: summarize(latencies),
          throughput: Math.round(latencies.length / seconds),
          seconds: Math.round(seconds * 100) / 100,
          finished: !stoppedByLimit,
          statusCodes,
          non2xx: result.non2xx,
          not202: latencies.length - (statusCodes['202'] ?? 0),
          errors: result.errors,
          timeouts: result.timeouts,
        });
      },
    );
    // autocannon's own histogram keeps whole milliseconds; this keeps the exact response times.
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
      statusCodes[String(statusCode)] = (statusCodes[String(statusCode)] ?? 0) + 1;
    });
    const limit = setTimeout(() => {
      stoppedByLimit = true;
      instance.stop();
    }, options.timeLimitMs);
  });
}

/** The floor: PutItem (conditional) + UpdateItem per operation, as ingest writes them. */
async function floor(ctx: AppContext, options: { runId: string; label: string; count: number; concurrency: number; timeLimitMs: number }): Promise<LoadRun> {
  const table = ctx.config.tables.inbox;
  const latencies: number[] = [];
  const started = Date.now();
  let finished = true;
  try {
    await runPool(
      options.count,
      options.concurrency,
      async (i) => {
        // Built before the clock starts: only the storage round trips are the floor.
        const at = new Date();
        const webhookId = `floor_${options.runId}_${options.label}_${i}`;
        const id = externalKey('bench-floor', `webhook:${webhookId}`);
        const receivedAt = at.toISOString();
        const shard = shardOf(id, INBOX_SHARDS);
        const resourceId = `sr-${options.runId}-${options.label}-${i}`;
        const item = {
          pk: `IN#${id}`,
          id,
          sourceId: 'bench-floor',
          webhookId,
          receivedAt,
          kind: 'resource',
          status: 'pending',
          entries: [{ resourceType: 'ServiceRequest', resourceId, versionId: '1', lastUpdated: receivedAt, interaction: 'update', content: 'full-resource' }],
          published: {},
          consumers: {},
          attempts: {},
          ignoredEntries: 0,
          publishAttempts: 0,
          payload: bodyFor(options.runId, options.label, i, at),
          pendingPk: `PENDING#${shard}`,
          pendingSk: `${receivedAt}#${id}`,
          recentPk: recentPk(receivedAt.slice(0, 10), shard),
          recentSk: `${receivedAt}#${id}`,
          expiresAt: Math.floor(at.getTime() / 1000) + ctx.config.inboxRetentionDays * 86_400,
        };
        const { ms } = await timed(async () => {
          await ctx.db.send(new PutCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
          await ctx.db.send(
            new UpdateCommand({
              TableName: table,
              Key: { pk: item.pk },
              UpdateExpression: 'SET #attempts = if_not_exists(#attempts, :zero) + :one, #published.#e0 = :e0, #status = :published REMOVE pendingPk, pendingSk, lastPublishError',
              ExpressionAttributeNames: { '#attempts': 'publishAttempts', '#published': 'published', '#e0': '0', '#status': 'status' },
              ExpressionAttributeValues: { ':one': 1, ':zero': 0, ':e0': randomBytes(16).toString('hex'), ':published': 'published' },
              ConditionExpression: 'attribute_exists(pk)',
              ReturnValues: 'ALL_NEW',
            }),
          );
        });
        latencies.push(ms);
      },
      { what: `The ${options.label} floor`, deadlineMs: options.timeLimitMs },
    );
  } catch (error) {
    if (!(error instanceof Error && error.name === 'DeadlineExceeded')) throw error;
    finished = false;
  }
  const seconds = (Date.now() - started) / 1000;
  return {
    connections: options.concurrency,
    planned: options.count,
    completed: latencies.length,
    ms: summarize(latencies),
    throughput: Math.round(latencies.length / seconds),
    seconds: Math.round(seconds * 100) / 100,
    finished,
  };
}

/** Ingest's work beside the floor, step by step, with the same inputs as a real delivery. */
async function steps(ctx: AppContext, options: { runId: string; secret: string; samples: number }): Promise<IngestSteps> {
  const signer = new Webhook(options.secret);
  const signature: number[] = [];
  const fhir: number[] = [];
  const putEvents: number[] = [];
  for (let i = 0; i < options.samples; i++) {
    const at = new Date();
    const id = `msg_${options.runId}_steps_${i}`;
    const text = bodyFor(options.runId, 'steps', i, at);
    const body = new Uint8Array(Buffer.from(text));
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signer.sign(id, at, text) };
    signature.push((await timed(async () => verifyWebhookSignature({ body, headers, secrets: [options.secret] }))).ms);
    fhir.push((await timed(async () => parseInbound(JSON.parse(Buffer.from(body).toString('utf8'))))).ms);
    const entry = { EventBusName: ctx.config.eventBusName, Source: 'sidecar.bench', DetailType: 'Bench.unrouted', Detail: JSON.stringify({ inboxId: id, entry: 0 }), Time: at };
    const put = await timed(() => ctx.events.send(new PutEventsCommand({ Entries: [entry] })));
    if (put.value.FailedEntryCount) throw new Error(`The stand-in refused a bench entry: ${put.value.Entries?.[0]?.ErrorCode ?? '?'}`);
    putEvents.push(put.ms);
  }
  return { samples: options.samples, signature: summarize(signature).p50, fhir: summarize(fhir).p50, putEvents: summarize(putEvents).p50 };
}

export async function runIngestBench(options: {
  ctx: AppContext;
  serverUrl: string;
  sourceId: string;
  secret: string;
  requests: number;
  connections: number;
  sequentialRequests: number;
  warmupRequests: number;
  /** Hard limit of each load run. */
  timeLimitMs: number;
  /** Resolves once the stand-in has delivered everything accepted so far. */
  settle: () => Promise<void>;
  eventsDelivered: () => number;
  onStep?: (label: string) => void;
}): Promise<IngestResult> {
  const runId = randomBytes(4).toString('hex');
  const path = `/webhooks/ehr/${options.sourceId}`;
  const common = { url: options.serverUrl, path, secret: options.secret, runId, timeLimitMs: options.timeLimitMs };
  const step = options.onStep ?? (() => undefined);

  // Warm-up: FHIR structure definitions load on the first validation, JITs and sockets warm up.
  step(`warm-up (${options.warmupRequests} requests, ${options.warmupRequests} floor operations)`);
  const warm = await cannon({ ...common, label: 'warm', amount: options.warmupRequests, connections: options.connections });
  await floor(options.ctx, { runId, label: 'warm', count: options.warmupRequests, concurrency: options.connections, timeLimitMs: options.timeLimitMs });

  step(`ingest's own steps alone ×${options.sequentialRequests}`);
  const own = await steps(options.ctx, { runId, secret: options.secret, samples: options.sequentialRequests });

  step(`1 connection: floor ×${options.sequentialRequests}, then ingest ×${options.sequentialRequests}`);
  const floor1 = await floor(options.ctx, { runId, label: 'seq', count: options.sequentialRequests, concurrency: 1, timeLimitMs: options.timeLimitMs });
  const ingest1 = await cannon({ ...common, label: 'seq', amount: options.sequentialRequests, connections: 1 });

  step(`${options.connections} connections: floor ×${options.requests}, then ingest ×${options.requests}`);
  const floorN = await floor(options.ctx, { runId, label: 'conc', count: options.requests, concurrency: options.connections, timeLimitMs: options.timeLimitMs });
  const ingestN = await cannon({ ...common, label: 'conc', amount: options.requests, connections: options.connections });

  await options.settle();
  return {
    bodyBytes: Buffer.byteLength(bodyFor(runId, 'conc', 0, new Date())),
    steps: own,
    sequential: { ingest: ingest1, floor: floor1, ratio: ratio(ingest1.ms.p50, floor1.ms.p50) },
    concurrent: { ingest: ingestN, floor: floorN, ratio: ratio(ingestN.ms.p50, floorN.ms.p50) },
    eventsDelivered: options.eventsDelivered(),
    accepted: [warm, ingest1, ingestN].reduce((sum, run) => sum + (run.statusCodes['202'] ?? 0), 0),
  };
}
