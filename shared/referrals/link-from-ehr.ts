import type { Reference, ServiceRequest } from '@medplum/fhirtypes';
import type { AppContext } from '../context';
import { UnavailableError } from '../errors';
import { ehrClient } from '../fhir/ehr-client';
import { parseReferenceUrl } from '../fhir/parse-inbound';
import { getWebhookSource } from '../webhooks/sources';
import { applyEhrServiceRequest } from './apply-ehr-service-request';
import { findReferralIdByEhrLink } from './repository';

/** `ServiceRequest/<id>` references among a resource's basedOn / related references. */
export function serviceRequestRefs(refs: (Reference | undefined)[] | undefined): string[] {
  return (refs ?? [])
    .map((r) => (r?.reference ? parseReferenceUrl(r.reference) : undefined))
    .filter((r): r is { resourceType: string; id: string } => r?.resourceType === 'ServiceRequest')
    .map((r) => `ServiceRequest/${r.id}`);
}

/**
 * The referral for an EHR ServiceRequest reference. When the ServiceRequest's own event has not
 * arrived yet (deliveries are unordered), reads it from the EHR's FHIR API and runs intake first;
 * with no FHIR API, throws a retryable error so the event is redelivered later.
 */
export async function referralForServiceRequest(ctx: AppContext, options: { sourceId: string; reference: string; receivedAt: string }): Promise<string | undefined> {
  const link = { sourceId: options.sourceId, reference: options.reference };
  const known = await findReferralIdByEhrLink(ctx, link);
  if (known) return known;
  const source = await getWebhookSource(ctx, options.sourceId);
  const client = source ? ehrClient(ctx, source) : undefined;
  if (!client) throw new UnavailableError('The referral for this event is not known yet; it will be retried');
  let sr: ServiceRequest;
  try {
    sr = await client.readResource('ServiceRequest', options.reference.split('/')[1]!);
  } catch {
    throw new UnavailableError('Could not read the ServiceRequest from the EHR; it will be retried');
  }
  const result = await applyEhrServiceRequest(ctx, {
    sourceId: options.sourceId,
    resource: sr,
    version: sr.meta?.lastUpdated ?? options.receivedAt,
    receivedAt: options.receivedAt,
  });
  return result.outcome === 'done' ? result.referralId : undefined;
}
