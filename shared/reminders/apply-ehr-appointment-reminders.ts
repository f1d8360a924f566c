import type { Appointment } from '@medplum/fhirtypes';
import type { AppContext } from '../context';
import { UnavailableError } from '../errors';
import { isNewerVersion } from '../fhir/versions';
import { findPatientIdByEhrLink, getPatientRecord } from '../patients/repository';
import { type AppointmentReminderPlan, planForAppointmentReminders } from './appointment-rule';
import { appliedAppointmentReminderState, recordAppointmentReminderState } from './appointment-reminder-state';
import { cancelRemindersFor } from './cancel-reminders';
import { reminderChannelsFor } from './contact-points';
import { moveRemindersFor } from './move-reminders';
import { scheduleAppointmentReminders } from './schedule-appointment-reminders';
import type { ReminderResourceRef } from './schema';
import { reminderLanguage } from './templates';

export type AppointmentRemindersResult = { outcome: 'done'; patientId?: string; note: string } | { outcome: 'skipped'; note: string };

export interface ApplyAppointmentRemindersInput {
  sourceId: string;
  resource: Appointment;
  /** The EHR version of the resource (meta.lastUpdated, else when Sidecar received it). */
  version: string;
  deleted: boolean;
}

/**
 * A booked appointment's reminders: the patient's existing ones follow a moved start (re-timed,
 * cancelled when too late, restored when ahead again), then one per configured offset and channel
 * the patient can be reached on is made where missing. The language is the patient's. Notes carry
 * counts and codes only (they are shown in the console's event view): no PHI.
 */
async function scheduleFor(
  ctx: AppContext,
  appointment: ReminderResourceRef,
  plan: Extract<AppointmentReminderPlan, { kind: 'schedule' }>,
  previousStart: string | undefined,
): Promise<AppointmentRemindersResult> {
  const patientId = await findPatientIdByEhrLink(ctx, { sourceId: appointment.sourceId, reference: plan.patientReference });
  const patient = patientId ? await getPatientRecord(ctx, patientId) : undefined;
  // A placeholder (pending) has no contact points yet: wait for the EHR's Patient like an unknown one.
  if (!patient || patient.pending) throw new UnavailableError('The patient for this event is not known yet; it will be retried');

  const notes: string[] = [];
  let changed = false;
  if (previousStart !== undefined && previousStart !== plan.start) {
    const moved = await moveRemindersFor(ctx, { appointment, newStart: plan.start });
    notes.push(`Appointment moved: ${moved.moved} reminder(s) re-timed, ${moved.cancelled} cancelled, ${moved.untouched} left as they were`);
    changed = moved.moved + moved.cancelled > 0;
  }
  const channels = reminderChannelsFor(patient);
  if (channels.length === 0) {
    notes.push('The patient has no mobile phone or personal email address: no reminders scheduled');
  } else {
    const offsets = ctx.config.reminders.appointmentOffsetsHours;
    const scheduled = await scheduleAppointmentReminders(ctx, {
      patientId: patient.id,
      appointment,
      start: plan.start,
      channels,
      ...(offsets ? { offsets } : {}),
      language: reminderLanguage(patient.language),
    });
    notes.push(`${scheduled.created} reminder(s) scheduled (${channels.join(', ')}), ${scheduled.reminders.length - scheduled.created} already existed`);
    if (scheduled.tooLate.length > 0) notes.push(`too late for ${scheduled.tooLate.map((h) => `${h} h`).join(', ')} before the start`);
    changed ||= scheduled.created > 0;
  }
  const note = notes.join('; ');
  return changed ? { outcome: 'done', patientId: patient.id, note } : { outcome: 'skipped', note };
}

/**
 * The appointment reminder rule on one EHR Appointment change (see ./appointment-rule): booked →
 * the patient's reminders at start − each configured offset (SIDECAR_APPOINTMENT_REMINDER_OFFSETS_HOURS,
 * default 72 h and 24 h) on every channel the patient has a contact point for; booked at a new start
 * → its reminders move with it (and offsets now ahead are added); cancelled, no-show,
 * entered-in-error or deleted → every still-scheduled reminder of the appointment is cancelled with
 * a reason code. Version-gated per appointment (an event no newer than the last applied one is
 * skipped) and idempotent (reminders are guarded per appointment, offset and channel). An unknown
 * patient is a retryable failure, so the event shows in the failed view and can be replayed.
 * Consent, quiet hours and the frequency cap are checked when each reminder comes due.
 */
export async function applyEhrAppointmentReminders(ctx: AppContext, input: ApplyAppointmentRemindersInput): Promise<AppointmentRemindersResult> {
  if (!input.resource.id) return { outcome: 'skipped', note: 'Appointment without id' };
  const plan = planForAppointmentReminders(input.resource, { deleted: input.deleted });
  if (plan.kind === 'none') return { outcome: 'skipped', note: plan.note };
  const appointment: ReminderResourceRef = { sourceId: input.sourceId, reference: plan.reference };
  const applied = await appliedAppointmentReminderState(ctx, appointment);
  if (!isNewerVersion(input.version, applied?.version)) {
    return { outcome: 'skipped', note: 'An equal or newer version of this appointment was already applied' };
  }
  let result: AppointmentRemindersResult;
  if (plan.kind === 'schedule') {
    result = await scheduleFor(ctx, appointment, plan, applied?.start);
  } else {
    const undone = await cancelRemindersFor(ctx, { appointment, reason: plan.reason });
    result = { outcome: 'done', note: `${undone.cancelled} reminder(s) cancelled (${plan.reason}), ${undone.notScheduled} no longer scheduled` };
  }
  await recordAppointmentReminderState(ctx, { appointment, version: input.version, ...(plan.kind === 'schedule' ? { start: plan.start } : {}) });
  return result;
}
