import { ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { type AppContext, createContext } from '../../shared/context';
import { ConflictError } from '../../shared/errors';
import { newId } from '../../shared/ids';
import { getReferralRecord, insertReferral, saveReferral } from '../../shared/referrals/repository';
import type { Referral } from '../../shared/referrals/schema';
import { sweepBreaches } from '../../shared/sla/breach-sweep';
import { acknowledgeEscalation, type Escalation, listEscalations } from '../../shared/sla/escalations';
import { getTaskRecord, insertTask, saveTask } from '../../shared/tasks/repository';
import type { Task, TaskStatus } from '../../shared/tasks/schema';
import { useFreshTables } from './support/tables';

const tables = useFreshTables();
const T0 = Date.parse('2026-11-02T10:00:00.000Z');
const at = (hours: number) => new Date(T0 + hours * 3_600_000);
const iso = (hours: number) => at(hours).toISOString();
const lead = { id: 'u-lena', name: 'Lena Lead', role: 'nurse' as const };
let ctx: AppContext;

beforeAll(() => {
  ctx = createContext({ config: tables.config, db: tables.db, clock: { now: () => at(0) } });
});

async function newTask(dueInHours: number, status: TaskStatus = 'ready'): Promise<Task> {
  const task: Task = {
    id: newId(),
    patientId: 'PAT-SLA-1',
    type: 'post-discharge-call',
    title: 'Post-discharge call',
    status,
    ...(status === 'on-hold' || status === 'cancelled' || status === 'failed' ? { statusReason: 'Waiting' } : {}),
    priority: 'urgent',
    dueAt: iso(dueInHours),
    team: 'nurses',
    links: {},
    attempts: [],
    version: 1,
    createdAt: iso(-30),
    updatedAt: iso(-30),
    createdBy: { kind: 'user', id: 'u-nora', name: 'Nora Nurse' },
  };
  await insertTask(ctx, task, []);
  return task;
}

async function newReferral(dueInHours: number, status: Referral['status'] = 'requested'): Promise<Referral> {
  const referral: Referral = {
    id: newId(),
    patientId: 'PAT-SLA-1',
    direction: 'outbound',
    service: { display: 'Cardiology' },
    priority: 'asap',
    status,
    businessStatus: 'triage',
    ...(status === 'on-hold' ? { statusReason: 'Waiting' } : {}),
    queue: 'cardiology',
    dueAt: iso(dueInHours),
    ehrVersions: {},
    version: 1,
    createdAt: iso(-30),
    updatedAt: iso(-30),
  };
  await insertReferral(ctx, referral, []);
  return referral;
}

async function allEscalations(status?: Escalation['status']): Promise<Escalation[]> {
  const out: Escalation[] = [];
  let cursor: string | undefined;
  do {
    const page = await listEscalations(ctx, { limit: 2, ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) });
    out.push(...page.escalations);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}
const escalationsOf = async (itemId: string) => (await allEscalations()).filter((e) => e.itemId === itemId);

describe('sweepBreaches', () => {
  let task: Task;
  let referral: Referral;
  let untouched: { future: Task; onHold: Task; completed: Task; heldReferral: Referral };

  beforeAll(async () => {
    task = await newTask(-1);
    referral = await newReferral(-2);
    untouched = {
      future: await newTask(5),
      onHold: await newTask(-3, 'on-hold'),
      completed: await newTask(-3, 'completed'),
      heldReferral: await newReferral(-3, 'on-hold'),
    };
  });

  it('marks a past-due task and referral breached and raises exactly one escalation each, with Queries only', async () => {
    const sent: string[] = [];
    const original = ctx.db.send.bind(ctx.db);
    const spy = jest.spyOn(ctx.db, 'send').mockImplementation(((command: { constructor: { name: string } }) => {
      sent.push(command.constructor.name);
      return original(command as never);
    }) as never);
    try {
      const result = await sweepBreaches(ctx, { now: at(0) });
      expect(result).toEqual({ examined: 2, escalated: 2, alreadyEscalated: 0, skipped: 0, failed: 0 });
    } finally {
      spy.mockRestore();
    }
    expect(sent).toContain('QueryCommand');
    expect(sent).not.toContain(ScanCommand.name);

    expect((await getTaskRecord(ctx, task.id))?.breachedAt).toBe(iso(0));
    expect((await getReferralRecord(ctx, referral.id))?.breachedAt).toBe(iso(0));
    const [forTask] = await escalationsOf(task.id);
    expect(forTask).toEqual(
      expect.objectContaining({ kind: 'task', team: 'nurses', patientId: 'PAT-SLA-1', priority: 'urgent', dueAt: task.dueAt, breachedAt: iso(0), status: 'open', version: 1 }),
    );
    const [forReferral] = await escalationsOf(referral.id);
    expect(forReferral).toEqual(expect.objectContaining({ kind: 'referral', queue: 'cardiology', dueAt: referral.dueAt, status: 'open' }));
    expect(await allEscalations('open')).toHaveLength(2);
  });

  it('leaves items not yet due, on hold or closed untouched', async () => {
    for (const t of [untouched.future, untouched.onHold, untouched.completed]) {
      expect((await getTaskRecord(ctx, t.id))?.breachedAt).toBeUndefined();
    }
    expect((await getReferralRecord(ctx, untouched.heldReferral.id))?.breachedAt).toBeUndefined();
    expect((await allEscalations()).map((e) => e.itemId).sort()).toEqual([task.id, referral.id].sort());
  });

  it('raises nothing more on a second sweep, nor on two concurrent ones', async () => {
    expect((await sweepBreaches(ctx, { now: at(1) })).escalated).toBe(0);
    const fresh = [await newTask(-1), await newReferral(-1)];
    const results = await Promise.all([sweepBreaches(ctx, { now: at(1) }), sweepBreaches(ctx, { now: at(1) })]);
    expect(results.reduce((sum, r) => sum + r.escalated, 0)).toBe(2);
    for (const item of fresh) expect(await escalationsOf(item.id)).toHaveLength(1);
    expect(await allEscalations()).toHaveLength(4);
  });

  it('keeps the escalation of an item completed after it breached', async () => {
    const current = (await getTaskRecord(ctx, task.id))!;
    await saveTask(ctx, current, { ...current, status: 'completed', version: current.version + 1, updatedAt: iso(2) }, []);
    expect(await sweepBreaches(ctx, { now: at(3) })).toEqual(expect.objectContaining({ examined: 0, escalated: 0 }));
    expect(await escalationsOf(task.id)).toHaveLength(1);
  });

  it('raises a second escalation when a later due time passes again', async () => {
    const current = (await getReferralRecord(ctx, referral.id))!;
    await saveReferral(ctx, current, { ...current, dueAt: iso(4), version: current.version + 1, updatedAt: iso(3) }, []);
    expect((await getReferralRecord(ctx, referral.id))?.breachedAt).toBeUndefined();
    expect((await sweepBreaches(ctx, { now: at(3.5) })).escalated).toBe(0);

    expect((await sweepBreaches(ctx, { now: at(4.5) })).escalated).toBe(1);
    const escalations = await escalationsOf(referral.id);
    expect(escalations.map((e) => e.dueAt).sort()).toEqual([referral.dueAt, iso(4)]);
    expect(new Set(escalations.map((e) => e.id)).size).toBe(2);
  });

  it('re-marks, without a second escalation, an item a stale save put back on the clock', async () => {
    const stale = await newTask(-1);
    await sweepBreaches(ctx, { now: at(7) });
    // A writer that read the task before the sweep saves it: version matches, breachedAt is lost.
    await saveTask(ctx, stale, { ...stale, title: 'Call back', version: 2, updatedAt: iso(7) }, []);
    expect((await getTaskRecord(ctx, stale.id))?.breachedAt).toBeUndefined();

    expect(await sweepBreaches(ctx, { now: at(8) })).toEqual(expect.objectContaining({ escalated: 0, alreadyEscalated: 1 }));
    expect((await getTaskRecord(ctx, stale.id))?.breachedAt).toBe(iso(8));
    expect(await escalationsOf(stale.id)).toHaveLength(1);
  });

  it('skips an item changed between the index read and the write', async () => {
    const moving = await newTask(-1);
    let changed = false;
    const original = ctx.db.send.bind(ctx.db);
    const spy = jest.spyOn(ctx.db, 'send').mockImplementation((async (command: unknown) => {
      if (command instanceof TransactWriteCommand && !changed) {
        changed = true;
        spy.mockRestore();
        await saveTask(ctx, moving, { ...moving, dueAt: iso(20), version: 2, updatedAt: iso(9) }, []);
      }
      return original(command as never);
    }) as never);
    try {
      expect(await sweepBreaches(ctx, { now: at(9) })).toEqual(expect.objectContaining({ examined: 1, escalated: 0, skipped: 1 }));
    } finally {
      spy.mockRestore();
    }
    expect(changed).toBe(true);
    expect(await escalationsOf(moving.id)).toHaveLength(0);
    expect((await getTaskRecord(ctx, moving.id))?.breachedAt).toBeUndefined();
  });
});

describe('acknowledgeEscalation', () => {
  it('refuses a stale version with a 409, then acknowledges and moves it out of the open list', async () => {
    const item = await newTask(-50);
    await sweepBreaches(ctx, { now: at(10) });
    const [escalation] = await escalationsOf(item.id);
    expect(escalation).toBeDefined();

    const stale = acknowledgeEscalation(ctx, { id: escalation!.id, actor: lead, version: 2 });
    await expect(stale).rejects.toBeInstanceOf(ConflictError);
    await expect(stale).rejects.toMatchObject({ code: 'conflict', details: { currentVersion: 1 } });

    const acknowledged = await acknowledgeEscalation(ctx, { id: escalation!.id, actor: lead, version: 1 });
    expect(acknowledged).toEqual(expect.objectContaining({ status: 'acknowledged', acknowledgedBy: { id: lead.id, name: lead.name }, acknowledgedAt: iso(0), version: 2 }));
    expect((await allEscalations('open')).map((e) => e.id)).not.toContain(escalation!.id);
    expect((await allEscalations('acknowledged')).map((e) => e.id)).toEqual([escalation!.id]);
    await expect(acknowledgeEscalation(ctx, { id: escalation!.id, actor: lead, version: 1 })).rejects.toBeInstanceOf(ConflictError);
  });

  it('is a 404 for an unknown escalation', async () => {
    await expect(acknowledgeEscalation(ctx, { id: 'A'.repeat(32), actor: lead, version: 1 })).rejects.toMatchObject({ code: 'not_found' });
  });
});
