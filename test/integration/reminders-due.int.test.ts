import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type AppContext, createContext } from '../../shared/context';
import { newId } from '../../shared/ids';
import { insertPatient } from '../../shared/patients/repository';
import { createReminder } from '../../shared/reminders/create-reminder';
import { getReminderRecord, queryDueReminders, queryExpiredClaims, REMINDER_DUE_SHARDS, saveReminder } from '../../shared/reminders/repository';
import type { Reminder } from '../../shared/reminders/schema';
import { sweepBreaches } from '../../shared/sla/breach-sweep';
import { insertTask } from '../../shared/tasks/repository';
import { useFreshTables } from './support/tables';

// Its own tables: these tests read whole due partitions, so no other file's reminders may be in them.
const tables = useFreshTables();
const T0 = Date.parse('2026-11-02T10:00:00.000Z');
const HOUR = 3_600_000;
const at = (hours: number) => new Date(T0 + hours * HOUR);
const iso = (hours: number) => at(hours).toISOString();
const CASEY = { id: 'u-casey', name: 'Casey Coordinator', role: 'coordinator' as const };
let nowMs = T0;
let ctx: AppContext;
let patientId: string;

beforeAll(async () => {
  ctx = createContext({ config: tables.config, db: tables.db, clock: { now: () => new Date(nowMs) } });
  patientId = newId();
  await insertPatient(ctx, { id: patientId, phones: [], emails: [], pending: false, version: 1, createdAt: iso(0), updatedAt: iso(0) });
});

/** A reminder made at T0, due `hours` later. */
async function reminderDueIn(hours: number): Promise<Reminder> {
  nowMs = T0;
  return (await createReminder(ctx, { actor: CASEY, input: { patientId, channel: 'sms', templateId: 'follow-up-reminder', dueAt: iso(hours) } })).reminder;
}

/** Every due reminder at `now`, shard by shard, following cursors `limit` at a time, with the commands sent. */
async function allDue(now: Date, limit = 100): Promise<{ byShard: string[][]; commands: string[] }> {
  const commands: string[] = [];
  const original = ctx.db.send.bind(ctx.db);
  const spy = jest.spyOn(ctx.db, 'send').mockImplementation(((command: { constructor: { name: string } }) => {
    commands.push(command.constructor.name);
    return original(command as never);
  }) as never);
  const byShard: string[][] = [];
  try {
    for (let shard = 0; shard < REMINDER_DUE_SHARDS; shard++) {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await queryDueReminders(ctx, { shard, now, limit, ...(cursor ? { cursor } : {}) });
        ids.push(...page.reminders.map((r) => r.id));
        cursor = page.nextCursor;
      } while (cursor);
      byShard.push(ids);
    }
  } finally {
    spy.mockRestore();
  }
  return { byShard, commands };
}

describe('queryDueReminders', () => {
  let reminders: Reminder[];
  const dueHours = [1, 2, 2.5, 3, 4, 4.5, 5, 6, 7, 8, 9, 10];

  beforeAll(async () => {
    reminders = [];
    for (const h of dueHours) reminders.push(await reminderDueIn(h));
  });

  it('returns exactly the reminders due at or before now, oldest first within each shard, with Queries only', async () => {
    const now = at(5);
    const { byShard, commands } = await allDue(now);
    const expected = reminders.filter((r) => r.sendAt <= now.toISOString());
    expect(byShard.flat().sort()).toEqual(expected.map((r) => r.id).sort());
    expect(byShard.filter((ids) => ids.length > 0).length).toBeGreaterThan(1);
    const sendAt = new Map(reminders.map((r) => [r.id, r.sendAt]));
    for (const ids of byShard) {
      const times = ids.map((id) => sendAt.get(id)!);
      expect([...times].sort()).toEqual(times);
    }
    expect(commands.every((c) => c === 'QueryCommand')).toBe(true);
    expect(commands).not.toContain(ScanCommand.name);
  });

  it('includes a reminder due exactly now and never one due a millisecond later', async () => {
    const exactly = reminders[dueHours.indexOf(3)]!;
    const { byShard } = await allDue(new Date(Date.parse(exactly.sendAt)));
    expect(byShard.flat()).toContain(exactly.id);
    const { byShard: before } = await allDue(new Date(Date.parse(exactly.sendAt) - 1));
    expect(before.flat()).not.toContain(exactly.id);
    expect(before.flat()).toHaveLength(dueHours.filter((h) => h < 3).length);
  });

  it('pages a shard by cursor to the same answer', async () => {
    const now = at(8);
    expect((await allDue(now, 1)).byShard).toEqual((await allDue(now)).byShard);
  });

  it('returns nothing before anything is due, and stops returning a reminder once it leaves `scheduled`', async () => {
    expect((await allDue(at(0.5))).byShard.flat()).toEqual([]);
    const first = reminders[0]!;
    const current = (await getReminderRecord(ctx, first.id))!;
    await saveReminder(ctx, current, { ...current, status: 'cancelled', statusReason: 'cancelled-by-staff', version: current.version + 1, updatedAt: iso(0.5) }, []);
    expect((await allDue(at(5))).byShard.flat()).not.toContain(first.id);
  });
});

describe('queryExpiredClaims', () => {
  it('finds a reminder left `sending` once its claim is older than the lease, and not before', async () => {
    const r = await reminderDueIn(20);
    const claimed: Reminder = { ...r, status: 'sending', sendingAt: iso(20), version: 2, updatedAt: iso(20) };
    await saveReminder(ctx, r, claimed, []);
    const expired = async (before: Date) => {
      const ids: string[] = [];
      for (let shard = 0; shard < REMINDER_DUE_SHARDS; shard++) ids.push(...(await queryExpiredClaims(ctx, { shard, claimedBefore: before })).reminders.map((x) => x.id));
      return ids;
    };
    expect(await expired(new Date(Date.parse(iso(20)) - 1))).toEqual([]);
    expect(await expired(at(20.1))).toEqual([r.id]);
    // A claimed reminder is not due any more.
    expect((await allDue(at(30))).byShard.flat()).not.toContain(r.id);
  });
});

describe('the SLA breach sweep', () => {
  it('never sees reminders: it reads only the SLA partitions of the shared due index', async () => {
    const overdueTask = {
      id: newId(),
      patientId,
      type: 'call-patient' as const,
      title: 'Call patient',
      status: 'ready' as const,
      priority: 'routine' as const,
      dueAt: iso(40),
      team: 'coordinators' as const,
      links: {},
      attempts: [],
      version: 1,
      createdAt: iso(0),
      updatedAt: iso(0),
      createdBy: { kind: 'user' as const, id: CASEY.id, name: CASEY.name },
    };
    await insertTask(ctx, overdueTask, []);
    const reminder = await reminderDueIn(40);

    const result = await sweepBreaches(ctx, { now: at(100) });
    expect(result).toEqual(expect.objectContaining({ examined: 1, escalated: 1, failed: 0 }));
    expect(await getReminderRecord(ctx, reminder.id)).toEqual(reminder);
    expect((await allDue(at(100))).byShard.flat()).toContain(reminder.id);
  });
});
