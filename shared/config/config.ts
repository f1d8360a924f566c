import { z } from 'zod';
import { ENV } from './env-names';

const ZConfig = z.object({
  region: z.string().min(1).default('us-east-1'),
  tables: z.object({
    records: z.string().min(1),
    inbox: z.string().min(1),
    audit: z.string().min(1),
  }),
  eventBusName: z.string().min(1),
  endpoints: z.object({
    dynamoDb: z.url().optional(),
    eventBridge: z.url().optional(),
  }),
  devUser: z.string().min(1).optional(),
  inboxRetentionDays: z.coerce.number().int().min(1).max(3650).default(30),
  ehrSimulatorUrl: z.url().optional(),
});

/** Sidecar's validated runtime configuration. */
export type Config = z.infer<typeof ZConfig>;

/**
 * Reads and validates the configuration from an environment once. Throws a readable error
 * naming the missing or invalid variables (never their values) so a bad deploy fails at start.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const blank = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  const parsed = ZConfig.safeParse({
    region: blank(env[ENV.region]),
    tables: {
      records: env[ENV.recordsTable],
      inbox: env[ENV.inboxTable],
      audit: env[ENV.auditTable],
    },
    eventBusName: env[ENV.eventBusName],
    endpoints: {
      dynamoDb: blank(env[ENV.dynamoDbEndpoint]),
      eventBridge: blank(env[ENV.eventBridgeEndpoint]),
    },
    devUser: blank(env[ENV.devUser]),
    inboxRetentionDays: blank(env[ENV.inboxRetentionDays]),
    ehrSimulatorUrl: blank(env[ENV.ehrSimulatorUrl]),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid Sidecar configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}

let cached: Config | undefined;

/** The process-wide configuration, validated on first use. */
export function getConfig(): Config {
  cached ??= loadConfig();
  return cached;
}

/** Test hook: forget the cached configuration so the next getConfig() re-reads the environment. */
export function resetConfigForTests(): void {
  cached = undefined;
}
