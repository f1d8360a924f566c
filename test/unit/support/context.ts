import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { type Config, loadConfig } from '../../../shared/config/config';
import { ENV } from '../../../shared/config/env-names';
import type { AppContext } from '../../../shared/context';

export const testConfig: Config = loadConfig({
  NODE_ENV: 'test',
  [ENV.region]: 'us-east-1',
  [ENV.recordsTable]: 'records',
  [ENV.inboxTable]: 'inbox',
  [ENV.auditTable]: 'audit',
  [ENV.eventBusName]: 'sidecar-test',
});

/** A context whose AWS clients are real SDK clients, to be faked with aws-sdk-client-mock. */
export function unitContext(now = new Date('2026-11-23T10:00:00Z')): AppContext {
  return {
    config: testConfig,
    db: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    events: new EventBridgeClient({ region: 'us-east-1', maxAttempts: 1 }),
    secrets: new SecretsManagerClient({ region: 'us-east-1', maxAttempts: 1 }),
    sms: new PinpointSMSVoiceV2Client({ region: 'us-east-1', maxAttempts: 1 }),
    email: new SESv2Client({ region: 'us-east-1', maxAttempts: 1 }),
    clock: { now: () => now },
    fetch: () => Promise.reject(new Error('no network in unit tests')),
  };
}
