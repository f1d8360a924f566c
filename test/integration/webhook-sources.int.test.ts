import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Webhook } from 'standardwebhooks';
import { createWebhooksApp } from '../../functions/webhooks/app';
import { type EventBridgeStandIn, startEventBridgeStandIn } from '../../infra/local/eventbridge-standin';
import { type SecretsManagerStandIn, startSecretsManagerStandIn } from '../../infra/local/secretsmanager-standin';
import { type AppContext, createContext } from '../../shared/context';
import { ConflictError, NotFoundError, UnavailableError } from '../../shared/errors';
import { getInboxEvent, inboxIdFor } from '../../shared/inbox/repository';
import { logger } from '../../shared/logger';
import { createWebhookSource } from '../../shared/webhooks/create-webhook-source';
import { getWebhookSourceView, listWebhookSources } from '../../shared/webhooks/list-webhook-sources';
import { registerWebhookSource } from '../../shared/webhooks/register-webhook-source';
import { rotateWebhookSecret } from '../../shared/webhooks/rotate-webhook-secret';
import { setWebhookSourceEnabled } from '../../shared/webhooks/set-webhook-source-enabled';
import { clearWebhookSourceCache } from '../../shared/webhooks/sources';
import { patient } from '../fixtures/fhir/builders';
import { useFreshTables } from './support/tables';

/**
 * Webhook sources end to end: metadata in DynamoDB Local, secrets in the Secrets Manager
 * stand-in through the real SDK client, webhooks through the real Hono app signed by the
 * `standardwebhooks` library as an EHR would sign them.
 */
const tables = useFreshTables();
let ctx: AppContext;
let secretsStandIn: SecretsManagerStandIn;
let bus: EventBridgeStandIn;
let webhooks: ReturnType<typeof createWebhooksApp>;
let offset = 0;
let counter = 0;
const logs: string[] = [];
let restoreOutput: () => void;

beforeAll(async () => {
  clearWebhookSourceCache();
  secretsStandIn = await startSecretsManagerStandIn();
  bus = await startEventBridgeStandIn({ busName: tables.config.eventBusName, deliver: async () => undefined });
  const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
  ctx = createContext({
    config: { ...tables.config, secrets: { prefix: 'sidecar-test/' } },
    db: tables.db,
    events: new EventBridgeClient({ region: 'us-east-1', endpoint: bus.endpoint, credentials, maxAttempts: 1 }),
    secrets: new SecretsManagerClient({ region: 'us-east-1', endpoint: secretsStandIn.endpoint, credentials, maxAttempts: 1 }),
    clock: { now: () => new Date(Date.now() + offset) },
  });
  webhooks = createWebhooksApp(ctx);

  // Every log line of this file (warnings and errors go to stderr) is kept for the last test.
  logger.setLogLevel('DEBUG');
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((stream) => stream.write.bind(stream));
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array) => {
      logs.push(String(chunk));
      return true;
    }) as typeof stream.write;
  }
  restoreOutput = () => {
    streams.forEach((stream, i) => (stream.write = originals[i]!));
    logger.setLogLevel('SILENT');
  };
});
afterAll(async () => {
  restoreOutput();
  await bus.stop();
  await secretsStandIn.stop();
  ctx.events.destroy();
  ctx.secrets.destroy();
});
beforeEach(() => {
  offset = 0;
});

/** POSTs a Patient webhook to a source, signed now (real time) with `secret`. */
async function post(sourceId: string, secret: string, webhookId = `msg_${Date.now()}_${counter++}`): Promise<Response> {
  const raw = JSON.stringify(patient(`p-${counter++}`, new Date().toISOString()));
  const at = new Date();
  return webhooks.request(`/webhooks/ehr/${sourceId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/fhir+json',
      'webhook-id': webhookId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(webhookId, at, raw),
    },
    body: raw,
  });
}

const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; message: string } }).error;
const storedSecretSet = async (id: string) =>
  JSON.parse((await ctx.secrets.send(new GetSecretValueCommand({ SecretId: `sidecar-test/webhook-source/${id}` }))).SecretString!) as {
    secrets: { secret: string; addedAt: string; expiresAt?: string }[];
  };
const minutes = (n: number) => n * 60_000;

describe('createWebhookSource', () => {
  test('returns the secret once; the source verifies webhooks signed with it and nothing else', async () => {
    const { source, secret } = await createWebhookSource(ctx, { id: 'st-elsewhere', name: 'St Elsewhere EHR', fhirBaseUrl: 'https://ehr.example/fhir/R4' });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(source).toMatchObject({ id: 'st-elsewhere', name: 'St Elsewhere EHR', enabled: true, version: 1, fhirBaseUrl: 'https://ehr.example/fhir/R4' });

    // The secret lives in Secrets Manager only: not in the records table, not in any view.
    expect(await storedSecretSet('st-elsewhere')).toEqual({ secrets: [{ secret, addedAt: source.createdAt }] });
    const item = await tables.db.send(new GetCommand({ TableName: tables.names.records, Key: { pk: 'SRC#st-elsewhere', sk: 'A' } }));
    expect(JSON.stringify(item.Item)).not.toContain('whsec_');
    const views = [await getWebhookSourceView(ctx, 'st-elsewhere'), ...(await listWebhookSources(ctx))];
    expect(JSON.stringify(views)).not.toContain('whsec_');
    expect(views[0]).not.toHaveProperty('secretName');

    expect((await post('st-elsewhere', secret)).status).toBe(202);
    const forged = await post('st-elsewhere', `whsec_${Buffer.alloc(32, 7).toString('base64')}`);
    expect(forged.status).toBe(401);
  });

  test('a taken id is a 409 and leaves the existing source and its secret alone', async () => {
    const { secret } = await createWebhookSource(ctx, { id: 'dup', name: 'First' });
    await expect(createWebhookSource(ctx, { id: 'dup', name: 'Second' })).rejects.toBeInstanceOf(ConflictError);
    expect((await getWebhookSourceView(ctx, 'dup')).name).toBe('First');
    expect((await storedSecretSet('dup')).secrets.map((s) => s.secret)).toEqual([secret]);
  });

  test('invalid input is refused by its schema', async () => {
    await expect(createWebhookSource(ctx, { id: 'Not An Id', name: 'x' })).rejects.toThrow(/lower-case/);
    await expect(createWebhookSource(ctx, { id: 'ok-id', name: 'x', fhirBaseUrl: 'javascript:alert(1)' })).rejects.toThrow(/http/);
  });

  test('when Secrets Manager fails the source is not created, and creating it again works', async () => {
    secretsStandIn.failNext('CreateSecret', 'InternalServiceError', 500);
    await expect(createWebhookSource(ctx, { id: 'flaky', name: 'Flaky' })).rejects.toBeInstanceOf(UnavailableError);
    await expect(getWebhookSourceView(ctx, 'flaky')).rejects.toBeInstanceOf(NotFoundError);
    const { secret } = await createWebhookSource(ctx, { id: 'flaky', name: 'Flaky' });
    expect((await post('flaky', secret)).status).toBe(202);
  });

  test('sources are listed by id (a Query on the kind index)', async () => {
    await createWebhookSource(ctx, { id: 'a-first', name: 'A' });
    const ids = (await listWebhookSources(ctx)).map((s) => s.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toEqual(expect.arrayContaining(['a-first', 'st-elsewhere', 'dup', 'flaky']));
  });
});

describe('rotateWebhookSecret', () => {
  test('old and new secrets both verify during the overlap; the old one is refused after it', async () => {
    const created = await createWebhookSource(ctx, { id: 'rotating', name: 'Rotating' });
    expect((await post('rotating', created.secret)).status).toBe(202); // primes the cache

    const rotated = await rotateWebhookSecret(ctx, 'rotating', { version: created.source.version, overlapMinutes: 30 });
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.source.version).toBe(created.source.version + 1);
    expect(rotated.source.rotatedAt).toBeDefined();
    expect(Date.parse(rotated.source.previousSecretExpiresAt!) - Date.parse(rotated.source.rotatedAt!)).toBe(minutes(30));

    expect((await post('rotating', rotated.secret)).status).toBe(202);
    expect((await post('rotating', created.secret)).status).toBe(202);

    offset = minutes(31);
    expect((await post('rotating', rotated.secret)).status).toBe(202);
    const old = await post('rotating', created.secret);
    expect(old.status).toBe(401);
    expect((await errorOf(old)).message).toBe('Invalid webhook signature');
  });

  test('a second rotation drops expired secrets and never extends an earlier overlap', async () => {
    const created = await createWebhookSource(ctx, { id: 'twice', name: 'Twice' });
    const first = await rotateWebhookSecret(ctx, 'twice', { version: 1, overlapMinutes: 10 });
    offset = minutes(5);
    const second = await rotateWebhookSecret(ctx, 'twice', { version: 2, overlapMinutes: 60 });
    let set = await storedSecretSet('twice');
    expect(set.secrets.map((s) => s.secret)).toEqual([created.secret, first.secret, second.secret]);
    // The original keeps its 10-minute overlap; the first rotation's secret gets the new 60 minutes.
    expect(set.secrets[0]!.expiresAt).toBe(first.source.previousSecretExpiresAt);
    expect(set.secrets[1]!.expiresAt).toBe(second.source.previousSecretExpiresAt);
    expect(set.secrets[2]!.expiresAt).toBeUndefined();

    offset = minutes(20); // the original has expired
    const third = await rotateWebhookSecret(ctx, 'twice', { version: 3 });
    set = await storedSecretSet('twice');
    expect(set.secrets.map((s) => s.secret)).toEqual([first.secret, second.secret, third.secret]);
  });

  test('a stale version is a 409 and changes nothing', async () => {
    const created = await createWebhookSource(ctx, { id: 'stale', name: 'Stale' });
    await rotateWebhookSecret(ctx, 'stale', { version: 1 });
    await expect(rotateWebhookSecret(ctx, 'stale', { version: 1 })).rejects.toMatchObject({ code: 'conflict', details: { currentVersion: 2 } });
    await expect(setWebhookSourceEnabled(ctx, 'stale', { version: 1, enabled: false })).rejects.toBeInstanceOf(ConflictError);
    expect((await storedSecretSet('stale')).secrets).toHaveLength(2);
    expect((await getWebhookSourceView(ctx, 'stale')).enabled).toBe(true);
    expect(created.source.version).toBe(1);
  });

  test('validates the overlap and the source id', async () => {
    await expect(rotateWebhookSecret(ctx, 'stale', { version: 2, overlapMinutes: 0 })).rejects.toThrow();
    await expect(rotateWebhookSecret(ctx, 'stale', { version: 2, overlapMinutes: 10_081 })).rejects.toThrow();
    await expect(rotateWebhookSecret(ctx, 'no-such-source', { version: 1 })).rejects.toBeInstanceOf(NotFoundError);
  });

  test('when Secrets Manager fails nothing rotates: same version, the current secret still verifies alone', async () => {
    const created = await createWebhookSource(ctx, { id: 'rotate-fails', name: 'Rotate fails' });
    secretsStandIn.failNext('PutSecretValue', 'InternalServiceError', 500);
    await expect(rotateWebhookSecret(ctx, 'rotate-fails', { version: 1 })).rejects.toBeInstanceOf(UnavailableError);
    const view = await getWebhookSourceView(ctx, 'rotate-fails');
    expect(view.version).toBe(1);
    expect(view.rotatedAt).toBeUndefined();
    expect((await storedSecretSet('rotate-fails')).secrets.map((s) => s.secret)).toEqual([created.secret]);
    expect((await post('rotate-fails', created.secret)).status).toBe(202);
    // …and the retry with the same version succeeds.
    await expect(rotateWebhookSecret(ctx, 'rotate-fails', { version: 1 })).resolves.toMatchObject({ source: { version: 2 } });
  });
});

describe('setWebhookSourceEnabled', () => {
  test('a disabled source is refused with 401 at once; enabled again, it is accepted', async () => {
    const { source, secret } = await createWebhookSource(ctx, { id: 'toggle', name: 'Toggle' });
    expect((await post('toggle', secret)).status).toBe(202);

    const disabled = await setWebhookSourceEnabled(ctx, 'toggle', { version: source.version, enabled: false });
    expect(disabled).toMatchObject({ enabled: false, version: 2 });
    const refused = await post('toggle', secret);
    expect(refused.status).toBe(401);
    expect(await errorOf(refused)).toEqual({ code: 'unauthorized', message: 'Webhook source is disabled' });

    // Disabling again is a no-op, not a new version.
    expect((await setWebhookSourceEnabled(ctx, 'toggle', { version: 2, enabled: false })).version).toBe(2);

    await setWebhookSourceEnabled(ctx, 'toggle', { version: 2, enabled: true });
    expect((await post('toggle', secret)).status).toBe(202);
  });
});

describe('verification reads the source fresh', () => {
  test('a source disabled or re-enabled elsewhere (another container) is refused or accepted on the next delivery', async () => {
    const { secret } = await createWebhookSource(ctx, { id: 'cached', name: 'Cached' });
    expect((await post('cached', secret)).status).toBe(202);

    // Another container disables the source: no cache stands between it and this one's webhooks.
    await tables.db.send(
      new UpdateCommand({
        TableName: tables.names.records,
        Key: { pk: 'SRC#cached', sk: 'A' },
        UpdateExpression: 'SET enabled = :f, version = :v',
        ExpressionAttributeValues: { ':f': false, ':v': 2 },
      }),
    );
    expect((await post('cached', secret)).status).toBe(401);

    await setWebhookSourceEnabled(ctx, 'cached', { version: 2, enabled: true });
    expect((await post('cached', secret)).status).toBe(202);
  });
});

describe('POST /webhooks/ehr/:sourceId and Secrets Manager', () => {
  test('an unknown source is a 404', async () => {
    expect((await post('never-registered', `whsec_${Buffer.alloc(32, 1).toString('base64')}`)).status).toBe(404);
  });

  test('when the secret cannot be read the webhook answers 503, stores nothing, and the retry is accepted', async () => {
    const { secret } = await createWebhookSource(ctx, { id: 'sm-down', name: 'SM down' });
    secretsStandIn.failNext('GetSecretValue', 'InternalServiceError', 500);
    const webhookId = 'msg_sm_down_1';
    const response = await post('sm-down', secret, webhookId);
    expect(response.status).toBe(503);
    expect((await errorOf(response)).code).toBe('unavailable');
    expect(await getInboxEvent(ctx, inboxIdFor('sm-down', webhookId))).toBeUndefined();

    const retry = await post('sm-down', secret, webhookId);
    expect(retry.status).toBe(202);
    expect(await getInboxEvent(ctx, inboxIdFor('sm-down', webhookId))).toBeDefined();
  });

  test('a source whose secret is missing refuses webhooks with 401', async () => {
    // Written before secrets moved to Secrets Manager: the secret inline, no version.
    const legacySecret = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    await tables.db.send(
      new PutCommand({
        TableName: tables.names.records,
        Item: { pk: 'SRC#legacy', sk: 'A', entity: 'webhook-source', id: 'legacy', name: 'Legacy', enabled: true, secrets: [{ secret: legacySecret, addedAt: '2026-01-01T00:00:00.000Z' }], updatedAt: '2026-01-01T00:00:00.000Z' },
      }),
    );
    const refused = await post('legacy', legacySecret);
    expect(refused.status).toBe(401);
    expect((await errorOf(refused)).message).toBe('Webhook source has no active secret');
  });
});

describe('registerWebhookSource', () => {
  const known = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
  const other = `whsec_${Buffer.alloc(32, 4).toString('base64')}`;

  test('creates, then changes nothing when registered again with the same fields and secret', async () => {
    const first = await registerWebhookSource(ctx, { id: 'sim', name: 'Simulator', secret: known, fhirBaseUrl: 'http://127.0.0.1:3001/fhir/R4' });
    expect(first).toMatchObject({ version: 1, enabled: true });
    const again = await registerWebhookSource(ctx, { id: 'sim', name: 'Simulator', secret: known, fhirBaseUrl: 'http://127.0.0.1:3001/fhir/R4' });
    expect(again).toEqual(first);
    expect((await post('sim', known)).status).toBe(202);
  });

  test('a new secret replaces every other one at once and bumps the version; the enabled state is kept', async () => {
    const before = await getWebhookSourceView(ctx, 'sim');
    await setWebhookSourceEnabled(ctx, 'sim', { version: before.version, enabled: false });
    const replaced = await registerWebhookSource(ctx, { id: 'sim', name: 'Simulator', secret: other });
    expect(replaced).toMatchObject({ version: before.version + 2, enabled: false });
    expect(replaced.fhirBaseUrl).toBeUndefined();
    expect((await storedSecretSet('sim')).secrets.map((s) => s.secret)).toEqual([other]);

    await setWebhookSourceEnabled(ctx, 'sim', { version: replaced.version, enabled: true });
    expect((await post('sim', known)).status).toBe(401);
    expect((await post('sim', other)).status).toBe(202);
  });

  test('takes over a source written before secrets moved to Secrets Manager, dropping the inline secret', async () => {
    const view = await registerWebhookSource(ctx, { id: 'legacy', name: 'Legacy', secret: known });
    expect(view.version).toBe(1);
    const item = await tables.db.send(new GetCommand({ TableName: tables.names.records, Key: { pk: 'SRC#legacy', sk: 'A' } }));
    expect(item.Item).not.toHaveProperty('secrets');
    expect(item.Item).toMatchObject({ kindPk: 'K#webhook-source#0', version: 1 });
    expect((await post('legacy', known)).status).toBe(202);
  });

  test('refuses a secret that is not whsec_ + base64 of 24 to 64 bytes', async () => {
    await expect(registerWebhookSource(ctx, { id: 'weak', name: 'Weak', secret: 'whsec_short' })).rejects.toThrow(/24 to 64/);
  });
});

test('no secret value ever reached the logs', () => {
  const text = logs.join('');
  // The capture worked, failures included.
  expect(text).toContain('Webhook secret rotated');
  expect(text).toContain('Secrets Manager call failed');
  expect(text).not.toContain('whsec_');
  expect(text).not.toContain(Buffer.alloc(32, 3).toString('base64'));
});
