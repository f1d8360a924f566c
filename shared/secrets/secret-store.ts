import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-secrets-manager';
import type { z } from 'zod';
import type { AppContext } from '../context';
import { ConflictError, UnavailableError } from '../errors';
import { errorFields, logger } from '../logger';

/**
 * JSON secrets in Secrets Manager (`ctx.secrets`), named under `config.secrets.prefix` and
 * encrypted with `config.secrets.kmsKeyId` when set. Values are never logged: only secret names
 * and error names are. Anything but the outcomes callers handle (missing, already exists) becomes
 * an UnavailableError (503), so a webhook sender retries rather than losing the delivery.
 */

/** Where a webhook source's secrets live: `<prefix>webhook-source/<sourceId>`. */
export function webhookSourceSecretName(ctx: AppContext, sourceId: string): string {
  return `${ctx.config.secrets.prefix}webhook-source/${sourceId}`;
}

/**
 * The current (AWSCURRENT) value of a JSON secret, validated by `schema`; undefined when the
 * secret or its current value does not exist. Returns secret material: never log it.
 * Throws UnavailableError when Secrets Manager fails, and an Error when the stored value does not
 * match the schema (a corrupt secret is a bug, not a retryable condition).
 */
export async function readSecretJson<T>(ctx: AppContext, name: string, schema: z.ZodType<T>): Promise<T | undefined> {
  let text: string | undefined;
  try {
    const res = await ctx.secrets.send(new GetSecretValueCommand({ SecretId: name }));
    text = res.SecretString;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw unavailable('GetSecretValue', name, error);
  }
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`Secret ${name} does not hold JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new Error(`Secret ${name} does not match its schema`);
  return parsed.data;
}

/**
 * Creates a JSON secret, encrypted with the configured KMS key when set (else the account's
 * `aws/secretsmanager` key). The SDK's ClientRequestToken makes its own retries idempotent.
 * Throws ConflictError when a secret of that name exists, UnavailableError when Secrets Manager fails.
 */
export async function createSecretJson(ctx: AppContext, name: string, value: unknown): Promise<void> {
  try {
    await ctx.secrets.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: JSON.stringify(value),
        ...(ctx.config.secrets.kmsKeyId ? { KmsKeyId: ctx.config.secrets.kmsKeyId } : {}),
      }),
    );
  } catch (error) {
    if (error instanceof ResourceExistsException) throw new ConflictError('A secret with this name already exists');
    throw unavailable('CreateSecret', name, error);
  }
}

/**
 * Stores a new current value of an existing JSON secret (the replaced one stays readable as
 * AWSPREVIOUS). Returns false when the secret does not exist; throws UnavailableError when
 * Secrets Manager fails.
 */
export async function putSecretJson(ctx: AppContext, name: string, value: unknown): Promise<boolean> {
  try {
    await ctx.secrets.send(new PutSecretValueCommand({ SecretId: name, SecretString: JSON.stringify(value) }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw unavailable('PutSecretValue', name, error);
  }
}

/** Sets a JSON secret's current value, creating the secret on first use. Throws UnavailableError when Secrets Manager fails. */
export async function writeSecretJson(ctx: AppContext, name: string, value: unknown): Promise<void> {
  if (await putSecretJson(ctx, name, value)) return;
  try {
    await createSecretJson(ctx, name, value);
  } catch (error) {
    // Created concurrently between our two calls: store our value as its new version.
    if (!(error instanceof ConflictError)) throw error;
    if (!(await putSecretJson(ctx, name, value))) throw new UnavailableError('Secrets Manager is unavailable; try again');
  }
}

function unavailable(operation: string, name: string, error: unknown): UnavailableError {
  logger.warn('Secrets Manager call failed', { operation, secretName: name, ...errorFields(error) });
  return new UnavailableError('Secrets Manager is unavailable; try again');
}
