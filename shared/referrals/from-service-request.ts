import type { CodeableConcept, ServiceRequest } from '@medplum/fhirtypes';
import { referralDueAt } from './due';
import { queueFor } from './queues';
import { type Code, type Priority, PRIORITIES } from './schema';

/** SNOMED CT 3457005 "Patient referral": the ServiceRequest category that marks a referral. */
export const REFERRAL_CATEGORY = { system: 'http://snomed.info/sct', code: '3457005' } as const;

/**
 * Whether an EHR ServiceRequest is a referral Sidecar coordinates: its category is SNOMED
 * "Patient referral", or it is an order (intent `order`/`original-order`) to a specialty
 * (it names a performerType). Lab and imaging orders have neither and are ignored.
 */
export function isReferralRequest(sr: ServiceRequest): boolean {
  const referralCategory = (sr.category ?? []).some((c) => (c.coding ?? []).some((k) => k.code === REFERRAL_CATEGORY.code && (!k.system || k.system === REFERRAL_CATEGORY.system)));
  const orderToSpecialty = (sr.intent === 'order' || sr.intent === 'original-order') && !!sr.performerType;
  return referralCategory || orderToSpecialty;
}

function codeOf(concept: CodeableConcept | undefined): Code | undefined {
  if (!concept) return undefined;
  const coding = concept.coding?.[0];
  const display = coding?.display ?? concept.text;
  if (!coding?.code && !display) return undefined;
  return { ...(coding?.system ? { system: coding.system } : {}), ...(coding?.code ? { code: coding.code } : {}), ...(display ? { display } : {}) };
}

export function priorityOf(sr: ServiceRequest): Priority {
  return (PRIORITIES as readonly string[]).includes(sr.priority ?? '') ? (sr.priority as Priority) : 'routine';
}

/**
 * The referral fields an EHR ServiceRequest determines; its SLA clock starts when it was authored
 * (else when it was received). Returns PHI (the reason): never log.
 */
export function referralFieldsFrom(sr: ServiceRequest, receivedAt: string) {
  const service = codeOf(sr.performerType) ?? codeOf(sr.code) ?? { display: 'Referral' };
  const codes = [codeOf(sr.performerType), codeOf(sr.code)].filter((c): c is Code => c !== undefined);
  const reason =
    sr.reasonCode?.map((r) => r.text ?? r.coding?.[0]?.display).filter(Boolean).join('; ') ||
    sr.reasonReference?.map((r) => r.display).filter(Boolean).join('; ') ||
    undefined;
  const priority = priorityOf(sr);
  const slaStartedAt = new Date(sr.authoredOn && !Number.isNaN(Date.parse(sr.authoredOn)) ? sr.authoredOn : receivedAt).toISOString();
  return {
    service,
    queue: queueFor(codes),
    priority,
    slaStartedAt,
    dueAt: referralDueAt({ priority, createdAt: slaStartedAt }),
    ...(reason ? { reason: reason.slice(0, 2000) } : {}),
    ...(sr.performer?.[0]?.display ? { receivingOrganization: sr.performer[0].display.slice(0, 500) } : {}),
  };
}
