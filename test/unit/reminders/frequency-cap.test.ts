import fc from 'fast-check';
import { SMS_CAP, capAllows, capWindowDays, localDay } from '../../../shared/reminders/frequency-cap';

const NY = 'America/New_York';
const DAY = 86_400_000;
const HOUR = 3_600_000;

const at = (iso: string) => new Date(iso);

describe('localDay', () => {
  it('is the calendar date where the patient is, not in UTC', () => {
    expect(localDay(at('2026-11-21T03:00:00Z'), NY)).toBe('2026-11-20');
    expect(localDay(at('2026-11-21T03:00:00Z'), 'Asia/Tokyo')).toBe('2026-11-21');
    expect(localDay(at('2026-12-31T23:30:00Z'), 'Pacific/Chatham')).toBe('2027-01-01');
  });
});

describe('capWindowDays', () => {
  it('lists the seven local days ending with the send day, oldest first', () => {
    expect(capWindowDays(at('2026-11-21T03:00:00Z'), NY)).toEqual(['2026-11-14', '2026-11-15', '2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20']);
  });

  it('crosses month and year ends and DST changes by calendar day', () => {
    expect(capWindowDays(at('2027-01-02T15:00:00Z'), NY)).toEqual(['2026-12-27', '2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
    expect(capWindowDays(at('2026-03-10T15:00:00Z'), NY)).toEqual(['2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09', '2026-03-10']);
  });
});

describe('capAllows', () => {
  it('is one SMS a day and three a week', () => {
    expect(SMS_CAP).toEqual({ perDay: 1, perWeek: 3 });
  });

  it('allows the first SMS', () => {
    expect(capAllows({ sentAt: [], at: at('2026-01-15T15:00:00Z'), timeZone: NY })).toEqual({ allowed: true });
  });

  it('refuses a second SMS on the same local day, even 12 hours later', () => {
    const sentAt = [at('2026-01-15T13:00:00Z')]; // 08:00 local
    expect(capAllows({ sentAt, at: at('2026-01-16T01:00:00Z'), timeZone: NY })).toEqual({ allowed: false, reason: 'daily-cap' }); // 20:00 local
  });

  it('allows the next local day, even 12 hours later', () => {
    const sentAt = [at('2026-01-16T01:00:00Z')]; // 20:00 on the 15th
    expect(capAllows({ sentAt, at: at('2026-01-16T13:00:00Z'), timeZone: NY })).toEqual({ allowed: true }); // 08:00 on the 16th
  });

  it('counts days in the patient\'s zone: sends on two UTC days can share a local day', () => {
    const sentAt = [at('2026-01-15T23:00:00Z')]; // 18:00 in New York, 23:00 in London
    const next = at('2026-01-16T01:00:00Z'); // 20:00 on the 15th in New York, 01:00 on the 16th in London
    expect(capAllows({ sentAt, at: next, timeZone: NY })).toEqual({ allowed: false, reason: 'daily-cap' });
    expect(capAllows({ sentAt, at: next, timeZone: 'Europe/London' })).toEqual({ allowed: true });
  });

  it('refuses a fourth SMS within seven local days', () => {
    const sentAt = ['2026-01-10', '2026-01-12', '2026-01-14'].map((day) => at(`${day}T15:00:00Z`));
    expect(capAllows({ sentAt, at: at('2026-01-16T15:00:00Z'), timeZone: NY })).toEqual({ allowed: false, reason: 'weekly-cap' });
  });

  it('allows it once the oldest send is eight local days back', () => {
    const sentAt = ['2026-01-09', '2026-01-12', '2026-01-14'].map((day) => at(`${day}T15:00:00Z`));
    expect(capAllows({ sentAt, at: at('2026-01-16T15:00:00Z'), timeZone: NY })).toEqual({ allowed: true });
  });

  it('also refuses when sends recorded on later local days would exceed the cap', () => {
    const sentAt = ['2026-01-17', '2026-01-19', '2026-01-22'].map((day) => at(`${day}T15:00:00Z`));
    expect(capAllows({ sentAt, at: at('2026-01-16T15:00:00Z'), timeZone: NY })).toEqual({ allowed: false, reason: 'weekly-cap' });
    expect(capAllows({ sentAt, at: at('2026-01-15T15:00:00Z'), timeZone: NY })).toEqual({ allowed: true });
  });
});

describe('capAllows, properties', () => {
  const zones = fc.constantFrom('America/New_York', 'America/Los_Angeles', 'Europe/London', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/Santiago', 'Asia/Kolkata');
  // Attempts over a few weeks around the 2026 spring DST changes, several per day on average.
  const attempts = fc.array(fc.integer({ min: Date.UTC(2026, 2, 1), max: Date.UTC(2026, 3, 15) }), { maxLength: 120 });

  /** The test's own local date, from a different Intl path than the code under test. */
  function dayNumber(epochMs: number, zone: string): number {
    const iso = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(epochMs);
    return Date.parse(`${iso}T00:00:00Z`) / DAY;
  }

  function violations(sendMs: readonly number[], zone: string): string[] {
    const days = sendMs.map((ms) => dayNumber(ms, zone));
    const problems: string[] = [];
    for (const day of new Set(days)) {
      if (days.filter((other) => other === day).length > SMS_CAP.perDay) problems.push(`two on day ${day}`);
      if (days.filter((other) => other >= day && other < day + 7).length > SMS_CAP.perWeek) problems.push(`more than three from day ${day}`);
    }
    return problems;
  }

  function greedy(attemptMs: readonly number[], zone: string): number[] {
    const sent: number[] = [];
    for (const ms of attemptMs) {
      const decision = capAllows({ sentAt: sent.map((s) => new Date(s)), at: new Date(ms), timeZone: zone });
      // Refusals are never gratuitous: sending would have broken the cap.
      expect(decision.allowed).toBe(violations([...sent, ms], zone).length === 0);
      if (decision.allowed) sent.push(ms);
    }
    return sent;
  }

  it('never lets two SMS share a local day nor four fall in seven consecutive local days, in time order', () => {
    fc.assert(
      fc.property(zones, attempts, (zone, attemptMs) => {
        const sent = greedy([...attemptMs].sort((a, b) => a - b), zone);
        expect(violations(sent, zone)).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('holds even when attempts arrive out of order', () => {
    fc.assert(
      fc.property(zones, attempts, (zone, attemptMs) => {
        expect(violations(greedy(attemptMs, zone), zone)).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('has a rolling window: an attempt every day for four weeks sends on twelve days', () => {
    const daily = Array.from({ length: 28 }, (_, index) => Date.UTC(2026, 0, 5, 15) + index * DAY + (index % 3) * HOUR);
    expect(greedy(daily, NY)).toHaveLength(12);
  });
});
