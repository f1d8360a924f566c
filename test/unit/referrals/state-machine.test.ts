import { ConflictError } from '../../../shared/errors';
import type { Referral } from '../../../shared/referrals/schema';
import { REFERRAL_STATUSES } from '../../../shared/referrals/schema';
import { TRANSITIONS, canMove, planTransition, statusPath } from '../../../shared/referrals/state-machine';

const now = new Date('2026-11-23T10:00:00Z');
const link = { sourceId: 'ehr-sim', reference: 'Appointment/a1' };

function referral(overrides: Partial<Referral> = {}): Referral {
  return {
    id: '01JDREFERRAL0000000000000A',
    patientId: 'p1',
    direction: 'outbound',
    service: { display: 'Cardiology' },
    priority: 'routine',
    status: 'requested',
    businessStatus: 'triage',
    queue: 'cardiology',
    dueAt: '2026-12-01T00:00:00.000Z',
    ehrVersions: {},
    version: 1,
    createdAt: '2026-11-20T00:00:00.000Z',
    updatedAt: '2026-11-20T00:00:00.000Z',
    ...overrides,
  };
}

describe('referral state machine', () => {
  it('follows the SDOH referral subset of FHIR Task statuses', () => {
    expect(TRANSITIONS.requested).toEqual(['accepted', 'rejected', 'cancelled']);
    expect(canMove('accepted', 'in-progress')).toBe(true);
    expect(canMove('in-progress', 'on-hold')).toBe(true);
    expect(canMove('on-hold', 'in-progress')).toBe(true);
    expect(canMove('requested', 'completed')).toBe(false);
    for (const terminal of ['rejected', 'completed', 'cancelled', 'failed'] as const) {
      for (const to of REFERRAL_STATUSES) expect(canMove(terminal, to)).toBe(false);
    }
  });

  it('finds the shortest legal path for EHR-driven moves', () => {
    expect(statusPath('requested', 'in-progress')).toEqual(['accepted', 'in-progress']);
    expect(statusPath('requested', 'completed')).toEqual(['accepted', 'completed']);
    expect(statusPath('completed', 'in-progress')).toBeUndefined();
  });

  describe('people', () => {
    it('accept moves a requested referral to accepted and into scheduling', () => {
      const plan = planTransition(referral(), { action: 'accept' }, now);
      expect(plan).toMatchObject({ status: 'accepted', businessStatus: 'scheduling', via: ['accepted'] });
    });

    it('reject keeps the reason', () => {
      const plan = planTransition(referral(), { action: 'reject', reason: 'Out of network' }, now);
      expect(plan.status).toBe('rejected');
      expect(plan.patch.statusReason).toBe('Out of network');
    });

    it('refuses to schedule before accepting, with the reason', () => {
      expect(() => planTransition(referral(), { action: 'schedule', appointmentAt: '2026-12-01T09:00:00-05:00' }, now)).toThrow(
        /Cannot schedule a referral that is requested \(triage\): accept it first/,
      );
    });

    it('schedules an accepted referral', () => {
      const plan = planTransition(referral({ status: 'accepted', businessStatus: 'scheduling' }), { action: 'schedule', appointmentAt: '2026-12-01T09:00:00-05:00' }, now);
      expect(plan).toMatchObject({ status: 'in-progress', businessStatus: 'appointment-booked', patch: { appointment: { start: '2026-12-01T09:00:00-05:00', status: 'booked' } } });
    });

    it('records a no-show only when an appointment is booked', () => {
      expect(() => planTransition(referral({ status: 'accepted' }), { action: 'no-show' }, now)).toThrow(ConflictError);
      const plan = planTransition(referral({ status: 'in-progress', businessStatus: 'appointment-booked' }), { action: 'no-show' }, now);
      expect(plan.businessStatus).toBe('no-show');
    });

    it('closing sets the outcome and closes the loop', () => {
      const plan = planTransition(referral({ status: 'in-progress', businessStatus: 'appointment-booked' }), { action: 'close', outcome: 'Seen; plan sent' }, now);
      expect(plan).toMatchObject({ status: 'completed', businessStatus: 'outcome-received', patch: { loopClosedAt: now.toISOString(), outcome: { description: 'Seen; plan sent' } } });
    });

    it('refuses any move out of a closed referral', () => {
      const closed = referral({ status: 'completed', businessStatus: 'outcome-received' });
      for (const action of [{ action: 'accept' as const }, { action: 'cancel' as const, reason: 'x' }, { action: 'hold' as const, reason: 'x' }, { action: 'resume' as const }]) {
        expect(() => planTransition(closed, action, now)).toThrow(ConflictError);
      }
    });

    it('hold and resume round-trip', () => {
      const hold = planTransition(referral({ status: 'in-progress', businessStatus: 'scheduling' }), { action: 'hold', reason: 'Patient travelling' }, now);
      expect(hold.status).toBe('on-hold');
      const resume = planTransition(referral({ status: 'on-hold', businessStatus: 'scheduling', statusReason: 'Patient travelling' }), { action: 'resume' }, now);
      expect(resume.status).toBe('in-progress');
      expect('statusReason' in resume.patch).toBe(true);
    });
  });

  describe('EHR events', () => {
    it('an appointment booked on a requested referral accepts it on the way', () => {
      const plan = planTransition(referral(), { action: 'ehr-appointment-booked', link, start: '2026-12-02T15:00:00Z' }, now);
      expect(plan).toMatchObject({ status: 'in-progress', businessStatus: 'appointment-booked', via: ['accepted', 'in-progress'] });
      expect(plan.patch.appointment).toEqual({ link, status: 'booked', start: '2026-12-02T15:00:00Z' });
    });

    it('an outcome closes the loop from any open status', () => {
      for (const status of ['requested', 'accepted', 'in-progress', 'on-hold'] as const) {
        const plan = planTransition(referral({ status }), { action: 'ehr-outcome', link, description: 'Consult note' }, now);
        expect(plan.status).toBe('completed');
        expect(plan.patch.loopClosedAt).toBe(now.toISOString());
      }
    });

    it('a revoke cancels an open referral but not a closed one', () => {
      expect(planTransition(referral(), { action: 'ehr-revoked', reason: 'revoked' }, now).status).toBe('cancelled');
      expect(() => planTransition(referral({ status: 'completed' }), { action: 'ehr-revoked', reason: 'revoked' }, now)).toThrow(ConflictError);
    });
  });
});
