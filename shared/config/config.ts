import { z } from 'zod';
import { ZQuietWindow } from '../reminders/quiet-hours';
import { ENV } from './env-names';

/**
 * Hours before an EHR appointment's start at which its reminders go out ("72,24"): whole hours
 * from 1 to 720, distinct, at most five (the bounds of ZAppointmentReminderOffsets).
 */
export const ZAppointmentOffsetsSetting = z
  .string()
  .regex(/^\s*\d{1,4}(?:\s*,\s*\d{1,4})*\s*$/, 'must be whole hours separated by commas, e.g. "72,24"')
  .transform((s) => s.split(',').map((hours) => Number(hours.trim())))
  .pipe(
    z
      .array(z.number().int().min(1).max(720))
      .min(1)
      .max(5)
      .refine((offsets) => new Set(offsets).size === offsets.length, 'offsets must be distinct'),
  );

/** The local hours in which reminders may reach patients ("09:00-20:00"), within 08:00–21:00 (ZQuietWindow). */
export const ZReminderSendWindowSetting = z
  .string()
  .regex(/^\s*\d{2}:\d{2}\s*-\s*\d{2}:\d{2}\s*$/, 'must be "HH:MM-HH:MM", e.g. "09:00-20:00"')
  .transform((s) => {
    const [start = '', end = ''] = s.split('-').map((part) => part.trim());
    return { start, end };
  })
  .pipe(ZQuietWindow);

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
    sms: z.url().optional(),
    ses: z.url().optional(),
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
  /** Patient reminders by SMS and email. Each is optional here; the send that needs one refuses without it. */
  messaging: z.object({
    smsConfigurationSet: z
      .string()
      .regex(/^(?:[A-Za-z0-9_-]{1,64}|arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:configuration-set\/[A-Za-z0-9_-]{1,64})$/, 'must be a configuration set name or ARN')
      .optional(),
    smsOriginationIdentity: z
      .string()
      .regex(/^(?:\+[1-9]\d{1,14}|[A-Za-z0-9_-]{1,64}|arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:[a-z-]+\/[A-Za-z0-9_-]{1,64})$/, 'must be an E.164 number, a phone number, pool or sender id, or an ARN')
      .optional(),
    sesConfigurationSet: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a configuration set name').optional(),
    emailFrom: z.string().refine(isFromAddress, 'must be `address` or `Display Name <address>` (ASCII display name)').optional(),
    organizationName: z
      .string()
      .trim()
      .min(1)
      .max(60)
      .regex(/^[^\p{Cc}]+$/u, 'must be one line of text')
      .optional(),
  }),
  reminders: z.object({
    /**
     * Hours before an EHR appointment's start at which its reminders go out ("72,24"): whole hours
     * from 1 to 720, distinct, at most five (the bounds of ZAppointmentReminderOffsets). Unset:
     * DEFAULT_APPOINTMENT_REMINDER_OFFSETS_HOURS.
     */
    appointmentOffsetsHours: ZAppointmentOffsetsSetting.optional(),
    /**
     * The local hours in which reminders may reach patients ("09:00-20:00"): a window within
     * 08:00–21:00 (ZQuietWindow refuses a wider one). Unset: 08:00–21:00.
     */
    sendWindow: ZReminderSendWindowSetting.optional(),
  }),
});

/** `reminders@example.org` or `Example Clinic <reminders@example.org>`, as SES accepts in FromEmailAddress unencoded. */
function isFromAddress(value: string): boolean {
  const match = /^(?:[A-Za-z0-9][A-Za-z0-9 '&.-]{0,63} <([^<>\s]+)>|([^<>\s]+))$/.exec(value);
  const address = match?.[1] ?? match?.[2];
  return address !== undefined && z.email().safeParse(address).success;
}

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
      sms: blank(env[ENV.smsEndpoint]),
      ses: blank(env[ENV.sesEndpoint]),
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
    messaging: {
      smsConfigurationSet: blank(env[ENV.smsConfigurationSet]),
      smsOriginationIdentity: blank(env[ENV.smsOriginationIdentity]),
      sesConfigurationSet: blank(env[ENV.sesConfigurationSet]),
      emailFrom: blank(env[ENV.emailFrom]),
      organizationName: blank(env[ENV.organizationName]),
    },
    reminders: { appointmentOffsetsHours: blank(env[ENV.appointmentReminderOffsetsHours]), sendWindow: blank(env[ENV.reminderSendWindow]) },
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
