import { z } from 'zod';
import { ZAppointmentOffsetsSetting, ZReminderSendWindowSetting } from '../../shared/config/config';

/** A setting passed to the functions' environment as text, checked now with the schema they parse it with. */
function settingText(schema: z.ZodType<unknown, string>) {
  return z.preprocess(
    (v) => (typeof v === 'number' ? String(v) : v),
    z.string().superRefine((text, ctx) => {
      const parsed = schema.safeParse(text);
      for (const issue of parsed.error?.issues ?? []) ctx.addIssue({ code: 'custom', message: issue.message });
    }),
  );
}

/** CDK context keys a deploy may set (`cdk deploy -c sidecar:publicUrl=https://...`). */
export const CONTEXT = {
  consoleAssetsDir: 'sidecar:consoleAssetsDir',
  publicUrl: 'sidecar:publicUrl',
  certificateArn: 'sidecar:certificateArn',
  allowedCountries: 'sidecar:allowedCountries',
  authDomainPrefix: 'sidecar:authDomainPrefix',
  smartIssuers: 'sidecar:smartIssuers',
  frameAncestors: 'sidecar:frameAncestors',
  /** The organization's name as patients know it, in reminder texts and emails (and the From name). */
  organizationName: 'sidecar:organizationName',
  /** Domain reminder emails come from (`reminders@<domain>`); the stack creates its SES identity. */
  emailDomain: 'sidecar:emailDomain',
  /** ARN of the End User Messaging SMS phone number or pool reminder texts come from. */
  smsOriginationIdentity: 'sidecar:smsOriginationIdentity',
  /** Local hours in which reminders may reach patients, `HH:MM-HH:MM` within 08:00-21:00 (default 08:00-21:00). */
  reminderSendWindow: 'sidecar:reminderSendWindow',
  /** Hours before an EHR appointment's start at which its reminders go out, comma-separated (default `72,24`). */
  appointmentReminderOffsetsHours: 'sidecar:appointmentReminderOffsetsHours',
} as const;

/** Keys an earlier version read; setting one now is a mistake worth stopping the synth for. */
const RETIRED_CONTEXT: Record<string, string> = {
  'sidecar:domainName': `${CONTEXT.publicUrl} (its host is the custom domain)`,
};

/**
 * The public URL used when none is given, so `cdk synth` works offline. Deploying with it yields a
 * stack whose sign-in redirects point nowhere; the stack warns about it.
 */
export const PLACEHOLDER_PUBLIC_URL = 'https://sidecar.example.org';

/** An https origin: scheme and host only (no port, path, query, fragment or credentials). */
const httpsOrigin = () =>
  z.string().transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not an absolute https URL` });
      return z.NEVER;
    }
    const problems = [
      url.protocol !== 'https:' && 'its scheme must be https',
      url.port !== '' && 'it must use the default port 443',
      (url.username !== '' || url.password !== '') && 'it must not carry credentials',
      url.pathname !== '/' && 'it must have no path',
      (url.search !== '' || url.hash !== '') && 'it must have no query or fragment',
    ].filter((p): p is string => typeof p === 'string');
    if (problems.length > 0) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not an https origin: ${problems.join(', ')}` });
      return z.NEVER;
    }
    return url.origin;
  });

/** Context values arrive as strings from the CLI (`-c k=v`) and as JSON from cdk.json. */
const jsonOrValue = (value: unknown): unknown => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
};

/** Cognito domain prefixes: lowercase letters, digits and inner hyphens; AWS reserves some words. */
const ZDomainPrefix = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'lowercase letters, digits and inner hyphens, at most 63')
  .refine((p) => !/aws|amazon|cognito/.test(p), 'Cognito refuses prefixes containing aws, amazon or cognito');

const ZSmartIssuer = z.object({
  iss: z.url({ protocol: /^https$/, error: 'iss must be the EHR FHIR base URL, https' }),
  clientId: z.string().min(1),
});

/**
 * A name that is also valid as an email display name unquoted (SIDECAR_EMAIL_FROM's rule): letters,
 * digits, spaces and `'&.-`, starting with a letter or digit.
 */
const ZOrganizationName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9 '&.-]{0,59}$/, "at most 60 letters, digits, spaces and '&.- (it is also the reminder emails' From name)");

/** A DNS domain, lower case, at least two labels. */
const ZEmailDomain = z
  .string()
  .regex(/^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a lower-case DNS domain such as example-hospital.org');

/** End User Messaging SMS identities IAM can scope a send to: a phone number or a pool, by ARN. */
const ZSmsOriginationIdentity = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:(?:phone-number|pool)\/[A-Za-z0-9_-]{1,64}$/,
    'must be the ARN of an End User Messaging SMS phone number or pool (arn:aws:sms-voice:<region>:<account>:phone-number/<id>)',
  );

const ZContext = z.object({
  publicUrl: httpsOrigin().default(PLACEHOLDER_PUBLIC_URL),
  certificateArn: z
    .string()
    .regex(
      /^arn:aws[\w-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/,
      'must be an ACM certificate ARN in us-east-1 (CloudFront only takes certificates from there)',
    )
    .optional(),
  allowedCountries: z
    .preprocess(
      (v) => (typeof v === 'string' ? v.split(',').map((c) => c.trim()) : v),
      z.array(z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 codes, upper case')).min(1),
    )
    .optional(),
  authDomainPrefix: ZDomainPrefix.optional(),
  smartIssuers: z
    .preprocess(jsonOrValue, z.array(ZSmartIssuer, { error: 'must be a JSON array of {"iss", "clientId"} objects' }))
    .default([]),
  frameAncestors: z
    .preprocess(
      (v) => (typeof v === 'string' ? v.split(/\s+/).filter(Boolean) : v),
      z.array(httpsOrigin()),
    )
    .default([]),
  organizationName: ZOrganizationName.optional(),
  emailDomain: ZEmailDomain.optional(),
  smsOriginationIdentity: ZSmsOriginationIdentity.optional(),
  // Validated as the functions will read them, and handed to them as written.
  reminderSendWindow: settingText(ZReminderSendWindowSetting).optional(),
  appointmentReminderOffsetsHours: settingText(ZAppointmentOffsetsSetting).optional(),
});

/** A deploy's settings, validated: what the stack needs from the CDK context. */
export type DeployContext = z.infer<typeof ZContext>;

/** A SMART on FHIR issuer allowed to launch Sidecar (the EHR's FHIR base and Sidecar's client id there). */
export type SmartIssuer = z.infer<typeof ZSmartIssuer>;

/**
 * Reads and validates the deploy settings from the CDK context, so a bad value stops the synth with
 * a message naming the key instead of producing a stack whose sign-in cannot work. `read` is
 * `app.node.tryGetContext`.
 */
export function readDeployContext(read: (key: string) => unknown): DeployContext {
  for (const [retired, replacement] of Object.entries(RETIRED_CONTEXT)) {
    if (read(retired) !== undefined) throw new Error(`Context ${retired} is no longer read: set ${replacement}`);
  }
  const keys = Object.keys(CONTEXT).filter((k) => k !== 'consoleAssetsDir') as Array<keyof DeployContext>;
  const raw = Object.fromEntries(keys.map((key) => [key, blankToUndefined(read(CONTEXT[key]))]));
  const parsed = ZContext.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const [first, ...rest] = issue.path;
      const key = CONTEXT[first as keyof typeof CONTEXT] ?? String(first);
      const where = rest.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
      return `${key}${where}: ${issue.message}`;
    });
    throw new Error(`Invalid Sidecar deploy context: ${problems.join('; ')}`);
  }
  if (parsed.data.certificateArn && parsed.data.publicUrl === PLACEHOLDER_PUBLIC_URL) {
    throw new Error(`${CONTEXT.certificateArn} is set: set ${CONTEXT.publicUrl} to the https URL its certificate covers`);
  }
  return parsed.data;
}

const blankToUndefined = (value: unknown): unknown => (value === '' || value === null ? undefined : value);
