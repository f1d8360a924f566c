import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  createTableInput,
  dynamoDbLocalClientConfig,
  ensureTables,
  startDynamoDbLocal,
  type TableNames,
} from '../../../infra/local/dynamodb';
import { getConfig } from '../../../shared/config/config';
import { RECORDS_INDEX, TABLES, tableDefinition, type TableDefinition } from '../../../shared/db/tables';
import { docClient, dynamoClient, dynamoDbEndpoint, uniqueTablePrefix, useFreshTables } from '../support/tables';

jest.setTimeout(60_000);

const execFileAsync = promisify(execFile);

const namesFor = (prefix: string): TableNames => ({
  records: `${prefix}-records`,
  inbox: `${prefix}-inbox`,
  audit: `${prefix}-audit`,
});

async function describeTable(client: DynamoDBClient, TableName: string) {
  const { Table } = await client.send(new DescribeTableCommand({ TableName }));
  if (!Table) throw new Error(`no description for ${TableName}`);
  return Table;
}

async function expectMatchesDefinition(client: DynamoDBClient, tableName: string, def: TableDefinition): Promise<void> {
  const table = await describeTable(client, tableName);
  expect(table.TableStatus).toBe('ACTIVE');
  expect(table.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
  expect(table.KeySchema).toEqual([
    { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
    ...(def.sortKey ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' }] : []),
  ]);
  const indexes = new Map((table.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, i]));
  expect([...indexes.keys()].sort()).toEqual(def.globalIndexes.map((i) => i.name).sort());
  for (const index of def.globalIndexes) {
    const actual = indexes.get(index.name);
    expect(actual?.IndexStatus).toBe('ACTIVE');
    expect(actual?.Projection?.ProjectionType).toBe('ALL');
    expect(actual?.KeySchema).toEqual([
      { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
      ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' }] : []),
    ]);
  }
  const { TimeToLiveDescription: ttl } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  if (def.ttlAttribute) {
    expect(ttl).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: def.ttlAttribute });
  } else {
    expect(ttl?.TimeToLiveStatus).toBe('DISABLED');
  }
}

describe('ensureTables', () => {
  let client: DynamoDBClient;
  beforeAll(() => {
    client = dynamoClient();
  });
  afterAll(() => client.destroy());

  test('creates every table of TABLES with its keys, GSIs (projection ALL), on-demand billing and TTL', async () => {
    const names = namesFor(uniqueTablePrefix());

    const report = await ensureTables(client, names);

    expect(report.created.sort()).toEqual(Object.values(names).sort());
    expect(report.indexesAdded).toEqual([]);
    // Tables are prepared concurrently: the report's order is not meaningful.
    expect([...report.ttlEnabled].sort()).toEqual(TABLES.filter((t) => t.ttlAttribute).map((t) => names[t.id]).sort());
    for (const def of TABLES) await expectMatchesDefinition(client, names[def.id], def);
  });

  test('called again, changes nothing', async () => {
    const names = namesFor(uniqueTablePrefix());
    await ensureTables(client, names);

    const again = await ensureTables(client, names);

    expect(again).toEqual({ created: [], indexesAdded: [], ttlEnabled: [] });
    for (const def of TABLES) await expectMatchesDefinition(client, names[def.id], def);
  });

  test('adds a GSI missing from an existing table, and enables TTL where it is off, keeping the items', async () => {
    const names = namesFor(uniqueTablePrefix());
    const records = tableDefinition('records');
    const inbox = tableDefinition('inbox');
    // The "old schema": records without the kind index, records and inbox without TTL.
    await client.send(
      new CreateTableCommand(
        createTableInput({ ...records, globalIndexes: records.globalIndexes.filter((i) => i.name !== RECORDS_INDEX.kind) }, names.records),
      ),
    );
    await client.send(new CreateTableCommand(createTableInput(inbox, names.inbox)));
    const doc = docClient();
    await doc.send(new PutCommand({ TableName: names.records, Item: { pk: 'R#1', sk: 'R#1', kindPk: 'K#referral#0', kindSk: '2024#1' } }));

    const report = await ensureTables(client, names);

    expect(report.created).toEqual([names.audit]);
    expect(report.indexesAdded).toEqual([`${names.records}/${RECORDS_INDEX.kind}`]);
    expect([...report.ttlEnabled].sort()).toEqual([names.inbox, names.records].sort());
    for (const def of TABLES) await expectMatchesDefinition(client, names[def.id], def);
    const viaNewIndex = await doc.send(
      new QueryCommand({
        TableName: names.records,
        IndexName: RECORDS_INDEX.kind,
        KeyConditionExpression: 'kindPk = :pk',
        ExpressionAttributeValues: { ':pk': 'K#referral#0' },
      }),
    );
    expect(viaNewIndex.Items?.map((i) => i.pk)).toEqual(['R#1']);
    doc.destroy();
  });

  test('refuses a table whose key schema differs from the definition (it cannot change in place)', async () => {
    const names = namesFor(uniqueTablePrefix());
    await client.send(
      new CreateTableCommand({
        TableName: names.audit,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );

    await expect(ensureTables(client, names)).rejects.toThrow(/key schema \[pk:HASH\].*\[pk:HASH,sk:RANGE\]/);
    await Promise.all(
      Object.values(names).map((TableName) => client.send(new DeleteTableCommand({ TableName })).catch(() => undefined)),
    );
  });
});

describe('useFreshTables', () => {
  const tables = useFreshTables();

  test('points the configuration at its own tables', () => {
    const config = getConfig();
    expect(config.tables).toEqual(tables.names);
    expect(tables.config.tables).toEqual(tables.names);
    expect(config.endpoints.dynamoDb).toBe(dynamoDbEndpoint());
    expect(Object.values(tables.names).every((name) => name.startsWith(tables.names.records.split('-')[0] as string))).toBe(true);
  });

  test('put, then query through a GSI, returns items in sort-key order', async () => {
    const { db, names } = tables;
    const queuePk = 'Q#cardiology#requested';
    for (const [id, queueSk] of [
      ['b', '2#2024-05-02#b'],
      ['a', '1#2024-05-03#a'],
      ['c', '3#2024-05-01#c'],
    ] as const) {
      await db.send(new PutCommand({ TableName: names.records, Item: { pk: `R#${id}`, sk: `R#${id}`, queuePk, queueSk } }));
    }
    await db.send(new PutCommand({ TableName: names.records, Item: { pk: 'R#x', sk: 'R#x', queuePk: 'Q#other#requested', queueSk: '0' } }));

    const page = await db.send(
      new QueryCommand({
        TableName: names.records,
        IndexName: RECORDS_INDEX.queue,
        KeyConditionExpression: 'queuePk = :q',
        ExpressionAttributeValues: { ':q': queuePk },
      }),
    );

    expect(page.Items?.map((item) => item.pk)).toEqual(['R#a', 'R#b', 'R#c']);
  });
});

describe('startDynamoDbLocal', () => {
  test('with a data folder: keeps tables across a stop/start, and ensureTables then upgrades them in place', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sidecar-ddb-'));
    const names = namesFor('persisted');
    const audit = tableDefinition('audit');
    try {
      const first = await startDynamoDbLocal({ dataDir });
      const c1 = new DynamoDBClient(dynamoDbLocalClientConfig(first.endpoint));
      // The "old schema": audit with only its first index.
      await c1.send(new CreateTableCommand(createTableInput({ ...audit, globalIndexes: audit.globalIndexes.slice(0, 1) }, names.audit)));
      c1.destroy();

      await first.stop();
      const exit = await first.exited;
      expect(exit.code !== null || exit.signal !== null).toBe(true);
      await expect(
        new DynamoDBClient({ ...dynamoDbLocalClientConfig(first.endpoint), maxAttempts: 1 }).send(new ListTablesCommand({})),
      ).rejects.toThrow();

      const second = await startDynamoDbLocal({ dataDir });
      const c2 = new DynamoDBClient(dynamoDbLocalClientConfig(second.endpoint));
      try {
        expect((await c2.send(new ListTablesCommand({}))).TableNames).toEqual([names.audit]);
        const report = await ensureTables(c2, names);
        expect(report.created.sort()).toEqual([names.inbox, names.records].sort());
        expect(report.indexesAdded).toEqual(audit.globalIndexes.slice(1).map((i) => `${names.audit}/${i.name}`));
        for (const def of TABLES) await expectMatchesDefinition(c2, names[def.id], def);
      } finally {
        c2.destroy();
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('refuses a port that is already taken, instead of starting a JVM that never listens', async () => {
    const taken = new URL(dynamoDbEndpoint()).port;
    await expect(startDynamoDbLocal({ port: Number(taken) })).rejects.toThrow(/already in use/);
  });

  test('rejects a relative data folder (the package runs java from its own folder)', async () => {
    await expect(startDynamoDbLocal({ dataDir: '.data/ddb' })).rejects.toThrow(/absolute/);
  });

  test('without java on PATH, fails fast with an error that names Java 17', async () => {
    // A separate process: jest gives each test file its own copy of process.env, which
    // child_process does not see, so PATH can only be changed for a whole process.
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'start-without-java.ts')], {
      cwd: join(__dirname, '..', '..', '..'),
      env: { ...process.env, PATH: '/nonexistent' },
      timeout: 20_000,
    });
    expect(stdout).toMatch(/^rejected: DynamoDB Local could not start: `java` was not found on PATH\. It needs Java 17 or newer/m);
  });
});
