import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { createCarePlan } from '../../shared/careplans/create-care-plan';
import { getCarePlan } from '../../shared/careplans/get-care-plan';
import { listCarePlansForPatient } from '../../shared/careplans/list-care-plans-for-patient';
import { transitionCarePlan } from '../../shared/careplans/transition-care-plan';
import { updateCarePlan } from '../../shared/careplans/update-care-plan';
import { type ActivityInput, type CarePlan } from '../../shared/careplans/schema';
import { createContext, type AppContext } from '../../shared/context';
import { BadRequestError, ConflictError, NotFoundError } from '../../shared/errors';
import { insertPatient } from '../../shared/patients/repository';
import { createReferral } from '../../shared/referrals/create-referral';
import { recordSignIn } from '../../shared/users/directory';
import { useFreshTables } from './support/tables';

const tables = useFreshTables();
let ctx: AppContext;
let clockNow = Date.parse('2026-11-02T09:00:00Z');
const nurse = { id: 'u-nina', name: 'Nina Nurse' };
const PATIENT = ulid();
const OTHER_PATIENT = ulid();

function advance(minutes: number): void {
  clockNow += minutes * 60_000;
}

function activityInputs(plan: CarePlan): ActivityInput[] {
  return plan.activities.map(({ id, kind, title, offsetDays, recurrence, status }) => ({ id, kind, title, offsetDays, status, ...(recurrence ? { recurrence } : {}) }));
}

beforeAll(async () => {
  ctx = createContext({ config: tables.config, db: tables.db, clock: { now: () => new Date(clockNow) } });
  for (const id of [PATIENT, OTHER_PATIENT]) {
    const at = new Date(clockNow).toISOString();
    await insertPatient(ctx, { id, phones: [], emails: [], pending: false, name: { text: 'Care Plan Patient', given: ['Care'], family: 'Patient' }, version: 1, createdAt: at, updatedAt: at });
  }
  await recordSignIn(ctx, { id: 'u-nina', name: 'Nina Nurse', role: 'nurse' });
  await recordSignIn(ctx, { id: 'u-casey', name: 'Casey Coordinator', role: 'coordinator' });
});

describe('createCarePlan', () => {
  it('applies a template: stores the plan, its created entry, and returns the tasks to create', async () => {
    const { carePlan, work } = await createCarePlan(ctx, {
      actor: nurse,
      input: { patientId: PATIENT, templateId: 'post-discharge-transitional-care', status: 'active', start: '2026-11-01T16:00:00-05:00', careTeam: [{ userId: 'u-nina', role: 'Nurse care manager' }] },
    });
    expect(carePlan).toMatchObject({
      patientId: PATIENT,
      title: 'Post-discharge transitional care',
      category: 'transitional-care',
      status: 'active',
      templateId: 'post-discharge-transitional-care',
      period: { start: '2026-11-01T21:00:00.000Z' },
      careTeam: [{ userId: 'u-nina', name: 'Nina Nurse', role: 'Nurse care manager' }],
      version: 1,
      createdBy: nurse,
    });
    expect(work.cancel).toEqual([]);
    expect(work.create.map((t) => [t.type, t.dueAt])).toEqual([
      ['post-discharge-call', '2026-11-03T22:00:00.000Z'],
      ['call-patient', '2026-11-09T22:00:00.000Z'],
      ['follow-up-visit', '2026-11-16T22:00:00.000Z'],
    ]);

    const view = await getCarePlan(ctx, { id: carePlan.id });
    expect(view.carePlan).toEqual(carePlan);
    expect(view.timeline).toEqual([
      expect.objectContaining({ kind: 'created', to: 'active', actor: nurse, note: 'Created from the template "Post-discharge transitional care"', at: new Date(clockNow).toISOString() }),
    ]);
  });

  it('stores only opaque ids and times in keys and index keys', async () => {
    const { carePlan } = await createCarePlan(ctx, { actor: nurse, input: { patientId: PATIENT, title: 'Keys', category: 'other' } });
    const item = (await tables.db.send(new GetCommand({ TableName: tables.names.records, Key: { pk: `CP#${carePlan.id}`, sk: 'A' } }))).Item!;
    expect(item).toMatchObject({ entity: 'careplan', patientPk: `P#${PATIENT}`, patientSk: `CP#${carePlan.createdAt}#${carePlan.id}` });
    expect(item.kindPk).toMatch(/^K#careplan#[0-3]$/);
    for (const key of ['pk', 'sk', 'patientPk', 'patientSk', 'kindPk', 'kindSk']) expect(String(item[key])).not.toContain('Keys');
  });

  it('creates a blank draft that generates no work until activated', async () => {
    const { carePlan, work } = await createCarePlan(ctx, {
      actor: nurse,
      input: { patientId: PATIENT, title: 'COPD action plan', category: 'other', goals: [{ description: 'Uses inhaler correctly' }], activities: [{ kind: 'call-patient', title: 'Inhaler technique call', offsetDays: 3 }] },
    });
    expect(carePlan).toMatchObject({ status: 'draft', goals: [{ description: 'Uses inhaler correctly', achievementStatus: 'in-progress' }], activities: [{ status: 'scheduled', settled: [] }] });
    expect(work).toEqual({ create: [], cancel: [] });
  });

  it('refuses an unknown patient or an unknown team member, saving nothing', async () => {
    await expect(createCarePlan(ctx, { actor: nurse, input: { patientId: ulid(), templateId: 'heart-failure-follow-up' } })).rejects.toThrow(NotFoundError);
    const error = await createCarePlan(ctx, { actor: nurse, input: { patientId: OTHER_PATIENT, templateId: 'heart-failure-follow-up', careTeam: [{ userId: 'u-nobody', role: 'Nurse' }] } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as Error).message).not.toContain('u-nobody');
    expect((await listCarePlansForPatient(ctx, { patientId: OTHER_PATIENT })).carePlans).toEqual([]);
  });
});

describe('listCarePlansForPatient', () => {
  it("pages through one patient's plans, newest first, without other patients' plans or other records", async () => {
    const patient = ulid();
    const at = new Date(clockNow).toISOString();
    await insertPatient(ctx, { id: patient, phones: [], emails: [], pending: false, version: 1, createdAt: at, updatedAt: at });
    const created: string[] = [];
    for (const templateId of ['post-discharge-transitional-care', 'heart-failure-follow-up', 'diabetes-quarterly-review', 'heart-failure-follow-up', 'diabetes-quarterly-review'] as const) {
      advance(1);
      created.push((await createCarePlan(ctx, { actor: nurse, input: { patientId: patient, templateId } })).carePlan.id);
    }
    // Same patient partition of the index, other kinds of record: never listed as plans.
    await createReferral(ctx, { actor: nurse, input: { patientId: patient, service: { display: 'Cardiology' } } });
    await createCarePlan(ctx, { actor: nurse, input: { patientId: OTHER_PATIENT, templateId: 'heart-failure-follow-up' } });

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listCarePlansForPatient(ctx, { patientId: patient, limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.carePlans.length).toBeLessThanOrEqual(2);
      seen.push(...page.carePlans.map((p) => p.id));
      expect(page.carePlans.every((p) => p.patientId === patient)).toBe(true);
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual([...created].reverse());
    expect(pages).toBe(3);
  });

  it('rejects a forged cursor with a 400 that does not echo it', async () => {
    const forged = Buffer.from(JSON.stringify({ v: 1, after: 'REF#2026#x' })).toString('base64url');
    const error = await listCarePlansForPatient(ctx, { patientId: PATIENT, cursor: forged }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    await expect(listCarePlansForPatient(ctx, { patientId: PATIENT, cursor: 'not-base64-json' })).rejects.toThrow(BadRequestError);
  });
});

describe('updateCarePlan', () => {
  it('revises at the loaded version, records what changed, and returns the work the revision calls for', async () => {
    const { carePlan } = await createCarePlan(ctx, { actor: nurse, input: { patientId: PATIENT, templateId: 'post-discharge-transitional-care', status: 'active', start: '2026-11-02T09:00:00Z' } });
    advance(60);
    const [call, medRec, visit] = activityInputs(carePlan);
    const { carePlan: revised, work } = await updateCarePlan(ctx, {
      actor: { id: 'u-casey', name: 'Casey Coordinator' },
      id: carePlan.id,
      version: 1,
      input: {
        activities: [call!, { ...visit!, offsetDays: 10 }],
        goals: [{ ...carePlan.goals[0]!, achievementStatus: 'improving' }],
        careTeam: [{ userId: 'u-casey', role: 'Care coordinator' }],
        note: 'Medication review done at discharge',
      },
    });
    expect(revised).toMatchObject({ version: 2, careTeam: [{ userId: 'u-casey', name: 'Casey Coordinator', role: 'Care coordinator' }] });
    expect(revised.activities.map((a) => a.id)).toEqual([call!.id, visit!.id]);
    expect(revised.goals).toEqual([{ ...carePlan.goals[0], achievementStatus: 'improving' }]);
    expect(work.cancel.map((c) => [c.activityId, c.reason])).toEqual([
      [medRec!.id, 'Activity removed from the care plan'],
      [visit!.id, 'Care plan activity rescheduled'],
    ]);
    expect(work.create.find((t) => t.activityId === visit!.id)).toMatchObject({ idempotencyKey: `${carePlan.id}:${visit!.id}:r2:1`, dueAt: '2026-11-12T22:00:00.000Z' });

    const view = await getCarePlan(ctx, { id: carePlan.id });
    expect(view.carePlan).toEqual(revised);
    expect(view.timeline.map((e) => [e.kind, e.changes, e.note])).toEqual([
      ['created', undefined, 'Created from the template "Post-discharge transitional care"'],
      ['revision', ['goals', 'activities', 'careTeam'], 'Medication review done at discharge'],
    ]);
  });

  it('refuses a stale version with a 409 carrying the current version, and saves nothing', async () => {
    const { carePlan } = await createCarePlan(ctx, { actor: nurse, input: { patientId: PATIENT, templateId: 'heart-failure-follow-up' } });
    await updateCarePlan(ctx, { actor: nurse, id: carePlan.id, version: 1, input: { title: 'Heart failure follow-up (first)' } });
    const stale = await updateCarePlan(ctx, { actor: nurse, id: carePlan.id, version: 1, input: { title: 'Heart failure follow-up (second)' } }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(ConflictError);
    expect((stale as ConflictError).code).toBe('conflict');
    expect((stale as ConflictError).details).toEqual({ currentVersion: 2, yourVersion: 1 });
    const view = await getCarePlan(ctx, { id: carePlan.id });
    expect(view.carePlan).toMatchObject({ title: 'Heart failure follow-up (first)', version: 2 });
    expect(view.timeline).toHaveLength(2);
  });

  it('lets exactly one of two simultaneous revisions win', async () => {
    const { carePlan } = await createCarePlan(ctx, { actor: nurse, input: { patientId: PATIENT, templateId: 'diabetes-quarterly-review' } });
    const results = await Promise.allSettled(
      ['A', 'B'].map((suffix) => updateCarePlan(ctx, { actor: nurse, id: carePlan.id, version: 1, input: { title: `Diabetes review ${suffix}` } })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toBeInstanceOf(ConflictError);
    const view = await getCarePlan(ctx, { id: carePlan.id });
    expect(view.carePlan.version).toBe(2);
    expect(view.timeline.filter((e) => e.kind === 'revision')).toHaveLength(1);
  });

  it('saves nothing for a revision that changes nothing', async () => {
    const { carePlan } = await createCarePlan(ctx, { actor: nurse, input: { patientId: PATIENT, templateId: 'diabetes-quarterly-review' } });
    const { carePlan: same, work } = await updateCarePlan(ctx, { actor: nurse, id: carePlan.id, version: 1, input: { title: carePlan.title } });
    expect(same).toEqual(carePlan);
    expect(work).toEqual({ create: [], cancel: [] });
    expect((await getCarePlan(ctx, { id: carePlan.id })).timeline).toHaveLength(1);
  });

  it('refuses unknown plans and foreign item ids', async () => {
    await expect(updateCarePlan(ctx, { actor: nurse, id: ulid(), version: 1, input: { title: 'x' } })).rejects.toThrow(NotFoundError);
    await expect(updateCarePlan(ctx, { actor: nurse, id: 'CP#../x', version: 1, input: { title: 'x' } })).rejects.toThrow(NotFoundError);
    const { carePlan } = await createCarePlan(ctx, { actor: nurse, input: { patientId: PATIENT, templateId: 'diabetes-quarterly-review' } });
    await expect(updateCarePlan(ctx, { actor: nurse, id: carePlan.id, version: 1, input: { goals: [{ id: ulid(), description: 'x' }] } })).rejects.toThrow(BadRequestError);
  });
});

describe('transitionCarePlan', () => {
  it('walks draft → active → on-hold → active → completed, with timeline entries and the work each move calls for', async () => {
    const { carePlan: draft } = await createCarePlan(ctx, { actor: nurse, input: { patientId: PATIENT, templateId: 'heart-failure-follow-up', start: '2026-11-02T09:00:00Z' } });
    advance(10);
    const activated = await transitionCarePlan(ctx, { actor: nurse, id: draft.id, version: 1, input: { to: 'active' } });
    expect(activated.carePlan).toMatchObject({ status: 'active', version: 2 });
    expect(activated.work.create).toHaveLength(3);

    const paused = await transitionCarePlan(ctx, { actor: nurse, id: draft.id, version: 2, input: { to: 'on-hold', reason: 'Readmitted' } });
    expect(paused.carePlan).toMatchObject({ status: 'on-hold', statusReason: 'Readmitted', version: 3 });
    expect(paused.work.create).toEqual([]);
    expect(paused.work.cancel.map((c) => c.idempotencyKey).sort()).toEqual(activated.work.create.map((t) => t.idempotencyKey).sort());

    clockNow = Date.parse('2026-11-12T09:00:00Z'); // day 10: the day-1 and day-7 calls fell due while paused
    const resumed = await transitionCarePlan(ctx, { actor: nurse, id: draft.id, version: 3, input: { to: 'active' } });
    expect(resumed.work.cancel).toEqual([]);
    expect(resumed.work.create.map((t) => [t.title, t.idempotencyKey.endsWith(':r2:1')])).toEqual([['30-day heart failure clinic visit', true]]);

    const completed = await transitionCarePlan(ctx, { actor: nurse, id: draft.id, version: 4, input: { to: 'completed' } });
    expect(completed.carePlan).toMatchObject({ status: 'completed', version: 5, period: { end: '2026-11-12T09:00:00.000Z' } });
    expect(completed.carePlan.activities.every((a) => a.status === 'cancelled')).toBe(true);
    expect(completed.work.cancel.map((c) => c.reason)).toEqual(['Care plan completed', 'Care plan completed', 'Care plan completed']);

    const view = await getCarePlan(ctx, { id: draft.id });
    expect(view.carePlan).toEqual(completed.carePlan);
    expect(view.timeline.map((e) => [e.kind, e.from, e.to, e.note])).toEqual([
      ['created', undefined, 'draft', 'Created from the template "Heart failure follow-up"'],
      ['transition', 'draft', 'active', undefined],
      ['transition', 'active', 'on-hold', 'Readmitted'],
      ['transition', 'on-hold', 'active', undefined],
      ['transition', 'active', 'completed', undefined],
    ]);
    // A completed plan is read-only.
    await expect(updateCarePlan(ctx, { actor: nurse, id: draft.id, version: 5, input: { title: 'Reopened?' } })).rejects.toThrow(ConflictError);
  });

  it('refuses an illegal move with a 409 and leaves the plan and its timeline untouched', async () => {
    const { carePlan } = await createCarePlan(ctx, { actor: nurse, input: { patientId: PATIENT, templateId: 'diabetes-quarterly-review' } });
    await expect(transitionCarePlan(ctx, { actor: nurse, id: carePlan.id, version: 1, input: { to: 'completed' } })).rejects.toThrow('Cannot move a care plan from draft to completed');
    const revoked = await transitionCarePlan(ctx, { actor: nurse, id: carePlan.id, version: 1, input: { to: 'revoked', reason: 'Duplicate plan' } });
    expect(revoked.work).toEqual({ create: [], cancel: [] });
    await expect(transitionCarePlan(ctx, { actor: nurse, id: carePlan.id, version: 2, input: { to: 'active' } })).rejects.toThrow(ConflictError);
    const view = await getCarePlan(ctx, { id: carePlan.id });
    expect(view.carePlan).toMatchObject({ status: 'revoked', statusReason: 'Duplicate plan', version: 2 });
    expect(view.timeline.map((e) => e.kind)).toEqual(['created', 'transition']);
  });

  it('refuses a stale version even for a legal move', async () => {
    const { carePlan } = await createCarePlan(ctx, { actor: nurse, input: { patientId: PATIENT, templateId: 'diabetes-quarterly-review', status: 'active' } });
    await transitionCarePlan(ctx, { actor: nurse, id: carePlan.id, version: 1, input: { to: 'on-hold', reason: 'Travelling' } });
    await expect(transitionCarePlan(ctx, { actor: nurse, id: carePlan.id, version: 1, input: { to: 'completed' } })).rejects.toThrow(ConflictError);
    expect((await getCarePlan(ctx, { id: carePlan.id })).carePlan.status).toBe('on-hold');
  });
});

describe('getCarePlan', () => {
  it('is a 404 for unknown or malformed ids', async () => {
    await expect(getCarePlan(ctx, { id: ulid() })).rejects.toThrow(NotFoundError);
    await expect(getCarePlan(ctx, { id: 'REF#anything' })).rejects.toThrow(NotFoundError);
  });

  it('reads plan and timeline from one partition (one Query, no Scan)', async () => {
    const { carePlan } = await createCarePlan(ctx, { actor: nurse, input: { patientId: PATIENT, templateId: 'heart-failure-follow-up' } });
    const res = await tables.db.send(new QueryCommand({ TableName: tables.names.records, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `CP#${carePlan.id}` } }));
    expect(res.Items?.map((i) => i.entity).sort()).toEqual(['careplan', 'careplan-timeline']);
  });
});
