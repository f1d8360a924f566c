import type { Appointment } from '@medplum/fhirtypes';
import { planForAppointmentReminders } from '../../../shared/reminders/appointment-rule';
import { appointment } from '../../fixtures/fhir/builders';

const UPDATED = '2026-11-20T19:05:00Z';
const live = { deleted: false };
/** A clinic appointment (not part of a referral) for patient p1. */
const appt = (status: Appointment['status'], start = '2026-12-01T15:00:00Z', overrides: Partial<Appointment> = {}): Appointment => ({
  ...appointment('a1', 'sr', 'p1', UPDATED, status, start),
  ...overrides,
});

describe('planForAppointmentReminders', () => {
  it.each([
    ['a booked appointment', appt('booked'), '2026-12-01T15:00:00.000Z'],
    // The rule has no clock: whether an offset's time has passed is decided where reminders are made.
    ['a booked appointment whose start has passed', appt('booked', '2020-01-06T09:00:00Z'), '2020-01-06T09:00:00.000Z'],
    ['a booked appointment moved to a new start (with an offset)', appt('booked', '2026-12-03T10:30:00-05:00'), '2026-12-03T15:30:00.000Z'],
  ])('schedules reminders for %s, at its start in UTC', (_label, resource, start) => {
    expect(planForAppointmentReminders(resource, live)).toEqual({ kind: 'schedule', reference: 'Appointment/a1', patientReference: 'Patient/p1', start });
  });

  it('finds the patient by an absolute reference, after other participants', () => {
    const resource = appt('booked', undefined, {
      participant: [
        { actor: { reference: 'Practitioner/dr' }, status: 'accepted' },
        { actor: { reference: 'https://ehr.example/fhir/R4/Patient/p9/_history/3' }, status: 'accepted' },
      ],
    });
    expect(planForAppointmentReminders(resource, live)).toMatchObject({ kind: 'schedule', patientReference: 'Patient/p9' });
  });

  it.each([
    ['cancelled', false, 'appointment-cancelled'],
    ['noshow', false, 'appointment-no-show'],
    ['entered-in-error', false, 'source-withdrawn'],
    ['booked', true, 'source-withdrawn'],
  ] as const)('cancels the reminders of a %s (deleted: %s) appointment with %s', (status, deleted, reason) => {
    expect(planForAppointmentReminders(appt(status), { deleted })).toEqual({ kind: 'cancel', reference: 'Appointment/a1', reason });
  });

  it.each(['proposed', 'pending', 'waitlist', 'arrived', 'checked-in', 'fulfilled'] as const)('leaves reminders alone for a %s appointment', (status) => {
    expect(planForAppointmentReminders(appt(status), live)).toEqual({ kind: 'none', note: `Appointment is ${status}, not booked: no reminders` });
  });

  it.each([
    ['no patient participant', appt('booked', undefined, { participant: [{ actor: { reference: 'Practitioner/dr' }, status: 'accepted' }] })],
    ['a patient who declined', appt('booked', undefined, { participant: [{ actor: { reference: 'Patient/p1' }, status: 'declined' }] })],
    ['a Group, not a Patient', appt('booked', undefined, { participant: [{ actor: { reference: 'Group/g1' }, status: 'accepted' }] })],
  ])('does nothing for a booked appointment with %s', (_label, resource) => {
    expect(planForAppointmentReminders(resource, live)).toEqual({ kind: 'none', note: 'Appointment has no attending patient participant' });
  });

  it('does nothing for a booked appointment without a usable start', () => {
    const { start: _none, ...withoutStart } = appt('booked');
    expect(planForAppointmentReminders(withoutStart, live)).toEqual({ kind: 'none', note: 'Booked appointment has no usable start time' });
    expect(planForAppointmentReminders(appt('booked', undefined, { start: 'next tuesday' }), live).kind).toBe('none');
  });
});
