import type { AppContext } from '../context';
import { NotFoundError } from '../errors';
import { ehrChartUrl } from '../fhir/ehr-client';
import { getPatientRecord } from '../patients/repository';
import type { Patient } from '../patients/schema';
import { getWebhookSource } from '../webhooks/sources';
import { getReferralWithTimeline } from './repository';
import { type Referral, type TimelineEntry, isOverdue } from './schema';

export interface ReferralView {
  referral: Referral;
  timeline: TimelineEntry[];
  /** PHI: render, never log. */
  patient?: Patient;
  overdue: boolean;
  links: { patientInEhr?: string; serviceRequestInEhr?: string };
}

/** A referral with its timeline, patient and "Open in EHR" links. Returns PHI. */
export async function getReferral(ctx: AppContext, options: { id: string }): Promise<ReferralView> {
  const found = await getReferralWithTimeline(ctx, options.id);
  if (!found) throw new NotFoundError('Referral not found');
  const patient = await getPatientRecord(ctx, found.referral.patientId);
  const sourceId = found.referral.serviceRequest?.sourceId ?? patient?.ehr?.sourceId;
  const source = sourceId ? await getWebhookSource(ctx, sourceId) : undefined;
  const patientInEhr = ehrChartUrl(source, patient?.ehr?.reference);
  const serviceRequestInEhr = ehrChartUrl(source, found.referral.serviceRequest?.reference);
  return {
    ...found,
    ...(patient ? { patient } : {}),
    overdue: isOverdue(found.referral, ctx.clock.now()),
    links: { ...(patientInEhr ? { patientInEhr } : {}), ...(serviceRequestInEhr ? { serviceRequestInEhr } : {}) },
  };
}
