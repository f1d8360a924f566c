import { type PlannedReminder, plannedReminders } from '../careplans/planned-reminders';
import type { CarePlan } from '../careplans/schema';
import type { AppContext } from '../context';
import { getPatientRecord } from '../patients/repository';
import { zonedWallTimeToInstant } from '../sla/zoned-time';
import { changeReminderWithRetry, reminderTimelineEntry } from './change';
import { reminderChannelsFor } from './contact-points';
import { createReminder } from './create-reminder';
import { findReminderIdsByLink, getReminderRecord } from './repository';
import { REMINDER_SYSTEM_ACTOR, type Reminder, type ReminderCancelReason, type ReminderChannel } from './schema';
import { patientTimeZone } from './send-policy';
import { reminderLanguage } from './templates';

/** The source of care-plan reminders' rules: the plan itself, as for the tasks it generates. */
export const CAREPLAN_REMINDER_SOURCE_ID = 'sidecar-careplan';
/** A care-plan activity's reminder goes out this long before it (or at once when it is nearer). */
export const CAREPLAN_REMINDER_LEAD_HOURS = 24;
/** An occurrence nearer than this when the plan is saved gets no reminder: it would come too late to help. */
export const CAREPLAN_REMINDER_MIN_NOTICE_HOURS = 2;

const HOUR_MS = 3_600_000;

export interface AppliedCarePlanReminders {
  /** Reminders this call made. */
  scheduled: number;
  /** Scheduled reminders this call withdrew (no longer wanted by the plan). */
  cancelled: number;
  /** Occurrences too near (or past) to remind, each counted once. */
  tooLate: number;
  /** True when reminders were wanted but the patient has no mobile phone or personal email. */
  unreachable: boolean;
}

const sourceOf = (carePlanId: string) => ({ sourceId: CAREPLAN_REMINDER_SOURCE_ID, reference: `CarePlan/${carePlanId}` });
const ruleIdOf = (planned: PlannedReminder, channel: ReminderChannel) => `${planned.key}.${channel}`;
/** The occurrence key of a care-plan reminder's rule id (the rule id without its channel). */
const keyOfRule = (ruleId: string) => ruleId.slice(0, ruleId.lastIndexOf('.'));

/** Why a scheduled reminder the plan no longer wants is withdrawn. */
function withdrawReason(plan: CarePlan): ReminderCancelReason {
  if (plan.status === 'on-hold') return 'care-plan-on-hold';
  if (plan.status === 'completed' || plan.status === 'revoked') return 'care-plan-ended';
  return 'care-plan-activity-changed';
}

/** The instant of a planned occurrence in the patient's zone. */
function occurrenceInstant(planned: PlannedReminder, timeZone: string): Date {
  const [year, month, day] = planned.date.split('-').map(Number) as [number, number, number];
  const [hour, minute] = planned.time.split(':').map(Number) as [number, number];
  return zonedWallTimeToInstant({ year, month, day, hour, minute }, timeZone);
}

/**
 * Brings a care plan's patient reminders in line with the plan as saved (run after every create,
 * revision and status move, and safe to re-run): each upcoming occurrence of an activity the
 * patient takes part in gets one reminder per channel the patient can be reached on, due
 * CAREPLAN_REMINDER_LEAD_HOURS before the occurrence's local time (at once when that has passed
 * but the occurrence is still CAREPLAN_REMINDER_MIN_NOTICE_HOURS away; none when nearer), in the
 * patient's language, with the activity's time as the time it is about; every still-scheduled
 * reminder of the plan that it no longer wants — the plan paused or ended, the activity removed,
 * closed or rescheduled, its patient time changed — is cancelled with a reason code. Reminders are
 * guarded per (plan, occurrence key, channel), so nothing is made twice; sent ones are never
 * touched. Reads the plan's reminder link partition (a Query), never a Scan. Consent, quiet hours
 * and the frequency cap are checked when each comes due.
 */
export async function applyCarePlanReminders(ctx: AppContext, plan: CarePlan): Promise<AppliedCarePlanReminders> {
  const result: AppliedCarePlanReminders = { scheduled: 0, cancelled: 0, tooLate: 0, unreachable: false };
  const wanted = plannedReminders(plan);
  const ids = await findReminderIdsByLink(ctx, { carePlanId: plan.id });
  if (wanted.length === 0 && ids.length === 0) return result;

  const existing = (await Promise.all(ids.map((id) => getReminderRecord(ctx, id)))).filter((r): r is Reminder => r !== undefined);
  const existingRules = new Set(existing.flatMap((r) => (r.rule?.source.sourceId === CAREPLAN_REMINDER_SOURCE_ID ? [r.rule.ruleId] : [])));

  const patient = wanted.length > 0 ? await getPatientRecord(ctx, plan.patientId) : undefined;
  const channels = patient && !patient.pending ? reminderChannelsFor(patient) : [];
  result.unreachable = wanted.length > 0 && channels.length === 0;
  const now = ctx.clock.now().getTime();
  for (const planned of wanted) {
    if (channels.length === 0 || !patient) break;
    const eventAt = occurrenceInstant(planned, patientTimeZone(patient)).getTime();
    if (eventAt - now < CAREPLAN_REMINDER_MIN_NOTICE_HOURS * HOUR_MS) {
      result.tooLate++;
      continue;
    }
    for (const channel of channels) {
      const ruleId = ruleIdOf(planned, channel);
      if (existingRules.has(ruleId)) continue;
      const { created } = await createReminder(ctx, {
        rule: { ruleId, source: sourceOf(plan.id) },
        input: {
          patientId: plan.patientId,
          channel,
          templateId: 'care-plan-activity',
          language: reminderLanguage(patient.language),
          dueAt: new Date(Math.max(eventAt - CAREPLAN_REMINDER_LEAD_HOURS * HOUR_MS, now)).toISOString(),
          eventAt: new Date(eventAt).toISOString(),
          links: { carePlanId: plan.id },
        },
      });
      if (created) result.scheduled++;
    }
  }

  // Withdrawn: what belongs to no occurrence the plan still wants (whatever the patient's channels now).
  const wantedKeys = new Set(wanted.map((planned) => planned.key));
  const reason = withdrawReason(plan);
  for (const reminder of existing) {
    if (reminder.status !== 'scheduled' || !reminder.rule || reminder.rule.source.sourceId !== CAREPLAN_REMINDER_SOURCE_ID) continue;
    if (wantedKeys.has(keyOfRule(reminder.rule.ruleId))) continue;
    const changed = await changeReminderWithRetry(ctx, reminder.id, (current) => {
      if (current.status !== 'scheduled') return undefined;
      const at = ctx.clock.now();
      return {
        after: { ...current, status: 'cancelled', statusReason: reason, version: current.version + 1, updatedAt: at.toISOString() },
        entries: [reminderTimelineEntry(current, REMINDER_SYSTEM_ACTOR, at, { kind: 'transition', from: 'scheduled', to: 'cancelled', reason })],
      };
    });
    if (changed) result.cancelled++;
  }
  return result;
}
