import type { Appointment, Encounter, Reference } from '@medplum/fhirtypes';
import { parseReferenceUrl } from '../fhir/parse-inbound';
import type { Priority } from '../referrals/schema';
import type { TaskType, Team } from '../tasks/schema';

/**
 * The follow-up work rules, as pure decisions over one EHR resource: which tasks it calls for,
 * or that the work it created before must be undone. No I/O, so every rule is unit-testable.
 */

/** v3-ActCode encounter classes that count as a hospital stay or an emergency visit. */
export const DISCHARGE_CLASSES = ['IMP', 'ACUTE', 'NONAC', 'EMER'] as const;
export const V3_ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

/** One task a rule asks for; `dueInBusinessDays` counts from `startsAt` on the business calendar. */
export interface FollowUpTaskSpec {
  ruleId: string;
  type: TaskType;
  team: Team;
  priority: Priority;
  /** Business days after `startsAt` at whose close the task is due; undefined = the priority's SLA. */
  dueInBusinessDays?: number;
}

export type FollowUpPlan =
  | { kind: 'create'; reference: string; patientReference: string; startsAt: string; tasks: FollowUpTaskSpec[] }
  | { kind: 'undo'; reference: string; reason: string }
  | { kind: 'none'; note: string };

export const DISCHARGE_TASKS: readonly FollowUpTaskSpec[] = [
  { ruleId: 'discharge.post-discharge-call', type: 'post-discharge-call', team: 'nurses', priority: 'urgent', dueInBusinessDays: 2 },
  { ruleId: 'discharge.follow-up-visit', type: 'follow-up-visit', team: 'coordinators', priority: 'routine', dueInBusinessDays: 10 },
];

export const NO_SHOW_TASKS: readonly FollowUpTaskSpec[] = [{ ruleId: 'appointment.no-show', type: 'no-show-follow-up', team: 'coordinators', priority: 'asap' }];

/** `Patient/<id>` from a relative or absolute reference, else undefined. */
function patientReference(ref: Reference | undefined): string | undefined {
  const parsed = ref?.reference ? parseReferenceUrl(ref.reference) : undefined;
  return parsed?.resourceType === 'Patient' ? `Patient/${parsed.id}` : undefined;
}

function isInpatientOrEmergency(encounter: Encounter): boolean {
  const cls = encounter.class;
  return (cls.system === undefined || cls.system === V3_ACT_CODE) && (DISCHARGE_CLASSES as readonly string[]).includes(cls.code ?? '');
}

/**
 * Discharge rule: a finished inpatient or emergency Encounter → a post-discharge call (2 business
 * days) and a follow-up visit (10 business days), counted from period.end (else `version`, the
 * resource's lastUpdated). Entered-in-error, cancelled or deleted → undo what it created.
 */
export function planForEncounter(encounter: Encounter, options: { version: string; deleted: boolean }): FollowUpPlan {
  const reference = `Encounter/${encounter.id}`;
  if (options.deleted) return { kind: 'undo', reference, reason: 'The EHR deleted the encounter' };
  if (encounter.status === 'entered-in-error') return { kind: 'undo', reference, reason: 'The EHR withdrew the discharge (entered-in-error)' };
  if (encounter.status === 'cancelled') return { kind: 'undo', reference, reason: 'The EHR withdrew the discharge (cancelled)' };
  if (encounter.status !== 'finished') return { kind: 'none', note: 'Encounter is not finished' };
  if (!isInpatientOrEmergency(encounter)) return { kind: 'none', note: 'Encounter is not inpatient or emergency' };
  const patient = patientReference(encounter.subject);
  if (!patient) return { kind: 'none', note: 'Encounter has no patient subject' };
  return { kind: 'create', reference, patientReference: patient, startsAt: encounter.period?.end ?? options.version, tasks: [...DISCHARGE_TASKS] };
}

const NO_SHOW_TAKEN_BACK = ['booked', 'arrived', 'checked-in', 'fulfilled'];

/**
 * No-show rule: an Appointment marked `noshow` → an outreach task to reschedule. The EHR taking
 * it back (booked, arrived or fulfilled again), cancelling it, marking it entered-in-error or
 * deleting it → undo that task. Cancelling what was never created is a harmless no-op.
 */
export function planForAppointment(appointment: Appointment, options: { version: string; deleted: boolean }): FollowUpPlan {
  const reference = `Appointment/${appointment.id}`;
  if (options.deleted) return { kind: 'undo', reference, reason: 'The EHR deleted the appointment' };
  if (appointment.status === 'entered-in-error') return { kind: 'undo', reference, reason: 'The EHR withdrew the no-show (entered-in-error)' };
  if (appointment.status === 'cancelled') return { kind: 'undo', reference, reason: 'The EHR cancelled the appointment' };
  if (NO_SHOW_TAKEN_BACK.includes(appointment.status)) {
    return { kind: 'undo', reference, reason: `The EHR took the no-show back (appointment ${appointment.status})` };
  }
  if (appointment.status !== 'noshow') return { kind: 'none', note: 'Appointment status needs no follow-up' };
  const patient = (appointment.participant ?? []).map((p) => patientReference(p.actor)).find((r) => r !== undefined);
  if (!patient) return { kind: 'none', note: 'Appointment has no patient participant' };
  return { kind: 'create', reference, patientReference: patient, startsAt: options.version, tasks: [...NO_SHOW_TASKS] };
}
