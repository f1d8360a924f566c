import { z } from 'zod';
import { listAudit } from '../../../shared/audit/list-audit';
import { type AuditAction, type AuditEntry, ZRecordId } from '../../../shared/audit/schema';
import { CONSOLE_POLICY, isAllowed } from '../../../shared/auth/policy';
import type { AppContext } from '../../../shared/context';
import { listUsers, type Role, ZUserId } from '../../../shared/users/directory';
import { describeError } from './action-error.server';
import { formValues } from './session.server';
import { utcDay } from './time';

/**
 * The audit page's query string: opaque ids and UTC dates only, never patient data. `patient` is
 * Sidecar's patient id, `user` a staff id (empty: anyone).
 */
const ZAuditSearch = z.object({
  patient: ZRecordId.optional(),
  user: ZUserId.optional(),
  from: z.iso.date({ error: 'Use a date like 2025-01-31' }).optional(),
  to: z.iso.date({ error: 'Use a date like 2025-01-31' }).optional(),
  cursor: z.string().max(1000).optional(),
});
type AuditSearch = z.infer<typeof ZAuditSearch>;
const FIELDS = ['patient', 'user', 'from', 'to', 'cursor'] as const;
const FIELD_MESSAGE: Record<(typeof FIELDS)[number], string> = {
  patient: 'Enter a patient id (letters, digits, - and _ only)',
  user: 'Choose a user from the list',
  from: 'Use a date like 2025-01-31',
  to: 'Use a date like 2025-01-31',
  cursor: 'Start again from the newest page',
};

const PAGE_SIZE = 50;

const ACTION_LABEL: Record<AuditAction, string> = {
  read: 'Read',
  list: 'Listed',
  create: 'Created',
  update: 'Updated',
  transition: 'Changed status',
  assign: 'Assigned',
  claim: 'Claimed',
  note: 'Added a note',
  replay: 'Replayed',
  'sign-in': 'Signed in',
  'sign-out': 'Signed out',
  launch: 'Launched from the EHR',
  'webhook-source.create': 'Created webhook source',
  'webhook-source.rotate': 'Rotated webhook secret',
  'webhook-source.disable': 'Disabled webhook source',
  'webhook-source.enable': 'Enabled webhook source',
  denied: 'Refused',
};

const VIA_LABEL: Record<AuditEntry['via'], string> = { api: 'API', console: 'Console', smart: 'SMART launch' };

/** A console page for a record, when there is one and the viewer's role may open it (no dead links). */
function pageFor(resourceType: string, id: string | undefined, viewer: Role): string | undefined {
  if (!id) return undefined;
  const href = resourceType === 'Referral' ? `/referrals/${id}` : resourceType === 'Patient' ? `/patients/${id}` : undefined;
  return href && isAllowed(CONSOLE_POLICY, 'GET', href, viewer) ? href : undefined;
}

function auditHref(search: Partial<AuditSearch>): string {
  const p = new URLSearchParams();
  for (const field of FIELDS) {
    const value = search[field];
    if (value) p.set(field, value);
  }
  const query = p.toString();
  return query ? `/audit?${query}` : '/audit';
}

/** What one table row shows: ids, enums and staff names (the record holds nothing more). */
function toAuditRow(entry: AuditEntry, viewer: Role) {
  return {
    id: entry.id,
    at: entry.at,
    actorId: entry.actorId,
    actorName: entry.actorName,
    role: entry.role,
    action: ACTION_LABEL[entry.action],
    via: VIA_LABEL[entry.via],
    resourceType: entry.resourceType,
    resourceId: entry.resourceId,
    resourceHref: pageFor(entry.resourceType, entry.resourceId, viewer),
    patientId: entry.patientId,
    patientHref: pageFor('Patient', entry.patientId, viewer),
    patientTrailHref: entry.patientId ? auditHref({ patient: entry.patientId }) : undefined,
    outcome: entry.outcome,
    requestId: entry.requestId,
    sourceIp: entry.sourceIp,
  };
}
export type AuditRow = ReturnType<typeof toAuditRow>;

/** Each field on its own: valid values are kept (to refill the form), invalid ones reported, never echoed. */
function parseAuditSearch(params: URLSearchParams): { search: Partial<AuditSearch>; fieldErrors: Record<string, string> } {
  const raw = formValues(params, FIELDS);
  const search: Partial<AuditSearch> = {};
  const fieldErrors: Record<string, string> = {};
  for (const field of FIELDS) {
    const parsed = ZAuditSearch.shape[field].safeParse(raw[field]);
    if (!parsed.success) fieldErrors[field] = FIELD_MESSAGE[field];
    else if (parsed.data !== undefined) search[field] = parsed.data;
  }
  return { search, fieldErrors };
}

/**
 * Everything the audit page shows, with the HTTP status to answer: one page of listAudit for the
 * filters in the query string, plus the staff directory for the user filter. Invalid filters and
 * refused queries (a range over 92 days, a bad cursor) come back as a visible 400 with the form,
 * not an exception; unexpected failures are rethrown to the error boundary. Access to the page is
 * enforced centrally (CONSOLE_POLICY['/audit']); reading it is audited by the console's edge.
 */
export async function loadAuditPage(ctx: AppContext, viewer: Role, params: URLSearchParams) {
  const today = utcDay(ctx.clock.now());
  const { search, fieldErrors } = parseAuditSearch(params);
  const directory = await listUsers(ctx);
  const users = directory.map((u) => ({ id: u.id, label: `${u.name} (${u.role})` }));
  if (search.user && !users.some((u) => u.id === search.user)) users.push({ id: search.user, label: search.user });
  const form = { patient: search.patient, user: search.user, from: search.from, to: search.to };
  const refused = (status: number, message: string, fields: Record<string, string> = {}) => ({
    status,
    data: { ok: false as const, message, fieldErrors: fields, form, users, today },
  });

  if (Object.keys(fieldErrors).length > 0) return refused(400, 'Some filters need attention.', fieldErrors);
  let page: Awaited<ReturnType<typeof listAudit>>;
  try {
    page = await listAudit(ctx, {
      ...(search.patient ? { patientId: search.patient } : {}),
      ...(search.user ? { actorId: search.user } : {}),
      ...(search.from ? { from: search.from } : {}),
      ...(search.to ? { to: search.to } : {}),
      ...(search.cursor ? { cursor: search.cursor } : {}),
      limit: PAGE_SIZE,
    });
  } catch (error) {
    const described = describeError(error);
    if (!described) throw error;
    return refused(described.status, described.message);
  }
  // The range actually searched (defaults filled in) goes into the form and the paging links.
  const searched = { ...form, from: page.from, to: page.to };
  return {
    status: 200,
    data: {
      ok: true as const,
      form: searched,
      users,
      today,
      rows: page.entries.map((e) => toAuditRow(e, viewer)),
      newestHref: search.cursor ? auditHref(searched) : undefined,
      olderHref: page.nextCursor ? auditHref({ ...searched, cursor: page.nextCursor }) : undefined,
    },
  };
}
