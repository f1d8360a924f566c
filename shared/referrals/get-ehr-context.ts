import type { Condition, ServiceRequest } from '@medplum/fhirtypes';
import type { AppContext } from '../context';
import { ehrClient } from '../fhir/ehr-client';
import { errorFields, logger } from '../logger';
import { getWebhookSource } from '../webhooks/sources';
import type { Referral } from './schema';

export interface EhrContext {
  /** False when no EHR FHIR API is configured for the referral's source, or it did not answer. */
  available: boolean;
  /** Why the context is missing (PHI-free), for the console to say so instead of hiding it. */
  problem?: string;
  serviceRequest?: Pick<ServiceRequest, 'id' | 'status' | 'intent' | 'authoredOn' | 'note' | 'reasonCode' | 'requester' | 'performer' | 'code'>;
  conditions?: Pick<Condition, 'id' | 'code' | 'clinicalStatus' | 'onsetDateTime' | 'recordedDate'>[];
}

/**
 * Clinical context for a referral read live from the EHR's FHIR API (MedplumClient): the
 * ServiceRequest as the EHR has it now and the patient's active conditions. Sidecar does not
 * store any of it. Returns PHI: render only.
 */
export async function getEhrContext(ctx: AppContext, options: { referral: Referral; patientReference?: string }): Promise<EhrContext> {
  const link = options.referral.serviceRequest;
  if (!link) return { available: false, problem: 'This referral was created by hand and has no EHR order' };
  const source = await getWebhookSource(ctx, link.sourceId);
  const client = source ? ehrClient(ctx, source) : undefined;
  if (!client) return { available: false, problem: 'No FHIR API is configured for this EHR source' };
  try {
    const sr = await client.readResource('ServiceRequest', link.reference.split('/')[1]!);
    const subject = options.patientReference ?? sr.subject?.reference;
    const conditions = subject
      ? await client.searchResources('Condition', { subject, _count: '20' })
      : [];
    return {
      available: true,
      serviceRequest: { id: sr.id, status: sr.status, intent: sr.intent, authoredOn: sr.authoredOn, note: sr.note, reasonCode: sr.reasonCode, requester: sr.requester, performer: sr.performer, code: sr.code },
      conditions: conditions
        .filter((c) => !c.clinicalStatus?.coding?.some((k) => k.code === 'resolved' || k.code === 'inactive'))
        .map((c) => ({ id: c.id, code: c.code, clinicalStatus: c.clinicalStatus, onsetDateTime: c.onsetDateTime, recordedDate: c.recordedDate })),
    };
  } catch (error) {
    logger.warn('EHR context unavailable', { referralId: options.referral.id, ...errorFields(error) });
    return { available: false, problem: 'The EHR did not answer; try again shortly' };
  }
}
