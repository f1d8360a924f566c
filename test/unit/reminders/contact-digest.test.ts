import fc from 'fast-check';
import { canonicalContactPoint, contactDigest, toE164 } from '../../../shared/reminders/contact-digest';

describe('toE164', () => {
  it.each([
    ['+1 617 555 0101', '+16175550101'],
    ['(617) 555-0101', '+16175550101'],
    ['617.555.0101', '+16175550101'],
    ['1-617-555-0101', '+16175550101'],
    ['tel:+16175550101', '+16175550101'],
    ['+44 20 7946 0958', '+442079460958'],
  ])('reads %s as %s', (written, e164) => {
    expect(toE164(written)).toBe(e164);
  });

  it.each(['617-555-0101 x12', '555-0101', '+1 617 555 0101 0101 0101', 'call me', '6+175550101', ''])('refuses %p', (written) => {
    expect(toE164(written)).toBeUndefined();
  });
});

describe('contactDigest', () => {
  it('gives one digest to one number however it is written, and another per channel', () => {
    expect(contactDigest('sms', '(617) 555-0101')).toBe(contactDigest('sms', '+16175550101'));
    expect(contactDigest('email', ' Ana@Example.org ')).toBe(contactDigest('email', 'ana@example.org'));
    expect(contactDigest('sms', '+16175550101')).not.toBe(contactDigest('sms', '+16175550102'));
    expect(contactDigest('email', 'x@example.org')).not.toBe(contactDigest('sms', 'x@example.org'));
    expect(canonicalContactPoint('email', ' Ana@Example.org ')).toBe('ana@example.org');
  });

  it('never contains the number it stands for', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[2-9]\d{9}$/), (digits) => {
        const digest = contactDigest('sms', digits);
        expect(digest).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(digest).not.toContain(digits.slice(-7));
      }),
    );
  });
});
