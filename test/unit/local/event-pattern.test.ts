import { InvalidEventPatternError, matches, validatePattern } from '../../../infra/local/event-pattern';
import { CONSUMERS, DETAIL_TYPES, EVENT_SOURCE, RULES } from '../../../shared/events/catalogue';

/** An EventBridge envelope as the stand-in builds it (ids only; no patient data). */
function envelope(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '0',
    id: '7bf73129-1428-4cd3-a780-95db273d1602',
    'detail-type': 'ServiceRequest.changed',
    source: EVENT_SOURCE,
    account: '000000000000',
    time: '2024-05-01T12:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      inboxId: '01HXAMPLE',
      entry: 0,
      resourceType: 'ServiceRequest',
      interaction: 'update',
      content: 'full-resource',
      tags: ['urgent', 'cardiology'],
      meta: { versionId: '3', lastUpdated: '2024-05-01T11:59:00Z' },
      score: 7,
      flag: false,
      nothing: null,
    },
    ...overrides,
  };
}

describe('matches (EventBridge content patterns)', () => {
  describe('exact values', () => {
    test('a value in the array matches; all keys must match', () => {
      expect(matches({ source: [EVENT_SOURCE], 'detail-type': ['Patient.changed', 'ServiceRequest.changed'] }, envelope())).toBe(true);
      expect(matches({ source: [EVENT_SOURCE], 'detail-type': ['Patient.changed'] }, envelope())).toBe(false);
      expect(matches({ source: ['other'], 'detail-type': ['ServiceRequest.changed'] }, envelope())).toBe(false);
    });

    test('is case-sensitive and type-sensitive', () => {
      expect(matches({ source: [EVENT_SOURCE.toUpperCase()] }, envelope())).toBe(false);
      expect(matches({ detail: { score: [7] } }, envelope())).toBe(true);
      expect(matches({ detail: { score: ['7'] } }, envelope())).toBe(false);
      expect(matches({ detail: { flag: [false] } }, envelope())).toBe(true);
      expect(matches({ detail: { nothing: [null] } }, envelope())).toBe(true);
    });

    test('a missing field never matches an exact value (not even null)', () => {
      expect(matches({ detail: { absent: ['x'] } }, envelope())).toBe(false);
      expect(matches({ detail: { absent: [null] } }, envelope())).toBe(false);
    });

    test('an array in the event matches when any element matches', () => {
      expect(matches({ detail: { tags: ['cardiology'] } }, envelope())).toBe(true);
      expect(matches({ detail: { tags: ['oncology'] } }, envelope())).toBe(false);
    });
  });

  describe('nested objects', () => {
    test('match field by field at any depth', () => {
      expect(matches({ detail: { meta: { versionId: ['3'] } } }, envelope())).toBe(true);
      expect(matches({ detail: { meta: { versionId: ['4'] } } }, envelope())).toBe(false);
    });

    test('do not match when the event has a scalar or nothing there', () => {
      expect(matches({ detail: { score: { value: [7] } } }, envelope())).toBe(false);
      expect(matches({ detail: { missing: { value: ['x'] } } }, envelope())).toBe(false);
    });

    test('an array of objects matches when one element matches the nested pattern', () => {
      const event = envelope({ detail: { items: [{ code: 'a' }, { code: 'b' }] } });
      expect(matches({ detail: { items: { code: ['b'] } } }, event)).toBe(true);
      expect(matches({ detail: { items: { code: ['c'] } } }, event)).toBe(false);
    });
  });

  describe('prefix', () => {
    test('matches strings starting with the prefix only', () => {
      expect(matches({ 'detail-type': [{ prefix: 'Service' }] }, envelope())).toBe(true);
      expect(matches({ 'detail-type': [{ prefix: 'service' }] }, envelope())).toBe(false);
      expect(matches({ detail: { score: [{ prefix: '7' }] } }, envelope())).toBe(false);
      expect(matches({ detail: { absent: [{ prefix: '' }] } }, envelope())).toBe(false);
    });
  });

  describe('anything-but', () => {
    test('matches a present value not in the list', () => {
      expect(matches({ detail: { interaction: [{ 'anything-but': ['delete'] }] } }, envelope())).toBe(true);
      expect(matches({ detail: { interaction: [{ 'anything-but': ['update', 'delete'] }] } }, envelope())).toBe(false);
      expect(matches({ detail: { interaction: [{ 'anything-but': 'update' }] } }, envelope())).toBe(false);
    });

    test('does not match a missing field', () => {
      expect(matches({ detail: { absent: [{ 'anything-but': ['x'] }] } }, envelope())).toBe(false);
    });

    test('takes a prefix', () => {
      expect(matches({ source: [{ 'anything-but': { prefix: 'sidecar.' } }] }, envelope())).toBe(false);
      expect(matches({ source: [{ 'anything-but': { prefix: 'aws.' } }] }, envelope())).toBe(true);
    });

    test('on an array, matches when some element is not excluded', () => {
      expect(matches({ detail: { tags: [{ 'anything-but': ['urgent'] }] } }, envelope())).toBe(true);
      expect(matches({ detail: { tags: [{ 'anything-but': ['urgent', 'cardiology'] }] } }, envelope())).toBe(false);
    });
  });

  describe('exists', () => {
    test('exists: true matches present leaf values (null included), not absent fields or objects', () => {
      expect(matches({ detail: { inboxId: [{ exists: true }] } }, envelope())).toBe(true);
      expect(matches({ detail: { nothing: [{ exists: true }] } }, envelope())).toBe(true);
      expect(matches({ detail: { absent: [{ exists: true }] } }, envelope())).toBe(false);
      expect(matches({ detail: { meta: [{ exists: true }] } }, envelope())).toBe(false);
    });

    test('exists: false matches only absent fields, including under an absent parent', () => {
      expect(matches({ detail: { absent: [{ exists: false }] } }, envelope())).toBe(true);
      expect(matches({ detail: { inboxId: [{ exists: false }] } }, envelope())).toBe(false);
      expect(matches({ detail: { missing: { deeper: [{ exists: false }] } } }, envelope())).toBe(true);
    });
  });

  describe('other operators', () => {
    test('suffix, equals-ignore-case, numeric, $or', () => {
      expect(matches({ 'detail-type': [{ suffix: '.changed' }] }, envelope())).toBe(true);
      expect(matches({ source: [{ 'equals-ignore-case': 'SIDECAR.EHR' }] }, envelope())).toBe(true);
      expect(matches({ detail: { score: [{ numeric: ['>', 5, '<=', 7] }] } }, envelope())).toBe(true);
      expect(matches({ detail: { score: [{ numeric: ['>', 7] }] } }, envelope())).toBe(false);
      expect(matches({ $or: [{ source: ['x'] }, { detail: { score: [7] } }] }, envelope())).toBe(true);
      expect(matches({ $or: [{ source: ['x'] }, { detail: { score: [8] } }] }, envelope())).toBe(false);
    });

    test('a list mixing values and operators matches if any of them does', () => {
      expect(matches({ detail: { interaction: ['create', { prefix: 'up' }] } }, envelope())).toBe(true);
    });
  });

  describe('invalid or unsupported patterns are errors, never a silent non-match', () => {
    test.each([
      ['an unknown operator', { source: [{ wildcard: 'sidecar.*' }] }],
      ['a leaf that is not an array', { source: 'sidecar.ehr' }],
      ['an empty array', { source: [] }],
      ['an operator with two keys', { source: [{ prefix: 'a', suffix: 'b' }] }],
      ['a bad numeric range', { detail: { score: [{ numeric: ['>>', 1] }] } }],
      ['an empty pattern', {}],
    ])('%s', (_name, pattern) => {
      expect(() => matches(pattern as never, envelope())).toThrow(InvalidEventPatternError);
    });
  });
});

describe('the catalogue RULES', () => {
  test('are valid patterns', () => {
    for (const rule of RULES) expect(() => validatePattern(rule.pattern)).not.toThrow();
  });

  test.each(DETAIL_TYPES)('%s from sidecar.ehr reaches exactly the consumers that declare it', (detailType) => {
    const event = envelope({ 'detail-type': detailType });
    const reached = RULES.filter((rule) => matches(rule.pattern, event)).map((rule) => rule.consumer);
    const expected = CONSUMERS.filter((c) => (c.detailTypes as readonly string[]).includes(detailType)).map((c) => c.id);
    expect(reached.sort()).toEqual([...expected].sort());
  });

  test('an event from another source reaches no consumer', () => {
    const event = envelope({ source: 'aws.events' });
    expect(RULES.filter((rule) => matches(rule.pattern, event))).toEqual([]);
  });
});
