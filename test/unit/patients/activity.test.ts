import fc from 'fast-check';
import { carePlanItem, fromCarePlanEntry, fromReferralEntry, fromTaskEntry, mergeActivity, newestFirst, referralItem, taskItem } from '../../../shared/patients/activity';
import { overviewAccess } from '../../../shared/patients/get-patient-overview';
import type { ActivityEntry } from '../../../shared/patients/overview-schema';

const actor = { id: 'u-casey', name: 'Casey Coordinator' };

describe('patient timeline entries', () => {
  it('keep what, on which item, who and when for each kind of record', () => {
    const referral = referralItem({ id: 'R1', service: { code: '183519002' } });
    const task = taskItem({ id: 'T1', title: 'Post-discharge call' });
    const plan = carePlanItem({ id: 'C1', title: 'Heart failure follow-up' });
    expect(referral).toEqual({ type: 'referral', id: 'R1', label: '183519002' });
    expect(referralItem({ id: 'R2', service: { display: 'Cardiology', code: 'x' } }).label).toBe('Cardiology');

    expect(
      fromReferralEntry(referral, {
        id: 'E1',
        referralId: 'R1',
        at: '2026-01-01T10:00:00.000Z',
        actor,
        kind: 'transition',
        action: 'accept',
        from: { status: 'requested', businessStatus: 'triage' },
        to: { status: 'accepted', businessStatus: 'scheduling' },
        note: 'Looks complete',
      }),
    ).toEqual({
      id: 'E1',
      at: '2026-01-01T10:00:00.000Z',
      actor,
      item: referral,
      kind: 'transition',
      action: 'accept',
      from: { status: 'requested', businessStatus: 'triage' },
      to: { status: 'accepted', businessStatus: 'scheduling' },
      note: 'Looks complete',
    });
    expect(
      fromTaskEntry(task, { id: 'E2', taskId: 'T1', at: '2026-01-01T11:00:00.000Z', actor, kind: 'attempt', attempt: { channel: 'phone', outcome: 'voicemail' } }),
    ).toEqual({ id: 'E2', at: '2026-01-01T11:00:00.000Z', actor, item: task, kind: 'attempt', attempt: { channel: 'phone', outcome: 'voicemail' } });
    expect(fromTaskEntry(task, { id: 'E3', taskId: 'T1', at: 'x', actor, kind: 'transition', from: 'ready', to: 'in-progress' })).toMatchObject({ from: { status: 'ready' }, to: { status: 'in-progress' } });
    expect(fromCarePlanEntry(plan, { id: 'E4', carePlanId: 'C1', at: 'x', actor, kind: 'revision', changes: ['goals'] })).toEqual({
      id: 'E4',
      at: 'x',
      actor,
      item: plan,
      kind: 'revision',
      changes: ['goals'],
    });
  });
});

describe('mergeActivity', () => {
  const entry = (id: string, at: string, itemId = 'I'): ActivityEntry => ({ id, at, actor, item: { type: 'task', id: itemId, label: 'x' }, kind: 'note' });

  it('merges several items’ histories newest first and cuts at the limit, saying so', () => {
    const a = [entry('A1', '2026-01-01T09:00:00.000Z', 'a'), entry('A2', '2026-01-03T09:00:00.000Z', 'a')];
    const b = [entry('B1', '2026-01-02T09:00:00.000Z', 'b')];
    expect(mergeActivity([a, b], 10)).toEqual({ entries: [a[1], b[0], a[0]], truncated: false });
    expect(mergeActivity([a, b], 2)).toEqual({ entries: [a[1], b[0]], truncated: true });
    expect(mergeActivity([a, b], 3).truncated).toBe(false);
  });

  it('orders entries at the same instant by id, later-written first', () => {
    const at = '2026-01-01T09:00:00.000Z';
    expect(mergeActivity([[entry('01A', at)], [entry('01B', at)]], 5).entries.map((e) => e.id)).toEqual(['01B', '01A']);
  });

  it('puts a creation after whatever the same transaction did next, whatever the ids say', () => {
    const at = '2026-01-01T09:00:00.000Z';
    const created: ActivityEntry = { ...entry('01Z', at), kind: 'created' };
    const moved: ActivityEntry = { ...entry('01A', at), kind: 'transition' };
    expect(mergeActivity([[created, moved]], 5).entries.map((e) => e.kind)).toEqual(['transition', 'created']);
  });

  it('is always sorted newest first, never longer than the limit, and keeps the newest entries', () => {
    const arbEntry = fc.record({ id: fc.stringMatching(/^[0-9A-Z]{4}$/), at: fc.integer({ min: 0, max: 10_000 }).map((n) => new Date(1_700_000_000_000 + n * 1000).toISOString()) });
    fc.assert(
      fc.property(fc.array(fc.array(arbEntry, { maxLength: 20 }), { maxLength: 6 }), fc.integer({ min: 1, max: 40 }), (lists, limit) => {
        const typed = lists.map((l, i) => l.map((e) => entry(e.id, e.at, `item${i}`)));
        const { entries, truncated } = mergeActivity(typed, limit);
        const total = typed.flat().length;
        expect(entries.length).toBe(Math.min(limit, total));
        expect(truncated).toBe(total > limit);
        for (let i = 1; i < entries.length; i++) expect(newestFirst(entries[i - 1]!, entries[i]!)).toBeLessThanOrEqual(0);
        const oldestShown = entries.at(-1);
        if (oldestShown && truncated) {
          // Nothing left out is newer than what is shown.
          const left = typed.flat().filter((e) => !entries.includes(e));
          expect(left.every((e) => e.at <= oldestShown.at)).toBe(true);
        }
      }),
    );
  });
});

describe('overviewAccess', () => {
  it('gives each role the sections whose records it may open: nurses get no referrals, admins nothing', () => {
    expect(overviewAccess('coordinator')).toEqual({ referrals: true, tasks: true, carePlans: true });
    expect(overviewAccess('auditor')).toEqual({ referrals: true, tasks: true, carePlans: true });
    expect(overviewAccess('nurse')).toEqual({ referrals: false, tasks: true, carePlans: true });
    expect(overviewAccess('admin')).toEqual({ referrals: false, tasks: false, carePlans: false });
  });
});
