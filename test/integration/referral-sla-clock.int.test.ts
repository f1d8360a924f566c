import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type AppContext, createContext } from '../../shared/context';
import { newId } from '../../shared/ids';
import { applyEhrServiceRequest } from '../../shared/referrals/apply-ehr-service-request';
import { referralDueAt } from '../../shared/referrals/due';
import { getReferralRecord, insertReferral, referralKey } from '../../shared/referrals/repository';
import type { Referral } from '../../shared/referrals/schema';
import { transitionReferral } from '../../shared/referrals/transition-referral';
import { sweepBreaches } from '../../shared/sla/breach-sweep';
import { listEscalations } from '../../shared/sla/escalations';
import { serviceRequest } from '../fixtures/fhir/builders';
import { useFreshTables } from './support/tables';

const tables = useFreshTables();
// DEFAULT_CALENDAR: New York, Monday–Friday 08:00–17:00. 2026-11-16 is a Monday (EST, UTC-5).
const ny = (local: string) => new Date(`${local}-05:00`);
const nyIso = (local: string) => ny(local).toISOString();
const casey = { id: 'u-casey', name: 'Casey Coordinator' };
let now = ny('2026-11-16T09:00:00');
let ctx: AppContext;

beforeAll(() => {
  ctx = createContext({ config: tables.config, db: tables.db, clock: { now: () => now } });
});

/** The stored item, index keys included. */
async function stored(id: string): Promise<Record<string, unknown>> {
  const res = await ctx.db.send(new GetCommand({ TableName: tables.names.records, Key: referralKey(id), ConsistentRead: true }));
  return res.Item!;
}

async function acceptedReferral(priority: Referral['priority']): Promise<Referral> {
  const createdAt = now.toISOString();
  const referral: Referral = {
    id: newId(),
    patientId: 'PAT-CLOCK-1',
    direction: 'outbound',
    service: { display: 'Cardiology' },
    priority,
    status: 'accepted',
    businessStatus: 'scheduling',
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

async function escalatedIds(): Promise<string[]> {
  return (await listEscalations(ctx, { limit: 100 })).escalations.map((e) => e.itemId);
}

describe('a referral on hold', () => {
  it('leaves the due index while held, and comes back due later by the business time it spent on hold', async () => {
    now = ny('2026-11-16T09:00:00');
    const referral = await acceptedReferral('asap');
    expect(referral.dueAt).toBe(nyIso('2026-11-17T09:00:00'));
    expect(await stored(referral.id)).toMatchObject({ dueSk: `${referral.dueAt}#referral#${referral.id}` });

    now = ny('2026-11-16T12:00:00');
    const held = await transitionReferral(ctx, { actor: casey, id: referral.id, version: 1, action: { action: 'hold', reason: 'Waiting for insurance' } });
    expect(held.holds).toEqual([{ from: nyIso('2026-11-16T12:00:00') }]);
    const heldItem = await stored(referral.id);
    expect(heldItem.duePk).toBeUndefined();
    expect(heldItem.dueSk).toBeUndefined();

    // The original due time passes while it waits: no breach.
    now = ny('2026-11-17T10:00:00');
    await sweepBreaches(ctx);
    expect(await escalatedIds()).not.toContain(referral.id);

    const resumed = await transitionReferral(ctx, { actor: casey, id: referral.id, version: 2, action: { action: 'resume' } });
    // 3 business hours were used before the hold; the other 6 run from Tuesday 10:00.
    expect(resumed.dueAt).toBe(nyIso('2026-11-17T16:00:00'));
    expect(resumed.holds).toEqual([{ from: nyIso('2026-11-16T12:00:00'), to: nyIso('2026-11-17T10:00:00') }]);
    expect(await getReferralRecord(ctx, referral.id)).toMatchObject({ dueAt: resumed.dueAt, holds: resumed.holds, version: 3 });
    expect(await stored(referral.id)).toMatchObject({ dueSk: `${resumed.dueAt}#referral#${referral.id}` });

    await sweepBreaches(ctx, { now: ny('2026-11-17T15:59:00') });
    expect(await escalatedIds()).not.toContain(referral.id);
    await sweepBreaches(ctx, { now: ny('2026-11-17T16:01:00') });
    expect(await escalatedIds()).toContain(referral.id);
  });
});

describe('re-prioritised in the EHR', () => {
  const source = 'ehr-clock';

  it('re-times the clock from its original start with the new priority and the holds so far', async () => {
    now = ny('2026-11-16T09:00:00');
    const sr = serviceRequest('sr-clock', 'pat-clock', nyIso('2026-11-16T09:00:00'), { priority: 'urgent' });
    const intake = await applyEhrServiceRequest(ctx, { sourceId: source, resource: sr, version: sr.meta!.lastUpdated!, receivedAt: now.toISOString() });
    if (intake.outcome !== 'done') throw new Error('intake skipped');
    const id = intake.referralId;
    expect((await getReferralRecord(ctx, id))?.dueAt).toBe(nyIso('2026-11-19T09:00:00'));

    await transitionReferral(ctx, { actor: casey, id, version: 1, action: { action: 'accept' } });
    now = ny('2026-11-16T12:00:00');
    await transitionReferral(ctx, { actor: casey, id, version: 2, action: { action: 'hold', reason: 'Waiting' } });
    now = ny('2026-11-17T10:00:00');
    await transitionReferral(ctx, { actor: casey, id, version: 3, action: { action: 'resume' } });

    now = ny('2026-11-17T11:00:00');
    const lastUpdated = now.toISOString();
    await applyEhrServiceRequest(ctx, { sourceId: source, resource: { ...sr, priority: 'asap', meta: { versionId: '2', lastUpdated } }, version: lastUpdated, receivedAt: lastUpdated });
    const after = await getReferralRecord(ctx, id);
    expect(after?.priority).toBe('asap');
    // asap = 9 business hours from Monday 09:00 (not from the update), minus the 7 on hold:
    // 3 h before the hold and 6 h from Tuesday 10:00.
    expect(after?.dueAt).toBe(nyIso('2026-11-17T16:00:00'));
    expect(await stored(id)).toMatchObject({ dueSk: `${after?.dueAt}#referral#${id}` });
  });

  it('clears a breach of the old due time when the new priority gives a later one', async () => {
    now = ny('2026-11-16T09:00:00');
    const sr = serviceRequest('sr-breach', 'pat-clock', nyIso('2026-11-16T09:00:00'), { priority: 'stat' });
    const intake = await applyEhrServiceRequest(ctx, { sourceId: source, resource: sr, version: sr.meta!.lastUpdated!, receivedAt: now.toISOString() });
    if (intake.outcome !== 'done') throw new Error('intake skipped');
    const id = intake.referralId;

    now = ny('2026-11-16T14:00:00'); // stat was due at 13:00
    await sweepBreaches(ctx);
    expect((await getReferralRecord(ctx, id))?.breachedAt).toBe(now.toISOString());
    expect((await stored(id)).dueSk).toBeUndefined();

    const lastUpdated = now.toISOString();
    await applyEhrServiceRequest(ctx, { sourceId: source, resource: { ...sr, priority: 'routine', meta: { versionId: '2', lastUpdated } }, version: lastUpdated, receivedAt: lastUpdated });
    const after = await getReferralRecord(ctx, id);
    // routine = 90 business hours from Monday 09:00: 8 on Monday, 9 a day after, Thanksgiving (26th) closed.
    expect(after?.dueAt).toBe(nyIso('2026-12-01T09:00:00'));
    expect(after?.breachedAt).toBeUndefined();
    expect(await stored(id)).toMatchObject({ dueSk: `${after?.dueAt}#referral#${id}` });
  });
});
