import type { AppContext } from '../context';
import { NotFoundError } from '../errors';
import { getPatientRecord } from '../patients/repository';
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
 * A patient's reminders for staff (the patient page, `GET /api/patients/:id/reminders`) and the
 * channels a new one could use. 404 for an unknown patient, so a mistyped id is not answered with
 * an empty list. Which reminders a patient gets is PHI: never log it.
 */
export async function getPatientReminders(ctx: AppContext, options: { patientId: string }): Promise<PatientReminders> {
  const patient = await getPatientRecord(ctx, options.patientId);
  if (!patient) throw new NotFoundError('Patient not found');
  const { reminders, capped } = await listRemindersForPatient(ctx, patient.id);
  return { reminders, capped, channels: reminderChannelsFor(patient) };
}
