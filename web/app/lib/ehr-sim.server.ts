import { z } from 'zod';
import type { AppContext } from '../../../shared/context';
import { BadRequestError, ConflictError, NotFoundError, UnavailableError } from '../../../shared/errors';
import { CONTROL_PATHS, SCENARIO_NAMES, SCENARIOS } from '../../../infra/local/ehr-sim/catalogue';

/**
 * A small client for the local EHR simulator's control API (`/$sim/*`), used only by the dev
 * page and only when `ehrSimulatorUrl` is configured (`npm start`). Its answers carry ids and
 * states, never patient data; they are parsed leniently because the simulator evolves on its own.
 */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const TIMEOUT_MS = 30_000;

const ZSimReferral = z.looseObject({
  id: z.string(),
  patientId: z.string().nullish(),
  status: z.string().nullish(),
  priority: z.string().nullish(),
  code: z.string().nullish(),
  authoredOn: z.string().nullish(),
  appointment: z.looseObject({ id: z.string().nullish(), status: z.string().nullish(), start: z.string().nullish() }).nullish(),
  hasOutcome: z.boolean().nullish(),
});
const ZSimState = z.looseObject({
  scenarios: z.array(z.looseObject({ name: z.string(), description: z.string().optional() })).optional(),
  serviceRequests: z.array(z.unknown()).optional(),
});
const ZScenarioResult = z.looseObject({
  scenario: z.string().optional(),
  serviceRequestId: z.string().optional(),
  patientId: z.string().nullish(),
  resources: z.array(z.string()).catch([]),
  deliveries: z
    .array(z.looseObject({ webhookId: z.string().catch('?'), status: z.number().catch(0), attempts: z.number().optional() }))
    .catch([]),
});

export const ZScenarioForm = z.object({
  scenario: z.enum(SCENARIO_NAMES, { error: 'Unknown scenario' }),
  serviceRequestId: z.string().regex(FHIR_ID, 'A ServiceRequest id is letters, digits, "-" and "." (up to 64)').optional(),
  patientId: z.string().regex(FHIR_ID, 'A Patient id is letters, digits, "-" and "." (up to 64)').optional(),
});
export type ScenarioForm = z.infer<typeof ZScenarioForm>;

export function scenarioList() {
  return SCENARIOS.map((s) => ({ name: s.name, description: s.description, defaultTarget: s.defaultTarget }));
}

function url(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

async function call(ctx: AppContext, path: string, init: RequestInit = {}): Promise<unknown> {
  const base = ctx.config.ehrSimulatorUrl;
  if (!base) throw new NotFoundError('The EHR simulator is not configured');
  let response: Response;
  try {
    response = await ctx.fetch(url(base, path), { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch {
    throw new UnavailableError(`The EHR simulator did not answer at ${base}; is it running?`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (response.ok) return body;
  // `{ error: { code, message } }` or `{ error: "text" }`: ids and states only, safe to show.
  const e = (body as { error?: unknown } | undefined)?.error;
  const message = (typeof e === 'string' ? e : typeof (e as { message?: unknown })?.message === 'string' ? (e as { message: string }).message : undefined) ?? `The EHR simulator answered ${response.status}`;
  if (response.status === 404) throw new NotFoundError(message);
  if (response.status === 409) throw new ConflictError(message);
  if (response.status >= 400 && response.status < 500) throw new BadRequestError(message);
  throw new UnavailableError(message);
}

/** The simulator's referrals (ServiceRequests) with their state, newest first. */
export async function simulatorState(ctx: AppContext) {
  const body = await call(ctx, CONTROL_PATHS.state);
  const rows = Array.isArray(body) ? body : (ZSimState.safeParse(body).data?.serviceRequests ?? []);
  return rows.flatMap((row) => {
    const r = ZSimReferral.safeParse(row);
    return r.success ? [r.data] : [];
  });
}

/** Runs one scenario; the simulator sends its webhooks before it answers. */
export async function runSimulatorScenario(ctx: AppContext, form: ScenarioForm) {
  const body = {
    ...(form.serviceRequestId ? { serviceRequestId: form.serviceRequestId } : {}),
    ...(form.patientId ? { patientId: form.patientId } : {}),
  };
  const answer = await call(ctx, CONTROL_PATHS.scenario(form.scenario), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const parsed = ZScenarioResult.safeParse(answer);
  if (!parsed.success) throw new UnavailableError('The EHR simulator answered in an unexpected shape');
  return {
    scenario: parsed.data.scenario ?? form.scenario,
    serviceRequestId: parsed.data.serviceRequestId,
    patientId: parsed.data.patientId ?? undefined,
    resources: parsed.data.resources,
    deliveries: parsed.data.deliveries.map((d) => ({ webhookId: d.webhookId, status: d.status, attempts: d.attempts })),
  };
}
