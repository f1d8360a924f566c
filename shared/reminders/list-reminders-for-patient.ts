import { z } from 'zod';
import type { AppContext } from '../context';
import { queryRemindersForPatient } from './repository';
import type { Reminder } from './schema';

/** How many reminders a patient's list shows at most (newest first). */
export const PATIENT_REMINDER_LIST_LIMIT = 200;

export const ZListRemindersForPatientInput = z.object({
  patientId: z.string().min(1).max(64),
  limit: z.number().int().min(1).max(PATIENT_REMINDER_LIST_LIMIT).default(PATIENT_REMINDER_LIST_LIMIT),
});

/**
 * A patient's reminders, newest first, at most `limit` (default and cap PATIENT_REMINDER_LIST_LIMIT);
 * `capped` says older ones exist. A Query on the patient index, never a Scan. Holds no message
 * text, but which reminders a patient gets is PHI: never log it.
 */
export async function listRemindersForPatient(ctx: AppContext, patientId: string, options: { limit?: number } = {}): Promise<{ reminders: Reminder[]; capped: boolean }> {
  const input = ZListRemindersForPatientInput.parse({ patientId, ...options });
  return queryRemindersForPatient(ctx, { patientId: input.patientId, max: input.limit });
}
