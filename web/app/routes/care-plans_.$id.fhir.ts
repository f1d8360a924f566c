import type { LoaderFunctionArgs } from '@remix-run/node';
import { loadOrThrow } from '~/lib/action-error.server';
import { carePlanFhirBundle } from '~/lib/care-plans.server';
import { recordId, session } from '~/lib/session.server';

/**
 * `/care-plans/<id>/fhir`: the plan's FHIR R4 export (a collection Bundle of the CarePlan and its
 * Goals) as a file download, for people signed in to the console (the API's export needs a
 * bearer token). Recorded as a read of the plan. The file name holds the opaque plan id only.
 */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const { ctx, audit } = session(context);
  const id = recordId(params.id, 'Care plan');
  const { carePlan, bundle } = await loadOrThrow(() => carePlanFhirBundle(ctx, id));
  audit.add('read', { resourceType: 'CarePlan', resourceId: id, patientId: carePlan.patientId });
  return new Response(JSON.stringify(bundle, null, 2), {
    status: 200,
    headers: { 'Content-Type': 'application/fhir+json; charset=utf-8', 'Content-Disposition': `attachment; filename="care-plan-${id}.fhir.json"` },
  });
}
