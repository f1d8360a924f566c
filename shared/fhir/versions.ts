import type { Resource } from '@medplum/fhirtypes';

/**
 * The version Sidecar compares EHR changes by: the resource's meta.lastUpdated, or — for senders
 * that omit meta — the time Sidecar accepted the delivery.
 */
export function ehrVersionOf(resource: Resource, receivedAt: string): string {
  return resource.meta?.lastUpdated ?? receivedAt;
}

/** True when `candidate` is strictly newer than `current` (equal means a replay: no effect). */
export function isNewerVersion(candidate: string, current: string | undefined): boolean {
  if (current === undefined) return true;
  const a = Date.parse(candidate);
  const b = Date.parse(current);
  if (Number.isNaN(a) || Number.isNaN(b)) return candidate > current;
  return a > b;
}
