/**
 * Names of the environment variables Sidecar reads. The CDK stack sets them on every
 * Lambda and the local runtime sets them on its own process: neither spells them out.
 */
export const ENV = {
  recordsTable: 'SIDECAR_RECORDS_TABLE',
  inboxTable: 'SIDECAR_INBOX_TABLE',
  auditTable: 'SIDECAR_AUDIT_TABLE',
  eventBusName: 'SIDECAR_EVENT_BUS_NAME',
  region: 'AWS_REGION',
  /** Endpoint override for DynamoDB (DynamoDB Local when run on a laptop). */
  dynamoDbEndpoint: 'SIDECAR_DYNAMODB_ENDPOINT',
  /** Endpoint override for EventBridge (the loopback stand-in when run on a laptop). */
  eventBridgeEndpoint: 'SIDECAR_EVENTBRIDGE_ENDPOINT',
  /** The console's external origin (https://… on AWS, http://localhost:3000 locally): redirect URIs, Secure cookies. */
  publicUrl: 'SIDECAR_PUBLIC_URL',
  /** OpenID Connect issuer for staff sign-in (Cognito user pool on AWS, the embedded oidc-provider locally). */
  oidcIssuer: 'SIDECAR_OIDC_ISSUER',
  /** The console's OIDC client id (a public client: authorization code + PKCE S256). */
  oidcClientId: 'SIDECAR_OIDC_CLIENT_ID',
  /** Claim holding the user's groups (roles). Default `cognito:groups`. */
  oidcGroupsClaim: 'SIDECAR_OIDC_GROUPS_CLAIM',
  /** Audience the API requires in bearer access tokens (jose path; not used with Cognito). */
  oidcApiAudience: 'SIDECAR_OIDC_API_AUDIENCE',
  /** Set on AWS: API bearer tokens are verified with aws-jwt-verify's Cognito verifier for this pool. */
  cognitoUserPoolId: 'SIDECAR_COGNITO_USER_POOL_ID',
  /** Console session idle timeout in minutes (default 15). */
  sessionIdleMinutes: 'SIDECAR_SESSION_IDLE_MINUTES',
  /** Console session absolute lifetime in hours (default 12). */
  sessionMaxHours: 'SIDECAR_SESSION_MAX_HOURS',
  /** JSON array of SMART on FHIR launch issuers allowed to launch Sidecar: [{"iss": "<FHIR base>", "clientId": "…", "sourceId": "<webhook source id of that EHR>"}]. */
  smartIssuers: 'SIDECAR_SMART_ISSUERS',
  /** Space-separated origins allowed to frame the console (CSP frame-ancestors), e.g. the EHR's. Default none beyond 'self'. */
  frameAncestors: 'SIDECAR_FRAME_ANCESTORS',
  /** Endpoint override for Secrets Manager (the loopback stand-in when run on a laptop). */
  secretsManagerEndpoint: 'SIDECAR_SECRETS_MANAGER_ENDPOINT',
  /** Endpoint override for End User Messaging SMS (the loopback SMS stand-in when run on a laptop). */
  smsEndpoint: 'SIDECAR_SMS_ENDPOINT',
  /** Endpoint override for SES v2 (the loopback SES stand-in when run on a laptop). */
  sesEndpoint: 'SIDECAR_SES_ENDPOINT',
  /** End User Messaging SMS configuration set (name or ARN) for reminder texts: delivery events. */
  smsConfigurationSet: 'SIDECAR_SMS_CONFIGURATION_SET',
  /** Who reminder texts come from: a phone number (E.164), phone number id, pool id, or their ARN. */
  smsOriginationIdentity: 'SIDECAR_SMS_ORIGINATION_IDENTITY',
  /** SES configuration set for reminder emails: suppression and the delivery-event destination. */
  sesConfigurationSet: 'SIDECAR_SES_CONFIGURATION_SET',
  /** The From of reminder emails, `reminders@example.org` or `Example Clinic <reminders@example.org>` (a verified SES identity). */
  emailFrom: 'SIDECAR_EMAIL_FROM',
  /** The organization's name as patients know it, used in reminder messages. */
  organizationName: 'SIDECAR_ORGANIZATION_NAME',
  /** Hours before an EHR appointment's start at which its reminders go out, comma-separated (default `72,24`). */
  appointmentReminderOffsetsHours: 'SIDECAR_APPOINTMENT_REMINDER_OFFSETS_HOURS',
  /** Local hours in which reminders may reach patients, `HH:MM-HH:MM` within 08:00-21:00 (default `08:00-21:00`). */
  reminderSendWindow: 'SIDECAR_REMINDER_SEND_WINDOW',
  /** KMS key (the stack's CMK) used to encrypt secrets Sidecar creates in Secrets Manager. */
  secretsKmsKeyId: 'SIDECAR_SECRETS_KMS_KEY_ID',
  /** Name prefix of Sidecar's secrets in Secrets Manager (default `sidecar/`). */
  secretsPrefix: 'SIDECAR_SECRETS_PREFIX',
  /** How long raw inbound payloads are kept in the inbox (days). */
  inboxRetentionDays: 'SIDECAR_INBOX_RETENTION_DAYS',
  /** Base URL of the EHR simulator's control API; enables the console's dev page. */
  ehrSimulatorUrl: 'SIDECAR_EHR_SIM_URL',
  /** JSON map of dead-letter queue ARN → consumer id, for the dead-letter recorder (AWS only). */
  deadLetterQueues: 'SIDECAR_DEAD_LETTER_QUEUES',
  /** Logger level (Powertools for AWS Lambda). */
  logLevel: 'POWERTOOLS_LOG_LEVEL',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  /** Local runtime only: where DynamoDB Local keeps its files and secrets are generated. */
  dataDir: 'SIDECAR_DATA_DIR',
  /** Local runtime only: the one port for console, API and webhooks. */
  port: 'PORT',
  /** Local runtime only: the embedded OpenID Connect provider's port (default PORT + 2). */
  oidcPort: 'SIDECAR_OIDC_PORT',
  /** Local runtime only: the EHR simulator's port. */
  ehrSimulatorPort: 'SIDECAR_EHR_SIM_PORT',
  /** Local runtime only: prefix of per-source webhook secrets, e.g. SIDECAR_WEBHOOK_SECRET_EHR_SIM. */
  webhookSecretPrefix: 'SIDECAR_WEBHOOK_SECRET_',
} as const;
