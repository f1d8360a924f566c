import { formatHumanName, parseSearchRequest } from '@medplum/core';
import type {
  Appointment,
  CodeableConcept,
  Condition,
  DocumentReference,
  HumanName,
  Patient,
  Reference,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { Hono } from 'hono';
import { launchPagePath, UI_BASE_PATH } from './catalogue';
import type { SimRepository } from './repository';

/**
 * The simulated EHR's chart pages, the target of Sidecar's "Open in EHR" links: plain, accessible
 * HTML (landmarks, headings, description lists, a skip link), every value escaped. These pages
 * show synthetic patient data by design; nothing from them is logged.
 */

/** Escapes a value for HTML text and attribute positions. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Already-rendered HTML: the `html` template inserts it as is. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}
/** A tagged template that escapes every interpolated value unless it is already-rendered Html. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    const rendered = Array.isArray(v)
      ? v.map((x) => (x instanceof Html ? x.value : escapeHtml(x))).join('')
      : v instanceof Html
        ? v.value
        : escapeHtml(v);
    out += rendered + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fff;line-height:1.5}
header{background:#0b3d5c;color:#fff;padding:.75rem 1.5rem}
header a{color:#fff}
main{padding:1rem 1.5rem;max-width:60rem}
.banner{background:#fff4ce;border:1px solid #8a6d00;padding:.5rem 1rem;margin:0 0 1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{font-weight:600}
dd{margin:0}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #767676;padding:.25rem .5rem;text-align:left}
a{color:#0b3d5c}
a:focus,a:hover{outline:2px solid #0b3d5c;outline-offset:2px}
.apps{display:flex;gap:1rem;margin:0 0 1rem}
.apps a{border:1px solid #0b3d5c;padding:.25rem .75rem;text-decoration:none}
main.wide{max-width:none}
.patient{background:#e8f1f7;border:1px solid #0b3d5c;padding:.5rem 1rem;margin:0 0 1rem}
.panel iframe{display:block;width:100%;height:calc(100vh - 14rem);min-height:30rem;border:1px solid #767676}
.skip,.sr-only{position:absolute;left:-999px}
.skip:focus{left:1rem;top:1rem;background:#fff;color:#0b3d5c;padding:.25rem}
`;

/** Response headers of every simulator page; `frameSrc` lists the origins an embedding page may frame. */
function securityHeaders(frameSrc: string[] = []): Record<string, string> {
  const frames = frameSrc.length > 0 ? ` frame-src ${frameSrc.join(' ')};` : '';
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // Chart URLs carry EHR ids: links and frames from these pages send no Referer.
    'referrer-policy': 'no-referrer',
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline';${frames} frame-ancestors 'none'`,
  };
}

/** An HTML page response with the simulator's security headers (no caching, no framing by others, a strict CSP). */
export function htmlResponse(body: string, options: { status?: number; frameSrc?: string[] } = {}): Response {
  return new Response(body, { status: options.status ?? 200, headers: securityHeaders(options.frameSrc) });
}

/** A complete EHR page: header, synthetic-data banner and `body`; `wide` lifts the reading-width limit (embedded apps). */
export function page(title: string, body: Html, options: { wide?: boolean } = {}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · EHR simulator</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><a href="${UI_BASE_PATH}">EHR simulator</a></header>
<main id="main"${options.wide ? new Html(' class="wide"') : ''}>
<p class="banner" role="note">Synthetic test data from Sidecar's EHR simulator. Not a real patient record.</p>
${body}
</main>
</body>
</html>
`.value;
}

/** A CodeableConcept's display text. */
export const conceptText = (c: CodeableConcept | undefined): string => c?.text ?? c?.coding?.[0]?.display ?? c?.coding?.[0]?.code ?? '—';
/** A resource's first name, formatted. */
export const nameOf = (names: HumanName[] | undefined): string => (names?.[0] ? formatHumanName(names[0]) : 'Unnamed');
const idOf = (reference: Reference | undefined, type: string): string | undefined =>
  reference?.reference?.startsWith(`${type}/`) ? reference.reference.slice(type.length + 1) : undefined;
const link = (type: string, id: string, label: string): Html => html`<a href="${UI_BASE_PATH}/${type}/${encodeURIComponent(id)}">${label}</a>`;

function dl(rows: [string, unknown][]): Html {
  return html`<dl>${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v === undefined || v === '' ? '—' : v}</dd>`)}</dl>`;
}

function table(caption: string, headings: string[], rows: unknown[][]): Html {
  if (rows.length === 0) return html`<p>No ${caption.toLowerCase()}.</p>`;
  return html`<table><caption>${caption}</caption><thead><tr>${headings.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows.map(
    (r) => html`<tr>${r.map((cell) => html`<td>${cell}</td>`)}</tr>`,
  )}</tbody></table>`;
}

/** An error page (a fixed message, never the request's input) with the given status. */
export function errorPage(status: number, title: string, message: string): Response {
  return htmlResponse(page(title, html`<h1>${title}</h1><p>${message}</p>`), { status });
}

/** The 404 page for an unknown resource id. */
export function notFoundPage(type: string): Response {
  return errorPage(404, `${type} not found`, `The simulator has no ${type} with that id. Its data is reset on every start (the seed keeps the same ids).`);
}

/** The chart's app links: Sidecar in a new window, or in a panel of the EHR (SMART EHR launch). */
function launchLinks(patientId: string, serviceRequestId?: string): Html {
  const path = (mode: 'window' | 'embedded') => launchPagePath({ patientId, ...(serviceRequestId ? { serviceRequestId } : {}), mode });
  return html`<nav class="apps" aria-label="Apps"><a href="${path('window')}" target="_blank" rel="noopener noreferrer">Launch Sidecar<span class="sr-only"> (opens in a new window)</span></a><a href="${path('embedded')}">Open Sidecar in panel</a></nav>`;
}

/**
 * The chart pages (patient list, patient, referral) under `/ehr`. With `smartLaunch` the patient
 * and referral pages offer "Launch Sidecar" links (see launch-pages.ts).
 */
export function createChartApp(options: { repo: SimRepository; smartLaunch?: boolean }): Hono {
  const { repo, smartLaunch = false } = options;
  const app = new Hono();

  async function read<T extends Resource>(type: T['resourceType'], id: string): Promise<T | undefined> {
    return repo.readResource<T>(type, id).catch(() => undefined);
  }
  async function search<T extends Resource>(type: T['resourceType'], query: Record<string, string>): Promise<T[]> {
    return repo.searchResources<T>(parseSearchRequest<T>(type, query));
  }

  app.get('/', async () => {
    const patients = await search<Patient>('Patient', {});
    const rows = patients.map((p) => [link('Patient', p.id ?? '', nameOf(p.name)), p.identifier?.[0]?.value, p.birthDate]);
    return htmlResponse(page('Patients', html`<h1>Patients</h1>${table('Patients', ['Name', 'MRN', 'Birth date'], rows)}`));
  });

  app.get('/Patient/:id', async (c) => {
    const patient = await read<Patient>('Patient', c.req.param('id'));
    if (!patient?.id) return notFoundPage('Patient');
    const ref = `Patient/${patient.id}`;
    const [conditions, referrals] = await Promise.all([
      search<Condition>('Condition', { subject: ref }),
      search<ServiceRequest>('ServiceRequest', { subject: ref }),
    ]);
    const telecom = (system: string) => patient.telecom?.filter((t) => t.system === system).map((t) => t.value).join(', ');
    const body = html`<h1>${nameOf(patient.name)}</h1>
${smartLaunch ? launchLinks(patient.id) : ''}
<section aria-labelledby="demographics"><h2 id="demographics">Demographics</h2>${dl([
      ['MRN', patient.identifier?.[0]?.value],
      ['Birth date', patient.birthDate],
      ['Gender', patient.gender],
      ['Phone', telecom('phone')],
      ['Email', telecom('email')],
      ['Language', patient.communication?.map((x) => conceptText(x.language)).join(', ')],
      ['EHR id', patient.id],
    ])}</section>
<section aria-labelledby="problems"><h2 id="problems">Problems</h2>${table(
      'Problems',
      ['Condition', 'Onset', 'Status'],
      conditions.map((x) => [conceptText(x.code), x.onsetDateTime, conceptText(x.clinicalStatus)]),
    )}</section>
<section aria-labelledby="referrals"><h2 id="referrals">Referrals</h2>${table(
      'Referrals',
      ['Referral', 'Status', 'Priority', 'Authored'],
      referrals.map((r) => [link('ServiceRequest', r.id ?? '', conceptText(r.code)), r.status, r.priority, r.authoredOn]),
    )}</section>`;
    return htmlResponse(page(nameOf(patient.name), body));
  });

  app.get('/ServiceRequest/:id', async (c) => {
    const sr = await read<ServiceRequest>('ServiceRequest', c.req.param('id'));
    if (!sr?.id) return notFoundPage('ServiceRequest');
    const patientId = idOf(sr.subject, 'Patient');
    const patient = patientId ? await read<Patient>('Patient', patientId) : undefined;
    const ref = `ServiceRequest/${sr.id}`;
    const [appointments, documents] = await Promise.all([
      search<Appointment>('Appointment', { 'based-on': ref }),
      search<DocumentReference>('DocumentReference', { related: ref }),
    ]);
    const body = html`<h1>Referral: ${conceptText(sr.code)}</h1>
${smartLaunch && patient?.id ? launchLinks(patient.id, sr.id) : ''}
<section aria-labelledby="summary"><h2 id="summary">Summary</h2>${dl([
      ['Patient', patient?.id ? link('Patient', patient.id, nameOf(patient.name)) : sr.subject?.reference],
      ['Status', sr.status],
      ['Intent', sr.intent],
      ['Priority', sr.priority],
      ['Specialty', conceptText(sr.performerType)],
      ['Receiving provider', sr.performer?.map((p) => p.display ?? p.reference).join(', ')],
      ['Requester', sr.requester?.display ?? sr.requester?.reference],
      ['Reason', (sr.reasonCode?.map(conceptText) ?? sr.reasonReference?.map((r) => r.display ?? r.reference) ?? []).join(', ')],
      ['Authored', sr.authoredOn],
      ['Referral number', sr.identifier?.[0]?.value],
      ['Note', sr.note?.map((n) => n.text).join(' ')],
      ['Version', sr.meta?.versionId],
      ['Last updated', sr.meta?.lastUpdated],
      ['EHR id', sr.id],
    ])}</section>
<section aria-labelledby="appointments"><h2 id="appointments">Appointments</h2>${table(
      'Appointments',
      ['Start', 'Status', 'Service'],
      appointments.map((a) => [a.start, a.status, a.serviceType?.map(conceptText).join(', ')]),
    )}</section>
<section aria-labelledby="documents"><h2 id="documents">Documents</h2>${table(
      'Documents',
      ['Type', 'Date', 'Status'],
      documents.map((d) => [conceptText(d.type), d.date, d.status]),
    )}</section>`;
    return htmlResponse(page(`Referral ${sr.id}`, body));
  });

  return app;
}
