import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
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
