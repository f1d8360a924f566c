import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { type Config, getConfig } from './config/config';
import { createDocumentClient } from './db/client';
import { type Clock, systemClock } from './clock';

/**
 * What every use-case needs from the outside world, built once per process (Lambda container
 * or local server) from the validated configuration. Use-cases take it as their first argument.
 */
export interface AppContext {
  config: Config;
  db: DynamoDBDocumentClient;
  events: EventBridgeClient;
  /** Webhook-source secrets live here (the loopback stand-in when run on a laptop). */
  secrets: SecretsManagerClient;
  /** Reminder texts: End User Messaging SMS (the loopback SMS stand-in when run on a laptop). */
  sms: PinpointSMSVoiceV2Client;
  /** Reminder emails: SES v2 (the loopback SES stand-in when run on a laptop). */
  email: SESv2Client;
  clock: Clock;
  /** fetch used to reach EHRs' FHIR APIs (injectable for tests). */
  fetch: typeof fetch;
}

export function createContext(overrides: Partial<AppContext> = {}): AppContext {
  const config = overrides.config ?? getConfig();
  return {
    config,
    db: overrides.db ?? createDocumentClient(config),
    events:
      overrides.events ??
      new EventBridgeClient({
        region: config.region,
        ...(config.endpoints.eventBridge ? { endpoint: config.endpoints.eventBridge } : {}),
        maxAttempts: 3,
      }),
    secrets:
      overrides.secrets ??
      new SecretsManagerClient({
        region: config.region,
        ...(config.endpoints.secretsManager ? { endpoint: config.endpoints.secretsManager } : {}),
        maxAttempts: 3,
      }),
    sms:
      overrides.sms ??
      new PinpointSMSVoiceV2Client({
        region: config.region,
        ...(config.endpoints.sms ? { endpoint: config.endpoints.sms } : {}),
        // Never twice: SendTextMessage and SendEmail take no idempotency token, so the SDK must not
        // retry a send whose outcome is unknown (5xx, timeout). The reminder sweep re-schedules a
        // throttled send (known not sent) itself.
        maxAttempts: 1,
      }),
    email:
      overrides.email ??
      new SESv2Client({
        region: config.region,
        ...(config.endpoints.ses ? { endpoint: config.endpoints.ses } : {}),
        maxAttempts: 1,
      }),
    clock: overrides.clock ?? systemClock,
    fetch: overrides.fetch ?? globalThis.fetch.bind(globalThis),
  };
}

let shared: AppContext | undefined;

/** The process-wide context (one per Lambda container / local server). */
export function getContext(): AppContext {
  shared ??= createContext();
  return shared;
}

/** Test hook: replace or forget the process-wide context. */
export function setContextForTests(ctx: AppContext | undefined): void {
  shared = ctx;
}
