import { ConflictError } from '../../../shared/errors';
import { applyPlan } from '../../../shared/referrals/change';
import { referralDueAt } from '../../../shared/referrals/due';
import { referralFieldsFrom } from '../../../shared/referrals/from-service-request';
import { MAX_REFERRAL_HOLDS, type Referral } from '../../../shared/referrals/schema';
import { type AnyAction, planTransition } from '../../../shared/referrals/state-machine';
import { serviceRequest } from '../../fixtures/fhir/builders';

// DEFAULT_CALENDAR: New York, Monday–Friday 08:00–17:00. 2026-11-16 is a Monday (EST, UTC-5).
const ny = (local: string) => new Date(`${local}-05:00`);
const nyIso = (local: string) => ny(local).toISOString();

function referral(overrides: Partial<Referral> = {}): Referral {
  const createdAt = nyIso('2026-11-16T09:00:00');
  return {
    id: '01JREFERRAL0000000000000001',
    patientId: 'PAT-1',
    direction: 'outbound',
    service: { display: 'Cardiology' },
    priority: 'asap',
    status: 'accepted',
    businessStatus: 'scheduling',
    queue: 'cardiology',
    dueAt: referralDueAt({ priority: overrides.priority ?? 'asap', createdAt }),
    ehrVersions: {},
    version: 3,
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
}

/** What transitionReferral computes, without storage. */
const act = (current: Referral, action: AnyAction, at: string) => applyPlan(current, planTransition(current, action, ny(at)), ny(at));

describe('referralDueAt', () => {
  it('counts the priority budget in business hours from creation, as tasks do', () => {
    // asap = 9 business hours: Monday 09:00 → Tuesday 09:00.
    expect(referralDueAt({ priority: 'asap', createdAt: nyIso('2026-11-16T09:00:00') })).toBe(nyIso('2026-11-17T09:00:00'));
    // stat = 4 business hours: Friday 15:00 → 2 h on Friday, 2 h on Monday.
    expect(referralDueAt({ priority: 'stat', createdAt: nyIso('2026-11-13T15:00:00') })).toBe(nyIso('2026-11-16T10:00:00'));
  });

  it('starts the clock at slaStartedAt when there is one (an EHR referral: when it was authored)', () => {
    expect(referralDueAt({ priority: 'stat', createdAt: nyIso('2026-11-16T16:00:00'), slaStartedAt: nyIso('2026-11-16T09:00:00') })).toBe(nyIso('2026-11-16T13:00:00'));
  });

  it('does not count the business time of closed holds', () => {
    const holds = [{ from: nyIso('2026-11-16T12:00:00'), to: nyIso('2026-11-16T15:00:00') }];
    expect(referralDueAt({ priority: 'asap', createdAt: nyIso('2026-11-16T09:00:00'), holds })).toBe(nyIso('2026-11-17T12:00:00'));
  });

  it('keeps the due time it had while an open hold has stopped the clock', () => {
    const holds = [{ from: nyIso('2026-11-16T12:00:00') }];
    expect(referralDueAt({ priority: 'asap', createdAt: nyIso('2026-11-16T09:00:00'), holds, dueAt: 'kept' })).toBe('kept');
  });
});

describe('referralFieldsFrom', () => {
  it('starts an EHR referral’s clock when the ServiceRequest was authored, on the business calendar', () => {
    const sr = serviceRequest('sr-1', 'pat-1', nyIso('2026-11-16T09:00:00'), { priority: 'urgent' });
    const fields = referralFieldsFrom(sr, nyIso('2026-11-16T11:00:00'));
    expect(fields.slaStartedAt).toBe(nyIso('2026-11-16T09:00:00'));
    // urgent = 27 business hours = 3 days of 9: Monday 09:00 → Thursday 09:00.
    expect(fields.dueAt).toBe(nyIso('2026-11-19T09:00:00'));
  });

  it('starts it when the ServiceRequest was received if it carries no authoring time', () => {
    const sr = serviceRequest('sr-1', 'pat-1', nyIso('2026-11-16T09:00:00'), { priority: 'stat', authoredOn: undefined });
    expect(referralFieldsFrom(sr, nyIso('2026-11-16T11:00:00'))).toMatchObject({ slaStartedAt: nyIso('2026-11-16T11:00:00'), dueAt: nyIso('2026-11-16T15:00:00') });
  });
});

describe('the SLA clock through transitions', () => {
  const original = referral();

  it('pauses on hold: records when, and leaves the due time as it was', () => {
    const held = act(original, { action: 'hold', reason: 'Waiting for insurance' }, '2026-11-16T12:00:00');
    expect(held.status).toBe('on-hold');
    expect(held.holds).toEqual([{ from: nyIso('2026-11-16T12:00:00') }]);
    expect(held.dueAt).toBe(original.dueAt);
  });

  it('moves the due time later by the business time spent on hold when resumed', () => {
    const held = act(original, { action: 'hold', reason: 'Waiting for insurance' }, '2026-11-16T12:00:00');
    const resumed = act(held, { action: 'resume' }, '2026-11-17T10:00:00');
    expect(resumed.status).toBe('in-progress');
    expect(resumed.holds).toEqual([{ from: nyIso('2026-11-16T12:00:00'), to: nyIso('2026-11-17T10:00:00') }]);
    // 3 h used before the hold; 6 h left from Tuesday 10:00 (the night did not count, nor did the hold).
    expect(resumed.dueAt).toBe(nyIso('2026-11-17T16:00:00'));
  });

  it('counts only business hours of a hold across a weekend, and adds up several holds', () => {
    const friday = referral({ createdAt: nyIso('2026-11-13T09:00:00'), updatedAt: nyIso('2026-11-13T09:00:00'), priority: 'urgent', dueAt: nyIso('2026-11-18T09:00:00') });
    let r = act(friday, { action: 'hold', reason: 'Waiting' }, '2026-11-13T16:00:00');
    r = act(r, { action: 'resume' }, '2026-11-16T09:00:00'); // 1 h Friday + 1 h Monday on hold
    expect(r.dueAt).toBe(nyIso('2026-11-18T11:00:00'));
    r = act(r, { action: 'hold', reason: 'Waiting again' }, '2026-11-16T10:00:00');
    r = act(r, { action: 'resume' }, '2026-11-16T13:00:00'); // 3 h more
    expect(r.holds).toHaveLength(2);
    expect(r.dueAt).toBe(nyIso('2026-11-18T14:00:00'));
  });

  it('closes the hold when a held referral is closed from on-hold', () => {
    const held = act(original, { action: 'hold', reason: 'Waiting' }, '2026-11-16T12:00:00');
    const cancelled = act(held, { action: 'cancel', reason: 'Patient moved away' }, '2026-11-16T14:00:00');
    expect(cancelled.holds).toEqual([{ from: nyIso('2026-11-16T12:00:00'), to: nyIso('2026-11-16T14:00:00') }]);
  });

  it('leaves the clock alone on moves that neither hold nor resume', () => {
    const scheduled = act(original, { action: 'schedule', appointmentAt: '2026-12-01T15:00:00Z' }, '2026-11-16T12:00:00');
    expect(scheduled.dueAt).toBe(original.dueAt);
    expect(scheduled.holds).toBeUndefined();
  });

  it('keeps the due time of a referral that went on hold before holds were recorded', () => {
    const legacy = referral({ status: 'on-hold', statusReason: 'Waiting', dueAt: nyIso('2026-11-20T09:00:00') });
    const resumed = act(legacy, { action: 'resume' }, '2026-11-17T10:00:00');
    expect(resumed.dueAt).toBe(nyIso('2026-11-20T09:00:00'));
    expect(resumed.holds).toBeUndefined();
  });

  it(`refuses a hold beyond ${MAX_REFERRAL_HOLDS}: the hold history stays bounded`, () => {
    const holds = Array.from({ length: MAX_REFERRAL_HOLDS }, (_, i) => ({ from: new Date(Date.UTC(2026, 0, 1, i)).toISOString(), to: new Date(Date.UTC(2026, 0, 1, i, 30)).toISOString() }));
    const busy = referral({ status: 'in-progress', holds });
    expect(() => planTransition(busy, { action: 'hold', reason: 'Again' }, ny('2026-11-16T12:00:00'))).toThrow(ConflictError);
    const roomForOne = referral({ status: 'in-progress', holds: holds.slice(1) });
    expect(act(roomForOne, { action: 'hold', reason: 'Again' }, '2026-11-16T12:00:00').holds).toHaveLength(MAX_REFERRAL_HOLDS);
  });
});
