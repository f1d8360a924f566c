/** Wall-clock time, injectable so tests and the EHR simulator can move it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
