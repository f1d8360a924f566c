import { ZodError } from 'zod';
import { ConflictError } from '../../../shared/errors';
import { CAREPLAN_STATUSES } from '../../../shared/careplans/schema';
import {
  CAREPLAN_TRANSITIONS,
  ZCarePlanTransition,
  applyCarePlanTransition,
  canTransitionCarePlan,
} from '../../../shared/careplans/state-machine';
import { planFromTemplate } from './support';

const now = new Date('2026-11-20T10:00:00Z');

describe('care plan state machine', () => {
  it('allows exactly the documented moves', () => {
    const legal = CAREPLAN_STATUSES.flatMap((from) => CAREPLAN_STATUSES.filter((to) => canTransitionCarePlan(from, to)).map((to) => `${from}→${to}`));
    expect(legal.sort()).toEqual(
      ['draft→active', 'draft→revoked', 'active→on-hold', 'active→completed', 'active→revoked', 'on-hold→active', 'on-hold→revoked', 'on-hold→completed'].sort(),
    );
    expect(CAREPLAN_TRANSITIONS.completed).toEqual([]);
    expect(CAREPLAN_TRANSITIONS.revoked).toEqual([]);
  });

  it.each([
    ['draft', 'completed'],
    ['draft', 'on-hold'],
    ['active', 'draft'],
    ['active', 'active'],
    ['completed', 'active'],
    ['revoked', 'active'],
  ] as const)('refuses %s → %s with a ConflictError naming both', (from, to) => {
    const plan = planFromTemplate('heart-failure-follow-up', { status: from });
    expect(() => applyCarePlanTransition(plan, { to, reason: 'x' }, now)).toThrow(ConflictError);
    expect(() => applyCarePlanTransition(plan, { to, reason: 'x' }, now)).toThrow(`Cannot move a care plan from ${from} to ${to}`);
  });

  it('requires a reason to pause or revoke, not to activate or complete', () => {
    expect(() => ZCarePlanTransition.parse({ to: 'on-hold' })).toThrow(ZodError);
    expect(() => ZCarePlanTransition.parse({ to: 'revoked', reason: '  ' })).toThrow(ZodError);
    expect(ZCarePlanTransition.parse({ to: 'active' })).toEqual({ to: 'active' });
    expect(ZCarePlanTransition.parse({ to: 'completed' })).toEqual({ to: 'completed' });
  });

  it('advances the version and records the reason; a later move clears it', () => {
    const plan = planFromTemplate('heart-failure-follow-up');
    const paused = applyCarePlanTransition(plan, { to: 'on-hold', reason: 'Readmitted' }, now);
    expect(paused).toMatchObject({ status: 'on-hold', statusReason: 'Readmitted', version: 2, updatedAt: now.toISOString() });
    expect(paused.activities).toEqual(plan.activities);
    const resumed = applyCarePlanTransition(paused, { to: 'active' }, new Date('2026-11-25T10:00:00Z'));
    expect(resumed.statusReason).toBeUndefined();
    expect(resumed.version).toBe(3);
  });

  it('ending a plan stamps period.end and cancels open activities, keeping finished ones', () => {
    const plan = planFromTemplate('post-discharge-transitional-care');
    plan.activities[0]!.status = 'completed';
    plan.activities[1]!.status = 'in-progress';
    const completed = applyCarePlanTransition(plan, { to: 'completed' }, now);
    expect(completed.period).toEqual({ start: plan.period.start, end: now.toISOString() });
    expect(completed.activities.map((a) => a.status)).toEqual(['completed', 'cancelled', 'cancelled']);
  });

  it('resuming starts a new schedule revision for open activities only', () => {
    const plan = planFromTemplate('post-discharge-transitional-care');
    plan.activities[0]!.status = 'completed';
    const paused = applyCarePlanTransition(plan, { to: 'on-hold', reason: 'Away' }, now);
    const resumed = applyCarePlanTransition(paused, { to: 'active' }, now);
    // Day 18 of the plan: the day-7 call has fallen due (settled), the day-14 visit too.
    expect(resumed.activities.map((a) => a.settled)).toEqual([[], [1], [1]]);
  });
});
