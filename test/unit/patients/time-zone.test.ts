import type { Patient } from '@medplum/fhirtypes';
import { FHIR_TIMEZONE_EXTENSION, canonicalTimeZone, isTimeZone, timeZoneFromFhirPatient } from '../../../shared/patients/time-zone';

const FALLBACK = 'America/Chicago';

function patient(fields: Omit<Patient, 'resourceType'> = {}): Patient {
  return { resourceType: 'Patient', id: 'p1', ...fields };
}

describe('canonicalTimeZone / isTimeZone', () => {
  it('accepts IANA names, returning the canonical spelling', () => {
    expect(canonicalTimeZone('America/New_York')).toBe('America/New_York');
    expect(canonicalTimeZone('america/new_york')).toBe('America/New_York');
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('America/Indiana/Indianapolis')).toBe(true);
  });

  it.each(['Mars/Olympus_Mons', '+05:00', 'EST5EDT;rm', '', 'America/New_York '.repeat(5)])('rejects %j', (value) => {
    expect(canonicalTimeZone(value)).toBeUndefined();
    expect(isTimeZone(value)).toBe(false);
  });
});

describe('timeZoneFromFhirPatient', () => {
  it('uses the FHIR timezone extension first', () => {
    const resource = patient({
      extension: [{ url: FHIR_TIMEZONE_EXTENSION, valueCode: 'America/Denver' }],
      address: [{ use: 'home', state: 'NY', country: 'US' }],
    });
    expect(timeZoneFromFhirPatient(resource, FALLBACK)).toBe('America/Denver');
  });

  it('ignores an extension that is not a known zone, and other extensions', () => {
    const resource = patient({
      extension: [
        { url: FHIR_TIMEZONE_EXTENSION, valueCode: 'Mars/Olympus_Mons' },
        { url: 'http://example.org/timezone', valueCode: 'Asia/Tokyo' },
      ],
      address: [{ state: 'AZ' }],
    });
    expect(timeZoneFromFhirPatient(resource, FALLBACK)).toBe('America/Phoenix');
  });

  it.each([
    ['AZ', 'America/Phoenix'],
    ['HI', 'Pacific/Honolulu'],
    ['AK', 'America/Anchorage'],
    ['IN', 'America/Indiana/Indianapolis'],
    ['ny', 'America/New_York'],
    ['California', 'America/Los_Angeles'],
    ['District of Columbia', 'America/New_York'],
    ['New Mexico', 'America/Denver'],
    ['PR', 'America/Puerto_Rico'],
    ['Puerto Rico', 'America/Puerto_Rico'],
  ])('maps state %j to %s', (state, zone) => {
    expect(timeZoneFromFhirPatient(patient({ address: [{ state, country: 'USA' }] }), FALLBACK)).toBe(zone);
  });

  it('maps every state, DC and Puerto Rico to a zone this runtime knows', () => {
    const codes = 'AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR'.split(' ');
    expect(codes).toHaveLength(52);
    for (const state of codes) {
      const zone = timeZoneFromFhirPatient(patient({ address: [{ state }] }), 'Etc/Unknown-Fallback');
      expect([state, isTimeZone(zone)]).toEqual([state, true]);
    }
  });

  it('takes a territory written as the country', () => {
    expect(timeZoneFromFhirPatient(patient({ address: [{ country: 'Puerto Rico' }] }), FALLBACK)).toBe('America/Puerto_Rico');
    expect(timeZoneFromFhirPatient(patient({ address: [{ country: 'GU' }] }), FALLBACK)).toBe('Pacific/Guam');
  });

  it('prefers the home address, and skips old ones', () => {
    const addresses = patient({
      address: [
        { use: 'work', state: 'CA' },
        { use: 'old', state: 'HI' },
        { use: 'home', state: 'TX' },
      ],
    });
    expect(timeZoneFromFhirPatient(addresses, FALLBACK)).toBe('America/Chicago');
    expect(timeZoneFromFhirPatient(patient({ address: [{ use: 'old', state: 'HI' }, { use: 'work', state: 'WA' }] }), 'UTC')).toBe('America/Los_Angeles');
  });

  it('falls back for foreign addresses, unknown states, missing addresses', () => {
    expect(timeZoneFromFhirPatient(patient({ address: [{ state: 'CA', country: 'MX' }] }), FALLBACK)).toBe(FALLBACK);
    expect(timeZoneFromFhirPatient(patient({ address: [{ state: 'Ontario', country: 'Canada' }] }), FALLBACK)).toBe(FALLBACK);
    expect(timeZoneFromFhirPatient(patient({ address: [{ state: 'ZZ' }] }), FALLBACK)).toBe(FALLBACK);
    expect(timeZoneFromFhirPatient(patient({ address: [{ city: 'Springfield' }] }), FALLBACK)).toBe(FALLBACK);
    expect(timeZoneFromFhirPatient(patient(), FALLBACK)).toBe(FALLBACK);
  });
});
