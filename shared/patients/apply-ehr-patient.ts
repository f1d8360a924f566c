import type { Patient as FhirPatient } from '@medplum/fhirtypes';
import { formatHumanName } from '@medplum/core';
import type { AppContext } from '../context';
import { ConflictError, UnavailableError } from '../errors';
import { ehrClient } from '../fhir/ehr-client';
import { isNewerVersion } from '../fhir/versions';
import { newId } from '../ids';
import type { EhrLink } from '../referrals/schema';
import { getWebhookSource } from '../webhooks/sources';
import { findPatientIdByEhrLink, getPatientRecord, insertPatient, savePatient } from './repository';
import type { Patient } from './schema';
import { timeZoneFromFhirPatient } from './time-zone';

/**
 * The minimum-necessary fields of a FHIR Patient (no identifiers, addresses or clinical data). The
 * address is read only to derive the patient's time zone (for reminders' quiet hours), never kept.
 */
export function projectPatient(resource: FhirPatient): Pick<Patient, 'name' | 'birthDate' | 'phones' | 'emails' | 'language' | 'timeZone'> {
  const official = resource.name?.find((n) => n.use === 'official') ?? resource.name?.[0];
  const active = (t: { period?: { end?: string } }) => !t.period?.end;
  const timeZone = timeZoneFromFhirPatient(resource, '');
  const language =
    resource.communication?.find((c) => c.preferred)?.language?.coding?.[0]?.code ?? resource.communication?.[0]?.language?.coding?.[0]?.code;
  return {
    ...(official ? { name: { text: formatHumanName(official) || 'Unnamed', given: official.given ?? [], ...(official.family ? { family: official.family } : {}) } } : {}),
    ...(resource.birthDate ? { birthDate: resource.birthDate } : {}),
    phones: (resource.telecom ?? []).filter((t) => t.system === 'phone' || t.system === 'sms').filter(active).flatMap((t) => (t.value ? [{ value: t.value, ...(t.use ? { use: t.use } : {}) }] : [])),
    emails: (resource.telecom ?? []).filter((t) => t.system === 'email').filter(active).flatMap((t) => (t.value ? [{ value: t.value, ...(t.use ? { use: t.use } : {}) }] : [])),
    ...(language ? { language } : {}),
    ...(timeZone ? { timeZone } : {}),
  };
}

/**
 * Creates or updates the patient projection from an EHR Patient, version-gated: a replay or an
 * older version than the one stored changes nothing. Returns the Sidecar patient id.
 */
export async function applyEhrPatient(ctx: AppContext, options: { sourceId: string; resource: FhirPatient; version: string }): Promise<{ patientId: string; changed: boolean }> {
  const link: EhrLink = { sourceId: options.sourceId, reference: `Patient/${options.resource.id}` };
  for (let attempt = 0; attempt < 3; attempt++) {
    const now = ctx.clock.now().toISOString();
    const existingId = await findPatientIdByEhrLink(ctx, link);
    if (!existingId) {
      const patient: Patient = { id: newId(), ehr: link, ...projectPatient(options.resource), pending: false, ehrVersion: options.version, version: 1, createdAt: now, updatedAt: now };
      try {
        await insertPatient(ctx, patient);
        return { patientId: patient.id, changed: true };
      } catch (error) {
        if (error instanceof ConflictError) continue; // created concurrently: update it instead
        throw error;
      }
    }
    const before = await getPatientRecord(ctx, existingId);
    if (!before) throw new Error('Patient guard points at a missing patient');
    if (!before.pending && !isNewerVersion(options.version, before.ehrVersion)) return { patientId: before.id, changed: false };
    const after: Patient = { ...before, ...projectPatient(options.resource), pending: false, ehrVersion: options.version, version: before.version + 1, updatedAt: now };
    try {
      await savePatient(ctx, before, after);
      return { patientId: after.id, changed: true };
    } catch (error) {
      if (error instanceof ConflictError) continue;
      throw error;
    }
  }
  throw new ConflictError('The patient kept changing concurrently; the event will be retried');
}

/**
 * The Sidecar patient for an EHR patient reference. If the EHR's Patient event has not arrived,
 * reads the Patient from the EHR's FHIR API; with no FHIR API configured, creates a pending
 * placeholder that the Patient event will fill in.
 */
export async function ensurePatientForEhr(ctx: AppContext, options: { sourceId: string; reference: string; receivedAt: string }): Promise<string> {
  const link: EhrLink = { sourceId: options.sourceId, reference: options.reference };
  const existing = await findPatientIdByEhrLink(ctx, link);
  if (existing) return existing;
  const source = await getWebhookSource(ctx, options.sourceId);
  const client = source ? ehrClient(ctx, source) : undefined;
  if (client) {
    const [, id] = options.reference.split('/');
    let resource: FhirPatient;
    try {
      resource = await client.readResource('Patient', id!);
    } catch {
      throw new UnavailableError('Could not read the patient from the EHR');
    }
    const { patientId } = await applyEhrPatient(ctx, { sourceId: options.sourceId, resource, version: resource.meta?.lastUpdated ?? options.receivedAt });
    return patientId;
  }
  const now = ctx.clock.now().toISOString();
  const placeholder: Patient = { id: newId(), ehr: link, pending: true, phones: [], emails: [], version: 1, createdAt: now, updatedAt: now };
  try {
    await insertPatient(ctx, placeholder);
    return placeholder.id;
  } catch (error) {
    if (error instanceof ConflictError) {
      const raced = await findPatientIdByEhrLink(ctx, link);
      if (raced) return raced;
    }
    throw error;
  }
}
