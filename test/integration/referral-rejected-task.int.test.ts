import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { type AppContext, createContext } from '../../shared/context';
import { ConflictError } from '../../shared/errors';
import { newId } from '../../shared/ids';
import { assignReferral } from '../../shared/referrals/assign-referral';
import { referralDueAt } from '../../shared/referrals/due';
import { REFERRAL_REJECTED_RULE_ID, referralTaskSource } from '../../shared/referrals/find-another-provider';
import { getReferralWithTimeline, insertReferral } from '../../shared/referrals/repository';
import type { Referral } from '../../shared/referrals/schema';
import { transitionReferral } from '../../shared/referrals/transition-referral';
import { taskDueAt } from '../../shared/tasks/due';
import { listTasks } from '../../shared/tasks/list-tasks';
import { findTaskIdsBySource, getTaskWithTimeline, insertTask, readTeamCounts } from '../../shared/tasks/repository';
import type { Task } from '../../shared/tasks/schema';
import { useFreshTables } from './support/tables';

const tables = useFreshTables();
const now = new Date('2026-11-17T15:00:00.000Z');
const casey = { id: 'u-casey', name: 'Casey Coordinator', role: 'coordinator' as const };
const reject = { action: 'reject' as const, reason: 'Clinic not taking new patients' };
let ctx: AppContext;

beforeAll(() => {
  ctx = createContext({ config: tables.config, db: tables.db, clock: { now: () => now } });
});

async function requestedReferral(priority: Referral['priority'] = 'urgent'): Promise<Referral> {
  const createdAt = new Date(now.getTime() - 3_600_000).toISOString();
  const referral: Referral = {
    id: newId(),
    patientId: 'PAT-REJ-1',
    direction: 'outbound',
    service: { display: 'Cardiology' },
    priority,
    status: 'requested',
    businessStatus: 'triage',
    queue: 'cardiology',
    dueAt: referralDueAt({ priority, createdAt }),
    ehrVersions: {},
    version: 1,
    createdAt,
    updatedAt: createdAt,
  };
  await insertReferral(ctx, referral, []);
  return referral;
}

/** Every task the rejection rule (or anything else) created from the referral: a Query on its guard partition. */
const tasksFrom = (referralId: string) => findTaskIdsBySource(ctx, referralTaskSource(referralId));

async function coordinatorQueue(): Promise<Task[]> {
  const page = await listTasks(ctx, { actor: casey, input: { view: 'team', limit: 100 } });
  return page.rows.map((r) => r.task);
}

describe('rejecting a referral', () => {
  it('creates exactly one task to find another provider, linked to it, in the coordinators’ queue', async () => {
    const referral = await requestedReferral('urgent');
    const countsBefore = await readTeamCounts(ctx, 'coordinators');

    const rejected = await transitionReferral(ctx, { actor: casey, id: referral.id, version: 1, action: reject });
    expect(rejected).toMatchObject({ status: 'rejected', statusReason: reject.reason, version: 2 });

    const ids = await tasksFrom(referral.id);
    expect(ids).toHaveLength(1);
    const { task, timeline } = (await getTaskWithTimeline(ctx, ids[0]!))!;
    expect(task).toMatchObject({
      type: 'find-another-provider',
      title: 'Find another provider',
      status: 'ready',
      team: 'coordinators',
      priority: 'urgent',
      patientId: 'PAT-REJ-1',
      dueAt: taskDueAt('urgent', now),
      links: { referralId: referral.id, source: { sourceId: 'sidecar-referral', reference: `Referral/${referral.id}` } },
      createdBy: { kind: 'rule', ruleId: REFERRAL_REJECTED_RULE_ID },
      version: 1,
    });
    expect(task.owner).toBeUndefined();
    expect(timeline.map((e) => [e.kind, e.to])).toEqual([['created', 'ready']]);

    const queue = await coordinatorQueue();
    expect(queue.filter((t) => t.links.referralId === referral.id).map((t) => t.id)).toEqual([task.id]);
    const countsAfter = await readTeamCounts(ctx, 'coordinators');
    expect(countsAfter.unownedByStatus.ready - countsBefore.unownedByStatus.ready).toBe(1);

    const view = await getReferralWithTimeline(ctx, referral.id);
    expect(view?.timeline.map((e) => e.action ?? e.kind)).toEqual(['reject', 'note']);
    expect(view?.timeline[1]).toMatchObject({ note: 'Task created: Find another provider', actor: { id: `rule:${REFERRAL_REJECTED_RULE_ID}` } });
  });

  it('takes the referral’s priority', async () => {
    const referral = await requestedReferral('stat');
    await transitionReferral(ctx, { actor: casey, id: referral.id, version: 1, action: reject });
    const [id] = await tasksFrom(referral.id);
    expect((await getTaskWithTimeline(ctx, id!))?.task).toMatchObject({ priority: 'stat', dueAt: taskDueAt('stat', now) });
  });

  it('creates no task for other moves', async () => {
    const referral = await requestedReferral();
    await transitionReferral(ctx, { actor: casey, id: referral.id, version: 1, action: { action: 'accept' } });
    await transitionReferral(ctx, { actor: casey, id: referral.id, version: 2, action: { action: 'cancel', reason: 'Duplicate' } });
    expect(await tasksFrom(referral.id)).toEqual([]);
  });

  it('is a 409 when retried at the stale version, and makes no second task', async () => {
    const referral = await requestedReferral();
    await transitionReferral(ctx, { actor: casey, id: referral.id, version: 1, action: reject });
    const retry = transitionReferral(ctx, { actor: casey, id: referral.id, version: 1, action: reject });
    await expect(retry).rejects.toBeInstanceOf(ConflictError);
    await expect(retry).rejects.toMatchObject({ code: 'conflict', details: { currentVersion: 2, yourVersion: 1 } });
    expect(await tasksFrom(referral.id)).toHaveLength(1);
    expect((await coordinatorQueue()).filter((t) => t.links.referralId === referral.id)).toHaveLength(1);
  });

  it('makes one task when two coordinators reject at once: one wins, the other gets a 409', async () => {
    const referral = await requestedReferral();
    const results = await Promise.allSettled([
      transitionReferral(ctx, { actor: casey, id: referral.id, version: 1, action: reject }),
      transitionReferral(ctx, { actor: casey, id: referral.id, version: 1, action: { action: 'reject', reason: 'No capacity' } }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const [failure] = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failure?.reason).toBeInstanceOf(ConflictError);
    expect(await tasksFrom(referral.id)).toHaveLength(1);
  });
});

describe('a rejection whose transaction fails', () => {
  it('leaves neither the rejection nor the task when the referral changed underneath', async () => {
    const referral = await requestedReferral();
    const original = ctx.db.send.bind(ctx.db);
    let interfered = false;
    const spy = jest.spyOn(ctx.db, 'send').mockImplementation((async (command: unknown) => {
      if (command instanceof TransactWriteCommand && !interfered) {
        interfered = true;
        spy.mockRestore();
        // Another coordinator claims it between the read and the write.
        await assignReferral(ctx, { actor: casey, id: referral.id, version: 1, assigneeId: null });
      }
      return original(command as never);
    }) as never);
    try {
      await expect(transitionReferral(ctx, { actor: casey, id: referral.id, version: 1, action: reject })).rejects.toBeInstanceOf(ConflictError);
    } finally {
      spy.mockRestore();
    }
    expect(interfered).toBe(true);
    const view = await getReferralWithTimeline(ctx, referral.id);
    expect(view?.referral).toMatchObject({ status: 'requested', version: 2 });
    expect(view?.timeline.map((e) => e.kind)).toEqual(['assignment']);
    expect(await tasksFrom(referral.id)).toEqual([]);
    expect((await coordinatorQueue()).filter((t) => t.links.referralId === referral.id)).toEqual([]);
  });

  it('does not reject the referral when its task cannot be written (the rule already made one)', async () => {
    const referral = await requestedReferral();
    const earlier: Task = {
      id: newId(),
      patientId: referral.patientId,
      type: 'find-another-provider',
      title: 'Find another provider',
      status: 'ready',
      priority: referral.priority,
      dueAt: taskDueAt(referral.priority, now),
      team: 'coordinators',
      links: { referralId: referral.id, source: referralTaskSource(referral.id) },
      attempts: [],
      version: 1,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      createdBy: { kind: 'rule', ruleId: REFERRAL_REJECTED_RULE_ID },
    };
    await insertTask(ctx, earlier, [], REFERRAL_REJECTED_RULE_ID);

    await expect(transitionReferral(ctx, { actor: casey, id: referral.id, version: 1, action: reject })).rejects.toBeInstanceOf(ConflictError);
    const view = await getReferralWithTimeline(ctx, referral.id);
    expect(view?.referral).toMatchObject({ status: 'requested', version: 1 });
    expect(view?.timeline).toEqual([]);
    expect(await tasksFrom(referral.id)).toEqual([earlier.id]);
  });
});
