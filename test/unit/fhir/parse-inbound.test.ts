import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UnprocessableError } from '../../../shared/errors';
import { parseInbound, parseReferenceUrl } from '../../../shared/fhir/parse-inbound';

const fixtures = path.resolve(__dirname, '../../../../shared/fixtures/fhir-subscriptions');
const fixture = (name: string): unknown => JSON.parse(readFileSync(path.join(fixtures, name), 'utf8'));

describe('parseInbound', () => {
  describe('Inferno Subscriptions Test Kit fixtures (as published)', () => {
    it('a handshake is a notification with nothing to process', () => {
      expect(parseInbound(fixture('handshake.json'))).toEqual({ kind: 'notification', notificationType: 'handshake', eventsSinceStart: '0', entries: [], ignored: 0 });
    });

    it('a heartbeat is a notification with nothing to process', () => {
      expect(parseInbound(fixture('heartbeat.json'))).toMatchObject({ kind: 'notification', notificationType: 'heartbeat', entries: [] });
    });

    it('a full-resource event carries the focus resource', () => {
      const parsed = parseInbound(fixture('event-full-resource.json'));
      expect(parsed).toMatchObject({ kind: 'notification', notificationType: 'event-notification' });
      expect(parsed.entries).toEqual([
        { resourceType: 'Encounter', resourceId: '86009987-eabe-42bf-8c02-b112b18cb616', interaction: 'create', content: 'full-resource', bundleIndex: 1 },
      ]);
    });

    it('an id-only event points at the resource to read from the EHR', () => {
      const parsed = parseInbound(fixture('event-id-only.json'));
      expect(parsed.entries).toEqual([{ resourceType: 'Encounter', resourceId: '86009987-eabe-42bf-8c02-b112b18cb616', interaction: 'create', content: 'id-only' }]);
    });

    it('an empty event names no resource', () => {
      const parsed = parseInbound(fixture('event-empty.json'));
      expect(parsed).toMatchObject({ kind: 'notification', notificationType: 'event-notification', entries: [] });
    });
  });

  it('accepts one bare FHIR resource of a handled type', () => {
    const parsed = parseInbound({ resourceType: 'ServiceRequest', id: 'sr1', status: 'active', intent: 'order', subject: { reference: 'Patient/p1' }, meta: { versionId: '3', lastUpdated: '2026-11-20T10:00:00Z' } });
    expect(parsed).toEqual({ kind: 'resource', entries: [{ resourceType: 'ServiceRequest', resourceId: 'sr1', versionId: '3', lastUpdated: '2026-11-20T10:00:00Z', interaction: 'update', content: 'full-resource' }] });
  });

  it.each([
    ['not an object', 'hello'],
    ['no resourceType', { id: 'x' }],
    ['an unhandled type', { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'x' } }],
    ['a non-history bundle', { resourceType: 'Bundle', type: 'transaction', entry: [] }],
    ['a history bundle without a status entry', { resourceType: 'Bundle', type: 'history', entry: [{ resource: { resourceType: 'Patient', id: 'p' } }] }],
    ['malformed FHIR (missing required status)', { resourceType: 'ServiceRequest', id: 'sr1', intent: 'order', subject: { reference: 'Patient/p1' } }],
    ['malformed FHIR (wrong JSON type)', { resourceType: 'Patient', id: 'p1', name: 'CANARY-Jane Doe' }],
    ['a resource without id', { resourceType: 'Patient' }],
    ['a resource whose id is not a FHIR id', { resourceType: 'Patient', id: 'has spaces?' }],
  ])('refuses %s with 422', (_label, body) => {
    expect(() => parseInbound(body)).toThrow(UnprocessableError);
  });

  it('names element paths, never values, when FHIR is malformed', () => {
    try {
      parseInbound({ resourceType: 'Patient', id: 'p1', birthDate: 'CANARY-1990', name: 'CANARY-Jane Doe' });
      throw new Error('expected to throw');
    } catch (error) {
      expect(error).toBeInstanceOf(UnprocessableError);
      const text = JSON.stringify({ message: (error as UnprocessableError).message, details: (error as UnprocessableError).details });
      expect(text).toContain('Patient.birthDate');
      expect(text).not.toContain('CANARY');
    }
  });

  it('refuses a notification whose focus types are all unhandled', () => {
    const bundle = fixture('event-full-resource.json') as { entry: { resource?: { parameter?: { name: string; part?: { name: string; valueReference?: { reference: string } }[] }[] } }[] };
    const focus = bundle.entry[0]!.resource!.parameter!.find((p) => p.name === 'notification-event')!.part!.find((p) => p.name === 'focus')!;
    focus.valueReference = { reference: 'https://fhirserver.org/fhir/Observation/o1' };
    expect(() => parseInbound(bundle)).toThrow(/None of the notification/);
  });

  it('parses absolute and relative references', () => {
    expect(parseReferenceUrl('https://ehr.example/fhir/R4/ServiceRequest/abc-1/_history/2')).toEqual({ resourceType: 'ServiceRequest', id: 'abc-1' });
    expect(parseReferenceUrl('Patient/123')).toEqual({ resourceType: 'Patient', id: '123' });
    expect(parseReferenceUrl('urn:uuid:1234')).toBeUndefined();
  });
});
