import { createLocalClock } from '../../../infra/local/local-clock';

describe('createLocalClock', () => {
  let wall = Date.parse('2026-03-01T12:00:00.000Z');
  const clock = () => createLocalClock(() => wall);

  beforeEach(() => {
    wall = Date.parse('2026-03-01T12:00:00.000Z');
  });

  test('reads the wall clock until moved', () => {
    const c = clock();
    expect(c.now().toISOString()).toBe('2026-03-01T12:00:00.000Z');
    expect(c.offsetMs()).toBe(0);
    wall += 1_000;
    expect(c.now().toISOString()).toBe('2026-03-01T12:00:01.000Z');
  });

  test('moves forward to a time, then keeps running with the wall clock', () => {
    const c = clock();
    c.moveTo(new Date('2026-03-04T09:30:00.000Z'));
    expect(c.now().toISOString()).toBe('2026-03-04T09:30:00.000Z');
    expect(c.offsetMs()).toBe(Date.parse('2026-03-04T09:30:00.000Z') - wall);
    wall += 60_000;
    expect(c.now().toISOString()).toBe('2026-03-04T09:31:00.000Z');
  });

  test('never moves back, and a refused move changes nothing', () => {
    const c = clock();
    c.moveTo(new Date('2026-03-02T00:00:00.000Z'));
    expect(() => c.moveTo(new Date('2026-03-01T23:59:59.999Z'))).toThrow(RangeError);
    expect(() => c.moveTo(new Date('not a time'))).toThrow(RangeError);
    expect(c.now().toISOString()).toBe('2026-03-02T00:00:00.000Z');
  });
});
