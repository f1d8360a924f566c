/**
 * Seeds a table set with synthetic referrals shaped like real ones. Every stored item — referral,
 * its index keys, timeline entries, queue counters, patients — is written by the application's own
 * repository code (`insertPatient`, `insertReferral`), and every referral's state is reached by
 * walking the real state machine (`planTransition` + `applyPlan`). What is not used is the
 * per-step use-cases (`createReferral`, then `transitionReferral` per action): that is a read and
 * a transaction per step, about 150 calls/s on DynamoDB Local on 2 cores, so 11,000 referrals
 * would take four minutes. One transaction per referral, with its final state and whole timeline,
 * leaves the same items behind. Deterministic: the same seed gives the same mix on every run.
 * Synthetic people only.
 */
import type { AppContext } from '../../shared/context';
import { newId } from '../../shared/ids';
import { insertPatient } from '../../shared/patients/repository';
import type { Patient } from '../../shared/patients/schema';
import { applyPlan, timelineEntry } from '../../shared/referrals/change';
import { QUEUES, queueFor } from '../../shared/referrals/queues';
import { insertReferral } from '../../shared/referrals/repository';
import { type ActorRef, type Code, type Priority, type Referral, type TimelineEntry } from '../../shared/referrals/schema';
import { referralDueAt } from '../../shared/referrals/due';
import { type ReferralAction, planTransition } from '../../shared/referrals/state-machine';
import { TEST_USERS } from '../support/test-issuer';
import { runPool, seededRandom, weighted } from './stats';

const ACTOR: ActorRef = { id: 'u-casey', name: 'Casey Coordinator' };
const ASSIGNEES = ['u-casey', 'u-riley', 'u-nora'] as const;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/**
 * The small set is the last RECENT_DAYS of referrals; the large set is the same recent work plus
 * nine times as many older, closed referrals over the 9 × RECENT_DAYS before it: ten times the
 * history at the same inflow, which is how a Sidecar table grows (docs/decisions/050-bench.md).
 */
export const RECENT_DAYS = 45;
/** Bigger specialties get more referrals, as in a real practice. */
const QUEUE_WEIGHTS: Record<string, number> = {
  cardiology: 20,
  orthopedics: 18,
  'behavioral-health': 14,
  endocrinology: 10,
  gastroenterology: 10,
  neurology: 8,
  dermatology: 8,
  general: 12,
};

const PRIORITY_WEIGHTS: Record<Priority, number> = { routine: 60, urgent: 25, asap: 10, stat: 5 };

/** Where a referral ends up, and the actions a coordinator takes to get it there. */
const LIFECYCLES = {
  triage: [],
  'triage-awaiting-docs': ['request-docs'],
  scheduling: ['accept'],
  'accepted-awaiting-docs': ['accept', 'request-docs'],
  booked: ['accept', 'schedule'],
  'no-show': ['accept', 'schedule', 'no-show'],
  'on-hold': ['accept', 'hold'],
  completed: ['accept', 'schedule', 'close'],
  rejected: ['reject'],
  cancelled: ['cancel'],
  failed: ['accept', 'fail'],
} as const satisfies Record<string, readonly ReferralAction['action'][]>;
type Lifecycle = keyof typeof LIFECYCLES;

/** Recent referrals: about 60 % still open. */
const RECENT_LIFECYCLES: Record<Lifecycle, number> = {
  triage: 20,
  'triage-awaiting-docs': 4,
  scheduling: 12,
  'accepted-awaiting-docs': 3,
  booked: 10,
  'no-show': 2,
  'on-hold': 6,
  completed: 28,
  rejected: 6,
  cancelled: 6,
  failed: 3,
};

/**
 * Older referrals: all closed by now. Real tables also keep a few stuck open, but those are more
 * open work, not a bigger table: they would make the large set's open pages fuller (more items
 * read, bounded by the page) and blur what this budget isolates, the table's size. Holding the open
 * work equal makes every open-queue page read the same items in both sets.
 */
const HISTORY_LIFECYCLES: Record<Lifecycle, number> = {
  triage: 0,
  'triage-awaiting-docs': 0,
  scheduling: 0,
  'accepted-awaiting-docs': 0,
  booked: 0,
  'no-show': 0,
  'on-hold': 0,
  completed: 72,
  rejected: 9,
  cancelled: 12,
  failed: 7,
};

const GIVEN = ['Alex', 'Sam', 'Jordan', 'Taylor', 'Morgan', 'Casey', 'Riley', 'Jamie', 'Avery', 'Quinn', 'Rowan', 'Skyler'];
const FAMILY = ['Rivera', 'Nguyen', 'Okafor', 'Schmidt', 'Haddad', 'Kowalski', 'Tanaka', 'Mensah', 'Larsen', 'Duarte', 'Ibrahim', 'Moreau'];

function actionInput(action: ReferralAction['action'], createdAt: number): ReferralAction {
  switch (action) {
    case 'schedule':
      return { action, appointmentAt: new Date(createdAt + 10 * DAY).toISOString() };
    case 'reject':
      return { action, reason: 'Not covered by the receiving clinic' };
    case 'hold':
      return { action, reason: 'Waiting for the patient to call back' };
    case 'close':
      return { action, outcome: 'Seen by the specialist; consult note received' };
    case 'cancel':
      return { action, reason: 'Withdrawn by the referring clinician' };
    case 'fail':
      return { action, reason: 'Patient could not be reached' };
    default:
      return { action } as ReferralAction;
  }
}

/** A referral made by hand, as `createReferral` makes it: requested, in triage, due by its priority. */
function createdReferral(options: { patientId: string; service: Code; priority: Priority; at: Date }): { referral: Referral; entries: TimelineEntry[] } {
  const { at } = options;
  const referral: Referral = {
    id: newId(),
    patientId: options.patientId,
    direction: 'outbound',
    service: options.service,
    reason: 'Synthetic bench referral',
    priority: options.priority,
    status: 'requested',
    businessStatus: 'triage',
    queue: queueFor([options.service]),
    dueAt: referralDueAt({ priority: options.priority, createdAt: at.toISOString() }),
    ehrVersions: {},
    version: 1,
    createdAt: at.toISOString(),
    updatedAt: at.toISOString(),
  };
  const entry = timelineEntry(referral, ACTOR, at, { kind: 'created', to: { status: 'requested', businessStatus: 'triage' }, note: 'Referral created by hand' });
  return { referral, entries: [entry] };
}

/** One coordinator action through the real state machine, as `transitionReferral` applies it. */
function transitioned(current: Referral, action: ReferralAction, at: Date): { referral: Referral; entry: TimelineEntry } {
  const plan = planTransition(current, action, at);
  const after = applyPlan(current, plan, at);
  const entry = timelineEntry(current, ACTOR, at, {
    kind: 'transition',
    action: action.action,
    from: { status: current.status, businessStatus: current.businessStatus },
    to: { status: after.status, businessStatus: after.businessStatus },
    ...(plan.note ? { note: plan.note } : {}),
  });
  return { referral: after, entry };
}

/** An assignment, as `assignReferral` records it. */
function assigned(current: Referral, userId: string, at: Date): { referral: Referral; entry: TimelineEntry } {
  const user = Object.values(TEST_USERS).find((u) => u.id === userId);
  if (!user) throw new Error(`Unknown test user ${userId}`);
  const referral: Referral = { ...current, assignee: { id: user.id, name: user.name }, version: current.version + 1, updatedAt: at.toISOString() };
  return { referral, entry: timelineEntry(current, ACTOR, at, { kind: 'assignment', note: `Assigned to ${user.name}` }) };
}

export interface SeedReport {
  referrals: number;
  /** Of which created in the last RECENT_DAYS (the same shapes in every set seeded alike). */
  recent: number;
  /** Of which older. */
  history: number;
  /** Open (not terminal) referrals: the work the default queue views page through. */
  open: number;
  patients: number;
  /** Transactions written (one per patient, one per referral). */
  writes: number;
  seconds: number;
  byLifecycle: Record<string, number>;
  byQueue: Record<string, number>;
}

interface Plan {
  queue: string;
  service: Code;
  priority: Priority;
  lifecycle: Lifecycle;
  createdAt: number;
  patient: number;
  assignee: string | undefined;
}

/** `count` referral shapes created between `fromDaysAgo` and `toDaysAgo`, with that era's lifecycle mix. */
function drawPlans(random: () => number, count: number, era: { fromDaysAgo: number; toDaysAgo: number; lifecycles: Record<Lifecycle, number> }, now: number): Plan[] {
  return Array.from({ length: count }, () => {
    const queueId = weighted(random, QUEUE_WEIGHTS);
    const queue = QUEUES.find((q) => q.id === queueId)!;
    return {
      queue: queue.id,
      service: queue.codes[1] ? { system: 'http://snomed.info/sct', code: queue.codes[1], display: `Referral to ${queue.name.toLowerCase()} service` } : { display: 'Community health worker follow-up' },
      priority: weighted(random, PRIORITY_WEIGHTS),
      lifecycle: weighted(random, era.lifecycles),
      createdAt: now - Math.floor((era.toDaysAgo + random() * (era.fromDaysAgo - era.toDaysAgo)) * DAY),
      patient: random(),
      assignee: random() < 0.35 ? ASSIGNEES[Math.floor(random() * ASSIGNEES.length)]! : undefined,
    };
  });
}

const OPEN_LIFECYCLES: ReadonlySet<Lifecycle> = new Set(['triage', 'triage-awaiting-docs', 'scheduling', 'accepted-awaiting-docs', 'booked', 'no-show', 'on-hold']);

/**
 * Inserts `patients` patients, `recent` referrals from the last RECENT_DAYS and `history` older
 * ones (spread evenly over the `history / recent × RECENT_DAYS` days before), with at most
 * `concurrency` transactions in flight; gives up when `deadlineMs` has passed. The recent shapes
 * depend only on `seed` and `recent`, so two sets seeded alike hold the same recent work.
 */
export async function seedReferrals(
  ctx: AppContext,
  options: { recent: number; history: number; patients: number; seed: number; concurrency: number; deadlineMs: number; now: number; onProgress?: (done: number) => void },
): Promise<SeedReport> {
  const started = Date.now();
  const deadline = started + options.deadlineMs;
  let writes = 0;

  const people = seededRandom(options.seed);
  const patients: Patient[] = Array.from({ length: options.patients }, (_, i) => {
    const given = GIVEN[Math.floor(people() * GIVEN.length)]!;
    const family = FAMILY[Math.floor(people() * FAMILY.length)]!;
    const createdAt = new Date(options.now - 2 * 365 * DAY + i * 1000).toISOString();
    return {
      id: newId(),
      name: { text: `${given} ${family}`, given: [given], family },
      birthDate: `19${40 + Math.floor(people() * 60)}-0${1 + Math.floor(people() * 9)}-1${Math.floor(people() * 9)}`,
      phones: [{ value: `+1555010${String(i % 10_000).padStart(4, '0')}`, use: 'mobile' }],
      emails: [],
      pending: false,
      version: 1,
      createdAt,
      updatedAt: createdAt,
    };
  });
  await runPool(
    patients.length,
    options.concurrency,
    async (i) => {
      await insertPatient(ctx, patients[i]!);
      writes++;
    },
    { what: 'Seeding patients', deadlineMs: options.deadlineMs },
  );

  // Every shape is drawn up front (one generator per era) so the mix never depends on timing.
  const historyDays = (options.history / Math.max(1, options.recent)) * RECENT_DAYS;
  const plans = [
    ...drawPlans(seededRandom(options.seed + 1), options.recent, { fromDaysAgo: RECENT_DAYS, toDaysAgo: 0, lifecycles: RECENT_LIFECYCLES }, options.now),
    ...drawPlans(seededRandom(options.seed + 2), options.history, { fromDaysAgo: RECENT_DAYS + historyDays, toDaysAgo: RECENT_DAYS, lifecycles: HISTORY_LIFECYCLES }, options.now),
  ];
  const byLifecycle: Record<string, number> = {};
  const byQueue: Record<string, number> = {};
  let done = 0;
  await runPool(
    plans.length,
    options.concurrency,
    async (i) => {
      const plan = plans[i]!;
      let time = plan.createdAt;
      let { referral, entries } = createdReferral({ patientId: patients[Math.floor(plan.patient * patients.length)]!.id, service: plan.service, priority: plan.priority, at: new Date(time) });
      if (referral.queue !== plan.queue) throw new Error(`Seed routing drifted: expected ${plan.queue}, got ${referral.queue}`);
      const actions: readonly ReferralAction['action'][] = LIFECYCLES[plan.lifecycle];
      const assignAt = Math.min(1, actions.length);
      for (let step = 0; step <= actions.length; step++) {
        // Work is assigned once accepted (or while in triage, for referrals that stay there).
        if (plan.assignee && step === assignAt && !(plan.lifecycle === 'rejected' || plan.lifecycle === 'cancelled')) {
          time += HOUR;
          const next = assigned(referral, plan.assignee, new Date(Math.min(time, options.now)));
          referral = next.referral;
          entries = [...entries, next.entry];
        }
        const action = actions[step];
        if (!action) break;
        time += 6 * HOUR;
        const next = transitioned(referral, actionInput(action, plan.createdAt), new Date(Math.min(time, options.now)));
        referral = next.referral;
        entries = [...entries, next.entry];
      }
      await insertReferral(ctx, referral, entries);
      writes++;
      byLifecycle[plan.lifecycle] = (byLifecycle[plan.lifecycle] ?? 0) + 1;
      byQueue[plan.queue] = (byQueue[plan.queue] ?? 0) + 1;
      done++;
      if (done % 2000 === 0) options.onProgress?.(done);
    },
    { what: 'Seeding referrals', deadlineMs: Math.max(1, deadline - Date.now()) },
  );
  return {
    referrals: plans.length,
    recent: options.recent,
    history: options.history,
    open: plans.filter((p) => OPEN_LIFECYCLES.has(p.lifecycle)).length,
    patients: patients.length,
    writes,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    byLifecycle,
    byQueue,
  };
}
