import { MedplumClient } from '@medplum/core';
import type { AppContext } from '../context';
import type { WebhookSource } from '../webhooks/sources';

/**
 * A MedplumClient for one EHR source's FHIR API, or undefined when the source has none.
 * Responses hold PHI: callers must not log them.
 */
export function ehrClient(ctx: AppContext, source: Pick<WebhookSource, 'fhirBaseUrl'>): MedplumClient | undefined {
  if (!source.fhirBaseUrl) return undefined;
  const base = source.fhirBaseUrl.endsWith('/') ? source.fhirBaseUrl : `${source.fhirBaseUrl}/`;
  return new MedplumClient({
    baseUrl: base,
    fhirUrlPath: '',
    fetch: ctx.fetch,
    cacheTime: 0,
  });
}

/** `<ehrUiBaseUrl>/<Type>/<id>`: the "Open in EHR" link, if the source has chart pages. */
export function ehrChartUrl(source: Pick<WebhookSource, 'ehrUiBaseUrl'> | undefined, reference: string | undefined): string | undefined {
  if (!source?.ehrUiBaseUrl || !reference) return undefined;
  const base = source.ehrUiBaseUrl.endsWith('/') ? source.ehrUiBaseUrl : `${source.ehrUiBaseUrl}/`;
  return `${base}${reference.split('/').map(encodeURIComponent).join('/')}`;
}
