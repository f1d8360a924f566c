/** Jest global teardown for the integration project: stops DynamoDB Local (no orphan `java`). */
import type { DynamoDbLocal } from '../../infra/local/dynamodb';
import { stopAll } from '../../infra/local/processes';

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as { __sidecarDynamoDbLocal__?: DynamoDbLocal };
  const dynamoDb = holder.__sidecarDynamoDbLocal__;
  delete holder.__sidecarDynamoDbLocal__;
  try {
    await dynamoDb?.stop();
  } finally {
    // Belt and braces: anything else the setup supervised (and, if the handle was lost, the JVM).
    await stopAll();
  }
}
