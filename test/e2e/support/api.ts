import { Webhook } from 'standardwebhooks';
import { obtainTokens } from '../../../infra/local/oidc/obtain-tokens';
import type { RunningStack } from './stack';

/** The console's OIDC client: tokens for the API are obtained as it obtains them. */
const CONSOLE_CLIENT_ID = 'sidecar-console';
const REQUEST_TIMEOUT_MS = 10_000;

/** Polls `probe` every `intervalMs` until it returns a value (not undefined), at most `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000, intervalMs = 300): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const tokens = new Map<string, Promise<string>>();

/**
 * A bearer token for the API as a seeded user, obtained over HTTP through the real provider's
 * sign-in (authorization code + PKCE), once per stack and user.
 */
export function apiToken(stack: RunningStack, username: string): Promise<string> {
  const key = `${stack.oidcUrl} ${username}`;
  let pending = tokens.get(key);
  if (!pending) {
    pending = obtainTokens({
      issuer: stack.oidcUrl,
      clientId: CONSOLE_CLIENT_ID,
      redirectUri: `${stack.baseUrl}/auth/callback`,
      username,
      password: stack.password,
    }).then((t) => t.accessToken);
    pending.catch(() => tokens.delete(key));
    tokens.set(key, pending);
  }
  return pending;
}

/** Calls Sidecar's API (`path` starts with /api) as `username`, with a JSON body when given. */
export async function apiFetch(stack: RunningStack, username: string, path: string, init: { method?: string; json?: unknown } = {}): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${await apiToken(stack, username)}`, accept: 'application/json' };
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${stack.baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

export interface ScenarioResult {
  serviceRequestId: string;
  deliveries: { status: number }[];
}

/** Plays the EHR: the simulator changes its FHIR data and posts a signed webhook to Sidecar (which must accept it). */
export async function ehr(stack: RunningStack, scenario: string, body: Record<string, string> = {}): Promise<ScenarioResult> {
  const res = await fetch(`${stack.simUrl}/$sim/scenarios/${scenario}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const result = (await res.json()) as ScenarioResult;
  if (res.status !== 200 || result.deliveries.map((d) => d.status).join() !== '202') {
    throw new Error(`Scenario ${scenario}: HTTP ${res.status}, deliveries ${JSON.stringify(result.deliveries)}`);
  }
  return result;
}

/** One referral ServiceRequest as the simulator's control API lists it (ids and states only). */
export interface SimServiceRequest {
  id: string;
  patientId: string | undefined;
  status: string;
}

/** The simulator's referral ServiceRequests (`GET /$sim/state`), newest first. */
export async function simServiceRequests(stack: RunningStack): Promise<SimServiceRequest[]> {
  const res = await fetch(`${stack.simUrl}/$sim/state`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  if (res.status !== 200) throw new Error(`GET /$sim/state: HTTP ${res.status}`);
  return ((await res.json()) as { serviceRequests: SimServiceRequest[] }).serviceRequests;
}

export interface FoundReferral {
  id: string;
  queue: string;
  priority: string;
  status: string;
  patientId: string;
  assignee?: { id: string };
}

/** The Sidecar referral for an EHR ServiceRequest once the webhook has been processed (read via the API as `username`). */
export function referralFor(stack: RunningStack, serviceRequestId: string, username = 'casey'): Promise<FoundReferral> {
  return eventually(async () => {
    const res = await apiFetch(stack, username, '/api/queue?status=requested,accepted,in-progress,on-hold,completed,cancelled&limit=100');
    if (res.status !== 200) throw new Error(`GET /api/queue as ${username}: HTTP ${res.status}`);
    const page = (await res.json()) as { rows: { referral: FoundReferral & { serviceRequest?: { reference: string } } }[] };
    return page.rows.find((r) => r.referral.serviceRequest?.reference === `ServiceRequest/${serviceRequestId}`)?.referral;
  }, `the referral for ServiceRequest/${serviceRequestId}`);
}

/** A referral as the API returns it now (`GET /api/referrals/:id`). */
export async function readReferral(stack: RunningStack, id: string, username = 'casey'): Promise<FoundReferral & { version: number }> {
  const res = await apiFetch(stack, username, `/api/referrals/${id}`);
  if (res.status !== 200) throw new Error(`GET /api/referrals/${id} as ${username}: HTTP ${res.status}`);
  return ((await res.json()) as { referral: FoundReferral & { version: number } }).referral;
}

let webhookCounter = 0;

/** POSTs `body` to Sidecar's webhook for `sourceId`, signed with `secret` by the standardwebhooks library, as an EHR would. */
export async function postWebhook(stack: RunningStack, sourceId: string, secret: string, body: unknown): Promise<Response> {
  const raw = JSON.stringify(body);
  const id = `msg_e2e_${Date.now()}_${webhookCounter++}`;
  const at = new Date();
  return fetch(`${stack.baseUrl}/webhooks/ehr/${sourceId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/fhir+json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, at, raw),
    },
    body: raw,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}
