import type { Patient as FhirPatient } from '@medplum/fhirtypes';
import { projectPatient } from '../../../shared/patients/apply-ehr-patient';

const base: FhirPatient = {
  resourceType: 'Patient',
  id: 'p1',
  name: [{ use: 'official', given: ['Ann'], family: 'Lee' }],
  telecom: [{ system: 'sms', value: '+15555550100' }],
  address: [{ use: 'home', line: ['1 Main St'], city: 'Phoenix', state: 'AZ', postalCode: '85001' }],
};

describe('projectPatient', () => {
  it('derives the time zone from the address but keeps no address', () => {
    const projected = projectPatient(base);
    expect(projected.timeZone).toBe('America/Phoenix');
    expect(JSON.stringify(projected)).not.toMatch(/Main St|"Phoenix"|85001|"AZ"/);
  });

  it('prefers the FHIR timezone extension, and leaves the zone out when nothing says it', () => {
    const withExtension: FhirPatient = { ...base, extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/timezone', valueCode: 'America/Chicago' }] };
    expect(projectPatient(withExtension).timeZone).toBe('America/Chicago');
    const { address: _none, ...noAddress } = base;
    expect(projectPatient(noAddress)).not.toHaveProperty('timeZone');
  });
});
