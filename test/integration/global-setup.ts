/**
 * Jest global setup for the integration project: one DynamoDB Local, in memory, on a free port,
 * for the whole run. Test files find it through the environment (workers are forked after this
 * runs and inherit process.env; in-band runs share it), and each file isolates itself with
 * `useFreshTables()` from ./support/tables.
 */
import { startDynamoDbLocal } from '../../infra/local/dynamodb';
import { ENV } from '../../shared/config/env-names';
import { setLocalAwsEnvironment } from './support/environment';

export default async function globalSetup(): Promise<void> {
  // This runs in jest's own process, whose real environment the workers inherit: every DynamoDB
  // Local a test starts itself (from a sandbox whose process.env child_process does not see)
  // then also runs with telemetry off.
  process.env.DDB_LOCAL_TELEMETRY = '0';
  const dynamoDb = await startDynamoDbLocal({ dataDir: undefined });
  // Same process as global-teardown: it reads the handle from here.
  (globalThis as { __sidecarDynamoDbLocal__?: unknown }).__sidecarDynamoDbLocal__ = dynamoDb;
  setLocalAwsEnvironment(process.env);
  process.env[ENV.dynamoDbEndpoint] = dynamoDb.endpoint;
}
