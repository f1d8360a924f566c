import { listQueue } from '../../shared/referrals/list-queue';
import { getQueueCounts } from '../../shared/referrals/get-queue-counts';
import { createReferral } from '../../shared/referrals/create-referral';
import { transitionReferral } from '../../shared/referrals/transition-referral';
import { claimReferral } from '../../shared/referrals/assign-referral';
import { PRIORITY_RANK, type Priority, type Referral } from '../../shared/referrals/schema';
import { insertPatient } from '../../shared/patients/repository';
import { createContext, type AppContext } from '../../shared/context';
import { useFreshTables } from './support/tables';

const tables = useFreshTables();
let ctx: AppContext;
let clockNow = Date.parse('2026-11-01T08:00:00Z');
const actor = { id: 'u-casey', name: 'Casey Coordinator' };
const created: Referral[] = [];

beforeAll(async () => {
  ctx = createContext({ config: tables.config, db: tables.db, clock: { now: () => new Date(clockNow) } });
  await insertPatient(ctx, { id: '01JDQUEUEPATIENT0000000000', phones: [], emails: [], pending: false, name: { text: 'Queue Patient', given: ['Queue'], family: 'Patient' }, version: 1, createdAt: new Date(clockNow).toISOString(), updatedAt: new Date(clockNow).toISOString() });
  const priorities: Priority[] = ['routine', 'urgent', 'asap', 'stat'];
  const services = [{ display: 'Cardiology', code: '394579002' }, { display: 'Neurology', code: '394591006' }];
  for (let i = 0; i < 37; i++) {
    clockNow += 3_600_000; // one referral an hour, so due times differ
    created.push(await createReferral(ctx, { actor, input: { patientId: '01JDQUEUEPATIENT0000000000', service: services[i % 2]!, priority: priorities[i % 4]! } }));
  }
  // Move some along so statuses differ.
  for (const r of created.slice(0, 6)) await transitionReferral(ctx, { actor, id: r.id, version: 1, action: { action: 'accept' } });
  for (const r of created.slice(6, 9)) await transitionReferral(ctx, { actor, id: r.id, version: 1, action: { action: 'reject', reason: 'Not covered' } });
  for (const r of created.slice(9, 13)) await claimReferral(ctx, { actor, id: r.id, version: 1 });
  for (const r of created.slice(13, 15)) await transitionReferral(ctx, { actor, id: r.id, version: 1, action: { action: 'request-docs' } });
});

function expectQueueOrder(rows: { referral: Referral }[]) {
  const keys = rows.map((r) => `${PRIORITY_RANK[r.referral.priority]}#${r.referral.dueAt}#${r.referral.id}`);
  expect(keys).toEqual([...keys].sort());
}

async function allPages(filter: Parameters<typeof listQueue>[1]) {
  const rows = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await listQueue(ctx, { ...filter, ...(cursor ? { cursor } : {}) });
    rows.push(...page.rows);
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 50);
  return { rows, pages };
}

describe('listQueue', () => {
  it('pages through every open referral across queues, by priority then due, without repeats', async () => {
    const { rows, pages } = await allPages({ limit: 5 });
    const open = created.length - 3; // three rejected
    expect(rows).toHaveLength(open);
    expect(new Set(rows.map((r) => r.referral.id)).size).toBe(open);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(open / 5));
    expectQueueOrder(rows);
    expect(rows[0]!.patientName).toBe('Queue Patient');
  });

  it('filters by queue, status, priority, assignee and business status through index keys', async () => {
    const neuro = await allPages({ queue: 'neurology', limit: 4 });
    expect(neuro.rows.every((r) => r.referral.queue === 'neurology')).toBe(true);
    expect(neuro.rows.length).toBe(created.filter((r, i) => r.queue === 'neurology' && !(i >= 6 && i < 9)).length);

    const rejected = await allPages({ status: ['rejected'] });
    expect(rejected.rows.map((r) => r.referral.id).sort()).toEqual(created.slice(6, 9).map((r) => r.id).sort());

    const stat = await allPages({ priority: ['stat', 'asap'], limit: 3 });
    expect(stat.rows.every((r) => ['stat', 'asap'].includes(r.referral.priority))).toBe(true);
    expectQueueOrder(stat.rows);

    const mine = await allPages({ assigneeId: 'u-casey' });
    expect(mine.rows.map((r) => r.referral.id).sort()).toEqual(created.slice(9, 13).map((r) => r.id).sort());

    const docs = await allPages({ businessStatus: 'awaiting-docs' });
    expect(docs.rows.map((r) => r.referral.id).sort()).toEqual(created.slice(13, 15).map((r) => r.id).sort());
  });

  it('lists only overdue referrals when asked, flagged overdue', async () => {
    // Routine referrals are due in 14 days: move the clock past the first few of them.
    const firstRoutineDue = Date.parse(created[0]!.dueAt);
    clockNow = firstRoutineDue + 10 * 3_600_000;
    const { rows } = await allPages({ overdue: true, limit: 4 });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.overdue && r.referral.dueAt < new Date(clockNow).toISOString())).toBe(true);
    const everything = await allPages({});
    expect(rows.length).toBe(everything.rows.filter((r) => r.overdue).length);
  });

  it('refuses a tampered cursor with 400', async () => {
    await expect(listQueue(ctx, { cursor: 'not-a-cursor' })).rejects.toThrow(/cursor is not valid/);
  });
});

describe('getQueueCounts', () => {
  it('counts per status from the sharded counters', async () => {
    const counts = await getQueueCounts(ctx);
    expect(counts.byStatus).toMatchObject({ requested: created.length - 9, accepted: 6, rejected: 3 });
    expect(counts.byBusinessStatus['awaiting-docs']).toBe(2);
    const cardio = await getQueueCounts(ctx, { queue: 'cardiology' });
    const total = Object.values(cardio.byStatus).reduce((a, b) => a + b, 0);
    expect(total).toBe(created.filter((r) => r.queue === 'cardiology').length);
  });
});
