import { type CarePlanTaskCancel, plannedWork } from '../../../shared/careplans/planned-work';
import { reviseCarePlan } from '../../../shared/careplans/revise';
import { ZActivityInput, type ActivityInput, type CarePlan } from '../../../shared/careplans/schema';
import { applyCarePlanTransition } from '../../../shared/careplans/state-machine';
import { PLAN_START, activityInputs, planFromTemplate, planWith } from './support';

const at = (iso: string) => new Date(iso);
const keys = (items: { idempotencyKey: string }[]) => items.map((i) => i.idempotencyKey);
const reasons = (cancel: CarePlanTaskCancel[]) => [...new Set(cancel.map((c) => c.reason))];

/** A person's activity edit on `plan` at `now`, as updateCarePlan applies it. */
function editActivities(plan: CarePlan, now: Date, edit: (inputs: ActivityInput[]) => ActivityInput[]): CarePlan {
  return reviseCarePlan(plan, { activities: edit(activityInputs(plan)).map((a) => ZActivityInput.parse(a)) }, now).after;
}

describe('plannedWork', () => {
  describe('an active plan', () => {
    it('expands every activity into task inputs with stable keys, due at start + offset at the close of that business day', () => {
      const plan = planFromTemplate('post-discharge-transitional-care');
      const [call, medRec, visit] = plan.activities;
      const work = plannedWork(plan);
      expect(work.cancel).toEqual([]);
      expect(work.create).toEqual([
        {
          idempotencyKey: `${plan.id}:${call!.id}:r1:1`,
          patientId: plan.patientId,
          carePlanId: plan.id,
          activityId: call!.id,
          occurrence: 1,
          type: 'post-discharge-call',
          title: 'Post-discharge call (within 2 business days)',
          dueAt: '2026-11-04T22:00:00.000Z',
          priority: 'routine',
          team: 'nurses',
        },
        expect.objectContaining({ activityId: medRec!.id, type: 'call-patient', dueAt: '2026-11-09T22:00:00.000Z' }),
        expect.objectContaining({ activityId: visit!.id, type: 'follow-up-visit', dueAt: '2026-11-16T22:00:00.000Z' }),
      ]);
    });

    it('expands a recurring activity into numbered occurrences at its interval', () => {
      const plan = planFromTemplate('diabetes-quarterly-review');
      const hba1c = plan.activities[0]!;
      const reviews = plannedWork(plan).create.filter((t) => t.activityId === hba1c.id);
      expect(reviews.map((t) => [t.occurrence, t.dueAt, t.title])).toEqual([
        [1, '2027-02-01T22:00:00.000Z', 'Quarterly HbA1c review (1 of 4)'],
        [2, '2027-05-03T21:00:00.000Z', 'Quarterly HbA1c review (2 of 4)'],
        [3, '2027-07-30T21:00:00.000Z', 'Quarterly HbA1c review (3 of 4)'],
        [4, '2027-10-28T21:00:00.000Z', 'Quarterly HbA1c review (4 of 4)'],
      ]);
      expect(new Set(keys(plannedWork(plan).create)).size).toBe(5);
    });

    it('is idempotent: the same plan always asks for the same keys', () => {
      const plan = planFromTemplate('heart-failure-follow-up');
      expect(plannedWork(plan)).toEqual(plannedWork(structuredClone(plan)));
      expect(plannedWork(plan, plan)).toEqual({ create: plannedWork(plan).create, cancel: [] });
    });

    it('asks for nothing while the plan is a draft, and everything once activated', () => {
      const draft = planFromTemplate('post-discharge-transitional-care', { status: 'draft' });
      expect(plannedWork(draft)).toEqual({ create: [], cancel: [] });
      const active = applyCarePlanTransition(draft, { to: 'active' }, at('2026-11-02T15:00:00Z'));
      const work = plannedWork(active, draft);
      expect(work.cancel).toEqual([]);
      expect(keys(work.create)).toEqual(active.activities.map((a) => `${active.id}:${a.id}:r1:1`));
    });

    it('still asks for work already overdue when the plan is applied late (it is owed)', () => {
      const plan = planFromTemplate('post-discharge-transitional-care', { status: 'draft' });
      const active = applyCarePlanTransition(plan, { to: 'active' }, at('2026-11-20T09:00:00Z'));
      expect(plannedWork(active, plan).create).toHaveLength(3);
    });
  });

  describe('revising an active plan', () => {
    const plan = planFromTemplate('post-discharge-transitional-care');
    const [call, medRec, visit] = plan.activities;

    it('cancels the work of a removed activity and leaves the others alone', () => {
      const revised = editActivities(plan, at('2026-11-03T09:00:00Z'), (list) => list.filter((a) => a.id !== medRec!.id));
      const work = plannedWork(revised, plan);
      expect(work.cancel).toEqual([
        { idempotencyKey: `${plan.id}:${medRec!.id}:r1:1`, carePlanId: plan.id, activityId: medRec!.id, occurrence: 1, reason: 'Activity removed from the care plan' },
      ]);
      expect(keys(work.create)).toEqual([`${plan.id}:${call!.id}:r1:1`, `${plan.id}:${visit!.id}:r1:1`]);
    });

    it('replaces the work of an activity whose offset changed under a new key, keeping the others', () => {
      const revised = editActivities(plan, at('2026-11-03T09:00:00Z'), (list) => list.map((a) => (a.id === visit!.id ? { ...a, offsetDays: 10 } : a)));
      expect(revised.activities[2]!.settled).toEqual([0]);
      const work = plannedWork(revised, plan);
      expect(work.cancel).toEqual([expect.objectContaining({ idempotencyKey: `${plan.id}:${visit!.id}:r1:1`, reason: 'Care plan activity rescheduled' })]);
      const replacement = work.create.find((t) => t.activityId === visit!.id)!;
      expect(replacement).toMatchObject({ idempotencyKey: `${plan.id}:${visit!.id}:r2:1`, dueAt: '2026-11-12T22:00:00.000Z' });
      // Unchanged activities keep their keys, so the tasks module sees them as already created.
      expect(work.create.filter((t) => t.activityId !== visit!.id)).toEqual(plannedWork(plan).create.filter((t) => t.activityId !== visit!.id));
    });

    it('leaves settled occurrences (already due when the schedule changed) alone and replaces only the rest', () => {
      const diabetes = planFromTemplate('diabetes-quarterly-review');
      const hba1c = diabetes.activities[0]!;
      // Day 200: reviews 1 (day 90) and 2 (day 180) have fallen due; every 120 days from now on.
      const revised = editActivities(diabetes, at('2027-05-21T09:00:00Z'), (list) =>
        list.map((a) => (a.id === hba1c.id ? { ...a, recurrence: { everyDays: 120, count: 4 } } : a)),
      );
      expect(revised.activities[0]!.settled).toEqual([2]);
      const work = plannedWork(revised, diabetes);
      expect(work.cancel.map((c) => c.idempotencyKey)).toEqual([`${diabetes.id}:${hba1c.id}:r1:3`, `${diabetes.id}:${hba1c.id}:r1:4`]);
      expect(work.create.filter((t) => t.activityId === hba1c.id).map((t) => [t.idempotencyKey, t.dueAt])).toEqual([
        // Occurrence n falls on day 90 + (n − 1) × 120 of the plan: days 330 and 450.
        [`${diabetes.id}:${hba1c.id}:r2:3`, '2027-09-28T21:00:00.000Z'],
        [`${diabetes.id}:${hba1c.id}:r2:4`, '2028-01-26T22:00:00.000Z'],
      ]);
    });

    it('moving pending work into the past generates it as overdue rather than dropping it', () => {
      const revised = editActivities(plan, at('2026-11-06T09:00:00Z'), (list) => list.map((a) => (a.id === medRec!.id ? { ...a, offsetDays: 3 } : a)));
      const work = plannedWork(revised, plan);
      expect(work.cancel.map((c) => c.idempotencyKey)).toEqual([`${plan.id}:${medRec!.id}:r1:1`]);
      expect(work.create.find((t) => t.activityId === medRec!.id)).toMatchObject({ idempotencyKey: `${plan.id}:${medRec!.id}:r2:1`, dueAt: '2026-11-05T22:00:00.000Z' });
    });

    it('appends occurrences when a recurrence is only extended (no cancellations, same revision)', () => {
      const weekly = planWith([{ kind: 'call-patient', title: 'Weekly call', offsetDays: 1, recurrence: { everyDays: 7, count: 2 } }]);
      const extended = editActivities(weekly, at('2026-11-20T09:00:00Z'), (list) => list.map((a) => ({ ...a, recurrence: { everyDays: 7, count: 4 } })));
      const work = plannedWork(extended, weekly);
      expect(work.cancel).toEqual([]);
      expect(keys(work.create)).toEqual([1, 2, 3, 4].map((n) => `${weekly.id}:${weekly.activities[0]!.id}:r1:${n}`));
    });

    it('shortening a recurrence cancels the dropped occurrences and re-keys the pending ones', () => {
      const weekly = planWith([{ kind: 'call-patient', title: 'Weekly call', offsetDays: 1, recurrence: { everyDays: 7, count: 4 } }]);
      const id = weekly.activities[0]!.id;
      // Day 10: occurrences 1 (day 1) and 2 (day 8) are due; keep 3 occurrences.
      const shorter = editActivities(weekly, at('2026-11-12T09:00:00Z'), (list) => list.map((a) => ({ ...a, recurrence: { everyDays: 7, count: 3 } })));
      const work = plannedWork(shorter, weekly);
      expect(keys(work.cancel)).toEqual([`${weekly.id}:${id}:r1:3`, `${weekly.id}:${id}:r1:4`]);
      expect(keys(work.create)).toEqual([`${weekly.id}:${id}:r2:3`]);
    });

    it('a retitle keeps the keys; a change of task type replaces the work', () => {
      const retitled = editActivities(plan, at('2026-11-03T09:00:00Z'), (list) => list.map((a) => (a.id === call!.id ? { ...a, title: 'Transitional care call' } : a)));
      expect(plannedWork(retitled, plan).cancel).toEqual([]);
      expect(keys(plannedWork(retitled, plan).create)).toEqual(keys(plannedWork(plan).create));

      const retyped = editActivities(plan, at('2026-11-03T09:00:00Z'), (list) => list.map((a) => (a.id === call!.id ? { ...a, kind: 'custom' } : a)));
      const work = plannedWork(retyped, plan);
      expect(keys(work.cancel)).toEqual([`${plan.id}:${call!.id}:r1:1`]);
      expect(work.create[0]).toMatchObject({ idempotencyKey: `${plan.id}:${call!.id}:r2:1`, type: 'custom' });
    });

    it('closing an activity cancels its pending work; reopening it generates what is still ahead under new keys', () => {
      const closed = editActivities(plan, at('2026-11-03T09:00:00Z'), (list) => list.map((a) => (a.id === visit!.id ? { ...a, status: 'cancelled' } : a)));
      let work = plannedWork(closed, plan);
      expect(work.cancel).toEqual([expect.objectContaining({ idempotencyKey: `${plan.id}:${visit!.id}:r1:1`, reason: 'Care plan activity cancelled' })]);
      expect(work.create.some((t) => t.activityId === visit!.id)).toBe(false);

      const done = editActivities(plan, at('2026-11-03T09:00:00Z'), (list) => list.map((a) => (a.id === call!.id ? { ...a, status: 'completed' } : a)));
      expect(reasons(plannedWork(done, plan).cancel)).toEqual(['Care plan activity marked completed']);

      const reopened = editActivities(closed, at('2026-11-05T09:00:00Z'), (list) => list.map((a) => (a.id === visit!.id ? { ...a, status: 'scheduled' } : a)));
      work = plannedWork(reopened, closed);
      expect(work.cancel).toEqual([]);
      expect(work.create.find((t) => t.activityId === visit!.id)).toMatchObject({ idempotencyKey: `${plan.id}:${visit!.id}:r2:1` });
    });

    it('a new activity in a running plan generates its work; a draft edit never starts a revision', () => {
      const added = editActivities(plan, at('2026-11-03T09:00:00Z'), (list) => [...list, { kind: 'obtain-records', title: 'Obtain discharge summary', offsetDays: 1 }]);
      const work = plannedWork(added, plan);
      expect(work.cancel).toEqual([]);
      expect(work.create.at(-1)).toMatchObject({ type: 'obtain-records', occurrence: 1, dueAt: '2026-11-03T22:00:00.000Z' });

      const draft = { ...plan, status: 'draft' as const };
      const edited = editActivities(draft, at('2026-11-30T09:00:00Z'), (list) => list.map((a) => ({ ...a, offsetDays: a.offsetDays + 1 })));
      expect(edited.activities.every((a) => a.settled.length === 0)).toBe(true);
      expect(plannedWork(edited, draft)).toEqual({ create: [], cancel: [] });
    });
  });

  describe('ending or pausing a plan', () => {
    it.each([
      ['completed', 'Care plan completed'],
      ['revoked', 'Care plan revoked'],
      ['on-hold', 'Care plan put on hold'],
    ] as const)('%s: cancels all pending work and creates none', (to, reason) => {
      const plan = planFromTemplate('diabetes-quarterly-review');
      const ended = applyCarePlanTransition(plan, { to, reason: 'Patient request' }, at('2027-03-01T09:00:00Z'));
      const work = plannedWork(ended, plan);
      expect(work.create).toEqual([]);
      expect(keys(work.cancel).sort()).toEqual(keys(plannedWork(plan).create).sort());
      expect(reasons(work.cancel)).toEqual([reason]);
      // Reconciliation without the previous state lists the same cancellations.
      expect(keys(plannedWork(ended).cancel).sort()).toEqual(keys(work.cancel).sort());
    });

    it('also cancels settled occurrences of earlier revisions that may still be open', () => {
      const weekly = planWith([{ kind: 'call-patient', title: 'Weekly call', offsetDays: 1, recurrence: { everyDays: 7, count: 3 } }]);
      const id = weekly.activities[0]!.id;
      const moved = editActivities(weekly, at('2026-11-05T09:00:00Z'), (list) => list.map((a) => ({ ...a, offsetDays: 2 })));
      const ended = applyCarePlanTransition(moved, { to: 'completed' }, at('2026-11-06T09:00:00Z'));
      expect(keys(plannedWork(ended, moved).cancel)).toEqual([`${weekly.id}:${id}:r1:1`, `${weekly.id}:${id}:r2:2`, `${weekly.id}:${id}:r2:3`]);
    });

    it('does not cancel again what a pause or a closed activity already cancelled', () => {
      const plan = planFromTemplate('heart-failure-follow-up');
      const paused = applyCarePlanTransition(plan, { to: 'on-hold', reason: 'Readmitted' }, at('2026-11-04T09:00:00Z'));
      const revoked = applyCarePlanTransition(paused, { to: 'revoked', reason: 'Transferred to hospice' }, at('2026-11-10T09:00:00Z'));
      expect(plannedWork(revoked, paused)).toEqual({ create: [], cancel: [] });
      const draft = planFromTemplate('heart-failure-follow-up', { status: 'draft' });
      expect(plannedWork(applyCarePlanTransition(draft, { to: 'revoked', reason: 'Not needed' }, at('2026-11-04T09:00:00Z')), draft)).toEqual({ create: [], cancel: [] });
    });

    it('resuming after a pause generates only the work still ahead, under new keys', () => {
      const plan = planFromTemplate('post-discharge-transitional-care');
      const [call, medRec, visit] = plan.activities;
      const paused = applyCarePlanTransition(plan, { to: 'on-hold', reason: 'Readmitted' }, at('2026-11-03T09:00:00Z'));
      // Resumed on day 8: the day-2 call and day-7 medication call have fallen due meanwhile.
      const resumed = applyCarePlanTransition(paused, { to: 'active' }, at('2026-11-10T09:00:00Z'));
      expect(resumed.activities.map((a) => a.settled)).toEqual([[1], [1], [0]]);
      const work = plannedWork(resumed, paused);
      expect(work.cancel).toEqual([]);
      expect(keys(work.create)).toEqual([`${plan.id}:${visit!.id}:r2:1`]);
      expect(work.create.some((t) => t.activityId === call!.id || t.activityId === medRec!.id)).toBe(false);
    });
  });

  it('reconciles an active plan without its previous state: closed activities are listed for cancellation', () => {
    const plan = planFromTemplate('post-discharge-transitional-care');
    const closed = { ...plan, activities: plan.activities.map((a, i) => (i === 0 ? { ...a, status: 'completed' as const } : a)) };
    const work = plannedWork(closed);
    expect(keys(work.cancel)).toEqual([`${plan.id}:${plan.activities[0]!.id}:r1:1`]);
    expect(work.create).toHaveLength(2);
  });

  it('never puts anything but opaque ids in a key', () => {
    const plan = planFromTemplate('post-discharge-transitional-care', { period: { start: PLAN_START } });
    for (const task of plannedWork(plan).create) expect(task.idempotencyKey).toMatch(/^[0-9A-Z]{26}:[0-9A-Z]{26}:r\d+:\d+$/);
  });
});
