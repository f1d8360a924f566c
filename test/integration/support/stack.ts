import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { createApiApp } from '../../../functions/api/app';
import { createWebhooksApp } from '../../../functions/webhooks/app';
import { type EventBridgeStandIn, startEventBridgeStandIn } from '../../../infra/local/eventbridge-standin';
import { type SecretsManagerStandIn, startSecretsManagerStandIn } from '../../../infra/local/secretsmanager-standin';
import { type SesStandIn, startSesStandIn } from '../../../infra/local/ses-standin';
import { type SmsStandIn, startSmsStandIn } from '../../../infra/local/sms-standin';
import { type AppContext, createContext } from '../../../shared/context';
import { consumeEvent, recordDeadLetter } from '../../../shared/inbox/consume-event';
import { registerWebhookSource } from '../../../shared/webhooks/register-webhook-source';
import { clearWebhookSourceCache } from '../../../shared/webhooks/sources';
import { recordSignIn } from '../../../shared/users/directory';
import { startTestIssuer, TEST_AUDIENCE, TEST_USERS, type TestIssuer } from '../../support/test-issuer';
import { useFreshTables } from './tables';

/** The messaging settings the stack's context runs with (configuration sets, so the stand-ins emit delivery events). */
export const TEST_MESSAGING = {
  smsConfigurationSet: 'sidecar-test-sms',
  sesConfigurationSet: 'sidecar-test-ses',
  emailFrom: 'Riverside Care <reminders@example.org>',
  organizationName: 'Riverside Care',
} as const;

export interface ApiClient {
  request(path: string, init?: RequestInit): Promise<Response>;
}

export interface TestStack {
  ctx: AppContext;
  standIn: EventBridgeStandIn;
  /** The End User Messaging SMS stand-in `ctx.sms` talks to (outbox, failNext, onEvent, replyFromPatient). */
  sms: SmsStandIn;
  /** The SES v2 stand-in `ctx.email` talks to (outbox, failNext, onEvent). */
  ses: SesStandIn;
  secret: string;
  /** The API, called as Casey Coordinator with a real signed access token. */
  api: ApiClient;
  /** The API as another test user (see TEST_USERS). */
  as(user: keyof typeof TEST_USERS | { id: string; name: string; role: string }): ApiClient;
  /** The bare API app: no token added. */
  apiApp: ReturnType<typeof createApiApp>;
  /** The token issuer the API trusts (sign custom or forged tokens with it). */
  issuer: TestIssuer;
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
  const state: Partial<Pick<TestStack, 'ctx' | 'standIn' | 'sms' | 'ses' | 'apiApp' | 'webhooks'>> & { offset: number } = { offset: 0 };
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  let secretsStandIn: SecretsManagerStandIn | undefined;
  let issuer: TestIssuer;

  beforeAll(async () => {
    clearWebhookSourceCache();
    issuer = await startTestIssuer();
    let ctx: AppContext | undefined;
    const standIn = await startEventBridgeStandIn({
      busName: tables.config.eventBusName,
      baseDelayMs: 5,
      maxDelayMs: 40,
      deliver: (consumerId, event) => consumeEvent(ctx!, consumerId, event),
      onDeadLetter: (consumerId, event, error) => recordDeadLetter(ctx!, consumerId, event.detail, error instanceof Error ? error.message : 'failed'),
    });
    secretsStandIn = await startSecretsManagerStandIn();
    const sms = await startSmsStandIn({ deliveryDelayMs: 10 });
    const ses = await startSesStandIn({ deliveryDelayMs: 10 });
    const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
    ctx = createContext({
      config: {
        ...tables.config,
        endpoints: { ...tables.config.endpoints, eventBridge: standIn.endpoint, sms: sms.endpoint, ses: ses.endpoint },
        oidc: { ...tables.config.oidc, issuer: issuer.issuer, apiAudience: TEST_AUDIENCE },
        messaging: { ...tables.config.messaging, ...TEST_MESSAGING },
      },
      db: tables.db,
      events: new EventBridgeClient({ region: 'us-east-1', endpoint: standIn.endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 }),
      secrets: new SecretsManagerClient({ region: 'us-east-1', endpoint: secretsStandIn.endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 }),
      // As deployed: sends are never retried by the SDK (no idempotency token).
      sms: new PinpointSMSVoiceV2Client({ region: 'us-east-1', endpoint: sms.endpoint, credentials, maxAttempts: 1 }),
      email: new SESv2Client({ region: 'us-east-1', endpoint: ses.endpoint, credentials, maxAttempts: 1 }),
      clock: { now: () => new Date(Date.now() + state.offset) },
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    await registerWebhookSource(ctx, {
      id: 'ehr-test',
      name: 'Test EHR',
      secret,
      ...(options.fhirBaseUrl ? { fhirBaseUrl: typeof options.fhirBaseUrl === 'function' ? options.fhirBaseUrl() : options.fhirBaseUrl } : {}),
      ehrUiBaseUrl: 'http://127.0.0.1:9/ehr',
    });
    // Everyone in TEST_USERS has "signed in": the directory (assignment pickers) knows them.
    for (const user of Object.values(TEST_USERS)) await recordSignIn(ctx, user);
    Object.assign(state, { ctx, standIn, sms, ses, apiApp: createApiApp(ctx), webhooks: createWebhooksApp(ctx) });
  });
  afterAll(async () => {
    await state.standIn?.stop();
    await secretsStandIn?.stop();
    await state.sms?.stop();
    await state.ses?.stop();
    await issuer?.close();
    state.ctx?.events.destroy();
    state.ctx?.secrets.destroy();
    state.ctx?.sms.destroy();
    state.ctx?.email.destroy();
  });

  const client = (user: { id: string; name: string; role: string }): ApiClient => ({
    async request(path, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${await issuer.tokenFor(user)}`);
      return state.apiApp!.request(path, { ...init, headers });
    },
  });

  let counter = 0;
  return {
    get ctx() {
      return state.ctx!;
    },
    get standIn() {
      return state.standIn!;
    },
    get sms() {
      return state.sms!;
    },
    get ses() {
      return state.ses!;
    },
    get api() {
      return client(TEST_USERS.casey);
    },
    as(user) {
      return client(typeof user === 'string' ? TEST_USERS[user] : user);
    },
    get apiApp() {
      return state.apiApp!;
    },
    get issuer() {
      return issuer;
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
