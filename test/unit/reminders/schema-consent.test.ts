import { ZRecordConsentChangeInput } from '../../../shared/consent/record-consent-change';
import { consentAllows, sourceCanChange, unknownConsent, ZConsentEntry } from '../../../shared/consent/schema';

describe('consentAllows', () => {
  it('allows a send only on an explicit opt-in', () => {
    expect(consentAllows({ status: 'opted-in' })).toBe(true);
    expect(consentAllows({ status: 'opted-out' })).toBe(false);
    expect(consentAllows({ status: 'unknown' })).toBe(false);
    expect(consentAllows(unknownConsent('sms'))).toBe(false);
  });
});

describe('sourceCanChange', () => {
  it('lets SMS keywords act on SMS only, replies and unsubscribe links only opt out, complaints only opt out', () => {
    expect(sourceCanChange('sms-keyword', 'sms', 'opt-out')).toBe(true);
    expect(sourceCanChange('sms-keyword', 'sms', 'opt-in')).toBe(true);
    expect(sourceCanChange('sms-keyword', 'email', 'opt-out')).toBe(false);
    expect(sourceCanChange('sms-reply', 'sms', 'opt-in')).toBe(false);
    expect(sourceCanChange('email-unsubscribe', 'email', 'opt-out')).toBe(true);
    expect(sourceCanChange('email-unsubscribe', 'sms', 'opt-out')).toBe(false);
    expect(sourceCanChange('complaint', 'email', 'opt-in')).toBe(false);
    expect(sourceCanChange('console', 'email', 'opt-in')).toBe(true);
    expect(sourceCanChange('ehr', 'sms', 'opt-out')).toBe(true);
  });
});

describe('ZRecordConsentChangeInput', () => {
  const input = { patientId: 'p1', channel: 'sms', change: 'opt-out', source: 'sms-keyword', actor: { id: 'system:sms', name: 'Patient (SMS)' } } as const;
  it('refuses a change its source cannot make, and an unknown source', () => {
    expect(ZRecordConsentChangeInput.safeParse(input).success).toBe(true);
    expect(ZRecordConsentChangeInput.safeParse({ ...input, source: 'email-unsubscribe' }).success).toBe(false);
    expect(ZRecordConsentChangeInput.safeParse({ ...input, source: 'carrier' }).success).toBe(false);
    expect(ZRecordConsentChangeInput.safeParse({ ...input, note: 'x'.repeat(501) }).success).toBe(false);
  });
});

describe('ZConsentEntry', () => {
  it('keeps the classification, never the message: unknown fields are dropped', () => {
    const entry = { id: 'E1', patientId: 'p1', channel: 'sms', change: 'opt-out', source: 'sms-reply', actor: { id: 'a', name: 'b' }, at: '2026-11-25T10:00:00.000Z' };
    expect(ZConsentEntry.parse({ ...entry, text: 'please stop texting me' })).toEqual(entry);
  });
});
