import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { badRequest, notFound } from '@medplum/core';
import { FhirRouter } from '@medplum/fhir-router';
import type { Patient, Resource, ServiceRequest } from '@medplum/fhirtypes';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { DomainError, HTTP_STATUS } from '../../../shared/errors';
import { errorFields, logger } from '../../../shared/logger';
import { LOOPBACK } from '../ports';
import { FHIR_BASE_PATH, LAUNCH_PATH, SMART_PATHS, UI_BASE_PATH } from './catalogue';
import { createChartApp, notFoundPage } from './chart-app';
import { PRACTITIONERS } from './codes';
import { createControlApp } from './control-app';
import { createWebhookSender, DEFAULT_DELIVERY_POLICY, mapWithConcurrency, type Delivery, type DeliveryPolicy } from './delivery';
import { createFhirApp, FHIR_CONTENT_TYPE } from './fhir-app';
import { createLaunchApp } from './launch-pages';
import { Notifier } from './notifications';
import { listReferralStates, type ReferralState } from './queries';
import { ensureSearchParameters, SimRepository } from './repository';
import { practitionerDisplay } from './resources';
import { createScenarioRunner, type ScenarioOptions, type ScenarioResult } from './scenarios';
import { buildSeed, SEED_VERSION } from './seed';
import { createSmartAuthorizationServer, ZSmartOptions, type SmartOptions } from './smart';

export { SCENARIOS, SCENARIO_NAMES, type ScenarioInfo, type ScenarioName } from './catalogue';
export type { Delivery, DeliveryPolicy } from './delivery';
export type { ReferralState } from './queries';
export type { ScenarioOptions, ScenarioResult } from './scenarios';
export type { SmartOptions } from './smart';

export interface EhrSimulatorOptions {
  /** Port on 127.0.0.1; 0 (the default) asks the OS for a free one. */
  port?: number;
  /**
   * Sidecar's webhook for this source, `{sidecarBaseUrl}/webhooks/ehr/{sourceId}`. A bare base URL
   * (no path) gets `/webhooks/ehr/{sourceId}` appended.
   */
  sidecarWebhookUrl: string;
  /** The source's Standard Webhooks secret (`whsec_` + base64). Secret: never logged. */
  secret: string;
  /** Sidecar's id for this EHR source. Default `ehr-sim`. */
  sourceId?: string;
  /** The simulated hospital's clock (resource dates, meta.lastUpdated). Default: the wall clock. */
  now?: () => Date;
  /** Number of seeded patients (each with 1–2 referrals). Default 24. */
  seedCount?: number;
  /** Webhook retry policy; defaults to 5 attempts, 250 ms doubling to at most 4 s. */
  delivery?: Partial<DeliveryPolicy>;
  /**
   * Makes the simulator a SMART App Launch authorization server (EHR launch) for these apps, and
   * gives chart pages "Launch Sidecar" links that open `launchUrl`. Off when absent.
   */
  smart?: SmartOptions;
}

export interface SeedPublication {
  patients: number;
  serviceRequests: number;
  /** Deliveries in order: every Patient, then every ServiceRequest. */
  deliveries: Delivery[];
  /** Deliveries Sidecar answered with 2xx (202 new, 200 duplicate). */
  accepted: number;
}

export interface EhrSimulator {
  /** e.g. http://127.0.0.1:3001 */
  url: string;
  /** `${url}/fhir/R4` */
  fhirBaseUrl: string;
  /** `${url}/ehr`: chart pages at `${uiBaseUrl}/Patient/{id}` and `${uiBaseUrl}/ServiceRequest/{id}`. */
  uiBaseUrl: string;
  /**
   * With `smart`: `${fhirBaseUrl}/.well-known/smart-configuration`, the SMART discovery document
   * (the issuer is `fhirBaseUrl`; chart launch links are at `launchPagePath()` of catalogue.ts).
   */
  smartConfigurationUrl: string | undefined;
  sourceId: string;
  webhookUrl: string;
  /** Ids of the seeded patients and referrals (the same on every start). */
  seed: { patientIds: string[]; serviceRequestIds: string[] };
  /** Announces every seeded Patient, then every seeded ServiceRequest, as bare-resource webhooks with deterministic ids. */
  publishSeed(): Promise<SeedPublication>;
  /** Runs a scenario (see SCENARIOS); throws a shared DomainError on an unknown scenario or target. */
  runScenario(name: string, options?: ScenarioOptions): Promise<ScenarioResult>;
  /** The referral list of the control API's `/$sim/state`. */
  referralStates(): Promise<ReferralState[]>;
  close(): Promise<void>;
}

const ZOptions = z.object({
  port: z.number().int().min(0).max(65535).default(0),
  sidecarWebhookUrl: z.url({ protocol: /^https?$/ }),
  secret: z.string().min(1),
  sourceId: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes')
    .default('ehr-sim'),
  seedCount: z.number().int().min(1).max(999).default(24),
  delivery: z
    .object({
      attempts: z.number().int().min(1).max(20).optional(),
      baseDelayMs: z.number().int().min(0).max(60_000).optional(),
      maxDelayMs: z.number().int().min(0).max(300_000).optional(),
      timeoutMs: z.number().int().min(1).max(300_000).optional(),
    })
    .optional(),
  smart: ZSmartOptions.optional(),
});

/** The clinician signed in to the simulated EHR: who approves SMART launches (the `fhirUser`). */
const SIGNED_IN_CLINICIAN = PRACTITIONERS[0];

/** Deterministic webhook id of a seeded resource's announcement: a restart's re-announcement is a duplicate. */
export const seedWebhookId = (resource: Resource): string => `seed-${resource.resourceType}-${resource.id}-v${SEED_VERSION}`;

function webhookUrlFor(sidecarWebhookUrl: string, sourceId: string): string {
  const url = new URL(sidecarWebhookUrl);
  if (url.pathname === '/' || url.pathname === '') url.pathname = `/webhooks/ehr/${encodeURIComponent(sourceId)}`;
  return url.toString();
}

/**
 * Starts the EHR simulator: a FHIR R4 server (Medplum's FhirRouter over an in-memory repository)
 * seeded with synthetic patients and referrals, a control API for scenarios, chart pages for
 * "Open in EHR" links, and a signed-webhook sender that plays the EHR's Subscription
 * notifications to Sidecar. Listens on 127.0.0.1 only. Every piece of data it serves is
 * synthetic but shaped like PHI: it is never logged.
 */
export async function startEhrSimulator(options: EhrSimulatorOptions): Promise<EhrSimulator> {
  const parsed = ZOptions.safeParse(options);
  if (!parsed.success) {
    throw new Error(`Invalid EHR simulator options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const config = parsed.data;
  if (options.now !== undefined && typeof options.now !== 'function') throw new Error('Invalid EHR simulator options: now must be a function');
  const now = options.now ?? (() => new Date());
  const webhookUrl = webhookUrlFor(config.sidecarWebhookUrl, config.sourceId);
  const policy: DeliveryPolicy = { ...DEFAULT_DELIVERY_POLICY, ...stripUndefined(config.delivery ?? {}) };
  let sender;
  try {
    sender = createWebhookSender({ url: webhookUrl, secret: options.secret, policy });
  } catch {
    // The library's message could quote the secret: say only what is wrong.
    throw new Error('Invalid EHR simulator options: secret is not a Standard Webhooks secret (whsec_ followed by base64)');
  }

  ensureSearchParameters();
  const repo = new SimRepository(now);
  const seedData = buildSeed({ count: config.seedCount, anchor: now() });
  for (const resource of [...seedData.organizations, ...seedData.practitioners]) await repo.createResource(resource);
  // The seed as first stored: what publishSeed() announces, whatever scenarios change later.
  const seededPatients: Patient[] = [];
  for (const patient of seedData.patients) seededPatients.push(await repo.createResource(patient));
  for (const condition of seedData.conditions) await repo.createResource(condition);
  const seededReferrals: ServiceRequest[] = [];
  for (const referral of seedData.serviceRequests) seededReferrals.push(await repo.createResource(referral));

  let base = '';
  const fhirBase = () => `${base}${FHIR_BASE_PATH}`;
  let runner: ReturnType<typeof createScenarioRunner> | undefined;

  const simulator: Omit<EhrSimulator, 'url' | 'fhirBaseUrl' | 'uiBaseUrl' | 'smartConfigurationUrl'> = {
    sourceId: config.sourceId,
    webhookUrl,
    seed: { patientIds: seededPatients.map((p) => p.id ?? ''), serviceRequestIds: seededReferrals.map((sr) => sr.id ?? '') },
    async publishSeed() {
      const send = (resource: Resource) => sender.send(seedWebhookId(resource), resource);
      const patients = await mapWithConcurrency(seededPatients, 4, send);
      const referrals = await mapWithConcurrency(seededReferrals, 4, send);
      const deliveries = [...patients, ...referrals];
      const accepted = deliveries.filter((d) => d.status >= 200 && d.status < 300).length;
      logger.info('ehr-sim seed published', { component: 'ehr-sim', deliveries: deliveries.length, accepted });
      return { patients: patients.length, serviceRequests: referrals.length, deliveries, accepted };
    },
    runScenario(name, scenarioOptions = {}) {
      if (!runner) throw new Error('EHR simulator is not running');
      return runner.run(name, scenarioOptions);
    },
    referralStates: () => listReferralStates(repo),
    close: async () => undefined,
  };

  const app = new Hono();
  if (config.smart) {
    // Registered first: the FHIR API and the chart pages would otherwise claim these paths.
    const smart = await createSmartAuthorizationServer({ smart: config.smart, issuer: fhirBase, origin: () => base });
    app.route(FHIR_BASE_PATH, smart.discovery);
    app.route('/', smart.app);
    app.route(LAUNCH_PATH, createLaunchApp({ repo, smart, clinician: { practitionerId: SIGNED_IN_CLINICIAN.id, display: practitionerDisplay(SIGNED_IN_CLINICIAN) } }));
  }
  app.route(FHIR_BASE_PATH, createFhirApp({ router: new FhirRouter(), repo, baseUrl: fhirBase, now }));
  app.route(UI_BASE_PATH, createChartApp({ repo, smartLaunch: config.smart !== undefined }));
  app.route(
    '/$sim',
    createControlApp({
      runScenario: (name, o) => simulator.runScenario(name, o),
      publishSeed: () => simulator.publishSeed(),
      referralStates: () => listReferralStates(repo),
      health: async () => ({
        status: 'ok',
        sourceId: config.sourceId,
        fhirBaseUrl: fhirBase(),
        patients: seededPatients.length,
        serviceRequests: repo.newestFirst('ServiceRequest').length,
      }),
    }),
  );
  app.get('/', (c) => c.redirect(UI_BASE_PATH));
  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    if (path.startsWith(UI_BASE_PATH)) return notFoundPage('Page');
    if (path.startsWith(FHIR_BASE_PATH)) {
      return new Response(JSON.stringify(notFound), { status: 404, headers: { 'content-type': FHIR_CONTENT_TYPE } });
    }
    return c.json({ error: { code: 'not_found', message: 'No such path on the EHR simulator' } }, 404);
  });
  app.onError((error, c) => {
    if (error instanceof DomainError) {
      return c.json({ error: { code: error.code, message: error.message } }, HTTP_STATUS[error.code] as ContentfulStatusCode);
    }
    // The error's name only: an unexpected message could quote the (synthetic, PHI-shaped) payload.
    logger.error('ehr-sim request failed', { component: 'ehr-sim', errorName: errorFields(error).errorName });
    const path = new URL(c.req.url).pathname;
    if (path.startsWith(FHIR_BASE_PATH)) {
      return new Response(JSON.stringify(badRequest('Internal error')), { status: 500, headers: { 'content-type': FHIR_CONTENT_TYPE } });
    }
    return c.json({ error: { code: 'internal', message: 'Internal error' } }, 500);
  });

  const server = createAdaptorServer({ fetch: app.fetch, overrideGlobalObjects: false }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  base = `http://${LOOPBACK}:${port}`;

  const notifier = new Notifier(fhirBase(), randomUUID().slice(0, 8));
  for (const subscription of notifier.subscriptions(webhookUrl)) await repo.createResource(subscription);
  runner = createScenarioRunner({ repo, notifier, sender, now, seededPatientIds: simulator.seed.patientIds });

  let closing: Promise<void> | undefined;
  return {
    ...simulator,
    url: base,
    fhirBaseUrl: fhirBase(),
    uiBaseUrl: `${base}${UI_BASE_PATH}`,
    smartConfigurationUrl: config.smart ? `${fhirBase()}${SMART_PATHS.configuration}` : undefined,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Idle keep-alive connections would otherwise hold close() open.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
