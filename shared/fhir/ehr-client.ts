import { MedplumClient } from '@medplum/core';
import type { AppContext } from '../context';
import type { WebhookSource } from '../webhooks/sources';

/** How long one request to an EHR's FHIR API may take before Sidecar gives up on it. */
export const EHR_REQUEST_TIMEOUT_MS = 5_000;

/**
 * A MedplumClient for one EHR source's FHIR API, or undefined when the source has none. Every
 * request is bounded by EHR_REQUEST_TIMEOUT_MS, so a slow EHR cannot hang a page or a consumer.
 * Responses hold PHI: callers must not log them.
 */
export function ehrClient(ctx: AppContext, source: Pick<WebhookSource, 'fhirBaseUrl'>): MedplumClient | undefined {
  if (!source.fhirBaseUrl) return undefined;
  const base = source.fhirBaseUrl.endsWith('/') ? source.fhirBaseUrl : `${source.fhirBaseUrl}/`;
  return new MedplumClient({
    baseUrl: base,
    fhirUrlPath: '',
    fetch: (url: string | URL | Request, init?: RequestInit) => ctx.fetch(url, { ...init, signal: init?.signal ?? AbortSignal.timeout(EHR_REQUEST_TIMEOUT_MS) }),
    cacheTime: 0,
  });
}

/** `<ehrUiBaseUrl>/<Type>/<id>`: the "Open in EHR" link, if the source has chart pages. */
export function ehrChartUrl(source: Pick<WebhookSource, 'ehrUiBaseUrl'> | undefined, reference: string | undefined): string | undefined {
  if (!source?.ehrUiBaseUrl || !reference) return undefined;
  const base = source.ehrUiBaseUrl.endsWith('/') ? source.ehrUiBaseUrl : `${source.ehrUiBaseUrl}/`;
  return `${base}${reference.split('/').map(encodeURIComponent).join('/')}`;
}
