import type { AppContext } from '../context';
import { NotFoundError } from '../errors';
import { getPatientRecord } from '../patients/repository';
import { getConsent } from './get-consent';
import { listConsentHistory } from './list-consent-history';
import type { ConsentChannel, ConsentEntry, ConsentState } from './schema';

export interface PatientConsent {
  /** Each channel's current state (`unknown`, version 0, where nothing was ever recorded). */
  channels: Record<ConsentChannel, ConsentState>;
  /** Every change on every channel, newest first, at most CONSENT_HISTORY_LIMIT; `capped` when older ones exist. */
  history: ConsentEntry[];
  capped: boolean;
}

/**
 * The contact preferences of a patient known to exist: the current states and the ledger's
 * history, one Query each. Shared by getPatientConsent and the patient overview, so the page reads
 * the ledger once. Staff notes in the history are PHI possibly: render, never log.
 */
export async function readPatientConsent(ctx: AppContext, patientId: string): Promise<PatientConsent> {
  const [channels, { entries, capped }] = await Promise.all([getConsent(ctx, patientId), listConsentHistory(ctx, patientId)]);
  return { channels, history: entries, capped };
}

/**
 * A patient's contact preferences for staff: the current consent per channel (with the version a
 * change must name) and the ledger's history. 404 for an unknown patient (the ledger alone would
 * answer "not asked" for any id). Staff notes in the history are PHI possibly: render, never log.
 */
export async function getPatientConsent(ctx: AppContext, options: { patientId: string }): Promise<PatientConsent> {
  const patient = await getPatientRecord(ctx, options.patientId);
  if (!patient) throw new NotFoundError('Patient not found');
  return readPatientConsent(ctx, patient.id);
}
