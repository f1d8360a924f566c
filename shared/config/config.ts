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
    secretsManager: z.url().optional(),
  }),
  /** The console's external origin; redirect URIs and cookie flags derive from it. */
  publicUrl: z.url().default('http://localhost:3000'),
  oidc: z.object({
    issuer: z.url().optional(),
    clientId: z.string().min(1).optional(),
    groupsClaim: z.string().min(1).default('cognito:groups'),
    apiAudience: z.string().min(1).optional(),
    cognitoUserPoolId: z.string().regex(/^[\w-]+_[0-9a-zA-Z]+$/).optional(),
  }),
  session: z.object({
    idleMinutes: z.coerce.number().int().min(1).max(24 * 60).default(15),
    maxHours: z.coerce.number().int().min(1).max(72).default(12),
  }),
  smartIssuers: z
    .string()
    .optional()
    .transform((s, c) => {
      if (!s) return [];
      try {
        return JSON.parse(s) as unknown;
      } catch {
        c.addIssue({ code: 'custom', message: 'must be a JSON array' });
        return z.NEVER;
      }
    })
    .pipe(z.array(z.object({ iss: z.url(), clientId: z.string().min(1), sourceId: z.string().min(1) }))),
  frameAncestors: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(/\s+/).filter(Boolean) : []))
    .pipe(z.array(z.url())),
  secrets: z.object({
    prefix: z.string().regex(/^[\w/+=.@-]+$/).default('sidecar/'),
    kmsKeyId: z.string().min(1).optional(),
  }),
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
      secretsManager: blank(env[ENV.secretsManagerEndpoint]),
    },
    publicUrl: blank(env[ENV.publicUrl]),
    oidc: {
      issuer: blank(env[ENV.oidcIssuer]),
      clientId: blank(env[ENV.oidcClientId]),
      groupsClaim: blank(env[ENV.oidcGroupsClaim]),
      apiAudience: blank(env[ENV.oidcApiAudience]),
      cognitoUserPoolId: blank(env[ENV.cognitoUserPoolId]),
    },
    session: { idleMinutes: blank(env[ENV.sessionIdleMinutes]), maxHours: blank(env[ENV.sessionMaxHours]) },
    smartIssuers: blank(env[ENV.smartIssuers]),
    frameAncestors: blank(env[ENV.frameAncestors]),
    secrets: { prefix: blank(env[ENV.secretsPrefix]), kmsKeyId: blank(env[ENV.secretsKmsKeyId]) },
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
