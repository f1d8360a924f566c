import type { Appointment, Bundle, DiagnosticReport, DocumentReference, Encounter, Patient, Resource, ServiceRequest } from '@medplum/fhirtypes';
import type { AppContext } from '../context';
import { UnavailableError } from '../errors';
import { type ConsumerId, type EhrResourceChanged, ZEhrResourceChanged } from '../events/catalogue';
import { ehrClient } from '../fhir/ehr-client';
import { ehrVersionOf } from '../fhir/versions';
import { applyEhrFollowUp } from '../follow-up/apply-ehr-follow-up';
import { errorFields, logger } from '../logger';
import { applyEhrPatient } from '../patients/apply-ehr-patient';
import { applyEhrAppointment } from '../referrals/apply-ehr-appointment';
import { applyEhrOutcome } from '../referrals/apply-ehr-outcome';
import { applyEhrAppointmentReminders } from '../reminders/apply-ehr-appointment-reminders';
import { type ApplyResult, applyEhrServiceRequest } from '../referrals/apply-ehr-service-request';
import { getWebhookSource } from '../webhooks/sources';
import { getInboxEventWithPayload, recordConsumerState } from './repository';

interface Input {
  sourceId: string;
  resource: Resource;
  version: string;
  receivedAt: string;
  deleted: boolean;
}

/** Each consumer of the catalogue, as a domain function. */
const HANDLERS: Record<ConsumerId, (ctx: AppContext, input: Input) => Promise<ApplyResult>> = {
  'referral-intake': (ctx, i) => applyEhrServiceRequest(ctx, { ...i, resource: i.resource as ServiceRequest }),
  'referral-appointment': (ctx, i) => applyEhrAppointment(ctx, { ...i, resource: i.resource as Appointment }),
  'referral-outcome': (ctx, i) => applyEhrOutcome(ctx, { ...i, resource: i.resource as DocumentReference | DiagnosticReport }),
  'follow-up-work': async (ctx, i) => {
    const result = await applyEhrFollowUp(ctx, { sourceId: i.sourceId, resource: i.resource as Encounter | Appointment, version: i.version, deleted: i.deleted });
    return result.outcome === 'done' ? { outcome: 'done', referralId: result.patientId ?? '', note: result.note } : result;
  },
  'patient-projection': async (ctx, i) => {
    const { patientId } = await applyEhrPatient(ctx, { sourceId: i.sourceId, resource: i.resource as Patient, version: i.version });
    return { outcome: 'done', referralId: patientId };
  },
  'appointment-reminders': async (ctx, i) => {
    const result = await applyEhrAppointmentReminders(ctx, { sourceId: i.sourceId, resource: i.resource as Appointment, version: i.version, deleted: i.deleted });
    return result.outcome === 'done' ? { outcome: 'done', referralId: result.patientId ?? '', note: result.note } : result;
  },
};

/** The changed resource: from the inbox payload (full-resource) or the EHR's FHIR API (id-only). PHI. */
async function loadResource(ctx: AppContext, detail: EhrResourceChanged, payload: string, bundleIndex: number | undefined): Promise<Resource> {
  if (detail.content === 'full-resource') {
    const body = JSON.parse(payload) as Resource;
    const resource = body.resourceType === 'Bundle' ? (body as Bundle).entry?.[bundleIndex ?? -1]?.resource : body;
    if (!resource || resource.resourceType !== detail.resourceType || resource.id !== detail.resourceId) {
      throw new Error('The inbox payload does not hold the event resource');
    }
    return resource;
  }
  const source = await getWebhookSource(ctx, detail.sourceId);
  const client = source ? ehrClient(ctx, source) : undefined;
  if (!client) throw new UnavailableError('An id-only notification needs the source FHIR base URL to read the resource');
  try {
    return await client.readResource(detail.resourceType, detail.resourceId);
  } catch {
    throw new UnavailableError('Could not read the notified resource from the EHR');
  }
}

/**
 * Runs one consumer on one EventBridge event, idempotently: an entry this consumer already
 * finished is skipped, and every domain handler is version-gated besides. The outcome (done,
 * skipped with why, or failed with a PHI-free error) is recorded on the inbox row for the
 * console; a failure is rethrown so EventBridge (or the local stand-in) retries it.
 */
export async function consumeEvent(ctx: AppContext, consumerId: ConsumerId, event: { id?: string; detail: unknown }): Promise<void> {
  const detail = ZEhrResourceChanged.parse(event.detail);
  const key = `${detail.entry}:${consumerId}`;
  const found = await getInboxEventWithPayload(ctx, detail.inboxId);
  if (!found) throw new Error('Inbox event is missing or past retention');
  const done = found.event.consumers[key];
  if (done?.state === 'done' || done?.state === 'skipped') {
    logger.info('Event already consumed', { consumerId, inboxId: detail.inboxId, entry: detail.entry });
    return;
  }
  try {
    const entry = found.event.entries[detail.entry];
    const resource = await loadResource(ctx, detail, found.payload, entry?.bundleIndex);
    const result = await HANDLERS[consumerId](ctx, {
      sourceId: detail.sourceId,
      resource,
      version: ehrVersionOf(resource, detail.receivedAt),
      receivedAt: detail.receivedAt,
      deleted: detail.interaction === 'delete',
    });
    await recordConsumerState(ctx, {
      inboxId: detail.inboxId,
      entry: detail.entry,
      consumerId,
      state: result.outcome,
      ...(result.note ? { note: result.note } : {}),
    });
    logger.info('Event consumed', { consumerId, inboxId: detail.inboxId, entry: detail.entry, outcome: result.outcome });
  } catch (error) {
    const fields = errorFields(error);
    const message = `${fields.errorName}: ${fields.errorMessage}`;
    logger.error('Event consumer failed', { consumerId, inboxId: detail.inboxId, entry: detail.entry, ...fields });
    await recordConsumerState(ctx, { inboxId: detail.inboxId, entry: detail.entry, consumerId, state: 'failed', error: message }).catch((e: unknown) =>
      logger.error('Could not record the consumer failure', errorFields(e)),
    );
    throw error;
  }
}

/** Marks an event's consumer dead-lettered (retries exhausted), for the console's failed view. */
export async function recordDeadLetter(ctx: AppContext, consumerId: ConsumerId, detail: unknown, reason: string): Promise<void> {
  const parsed = ZEhrResourceChanged.safeParse(detail);
  if (!parsed.success) {
    logger.error('Dead letter without a recognisable detail', { consumerId });
    return;
  }
  await recordConsumerState(ctx, { inboxId: parsed.data.inboxId, entry: parsed.data.entry, consumerId, state: 'dead-lettered', error: reason.slice(0, 300) });
  logger.warn('Event dead-lettered', { consumerId, inboxId: parsed.data.inboxId, entry: parsed.data.entry });
}
