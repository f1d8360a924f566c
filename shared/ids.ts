import { createHash } from 'node:crypto';
import { monotonicFactory } from 'ulid';

/** Monotonic within a process: ids made in the same millisecond still sort in the order they were made. */
const nextUlid = monotonicFactory();

/** A new opaque, time-sortable id (ULID). Never derived from patient data. */
export function newId(): string {
  return nextUlid();
}

/**
 * A stable opaque key for an external reference (e.g. an EHR's `Patient/123` from one source).
 * EHR ids can be MRN-like, so they never appear in a key as-is: keys hold this digest.
 */
export function externalKey(sourceId: string, reference: string): string {
  return createHash('sha256').update(`${sourceId}\u0000${reference}`).digest('base64url');
}

/** A small, evenly spread shard number for hot partition keys. */
export function shardOf(id: string, shards: number): number {
  const digest = createHash('sha256').update(id).digest();
  return digest.readUInt32BE(0) % shards;
}
