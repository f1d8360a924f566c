/**
 * `npm run bench`: the budgets of ARCHITECTURE.md §8 that can be measured on a laptop, as ratios
 * within one run (docs/decisions/050-bench.md):
 *
 *   1. a queue page costs the same on a small and a 10× larger table (and reads a bounded number
 *      of items, never Scans);
 *   2. webhook ingest latency under autocannon load, against the floor of its own storage writes;
 *   3. the reminder sweep costs the same with a backlog of reminders not yet due (a sparse due
 *      index, never a Scan), and sends its whole cap a run well within the 60 s promise, against the
 *      floor of its own claim, send and record.
 *
 * One DynamoDB Local in memory, the EventBridge, SMS and SES stand-ins, /api and /webhooks on
 * 127.0.0.1, all stopped before exit. Prints a report, writes test/bench/results/latest.json, and exits 0 when
 * every budget is met, 1 when one is exceeded, 2 when the bench could not run.
 * Not part of jest or CI: run it by hand on a quiet machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../infra/local/dynamodb';
import { type EventBridgeStandIn, startEventBridgeStandIn } from '../../infra/local/eventbridge-standin';
import { stopAll } from '../../infra/local/processes';
import { startTestIssuer, TEST_USERS, type TestIssuer } from '../support/test-issuer';
import { type SecretsManagerStandIn, startSecretsManagerStandIn } from '../../infra/local/secretsmanager-standin';
import { type SesStandIn, startSesStandIn } from '../../infra/local/ses-standin';
import { type SmsStandIn, startSmsStandIn } from '../../infra/local/sms-standin';
import { registerWebhookSource } from '../../shared/webhooks/register-webhook-source';
import { ENV } from '../../shared/config/env-names';
import { logger } from '../../shared/logger';
import { clearWebhookSourceCache } from '../../shared/webhooks/sources';
import { runIngestBench } from './ingest-bench';
import { PAGE_LIMIT, runQueueBench } from './queue-bench';
import { attachReadCounter } from './read-counter';
import { createBenchClock, runReminderBench } from './reminder-bench';
import { type BenchResults, formatReport, verdicts } from './report';
import { seedReferrals } from './seed';
import { type BenchServer, startBenchServer } from './server';
import { type BenchTableSet, createBenchTableSet, useLocalAwsEnvironment } from './stack';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS_FILE = path.join(HERE, 'results', 'latest.json');

/** Sizes and counts: every load is bounded in count, and every phase in time. */
const PLAN = {
  small: 1_000,
  large: 10_000,
  /** One patient per this many referrals (a queue page BatchGets its patients). */
  referralsPerPatient: 4,
  seedConcurrency: 16,
  seedDeadlineMs: 150_000,
  queueSamples: 40,
  queueWarmup: 5,
  queueDeadlineMs: 90_000,
  ingestRequests: 2_000,
  ingestConnections: 8,
  ingestSequential: 300,
  ingestWarmup: 200,
  ingestRunLimitMs: 60_000,
  /** Reminders due at each measured sweep (one per patient, half SMS, half email). */
  reminderDue: 100,
  reminderRounds: 6,
  reminderWarmupRounds: 1,
  /** Weeks of sends in the large reminder set before the warm-up: its already-sent history. */
  reminderHistoryRounds: 2,
  /** Appointments booked weeks ahead in the large reminder set, four reminders each (72 h and 24 h, SMS and email). */
  reminderBacklogAppointments: 1_250,
  /** Patients the backlog is spread over (the 100 opted-in round patients among them). */
  reminderBacklogPatients: 250,
  reminderDeadlineMs: 240_000,
  /** Outbox entries the messaging stand-ins keep: every message the bench sends, so each sweep's can be counted. */
  outboxEntries: 20_000,
  /** The whole bench; past it everything is stopped and the run fails. */
  watchdogMs: 9 * 60_000,
} as const;

const BUS = 'sidecar-bench';
const SOURCE_ID = 'bench-ehr';

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const started = Date.now();
  useLocalAwsEnvironment();
  // Per-request info logs would flood the report (and the terminal would time them): warnings only,
  // unless the caller chose a level.
  if (!process.env[ENV.logLevel]) logger.setLogLevel('WARN');

  let dynamo: DynamoDbLocal | undefined;
  let bus: EventBridgeStandIn | undefined;
  let server: BenchServer | undefined;
  let issuer: TestIssuer | undefined;
  let secretsManager: SecretsManagerStandIn | undefined;
  let sms: SmsStandIn | undefined;
  let ses: SesStandIn | undefined;
  const sets: BenchTableSet[] = [];
  try {
    say('Starting DynamoDB Local (in memory) and the EventBridge, SMS and SES stand-ins…');
    dynamo = await startDynamoDbLocal({});
    issuer = await startTestIssuer();
    secretsManager = await startSecretsManagerStandIn();
    const delivered = new Set<string>();
    // Consumers are not measured: delivery only records that the event reached the bus.
    bus = await startEventBridgeStandIn({
      busName: BUS,
      deliver: async (_consumer, event) => {
        delivered.add(String(event.detail.inboxId));
      },
    });
    // No configuration sets: delivery events are not measured, so the stand-ins schedule none.
    sms = await startSmsStandIn({ maxEntries: PLAN.outboxEntries });
    ses = await startSesStandIn({ maxEntries: PLAN.outboxEntries });
    const tableSet = async (label: string, extra: Pick<Parameters<typeof createBenchTableSet>[0], 'messaging' | 'clock'> = {}) => {
      const set = await createBenchTableSet({
        label,
        dynamoDbEndpoint: dynamo!.endpoint,
        eventBridgeEndpoint: bus!.endpoint,
        busName: BUS,
        issuer: issuer!.issuer,
        secretsManagerEndpoint: secretsManager!.endpoint,
        ...extra,
      });
      sets.push(set);
      return set;
    };
    const phases: Record<string, number> = {};
    let phaseStart = Date.now();
    const endPhase = (name: string) => {
      phases[name] = Math.round((Date.now() - phaseStart) / 100) / 10;
      phaseStart = Date.now();
    };
    const smallSet = await tableSet('small');
    const largeSet = await tableSet('large');
    const ingestSet = await tableSet('ingest');
    // Both reminder sets share one clock: the bench moves it a week a round.
    const clock = createBenchClock();
    const messaging = { smsEndpoint: sms.endpoint, sesEndpoint: ses.endpoint, emailFrom: 'Riverside Care <reminders@example.org>', organizationName: 'Riverside Care' };
    const reminderSmallSet = await tableSet('reminders-small', { messaging, clock });
    const reminderLargeSet = await tableSet('reminders-large', { messaging, clock });

    endPhase('setup');
    const now = Date.now();
    const seed = async (set: BenchTableSet, referrals: number) => {
      say(`Seeding the ${set.label} set: ${referrals.toLocaleString('en-US')} referrals…`);
      return seedReferrals(set.ctx, {
        // The same recent work in both sets; the large one adds older, closed referrals.
        recent: PLAN.small,
        history: referrals - PLAN.small,
        patients: Math.ceil(referrals / PLAN.referralsPerPatient),
        seed: 20_240_501,
        concurrency: PLAN.seedConcurrency,
        deadlineMs: PLAN.seedDeadlineMs,
        now,
        onProgress: (done) => say(`  ${done.toLocaleString('en-US')} referrals`),
      });
    };
    const seeding = { small: await seed(smallSet, PLAN.small), large: await seed(largeSet, PLAN.large) };
    endPhase('seeding');

    // Counters go on after seeding: they see exactly the reads of the measured requests.
    const small = { label: 'small' as const, ctx: smallSet.ctx, reads: attachReadCounter(smallSet.ctx.db) };
    const large = { label: 'large' as const, ctx: largeSet.ctx, reads: attachReadCounter(largeSet.ctx.db) };
    const ingestReads = attachReadCounter(ingestSet.ctx.db);
    say(`Timing queue pages (${PLAN.queueSamples} per case, page and set)…`);
    const cases = await runQueueBench({
      small,
      large,
      samples: PLAN.queueSamples,
      warmup: PLAN.queueWarmup,
      deadlineMs: PLAN.queueDeadlineMs,
      onCase: (label) => say(`  ${label}`),
    });
    endPhase('queue');

    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    clearWebhookSourceCache();
    await registerWebhookSource(ingestSet.ctx, { id: SOURCE_ID, name: 'Bench EHR', secret });
    server = await startBenchServer(ingestSet.ctx);
    // The API is mounted as under `npm start`: check it answers a signed-in coordinator.
    const probe = await fetch(`${server.url}/api/queue?limit=1`, {
      headers: { authorization: `Bearer ${await issuer.tokenFor(TEST_USERS.casey)}` },
      signal: AbortSignal.timeout(10_000),
    });
    if (probe.status !== 200) throw new Error(`GET /api/queue answered ${probe.status} on the bench server`);
    await probe.arrayBuffer();

    say(`Loading the webhook endpoint at ${server.url} with autocannon…`);
    const ingest = await runIngestBench({
      ctx: ingestSet.ctx,
      serverUrl: server.url,
      sourceId: SOURCE_ID,
      secret,
      requests: PLAN.ingestRequests,
      connections: PLAN.ingestConnections,
      sequentialRequests: PLAN.ingestSequential,
      warmupRequests: PLAN.ingestWarmup,
      timeLimitMs: PLAN.ingestRunLimitMs,
      settle: () => bus!.idle(),
      eventsDelivered: () => delivered.size,
      onStep: (label) => say(`  ${label}`),
    });
    endPhase('ingest');

    say(`Reminder sweep: ${PLAN.reminderRounds} rounds of ${PLAN.reminderDue} due, without and with a backlog of ${(PLAN.reminderBacklogAppointments * 4).toLocaleString('en-US')}…`);
    const reminders = await runReminderBench({
      small: { label: 'small', ctx: reminderSmallSet.ctx, reads: attachReadCounter(reminderSmallSet.ctx.db) },
      large: { label: 'large', ctx: reminderLargeSet.ctx, reads: attachReadCounter(reminderLargeSet.ctx.db) },
      clock,
      sms,
      ses,
      due: PLAN.reminderDue,
      rounds: PLAN.reminderRounds,
      warmupRounds: PLAN.reminderWarmupRounds,
      historyRounds: PLAN.reminderHistoryRounds,
      backlogAppointments: PLAN.reminderBacklogAppointments,
      backlogPatients: PLAN.reminderBacklogPatients,
      concurrency: PLAN.seedConcurrency,
      deadlineMs: PLAN.reminderDeadlineMs,
      onStep: (label) => say(`  ${label}`),
    });
    endPhase('reminders');

    const queue = {
      sizes: { small: PLAN.small, large: PLAN.large },
      pageLimit: PAGE_LIMIT,
      samplesPerPage: PLAN.queueSamples,
      seeding,
      cases,
      scans: small.reads.totals.scans + large.reads.totals.scans + ingestReads.totals.scans,
    };
    const checks = verdicts(queue, ingest, reminders);
    const results: BenchResults = {
      generatedAt: new Date().toISOString(),
      environment: { node: process.version, platform: `${process.platform} ${process.arch}`, cpus: os.availableParallelism(), dynamoDb: 'DynamoDB Local (in memory)' },
      seconds: Math.round((Date.now() - started) / 1000),
      phases,
      queue,
      ingest: { ...ingest, connections: PLAN.ingestConnections },
      reminders,
      verdicts: checks,
      pass: checks.every((v) => v.pass),
    };
    mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    say(formatReport(results));
    return results.pass ? 0 : 1;
  } catch (error) {
    process.stderr.write(`\nThe bench could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 2;
  } finally {
    await server?.close().catch(() => undefined);
    await bus?.stop().catch(() => undefined);
    await issuer?.close().catch(() => undefined);
    await secretsManager?.stop().catch(() => undefined);
    await sms?.stop().catch(() => undefined);
    await ses?.stop().catch(() => undefined);
    for (const set of sets) set.close();
    await dynamo?.stop().catch(() => undefined);
    await stopAll();
  }
}

const watchdog = setTimeout(() => {
  process.stderr.write(`\nThe bench ran past ${PLAN.watchdogMs / 60_000} minutes; stopping.\n`);
  void stopAll().finally(() => process.exit(2));
}, PLAN.watchdogMs);
watchdog.unref();

main().then((code) => process.exit(code));
