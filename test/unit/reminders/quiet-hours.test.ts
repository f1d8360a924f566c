import fc from 'fast-check';
import { DEFAULT_QUIET_WINDOW, ZQuietWindow, isWithinWindow, nextSendTime, type QuietWindow } from '../../../shared/reminders/quiet-hours';
import { instantToZonedParts, wallMsAt } from '../../../shared/sla/zoned-time';

const NY = 'America/New_York';
const MINUTE = 60_000;
const HOUR = 3_600_000;

function next(due: string, zone: string, window?: QuietWindow): string {
  return nextSendTime(new Date(due), zone, window).toISOString();
}

describe('ZQuietWindow', () => {
  it.each([
    [{ start: '08:00', end: '21:00' }],
    [{ start: '09:00', end: '17:30' }],
    [{ start: '12:00', end: '12:01' }],
  ])('accepts %j', (window) => {
    expect(ZQuietWindow.safeParse(window).success).toBe(true);
  });

  it.each([
    ['a window opening before 08:00', { start: '07:59', end: '21:00' }],
    ['a window closing after 21:00', { start: '08:00', end: '21:01' }],
    ['an overnight window', { start: '20:00', end: '09:00' }],
    ['an empty window', { start: '10:00', end: '10:00' }],
    ['a malformed time', { start: '8:00', end: '21:00' }],
    ['midnight as 24:00', { start: '08:00', end: '24:00' }],
  ])('rejects %s', (_, window) => {
    expect(ZQuietWindow.safeParse(window).success).toBe(false);
  });
});

describe('nextSendTime', () => {
  it('keeps a due time inside 08:00–21:00 local, up to the last millisecond', () => {
    expect(next('2026-01-15T13:00:00.000Z', NY)).toBe('2026-01-15T13:00:00.000Z');
    expect(next('2026-01-15T17:00:00.000Z', NY)).toBe('2026-01-15T17:00:00.000Z');
    expect(next('2026-01-16T01:59:59.999Z', NY)).toBe('2026-01-16T01:59:59.999Z');
  });

  it('defers an early-morning due time to 08:00 the same local day', () => {
    expect(next('2026-01-15T12:59:00.000Z', NY)).toBe('2026-01-15T13:00:00.000Z');
    expect(next('2026-07-15T10:00:00.000Z', 'America/St_Johns')).toBe('2026-07-15T10:30:00.000Z');
  });

  it('defers an evening due time to 08:00 the next local day', () => {
    expect(next('2026-01-16T02:00:00.000Z', NY)).toBe('2026-01-16T13:00:00.000Z');
    expect(next('2026-07-15T16:00:00.000Z', 'Asia/Kolkata')).toBe('2026-07-16T02:30:00.000Z');
  });

  it('follows the patient\'s zone, not UTC: the same instant is night in New York and evening in Los Angeles', () => {
    const due = '2026-01-16T04:30:00.000Z'; // 23:30 in New York, 20:30 in Los Angeles
    expect(next(due, NY)).toBe('2026-01-16T13:00:00.000Z');
    expect(next(due, 'America/Los_Angeles')).toBe(due);
  });

  it('opens at 08:00 of the new offset across a spring-forward night', () => {
    expect(next('2026-03-08T03:00:00.000Z', NY)).toBe('2026-03-08T12:00:00.000Z'); // Sat 22:00 EST → Sun 08:00 EDT, 9 h
    expect(next('2026-03-08T07:30:00.000Z', NY)).toBe('2026-03-08T12:00:00.000Z'); // 03:30 EDT, just after the gap
    expect(next('2026-10-03T14:30:00.000Z', 'Australia/Lord_Howe')).toBe('2026-10-03T21:00:00.000Z'); // 30-minute change
    expect(next('2026-09-26T12:00:00.000Z', 'Pacific/Chatham')).toBe('2026-09-26T18:15:00.000Z'); // +12:45 → +13:45
  });

  it('opens at 08:00 of the new offset across a fall-back night, from either 01:30', () => {
    expect(next('2026-11-01T01:30:00.000Z', NY)).toBe('2026-11-01T13:00:00.000Z'); // Sat 21:30 EDT → Sun 08:00 EST, 11.5 h
    expect(next('2026-11-01T05:30:00.000Z', NY)).toBe('2026-11-01T13:00:00.000Z'); // first 01:30 (EDT)
    expect(next('2026-11-01T06:30:00.000Z', NY)).toBe('2026-11-01T13:00:00.000Z'); // second 01:30 (EST)
  });

  it('uses a stricter configured window', () => {
    const window = { start: '09:00', end: '17:00' };
    expect(next('2026-01-15T13:30:00.000Z', NY, window)).toBe('2026-01-15T14:00:00.000Z');
    expect(next('2026-01-15T22:00:00.000Z', NY, window)).toBe('2026-01-16T14:00:00.000Z');
    expect(next('2026-01-15T21:59:00.000Z', NY, window)).toBe('2026-01-15T21:59:00.000Z');
  });

  it('refuses a window wider than 08:00–21:00, an unknown zone and an invalid date', () => {
    expect(() => nextSendTime(new Date('2026-01-15T12:00:00Z'), NY, { start: '06:00', end: '21:00' })).toThrow();
    expect(() => nextSendTime(new Date('2026-01-15T12:00:00Z'), 'Mars/Olympus_Mons')).toThrow();
    expect(() => nextSendTime(new Date(Number.NaN), NY)).toThrow();
  });
});

describe('isWithinWindow', () => {
  it('is true from the opening minute up to, not including, the closing one', () => {
    expect(isWithinWindow(new Date('2026-01-15T12:59:59.999Z'), NY)).toBe(false);
    expect(isWithinWindow(new Date('2026-01-15T13:00:00.000Z'), NY)).toBe(true);
    expect(isWithinWindow(new Date('2026-01-16T01:59:59.999Z'), NY)).toBe(true);
    expect(isWithinWindow(new Date('2026-01-16T02:00:00.000Z'), NY)).toBe(false);
    expect(isWithinWindow(new Date('2026-01-15T13:00:00.000Z'), NY, { start: '09:00', end: '17:00' })).toBe(false);
  });
});

describe('nextSendTime, properties', () => {
  // Zones with 1 h and 30 min DST changes, a 45-minute offset, half-hour offsets, DST on either
  // hemisphere, and none at all.
  const ZONES = ['America/New_York', 'America/Los_Angeles', 'Europe/London', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kolkata', 'America/St_Johns'];
  /** Local dates of each zone's 2026 offset changes (Kolkata has none and gets a plain date). */
  const CHANGE_DATES: Record<string, string[]> = {
    'America/New_York': ['2026-03-08', '2026-11-01'],
    'America/Los_Angeles': ['2026-03-08', '2026-11-01'],
    'Europe/London': ['2026-03-29', '2026-10-25'],
    'Australia/Lord_Howe': ['2026-04-05', '2026-10-04'],
    'Pacific/Chatham': ['2026-04-05', '2026-09-27'],
    'Asia/Kolkata': ['2026-06-15'],
    'America/St_Johns': ['2026-03-08', '2026-11-01'],
  };
  const offsetAt = (epochMs: number, zone: string) => wallMsAt(epochMs, zone) - epochMs;
  const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
  /** The test's own reading of the rule: local wall-clock minute in [start, end). */
  const insideByWallClock = (epochMs: number, zone: string, window: QuietWindow) => {
    const local = instantToZonedParts(new Date(epochMs), zone);
    const minutes = local.hour * 60 + local.minute;
    return minutes >= minutesOf(window.start) && minutes < minutesOf(window.end);
  };

  it('has change dates that really are offset changes (so the generator below hits DST)', () => {
    for (const zone of ZONES.filter((zone) => zone !== 'Asia/Kolkata')) {
      for (const date of CHANGE_DATES[zone] ?? []) {
        const noon = Date.parse(`${date}T12:00:00Z`);
        expect([zone, date, offsetAt(noon - 36 * HOUR, zone) !== offsetAt(noon + 36 * HOUR, zone)]).toEqual([zone, date, true]);
      }
    }
  });

  const zones = fc.constantFrom(...ZONES);
  const anyInstant = fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2030, 11, 31) });
  const windows = fc
    .tuple(fc.integer({ min: 8 * 60, max: 21 * 60 - 1 }), fc.integer({ min: 1, max: 13 * 60 }))
    .map(([start, length]) => ({ start, end: Math.min(21 * 60, start + length) }))
    .map(({ start, end }) => {
      const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
      return { start: hhmm(start), end: hhmm(end) };
    });
  const anyWindow = fc.oneof(fc.constant(DEFAULT_QUIET_WINDOW), windows);
  /** A zone with an instant within 36 h of one of its offset changes, or anywhere in 2024–2030. */
  const zoneAndDue = zones.chain((zone) =>
    fc.tuple(
      fc.constant(zone),
      fc.oneof(
        fc
          .tuple(fc.constantFrom(...(CHANGE_DATES[zone] ?? [])), fc.integer({ min: -36 * HOUR, max: 36 * HOUR }))
          .map(([date, delta]) => Date.parse(`${date}T12:00:00Z`) + delta),
        anyInstant,
      ),
    ),
  );

  it('sends at the first instant at or after the due time inside the window, within 25 hours', () => {
    fc.assert(
      fc.property(zoneAndDue, anyWindow, ([zone, dueMs], window) => {
        const due = new Date(dueMs);
        const result = nextSendTime(due, zone, window);
        const sendMs = result.getTime();

        expect(sendMs).toBeGreaterThanOrEqual(dueMs);
        expect(sendMs - dueMs).toBeLessThan(25 * HOUR);
        expect(isWithinWindow(result, zone, window)).toBe(true);
        if (isWithinWindow(due, zone, window)) expect(sendMs).toBe(dueMs);
        else {
          // Deferred: it is the window's opening, to the minute, and nothing earlier qualified.
          const local = instantToZonedParts(result, zone);
          expect(`${String(local.hour).padStart(2, '0')}:${String(local.minute).padStart(2, '0')}`).toBe(window.start);
          expect(isWithinWindow(new Date(sendMs - 1), zone, window)).toBe(false);
          const openMinutes: number[] = [];
          for (let at = dueMs; at < sendMs; at += MINUTE) if (insideByWallClock(at, zone, window)) openMinutes.push(at);
          expect(openMinutes).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never lets a send happen at night, whatever window is configured', () => {
    fc.assert(
      fc.property(zoneAndDue, anyWindow, ([zone, dueMs], window) => {
        const local = instantToZonedParts(nextSendTime(new Date(dueMs), zone, window), zone);
        const minutes = local.hour * 60 + local.minute;
        expect(minutes).toBeGreaterThanOrEqual(8 * 60);
        expect(minutes).toBeLessThan(21 * 60);
      }),
      { numRuns: 300 },
    );
  });
});
