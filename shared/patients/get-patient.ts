import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../context';
import { RECORDS_INDEX } from '../db/tables';
import { NotFoundError } from '../errors';
import { ehrChartUrl } from '../fhir/ehr-client';
import { referralFromItem } from '../referrals/repository';
import type { Referral } from '../referrals/schema';
import { getWebhookSource } from '../webhooks/sources';
import { getPatientRecord } from './repository';
import type { Patient } from './schema';

export interface PatientView {
  patient: Patient;
  referrals: Referral[];
  links: { patientInEhr?: string };
}

/** A patient with their referrals (newest first, one Query on the patient index). Returns PHI. */
export async function getPatient(ctx: AppContext, options: { id: string }): Promise<PatientView> {
  const patient = await getPatientRecord(ctx, options.id);
  if (!patient) throw new NotFoundError('Patient not found');
  const res = await ctx.db.send(
    new QueryCommand({
      TableName: ctx.config.tables.records,
      IndexName: RECORDS_INDEX.patient,
      KeyConditionExpression: 'patientPk = :pk AND begins_with(patientSk, :ref)',
      ExpressionAttributeValues: { ':pk': `P#${patient.id}`, ':ref': 'REF#' },
      ScanIndexForward: false,
      Limit: 100,
    }),
  );
  const source = patient.ehr ? await getWebhookSource(ctx, patient.ehr.sourceId) : undefined;
  const patientInEhr = ehrChartUrl(source, patient.ehr?.reference);
  return { patient, referrals: (res.Items ?? []).map(referralFromItem), links: patientInEhr ? { patientInEhr } : {} };
}
