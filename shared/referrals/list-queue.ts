import { z } from 'zod';
import type { AppContext } from '../context';
import { decodeCursor, encodeCursor } from '../db/cursor';
import { type KeyRange, mergeQuery } from '../db/merge-query';
import { RECORDS_INDEX } from '../db/tables';
import { getPatientsByIds } from '../patients/repository';
import type { Patient } from '../patients/schema';
import { QUEUE_IDS } from './queues';
import { assigneePk, businessPk, queuePk, referralFromItem } from './repository';
import {
  CLOCK_RUNNING_STATUSES,
  OPEN_STATUSES,
  isOverdue,
  PRIORITIES,
  PRIORITY_RANK,
  type Referral,
  ZBusinessStatus,
  ZPriority,
  ZReferralStatus,
} from './schema';

export const ZQueueFilter = z.object({
  queue: z.enum(QUEUE_IDS as [string, ...string[]]).optional(),
  status: z.array(ZReferralStatus).min(1).optional(),
  businessStatus: ZBusinessStatus.optional(),
  assigneeId: z.string().min(1).max(100).optional(),
  priority: z.array(ZPriority).min(1).optional(),
  overdue: z.boolean().optional(),
  cursor: z.string().max(1000).optional(),
  limit: z.number().int().min(1).max(100).default(25),
});
export type QueueFilter = z.input<typeof ZQueueFilter>;

export interface QueueRow {
  referral: Referral;
  /** Display name for the row (PHI: render, never log). Undefined while the EHR has not sent it. */
  patientName?: string;
  patientBirthDate?: string;
  overdue: boolean;
}

export interface QueuePage {
  rows: QueueRow[];
  nextCursor?: string;
}

function displayName(p: Patient | undefined): string | undefined {
  return p?.name?.text;
}

/**
 * One page of the referral queue, sorted by priority then due time. Each filter is served by an
 * index key (queue+status, assignee+status, queue+business status) or a sort-key range (priority,
 * overdue), so the page costs the same at 1,000 or 100,000 referrals; only combinations no single
 * index covers add a FilterExpression on top, bounded per page. Never a Scan.
 */
export async function listQueue(ctx: AppContext, input: QueueFilter): Promise<QueuePage> {
  const filter = ZQueueFilter.parse(input);
  const now = ctx.clock.now().toISOString();
  // Overdue means the clock ran out: on-hold referrals (clock paused) are never overdue.
  const statuses = (filter.status ?? [...OPEN_STATUSES]).filter((s) => !filter.overdue || CLOCK_RUNNING_STATUSES.includes(s));
  if (statuses.length === 0) return { rows: [] };
  const queues = filter.queue ? [filter.queue] : QUEUE_IDS;
  const ranks = (filter.priority ?? [...PRIORITIES]).map((p) => PRIORITY_RANK[p]).sort();
  // Sort-key ranges: one per priority rank (contiguous ranks merge into one range when not overdue).
  const skRanges: { lo?: string; hi?: string }[] = filter.overdue
    ? ranks.map((r) => ({ lo: `${r}#`, hi: `${r}#${now}` }))
    : filter.priority
      ? ranks.map((r) => ({ lo: `${r}#`, hi: `${r}#\uffff` }))
      : [{}];

  const partitions: { index: string; pkName: string; pkValue: string }[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const conditions: string[] = [];
  if (filter.assigneeId) {
    for (const s of statuses) partitions.push({ index: RECORDS_INDEX.assignee, pkName: 'assigneePk', pkValue: assigneePk(filter.assigneeId, s) });
    if (filter.queue) {
      names['#queue'] = 'queue';
      values[':queue'] = filter.queue;
      conditions.push('#queue = :queue');
    }
    if (filter.businessStatus) {
      names['#bs'] = 'businessStatus';
      values[':bs'] = filter.businessStatus;
      conditions.push('#bs = :bs');
    }
  } else if (filter.businessStatus) {
    for (const q of queues) partitions.push({ index: RECORDS_INDEX.business, pkName: 'businessPk', pkValue: businessPk(q, filter.businessStatus) });
    names['#status'] = 'status';
    const placeholders = statuses.map((s, i) => {
      values[`:s${i}`] = s;
      return `:s${i}`;
    });
    conditions.push(`#status IN (${placeholders.join(', ')})`);
  } else {
    for (const q of queues) for (const s of statuses) partitions.push({ index: RECORDS_INDEX.queue, pkName: 'queuePk', pkValue: queuePk(q, s) });
  }

  const ranges: KeyRange[] = partitions.flatMap((p) => skRanges.map((r) => ({ ...p, skName: 'queueSk', ...r })));
  const page = await mergeQuery(ctx, {
    table: ctx.config.tables.records,
    ranges,
    limit: filter.limit,
    ...(filter.cursor ? { after: decodeCursor(filter.cursor) } : {}),
    ...(conditions.length > 0 ? { filter: { expression: conditions.join(' AND '), names, values } } : {}),
  });
  const referrals = page.items.map(referralFromItem);
  const patients = await getPatientsByIds(ctx, [...new Set(referrals.map((r) => r.patientId))]);
  return {
    rows: referrals.map((referral) => {
      const patient = patients.get(referral.patientId);
      return {
        referral,
        ...(displayName(patient) ? { patientName: displayName(patient) } : {}),
        ...(patient?.birthDate ? { patientBirthDate: patient.birthDate } : {}),
        overdue: isOverdue(referral, ctx.clock.now()),
      };
    }),
    ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}),
  };
}
