import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config/config';

/** A DynamoDB document client for the configured endpoint (DynamoDB Local or AWS). */
export function createDocumentClient(config: Pick<Config, 'region' | 'endpoints'>): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: config.region,
    ...(config.endpoints.dynamoDb ? { endpoint: config.endpoints.dynamoDb } : {}),
    maxAttempts: 4,
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
