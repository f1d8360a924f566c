import type { AppContext } from '../context';
import { NotFoundError } from '../errors';
import { getPatientRecord } from '../patients/repository';
import type { Patient } from '../patients/schema';
import { reminderChannelsFor } from './contact-points';
import { listRemindersForPatient } from './list-reminders-for-patient';
import type { Reminder, ReminderChannel } from './schema';

export interface PatientReminders {
  /** Newest first, at most PATIENT_REMINDER_LIST_LIMIT; `capped` when older ones exist. */
  reminders: Reminder[];
  capped: boolean;
  /** The channels a reminder could be scheduled on now: those the patient has a contact point for. */
  channels: ReminderChannel[];
}

/**
 * The reminders list staff see for a patient already read (one Query on the patient index, at
 * PATIENT_REMINDER_LIST_LIMIT), with the channels a new reminder could use. Shared by
 * getPatientReminders and the patient overview, so the page reads the list once. PHI: never log it.
 */
export async function readPatientReminders(ctx: AppContext, patient: Patient): Promise<PatientReminders> {
  const { reminders, capped } = await listRemindersForPatient(ctx, patient.id);
  return { reminders, capped, channels: reminderChannelsFor(patient) };
}

/**
 * A patient's reminders for staff (`GET /api/patients/:id/reminders`) and the channels a new one
 * could use. 404 for an unknown patient, so a mistyped id is not answered with an empty list.
 * Which reminders a patient gets is PHI: never log it.
 */
export async function getPatientReminders(ctx: AppContext, options: { patientId: string }): Promise<PatientReminders> {
  const patient = await getPatientRecord(ctx, options.patientId);
  if (!patient) throw new NotFoundError('Patient not found');
  return readPatientReminders(ctx, patient);
}
