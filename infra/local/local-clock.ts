import type { Clock } from '../../shared/clock';

/**
 * The local runtime's clock: the wall clock plus an offset that only grows. The context and the
 * EHR simulator read it, so a developer or a browser test can let days pass in seconds (a reminder
 * due in 72 hours, a follow-up window) without touching the machine's clock. Never moves back:
 * records are versioned and ordered by time, and a step back would make new writes look older than
 * what is stored. Only for `npm start` (see local-control.ts); Lambda uses the system clock.
 */
export interface LocalClock extends Clock {
  /** How far ahead of the wall clock it runs, in ms (0 until moved). */
  offsetMs(): number;
  /** Moves the clock forward to `to`; throws RangeError if that is earlier than the clock's now. */
  moveTo(to: Date): void;
}

/** A local clock starting at the wall clock (`wall` is injectable for tests). */
export function createLocalClock(wall: () => number = Date.now): LocalClock {
  let offset = 0;
  return {
    now: () => new Date(wall() + offset),
    offsetMs: () => offset,
    moveTo: (to) => {
      const target = to.getTime();
      if (Number.isNaN(target)) throw new RangeError('Not a time');
      const now = wall() + offset;
      if (target < now) throw new RangeError('The local clock only moves forward');
      offset += target - now;
    },
  };
}
