import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type AppContext, createContext } from '../../shared/context';
import { newId } from '../../shared/ids';
import { getReferralRecord, insertReferral, referralKey, saveReferral } from '../../shared/referrals/repository';
import type { Referral } from '../../shared/referrals/schema';
import { backfillDueIndex } from '../../shared/sla/backfill-due-index';
import { sweepBreaches } from '../../shared/sla/breach-sweep';
import { insertTask, taskKey } from '../../shared/tasks/repository';
import type { Task, TaskStatus } from '../../shared/tasks/schema';
import { useFreshTables } from './support/tables';

const tables = useFreshTables();
const T0 = Date.parse('2026-11-02T15:00:00.000Z');
const iso = (hours: number) => new Date(T0 + hours * 3_600_000).toISOString();
let ctx: AppContext;

beforeAll(() => {
  ctx = createContext({ config: tables.config, db: tables.db, clock: { now: () => new Date(T0) } });
});

function referral(dueInHours: number, status: Referral['status'] = 'accepted'): Referral {
  return {
    id: newId(),
    patientId: 'PAT-BACKFILL',
    direction: 'outbound',
    service: { display: 'Cardiology' },
    priority: 'urgent',
    status,
    businessStatus: 'scheduling',
    ...(status === 'on-hold' ? { statusReason: 'Waiting' } : {}),
    queue: 'cardiology',
    dueAt: iso(dueInHours),
    ehrVersions: {},
    version: 1,
    createdAt: iso(-48),
    updatedAt: iso(-48),
  };
}

function task(dueInHours: number, status: TaskStatus = 'ready'): Task {
  return {
    id: newId(),
    patientId: 'PAT-BACKFILL',
    type: 'call-patient',
    title: 'Call patient',
    status,
    ...(status === 'cancelled' ? { statusReason: 'Duplicate' } : {}),
    priority: 'asap',
    dueAt: iso(dueInHours),
    team: 'coordinators',
    links: {},
    attempts: [],
    version: 1,
    createdAt: iso(-48),
    updatedAt: iso(-48),
    createdBy: { kind: 'user', id: 'u-casey', name: 'Casey Coordinator' },
  };
}

/** Saves an item as it was before the due index existed: every attribute but duePk/dueSk. */
async function withoutDueKeys(key: { pk: string; sk: string }): Promise<void> {
  await ctx.db.send(new UpdateCommand({ TableName: tables.names.records, Key: key, UpdateExpression: 'REMOVE duePk, dueSk' }));
}

async function raw(key: { pk: string; sk: string }): Promise<Record<string, unknown>> {
  return (await ctx.db.send(new GetCommand({ TableName: tables.names.records, Key: key, ConsistentRead: true }))).Item!;
}

/** Runs `fn` while recording the name of every command sent to DynamoDB. */
async function recordingCommands<T>(fn: () => Promise<T>): Promise<{ result: T; sent: string[] }> {
  const sent: string[] = [];
  const original = ctx.db.send.bind(ctx.db);
  const spy = jest.spyOn(ctx.db, 'send').mockImplementation(((command: { constructor: { name: string } }) => {
    sent.push(command.constructor.name);
    return original(command as never);
  }) as never);
  try {
    return { result: await fn(), sent };
  } finally {
    spy.mockRestore();
  }
}

describe('backfillDueIndex', () => {
  const legacy = { referral: referral(-2), task: task(-1) };
  const correct = { referral: referral(30), heldReferral: referral(-3, 'on-hold'), task: task(30), closedTask: task(-3, 'cancelled') };
  let untouchedBefore: Record<string, unknown>[];

  const correctKeys = () => [referralKey(correct.referral.id), referralKey(correct.heldReferral.id), taskKey(correct.task.id), taskKey(correct.closedTask.id)];

  beforeAll(async () => {
    for (const r of [legacy.referral, correct.referral, correct.heldReferral]) await insertReferral(ctx, r, []);
    for (const t of [legacy.task, correct.task, correct.closedTask]) await insertTask(ctx, t, []);
    await withoutDueKeys(referralKey(legacy.referral.id));
    await withoutDueKeys(taskKey(legacy.task.id));
    untouchedBefore = await Promise.all(correctKeys().map(raw));
  });

  it('leaves items without due keys unseen by the breach sweep (the reason it exists)', async () => {
    expect((await sweepBreaches(ctx, { now: new Date(T0) })).examined).toBe(0);
  });

  it('writes the missing keys with Queries and conditional Updates only, paging through every shard', async () => {
    const { result, sent } = await recordingCommands(() => backfillDueIndex(ctx, { pageSize: 1 }));
    expect(result).toEqual({ examined: 6, updated: 2, alreadyCorrect: 4, skipped: 0, failed: 0 });
    expect(new Set(sent)).toEqual(new Set(['QueryCommand', 'UpdateCommand']));
    expect(sent.filter((name) => name === 'UpdateCommand')).toHaveLength(2);
    // One page per item plus the last (empty) page of each of the 8 kind shards at most.
    expect(sent.filter((name) => name === 'QueryCommand').length).toBeGreaterThan(6);

    expect(await raw(referralKey(legacy.referral.id))).toMatchObject({ duePk: expect.stringMatching(/^DUE#\d$/), dueSk: `${legacy.referral.dueAt}#referral#${legacy.referral.id}` });
    expect(await raw(taskKey(legacy.task.id))).toMatchObject({ duePk: expect.stringMatching(/^DUE#\d$/), dueSk: `${legacy.task.dueAt}#task#${legacy.task.id}` });
  });

  it('leaves items that already held the right keys (or rightly none) exactly as they were', async () => {
    expect(await Promise.all(correctKeys().map(raw))).toEqual(untouchedBefore);
  });

  it('lets the breach sweep find the backfilled items', async () => {
    const swept = await sweepBreaches(ctx, { now: new Date(T0) });
    expect(swept).toEqual(expect.objectContaining({ examined: 2, escalated: 2 }));
    expect((await getReferralRecord(ctx, legacy.referral.id))?.breachedAt).toBe(iso(0));
  });

  it('changes nothing when run again', async () => {
    const { result, sent } = await recordingCommands(() => backfillDueIndex(ctx));
    expect(result).toEqual({ examined: 6, updated: 0, alreadyCorrect: 6, skipped: 0, failed: 0 });
    expect(sent).not.toContain('UpdateCommand');
  });

  it('skips an item saved between its read and the update: that save wrote correct keys', async () => {
    const moving = referral(-1);
    await insertReferral(ctx, moving, []);
    await withoutDueKeys(referralKey(moving.id));
    const moved: Referral = { ...moving, dueAt: iso(50), version: 2, updatedAt: iso(0) };
    const original = ctx.db.send.bind(ctx.db);
    let saved = false;
    const spy = jest.spyOn(ctx.db, 'send').mockImplementation((async (command: unknown) => {
      if (command instanceof UpdateCommand && !saved) {
        saved = true;
        await saveReferral(ctx, moving, moved, []);
      }
      return original(command as never);
    }) as never);
    let result;
    try {
      result = await backfillDueIndex(ctx);
    } finally {
      spy.mockRestore();
    }
    expect(saved).toBe(true);
    expect(result).toEqual(expect.objectContaining({ updated: 0, skipped: 1, failed: 0 }));
    expect(await raw(referralKey(moving.id))).toMatchObject({ version: 2, dueSk: `${iso(50)}#referral#${moving.id}` });
  });

  it('counts an item it cannot read as failed and goes on', async () => {
    const broken = referral(-1);
    await insertReferral(ctx, broken, []);
    await ctx.db.send(new UpdateCommand({ TableName: tables.names.records, Key: referralKey(broken.id), UpdateExpression: 'REMOVE duePk, dueSk, priority' }));
    const fixable = task(-1);
    await insertTask(ctx, fixable, []);
    await withoutDueKeys(taskKey(fixable.id));

    const result = await backfillDueIndex(ctx);
    expect(result).toEqual(expect.objectContaining({ updated: 1, failed: 1 }));
    expect((await raw(taskKey(fixable.id))).dueSk).toBe(`${fixable.dueAt}#task#${fixable.id}`);
    expect((await raw(referralKey(broken.id))).dueSk).toBeUndefined();
  });
});
