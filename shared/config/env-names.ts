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
  /**
   * Until sign-in lands, the single auth middleware acts as this seeded user. Unset means
   * every API and console request is refused with 401 (the deployed default).
   */
  devUser: 'SIDECAR_DEV_USER',
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
  /** Local runtime only: the EHR simulator's port. */
  ehrSimulatorPort: 'SIDECAR_EHR_SIM_PORT',
  /** Local runtime only: prefix of per-source webhook secrets, e.g. SIDECAR_WEBHOOK_SECRET_EHR_SIM. */
  webhookSecretPrefix: 'SIDECAR_WEBHOOK_SECRET_',
} as const;
