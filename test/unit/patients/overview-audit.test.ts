import type { PatientConsent } from '../../../shared/consent/get-patient-consent';
import { overviewAuditResources, type PatientOverviewWithSections } from '../../../shared/patients/get-patient-overview';
import type { ActivityEntry, ActivityItemType } from '../../../shared/patients/overview-schema';
import type { PatientReminders } from '../../../shared/reminders/get-patient-reminders';

const PATIENT = 'P1';
const actor = { id: 'u-casey', name: 'Casey Coordinator' };
let n = 0;
const entry = (type: ActivityItemType, id: string): ActivityEntry => ({ id: `E${n++}`, at: '2026-01-01T10:00:00.000Z', actor, item: { type, id, label: 'x' }, kind: 'created' });

/** An overview with only what the audit reads: the patient, the timeline and (optionally) the sections. */
function overview(entries: ActivityEntry[], sections: { reminders?: PatientReminders; consent?: PatientConsent } = {}): PatientOverviewWithSections {
  return { patient: { id: PATIENT }, timeline: { entries, limit: 200, truncated: false }, ...sections } as unknown as PatientOverviewWithSections;
}

const described = (o: PatientOverviewWithSections) => {
  const { patient, listed } = overviewAuditResources(o);
  return { patient: `${patient.resourceType} ${patient.resourceId}`, listed: listed.map((r) => `${r.resourceType} ${r.resourceId} ${r.patientId}`) };
};

const timeline = [
  entry('reminder', 'M1'),
  entry('consent', 'sms'),
  entry('reminder', 'M2'),
  entry('reminder', 'M1'),
  entry('consent', 'email'),
  entry('task', 'T1'),
  entry('care-plan', 'C1'),
  entry('referral', 'R1'),
];

describe('overviewAuditResources', () => {
  it('lists the timeline’s reminders by reminder id and the consent ledger once by patient id, beside the other records', () => {
    expect(described(overview(timeline))).toEqual({
      patient: `Patient ${PATIENT}`,
      listed: [`Reminder M1 ${PATIENT}`, `Consent ${PATIENT} ${PATIENT}`, `Reminder M2 ${PATIENT}`, `Task T1 ${PATIENT}`, `CarePlan C1 ${PATIENT}`, `Referral R1 ${PATIENT}`],
    });
  });

  it('leaves out the reminders and consent an overview carries as sections: their caller records those reads', () => {
    const reminders: PatientReminders = { reminders: [], capped: false, channels: [] };
    const consent = { channels: {}, history: [], capped: false } as unknown as PatientConsent;
    expect(described(overview(timeline, { reminders })).listed).toEqual([`Consent ${PATIENT} ${PATIENT}`, `Task T1 ${PATIENT}`, `CarePlan C1 ${PATIENT}`, `Referral R1 ${PATIENT}`]);
    expect(described(overview(timeline, { consent })).listed).toEqual([`Reminder M1 ${PATIENT}`, `Reminder M2 ${PATIENT}`, `Task T1 ${PATIENT}`, `CarePlan C1 ${PATIENT}`, `Referral R1 ${PATIENT}`]);
    expect(described(overview(timeline, { reminders, consent })).listed).toEqual([`Task T1 ${PATIENT}`, `CarePlan C1 ${PATIENT}`, `Referral R1 ${PATIENT}`]);
  });
});
