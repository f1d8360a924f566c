import type { AppContext } from '../context';
import { NotFoundError } from '../errors';
import { ehrChartUrl } from '../fhir/ehr-client';
import { referralFromItem } from '../referrals/repository';
import type { Referral } from '../referrals/schema';
import type { Role } from '../users/directory';
import { getWebhookSource } from '../webhooks/sources';
import { overviewAccess } from './get-patient-overview';
import { getPatientRecord, queryPatientRecords } from './repository';
import type { Patient } from './schema';

export interface PatientView {
  patient: Patient;
  referrals: Referral[];
  links: { patientInEhr?: string };
}

/**
 * A patient with their referrals (newest first, at most 100, from the patient index). Given the
 * viewer's `role`, referrals come only if that role may open them (a nurse gets none); without one,
 * the caller has already limited who gets here (the new-referral page). Returns PHI.
 */
export async function getPatient(ctx: AppContext, options: { id: string; role?: Role }): Promise<PatientView> {
  const patient = await getPatientRecord(ctx, options.id);
  if (!patient) throw new NotFoundError('Patient not found');
  const readReferrals = options.role === undefined || overviewAccess(options.role).referrals;
  const { items } = readReferrals ? await queryPatientRecords(ctx, { patientId: patient.id, prefix: 'REF#', max: 100 }) : { items: [] };
  const source = patient.ehr ? await getWebhookSource(ctx, patient.ehr.sourceId) : undefined;
  const patientInEhr = ehrChartUrl(source, patient.ehr?.reference);
  return { patient, referrals: items.map(referralFromItem), links: patientInEhr ? { patientInEhr } : {} };
}
