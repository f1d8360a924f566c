import { parseSearchRequest } from '@medplum/core';
import type { Appointment, DocumentReference, Resource, ServiceRequest } from '@medplum/fhirtypes';
import { REFERRAL_CATEGORY } from './codes';
import type { SimRepository } from './repository';

/** Reads over the simulator's store shared by scenarios, the control API and the chart pages. */

export type Stored<T extends Resource> = T & { id: string };

/** Appointment states in which the visit is still to happen. */
export const UPCOMING_APPOINTMENT = new Set<Appointment['status']>(['proposed', 'pending', 'booked', 'arrived', 'checked-in', 'waitlist']);

const REFERRAL_CODE = REFERRAL_CATEGORY.coding?.[0]?.code;

export const isReferral = (sr: ServiceRequest): boolean =>
  sr.category?.some((c) => c.coding?.some((coding) => coding.code === REFERRAL_CODE)) ?? false;

export function patientIdOf(sr: ServiceRequest): string | undefined {
  const reference = sr.subject?.reference;
  return reference?.startsWith('Patient/') ? reference.slice('Patient/'.length) : undefined;
}

/** A FHIR search over the store, newest-created first. */
export async function searchNewestFirst<T extends Resource>(
  repo: SimRepository,
  resourceType: T['resourceType'],
  query: Record<string, string>,
): Promise<Stored<T>[]> {
  const found = (await repo.searchResources<T>(parseSearchRequest<T>(resourceType, query))) as Stored<T>[];
  const order = repo.newestFirst(resourceType);
  return found.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
}

export const appointmentsFor = (repo: SimRepository, serviceRequestId: string): Promise<Stored<Appointment>[]> =>
  searchNewestFirst<Appointment>(repo, 'Appointment', { 'based-on': `ServiceRequest/${serviceRequestId}` });

export const consultNotesFor = async (repo: SimRepository, serviceRequestId: string): Promise<Stored<DocumentReference>[]> =>
  (await searchNewestFirst<DocumentReference>(repo, 'DocumentReference', { related: `ServiceRequest/${serviceRequestId}` })).filter(
    (d) => d.status === 'current',
  );

/** One row of the dev page's list: ids and states only, no patient data. */
export interface ReferralState {
  id: string;
  patientId: string | undefined;
  status: ServiceRequest['status'];
  priority: ServiceRequest['priority'];
  code: string | undefined;
  authoredOn: string | undefined;
  lastUpdated: string | undefined;
  /** The upcoming appointment if there is one, else the most recent. */
  appointment: { id: string; status: Appointment['status']; start: string | undefined } | null;
  hasOutcome: boolean;
}

/** Every referral ServiceRequest, most recently created first. */
export async function listReferralStates(repo: SimRepository): Promise<ReferralState[]> {
  const rows: ReferralState[] = [];
  for (const id of repo.newestFirst('ServiceRequest')) {
    const sr = await repo.readResource<ServiceRequest>('ServiceRequest', id).catch(() => undefined);
    if (!sr || !isReferral(sr)) continue;
    const appointments = await appointmentsFor(repo, id);
    const appointment = appointments.find((a) => UPCOMING_APPOINTMENT.has(a.status)) ?? appointments[0];
    rows.push({
      id,
      patientId: patientIdOf(sr),
      status: sr.status,
      priority: sr.priority,
      code: sr.code?.text ?? sr.code?.coding?.[0]?.display,
      authoredOn: sr.authoredOn,
      lastUpdated: sr.meta?.lastUpdated,
      appointment: appointment ? { id: appointment.id, status: appointment.status, start: appointment.start } : null,
      hasOutcome: (await consultNotesFor(repo, id)).length > 0,
    });
  }
  return rows;
}
