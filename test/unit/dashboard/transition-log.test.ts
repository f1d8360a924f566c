import type { Referral } from '../../../shared/referrals/schema';
import type { Task } from '../../../shared/tasks/schema';
import { daysBetween, LOG_RETENTION_DAYS, referralLogPut, taskLogPut, ZTransitionLogEntry } from '../../../shared/dashboard/transition-log';

const referral: Referral = {
  id: '01J00000000000000000000001',
  patientId: 'p1',
  direction: 'outbound',
  service: { display: 'Cardiology' },
  reason: 'Chest pain on exertion',
  priority: 'urgent',
  status: 'accepted',
  businessStatus: 'scheduling',
  queue: 'cardiology',
  dueAt: '2026-11-25T17:00:00.000Z',
  ehrVersions: {},
  version: 3,
  createdAt: '2026-11-20T14:00:00.000Z',
  updatedAt: '2026-11-23T15:00:00.000Z',
};

const task: Task = {
  id: '01J00000000000000000000002',
  patientId: 'p1',
  type: 'post-discharge-call',
  title: 'Post-discharge call',
  status: 'in-progress',
  priority: 'urgent',
  dueAt: '2026-11-25T17:00:00.000Z',
  team: 'nurses',
  owner: { id: 'u1', name: 'Nora Nurse' },
  links: {},
  attempts: [],
  version: 2,
  createdAt: '2026-11-20T14:00:00.000Z',
  updatedAt: '2026-11-23T15:00:00.000Z',
  createdBy: { kind: 'rule', ruleId: 'discharge.post-discharge-call' },
};

describe('transition log', () => {
  it('logs a referral created and each status or business-status move, keyed by day and shard', () => {
    const created = referralLogPut('records', undefined, { ...referral, status: 'requested', businessStatus: 'triage', updatedAt: referral.createdAt });
    expect(created?.Put.Item).toMatchObject({ entity: 'transition-log', kind: 'referral', to: { status: 'requested', businessStatus: 'triage' } });
    expect(created?.Put.Item.pk).toMatch(/^LOG#2026-11-20#[0-3]$/);
    expect(created?.Put.Item).not.toHaveProperty('from');

    const booked = referralLogPut('records', referral, { ...referral, businessStatus: 'appointment-booked', version: 4 });
    expect(booked?.Put.Item).toMatchObject({
      from: { status: 'accepted', businessStatus: 'scheduling' },
      to: { status: 'accepted', businessStatus: 'appointment-booked' },
      itemCreatedAt: referral.createdAt,
      at: referral.updatedAt,
    });
    expect(String(booked?.Put.Item.sk)).toMatch(/^2026-11-23T15:00:00.000Z#/);
  });

  it('writes nothing when neither status moved (a note, a reassignment, a breach mark)', () => {
    expect(referralLogPut('records', referral, { ...referral, assignee: { id: 'u2', name: 'Riley' }, version: 4 })).toBeUndefined();
    expect(taskLogPut('records', task, { ...task, owner: { id: 'u3', name: 'Other' }, version: 3 })).toBeUndefined();
  });

  it('marks the change that closed the loop, once', () => {
    const closed = { ...referral, status: 'completed' as const, businessStatus: 'outcome-received' as const, loopClosedAt: '2026-11-23T15:00:00.000Z', version: 4 };
    expect(referralLogPut('records', referral, closed)?.Put.Item.loopClosed).toBe(true);
    const cancelled = { ...referral, status: 'cancelled' as const, version: 4 };
    expect(referralLogPut('records', referral, cancelled)?.Put.Item).not.toHaveProperty('loopClosed');
  });

  it('holds no patient data: no reason, name, note, patient id or owner', () => {
    const item = referralLogPut('records', referral, { ...referral, status: 'on-hold', statusReason: 'Patient in hospital', version: 4 })!.Put.Item;
    const text = JSON.stringify(item);
    for (const phi of ['Chest pain', 'Patient in hospital', 'Cardiology', '"p1"']) expect(text).not.toContain(phi);
    const taskItem = JSON.stringify(taskLogPut('records', task, { ...task, status: 'completed', version: 3 })!.Put.Item);
    expect(taskItem).not.toContain('Nora');
    expect(taskItem).toContain('"taskType":"post-discharge-call"');
  });

  it('expires after the retention period (TTL in epoch seconds)', () => {
    const item = taskLogPut('records', undefined, task)!.Put.Item;
    expect(item.expiresAt).toBe(Math.floor(Date.parse(task.updatedAt) / 1000) + LOG_RETENTION_DAYS * 86_400);
    expect(ZTransitionLogEntry.parse(item).kind).toBe('task');
  });

  it('lists the UTC days of a window inclusive, across a month end', () => {
    expect(daysBetween(new Date('2026-10-30T23:00:00Z'), new Date('2026-11-02T01:00:00Z'))).toEqual(['2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02']);
    expect(daysBetween(new Date('2026-11-02T10:00:00Z'), new Date('2026-11-02T11:00:00Z'))).toEqual(['2026-11-02']);
  });
});
