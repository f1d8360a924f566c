import fc from 'fast-check';
import { instantToZonedParts, wallMsAt, wallMsToEpochMs, zonedWallTimeToInstant } from '../../../shared/sla/zoned-time';

const NY = 'America/New_York';
const LONDON = 'Europe/London';
const HOUR = 3_600_000;

function instant(wall: { year: number; month: number; day: number; hour?: number; minute?: number }, zone: string): string {
  return zonedWallTimeToInstant(wall, zone).toISOString();
}

describe('instantToZonedParts', () => {
  it('reads the wall clock of a zone, either side of a DST change', () => {
    expect(instantToZonedParts(new Date('2026-03-08T06:59:59.250Z'), NY)).toEqual({
      year: 2026, month: 3, day: 8, hour: 1, minute: 59, second: 59, millisecond: 250, weekday: 0,
    });
    expect(instantToZonedParts(new Date('2026-03-08T07:00:00Z'), NY)).toMatchObject({ day: 8, hour: 3, minute: 0 });
    expect(instantToZonedParts(new Date('2026-11-01T05:30:00Z'), NY)).toMatchObject({ hour: 1, minute: 30 });
    expect(instantToZonedParts(new Date('2026-11-01T06:30:00Z'), NY)).toMatchObject({ hour: 1, minute: 30 });
  });

  it('gives the local date, not the UTC date', () => {
    expect(instantToZonedParts(new Date('2026-11-21T03:00:00Z'), NY)).toMatchObject({ year: 2026, month: 11, day: 20, hour: 22, weekday: 5 });
    expect(instantToZonedParts(new Date('2026-12-31T23:30:00Z'), 'Asia/Tokyo')).toMatchObject({ year: 2027, month: 1, day: 1, hour: 8 });
  });
});

describe('zonedWallTimeToInstant', () => {
  it('converts ordinary wall times with the offset in force', () => {
    expect(instant({ year: 2026, month: 1, day: 15, hour: 8 }, NY)).toBe('2026-01-15T13:00:00.000Z');
    expect(instant({ year: 2026, month: 7, day: 15, hour: 8 }, NY)).toBe('2026-07-15T12:00:00.000Z');
    expect(instant({ year: 2026, month: 7, day: 15, hour: 8 }, LONDON)).toBe('2026-07-15T07:00:00.000Z');
    expect(instant({ year: 2026, month: 7, day: 15, hour: 8 }, 'Asia/Kolkata')).toBe('2026-07-15T02:30:00.000Z');
  });

  it('maps a wall time skipped by spring-forward to the first instant after the gap', () => {
    expect(instant({ year: 2026, month: 3, day: 8, hour: 1, minute: 59 }, NY)).toBe('2026-03-08T06:59:00.000Z');
    expect(instant({ year: 2026, month: 3, day: 8, hour: 2 }, NY)).toBe('2026-03-08T07:00:00.000Z');
    expect(instant({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, NY)).toBe('2026-03-08T07:00:00.000Z');
    expect(instant({ year: 2026, month: 3, day: 8, hour: 3 }, NY)).toBe('2026-03-08T07:00:00.000Z');
    expect(instant({ year: 2026, month: 3, day: 29, hour: 1, minute: 30 }, LONDON)).toBe('2026-03-29T01:00:00.000Z');
    // Chile springs forward at midnight: 2026-09-06 00:00 never happens.
    expect(instant({ year: 2026, month: 9, day: 6 }, 'America/Santiago')).toBe('2026-09-06T04:00:00.000Z');
  });

  it('maps a wall time repeated by fall-back to its first occurrence', () => {
    expect(instant({ year: 2026, month: 11, day: 1, hour: 1 }, NY)).toBe('2026-11-01T05:00:00.000Z');
    expect(instant({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, NY)).toBe('2026-11-01T05:30:00.000Z');
    expect(instant({ year: 2026, month: 11, day: 1, hour: 2 }, NY)).toBe('2026-11-01T07:00:00.000Z');
    expect(instant({ year: 2026, month: 10, day: 25, hour: 1, minute: 30 }, LONDON)).toBe('2026-10-25T00:30:00.000Z');
  });

  it('rolls hour 24 over to the next midnight', () => {
    expect(instant({ year: 2026, month: 12, day: 31, hour: 24 }, NY)).toBe('2027-01-01T05:00:00.000Z');
  });
});

describe('wall time <-> instant, properties', () => {
  // Zones with 1 h, 30 min and midnight DST changes, a 45-minute offset, and none at all.
  const zones = fc.constantFrom(NY, LONDON, 'Australia/Lord_Howe', 'America/Santiago', 'Pacific/Chatham', 'Asia/Kolkata');
  const instants2026to2027 = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2028, 0, 1) });
  // Wall times near the 2026 changes in New York and London, where bugs would hide.
  const nearChanges = fc
    .tuple(fc.constantFrom(Date.UTC(2026, 2, 8, 2), Date.UTC(2026, 10, 1, 1), Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 9, 25, 1)), fc.integer({ min: -3 * HOUR, max: 3 * HOUR }))
    .map(([centre, delta]) => centre + delta);
  const instantsNearChanges = fc
    .tuple(fc.constantFrom(Date.UTC(2026, 2, 8, 7), Date.UTC(2026, 10, 1, 6), Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 9, 25, 1)), fc.integer({ min: -3 * HOUR, max: 3 * HOUR }))
    .map(([centre, delta]) => centre + delta);

  it('finds the earliest instant at which the clocks read the wall time or later', () => {
    fc.assert(
      fc.property(zones, fc.oneof(instants2026to2027, nearChanges), (zone, wallMs) => {
        const epochMs = wallMsToEpochMs(wallMs, zone);
        expect(wallMsAt(epochMs, zone)).toBeGreaterThanOrEqual(wallMs);
        expect(wallMsAt(epochMs - 1, zone)).toBeLessThan(wallMs);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips every instant, except a repeated hour maps back to its first occurrence', () => {
    fc.assert(
      fc.property(zones, fc.oneof(instants2026to2027, instantsNearChanges), (zone, epochMs) => {
        const back = wallMsToEpochMs(wallMsAt(epochMs, zone), zone);
        expect(wallMsAt(back, zone)).toBe(wallMsAt(epochMs, zone));
        expect(back).toBeLessThanOrEqual(epochMs);
        if (back !== epochMs) expect(epochMs - back).toBeLessThanOrEqual(HOUR);
      }),
      { numRuns: 300 },
    );
  });

  it('never decreases as the wall time grows', () => {
    fc.assert(
      fc.property(zones, fc.oneof(instants2026to2027, nearChanges), fc.integer({ min: 0, max: 4 * HOUR }), (zone, wallMs, step) => {
        expect(wallMsToEpochMs(wallMs + step, zone)).toBeGreaterThanOrEqual(wallMsToEpochMs(wallMs, zone));
      }),
      { numRuns: 300 },
    );
  });
});
