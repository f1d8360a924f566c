import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { API_POLICY, isAllowed } from '../auth/policy';
import { listCarePlansForPatient } from '../careplans/list-care-plans-for-patient';
import { getCarePlanWithTimeline } from '../careplans/repository';
import type { CarePlan } from '../careplans/schema';
import { type PatientConsent, readPatientConsent } from '../consent/get-patient-consent';
import { queryConsentEntries } from '../consent/repository';
import type { AppContext } from '../context';
import { NotFoundError } from '../errors';
import { ehrChartUrl } from '../fhir/ehr-client';
import { referralFromItem, referralKey } from '../referrals/repository';
import { OPEN_STATUSES, type Referral, ZTimelineEntry } from '../referrals/schema';
import { type PatientReminders, readPatientReminders } from '../reminders/get-patient-reminders';
import { queryRemindersForPatient, reminderKey } from '../reminders/repository';
import { type Reminder, ZReminderTimelineEntry } from '../reminders/schema';
import { TASK_PATIENT_SK_PREFIX, taskFromItem, taskKey } from '../tasks/repository';
import { isOpenTask, type Task, ZTaskTimelineEntry } from '../tasks/schema';
import type { Role } from '../users/directory';
import { getWebhookSource } from '../webhooks/sources';
import {
  carePlanItem,
  fromCarePlanEntry,
  fromConsentEntry,
  fromReferralEntry,
  fromReminderEntry,
  fromTaskEntry,
  mergeActivity,
  referralItem,
  reminderItem,
  taskItem,
} from './activity';
import type { ActivityEntry, ActivityItemType, PatientEhrRef, PatientOverview } from './overview-schema';
import { getPatientRecord, queryPatientRecords } from './repository';
import type { Patient } from './schema';

/** The patient timeline's length; the page says so when there is more. */
export const PATIENT_TIMELINE_LIMIT = 200;
/** Bounds of each section's read (newest first); a section says `capped` when the patient has more. */
export const OVERVIEW_REFERRAL_LIMIT = 100;
export const OVERVIEW_TASK_LIMIT = 200;
export const OVERVIEW_CAREPLAN_LIMIT = 100;
/** Reminders whose histories the timeline may read (newest first; the newest of the page's list when it is included). */
export const OVERVIEW_REMINDER_LIMIT = 100;
/** Closed tasks shown beside the open ones (most recently closed first). */
export const RECENTLY_CLOSED_TASKS = 10;
/** Items whose histories the timeline reads (the most recently changed), and how many Queries run at once. */
export const TIMELINE_ITEM_LIMIT = 100;
export const TIMELINE_READ_CONCURRENCY = 8;

/** Which of a patient's records a role may open: the API policy of each record's own read route. */
export interface OverviewAccess {
  referrals: boolean;
  tasks: boolean;
  carePlans: boolean;
}

/**
 * What `role` may see on a patient's overview: the sections whose records it could open one by
 * one (`GET /api/referrals/:id`, `/api/tasks/:id`, `/api/care-plans/:id`), so the overview never
 * shows more than the records' own pages would.
 */
export function overviewAccess(role: Role): OverviewAccess {
  return {
    referrals: isAllowed(API_POLICY, 'GET', '/api/referrals/x', role),
    tasks: isAllowed(API_POLICY, 'GET', '/api/tasks/x', role),
    carePlans: isAllowed(API_POLICY, 'GET', '/api/care-plans/x', role),
  };
}

/** Runs `fn` over `items` with at most `limit` calls in flight, results in the items' order. */
async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * The newest `limit` timeline items of one record partition (`T#<ulid>` sort keys, so newest
 * first is the reverse key order): one Query, strongly consistent, and whether older ones exist.
 */
async function recentTimelineItems(ctx: AppContext, pk: string, limit: number): Promise<{ items: Record<string, unknown>[]; more: boolean }> {
  const res = await ctx.db.send(
    new QueryCommand({
      TableName: ctx.config.tables.records,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :t)',
      ExpressionAttributeValues: { ':pk': pk, ':t': 'T#' },
      ScanIndexForward: false,
      ConsistentRead: true,
      Limit: limit,
    }),
  );
  return { items: res.Items ?? [], more: res.LastEvaluatedKey !== undefined };
}

/** A record whose history the timeline may read: when it last changed, and how to read its newest entries. */
type Traced = { updatedAt: string; read: () => Promise<{ entries: ActivityEntry[]; more: boolean }> };

function referralHistory(ctx: AppContext, r: Referral): Traced {
  const item = referralItem(r);
  return {
    updatedAt: r.updatedAt,
    read: async () => {
      const { items, more } = await recentTimelineItems(ctx, referralKey(r.id).pk, PATIENT_TIMELINE_LIMIT);
      return { entries: items.map((i) => fromReferralEntry(item, ZTimelineEntry.parse(i))), more };
    },
  };
}

function taskHistory(ctx: AppContext, t: Task): Traced {
  const item = taskItem(t);
  return {
    updatedAt: t.updatedAt,
    read: async () => {
      const { items, more } = await recentTimelineItems(ctx, taskKey(t.id).pk, PATIENT_TIMELINE_LIMIT);
      return { entries: items.map((i) => fromTaskEntry(item, ZTaskTimelineEntry.parse(i))), more };
    },
  };
}

function carePlanHistory(ctx: AppContext, p: CarePlan): Traced {
  const item = carePlanItem(p);
  return {
    updatedAt: p.updatedAt,
    // A plan's history is short (creation, revisions, status changes): its own bounded partition read.
    read: async () => ({ entries: ((await getCarePlanWithTimeline(ctx, p.id))?.timeline ?? []).map((e) => fromCarePlanEntry(item, e)), more: false }),
  };
}

function reminderHistory(ctx: AppContext, r: Reminder): Traced {
  const item = reminderItem(r);
  return {
    updatedAt: r.updatedAt,
    read: async () => {
      const { items, more } = await recentTimelineItems(ctx, reminderKey(r.id).pk, PATIENT_TIMELINE_LIMIT);
      return { entries: items.map((i) => fromReminderEntry(item, ZReminderTimelineEntry.parse(i))), more };
    },
  };
}

/** The patient's consent changes (both channels), newest first: one Query on their ledger. */
async function readConsentActivity(ctx: AppContext, patientId: string): Promise<{ entries: ActivityEntry[]; more: boolean }> {
  const { entries, more } = await queryConsentEntries(ctx, { patientId, limit: PATIENT_TIMELINE_LIMIT });
  return { entries: entries.map(fromConsentEntry), more };
}

type TimelineReminders = { reminders: Reminder[]; capped: boolean };

/**
 * The patient's reminders, one Query on the patient index either way: the page's list when asked
 * for (`list`, at PATIENT_REMINDER_LIST_LIMIT), whose newest OVERVIEW_REMINDER_LIMIT feed the
 * timeline; else only the timeline's (`timeline`, at OVERVIEW_REMINDER_LIMIT).
 */
async function readReminders(ctx: AppContext, patient: Patient, wanted: { list: boolean; timeline: boolean }): Promise<{ list?: PatientReminders; timeline?: TimelineReminders }> {
  if (wanted.list) {
    const list = await readPatientReminders(ctx, patient);
    const timeline = { reminders: list.reminders.slice(0, OVERVIEW_REMINDER_LIMIT), capped: list.capped || list.reminders.length > OVERVIEW_REMINDER_LIMIT };
    return wanted.timeline ? { list, timeline } : { list };
  }
  return wanted.timeline ? { timeline: await queryRemindersForPatient(ctx, { patientId: patient.id, max: OVERVIEW_REMINDER_LIMIT }) } : {};
}

/**
 * The patient's consent: with `states`, the page's section (states and history, one Query each),
 * whose history (CONSENT_HISTORY_LIMIT, as many as the timeline holds) feeds the timeline; else
 * only the timeline's changes (one Query).
 */
async function readConsent(
  ctx: AppContext,
  patientId: string,
  wanted: { states: boolean; timeline: boolean },
): Promise<{ section?: PatientConsent; timeline?: { entries: ActivityEntry[]; more: boolean } }> {
  if (wanted.states) {
    const section = await readPatientConsent(ctx, patientId);
    const timeline = { entries: section.history.map(fromConsentEntry), more: section.capped };
    return wanted.timeline ? { section, timeline } : { section };
  }
  return wanted.timeline ? { timeline: await readConsentActivity(ctx, patientId) } : {};
}

const byDueThenId = (a: { dueAt: string; id: string }, b: { dueAt: string; id: string }) => (a.dueAt !== b.dueAt ? (a.dueAt < b.dueAt ? -1 : 1) : a.id < b.id ? -1 : 1);
const newestUpdate = (a: { updatedAt: string }, b: { updatedAt: string }) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0);

async function readReferrals(ctx: AppContext, patientId: string): Promise<{ items: Referral[]; capped: boolean }> {
  const page = await queryPatientRecords(ctx, { patientId, prefix: 'REF#', max: OVERVIEW_REFERRAL_LIMIT });
  const all = page.items.map(referralFromItem);
  const open = all.filter((r) => OPEN_STATUSES.includes(r.status)).sort(byDueThenId);
  const closed = all.filter((r) => !OPEN_STATUSES.includes(r.status));
  return { items: [...open, ...closed], capped: page.capped };
}

async function readTasks(ctx: AppContext, patientId: string): Promise<{ all: Task[]; open: Task[]; recentlyClosed: Task[]; capped: boolean }> {
  const page = await queryPatientRecords(ctx, { patientId, prefix: TASK_PATIENT_SK_PREFIX, max: OVERVIEW_TASK_LIMIT });
  const all = page.items.map(taskFromItem);
  return {
    all,
    open: all.filter(isOpenTask).sort(byDueThenId),
    recentlyClosed: all.filter((t) => !isOpenTask(t)).sort(newestUpdate).slice(0, RECENTLY_CLOSED_TASKS),
    capped: page.capped,
  };
}

async function ehrRef(ctx: AppContext, link: { sourceId: string; reference: string } | undefined): Promise<PatientEhrRef | undefined> {
  if (!link) return undefined;
  const source = await getWebhookSource(ctx, link.sourceId);
  const chartUrl = ehrChartUrl(source, link.reference);
  return { sourceId: link.sourceId, reference: link.reference, ...(source ? { sourceName: source.name } : {}), ...(chartUrl ? { chartUrl } : {}) };
}

/** Which of the page's own sections to return with the overview (see getPatientOverview). */
export interface OverviewInclude {
  reminders?: boolean;
  consent?: boolean;
}

/**
 * An overview with the sections asked for through `include`, each absent when not asked for or
 * when the role may not read it. The API's overview never asks, so never carries them.
 */
export type PatientOverviewWithSections = PatientOverview & { reminders?: PatientReminders; consent?: PatientConsent };

/**
 * One patient's page: the patient, where they are in the EHR (the chart link when the source has
 * chart pages, else its reference), and — only for the sections `role` may open (see
 * overviewAccess) — their referrals (open first), tasks (open, then recently closed) and care
 * plans, with ONE timeline merging those records' histories newest first, bounded to
 * PATIENT_TIMELINE_LIMIT entries. The patient's own reminders (their status changes, with reason
 * codes) and consent changes are on the timeline for every role that may read the patient. Records the role may not open are left out entirely, section and
 * timeline entries alike. Reads are Queries only: the patient index per kind, then each record's
 * own partition (the TIMELINE_ITEM_LIMIT most recently changed, TIMELINE_READ_CONCURRENCY at a
 * time). Returns PHI (names, notes): never log it. NotFoundError when there is no such patient.
 *
 * `include` also returns the page's reminders list (getPatientReminders' shape) and contact
 * preferences (getPatientConsent's), each only when the role's API read of it
 * (`GET /api/patients/:id/reminders`, `/consent`) allows it. They come from the same Queries the
 * timeline uses, so the patient page reads each once.
 */
export async function getPatientOverview(ctx: AppContext, options: { id: string; role: Role; include?: OverviewInclude }): Promise<PatientOverviewWithSections> {
  const patient = await getPatientRecord(ctx, options.id);
  if (!patient) throw new NotFoundError('Patient not found');
  const access = overviewAccess(options.role);
  const patientData = isAllowed(API_POLICY, 'GET', '/api/patients/x', options.role);
  const reminderList = !!options.include?.reminders && isAllowed(API_POLICY, 'GET', '/api/patients/x/reminders', options.role);
  const consentSection = !!options.include?.consent && isAllowed(API_POLICY, 'GET', '/api/patients/x/consent', options.role);
  const [ehr, referrals, tasks, carePlans, reminderReads, consentReads] = await Promise.all([
    ehrRef(ctx, patient.ehr),
    access.referrals ? readReferrals(ctx, patient.id) : undefined,
    access.tasks ? readTasks(ctx, patient.id) : undefined,
    access.carePlans ? listCarePlansForPatient(ctx, { patientId: patient.id, limit: OVERVIEW_CAREPLAN_LIMIT }) : undefined,
    readReminders(ctx, patient, { list: reminderList, timeline: patientData }),
    readConsent(ctx, patient.id, { states: consentSection, timeline: patientData }),
  ]);
  const reminders = reminderReads.timeline;
  const consent = consentReads.timeline;

  const histories = [
    ...(referrals?.items ?? []).map((r) => referralHistory(ctx, r)),
    ...(tasks?.all ?? []).map((t) => taskHistory(ctx, t)),
    ...(carePlans?.carePlans ?? []).map((p) => carePlanHistory(ctx, p)),
    ...(reminders?.reminders ?? []).map((r) => reminderHistory(ctx, r)),
  ].sort(newestUpdate);
  const traced = histories.slice(0, TIMELINE_ITEM_LIMIT);
  const read = await mapWithConcurrency(traced, TIMELINE_READ_CONCURRENCY, (h) => h.read());
  const merged = mergeActivity([...read.map((r) => r.entries), consent?.entries ?? []], PATIENT_TIMELINE_LIMIT);
  const truncated =
    merged.truncated ||
    histories.length > traced.length ||
    read.some((r) => r.more) ||
    !!referrals?.capped ||
    !!tasks?.capped ||
    !!carePlans?.nextCursor ||
    !!reminders?.capped ||
    !!consent?.more;

  return {
    patient,
    ...(ehr ? { ehr } : {}),
    ...(referrals ? { referrals } : {}),
    ...(tasks ? { tasks: { open: tasks.open, recentlyClosed: tasks.recentlyClosed, capped: tasks.capped } } : {}),
    ...(carePlans ? { carePlans: { items: carePlans.carePlans, capped: carePlans.nextCursor !== undefined } } : {}),
    timeline: { entries: merged.entries, limit: PATIENT_TIMELINE_LIMIT, truncated },
    ...(reminderReads.list ? { reminders: reminderReads.list } : {}),
    ...(consentReads.section ? { consent: consentReads.section } : {}),
  };
}

/** An audit record's resource: one per record an overview shows. */
export interface OverviewAuditResource {
  resourceType: 'Patient' | 'Referral' | 'Task' | 'CarePlan' | 'Reminder' | 'Consent';
  resourceId: string;
  patientId: string;
}

/**
 * What an overview disclosed, for the audit trail: the patient (a read) and every record it showed
 * as a row or in the timeline (listed), each once: referrals, tasks, care plans, reminders (by
 * reminder id) and the consent ledger (by patient id, as `/api/patients/:id/consent` names it).
 * Reminders and consent returned as sections (`include`) are left out: the caller records those
 * sections as their own API routes do (`list` Reminder by patient, `read` Consent), which covers
 * their timeline entries, so each read is recorded once.
 */
export function overviewAuditResources(overview: PatientOverviewWithSections): { patient: OverviewAuditResource; listed: OverviewAuditResource[] } {
  const patientId = overview.patient.id;
  const type: Partial<Record<ActivityItemType, OverviewAuditResource['resourceType']>> = {
    referral: 'Referral',
    task: 'Task',
    'care-plan': 'CarePlan',
    ...(overview.reminders ? {} : { reminder: 'Reminder' as const }),
    ...(overview.consent ? {} : { consent: 'Consent' as const }),
  };
  const seen = new Map<string, OverviewAuditResource>();
  const add = (resourceType: OverviewAuditResource['resourceType'], resourceId: string) => {
    if (!seen.has(`${resourceType}:${resourceId}`)) seen.set(`${resourceType}:${resourceId}`, { resourceType, resourceId, patientId });
  };
  for (const r of overview.referrals?.items ?? []) add('Referral', r.id);
  for (const t of [...(overview.tasks?.open ?? []), ...(overview.tasks?.recentlyClosed ?? [])]) add('Task', t.id);
  for (const p of overview.carePlans?.items ?? []) add('CarePlan', p.id);
  for (const e of overview.timeline.entries) {
    const resourceType = type[e.item.type];
    // A consent entry's item is one channel of the ledger; the ledger is named by its patient.
    if (resourceType) add(resourceType, resourceType === 'Consent' ? patientId : e.item.id);
  }
  return { patient: { resourceType: 'Patient', resourceId: patientId, patientId }, listed: [...seen.values()] };
}
