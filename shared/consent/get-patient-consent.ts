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
 * A patient's contact preferences for staff: the current consent per channel (with the version a
 * change must name) and the ledger's history. 404 for an unknown patient (the ledger alone would
 * answer "not asked" for any id). Staff notes in the history are PHI possibly: render, never log.
 */
export async function getPatientConsent(ctx: AppContext, options: { patientId: string }): Promise<PatientConsent> {
  const patient = await getPatientRecord(ctx, options.patientId);
  if (!patient) throw new NotFoundError('Patient not found');
  const [channels, { entries, capped }] = await Promise.all([getConsent(ctx, patient.id), listConsentHistory(ctx, patient.id)]);
  return { channels, history: entries, capped };
}
