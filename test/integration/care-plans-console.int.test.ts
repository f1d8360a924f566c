/**
 * The console's care-plan pages through the console app over HTTP, with their real route modules
 * (loaders, actions, the FHIR download) behind the real edge: server-side sessions, the route
 * policy, CSRF and the audit trail, on DynamoDB Local. Remix's data requests (`?_data=`) return
 * what each loader or action produced; rendering is left to the browser suite.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { ServerBuild } from '@remix-run/node';
import { createConsoleApp } from '../../functions/console/app';
import { listAudit } from '../../shared/audit/list-audit';
import { CSRF_FIELD } from '../../shared/auth/csrf';
import { createSession } from '../../shared/auth/sessions';
import { fhirIssues } from '../../shared/fhir/validate';
import { TEST_USERS } from '../support/test-issuer';
import * as fhirRoute from '../../web/app/routes/care-plans_.$id.fhir';
import * as planPage from '../../web/app/routes/care-plans.$id';
import * as newPlanPage from '../../web/app/routes/patients_.$id.care-plans.new';
import { CAREPLAN_STALE_MESSAGE } from '../../web/app/lib/care-plans.server';
import { patient } from '../fixtures/fhir/builders';
import { useStack } from './support/stack';

const stack = useStack();
const NEW_PLAN = 'routes/patients_.$id.care-plans.new';
const PLAN = 'routes/care-plans.$id';

/** Just the three care-plan routes under an empty root: the pages' own modules, as the server build holds them. */
const build = {
  mode: 'production',
  entry: { module: { default: async () => new Response('<!doctype html><title>page</title>', { headers: { 'content-type': 'text/html' } }) } },
  routes: {
    root: { id: 'root', path: '', module: { default: () => null } },
    [NEW_PLAN]: { id: NEW_PLAN, parentId: 'root', path: 'patients/:id/care-plans/new', module: newPlanPage },
    [PLAN]: { id: PLAN, parentId: 'root', path: 'care-plans/:id', module: planPage },
    'routes/care-plans_.$id.fhir': { id: 'routes/care-plans_.$id.fhir', parentId: 'root', path: 'care-plans/:id/fhir', module: fhirRoute },
  },
  assets: { url: '/assets/manifest.js', version: '1', entry: { module: '/assets/entry.js', imports: [] }, routes: {} },
  publicPath: '/',
  assetsBuildDirectory: 'build/client',
  future: {},
  isSpaMode: false,
} as unknown as ServerBuild;

type User = keyof typeof TEST_USERS;
let app: ReturnType<typeof createConsoleApp>;
let patientId = '';
const sessions = new Map<User, { id: string; csrf: string }>();

beforeAll(async () => {
  await stack.post(patient('cp-console-pat', new Date().toISOString()));
  await stack.settle();
  const { patients } = (await (await stack.api.request('/api/patients')).json()) as { patients: { id: string }[] };
  patientId = patients[0]!.id;
  app = createConsoleApp(stack.ctx, build);
  for (const name of ['nora', 'casey', 'aubrey', 'ada'] as const) {
    const s = await createSession(stack.ctx, TEST_USERS[name]);
    sessions.set(name, { id: s.id, csrf: s.csrf });
  }
});

const cookie = (user: User) => `sidecar_session=${sessions.get(user)!.id}`;

/** A loader's data, as Remix's client navigation fetches it. */
function load(user: User, path: string, routeId: string) {
  return app.request(`http://sidecar.test${path}${path.includes('?') ? '&' : '?'}_data=${encodeURIComponent(routeId)}`, { headers: { cookie: cookie(user) } });
}

/** A form post with the session's CSRF token, as <PostForm> sends it; `fields` may repeat a name. */
function submit(user: User, path: string, routeId: string, fields: [string, string][]) {
  const body = new URLSearchParams([[CSRF_FIELD, sessions.get(user)!.csrf], ...fields]);
  return app.request(`http://sidecar.test${path}?_data=${encodeURIComponent(routeId)}`, {
    method: 'POST',
    headers: { cookie: cookie(user), 'content-type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
  });
}

/** Where a successful form sent the browser (Remix answers a data request's redirect with a header). */
function redirectedTo(res: Response): URL {
  expect(res.status).toBe(204);
  const location = res.headers.get('x-remix-redirect');
  expect(location).toBeTruthy();
  return new URL(location!, 'http://sidecar.test');
}

interface PlanData {
  plan: {
    id: string;
    version: number;
    status: string;
    statusReason?: string;
    period: { start: string; end?: string };
    careTeam: { userId: string; name: string; role: string }[];
    goals: { id: string; description: string; dueDate?: string; achievementStatus: string }[];
    activities: { id: string; kind: string; title: string; status: string; patientReminderTime?: string; tasks: { id: string; status: string; title: string; dueAt: string }[] }[];
  };
  removedTasks: { id: string; status: string }[];
  patient: { id: string; name?: string };
  timeline: { kind: string; changes?: string[]; to?: string; note?: string }[];
  actions: { moves: string[]; canRevise: boolean };
  canExport: boolean;
  done?: string;
}

async function readPlan(user: User, id: string, query = ''): Promise<PlanData> {
  const res = await load(user, `/care-plans/${id}${query}`, PLAN);
  expect(res.status).toBe(200);
  return (await res.json()) as PlanData;
}

async function createPlan(fields: [string, string][] = []): Promise<URL> {
  return redirectedTo(await submit('nora', `/patients/${patientId}/care-plans/new`, NEW_PLAN, [['templateId', 'post-discharge-transitional-care'], ...fields]));
}

const planIdOf = (url: URL) => url.pathname.split('/')[2]!;

describe('GET /patients/:id/care-plans/new', () => {
  it('shows a nurse the templates with the goals and tasks each will create, before anything is committed', async () => {
    const res = await load('nora', `/patients/${patientId}/care-plans/new`, NEW_PLAN);
    expect(res.status).toBe(200);
    const data = (await res.json()) as {
      patient: { id: string; name?: string };
      templates: { id: string; goals: unknown[]; activities: { title: string; offsetDays: number; tasks: number }[] }[];
      staff: { id: string; role: string }[];
    };
    expect(data.patient).toEqual({ id: patientId, name: 'Testy McTestface' });
    expect(data.templates.map((t) => t.id)).toEqual(['post-discharge-transitional-care', 'heart-failure-follow-up', 'diabetes-quarterly-review']);
    const tcm = data.templates[0]!;
    expect(tcm.goals).toHaveLength(2);
    expect(tcm.activities.map((a) => [a.offsetDays, a.tasks])).toEqual([
      [2, 1],
      [7, 1],
      [14, 1],
    ]);
    expect(data.templates[2]!.activities.find((a) => a.title === 'Quarterly HbA1c review')?.tasks).toBe(4);
    // Nurses and coordinators from the directory may join the care team; admins and auditors may not.
    expect(data.staff.map((s) => s.id).sort()).toEqual(['u-casey', 'u-nora', 'u-riley']);
    expect(data.staff.find((s) => s.id === 'u-nora')?.role).toBe('Nurse');
  });

  it('is a 404 for a patient Sidecar does not know, and refused to coordinators and auditors', async () => {
    expect((await load('nora', '/patients/01JDNOSUCHPATIENT000000000/care-plans/new', NEW_PLAN)).status).toBe(404);
    expect((await load('casey', `/patients/${patientId}/care-plans/new`, NEW_PLAN)).status).toBe(403);
    expect((await load('aubrey', `/patients/${patientId}/care-plans/new`, NEW_PLAN)).status).toBe(403);
    expect((await submit('casey', `/patients/${patientId}/care-plans/new`, NEW_PLAN, [['templateId', 'heart-failure-follow-up']])).status).toBe(403);
  });
});

describe('POST /patients/:id/care-plans/new', () => {
  it('names each invalid field and creates nothing', async () => {
    const res = await submit('nora', `/patients/${patientId}/care-plans/new`, NEW_PLAN, [
      ['startDate', '2026-02-31'],
      ['careTeam', 'not a user id'],
    ]);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { ok: boolean; fieldErrors: Record<string, string> };
    expect(body.ok).toBe(false);
    expect(Object.keys(body.fieldErrors).sort()).toEqual(['careTeam', 'startDate', 'templateId']);
    expect(body.fieldErrors.templateId).toBe('Choose a template');
    const { carePlans } = (await (await stack.as('nora').request(`/api/care-plans?patientId=${patientId}`)).json()) as { carePlans: unknown[] };
    expect(carePlans).toEqual([]);
  });

  it('refuses a care team member who is not a nurse or coordinator, without echoing the id', async () => {
    const res = await submit('nora', `/patients/${patientId}/care-plans/new`, NEW_PLAN, [
      ['templateId', 'heart-failure-follow-up'],
      ['careTeam', 'u-ada'],
    ]);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { message: string };
    expect(body.message).toMatch(/not a nurse or coordinator/);
    expect(body.message).not.toContain('u-ada');
  });

  it('applies a template: the plan page shows its goals and the tasks each activity generated, and the creation is audited', async () => {
    const created = await createPlan([
      ['startDate', new Date().toISOString().slice(0, 10)],
      ['status', 'active'],
      ['careTeam', 'u-nora'],
      ['careTeam', 'u-casey'],
    ]);
    expect(created.pathname).toMatch(/^\/care-plans\/[0-9A-Z]{26}$/);
    expect(Object.fromEntries(created.searchParams)).toEqual({ done: 'create', created: '3', cancelled: '0', reminded: '0', unreminded: '0' });
    const id = planIdOf(created);

    const data = await readPlan('nora', id, created.search);
    expect(data.done).toBe('The care plan was created. 3 tasks created.');
    expect(data.plan.status).toBe('active');
    expect(data.patient).toEqual({ id: patientId, name: 'Testy McTestface' });
    expect(data.plan.careTeam).toEqual([
      { userId: 'u-nora', name: 'Nora Nurse', role: 'Nurse' },
      { userId: 'u-casey', name: 'Casey Coordinator', role: 'Care coordinator' },
    ]);
    expect(data.plan.goals.map((g) => g.achievementStatus)).toEqual(['in-progress', 'in-progress']);
    expect(data.plan.activities.map((a) => [a.kind, a.tasks.length, a.tasks[0]?.status])).toEqual([
      ['post-discharge-call', 1, 'ready'],
      ['call-patient', 1, 'ready'],
      ['follow-up-visit', 1, 'ready'],
    ]);
    // Each listed task is the real one in the nurses' queue.
    const task = data.plan.activities[0]!.tasks[0]!;
    const fromApi = (await (await stack.as('nora').request(`/api/tasks/${task.id}`)).json()) as { task: { links: { carePlanId: string }; title: string } };
    expect(fromApi.task.links.carePlanId).toBe(id);
    expect(task.title).toBe(fromApi.task.title);
    expect(data.actions).toEqual({ moves: ['hold', 'complete', 'revoke'], canRevise: true });
    expect(data.canExport).toBe(true);

    const audit = (await listAudit(stack.ctx, { actorId: 'u-nora', limit: 100 })).entries;
    expect(audit.find((e) => e.action === 'create' && e.resourceType === 'CarePlan')).toMatchObject({ resourceId: id, patientId, via: 'console' });
    expect(audit.find((e) => e.action === 'read' && e.resourceType === 'CarePlan' && e.resourceId === id)).toBeDefined();
    expect(audit.filter((e) => e.action === 'list' && e.resourceType === 'Task').map((e) => e.resourceId)).toEqual(expect.arrayContaining([task.id]));
  });

  it('saves a draft without tasks until it is activated', async () => {
    const created = await createPlan([['status', 'draft']]);
    expect(created.searchParams.get('created')).toBe('0');
    const id = planIdOf(created);
    const draft = await readPlan('nora', id);
    expect(draft.plan.status).toBe('draft');
    expect(draft.plan.activities.every((a) => a.tasks.length === 0)).toBe(true);
    expect(draft.actions.moves).toEqual(['activate', 'revoke']);

    const activated = redirectedTo(
      await submit('nora', `/care-plans/${id}`, PLAN, [
        ['intent', 'activate'],
        ['version', String(draft.plan.version)],
      ]),
    );
    expect(activated.searchParams.get('created')).toBe('3');
    expect((await readPlan('nora', id)).plan.activities.every((a) => a.tasks.length === 1)).toBe(true);
  });
});

describe('/care-plans/:id', () => {
  it('a nurse marks a goal achieved, moves its due date, adds and removes activities, then revokes the plan: pending work follows', async () => {
    const id = planIdOf(await createPlan());
    let data = await readPlan('nora', id);
    const goal = data.plan.goals[0]!;

    const achieved = redirectedTo(
      await submit('nora', `/care-plans/${id}`, PLAN, [
        ['intent', 'goal'],
        ['version', String(data.plan.version)],
        ['goalId', goal.id],
        ['achievementStatus', 'achieved'],
        ['dueDate', '2031-01-15'],
      ]),
    );
    expect(Object.fromEntries(achieved.searchParams)).toEqual({ done: 'goal', created: '0', cancelled: '0', reminded: '0', unreminded: '0' });
    data = await readPlan('nora', id, achieved.search);
    expect(data.done).toBe('The goal was updated. No tasks were created or cancelled.');
    expect(data.plan.goals[0]).toMatchObject({ id: goal.id, achievementStatus: 'achieved', dueDate: '2031-01-15' });
    expect(data.plan.goals[1]!.achievementStatus).toBe('in-progress');
    expect(data.timeline[0]).toMatchObject({ kind: 'revision', changes: ['goals'] });

    const added = redirectedTo(
      await submit('nora', `/care-plans/${id}`, PLAN, [
        ['intent', 'add-activity'],
        ['version', String(data.plan.version)],
        ['kind', 'call-patient'],
        ['title', 'Weekly check-in call'],
        ['offsetDays', '3'],
        ['everyDays', '7'],
        ['count', '2'],
        ['patientReminderTime', '10:00'],
      ]),
    );
    expect(added.searchParams.get('created')).toBe('2');
    // The patient takes part at 10:00: a reminder per occurrence on each channel on file (mobile and email).
    expect(added.searchParams.get('reminded')).toBe('4');
    data = await readPlan('nora', id, added.search);
    expect(data.done).toBe('The activity was added. 2 tasks created. 4 patient reminders scheduled.');
    const weekly = data.plan.activities.find((a) => a.title === 'Weekly check-in call')!;
    expect(weekly.tasks.map((t) => t.title)).toEqual(['Weekly check-in call (1 of 2)', 'Weekly check-in call (2 of 2)']);
    expect(weekly.patientReminderTime).toBe('10:00');

    const reconciliation = data.plan.activities.find((a) => a.kind === 'call-patient' && a.title !== 'Weekly check-in call')!;
    const removed = redirectedTo(
      await submit('nora', `/care-plans/${id}`, PLAN, [
        ['intent', 'remove-activity'],
        ['version', String(data.plan.version)],
        ['activityId', reconciliation.id],
      ]),
    );
    expect(Object.fromEntries(removed.searchParams)).toEqual({ done: 'remove-activity', created: '0', cancelled: '1', reminded: '0', unreminded: '0' });
    data = await readPlan('nora', id, removed.search);
    expect(data.done).toBe('The activity was removed. 1 pending task cancelled.');
    expect(data.plan.activities.map((a) => a.id)).not.toContain(reconciliation.id);
    expect(data.removedTasks).toEqual([expect.objectContaining({ id: reconciliation.tasks[0]!.id, status: 'cancelled' })]);

    // Revoking needs a reason.
    const noReason = await submit('nora', `/care-plans/${id}`, PLAN, [
      ['intent', 'revoke'],
      ['version', String(data.plan.version)],
    ]);
    expect(noReason.status).toBe(400);
    expect(((await noReason.json()) as { fieldErrors: Record<string, string> }).fieldErrors.reason).toBe('A reason is required');

    const revoked = redirectedTo(
      await submit('nora', `/care-plans/${id}`, PLAN, [
        ['intent', 'revoke'],
        ['version', String(data.plan.version)],
        ['reason', 'Patient moved to another practice'],
      ]),
    );
    // Post-discharge call, follow-up visit and the two weekly calls were still pending.
    // The weekly calls' four patient reminders are withdrawn with them.
    expect(Object.fromEntries(revoked.searchParams)).toEqual({ done: 'revoke', created: '0', cancelled: '4', reminded: '0', unreminded: '4' });
    data = await readPlan('nora', id);
    expect(data.plan).toMatchObject({ status: 'revoked', statusReason: 'Patient moved to another practice' });
    expect(data.plan.period.end).toBeDefined();
    expect(data.plan.activities.flatMap((a) => a.tasks.map((t) => t.status))).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    // A revoked plan is final: no forms are left.
    expect(data.actions).toEqual({ moves: [], canRevise: false });
    expect(data.timeline[0]).toMatchObject({ kind: 'transition', to: 'revoked', note: 'Patient moved to another practice' });
  });

  it('refuses a stale form with a 409 that says someone changed the plan', async () => {
    const id = planIdOf(await createPlan());
    const loaded = await readPlan('nora', id);
    const goal = loaded.plan.goals[1]!;
    redirectedTo(
      await submit('nora', `/care-plans/${id}`, PLAN, [
        ['intent', 'goal'],
        ['version', String(loaded.plan.version)],
        ['goalId', goal.id],
        ['achievementStatus', 'improving'],
      ]),
    );

    const stale = await submit('nora', `/care-plans/${id}`, PLAN, [
      ['intent', 'complete'],
      ['version', String(loaded.plan.version)],
    ]);
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ ok: false, intent: 'complete', message: CAREPLAN_STALE_MESSAGE });
    expect((await readPlan('nora', id)).plan.status).toBe('active');
  });

  it('completing the plan cancels the work still pending; a move the plan no longer allows is a 409', async () => {
    const id = planIdOf(await createPlan());
    const loaded = await readPlan('nora', id);
    const completed = redirectedTo(
      await submit('nora', `/care-plans/${id}`, PLAN, [
        ['intent', 'complete'],
        ['version', String(loaded.plan.version)],
      ]),
    );
    expect(completed.searchParams.get('cancelled')).toBe('3');
    const after = await readPlan('nora', id);
    expect(after.plan.status).toBe('completed');
    const again = await submit('nora', `/care-plans/${id}`, PLAN, [
      ['intent', 'resume'],
      ['version', String(after.plan.version)],
    ]);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { message: string }).message).toBe('Cannot move a care plan from completed to active');
  });

  it('shows coordinators and auditors the plan read-only, and refuses their posts', async () => {
    const id = planIdOf(await createPlan());
    for (const user of ['casey', 'aubrey'] as const) {
      const data = await readPlan(user, id);
      expect(data.plan.activities.flatMap((a) => a.tasks)).toHaveLength(3);
      expect(data.actions).toEqual({ moves: [], canRevise: false });
      const res = await submit(user, `/care-plans/${id}`, PLAN, [
        ['intent', 'complete'],
        ['version', String(data.plan.version)],
      ]);
      expect(res.status).toBe(403);
    }
    expect((await load('ada', `/care-plans/${id}`, PLAN)).status).toBe(403);
    expect((await readPlan('nora', id)).plan.status).toBe('active');
  });

  it('is a 404 for a plan that does not exist, and a 400 naming the field for an odd form', async () => {
    expect((await load('nora', '/care-plans/01JDNOSUCHPLAN000000000000', PLAN)).status).toBe(404);
    const id = planIdOf(await createPlan());
    const res = await submit('nora', `/care-plans/${id}`, PLAN, [
      ['intent', 'add-activity'],
      ['version', '1'],
      ['kind', 'call-patient'],
      ['title', 'Call'],
      ['offsetDays', '2'],
      ['everyDays', '7'],
    ]);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { fieldErrors: Record<string, string> }).fieldErrors).toEqual({
      count: 'To repeat the activity, give both the interval and the number of times',
    });
  });
});

describe('GET /care-plans/:id/fhir', () => {
  it('downloads the plan as a FHIR R4 Bundle of a CarePlan and its Goals that validates, audited as a read', async () => {
    const id = planIdOf(await createPlan());
    const res = await app.request(`http://sidecar.test/care-plans/${id}/fhir`, { headers: { cookie: cookie('aubrey') } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="care-plan-${id}.fhir.json"`);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const bundle = (await res.json()) as Bundle;
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    const resources = (bundle.entry ?? []).map((e) => e.resource as Resource);
    expect(resources.map((r) => r.resourceType)).toEqual(['CarePlan', 'Goal', 'Goal']);
    expect(resources[0]).toMatchObject({
      id,
      status: 'active',
      subject: { reference: 'Patient/cp-console-pat' },
    });
    for (const r of [bundle, ...resources]) expect(fhirIssues(r)).toEqual([]);
    const audit = (await listAudit(stack.ctx, { actorId: 'u-aubrey', limit: 100 })).entries;
    expect(audit.find((e) => e.action === 'read' && e.resourceType === 'CarePlan' && e.resourceId === id)).toMatchObject({ patientId, via: 'console' });
  });

  it('is refused to admins and a 404 for an unknown plan', async () => {
    const id = planIdOf(await createPlan());
    expect((await app.request(`http://sidecar.test/care-plans/${id}/fhir`, { headers: { cookie: cookie('ada') } })).status).toBe(403);
    expect((await app.request('http://sidecar.test/care-plans/01JDNOSUCHPLAN000000000000/fhir', { headers: { cookie: cookie('nora') } })).status).toBe(404);
  });
});
