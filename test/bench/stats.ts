/**
 * Small numeric helpers for the bench: percentiles, a seeded random generator and a bounded
 * concurrency pool with a deadline, so every load the bench drives is bounded in count and time.
 */
import { performance } from 'node:perf_hooks';

export interface Summary {
  n: number;
  /** Milliseconds, 3 decimals. */
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

/** Linear-interpolated percentile (0–100) of already sorted samples. */
function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (rank - lo);
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((s, x) => s + x, 0);
  return {
    n: sorted.length,
    p50: round3(percentileOfSorted(sorted, 50)),
    p95: round3(percentileOfSorted(sorted, 95)),
    p99: round3(percentileOfSorted(sorted, 99)),
    mean: round3(sorted.length ? sum / sorted.length : Number.NaN),
    max: round3(sorted[sorted.length - 1] ?? Number.NaN),
  };
}

export function ratio(numerator: number, denominator: number): number {
  return Math.round((numerator / denominator) * 100) / 100;
}

/** Milliseconds taken by `fn`, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** mulberry32: a tiny deterministic PRNG, so every run seeds the same data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks a key of `weights` with probability proportional to its weight. */
export function weighted<K extends string>(random: () => number, weights: Readonly<Record<K, number>>): K {
  const entries = Object.entries(weights) as [K, number][];
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let x = random() * total;
  for (const [key, w] of entries) {
    x -= w;
    if (x < 0) return key;
  }
  return entries[entries.length - 1]![0];
}

export class DeadlineExceeded extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${Math.round(ms / 1000)} s`);
    this.name = 'DeadlineExceeded';
  }
}

/**
 * Runs `task(0) … task(count - 1)` with at most `concurrency` in flight. Stops starting new tasks
 * and rejects once `deadlineMs` has passed; the first task error rejects too (after in-flight
 * tasks settle, so nothing keeps running behind the caller's back).
 */
export async function runPool(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
  options: { what: string; deadlineMs: number },
): Promise<void> {
  const deadline = Date.now() + options.deadlineMs;
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < count) {
      if (Date.now() > deadline) {
        failure = new DeadlineExceeded(options.what, options.deadlineMs);
        break;
      }
      const i = next++;
      try {
        await task(i);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  if (failure !== undefined) throw failure;
}
