import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppContext } from '../../../shared/context';
import { ZPatient } from '../../../shared/patients/schema';
import { addTaskNote, ZTaskNoteText } from '../../../shared/tasks/add-task-note';
import { assignTask, ZAssignTaskInput } from '../../../shared/tasks/assign-task';
import { BULK_OUTCOMES, bulkReassignTasks, ZBulkReassignInput } from '../../../shared/tasks/bulk-reassign-tasks';
import { claimTask } from '../../../shared/tasks/claim-task';
import { createTask, ZCreateTaskInput } from '../../../shared/tasks/create-task';
import { getTask } from '../../../shared/tasks/get-task';
import { getTaskCounts, ZTaskCountsInput } from '../../../shared/tasks/get-task-counts';
import { listTasks } from '../../../shared/tasks/list-tasks';
import { logAttempt, ZLogAttemptInput } from '../../../shared/tasks/log-attempt';
import { getTaskRecord } from '../../../shared/tasks/repository';
import { ZTask, ZTaskTimelineEntry, ZTeam } from '../../../shared/tasks/schema';
import { ZTaskTransition } from '../../../shared/tasks/state-machine';
import { transitionTask } from '../../../shared/tasks/transition-task';
import { TASK_VIEWS, ZTaskOwnership, ZTaskListView } from '../../../shared/tasks/views';
import { newRouter } from '../../http/router';
import { errorResponses, json, ZErrorBody, ZUlidParam, ZVersion } from '../schemas';

const responses = { ...errorResponses, 403: { description: 'Not on the task’s team', content: { 'application/json': { schema: ZErrorBody } } } } as const;
const body = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } }, required: true });

const ZListQuery = z.object({
  view: ZTaskListView.optional(),
  team: ZTeam.optional(),
  ownership: ZTaskOwnership.optional(),
  dueBefore: z.iso.datetime({ offset: true }).optional(),
  cursor: z.string().max(1000).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});
const ZTaskRow = z.object({ task: ZTask, patientName: z.string().optional(), overdue: z.boolean() });
const ZTaskPage = z.object({ rows: z.array(ZTaskRow), nextCursor: z.string().optional() });
const ZTaskCounts = z.object({
  team: ZTeam,
  views: z.object(Object.fromEntries(TASK_VIEWS.map((v) => [v, z.number()]))),
  unowned: z.number(),
  capped: z.array(ZTaskListView),
});
const ZTaskViewBody = z.object({ task: ZTask, timeline: z.array(ZTaskTimelineEntry), patient: ZPatient.optional(), overdue: z.boolean() });
const ZBulkResults = z.object({
  results: z.array(
    z.object({ id: z.string(), outcome: z.enum(BULK_OUTCOMES), version: z.number().optional(), message: z.string().optional(), currentVersion: z.number().optional() }),
  ),
});

const taskResource = (t: { id: string; patientId: string }) => ({ resourceType: 'Task' as const, resourceId: t.id, patientId: t.patientId });

/** /api/tasks: work lists and counts, create, read with timeline, claim, assign, transition, attempts, notes, bulk reassign. */
export function tasksRoutes(ctx: AppContext) {
  return newRouter()
    .openapi(
      createRoute({ method: 'get', path: '/', request: { query: ZListQuery }, responses: { 200: json(ZTaskPage, 'A page of a work list, by priority then due time'), ...responses } }),
      async (c) => {
        const page = await listTasks(ctx, { actor: c.get('actor'), input: c.req.valid('query') });
        c.get('audit').add('list', ...page.rows.map((r) => taskResource(r.task)));
        return c.json(page, 200);
      },
    )
    .openapi(
      createRoute({ method: 'get', path: '/counts', request: { query: ZTaskCountsInput }, responses: { 200: json(ZTaskCounts, 'Rows per work list'), ...responses } }),
      async (c) => c.json(await getTaskCounts(ctx, { actor: c.get('actor'), input: c.req.valid('query') }), 200),
    )
    .openapi(
      createRoute({ method: 'post', path: '/', request: { body: body(ZCreateTaskInput) }, responses: { 201: json(ZTask, 'Created'), ...responses } }),
      async (c) => {
        const { task } = await createTask(ctx, { actor: c.get('actor'), input: c.req.valid('json') });
        c.get('audit').add('create', taskResource(task));
        return c.json(task, 201);
      },
    )
    .openapi(
      createRoute({ method: 'post', path: '/bulk-reassign', request: { body: body(ZBulkReassignInput) }, responses: { 200: json(ZBulkResults, 'One outcome per task'), ...responses } }),
      async (c) => {
        const results = await bulkReassignTasks(ctx, { actor: c.get('actor'), input: c.req.valid('json') });
        c.get('audit').add('assign', ...results.flatMap((r) => (r.outcome === 'reassigned' && r.task ? [taskResource(r.task)] : [])));
        return c.json({ results: results.map(({ task, ...r }) => ({ ...r, ...(task ? { version: task.version } : {}) })) }, 200);
      },
    )
    .openapi(
      createRoute({ method: 'get', path: '/{id}', request: { params: ZUlidParam }, responses: { 200: json(ZTaskViewBody, 'The task with its timeline and patient'), ...responses } }),
      async (c) => {
        const view = await getTask(ctx, { id: c.req.valid('param').id });
        c.get('audit').add('read', taskResource(view.task));
        return c.json(view, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/{id}/claim',
        request: { params: ZUlidParam, body: body(z.object({ version: z.number().int().min(1).optional() })) },
        responses: { 200: json(ZTask, 'Claimed'), ...responses },
      }),
      async (c) => {
        const version = c.req.valid('json').version;
        const task = await claimTask(ctx, { actor: c.get('actor'), id: c.req.valid('param').id, ...(version !== undefined ? { version } : {}) });
        c.get('audit').add('claim', taskResource(task));
        return c.json(task, 200);
      },
    )
    .openapi(
      createRoute({ method: 'post', path: '/{id}/assign', request: { params: ZUlidParam, body: body(ZAssignTaskInput.extend(ZVersion.shape)) }, responses: { 200: json(ZTask, 'Assigned'), ...responses } }),
      async (c) => {
        const { version, ...input } = c.req.valid('json');
        const task = await assignTask(ctx, { actor: c.get('actor'), id: c.req.valid('param').id, version, input });
        c.get('audit').add('assign', taskResource(task));
        return c.json(task, 200);
      },
    )
    .openapi(
      createRoute({ method: 'post', path: '/{id}/transitions', request: { params: ZUlidParam, body: body(z.intersection(ZVersion, ZTaskTransition)) }, responses: { 200: json(ZTask, 'Moved'), ...responses } }),
      async (c) => {
        const { version, ...transition } = c.req.valid('json');
        const task = await transitionTask(ctx, { actor: c.get('actor'), id: c.req.valid('param').id, version, transition: ZTaskTransition.parse(transition) });
        c.get('audit').add('transition', taskResource(task));
        return c.json(task, 200);
      },
    )
    .openapi(
      createRoute({ method: 'post', path: '/{id}/attempts', request: { params: ZUlidParam, body: body(ZLogAttemptInput.extend(ZVersion.shape)) }, responses: { 200: json(ZTask, 'Attempt logged'), ...responses } }),
      async (c) => {
        const { version, ...input } = c.req.valid('json');
        const task = await logAttempt(ctx, { actor: c.get('actor'), id: c.req.valid('param').id, version, input });
        c.get('audit').add('update', taskResource(task));
        return c.json(task, 200);
      },
    )
    .openapi(
      createRoute({ method: 'post', path: '/{id}/notes', request: { params: ZUlidParam, body: body(z.object({ text: ZTaskNoteText })) }, responses: { 201: json(ZTaskTimelineEntry, 'Note added'), ...responses } }),
      async (c) => {
        const id = c.req.valid('param').id;
        const entry = await addTaskNote(ctx, { actor: c.get('actor'), id, text: c.req.valid('json').text });
        const task = await getTaskRecord(ctx, id);
        c.get('audit').add('note', task ? taskResource(task) : { resourceType: 'Task', resourceId: id });
        return c.json(entry, 201);
      },
    );
}
