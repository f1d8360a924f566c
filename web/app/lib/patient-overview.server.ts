import { API_POLICY, CONSOLE_POLICY, isAllowed } from '../../../shared/auth/policy';
import type { CarePlanCategory, CarePlanPart, CarePlanStatus } from '../../../shared/careplans/schema';
import type { PatientConsent } from '../../../shared/consent/get-patient-consent';
import type { ConsentChange, ConsentState } from '../../../shared/consent/schema';
import { OVERVIEW_CAREPLAN_LIMIT, OVERVIEW_REFERRAL_LIMIT, OVERVIEW_TASK_LIMIT } from '../../../shared/patients/get-patient-overview';
import type { ActivityEntry, ActivityItemType, PatientOverview } from '../../../shared/patients/overview-schema';
import { queueName } from '../../../shared/referrals/queues';
import { isOverdue } from '../../../shared/referrals/schema';
import type { PatientReminders } from '../../../shared/reminders/get-patient-reminders';
import { PATIENT_REMINDER_LIST_LIMIT } from '../../../shared/reminders/list-reminders-for-patient';
import { REMINDER_CHANNELS, type Reminder } from '../../../shared/reminders/schema';
import { reminderEventTime } from '../../../shared/reminders/send-policy';
import { ZReminderTemplateId } from '../../../shared/reminders/templates';
import { CLOCK_RUNNING_STATUSES, isTaskOverdue, type Task } from '../../../shared/tasks/schema';
import type { Role } from '../../../shared/users/directory';
import { businessStatusLabel, languageName, statusLabel, timelineHeading } from './labels';
import {
  CONSENT_SOURCE_LABEL,
  CONSENT_STATUS_LABEL,
  REMINDER_CHANNEL_LABEL,
  REMINDER_STATUS_LABEL,
  REMINDER_TEMPLATE_LABEL,
  reminderReasonText,
} from './reminder-labels';
import { ATTEMPT_CHANNEL_LABEL, ATTEMPT_OUTCOME_LABEL, TEAM_LABEL, taskStatusLabel, taskTimelineHeading, taskTypeLabel } from './task-labels';

/**
 * The patient page's loader data: what each section shows of the overview and nothing more (the
 * minimum necessary leaves the server), with the timeline's words computed here so the browser
 * bundle needs no domain code.
 */

export const CAREPLAN_STATUS_LABEL: Record<CarePlanStatus, string> = {
  draft: 'Draft',
  active: 'Active',
  'on-hold': 'On hold',
  completed: 'Completed',
  revoked: 'Revoked',
};

export const CAREPLAN_CATEGORY_LABEL: Record<CarePlanCategory, string> = {
  'transitional-care': 'Transitional care',
  'heart-failure': 'Heart failure',
  diabetes: 'Diabetes',
  other: 'Other',
};

const CAREPLAN_PART_LABEL: Record<CarePlanPart, string> = { title: 'title', description: 'description', goals: 'goals', activities: 'activities', careTeam: 'care team' };
const CAREPLAN_KIND_LABEL: Record<string, string> = { created: 'Created', transition: 'Status changed', revision: 'Revised' };
const ITEM_TYPE_LABEL: Record<ActivityItemType, string> = { referral: 'Referral', task: 'Task', 'care-plan': 'Care plan', reminder: 'Reminder', consent: 'Consent' };

/** Headings of reminder and consent entries (their details are reason codes, shown as such). */
const REMINDER_KIND_LABEL: Record<string, string> = {
  created: 'Reminder scheduled',
  transition: 'Reminder status changed',
  rescheduled: 'Rescheduled',
  'opt-in': 'Opted in',
  'opt-out': 'Opted out',
};

/** Which of the page's links the role may follow (each page's own policy decides). */
export function patientPageLinks(role: Role, patientId: string) {
  return {
    queue: isAllowed(CONSOLE_POLICY, 'GET', '/queue', role),
    work: isAllowed(CONSOLE_POLICY, 'GET', '/work', role),
    newReferral: isAllowed(CONSOLE_POLICY, 'GET', '/referrals/new', role),
    referral: isAllowed(CONSOLE_POLICY, 'GET', '/referrals/x', role),
    task: isAllowed(CONSOLE_POLICY, 'GET', '/tasks/x', role),
    carePlan: isAllowed(CONSOLE_POLICY, 'GET', '/care-plans/x', role),
    newCarePlan: isAllowed(CONSOLE_POLICY, 'GET', `/patients/${patientId}/care-plans/new`, role),
    /** Schedule and cancel reminders, record consent: the page's own forms. */
    writeReminders: isAllowed(CONSOLE_POLICY, 'POST', `/patients/${patientId}`, role),
  };
}

/**
 * Whether `role` sees the page's reminders and contact-preferences sections: the policy of their
 * own API read (`GET /api/patients/:id/reminders`), so the page never shows more than the API would.
 */
export function reminderSectionsAllowed(role: Role): boolean {
  return isAllowed(API_POLICY, 'GET', '/api/patients/x/reminders', role);
}
type PageLinks = ReturnType<typeof patientPageLinks>;

/** The page each item type opens on; reminders and consent have no page of their own (they show here). */
const ITEM_PATH: Record<ActivityItemType, { path: string; link: keyof PageLinks } | undefined> = {
  referral: { path: '/referrals/', link: 'referral' },
  task: { path: '/tasks/', link: 'task' },
  'care-plan': { path: '/care-plans/', link: 'carePlan' },
  reminder: undefined,
  consent: undefined,
};

function referralStatusText(s: { status: string; businessStatus?: string | undefined }): string {
  return s.businessStatus ? `${statusLabel(s.status)} (${businessStatusLabel(s.businessStatus)})` : statusLabel(s.status);
}

/** The heading and detail line of one timeline entry, in the words of its item's own page. */
export function describeActivity(e: ActivityEntry): { heading: string; detail?: string } {
  const move = (label: (s: { status: string; businessStatus?: string | undefined }) => string) =>
    e.from || e.to ? `${e.from ? label(e.from) : 'New'} → ${e.to ? label(e.to) : ''}` : undefined;
  let heading: string;
  let detail: string | undefined;
  if (e.item.type === 'referral') {
    heading = timelineHeading(e);
    detail = move(referralStatusText);
  } else if (e.item.type === 'task') {
    heading = taskTimelineHeading(e.kind);
    detail = e.attempt ? `${ATTEMPT_CHANNEL_LABEL[e.attempt.channel]}: ${ATTEMPT_OUTCOME_LABEL[e.attempt.outcome]}` : move((s) => taskStatusLabel(s.status));
  } else if (e.item.type === 'reminder') {
    heading = REMINDER_KIND_LABEL[e.kind] ?? e.kind;
    const status = move((s) => REMINDER_STATUS_LABEL[s.status as Reminder['status']] ?? s.status);
    const reason = reminderReasonText(e.reason);
    detail = status && reason ? `${status} (${reason})` : (status ?? (reason ? `Reason: ${reason}` : undefined));
  } else if (e.item.type === 'consent') {
    heading = REMINDER_KIND_LABEL[e.kind] ?? e.kind;
    detail = e.reason ? `Source: ${CONSENT_SOURCE_LABEL[e.reason as keyof typeof CONSENT_SOURCE_LABEL] ?? e.reason}` : undefined;
  } else {
    heading = CAREPLAN_KIND_LABEL[e.kind] ?? e.kind;
    detail = e.changes?.length
      ? `Changed: ${e.changes.map((c) => CAREPLAN_PART_LABEL[c]).join(', ')}`
      : move((s) => CAREPLAN_STATUS_LABEL[s.status as CarePlanStatus] ?? s.status);
  }
  return detail ? { heading, detail } : { heading };
}

function taskRow(t: Task, now: Date, dueBefore: string, links: PageLinks) {
  const overdue = isTaskOverdue(t, now);
  return {
    id: t.id,
    href: links.task ? `/tasks/${t.id}` : undefined,
    title: t.title,
    type: taskTypeLabel(t.type),
    status: taskStatusLabel(t.status),
    statusCode: t.status,
    priority: t.priority,
    owner: t.owner?.name,
    team: TEAM_LABEL[t.team],
    dueAt: t.dueAt,
    overdue,
    dueToday: !overdue && CLOCK_RUNNING_STATUSES.includes(t.status) && t.dueAt < dueBefore,
    paused: t.status === 'on-hold',
    closedAt: t.updatedAt,
  };
}

function aboutTime(r: Reminder): string | undefined {
  const about = reminderEventTime(r).toISOString();
  return about === new Date(r.dueAt).toISOString() ? undefined : about;
}

/** The reminders section: each reminder in words, and what the schedule form offers (the patient's contact channels, the templates). */
function remindersSection(section: PatientReminders, canWrite: boolean) {
  return {
    capped: section.capped,
    limit: PATIENT_REMINDER_LIST_LIMIT,
    canWrite,
    rows: section.reminders.map((r) => ({
      id: r.id,
      version: r.version,
      channel: REMINDER_CHANNEL_LABEL[r.channel],
      template: REMINDER_TEMPLATE_LABEL[r.templateId],
      dueAt: r.dueAt,
      /** What it reminds of, when that is not its own time: the appointment's start, the activity's time. */
      about: aboutTime(r),
      carePlanHref: r.links.carePlanId ? `/care-plans/${r.links.carePlanId}` : undefined,
      /** Only when quiet hours moved it. */
      sendAt: r.sendAt !== r.dueAt ? r.sendAt : undefined,
      status: REMINDER_STATUS_LABEL[r.status],
      statusCode: r.status,
      reason: reminderReasonText(r.statusReason),
      createdBy: r.createdBy.kind === 'user' ? r.createdBy.name : 'Automatic',
      cancellable: canWrite && r.status === 'scheduled',
    })),
    channels: section.channels.map((c) => ({ value: c, label: REMINDER_CHANNEL_LABEL[c] })),
    templates: ZReminderTemplateId.options.map((t) => ({ value: t, label: REMINDER_TEMPLATE_LABEL[t] })),
  };
}

/** The changes a person may record on a channel in its state: the opposite of what it is, or either while nobody asked. */
function consentChanges(state: ConsentState): ConsentChange[] {
  if (state.status === 'opted-in') return ['opt-out'];
  if (state.status === 'opted-out') return ['opt-in'];
  return ['opt-in', 'opt-out'];
}

/** The contact-preferences section: each channel's consent now (since when, from where), the forms to change it, and the history. */
function consentSection(consent: PatientConsent, canWrite: boolean) {
  return {
    canWrite,
    channels: REMINDER_CHANNELS.map((channel) => {
      const state = consent.channels[channel];
      return {
        channel,
        label: REMINDER_CHANNEL_LABEL[channel],
        status: state.status,
        statusLabel: CONSENT_STATUS_LABEL[state.status],
        since: state.at,
        source: state.source ? CONSENT_SOURCE_LABEL[state.source] : undefined,
        version: state.version,
        changes: canWrite ? consentChanges(state) : [],
      };
    }),
    history: consent.history.map((e) => ({
      id: e.id,
      at: e.at,
      channel: REMINDER_CHANNEL_LABEL[e.channel],
      change: e.change === 'opt-in' ? 'Opted in' : 'Opted out',
      source: CONSENT_SOURCE_LABEL[e.source],
      actor: e.actor.name,
    })),
    capped: consent.capped,
  };
}

/**
 * The page's data from an overview: the header, each section the role may see (absent ones stay
 * absent) and the timeline rows. `dueBefore` is the end of the viewer's day ("Due today").
 * `reminders` and `consent` are given only to roles that may read them (reminderSectionsAllowed).
 */
export function toPatientPage(
  overview: PatientOverview,
  options: { role: Role; now: Date; dueBefore: string; reminders?: PatientReminders | undefined; consent?: PatientConsent | undefined },
) {
  const { patient } = overview;
  const links = patientPageLinks(options.role, patient.id);
  return {
    links,
    patient: {
      id: patient.id,
      name: patient.name?.text,
      birthDate: patient.birthDate,
      language: languageName(patient.language),
      phones: patient.phones,
      emails: patient.emails,
      pending: patient.pending,
      timeZone: patient.timeZone,
    },
    ehr: overview.ehr,
    referrals: overview.referrals && {
      capped: overview.referrals.capped,
      limit: OVERVIEW_REFERRAL_LIMIT,
      rows: overview.referrals.items.map((r) => ({
        id: r.id,
        service: r.service.display ?? r.service.code ?? 'Unspecified service',
        priority: r.priority,
        queue: queueName(r.queue),
        status: r.status,
        businessStatus: r.businessStatus,
        assignee: r.assignee?.name,
        dueAt: r.dueAt,
        createdAt: r.createdAt,
        overdue: isOverdue(r, options.now),
        loopClosedAt: r.loopClosedAt,
      })),
    },
    tasks: overview.tasks && {
      capped: overview.tasks.capped,
      limit: OVERVIEW_TASK_LIMIT,
      open: overview.tasks.open.map((t) => taskRow(t, options.now, options.dueBefore, links)),
      recentlyClosed: overview.tasks.recentlyClosed.map((t) => taskRow(t, options.now, options.dueBefore, links)),
    },
    carePlans: overview.carePlans && {
      capped: overview.carePlans.capped,
      limit: OVERVIEW_CAREPLAN_LIMIT,
      rows: overview.carePlans.items.map((p) => ({
        id: p.id,
        href: links.carePlan ? `/care-plans/${p.id}` : undefined,
        title: p.title,
        category: CAREPLAN_CATEGORY_LABEL[p.category],
        status: CAREPLAN_STATUS_LABEL[p.status],
        statusReason: p.statusReason,
        start: p.period.start,
        end: p.period.end,
      })),
    },
    reminders: options.reminders && remindersSection(options.reminders, links.writeReminders),
    consent: options.consent && consentSection(options.consent, links.writeReminders),
    timeline: {
      limit: overview.timeline.limit,
      truncated: overview.timeline.truncated,
      rows: overview.timeline.entries.map((e) => {
        const target = ITEM_PATH[e.item.type];
        return {
          key: `${e.item.type}:${e.item.id}:${e.id}`,
          at: e.at,
          actor: e.actor.name,
          ...describeActivity(e),
          note: e.note,
          item: {
            type: e.item.type,
            typeLabel: ITEM_TYPE_LABEL[e.item.type],
            label: e.item.label,
            href: target && links[target.link] ? `${target.path}${e.item.id}` : undefined,
          },
        };
      }),
    },
  };
}
