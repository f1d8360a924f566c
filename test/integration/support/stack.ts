import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { createApiApp } from '../../../functions/api/app';
import { createWebhooksApp } from '../../../functions/webhooks/app';
import { type EventBridgeStandIn, startEventBridgeStandIn } from '../../../infra/local/eventbridge-standin';
import { type AppContext, createContext } from '../../../shared/context';
import { consumeEvent, recordDeadLetter } from '../../../shared/inbox/consume-event';
import { clearWebhookSourceCache, putWebhookSource } from '../../../shared/webhooks/sources';
import { useFreshTables } from './tables';

export interface TestStack {
  ctx: AppContext;
  standIn: EventBridgeStandIn;
  secret: string;
  api: ReturnType<typeof createApiApp>;
  webhooks: ReturnType<typeof createWebhooksApp>;
  /** Moves the application clock (not the signature clock) forward. */
  advance(ms: number): void;
  /** Signs with the standardwebhooks library, exactly as an EHR would, and POSTs. */
  post(body: unknown, options?: { id?: string; sourceId?: string; secret?: string; raw?: string }): Promise<Response>;
  /** Waits until every EventBridge delivery (and retry) has settled. */
  settle(): Promise<void>;
}

/**
 * The real pieces wired as `npm start` wires them, in-process: fresh DynamoDB Local tables, the
 * EventBridge stand-in delivering to the catalogue's consumers through the real SDK client, and
 * the API and webhook apps (called through Hono's app.request). Registers its own hooks.
 */
export function useStack(options: { fetch?: typeof fetch; fhirBaseUrl?: string | (() => string) } = {}): TestStack {
  const tables = useFreshTables();
  const state: Partial<TestStack> & { offset: number } = { offset: 0 };
  const secret = `whsec_${randomBytes(24).toString('base64')}`;

  beforeAll(async () => {
    clearWebhookSourceCache();
    let ctx: AppContext | undefined;
    const standIn = await startEventBridgeStandIn({
      busName: tables.config.eventBusName,
      baseDelayMs: 5,
      maxDelayMs: 40,
      deliver: (consumerId, event) => consumeEvent(ctx!, consumerId, event),
      onDeadLetter: (consumerId, event, error) => recordDeadLetter(ctx!, consumerId, event.detail, error instanceof Error ? error.message : 'failed'),
    });
    ctx = createContext({
      config: { ...tables.config, devUser: 'u-casey', endpoints: { ...tables.config.endpoints, eventBridge: standIn.endpoint } },
      db: tables.db,
      events: new EventBridgeClient({ region: 'us-east-1', endpoint: standIn.endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 }),
      clock: { now: () => new Date(Date.now() + state.offset) },
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    await putWebhookSource(ctx, {
      id: 'ehr-test',
      name: 'Test EHR',
      enabled: true,
      secrets: [{ secret, addedAt: new Date().toISOString() }],
      ...(options.fhirBaseUrl ? { fhirBaseUrl: typeof options.fhirBaseUrl === 'function' ? options.fhirBaseUrl() : options.fhirBaseUrl } : {}),
      ehrUiBaseUrl: 'http://127.0.0.1:9/ehr',
    });
    Object.assign(state, { ctx, standIn, api: createApiApp(ctx), webhooks: createWebhooksApp(ctx) });
  });
  afterAll(async () => {
    await state.standIn?.stop();
    state.ctx?.events.destroy();
  });

  let counter = 0;
  return {
    get ctx() {
      return state.ctx!;
    },
    get standIn() {
      return state.standIn!;
    },
    get api() {
      return state.api!;
    },
    get webhooks() {
      return state.webhooks!;
    },
    secret,
    advance(ms: number) {
      state.offset += ms;
    },
    async post(body, o = {}) {
      const raw = o.raw ?? JSON.stringify(body);
      const id = o.id ?? `msg_${Date.now()}_${counter++}`;
      const at = new Date();
      const signature = new Webhook(o.secret ?? secret).sign(id, at, raw);
      return state.webhooks!.request(`/webhooks/ehr/${o.sourceId ?? 'ehr-test'}`, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature },
        body: raw,
      });
    },
    async settle() {
      await state.standIn!.idle();
    },
  };
}
