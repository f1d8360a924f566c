import { badRequest, getStatus, isOperationOutcome } from '@medplum/core';
import type { FhirRouter, HttpMethod } from '@medplum/fhir-router';
import type { Bundle, CapabilityStatement, Resource, ResourceType } from '@medplum/fhirtypes';
import { Hono } from 'hono';
import { FHIR_BASE_PATH } from './catalogue';
import type { SimRepository } from './repository';

/**
 * The simulator's FHIR R4 API: Medplum's FhirRouter over the in-memory repository, behind Hono.
 * Read, search, create and update (plus vread and history, which come with the router). Direct
 * writes here change the store but notify nobody: change events come from scenarios.
 */
export const FHIR_CONTENT_TYPE = 'application/fhir+json';

const SUPPORTED_TYPES: ResourceType[] = ['Patient', 'ServiceRequest', 'Condition', 'Appointment', 'DocumentReference', 'Organization', 'Practitioner', 'Subscription'];
const ALLOWED_METHODS = new Set<HttpMethod>(['GET', 'POST', 'PUT']);

function capabilityStatement(date: string): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    publisher: 'Sidecar EHR simulator (synthetic data)',
    kind: 'instance',
    software: { name: 'Sidecar EHR simulator' },
    implementation: { description: 'Synthetic EHR for local runs and browser tests' },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        resource: SUPPORTED_TYPES.map((type) => ({
          type,
          interaction: [{ code: 'read' }, { code: 'vread' }, { code: 'search-type' }, { code: 'create' }, { code: 'update' }],
        })),
      },
    ],
  };
}

function fhirJson(body: Resource, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': FHIR_CONTENT_TYPE, ...headers } });
}

export function createFhirApp(options: { router: FhirRouter; repo: SimRepository; baseUrl: () => string; now: () => Date }): Hono {
  const { router, repo } = options;
  const app = new Hono();
  const started = options.now().toISOString();

  app.get('/metadata', () => fhirJson(capabilityStatement(started), 200));

  app.all('/*', async (c) => {
    const method = c.req.method as HttpMethod;
    if (!ALLOWED_METHODS.has(method)) {
      return fhirJson(badRequest(`${c.req.method} is not supported by the simulator`), 405, { allow: 'GET, POST, PUT' });
    }
    const url = new URL(c.req.url);
    const relative = url.pathname.startsWith(FHIR_BASE_PATH) ? url.pathname.slice(FHIR_BASE_PATH.length).replace(/^\/+/, '') : '';

    let body: unknown;
    if (method === 'POST' || method === 'PUT') {
      try {
        body = await c.req.json();
      } catch {
        return fhirJson(badRequest('Body must be a FHIR JSON resource'), 400);
      }
      if (method === 'POST' && body && typeof body === 'object' && !relative.includes('/')) {
        // On create the server assigns the id and meta (FHIR RESTful API, "create").
        const { id: _id, meta, ...rest } = body as Resource;
        const { versionId: _v, lastUpdated: _l, ...keptMeta } = meta ?? {};
        body = meta ? { ...rest, meta: keptMeta } : rest;
      }
    }

    const [outcome, resource] = await router.handleRequest(
      { method, url: `${relative}${url.search}`, pathname: '', body, params: {}, query: {}, headers: {} },
      repo,
    );
    const status = getStatus(outcome);
    if (!resource) return fhirJson(outcome, status);

    const headers: Record<string, string> = {};
    if (resource.resourceType === 'Bundle') {
      addFullUrls(resource, options.baseUrl());
    } else if (resource.id && !isOperationOutcome(resource)) {
      if (resource.meta?.versionId) headers.etag = `W/"${resource.meta.versionId}"`;
      if (resource.meta?.lastUpdated) headers['last-modified'] = new Date(resource.meta.lastUpdated).toUTCString();
      if (status === 201) headers.location = `${options.baseUrl()}/${resource.resourceType}/${resource.id}/_history/${resource.meta?.versionId}`;
    }
    return fhirJson(resource, status, headers);
  });

  return app;
}

/** Search and history bundles from a real server carry absolute fullUrls; the memory repository's do not. */
function addFullUrls(bundle: Bundle, baseUrl: string): void {
  for (const entry of bundle.entry ?? []) {
    const r = entry.resource;
    if (r?.id && !entry.fullUrl) entry.fullUrl = `${baseUrl}/${r.resourceType}/${r.id}`;
  }
}
