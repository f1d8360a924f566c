import { planForAppointment, planForEncounter } from '../../../shared/follow-up/rules';
import { appointment, encounter } from '../../fixtures/fhir/builders';

const live = { version: '2026-11-20T19:05:00Z', deleted: false };

describe('planForEncounter', () => {
  it('asks for the two discharge tasks, counted from period.end, for the patient of an absolute reference', () => {
    const plan = planForEncounter(encounter('e1', 'p1', '2026-11-21T10:00:00Z', 'finished', { subject: { reference: 'https://ehr.example/fhir/Patient/p1' }, period: { end: '2026-11-20T19:00:00Z' } }), live);
    expect(plan).toMatchObject({ kind: 'create', reference: 'Encounter/e1', patientReference: 'Patient/p1', startsAt: '2026-11-20T19:00:00Z' });
    expect(plan.kind === 'create' && plan.tasks.map((t) => [t.ruleId, t.dueInBusinessDays])).toEqual([
      ['discharge.post-discharge-call', 2],
      ['discharge.follow-up-visit', 10],
    ]);
  });

  it('falls back to the version (lastUpdated) without period.end', () => {
    expect(planForEncounter(encounter('e1', 'p1', live.version, 'finished', { period: {} }), live)).toMatchObject({ startsAt: live.version });
  });

  it.each([
    ['an ambulatory class', { class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' } }],
    ['IMP in another code system', { class: { system: 'http://example.org/classes', code: 'IMP' } }],
    ['no patient subject', { subject: { reference: 'Group/g1' } }],
  ])('does nothing for %s', (_label, overrides) => {
    expect(planForEncounter(encounter('e1', 'p1', live.version, 'finished', overrides), live).kind).toBe('none');
  });

  it.each([
    ['entered-in-error', false, 'The EHR withdrew the discharge (entered-in-error)'],
    ['cancelled', false, 'The EHR withdrew the discharge (cancelled)'],
    ['finished', true, 'The EHR deleted the encounter'],
  ] as const)('undoes the work of a %s (deleted: %s) encounter', (status, deleted, reason) => {
    expect(planForEncounter(encounter('e1', 'p1', live.version, status), { ...live, deleted })).toEqual({ kind: 'undo', reference: 'Encounter/e1', reason });
  });
});

describe('planForAppointment', () => {
  it('asks for an asap no-show task for the patient participant', () => {
    expect(planForAppointment(appointment('a1', 'sr', 'p1', live.version, 'noshow'), live)).toMatchObject({
      kind: 'create',
      reference: 'Appointment/a1',
      patientReference: 'Patient/p1',
      tasks: [{ ruleId: 'appointment.no-show', type: 'no-show-follow-up', team: 'coordinators', priority: 'asap' }],
    });
  });

  it.each(['booked', 'fulfilled', 'entered-in-error', 'cancelled'] as const)('undoes the no-show work when the appointment becomes %s', (status) => {
    expect(planForAppointment(appointment('a1', 'sr', 'p1', live.version, status), live)).toMatchObject({ kind: 'undo', reference: 'Appointment/a1' });
  });

  it('does nothing for a proposed appointment or a no-show without a patient', () => {
    expect(planForAppointment(appointment('a1', 'sr', 'p1', live.version, 'proposed'), live).kind).toBe('none');
    expect(planForAppointment({ ...appointment('a1', 'sr', 'p1', live.version, 'noshow'), participant: [{ actor: { reference: 'Practitioner/x' }, status: 'accepted' }] }, live).kind).toBe('none');
  });
});
