import type { Patient, ServiceRequest } from '@medplum/fhirtypes';
import { Hono } from 'hono';
import { z } from 'zod';
import { LAUNCH_MODES, UI_BASE_PATH } from './catalogue';
import { conceptText, errorPage, html, htmlResponse, nameOf, notFoundPage, page } from './chart-app';
import type { SimRepository } from './repository';
import type { SmartAuthorizationServer } from './smart';

const FHIR_ID = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/);
const ZLaunchQuery = z.object({
  patient: FHIR_ID,
  serviceRequest: FHIR_ID.optional(),
  mode: z.enum(LAUNCH_MODES).default('window'),
});

/**
 * `GET /ehr/launch?patient=…[&serviceRequest=…]&mode=window|embedded`: the chart's "Launch
 * Sidecar" links. Checks the ids against the repository (the referral must be the patient's),
 * records a SMART launch context bound to them and to the signed-in clinician, then either
 * redirects the browser to the app's launch URL (window) or renders the chart with the app in an
 * iframe (embedded). The app's URL carries only `iss` and the opaque launch id, never PHI.
 */
export function createLaunchApp(options: {
  repo: SimRepository;
  smart: SmartAuthorizationServer;
  clinician: { practitionerId: string; display: string };
}): Hono {
  const { repo, smart, clinician } = options;
  const app = new Hono();

  app.get('/', async (c) => {
    const parsed = ZLaunchQuery.safeParse(c.req.query());
    if (!parsed.success) {
      return errorPage(400, 'Cannot launch Sidecar', 'A launch link names a patient (and optionally a referral) and a mode, window or embedded.');
    }
    const query = parsed.data;
    const patient = await repo.readResource<Patient>('Patient', query.patient).catch(() => undefined);
    if (!patient?.id) return notFoundPage('Patient');
    let referral: ServiceRequest | undefined;
    if (query.serviceRequest !== undefined) {
      referral = await repo.readResource<ServiceRequest>('ServiceRequest', query.serviceRequest).catch(() => undefined);
      if (!referral?.id || referral.subject?.reference !== `Patient/${patient.id}`) return notFoundPage('ServiceRequest');
    }

    const launchUrl = smart.createLaunch({
      patientId: patient.id,
      ...(referral?.id ? { serviceRequestId: referral.id } : {}),
      practitionerId: clinician.practitionerId,
      mode: query.mode,
    });
    if (query.mode === 'window') {
      return new Response(null, { status: 303, headers: { location: launchUrl, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } });
    }
    // The frame navigates from the app to this EHR's /smart/authorize and back: it may show both origins.
    return htmlResponse(embeddedPage({ patient, referral, launchUrl, clinician: clinician.display }), { frameSrc: ["'self'", smart.launchOrigin] });
  });

  return app;
}

function embeddedPage(options: { patient: Patient; referral: ServiceRequest | undefined; launchUrl: string; clinician: string }): string {
  const { patient, referral, launchUrl, clinician } = options;
  const chart = referral?.id
    ? html`<a href="${UI_BASE_PATH}/ServiceRequest/${encodeURIComponent(referral.id)}">Back to referral: ${conceptText(referral.code)}</a>`
    : html`<a href="${UI_BASE_PATH}/Patient/${encodeURIComponent(patient.id ?? '')}">Back to chart</a>`;
  const body = html`<section class="patient" aria-label="Patient">
<strong>${nameOf(patient.name)}</strong> · Born ${patient.birthDate ?? '—'} · ${patient.gender ?? '—'} · MRN ${patient.identifier?.[0]?.value ?? '—'}
</section>
<h1>Sidecar</h1>
<nav class="apps" aria-label="Chart">${chart}<span>Signed in as ${clinician}</span></nav>
<div class="panel"><iframe title="Sidecar" src="${launchUrl}" referrerpolicy="no-referrer"></iframe></div>`;
  return page(`Sidecar · ${nameOf(patient.name)}`, body, { wide: true });
}
