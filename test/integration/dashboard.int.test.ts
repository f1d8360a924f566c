import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type AppContext, createContext } from '../../shared/context';
import { type Dashboard, getDashboard } from '../../shared/dashboard/get-dashboard';
import { insertPatient } from '../../shared/patients/repository';
import { createReferral } from '../../shared/referrals/create-referral';
import type { Referral } from '../../shared/referrals/schema';
import { transitionReferral } from '../../shared/referrals/transition-referral';
import { sweepBreaches } from '../../shared/sla/breach-sweep';
import { acknowledgeEscalation, escalationId } from '../../shared/sla/escalations';
import { createTask } from '../../shared/tasks/create-task';
import type { Task } from '../../shared/tasks/schema';
import { transitionTask } from '../../shared/tasks/transition-task';
import type { User } from '../../shared/users/directory';
import { useFreshTables } from './support/tables';

// Real referrals and tasks moved through their use-cases on a clock the test moves, so every
// transition-log entry, counter and due key is written as in production, then every figure of
// the dashboard is checked against what happened. "Now" is Friday 2026-03-20 12:00Z.
const tables = useFreshTables();
const TODAY = Date.parse('2026-03-20T00:00:00.000Z');
/** `d` days from today (negative: ago), at `hour` UTC. */
const day = (d: number, hour: number) => new Date(TODAY + d * 86_400_000 + hour * 3_600_000);
const NOW = day(0, 12);
const casey: User = { id: 'u-casey', name: 'Casey Coordinator', role: 'coordinator' };
const nora: User = { id: 'u-nora', name: 'Nora Nurse', role: 'nurse' };
const PATIENT = 'PAT-DASH-1';

let current = NOW;
let ctx: AppContext;
const at = (t: Date) => {
  current = t;
};

async function referral(t: Date, input: { queue: string; priority?: Referral['priority'] }): Promise<Referral> {
  at(t);
  return createReferral(ctx, { actor: casey, input: { patientId: PATIENT, service: { display: 'Consult' }, ...input } });
}
async function move(t: Date, r: Referral, action: Parameters<typeof transitionReferral>[1]['action']): Promise<Referral> {
  at(t);
  return transitionReferral(ctx, { actor: casey, id: r.id, version: r.version, action });
}
async function task(t: Date, actor: User, input: { type: Task['type']; team: Task['team']; dueAt: Date }): Promise<Task> {
  at(t);
  return (await createTask(ctx, { actor, input: { patientId: PATIENT, type: input.type, team: input.team, dueAt: input.dueAt.toISOString() } })).task;
}
async function taskTo(t: Date, actor: User, x: Task, transition: Parameters<typeof transitionTask>[1]['transition']): Promise<Task> {
  at(t);
  return transitionTask(ctx, { actor, id: x.id, version: x.version, transition });
}
const schedule = (t: Date, r: Referral) => move(t, r, { action: 'schedule', appointmentAt: day(20, 15).toISOString() });
const close = (t: Date, r: Referral) => move(t, r, { action: 'close', outcome: 'Consult note received' });

/** The dashboard at NOW, with the Queries it sent. */
async function dashboard(input: Parameters<typeof getDashboard>[1] = {}): Promise<{ view: Dashboard; sent: string[] }> {
  at(NOW);
  const sent: string[] = [];
  const original = ctx.db.send.bind(ctx.db);
  const spy = jest.spyOn(ctx.db, 'send').mockImplementation(((command: { constructor: { name: string } }) => {
    sent.push(command.constructor.name);
    return original(command as never);
  }) as never);
  try {
    return { view: await getDashboard(ctx, input), sent };
  } finally {
    spy.mockRestore();
  }
}
const nonZeroDays = (view: Dashboard) => view.series.filter((d) => d.referralsScheduled + d.loopsClosed + d.tasksCompleted + d.breaches > 0);

const items: Record<string, Referral> = {};
const tasks: Record<string, Task> = {};

beforeAll(async () => {
  ctx = createContext({ config: tables.config, db: tables.db, clock: { now: () => current } });
  at(day(-60, 0));
  await insertPatient(ctx, { id: PATIENT, phones: [], emails: [], pending: false, version: 1, createdAt: current.toISOString(), updatedAt: current.toISOString() });

  // Long before the window: a whole referral loop and a task, none of which may count.
  let r0 = await referral(day(-40, 10), { queue: 'neurology' });
  let r5 = await referral(day(-40, 10), { queue: 'endocrinology' });
  let te = await task(day(-40, 10), nora, { type: 'post-discharge-call', team: 'nurses', dueAt: day(-30, 0) });
  r0 = await move(day(-40, 11), r0, { action: 'accept' });
  r5 = await move(day(-40, 11), r5, { action: 'accept' });
  r0 = await schedule(day(-40, 12), r0);
  te = await taskTo(day(-40, 12), nora, te, { to: 'completed' });
  r0 = await close(day(-39, 12), r0);

  // Inside the 30-day window.
  r5 = await schedule(day(-10, 10), r5); // created 30 days before: 720 h to schedule
  r5 = await close(day(-8, 10), r5);
  let ta = await task(day(-6, 10), nora, { type: 'post-discharge-call', team: 'nurses', dueAt: day(30, 0) });
  let r1 = await referral(day(-5, 9), { queue: 'cardiology' });
  let r2 = await referral(day(-4, 1), { queue: 'orthopedics' });
  r2 = await move(day(-4, 2), r2, { action: 'accept' });
  r1 = await move(day(-4, 9), r1, { action: 'accept' });
  r2 = await schedule(day(-4, 13), r2); // 12 h
  ta = await taskTo(day(-3, 2), nora, ta, { to: 'completed' }); // 22:00 the day before in New York
  r1 = await schedule(day(-3, 9), r1); // 48 h
  const r3 = await referral(day(-2, 13), { queue: 'cardiology', priority: 'stat' }); // due 4 h later (9:00–13:00 New York)
  r2 = await move(day(-2, 14), r2, { action: 'cancel', reason: 'Patient moved away' });
  expect(Date.parse(r3.dueAt)).toBeLessThan(day(-2, 18).getTime());
  at(day(-2, 18));
  expect(await sweepBreaches(ctx)).toEqual(expect.objectContaining({ examined: 1, escalated: 1 }));
  let tb = await task(day(-2, 19), nora, { type: 'call-patient', team: 'nurses', dueAt: day(30, 0) });
  tb = await taskTo(day(-1, 1), nora, tb, { to: 'cancelled', reason: 'Patient readmitted' });
  const tc = await task(day(-1, 3), nora, { type: 'post-discharge-call', team: 'nurses', dueAt: day(-1, 4) });
  const td = await task(day(-1, 5), casey, { type: 'call-patient', team: 'coordinators', dueAt: day(5, 0) });
  at(day(-1, 6));
  expect(await sweepBreaches(ctx)).toEqual(expect.objectContaining({ examined: 1, escalated: 1 }));
  r1 = await close(day(-1, 8), r1);
  const r4 = await referral(day(0, 11), { queue: 'general' });
  at(day(0, 11.5));
  await acknowledgeEscalation(ctx, { id: escalationId('task', tc.id, tc.dueAt), actor: nora, version: 1 });
  Object.assign(items, { r0, r1, r2, r3, r4, r5 });
  Object.assign(tasks, { ta, tb, tc, td, te });
});

describe('getDashboard', () => {
  it('counts queue sizes and overdue work now, per referral queue and per team, with Queries and BatchGets only', async () => {
    const { view, sent } = await dashboard();
    expect(sent).not.toContain(ScanCommand.name);
    expect(new Set(sent)).toEqual(new Set(['QueryCommand', 'BatchGetCommand']));

    const queues = Object.fromEntries(view.referralQueues.map((q) => [q.queue, q]));
    expect(queues.cardiology).toEqual({ queue: 'cardiology', name: 'Cardiology', open: 1, overdue: { count: 1, capped: false } });
    expect(queues.general).toEqual({ queue: 'general', name: 'General', open: 1, overdue: { count: 0, capped: false } });
    for (const closed of ['orthopedics', 'neurology', 'endocrinology']) expect(queues[closed]).toEqual(expect.objectContaining({ open: 0, overdue: { count: 0, capped: false } }));

    expect(view.taskTeams).toEqual([
      { team: 'coordinators', open: 1, unowned: 1, overdue: { count: 0, capped: false } },
      { team: 'nurses', open: 1, unowned: 1, overdue: { count: 1, capped: false } },
    ]);
  });

  it('counts open escalations and the breaches of the window (an acknowledged breach still happened)', async () => {
    const { view } = await dashboard();
    expect(view.escalations).toEqual({ open: { count: 1, capped: false }, breaches: { count: 2, capped: false, tasks: 1, referrals: 1 } });
  });

  it('computes time to schedule, loop closure and task throughput from the transition log of the last 30 days', async () => {
    const { view } = await dashboard();
    expect(view.window).toEqual({ days: 30, timeZone: 'UTC', since: '2026-02-19T00:00:00.000Z', until: NOW.toISOString() });
    // 720 h (created before the window, booked inside it), 12 h and 48 h; r0 was booked before the window.
    expect(view.timeToSchedule).toEqual({ medianHours: 48, count: 3 });
    // r5 and r1 closed the loop, r2 was cancelled; r0 closed before the window.
    expect(view.loopClosure).toEqual({ closed: 2, terminal: 3, rate: 2 / 3 });
    expect(view.tasks).toEqual({
      created: 4,
      completed: 1,
      byTeam: [
        { team: 'coordinators', created: 1, completed: 0 },
        { team: 'nurses', created: 3, completed: 1 },
      ],
      byType: [
        { type: 'call-patient', created: 2, completed: 0 },
        { type: 'post-discharge-call', created: 2, completed: 1 },
      ],
    });
  });

  it('draws a per-day series of the window in the viewer’s time zone', async () => {
    const { view } = await dashboard();
    expect(view.series).toHaveLength(30);
    expect(view.series[0]!.day).toBe('2026-02-19');
    expect(view.series[29]!.day).toBe('2026-03-20');
    expect(nonZeroDays(view)).toEqual([
      { day: '2026-03-10', referralsScheduled: 1, loopsClosed: 0, tasksCompleted: 0, breaches: 0 },
      { day: '2026-03-12', referralsScheduled: 0, loopsClosed: 1, tasksCompleted: 0, breaches: 0 },
      { day: '2026-03-16', referralsScheduled: 1, loopsClosed: 0, tasksCompleted: 0, breaches: 0 },
      { day: '2026-03-17', referralsScheduled: 1, loopsClosed: 0, tasksCompleted: 1, breaches: 0 },
      { day: '2026-03-18', referralsScheduled: 0, loopsClosed: 0, tasksCompleted: 0, breaches: 1 },
      { day: '2026-03-19', referralsScheduled: 0, loopsClosed: 1, tasksCompleted: 0, breaches: 1 },
    ]);

    const ny = (await dashboard({ timeZone: 'America/New_York' })).view;
    expect(ny.window.since).toBe('2026-02-19T05:00:00.000Z');
    // Completed at 02:00Z on the 17th: 22:00 on the 16th in New York.
    expect(ny.series.find((d) => d.day === '2026-03-16')?.tasksCompleted).toBe(1);
    expect(ny.series.find((d) => d.day === '2026-03-17')?.tasksCompleted).toBe(0);
  });

  it('leaves out what happened before a shorter window', async () => {
    const { view } = await dashboard({ days: 5 });
    expect(view.window.since).toBe('2026-03-16T00:00:00.000Z');
    expect(view.series.map((d) => d.day)).toEqual(['2026-03-16', '2026-03-17', '2026-03-18', '2026-03-19', '2026-03-20']);
    expect(view.timeToSchedule).toEqual({ medianHours: 30, count: 2 });
    expect(view.loopClosure).toEqual({ closed: 1, terminal: 2, rate: 0.5 });
    expect(view.tasks.created).toBe(3);
    expect(view.tasks.completed).toBe(1);
    expect(view.escalations.breaches.count).toBe(2);
    // Today only: nothing was booked, closed, completed or breached yet.
    const today = (await dashboard({ days: 1 })).view;
    expect(today.timeToSchedule).toEqual({ medianHours: null, count: 0 });
    expect(today.loopClosure).toEqual({ closed: 0, terminal: 0, rate: null });
    expect(today.escalations.breaches.count).toBe(0);
    // Queue sizes are "now", whatever the window.
    expect(today.taskTeams).toEqual((await dashboard()).view.taskTeams);
  });

  it('moves when the work moves: a completed task leaves the queue and joins today’s throughput', async () => {
    const before = (await dashboard()).view;
    at(NOW);
    tasks.tc = await transitionTask(ctx, { actor: nora, id: tasks.tc!.id, version: tasks.tc!.version, transition: { to: 'completed' } });
    const after = (await dashboard()).view;
    expect(after.tasks.completed).toBe(before.tasks.completed + 1);
    expect(after.taskTeams.find((t) => t.team === 'nurses')).toEqual({ team: 'nurses', open: 0, unowned: 0, overdue: { count: 0, capped: false } });
    expect(after.series.at(-1)).toEqual({ day: '2026-03-20', referralsScheduled: 0, loopsClosed: 0, tasksCompleted: 1, breaches: 0 });
  });

  it('refuses a window it will not read and a zone it does not know', async () => {
    await expect(getDashboard(ctx, { days: 0 })).rejects.toThrow();
    await expect(getDashboard(ctx, { days: 91 })).rejects.toThrow();
    await expect(getDashboard(ctx, { timeZone: 'Mars/Olympus_Mons' })).rejects.toThrow();
  });
});
