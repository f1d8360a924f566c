import type { Address, Patient } from '@medplum/fhirtypes';

/**
 * A patient's IANA time zone, for reminders that must arrive in the patient's own daytime:
 * the FHIR `timezone` extension if the EHR sent one, else the zone of the US state or territory
 * in the patient's address, else the caller's fallback (the organization calendar's zone).
 */

/** The FHIR core extension carrying a resource's IANA time zone as `valueCode`. */
export const FHIR_TIMEZONE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/timezone';

const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/**
 * The canonical spelling of an IANA time zone name (as Intl resolves it), or undefined when
 * `value` is not a zone name this runtime knows. Offsets such as "+05:00" are rejected: they
 * carry no DST rules, so quiet hours computed from them would drift by an hour half the year.
 */
export function canonicalTimeZone(value: string): string | undefined {
  if (value.length > 64 || !IANA_NAME.test(value)) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** True when `value` is an IANA time zone name this runtime knows (see canonicalTimeZone). */
export function isTimeZone(value: string): boolean {
  return canonicalTimeZone(value) !== undefined;
}

/** The zone most of each state's or territory's population lives in. */
const STATE_TIME_ZONES: Readonly<Record<string, string>> = {
  AL: 'America/Chicago', AK: 'America/Anchorage', AZ: 'America/Phoenix', AR: 'America/Chicago',
  CA: 'America/Los_Angeles', CO: 'America/Denver', CT: 'America/New_York', DE: 'America/New_York',
  DC: 'America/New_York', FL: 'America/New_York', GA: 'America/New_York', HI: 'Pacific/Honolulu',
  ID: 'America/Boise', IL: 'America/Chicago', IN: 'America/Indiana/Indianapolis', IA: 'America/Chicago',
  KS: 'America/Chicago', KY: 'America/New_York', LA: 'America/Chicago', ME: 'America/New_York',
  MD: 'America/New_York', MA: 'America/New_York', MI: 'America/Detroit', MN: 'America/Chicago',
  MS: 'America/Chicago', MO: 'America/Chicago', MT: 'America/Denver', NE: 'America/Chicago',
  NV: 'America/Los_Angeles', NH: 'America/New_York', NJ: 'America/New_York', NM: 'America/Denver',
  NY: 'America/New_York', NC: 'America/New_York', ND: 'America/Chicago', OH: 'America/New_York',
  OK: 'America/Chicago', OR: 'America/Los_Angeles', PA: 'America/New_York', RI: 'America/New_York',
  SC: 'America/New_York', SD: 'America/Chicago', TN: 'America/Chicago', TX: 'America/Chicago',
  UT: 'America/Denver', VT: 'America/New_York', VA: 'America/New_York', WA: 'America/Los_Angeles',
  WV: 'America/New_York', WI: 'America/Chicago', WY: 'America/Denver',
  PR: 'America/Puerto_Rico', GU: 'Pacific/Guam', VI: 'America/St_Thomas', AS: 'Pacific/Pago_Pago', MP: 'Pacific/Saipan',
};

const STATE_NAMES: Readonly<Record<string, string>> = {
  alabama: 'AL', alaska: 'AK', arizona: 'AZ', arkansas: 'AR', california: 'CA', colorado: 'CO',
  connecticut: 'CT', delaware: 'DE', districtofcolumbia: 'DC', washingtondc: 'DC', florida: 'FL',
  georgia: 'GA', hawaii: 'HI', idaho: 'ID', illinois: 'IL', indiana: 'IN', iowa: 'IA', kansas: 'KS',
  kentucky: 'KY', louisiana: 'LA', maine: 'ME', maryland: 'MD', massachusetts: 'MA', michigan: 'MI',
  minnesota: 'MN', mississippi: 'MS', missouri: 'MO', montana: 'MT', nebraska: 'NE', nevada: 'NV',
  newhampshire: 'NH', newjersey: 'NJ', newmexico: 'NM', newyork: 'NY', northcarolina: 'NC',
  northdakota: 'ND', ohio: 'OH', oklahoma: 'OK', oregon: 'OR', pennsylvania: 'PA', rhodeisland: 'RI',
  southcarolina: 'SC', southdakota: 'SD', tennessee: 'TN', texas: 'TX', utah: 'UT', vermont: 'VT',
  virginia: 'VA', washington: 'WA', westvirginia: 'WV', wisconsin: 'WI', wyoming: 'WY',
  puertorico: 'PR', guam: 'GU', usvirginislands: 'VI', virginislands: 'VI', americansamoa: 'AS',
  northernmarianaislands: 'MP',
};

const US_COUNTRIES = new Set(['us', 'usa', 'unitedstates', 'unitedstatesofamerica']);
/** Territories often written as the country rather than as a state. */
const TERRITORY_COUNTRIES: Readonly<Record<string, string>> = {
  pr: 'PR', puertorico: 'PR', gu: 'GU', guam: 'GU', vi: 'VI', usvirginislands: 'VI', virginislands: 'VI',
  as: 'AS', americansamoa: 'AS', mp: 'MP', northernmarianaislands: 'MP',
};

function compact(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

function stateCode(value: string): string | undefined {
  const key = compact(value);
  const code = key.length === 2 ? key.toUpperCase() : STATE_NAMES[key];
  return code !== undefined && code in STATE_TIME_ZONES ? code : undefined;
}

function addressTimeZone(address: Address): string | undefined {
  const country = compact(address.country ?? '');
  const territory = TERRITORY_COUNTRIES[country];
  if (territory !== undefined) return STATE_TIME_ZONES[territory];
  if (country !== '' && !US_COUNTRIES.has(country)) return undefined;
  const code = stateCode(address.state ?? '');
  return code === undefined ? undefined : STATE_TIME_ZONES[code];
}

/** The address reminders should follow: the first current home address, else the first current one. */
function preferredAddress(addresses: readonly Address[]): Address | undefined {
  const current = addresses.filter((address) => address.use !== 'old');
  return current.find((address) => address.use === 'home') ?? current[0];
}

/**
 * The IANA time zone to schedule a patient's reminders in: the `timezone` extension's valueCode
 * when it names a known zone, else the zone of the US state or territory of the patient's home
 * address (first current address if none is marked home), else `fallback`, which the caller
 * must have validated (typically the organization calendar's zone). Never throws on bad data:
 * an unknown zone or a foreign address simply falls through.
 */
export function timeZoneFromFhirPatient(resource: Patient, fallback: string): string {
  for (const extension of resource.extension ?? []) {
    if (extension.url !== FHIR_TIMEZONE_EXTENSION || extension.valueCode === undefined) continue;
    const zone = canonicalTimeZone(extension.valueCode);
    if (zone !== undefined) return zone;
  }
  const address = preferredAddress(resource.address ?? []);
  return (address && addressTimeZone(address)) ?? fallback;
}
