/**
 * The bench's wiring, as `npm start` (infra/local/start.ts) and the integration stack
 * (test/integration/support/stack.ts) do it: one DynamoDB Local, table sets created by the shared
 * table definition, configuration validated by `loadConfig`, and the real AppContext on top.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { LOCAL_CREDENTIALS, dynamoDbLocalClientConfig, ensureTables, type TableNames } from '../../infra/local/dynamodb';
import type { Clock } from '../../shared/clock';
import { type Config, loadConfig } from '../../shared/config/config';
import { ENV } from '../../shared/config/env-names';
import { type AppContext, createContext } from '../../shared/context';
import { TEST_AUDIENCE } from '../support/test-issuer';

export const BENCH_REGION = 'us-east-1';

/**
 * Dummy credentials and a fixed region for this process, overriding the developer's shell, so the
 * SDK clients the shared code builds can never sign a request with real credentials.
 */
export function useLocalAwsEnvironment(): void {
  process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  process.env[ENV.region] = BENCH_REGION;
}

export interface BenchTableSet {
  label: string;
  names: TableNames;
  config: Config;
  /** The application context on these tables (its own document client, as on Lambda). */
  ctx: AppContext;
  close(): void;
}

/**
 * A fresh, uniquely named set of the three tables on DynamoDB Local (every GSI of
 * shared/db/tables.ts) and an AppContext on it whose configuration went through `loadConfig`.
 */
export async function createBenchTableSet(options: {
  label: string;
  dynamoDbEndpoint: string;
  eventBridgeEndpoint: string;
  busName: string;
  /** The token issuer the bench API trusts (test/support/test-issuer.ts). */
  issuer: string;
  /** The Secrets Manager stand-in (webhook-source secrets). */
  secretsManagerEndpoint: string;
  /** The SMS and SES stand-ins, for a set whose reminders are sent (with the From address and sender name emails need). */
  messaging?: { smsEndpoint: string; sesEndpoint: string; emailFrom: string; organizationName: string };
  /** The application clock (default: the system clock); the reminder bench moves it so reminders come due without waiting. */
  clock?: Clock;
}): Promise<BenchTableSet> {
  const prefix = `bench-${options.label}-${randomBytes(3).toString('hex')}`;
  const names: TableNames = { records: `${prefix}-records`, inbox: `${prefix}-inbox`, audit: `${prefix}-audit` };
  const admin = new DynamoDBClient(dynamoDbLocalClientConfig(options.dynamoDbEndpoint));
  try {
    await ensureTables(admin, names);
  } finally {
    admin.destroy();
  }
  // Only the variables named here: nothing from the developer's shell reaches the bench's config.
  const env: Record<string, string> = {
    [ENV.region]: BENCH_REGION,
    [ENV.recordsTable]: names.records,
    [ENV.inboxTable]: names.inbox,
    [ENV.auditTable]: names.audit,
    [ENV.eventBusName]: options.busName,
    [ENV.dynamoDbEndpoint]: options.dynamoDbEndpoint,
    [ENV.eventBridgeEndpoint]: options.eventBridgeEndpoint,
    // The API verifies bearer tokens from the bench's own issuer, as it would Cognito's.
    [ENV.oidcIssuer]: options.issuer,
    [ENV.oidcApiAudience]: TEST_AUDIENCE,
    [ENV.secretsManagerEndpoint]: options.secretsManagerEndpoint,
    ...(options.messaging
      ? {
          [ENV.smsEndpoint]: options.messaging.smsEndpoint,
          [ENV.sesEndpoint]: options.messaging.sesEndpoint,
          [ENV.emailFrom]: options.messaging.emailFrom,
          [ENV.organizationName]: options.messaging.organizationName,
        }
      : {}),
  };
  const config = loadConfig(env as NodeJS.ProcessEnv);
  // createContext builds the SMS and email clients as deployed: maxAttempts 1 (a send is never retried by the SDK).
  const ctx = createContext({ config, ...(options.clock ? { clock: options.clock } : {}) });
  return {
    label: options.label,
    names,
    config,
    ctx,
    close() {
      ctx.db.destroy();
      ctx.events.destroy();
      ctx.secrets.destroy();
      ctx.sms.destroy();
      ctx.email.destroy();
    },
  };
}
