/**
 * Budget 3: the reminder send sweep (issue 5: "a sweep sends what is due within 60 seconds of its
 * time: a Query on a sparse, sharded due index, never a Scan; each reminder claimed with a
 * conditional write").
 *
 * Two table sets on one DynamoDB Local, both sending through the SMS and SES stand-ins: `small`
 * holds no reminder that is scheduled but not yet due; `large` also holds a backlog of appointment
 * reminders due weeks later and the reminders sent in earlier weeks. Each measured round makes the
 * same number of reminders come due in both sets (one per opted-in patient, half SMS, half email),
 * then times one `sendDueReminders` on each, alternating which goes first, and a floor: the
 * sweep's unavoidable work done directly with the SDK — per reminder a conditional claim, the
 * send, the write that records it. Everything is seeded through the application's code
 * (insertPatient, recordConsentChange, scheduleAppointmentReminders → createReminder) with an
 * injected clock that jumps a week a round, so reminders come due without waiting and every send
 * is at 10:00–11:00 in the patients' zone (inside the send window) and under the SMS cap.
 */
import { SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../shared/clock';
import { recordConsentChange } from '../../shared/consent/record-consent-change';
import type { AppContext } from '../../shared/context';
import { RECORDS_INDEX } from '../../shared/db/tables';
import { EMAIL_REFERENCE_TAG, unsubscribeHeaders } from '../../shared/messaging/email';
import { SMS_REFERENCE_CONTEXT_KEY } from '../../shared/messaging/sms';
import { newId } from '../../shared/ids';
import { insertPatient } from '../../shared/patients/repository';
import type { Patient } from '../../shared/patients/schema';
import { REMINDER_DUE_SHARDS } from '../../shared/reminders/repository';
import { scheduleAppointmentReminders } from '../../shared/reminders/schedule-appointment-reminders';
import type { Reminder, ReminderChannel } from '../../shared/reminders/schema';
import { SWEEP_DEFAULT_BUDGET_MS, SWEEP_DEFAULT_LIMIT, sendDueReminders, type SendDueRemindersResult } from '../../shared/reminders/send-due-reminders';
import { patientTimeZone, reminderEventTime, reminderLink, senderName } from '../../shared/reminders/send-policy';
import { reminderStopUrl } from '../../shared/reminders/stop-by-link';
import { renderReminder } from '../../shared/reminders/templates';
import { TEST_USERS } from '../support/test-issuer';
import { type ReadCounter, type ReadCounts, diffCounts } from './read-counter';
import { DeadlineExceeded, type Summary, ratio, runPool, summarize, timed } from './stats';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
/** The promise: what is due goes out within this long of its time. */
export const SEND_PROMISE_MS = 60_000;
/**
 * Week 0 of the bench's clock: Monday 7 January 2030, 15:00 UTC (10:00 in New York; 11:00 after the
 * March DST change). A round is a week later than the one before, so a patient's one text a round
 * is never near the SMS cap (1 a day, 3 a week), and every send is inside the 08:00–21:00 window.
 */
const WEEK_ZERO = Date.parse('2030-01-07T15:00:00.000Z');
/** Reminders come due this long before their round's sweep. */
const DUE_LEAD_MS = 30_000;
const TIME_ZONE = 'America/New_York';
const EHR_SOURCE = 'bench-ehr';
const CASEY = { id: TEST_USERS.casey.id, name: TEST_USERS.casey.name };

/** The application clock of the reminder sets: the bench sets it; every use-case reads it through ctx.clock. */
export interface BenchClock extends Clock {
  set(ms: number): void;
}

/** A settable clock for ctx.clock, starting at `startMs` (week 0 of the reminder bench unless told otherwise). */
export function createBenchClock(startMs = WEEK_ZERO): BenchClock {
  let nowMs = startMs;
  return {
    now: () => new Date(nowMs),
    set(ms) {
      nowMs = ms;
    },
  };
}

/** What one reminder set's document client was asked, besides the reads the ReadCounter sums. */
interface CommandTally {
  /** Requests by SDK command name (GetItemCommand, QueryCommand, TransactWriteItemsCommand, …). */
  byCommand: Record<string, number>;
  /** Queries on the `due` index (the due and lease partitions) and the items they read (`ScannedCount`). */
  dueQueries: number;
  dueItemsRead: number;
}

interface CommandSpy {
  snapshot(): CommandTally;
}

function attachCommandSpy(ctx: AppContext): CommandSpy {
  const tally: CommandTally = { byCommand: {}, dueQueries: 0, dueItemsRead: 0 };
  ctx.db.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const name = context.commandName ?? 'unknown';
      tally.byCommand[name] = (tally.byCommand[name] ?? 0) + 1;
      if (name === 'QueryCommand' && (args.input as { IndexName?: string }).IndexName === RECORDS_INDEX.due) {
        tally.dueQueries++;
        tally.dueItemsRead += (result.output as { ScannedCount?: number }).ScannedCount ?? 0;
      }
      return result;
    },
    { step: 'initialize', name: 'benchCommandSpy' },
  );
  return { snapshot: () => ({ byCommand: { ...tally.byCommand }, dueQueries: tally.dueQueries, dueItemsRead: tally.dueItemsRead }) };
}

function diffTally(after: CommandTally, before: CommandTally): CommandTally {
  const byCommand: Record<string, number> = {};
  for (const [name, count] of Object.entries(after.byCommand)) {
    const n = count - (before.byCommand[name] ?? 0);
    if (n > 0) byCommand[name] = n;
  }
  return { byCommand, dueQueries: after.dueQueries - before.dueQueries, dueItemsRead: after.dueItemsRead - before.dueItemsRead };
}

export interface ReminderSetUnderTest {
  label: 'small' | 'large';
  ctx: AppContext;
  reads: ReadCounter;
}

/** Counts what a stand-in accepted (its outbox grows by one per accepted message). */
export interface OutboxCounter {
  outbox(): readonly unknown[];
}

/** One timed sweep. */
export interface SweepSample {
  ms: number;
  result: SendDueRemindersResult;
  /** Everything the sweep read (Query items read, Gets, BatchGets, Scans). */
  reads: ReadCounts;
  /** The due index alone: Queries and items read. Only what is due should be read. */
  dueIndex: { queries: number; itemsRead: number };
  /** Requests by SDK command name. */
  commands: Record<string, number>;
  /** Messages the stand-ins accepted during the sweep. */
  accepted: { sms: number; email: number };
}

export interface FloorSample {
  /** Wall-clock ms for all operations at the sweep's concurrency. */
  ms: number;
  operations: number;
  /** Per operation (claim + send + record), ms. */
  latency: Summary;
}

export interface ReminderRound {
  /** The bench clock's week of this round. */
  week: number;
  /** Which set was swept first. */
  first: 'small' | 'large';
  small: SweepSample;
  large: SweepSample;
  floor: FloorSample;
}

export interface ReminderSummary {
  /** Sweep wall-clock ms over the measured rounds. */
  small: Summary;
  large: Summary;
  /** large median / small median. */
  ratio: number;
  /** DynamoDB items read per sweep (Query items read + Gets + BatchGet items), most in any round. */
  itemsRead: { small: number; large: number };
  /** Rounds where the large set's sweep read more items than the small set's in the same round. */
  roundsReadingMore: number;
  /** ms per sent reminder: the large set's sweep (median over rounds) and the floor's (median wall ms / operations). */
  perSent: { sweep: number; floor: number; ratio: number };
  /** Reminders one sweep sends at the measured rate: within the 60 s promise and within the run's own time budget. */
  capacity: { promise: number; runBudget: number };
}

export interface ReminderBenchResult {
  /** Reminders due at each measured sweep, by channel. */
  due: { total: number; sms: number; email: number };
  rounds: ReminderRound[];
  warmupRounds: number;
  shards: number;
  /** The sweep's limits (send-due-reminders.ts): reminders per run, and the run's wall-clock budget. */
  sweepLimit: number;
  sweepBudgetMs: number;
  promiseMs: number;
  /** The large set's extra content. */
  backlog: { scheduled: number; appointments: number; patients: number; sentBefore: number };
  /** Seconds: patients, consent and backlog; then history and warm-up sweeps; then the measured rounds. */
  seconds: { seeding: number; warmup: number; rounds: number };
  summary: ReminderSummary;
  /** Scans seen on either set's client during the whole phase (seeding included). Must be 0. */
  scans: number;
}

/** Synthetic patients, the same i in every set: a mobile number, a home email, New York, one in five Spanish-speaking. */
function benchPatient(i: number, createdAt: string): Patient {
  const given = ['Alex', 'Sam', 'Jordan', 'Taylor', 'Morgan', 'Rowan', 'Quinn'][i % 7]!;
  return {
    id: newId(),
    name: { text: `${given} Bench`, given: [given], family: 'Bench' },
    // Never ends in the SMS stand-in's failure suffixes (0001 invalid, 0002 blocked).
    phones: [{ value: `+1617555${String(1000 + i).padStart(4, '0')}`, use: 'mobile' }],
    emails: [{ value: `patient${i}@example.org`, use: 'home' }],
    timeZone: TIME_ZONE,
    ...(i % 5 === 4 ? { language: 'es-US' } : {}),
    pending: false,
    version: 1,
    createdAt,
    updatedAt: createdAt,
  };
}

/**
 * `count` patients through the application's use-cases; the first `optedIn` opted in to both
 * channels (by a coordinator, in the console). The others only hold backlog reminders, which never
 * come due while the bench runs, so their consent is never read.
 */
async function seedPatients(ctx: AppContext, count: number, options: { optedIn: number; concurrency: number; deadlineMs: number }): Promise<Patient[]> {
  const createdAt = ctx.clock.now().toISOString();
  const patients = Array.from({ length: count }, (_, i) => benchPatient(i, createdAt));
  await runPool(
    count,
    options.concurrency,
    async (i) => {
      const patient = patients[i]!;
      await insertPatient(ctx, patient);
      if (i >= options.optedIn) return;
      for (const channel of ['sms', 'email'] as const) {
        await recordConsentChange(ctx, { patientId: patient.id, channel, change: 'opt-in', source: 'console', actor: CASEY });
      }
    },
    { what: 'Seeding reminder patients', deadlineMs: options.deadlineMs },
  );
  return patients;
}

const dueChannel = (i: number): ReminderChannel => (i % 2 === 0 ? 'sms' : 'email');

/**
 * Books one appointment per round patient, 24 h after `dueAt`, with its 24-hour reminder on the
 * patient's round channel: as the EHR's Appointment event does (scheduleAppointmentReminders →
 * createReminder by rule). Returns the reminders, which come due at `dueAt`.
 */
async function bookRound(ctx: AppContext, patients: readonly Patient[], week: number, options: { concurrency: number; deadlineMs: number }): Promise<Reminder[]> {
  const dueAt = WEEK_ZERO + week * WEEK - DUE_LEAD_MS;
  const reminders: Reminder[] = [];
  await runPool(
    patients.length,
    options.concurrency,
    async (i) => {
      const scheduled = await scheduleAppointmentReminders(ctx, {
        patientId: patients[i]!.id,
        appointment: { sourceId: EHR_SOURCE, reference: `Appointment/bench-w${week}-p${i}` },
        start: new Date(dueAt + 24 * HOUR).toISOString(),
        channels: [dueChannel(i)],
        offsets: [24],
      });
      if (scheduled.created !== 1) throw new Error(`Round ${week}: expected one new reminder, got ${scheduled.created}`);
      reminders.push(scheduled.reminders[0]!);
    },
    { what: `Booking round ${week}`, deadlineMs: options.deadlineMs },
  );
  return reminders;
}

/**
 * The backlog: `appointments` appointments booked weeks after the last round, each with the default
 * reminders (72 h and 24 h before, SMS and email: four reminders), spread over `patients`. All are
 * `scheduled` and on the due index, none due while the bench runs.
 */
async function seedBacklog(ctx: AppContext, patients: readonly Patient[], options: { appointments: number; afterMs: number; concurrency: number; deadlineMs: number }): Promise<number> {
  let scheduled = 0;
  await runPool(
    options.appointments,
    options.concurrency,
    async (a) => {
      const start = options.afterMs + WEEK + (a % 56) * DAY + (a % 16) * 30 * MINUTE;
      const result = await scheduleAppointmentReminders(ctx, {
        patientId: patients[a % patients.length]!.id,
        appointment: { sourceId: EHR_SOURCE, reference: `Appointment/bench-backlog-${a}` },
        start: new Date(start).toISOString(),
        channels: ['sms', 'email'],
      });
      scheduled += result.created;
    },
    { what: 'Seeding the reminder backlog', deadlineMs: options.deadlineMs },
  );
  return scheduled;
}

async function sweep(set: ReminderSetUnderTest, spy: CommandSpy, stands: { sms: OutboxCounter; ses: OutboxCounter }): Promise<SweepSample> {
  const reads = set.reads.snapshot();
  const tally = spy.snapshot();
  const outbox = { sms: stands.sms.outbox().length, email: stands.ses.outbox().length };
  const { ms, value } = await timed(() => sendDueReminders(set.ctx));
  const spied = diffTally(spy.snapshot(), tally);
  return {
    ms,
    result: value,
    reads: diffCounts(set.reads.snapshot(), reads),
    dueIndex: { queries: spied.dueQueries, itemsRead: spied.dueItemsRead },
    commands: spied.byCommand,
    accepted: { sms: stands.sms.outbox().length - outbox.sms, email: stands.ses.outbox().length - outbox.email },
  };
}

/** A sweep that is not measured (history, warm-up) must still send every reminder due, or the rounds would not be alike. */
function assertAllSent(label: string, sample: SweepSample, due: number): void {
  const r = sample.result;
  if (r.examined !== due || r.sent !== due) throw new Error(`The ${label} sweep sent ${r.sent} of ${due} due reminders (examined ${r.examined}, deferred ${r.deferred}, skipped ${r.skipped}, failed ${r.failed})`);
}

/**
 * The floor of one sweep, for these reminders: per reminder, what any sweep that never sends twice
 * must do — claim it with a conditional write (UpdateItem: scheduled → sending, version-checked,
 * moving it from the due to the lease partition of the due index), send it (SendTextMessage or
 * SendEmail to the stand-in, the same rendered message the sweep sends), then record it
 * (UpdateItem: sent, with the provider's id, off the index). On copies of the round's reminders
 * under keys no sweep reads, put before the clock starts; at the sweep's concurrency (one per shard).
 */
async function floor(ctx: AppContext, reminders: readonly Reminder[], patients: ReadonlyMap<string, Patient>, options: { round: number; concurrency: number; deadlineMs: number }): Promise<FloorSample> {
  const table = ctx.config.tables.records;
  const organization = senderName(ctx.config.messaging);
  const prepared = reminders.map((r, i) => {
    const patient = patients.get(r.patientId)!;
    const message = renderReminder({
      templateId: r.templateId,
      language: r.language,
      firstName: patient.name?.given[0] ?? '',
      organization,
      at: reminderEventTime(r).toISOString(),
      timeZone: patientTimeZone(patient),
      link: reminderLink(ctx.config.publicUrl, r.id),
    });
    const shard = i % REMINDER_DUE_SHARDS;
    const item = { ...r, pk: `BENCHFLOOR#${options.round}#${r.id}`, sk: 'A', entity: 'bench-floor', duePk: `BENCHFLOOR#due#${shard}`, dueSk: `${r.sendAt}#${r.id}` };
    return { r, patient, message, shard, item };
  });
  await runPool(prepared.length, 16, async (i) => void (await ctx.db.send(new PutCommand({ TableName: table, Item: prepared[i]!.item }))), {
    what: 'Preparing the floor',
    deadlineMs: options.deadlineMs,
  });
  const latencies: number[] = [];
  const { ms } = await timed(() =>
    runPool(
      prepared.length,
      options.concurrency,
      async (i) => {
        const { r, patient, message, shard, item } = prepared[i]!;
        const key = { pk: item.pk, sk: item.sk };
        const at = new Date().toISOString();
        const op = await timed(async () => {
          await ctx.db.send(
            new UpdateCommand({
              TableName: table,
              Key: key,
              UpdateExpression: 'SET #status = :sending, sendingAt = :at, #version = :next, duePk = :lease, dueSk = :leaseSk, updatedAt = :at',
              ConditionExpression: '#version = :expected AND #status = :scheduled',
              ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
              ExpressionAttributeValues: { ':sending': 'sending', ':scheduled': 'scheduled', ':at': at, ':expected': r.version, ':next': r.version + 1, ':lease': `BENCHFLOOR#lease#${shard}`, ':leaseSk': `${at}#${r.id}` },
            }),
          );
          const sent =
            r.channel === 'sms'
              ? await ctx.sms.send(
                  new SendTextMessageCommand({
                    DestinationPhoneNumber: patient.phones[0]!.value,
                    MessageBody: message.sms,
                    MessageType: 'TRANSACTIONAL',
                    Context: { [SMS_REFERENCE_CONTEXT_KEY]: r.id },
                  }),
                )
              : await ctx.email.send(
                  new SendEmailCommand({
                    FromEmailAddress: ctx.config.messaging.emailFrom!,
                    Destination: { ToAddresses: [patient.emails[0]!.value] },
                    Content: {
                      Simple: {
                        Subject: { Data: message.email.subject, Charset: 'UTF-8' },
                        Body: { Text: { Data: message.email.text, Charset: 'UTF-8' }, Html: { Data: message.email.html, Charset: 'UTF-8' } },
                        Headers: unsubscribeHeaders(reminderStopUrl(ctx.config.publicUrl, r.id)),
                      },
                    },
                    EmailTags: [{ Name: EMAIL_REFERENCE_TAG, Value: r.id }],
                  }),
                );
          await ctx.db.send(
            new UpdateCommand({
              TableName: table,
              Key: key,
              UpdateExpression: 'SET #status = :sent, providerMessageId = :id, #version = :next, updatedAt = :at REMOVE duePk, dueSk, sendingAt',
              ConditionExpression: '#version = :expected',
              ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
              ExpressionAttributeValues: { ':sent': 'sent', ':id': sent.MessageId!, ':at': at, ':expected': r.version + 1, ':next': r.version + 2 },
            }),
          );
        });
        latencies.push(op.ms);
      },
      { what: 'The reminder floor', deadlineMs: options.deadlineMs },
    ),
  );
  return { ms, operations: latencies.length, latency: summarize(latencies) };
}

const median = (xs: readonly number[]) => summarize(xs).p50;

/** Items DynamoDB read for a sweep: Query items read (`ScannedCount`), one per Get, BatchGet items. */
export function sweepItemsRead(c: ReadCounts): number {
  return c.queryItemsRead + c.gets + c.batchGetItems;
}

/**
 * The figures the budgets judge, from the measured rounds: sweep time on both sets and their
 * ratio; the most items any sweep read in each set and the rounds in which the large set read more;
 * the time per sent reminder (large set, the realistic table) against the floor's time per
 * reminder; and how many reminders one sweep sends at that rate within the 60 s promise and
 * within the run's own budget.
 */
export function summarizeReminderRounds(rounds: readonly ReminderRound[], limits: { promiseMs: number; sweepBudgetMs: number }): ReminderSummary {
  if (rounds.length === 0) throw new Error('No measured reminder round');
  const small = summarize(rounds.map((r) => r.small.ms));
  const large = summarize(rounds.map((r) => r.large.ms));
  const sweepPerSent = median(rounds.map((r) => r.large.ms / Math.max(1, r.large.result.sent)));
  const floorPerOp = median(rounds.map((r) => r.floor.ms / Math.max(1, r.floor.operations)));
  const round3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    small,
    large,
    ratio: ratio(large.p50, small.p50),
    itemsRead: { small: Math.max(...rounds.map((r) => sweepItemsRead(r.small.reads))), large: Math.max(...rounds.map((r) => sweepItemsRead(r.large.reads))) },
    roundsReadingMore: rounds.filter((r) => sweepItemsRead(r.large.reads) > sweepItemsRead(r.small.reads)).length,
    perSent: { sweep: round3(sweepPerSent), floor: round3(floorPerOp), ratio: ratio(sweepPerSent, floorPerOp) },
    capacity: { promise: Math.floor(limits.promiseMs / sweepPerSent), runBudget: Math.floor(limits.sweepBudgetMs / sweepPerSent) },
  };
}

/**
 * Seeds both sets, runs the history (large set only) and warm-up rounds, then `rounds` measured
 * rounds: book `due` reminders in both sets, move the clock to their due time, time the floor and
 * one sweep per set (alternating which goes first). Every pool and the whole phase are bounded.
 */
export async function runReminderBench(options: {
  small: ReminderSetUnderTest;
  large: ReminderSetUnderTest;
  clock: BenchClock;
  sms: OutboxCounter;
  ses: OutboxCounter;
  due: number;
  rounds: number;
  warmupRounds: number;
  /** Weeks of sends before the warm-up, in the large set only: its already-sent history. */
  historyRounds: number;
  backlogAppointments: number;
  /** Patients the backlog is spread over (the round patients among them). */
  backlogPatients: number;
  concurrency: number;
  deadlineMs: number;
  onStep?: (label: string) => void;
}): Promise<ReminderBenchResult> {
  const started = Date.now();
  const deadline = started + options.deadlineMs;
  const left = () => {
    const ms = deadline - Date.now();
    if (ms <= 0) throw new DeadlineExceeded('The reminder bench', options.deadlineMs);
    return ms;
  };
  const pool = () => ({ concurrency: options.concurrency, deadlineMs: left() });
  const step = options.onStep ?? (() => undefined);
  const stands = { sms: options.sms, ses: options.ses };
  const spies = { small: attachCommandSpy(options.small.ctx), large: attachCommandSpy(options.large.ctx) };
  const scansBefore = options.small.reads.totals.scans + options.large.reads.totals.scans;
  const weekStart = (week: number) => WEEK_ZERO + week * WEEK;
  const firstWeek = 0;
  const warmupWeek = firstWeek + options.historyRounds;
  const measuredWeek = warmupWeek + options.warmupRounds;
  const lastWeek = measuredWeek + options.rounds - 1;

  step(`Seeding: ${options.due} opted-in patients a set; the large set's backlog, ${options.backlogAppointments.toLocaleString('en-US')} appointments × 4 reminders`);
  options.clock.set(weekStart(firstWeek) - DAY);
  const smallPatients = await seedPatients(options.small.ctx, options.due, { optedIn: options.due, ...pool() });
  const largePatients = await seedPatients(options.large.ctx, Math.max(options.due, options.backlogPatients), { optedIn: options.due, ...pool() });
  const backlog = await seedBacklog(options.large.ctx, largePatients, { appointments: options.backlogAppointments, afterMs: weekStart(lastWeek), ...pool() });
  const seeded = Date.now();

  const sets = { small: { set: options.small, patients: smallPatients.slice(0, options.due) }, large: { set: options.large, patients: largePatients.slice(0, options.due) } };
  const patientsById = new Map(sets.large.patients.map((p) => [p.id, p]));
  const book = async (label: 'small' | 'large', week: number) => {
    options.clock.set(weekStart(week) - 2 * DUE_LEAD_MS);
    return bookRound(sets[label].set.ctx, sets[label].patients, week, pool());
  };
  /** Books the week's reminders in both sets, moves the clock to their due time, runs the floor and one sweep per set. */
  const playRound = async (week: number, first: 'small' | 'large'): Promise<ReminderRound> => {
    await book('small', week);
    const largeReminders = await book('large', week);
    options.clock.set(weekStart(week));
    const floorSample = await floor(options.large.ctx, largeReminders, patientsById, { round: week, concurrency: REMINDER_DUE_SHARDS, deadlineMs: left() });
    const second = first === 'small' ? 'large' : 'small';
    const samples = {} as Record<'small' | 'large', SweepSample>;
    samples[first] = await sweep(sets[first].set, spies[first], stands);
    samples[second] = await sweep(sets[second].set, spies[second], stands);
    return { week, first, small: samples.small, large: samples.large, floor: floorSample };
  };

  step(`History and warm-up: ${options.historyRounds} sweeps of ${options.due} in the large set, then ${options.warmupRounds} unmeasured round(s)`);
  for (let week = firstWeek; week < warmupWeek; week++) {
    await book('large', week);
    options.clock.set(weekStart(week));
    assertAllSent(`large week-${week}`, await sweep(sets.large.set, spies.large, stands), options.due);
  }
  for (let week = warmupWeek; week < measuredWeek; week++) {
    const warm = await playRound(week, week % 2 === 0 ? 'small' : 'large');
    assertAllSent(`small week-${week}`, warm.small, options.due);
    assertAllSent(`large week-${week}`, warm.large, options.due);
  }
  const warmed = Date.now();

  step(`${options.rounds} rounds: ${options.due} due in each set, the floor, then one sweep per set`);
  const rounds: ReminderRound[] = [];
  for (let n = 0; n < options.rounds; n++) {
    left();
    rounds.push(await playRound(measuredWeek + n, n % 2 === 0 ? 'small' : 'large'));
  }
  const finished = Date.now();
  const seconds = (ms: number) => Math.round(ms / 100) / 10;
  const sms = Array.from({ length: options.due }, (_, i) => dueChannel(i)).filter((c) => c === 'sms').length;
  return {
    due: { total: options.due, sms, email: options.due - sms },
    rounds,
    warmupRounds: options.warmupRounds,
    shards: REMINDER_DUE_SHARDS,
    sweepLimit: SWEEP_DEFAULT_LIMIT,
    sweepBudgetMs: SWEEP_DEFAULT_BUDGET_MS,
    promiseMs: SEND_PROMISE_MS,
    backlog: { scheduled: backlog, appointments: options.backlogAppointments, patients: largePatients.length, sentBefore: options.historyRounds * options.due },
    seconds: { seeding: seconds(seeded - started), warmup: seconds(warmed - seeded), rounds: seconds(finished - warmed) },
    summary: summarizeReminderRounds(rounds, { promiseMs: SEND_PROMISE_MS, sweepBudgetMs: SWEEP_DEFAULT_BUDGET_MS }),
    scans: options.small.reads.totals.scans + options.large.reads.totals.scans - scansBefore,
  };
}
