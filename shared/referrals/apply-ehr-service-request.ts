import type { ServiceRequest } from '@medplum/fhirtypes';
import type { AppContext } from '../context';
import { ConflictError } from '../errors';
import { isNewerVersion } from '../fhir/versions';
import { newId } from '../ids';
import { ensurePatientForEhr } from '../patients/apply-ehr-patient';
import { applyPlan, changeReferralWithRetry, timelineEntry } from './change';
import { referralDueAt } from './due';
import { isReferralRequest, referralFieldsFrom } from './from-service-request';
import { findReferralIdByEhrLink, insertReferral } from './repository';
import { EHR_ACTOR, type Referral, TERMINAL_STATUSES } from './schema';
import { planTransition } from './state-machine';

export type ApplyResult = { outcome: 'done'; referralId: string; note?: string } | { outcome: 'skipped'; note: string };

const WITHDRAWN = ['revoked', 'entered-in-error'];

/**
 * Referral intake from an EHR ServiceRequest. New → a `requested` referral in its specialty's
 * queue (with its patient); revoked or entered-in-error → `cancelled`; other updates refresh
 * priority (re-timing the SLA clock), service and reason. Version-gated on meta.lastUpdated: a
 * replay or an older version than the one applied changes nothing, so out-of-order and duplicate
 * deliveries are harmless.
 */
export async function applyEhrServiceRequest(
  ctx: AppContext,
  options: { sourceId: string; resource: ServiceRequest; version: string; receivedAt: string; deleted?: boolean },
): Promise<ApplyResult> {
  const sr = options.resource;
  if (!sr.id) return { outcome: 'skipped', note: 'ServiceRequest without id' };
  if (!isReferralRequest(sr)) return { outcome: 'skipped', note: 'Not a referral (no referral category or specialty order)' };
  const reference = `ServiceRequest/${sr.id}`;
  const link = { sourceId: options.sourceId, reference };
  const withdrawn = options.deleted || WITHDRAWN.includes(sr.status);
  const fields = referralFieldsFrom(sr, options.receivedAt);

  for (let attempt = 0; attempt < 2; attempt++) {
    const existingId = await findReferralIdByEhrLink(ctx, link);
    if (!existingId) {
      if (sr.status === 'draft') return { outcome: 'skipped', note: 'Draft ServiceRequest: not a referral yet' };
      if (!sr.subject?.reference?.startsWith('Patient/')) return { outcome: 'skipped', note: 'ServiceRequest subject is not a Patient' };
      const patientId = await ensurePatientForEhr(ctx, { sourceId: options.sourceId, reference: sr.subject.reference, receivedAt: options.receivedAt });
      const now = ctx.clock.now();
      const created: Referral = {
        id: newId(),
        patientId,
        serviceRequest: link,
        direction: 'outbound',
        ...fields,
        status: 'requested',
        businessStatus: 'triage',
        ehrVersions: { [reference]: options.version },
        version: 1,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
      };
      const entries = [timelineEntry(created, EHR_ACTOR, now, { kind: 'created', to: { status: 'requested', businessStatus: 'triage' }, note: 'Referral received from the EHR' })];
      let referral = created;
      if (withdrawn) {
        // Seen for the first time already withdrawn: record it closed, so an older "active"
        // version arriving later cannot resurrect it.
        const plan = planTransition(created, { action: 'ehr-revoked', reason: `ServiceRequest ${sr.status} in the EHR before intake` }, now);
        referral = { ...applyPlan(created, plan, now), version: 1 };
        entries.push(timelineEntry(created, EHR_ACTOR, now, { kind: 'transition', action: 'ehr-revoked', from: { status: 'requested', businessStatus: 'triage' }, to: { status: referral.status, businessStatus: referral.businessStatus }, ...(plan.note ? { note: plan.note } : {}) }));
      }
      try {
        await insertReferral(ctx, referral, entries);
        return { outcome: 'done', referralId: referral.id };
      } catch (error) {
        if (error instanceof ConflictError) continue; // created concurrently by a redelivery: treat as an update
        throw error;
      }
    }

    const after = await changeReferralWithRetry(ctx, existingId, (current) => {
      if (!isNewerVersion(options.version, current.ehrVersions[reference])) return undefined;
      const now = ctx.clock.now();
      const ehrVersions = { ...current.ehrVersions, [reference]: options.version };
      if (withdrawn) {
        if (TERMINAL_STATUSES.includes(current.status)) {
          return { after: { ...current, ehrVersions, version: current.version + 1, updatedAt: now.toISOString() }, entries: [] };
        }
        const plan = planTransition(current, { action: 'ehr-revoked', reason: `ServiceRequest ${sr.status} in the EHR` }, now);
        const next = { ...applyPlan(current, plan, now), ehrVersions };
        return {
          after: next,
          entries: [timelineEntry(current, EHR_ACTOR, now, { kind: 'transition', action: 'ehr-revoked', from: { status: current.status, businessStatus: current.businessStatus }, to: { status: next.status, businessStatus: next.businessStatus }, ...(plan.note ? { note: plan.note } : {}) })],
        };
      }
      const changes: string[] = [];
      if (fields.priority !== current.priority) changes.push(`priority ${current.priority} → ${fields.priority}`);
      if (fields.service.code !== current.service.code || fields.service.display !== current.service.display) changes.push('service changed');
      const next: Referral = {
        ...current,
        service: fields.service,
        priority: fields.priority,
        // A new priority re-times the clock from its original start, with the holds so far.
        dueAt: fields.priority !== current.priority ? referralDueAt({ ...current, priority: fields.priority }) : current.dueAt,
        ...(fields.reason ? { reason: fields.reason } : {}),
        ...(fields.receivingOrganization ? { receivingOrganization: fields.receivingOrganization } : {}),
        ehrVersions,
        version: current.version + 1,
        updatedAt: now.toISOString(),
      };
      return {
        after: next,
        entries: changes.length > 0 ? [timelineEntry(current, EHR_ACTOR, now, { kind: 'ehr-update', note: `Updated in the EHR: ${changes.join(', ')}` })] : [],
      };
    });
    return after ? { outcome: 'done', referralId: existingId } : { outcome: 'done', referralId: existingId, note: 'Already applied (same or older version)' };
  }
  throw new ConflictError('Could not create or update the referral; the event will be retried');
}
