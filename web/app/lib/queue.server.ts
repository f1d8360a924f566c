import { z } from 'zod';
import type { QueueFilter, QueueRow } from '../../../shared/referrals/list-queue';
import { QUEUE_IDS, queueName } from '../../../shared/referrals/queues';
import { ZBusinessStatus, ZPriority, ZReferralStatus } from '../../../shared/referrals/schema';
import type { AppContext } from '../../../shared/context';
import { listUsers, type User, ZUserId } from '../../../shared/users/directory';
import { formList, formValues } from './session.server';

/**
 * The queue page's query string: filter values only (ids and enum codes), never patient data.
 * `assignee` is `me` or a staff id; an empty value means anyone.
 */
export const ZQueueSearch = z.object({
  queue: z.enum(QUEUE_IDS as [string, ...string[]]).optional(),
  status: z.array(ZReferralStatus).optional(),
  business: ZBusinessStatus.optional(),
  assignee: z.union([z.literal('me'), ZUserId]).optional(),
  priority: z.array(ZPriority).optional(),
  overdue: z.literal('1').optional(),
  cursor: z.string().max(1000).optional(),
});
export type QueueSearch = z.infer<typeof ZQueueSearch>;

export function parseQueueSearch(params: URLSearchParams): QueueSearch {
  const v = formValues(params, ['queue', 'business', 'assignee', 'overdue', 'cursor']);
  const status = formList(params, 'status');
  const priority = formList(params, 'priority');
  return ZQueueSearch.parse({
    ...v,
    ...(status.length > 0 ? { status } : {}),
    ...(priority.length > 0 ? { priority } : {}),
  });
}

export function toQueueFilter(search: QueueSearch, actor: User): QueueFilter {
  const assigneeId = search.assignee === 'me' ? actor.id : search.assignee;
  return {
    ...(search.queue ? { queue: search.queue } : {}),
    ...(search.status ? { status: search.status } : {}),
    ...(search.business ? { businessStatus: search.business } : {}),
    ...(assigneeId ? { assigneeId } : {}),
    ...(search.priority ? { priority: search.priority } : {}),
    ...(search.overdue ? { overdue: true } : {}),
    ...(search.cursor ? { cursor: search.cursor } : {}),
    limit: 25,
  };
}

/** What a queue row shows, and nothing more (the minimum necessary leaves the server). */
export function toQueueRow(row: QueueRow) {
  const r = row.referral;
  return {
    id: r.id,
    priority: r.priority,
    patientId: r.patientId,
    patientName: row.patientName,
    patientBirthDate: row.patientBirthDate,
    service: r.service.display ?? r.service.code ?? 'Unspecified service',
    queue: queueName(r.queue),
    status: r.status,
    businessStatus: r.businessStatus,
    assignee: r.assignee?.name,
    dueAt: r.dueAt,
    overdue: row.overdue,
  };
}

/** Staff who can be picked as assignees: coordinators in the directory (everyone who has signed in). */
export async function staffOptions(ctx: AppContext) {
  return (await listUsers(ctx)).filter((u) => u.role === 'coordinator').map((u) => ({ id: u.id, name: u.name, role: u.role }));
}
