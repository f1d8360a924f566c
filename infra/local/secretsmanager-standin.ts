import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { errorFields, logger } from '../../shared/logger';
import { LOOPBACK, listenOnLoopback } from './ports';
import { readBody } from './read-body';

/**
 * A loopback stand-in for the Secrets Manager operations Sidecar calls — `CreateSecret`,
 * `GetSecretValue`, `PutSecretValue` — answered on the wire (AWS JSON 1.1) so
 * `@aws-sdk/client-secrets-manager` is used unchanged through an endpoint override.
 * Versions and staging labels behave as in Secrets Manager: a `ClientRequestToken` becomes the
 * new version's `VersionId` (a retry with the same token and value is a no-op, with another value
 * a `ResourceExistsException`), the new version takes `AWSCURRENT` and the one it replaces
 * `AWSPREVIOUS`. Nothing is encrypted: `KmsKeyId` is recorded only. With `file`, secrets persist
 * to that JSON file (mode 0600) for `npm start`. Never logs or echoes a secret value.
 */

export type SecretsManagerOperation = 'CreateSecret' | 'GetSecretValue' | 'PutSecretValue';

export interface SecretsManagerStandIn {
  /** e.g. `http://127.0.0.1:41234`; give it to SecretsManagerClient as `endpoint`. */
  endpoint: string;
  /**
   * Failure injection for tests: the next call of `operation` answers `{ __type: errorType }`
   * with `status` (default 400). Each call queues one failure, so a client that retries (5xx,
   * throttling) needs one per attempt.
   */
  failNext(operation: SecretsManagerOperation, errorType: string, status?: number): void;
  /** Stops listening and closes all connections. */
  stop(): Promise<void>;
}

const TARGET_PREFIX = 'secretsmanager.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
/** Secrets Manager's SecretString limit. */
const MAX_SECRET_BYTES = 65_536;
const MAX_BODY_BYTES = 1024 * 1024;
/** Versions without a staging label are kept up to this count, oldest dropped first (AWS keeps about 100). */
const MAX_UNLABELLED_VERSIONS = 100;
const ARN_SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

const ZVersion = z.object({
  versionId: z.string(),
  secretString: z.string(),
  stages: z.array(z.string()),
  createdDate: z.number(),
});
const ZSecret = z.object({
  arn: z.string(),
  name: z.string(),
  kmsKeyId: z.string().optional(),
  createdDate: z.number(),
  lastChangedDate: z.number(),
  versions: z.array(ZVersion),
});
const ZStore = z.object({ secrets: z.array(ZSecret) });
type StoredSecret = z.infer<typeof ZSecret>;
type StoredVersion = z.infer<typeof ZVersion>;

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const validation = (field: string, constraint: string) =>
  new ServiceError('ValidationException', `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${constraint}`);

/** Starts the stand-in on 127.0.0.1 (an OS-assigned free port) and resolves once it listens. */
export async function startSecretsManagerStandIn(options: { file?: string } = {}): Promise<SecretsManagerStandIn> {
  const secrets = new Map<string, StoredSecret>(load(options.file).map((s) => [s.name, s]));
  const failures = new Map<SecretsManagerOperation, { type: string; status: number }[]>();

  const persist = () => {
    if (!options.file) return;
    const temporary = `${options.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify({ secrets: [...secrets.values()] }, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, options.file);
  };

  const find = (secretId: unknown): StoredSecret => {
    const id = requiredString(secretId, 'secretId', 2048);
    const secret = id.startsWith('arn:') ? [...secrets.values()].find((s) => s.arn === id) : secrets.get(id);
    if (!secret) throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  };

  /** Adds a version (or recognises a retry of it) and moves AWSCURRENT/AWSPREVIOUS onto it. */
  const addVersion = (secret: StoredSecret, token: string, secretString: string, now: number): StoredVersion => {
    const existing = secret.versions.find((v) => v.versionId === token);
    if (existing) {
      if (existing.secretString !== secretString) {
        throw new ServiceError('ResourceExistsException', 'You can\'t modify an existing version, you can only create a new version.');
      }
      return existing;
    }
    const current = secret.versions.find((v) => v.stages.includes(CURRENT));
    for (const v of secret.versions) v.stages = v.stages.filter((s) => s !== PREVIOUS);
    if (current) current.stages = [...current.stages.filter((s) => s !== CURRENT), PREVIOUS];
    const version: StoredVersion = { versionId: token, secretString, stages: [CURRENT], createdDate: now };
    secret.versions.push(version);
    const unlabelled = secret.versions.filter((v) => v.stages.length === 0);
    const drop = new Set(unlabelled.slice(0, Math.max(0, unlabelled.length - MAX_UNLABELLED_VERSIONS)));
    secret.versions = secret.versions.filter((v) => !drop.has(v));
    secret.lastChangedDate = now;
    return version;
  };

  const operations: Record<SecretsManagerOperation, (body: Record<string, unknown>) => unknown> = {
    CreateSecret: (body) => {
      const name = secretName(body.Name);
      const token = clientRequestToken(body.ClientRequestToken);
      const secretString = optionalSecretString(body.SecretString);
      const now = epochSeconds();
      const existing = secrets.get(name);
      if (existing) {
        // A retry of the same request (same token, same value) answers as the first call did.
        const retried = existing.versions.find((v) => v.versionId === token);
        if (retried && secretString !== undefined && retried.secretString === secretString) {
          return { ARN: existing.arn, Name: existing.name, VersionId: retried.versionId };
        }
        throw new ServiceError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
      }
      const secret: StoredSecret = {
        arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${arnSuffix()}`,
        name,
        ...(typeof body.KmsKeyId === 'string' && body.KmsKeyId ? { kmsKeyId: body.KmsKeyId } : {}),
        createdDate: now,
        lastChangedDate: now,
        versions: [],
      };
      if (secretString !== undefined) addVersion(secret, token, secretString, now);
      secrets.set(name, secret);
      persist();
      return { ARN: secret.arn, Name: secret.name, ...(secretString !== undefined ? { VersionId: token } : {}) };
    },
    GetSecretValue: (body) => {
      const secret = find(body.SecretId);
      const versionId = body.VersionId === undefined ? undefined : requiredString(body.VersionId, 'versionId', 64);
      const stage = body.VersionStage === undefined ? (versionId ? undefined : CURRENT) : requiredString(body.VersionStage, 'versionStage', 256);
      const version = secret.versions.find((v) => (!versionId || v.versionId === versionId) && (!stage || v.stages.includes(stage)));
      if (!version) {
        throw new ServiceError(
          'ResourceNotFoundException',
          versionId
            ? `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`
            : `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
        );
      }
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.versionId,
        SecretString: version.secretString,
        VersionStages: [...version.stages],
        CreatedDate: version.createdDate,
      };
    },
    PutSecretValue: (body) => {
      const secret = find(body.SecretId);
      const token = clientRequestToken(body.ClientRequestToken);
      const secretString = optionalSecretString(body.SecretString);
      if (secretString === undefined) throw new ServiceError('InvalidParameterException', 'You must provide either SecretString or SecretBinary.');
      if (body.VersionStages !== undefined) {
        throw new ServiceError('InvalidRequestException', 'The local Secrets Manager stand-in does not implement VersionStages on PutSecretValue.');
      }
      const version = addVersion(secret, token, secretString, epochSeconds());
      persist();
      return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId, VersionStages: [...version.stages] };
    },
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const reply = (status: number, payload: unknown) => {
      const text = JSON.stringify(payload);
      response.writeHead(status, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID() });
      response.end(text);
    };
    try {
      const raw = await readBody(request, MAX_BODY_BYTES);
      if (raw === undefined) throw new ServiceError('ValidationException', 'Request body is too large.', 413);
      const target = request.headers['x-amz-target'];
      const operation = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
      if (request.method !== 'POST' || !operation || !(operation in operations)) {
        throw new ServiceError('UnknownOperationException', 'The local Secrets Manager stand-in implements only CreateSecret, GetSecretValue and PutSecretValue.');
      }
      const op = operation as SecretsManagerOperation;
      const injected = failures.get(op)?.shift();
      if (injected) throw new ServiceError(injected.type, `Injected failure of ${op}.`, injected.status);
      let body: unknown;
      try {
        body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
      } catch {
        throw new ServiceError('SerializationException', 'The request body is not valid JSON.');
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new ServiceError('SerializationException', 'Start of structure or map found where not expected.');
      }
      reply(200, operations[op](body as Record<string, unknown>));
    } catch (error) {
      if (error instanceof ServiceError) reply(error.status, { __type: error.type, message: error.message });
      else {
        logger.error('Secrets Manager stand-in failed', errorFields(error));
        reply(500, { __type: 'InternalServiceError', message: 'Internal service error.' });
      }
    }
  };

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  const port = await listenOnLoopback(server);

  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    failNext: (operation, errorType, status = 400) => {
      failures.set(operation, [...(failures.get(operation) ?? []), { type: errorType, status }]);
    },
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** The persisted store, or an empty one when there is no file yet. A corrupt file is an error, not a silent reset. */
function load(file: string | undefined): StoredSecret[] {
  if (!file || !existsSync(file)) return [];
  const parsed = ZStore.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`The local secrets file ${file} is not valid; delete it to start afresh`);
  return parsed.data.secrets;
}

function requiredString(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0) throw validation(field, 'Member must not be null');
  if (value.length > max) throw validation(field, `Member must have length less than or equal to ${max}`);
  return value;
}

/** Secret names: 1–512 of letters, digits and `/_+=.@-` (as Secrets Manager allows). */
function secretName(value: unknown): string {
  const name = requiredString(value, 'name', 512);
  if (!/^[A-Za-z0-9/_+=.@-]+$/.test(name)) {
    throw new ServiceError('InvalidParameterException', 'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
  }
  return name;
}

/** The SDK fills ClientRequestToken (a UUID) when the caller does not; AWS requires 32–64 characters. */
function clientRequestToken(value: unknown): string {
  const token = requiredString(value, 'clientRequestToken', 64);
  if (token.length < 32) throw validation('clientRequestToken', 'Member must have length greater than or equal to 32');
  return token;
}

function optionalSecretString(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ServiceError('SerializationException', 'SecretString must be a string.');
  if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES) throw validation('secretString', `Member must have length less than or equal to ${MAX_SECRET_BYTES}`);
  return value;
}

const epochSeconds = () => Math.floor(Date.now() / 1000);

function arnSuffix(): string {
  return [...randomBytes(6)].map((b) => ARN_SUFFIX_CHARS[b % ARN_SUFFIX_CHARS.length]).join('');
}
