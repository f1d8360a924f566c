import type { Appointment } from '@medplum/fhirtypes';
import { parseReferenceUrl } from '../fhir/parse-inbound';
import type { ReminderCancelReason } from './schema';

/**
 * The appointment reminder rule, as a pure decision over one EHR Appointment: schedule the
 * patient's reminders for its start, withdraw them, or leave them alone. No I/O and no clock:
 * whether an offset's time has passed, and whether the start moved since the last applied
 * version, are decided where the reminders are (apply-ehr-appointment-reminders.ts).
 */

export type AppointmentReminderPlan =
  /** Booked with a start and a patient: reminders at start − each offset (moved there if they exist). */
  | { kind: 'schedule'; reference: string; patientReference: string; start: string }
  /** The appointment will not happen as booked: its scheduled reminders are cancelled with `reason`. */
  | { kind: 'cancel'; reference: string; reason: ReminderCancelReason }
  | { kind: 'none'; note: string };

/**
 * Why each ending status withdraws the reminders, as the patient's timeline says it: a no-show is
 * told apart from a cancellation (any reminder still scheduled for a missed visit is withdrawn).
 */
const CANCELLING_STATUSES: Partial<Record<Appointment['status'], ReminderCancelReason>> = {
  cancelled: 'appointment-cancelled',
  noshow: 'appointment-no-show',
  'entered-in-error': 'source-withdrawn',
};

/** `Patient/<id>` of the first patient participant who has not declined, else undefined. */
function attendingPatient(appointment: Appointment): string | undefined {
  for (const participant of appointment.participant ?? []) {
    const parsed = participant.actor?.reference ? parseReferenceUrl(participant.actor.reference) : undefined;
    if (parsed?.resourceType === 'Patient' && participant.status !== 'declined') return `Patient/${parsed.id}`;
  }
  return undefined;
}

/**
 * Appointment reminders rule: a `booked` Appointment with a start and a patient participant (not
 * declined) → schedule its reminders for that start (normalized to UTC ISO); cancelled → cancel
 * them (`appointment-cancelled`); no-show → cancel them (`appointment-no-show`); entered-in-error
 * or deleted by the EHR → cancel them (`source-withdrawn`). Any other status (proposed, pending,
 * waitlist, arrived, checked-in, fulfilled) leaves existing reminders as they are: only a booked
 * visit is confirmed enough to remind a patient of.
 */
export function planForAppointmentReminders(appointment: Appointment, options: { deleted: boolean }): AppointmentReminderPlan {
  const reference = `Appointment/${appointment.id}`;
  if (options.deleted) return { kind: 'cancel', reference, reason: 'source-withdrawn' };
  const reason = CANCELLING_STATUSES[appointment.status];
  if (reason) return { kind: 'cancel', reference, reason };
  if (appointment.status !== 'booked') return { kind: 'none', note: `Appointment is ${appointment.status}, not booked: no reminders` };
  const start = appointment.start ? Date.parse(appointment.start) : Number.NaN;
  if (Number.isNaN(start)) return { kind: 'none', note: 'Booked appointment has no usable start time' };
  const patientReference = attendingPatient(appointment);
  if (!patientReference) return { kind: 'none', note: 'Appointment has no attending patient participant' };
  return { kind: 'schedule', reference, patientReference, start: new Date(start).toISOString() };
}
