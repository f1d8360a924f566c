import { json } from '@remix-run/node';
import { z } from 'zod';
import { CONSOLE_POLICY, isAllowed } from '../../../shared/auth/policy';
import { queueName } from '../../../shared/referrals/queues';
import { escalationTeam, ZEscalationId, ZEscalationStatus } from '../../../shared/sla/escalations';
import type { EscalationRow } from '../../../shared/sla/list-escalation-rows';
import { type Team, teamOfRole, ZTeam } from '../../../shared/tasks/schema';
import type { User } from '../../../shared/users/directory';
import { STALE_MESSAGE, toUserError } from './action-error.server';
import { statusLabel } from './labels';
import { formValues } from './session.server';
import { TEAM_LABEL, taskStatusLabel } from './task-labels';

export const ESCALATION_STALE_MESSAGE =
  'This escalation was changed by someone else since the page was loaded (it may already be acknowledged) — reload the page to see the latest.';

/** The escalations page's query string: a status tab, a team (or all) and a cursor. Codes only, never PHI. */
export const ZEscalationSearch = z.object({
  status: ZEscalationStatus.default('open'),
  team: z.union([ZTeam, z.literal('all')]).optional(),
  cursor: z.string().max(1000).optional(),
});
export type EscalationSearch = z.infer<typeof ZEscalationSearch>;

/** The page's search parameters, validated (a ZodError, shown as a 400, for anything odd). */
export function parseEscalationSearch(params: URLSearchParams): EscalationSearch {
  const v = formValues(params, ['status', 'team', 'cursor']);
  return ZEscalationSearch.parse(Object.fromEntries(Object.entries(v).filter(([, value]) => value !== undefined)));
}

/** The team the page shows by default: the viewer's own (they lead it today), else every team. */
export function defaultEscalationTeam(actor: User): Team | 'all' {
  return teamOfRole(actor.role) ?? 'all';
}

/** A duration in plain words ("2 d 4 h", "3 h 20 min", "45 min"); business hours are not counted apart. */
export function overdueText(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 1) return 'under a minute';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return mins > 0 ? `${hours} h ${mins} min` : `${hours} h`;
  return `${mins} min`;
}

/**
 * What one row shows, and nothing more: how late the work is (until now while open, until the
 * acknowledgement after), its item as words and a link the viewer may open, its team or queue,
 * and whether the viewer may acknowledge it (open, and on its team).
 */
export function toEscalationRow(row: EscalationRow, viewer: User, now: Date) {
  const e = row.escalation;
  const item = row.item;
  const href = e.kind === 'task' ? `/tasks/${e.itemId}` : `/referrals/${e.itemId}`;
  const until = e.status === 'acknowledged' && e.acknowledgedAt ? Date.parse(e.acknowledgedAt) : now.getTime();
  const owner = item?.kind === 'task' ? item.owner : item?.kind === 'referral' ? item.assignee : undefined;
  return {
    id: e.id,
    version: e.version,
    status: e.status,
    kind: e.kind,
    itemId: e.itemId,
    itemHref: isAllowed(CONSOLE_POLICY, 'GET', href, viewer.role) ? href : undefined,
    itemLabel: item ? (item.kind === 'task' ? item.title : item.service) : e.kind === 'task' ? 'Task' : 'Referral',
    itemState: item ? (item.kind === 'task' ? taskStatusLabel(item.status) : statusLabel(item.status)) : undefined,
    owner: owner?.name,
    patientId: e.patientId,
    patientName: row.patientName,
    priority: e.priority,
    teamLabel: `${TEAM_LABEL[escalationTeam(e)]}${e.kind === 'referral' && e.queue ? ` · ${queueName(e.queue)} queue` : ''}`,
    dueAt: e.dueAt,
    breachedAt: e.breachedAt,
    overdue: overdueText(until - Date.parse(e.dueAt)),
    acknowledgedBy: e.acknowledgedBy?.name,
    acknowledgedAt: e.acknowledgedAt,
    canAcknowledge: e.status === 'open' && isAllowed(CONSOLE_POLICY, 'POST', '/escalations', viewer.role) && teamOfRole(viewer.role) === escalationTeam(e),
  };
}
export type EscalationRowView = ReturnType<typeof toEscalationRow>;

/** The acknowledge form: which escalation, at which version, and the tab and team to return to. */
export const ZAcknowledgeForm = z.object({
  escalationId: ZEscalationId,
  version: z.coerce.number().int().min(1),
  status: ZEscalationStatus.default('open'),
  team: z.union([ZTeam, z.literal('all')]).optional(),
});

/** The acknowledge form's fields, validated (a ZodError for anything odd). */
export function parseAcknowledgeForm(form: FormData): z.infer<typeof ZAcknowledgeForm> {
  const v = formValues(form, ['escalationId', 'version', 'status', 'team']);
  return ZAcknowledgeForm.parse(Object.fromEntries(Object.entries(v).filter(([, value]) => value !== undefined)));
}

/**
 * A failed acknowledgement's answer: the page re-renders with the message at the error's status
 * (409 stale: says the escalation changed; 403: names the team that may). Input is never echoed;
 * unexplainable errors are rethrown.
 */
export function escalationFormError(error: unknown) {
  const e = toUserError(error);
  const message = e.message === STALE_MESSAGE ? ESCALATION_STALE_MESSAGE : e.fieldErrors ? 'This acknowledgement is not valid; reload the page and try again.' : e.message;
  return json({ ok: false as const, message }, { status: e.status });
}
