import { randomBytes } from 'node:crypto';

/**
 * An in-memory map of short-lived, single-use grants (SMART launch contexts, authorization codes)
 * under unguessable ids. Bounded twice: entries expire after `ttlMs`, and when `capacity` is
 * reached the oldest entry is dropped. Expired entries are swept on insert, so the store needs no
 * timer. Ids are bearer secrets: never log them.
 */
export class SingleUseStore<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();

  constructor(private readonly options: { ttlMs: number; capacity: number; clock: () => number }) {}

  /** Stores a value under a new random id (256 bits, base64url) and returns the id. */
  put(value: T): string {
    const now = this.options.clock();
    // Insertion order is expiry order (one TTL per store), so expired entries are at the front.
    for (const [id, entry] of this.entries) {
      if (entry.expiresAt > now) break;
      this.entries.delete(id);
    }
    while (this.entries.size >= this.options.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    const id = randomBytes(32).toString('base64url');
    this.entries.set(id, { value, expiresAt: now + this.options.ttlMs });
    return id;
  }

  /** Removes and returns the value stored under `id`; undefined if unknown, already taken or expired. */
  take(id: string): T | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    return entry.expiresAt > this.options.clock() ? entry.value : undefined;
  }
}
