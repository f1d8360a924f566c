import { z } from 'zod';
import { ROLE_SETS } from '../auth/policy';
import type { AppContext } from '../context';
import { batchGetAll } from '../db/batch';
import { getPatientsByIds } from '../patients/repository';
import { referralFromItem, referralKey } from '../referrals/repository';
import { type Referral, ZActorRef, ZBusinessStatus, ZReferralStatus } from '../referrals/schema';
import { taskFromItem, taskKey } from '../tasks/repository';
import { type Task, ZTaskStatus, ZTaskType, ZTeam } from '../tasks/schema';
import type { User } from '../users/directory';
import { countOpenEscalations, type Escalation, listEscalations, ZEscalation, ZEscalationStatus } from './escalations';

/** What a lead needs to know about a breached task, without opening it. */
export const ZEscalatedTask = z.object({
  kind: z.literal('task'),
  title: z.string(),
  type: ZTaskType,
  status: ZTaskStatus,
  team: ZTeam,
  owner: ZActorRef.optional(),
});

/** What a lead needs to know about a breached referral, without opening it. */
export const ZEscalatedReferral = z.object({
  kind: z.literal('referral'),
  /** The requested service in words (the EHR's display, else its code). */
  service: z.string(),
  status: ZReferralStatus,
  businessStatus: ZBusinessStatus,
  queue: z.string(),
  assignee: ZActorRef.optional(),
});

/**
 * One row of the escalations list: the escalation, a summary of its item (absent when the item is
 * gone, or is a referral and the viewer's role may not read referrals), and the patient's display
 * name (PHI: render, never log; absent while the EHR has not sent the patient).
 */
export const ZEscalationRow = z.object({
  escalation: ZEscalation,
  item: z.discriminatedUnion('kind', [ZEscalatedTask, ZEscalatedReferral]).optional(),
  patientName: z.string().optional(),
});
export type EscalationRow = z.infer<typeof ZEscalationRow>;

export const ZEscalationPage = z.object({
  rows: z.array(ZEscalationRow),
  nextCursor: z.string().optional(),
  /** Open escalations of the team filter (all teams without one), capped at ESCALATION_COUNT_CAP. */
  open: z.object({ count: z.number().int().min(0), capped: z.boolean() }),
});
export type EscalationPage = z.infer<typeof ZEscalationPage>;

export const ZListEscalationRowsInput = z.object({
  status: ZEscalationStatus.default('open'),
  team: ZTeam.optional(),
  cursor: z.string().max(1000).optional(),
  limit: z.number().int().min(1).max(100).default(25),
});
export type ListEscalationRowsInput = z.input<typeof ZListEscalationRowsInput>;

function taskSummary(t: Task): z.infer<typeof ZEscalatedTask> {
  return { kind: 'task', title: t.title, type: t.type, status: t.status, team: t.team, ...(t.owner ? { owner: t.owner } : {}) };
}

function referralSummary(r: Referral): z.infer<typeof ZEscalatedReferral> {
  return {
    kind: 'referral',
    service: r.service.display ?? r.service.code ?? 'Referral',
    status: r.status,
    businessStatus: r.businessStatus,
    queue: r.queue,
    ...(r.assignee ? { assignee: r.assignee } : {}),
  };
}

/** The breached items of a page, by id: one BatchGet for tasks and referrals together. */
async function readItems(ctx: AppContext, escalations: Escalation[], withReferrals: boolean): Promise<Map<string, EscalationRow['item']>> {
  const keys = escalations.flatMap((e) => (e.kind === 'task' ? [taskKey(e.itemId)] : withReferrals ? [referralKey(e.itemId)] : []));
  const unique = [...new Map(keys.map((k) => [k.pk, k])).values()];
  const found = new Map<string, EscalationRow['item']>();
  for (const item of await batchGetAll(ctx, ctx.config.tables.records, unique)) {
    if (item.entity === 'task') {
      const task = taskFromItem(item);
      found.set(`task#${task.id}`, taskSummary(task));
    } else if (item.entity === 'referral') {
      const referral = referralFromItem(item);
      found.set(`referral#${referral.id}`, referralSummary(referral));
    }
  }
  return found;
}

/**
 * A page of the leads' escalations list (newest breach first, one status, optionally one team),
 * each row with a summary of its task or referral and the patient's name, plus the count of open
 * escalations for the same team filter. Items and patients are read in batches (BatchGet), the
 * escalations by Query: the cost follows the page, never the table. Referral details are left out
 * for viewers whose role may not read referrals (minimum necessary). Returns PHI (patient names).
 */
export async function listEscalationRows(ctx: AppContext, options: { viewer: User; input: ListEscalationRowsInput }): Promise<EscalationPage> {
  const input = ZListEscalationRowsInput.parse(options.input);
  const team = input.team ? { team: input.team } : {};
  const [page, open] = await Promise.all([
    listEscalations(ctx, { status: input.status, ...team, limit: input.limit, ...(input.cursor ? { cursor: input.cursor } : {}) }),
    countOpenEscalations(ctx, team),
  ]);
  const [items, patients] = await Promise.all([
    readItems(ctx, page.escalations, ROLE_SETS.REFERRALS_READ.includes(options.viewer.role)),
    getPatientsByIds(ctx, [...new Set(page.escalations.map((e) => e.patientId))]),
  ]);
  return {
    rows: page.escalations.map((escalation) => {
      const item = items.get(`${escalation.kind}#${escalation.itemId}`);
      const patientName = patients.get(escalation.patientId)?.name?.text;
      return { escalation, ...(item ? { item } : {}), ...(patientName ? { patientName } : {}) };
    }),
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    open,
  };
}
