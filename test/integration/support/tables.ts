/**
 * Integration-test access to DynamoDB Local (started once per run by global-setup).
 *
 * Each test file gets its own uniquely named set of the three tables, so counts, queues and
 * pagination never see another file's items:
 *
 *   const tables = useFreshTables();          // at file or describe level: beforeAll/afterAll
 *   test('…', async () => {
 *     await tables.db.send(new PutCommand({ TableName: tables.names.records, Item }));
 *     // shared/ code reads the same names through getConfig()
 *   });
 *
 * or, where hooks do not fit, `const tables = await createFreshTables()` (then `dropFreshTables`).
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { dynamoDbLocalClientConfig, ensureTables, type TableNames } from '../../../infra/local/dynamodb';
import { type Config, getConfig, resetConfigForTests } from '../../../shared/config/config';
import { ENV } from '../../../shared/config/env-names';
import { dynamoDbEndpoint } from './environment';

export { dynamoDbEndpoint } from './environment';

/** Bus name put in the environment when none is set (config requires one; nothing is sent to it). */
export const TEST_EVENT_BUS = 'sidecar-test-bus';

export interface FreshTables {
  /** Physical names, e.g. `t3f9a1c0d-records`. */
  names: TableNames;
  /** `getConfig()` after the table names were put in the environment. */
  config: Config;
  /** Document client on DynamoDB Local (removeUndefinedValues on). */
  db: DynamoDBDocumentClient;
  /** The low-level client under `db`. */
  client: DynamoDBClient;
}

/** A low-level client on DynamoDB Local. Call `destroy()` when done (or use useFreshTables). */
export function dynamoClient(): DynamoDBClient {
  return new DynamoDBClient(dynamoDbLocalClientConfig(dynamoDbEndpoint()));
}

/** A document client on DynamoDB Local. Destroy it when done (or use useFreshTables). */
export function docClient(client: DynamoDBClient = dynamoClient()): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** A table-name prefix unique to this call (DynamoDB names allow [A-Za-z0-9_.-]). */
export function uniqueTablePrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

/**
 * Creates a fresh, uniquely named set of the three tables (via ensureTables, so with every GSI
 * and TTL of shared/db/tables.ts), points ENV.recordsTable / inboxTable / auditTable at them (and
 * ENV.eventBusName, if unset), and resets the cached config so `getConfig()` sees them.
 */
export async function createFreshTables(): Promise<FreshTables> {
  const prefix = uniqueTablePrefix();
  const names: TableNames = { records: `${prefix}-records`, inbox: `${prefix}-inbox`, audit: `${prefix}-audit` };
  const client = dynamoClient();
  await ensureTables(client, names);
  process.env[ENV.recordsTable] = names.records;
  process.env[ENV.inboxTable] = names.inbox;
  process.env[ENV.auditTable] = names.audit;
  process.env[ENV.eventBusName] ||= TEST_EVENT_BUS;
  resetConfigForTests();
  return { names, config: getConfig(), db: docClient(client), client };
}

/** Deletes the tables of a FreshTables set and closes its clients. */
export async function dropFreshTables(tables: FreshTables): Promise<void> {
  try {
    await Promise.all(Object.values(tables.names).map((TableName) => tables.client.send(new DeleteTableCommand({ TableName }))));
  } finally {
    tables.db.destroy();
    tables.client.destroy();
  }
}

/**
 * Registers beforeAll (createFreshTables) and afterAll (dropFreshTables) in the current file or
 * describe block and returns the set; its fields are readable from beforeAll/tests onwards.
 */
export function useFreshTables(): FreshTables {
  let current: FreshTables | undefined;
  const get = <K extends keyof FreshTables>(key: K): FreshTables[K] => {
    if (!current) throw new Error('useFreshTables(): tables are created in beforeAll; read them inside hooks or tests');
    return current[key];
  };
  beforeAll(async () => {
    current = await createFreshTables();
  });
  afterAll(async () => {
    if (current) await dropFreshTables(current);
    current = undefined;
  });
  return {
    get names() {
      return get('names');
    },
    get config() {
      return get('config');
    },
    get db() {
      return get('db');
    },
    get client() {
      return get('client');
    },
  };
}
