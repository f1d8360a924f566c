import {
  CreateSecretCommand,
  GetSecretValueCommand,
  InternalServiceError,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type SecretsManagerStandIn, startSecretsManagerStandIn } from '../../../infra/local/secretsmanager-standin';

const TOKEN_A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const TOKEN_B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

function clientFor(standIn: SecretsManagerStandIn, maxAttempts = 1): SecretsManagerClient {
  return new SecretsManagerClient({
    region: 'us-east-1',
    endpoint: standIn.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts,
  });
}

describe('Secrets Manager stand-in, through @aws-sdk/client-secrets-manager', () => {
  let standIn: SecretsManagerStandIn;
  let sm: SecretsManagerClient;

  beforeEach(async () => {
    standIn = await startSecretsManagerStandIn();
    sm = clientFor(standIn);
  });
  afterEach(async () => {
    sm.destroy();
    await standIn.stop();
  });

  test('listens on 127.0.0.1 only', () => {
    expect(standIn.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('CreateSecret then GetSecretValue by name and by ARN returns the value as AWSCURRENT', async () => {
    const created = await sm.send(new CreateSecretCommand({ Name: 'sidecar/webhook-source/a', SecretString: '{"v":1}', KmsKeyId: 'alias/sidecar', Tags: [{ Key: 'app', Value: 'sidecar' }] }));
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:sidecar\/webhook-source\/a-[A-Za-z0-9]{6}$/);
    expect(created.Name).toBe('sidecar/webhook-source/a');
    expect(created.VersionId).toMatch(/^[0-9a-f-]{36}$/); // the token the SDK generated

    const byName = await sm.send(new GetSecretValueCommand({ SecretId: 'sidecar/webhook-source/a' }));
    expect(byName).toMatchObject({ ARN: created.ARN, Name: created.Name, VersionId: created.VersionId, SecretString: '{"v":1}', VersionStages: ['AWSCURRENT'] });
    expect(byName.CreatedDate).toBeInstanceOf(Date);
    expect(Math.abs(byName.CreatedDate!.getTime() - Date.now())).toBeLessThan(5_000);

    const byArn = await sm.send(new GetSecretValueCommand({ SecretId: created.ARN }));
    expect(byArn.SecretString).toBe('{"v":1}');
  });

  test('an unknown secret is a ResourceNotFoundException instance', async () => {
    const error = await sm.send(new GetSecretValueCommand({ SecretId: 'nope' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as ResourceNotFoundException).$metadata.httpStatusCode).toBe(400);
  });

  test('creating an existing name is a ResourceExistsException; a retry with the same token and value is idempotent', async () => {
    const first = await sm.send(new CreateSecretCommand({ Name: 's', SecretString: 'one', ClientRequestToken: TOKEN_A }));
    const retry = await sm.send(new CreateSecretCommand({ Name: 's', SecretString: 'one', ClientRequestToken: TOKEN_A }));
    expect(retry).toMatchObject({ ARN: first.ARN, VersionId: TOKEN_A });

    await expect(sm.send(new CreateSecretCommand({ Name: 's', SecretString: 'two', ClientRequestToken: TOKEN_A }))).rejects.toBeInstanceOf(ResourceExistsException);
    await expect(sm.send(new CreateSecretCommand({ Name: 's', SecretString: 'one' }))).rejects.toBeInstanceOf(ResourceExistsException);
  });

  test('PutSecretValue makes the new version AWSCURRENT and the replaced one AWSPREVIOUS', async () => {
    const v1 = await sm.send(new CreateSecretCommand({ Name: 's', SecretString: 'one', ClientRequestToken: TOKEN_A }));
    const v2 = await sm.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'two', ClientRequestToken: TOKEN_B }));
    expect(v2).toMatchObject({ ARN: v1.ARN, Name: 's', VersionId: TOKEN_B, VersionStages: ['AWSCURRENT'] });

    expect((await sm.send(new GetSecretValueCommand({ SecretId: 's' }))).SecretString).toBe('two');
    const previous = await sm.send(new GetSecretValueCommand({ SecretId: 's', VersionStage: 'AWSPREVIOUS' }));
    expect(previous).toMatchObject({ SecretString: 'one', VersionId: TOKEN_A, VersionStages: ['AWSPREVIOUS'] });
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 's', VersionId: TOKEN_A }))).SecretString).toBe('one');

    // A third version pushes the first out of AWSPREVIOUS (it keeps no label).
    await sm.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'three' }));
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 's', VersionStage: 'AWSPREVIOUS' }))).SecretString).toBe('two');
    const first = await sm.send(new GetSecretValueCommand({ SecretId: 's', VersionId: TOKEN_A }));
    expect(first.VersionStages).toEqual([]);
  });

  test('PutSecretValue retried with the same token is a no-op; with another value it is refused', async () => {
    await sm.send(new CreateSecretCommand({ Name: 's', SecretString: 'one', ClientRequestToken: TOKEN_A }));
    await sm.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'two', ClientRequestToken: TOKEN_B }));
    const retry = await sm.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'two', ClientRequestToken: TOKEN_B }));
    expect(retry.VersionId).toBe(TOKEN_B);
    // The retry did not demote "one" any further: it is still AWSPREVIOUS.
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 's', VersionStage: 'AWSPREVIOUS' }))).SecretString).toBe('one');

    await expect(sm.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'other', ClientRequestToken: TOKEN_B }))).rejects.toBeInstanceOf(
      ResourceExistsException,
    );
    await expect(sm.send(new PutSecretValueCommand({ SecretId: 'missing', SecretString: 'x' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  test('a secret created without a value has no AWSCURRENT version', async () => {
    const created = await sm.send(new CreateSecretCommand({ Name: 'empty' }));
    expect(created.VersionId).toBeUndefined();
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'empty' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  test('validates names and tokens as Secrets Manager does', async () => {
    const badName = await sm.send(new CreateSecretCommand({ Name: 'has space', SecretString: 'x' })).catch((e: unknown) => e);
    expect((badName as SecretsManagerServiceException).name).toBe('InvalidParameterException');
    const shortToken = await sm.send(new CreateSecretCommand({ Name: 'ok', SecretString: 'x', ClientRequestToken: 'short' })).catch((e: unknown) => e);
    expect((shortToken as SecretsManagerServiceException).name).toBe('ValidationException');
  });

  test('failNext fails exactly the next call of that operation, with the given type and status', async () => {
    await sm.send(new CreateSecretCommand({ Name: 's', SecretString: 'one' }));
    standIn.failNext('GetSecretValue', 'InternalServiceError', 500);

    await sm.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'two' })); // other operations unaffected
    const error = await sm.send(new GetSecretValueCommand({ SecretId: 's' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServiceError);
    expect((error as InternalServiceError).$metadata.httpStatusCode).toBe(500);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 's' }))).SecretString).toBe('two');
  });

  test('a client that retries consumes one injected failure per attempt', async () => {
    const retrying = clientFor(standIn, 3);
    try {
      await retrying.send(new CreateSecretCommand({ Name: 's', SecretString: 'one' }));
      standIn.failNext('GetSecretValue', 'ThrottlingException');
      standIn.failNext('GetSecretValue', 'ThrottlingException');
      expect((await retrying.send(new GetSecretValueCommand({ SecretId: 's' }))).SecretString).toBe('one');

      for (let i = 0; i < 3; i++) standIn.failNext('GetSecretValue', 'InternalServiceError', 500);
      await expect(retrying.send(new GetSecretValueCommand({ SecretId: 's' }))).rejects.toBeInstanceOf(InternalServiceError);
    } finally {
      retrying.destroy();
    }
  });

  test('an operation it does not implement is an UnknownOperationException', async () => {
    const response = await fetch(standIn.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.DeleteSecret' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toBe('UnknownOperationException');
  });
});

describe('Secrets Manager stand-in with a file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sm-standin-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('persists secrets with mode 0600 and reloads them on the next start', async () => {
    const file = path.join(dir, 'secrets.json');
    const first = await startSecretsManagerStandIn({ file });
    const sm1 = clientFor(first);
    const created = await sm1.send(new CreateSecretCommand({ Name: 'kept', SecretString: 'one' }));
    await sm1.send(new PutSecretValueCommand({ SecretId: 'kept', SecretString: 'two' }));
    sm1.destroy();
    await first.stop();

    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('"kept"');

    const second = await startSecretsManagerStandIn({ file });
    const sm2 = clientFor(second);
    try {
      const value = await sm2.send(new GetSecretValueCommand({ SecretId: 'kept' }));
      expect(value).toMatchObject({ ARN: created.ARN, SecretString: 'two' });
      expect((await sm2.send(new GetSecretValueCommand({ SecretId: 'kept', VersionStage: 'AWSPREVIOUS' }))).SecretString).toBe('one');
    } finally {
      sm2.destroy();
      await second.stop();
    }
  });

  test('refuses to start on a corrupt file rather than silently losing secrets', async () => {
    const file = path.join(dir, 'secrets.json');
    writeFileSync(file, '{"secrets": "nope"}');
    await expect(startSecretsManagerStandIn({ file })).rejects.toThrow(/not valid/);
  });
});
