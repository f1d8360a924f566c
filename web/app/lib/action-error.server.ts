import { json } from '@remix-run/node';
import { ZodError } from 'zod';
import { ConflictError, DomainError, HTTP_STATUS } from '../../../shared/errors';
import { errorFields, logger } from '../../../shared/logger';
import { TimeInputError } from './time';

/**
 * The console's one mapping from what a use-case threw to what a person sees: a PHI-free message
 * and an HTTP status, plus per-field messages for invalid input. Anything unrecognised is not
 * mapped here: it is rethrown, logged by entry.server's handleError and shown by the root
 * ErrorBoundary as a 500, so no failure is ever swallowed.
 */
export interface UserError {
  status: number;
  message: string;
  /** Form field name → message, for `aria-describedby` next to the field. */
  fieldErrors?: Record<string, string>;
}

export const STALE_MESSAGE = 'This referral was changed by someone else — reload the page to see the latest, then try again.';

function domainCode(error: unknown): DomainError['code'] | undefined {
  if (error instanceof DomainError) return error.code;
  // The server build bundles its own copy of shared/; accept a twin from another copy too.
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && code in HTTP_STATUS ? (code as DomainError['code']) : undefined;
}

function isStale(error: Error & { details?: Record<string, unknown> }): boolean {
  const d = error.details ?? {};
  return 'currentVersion' in d || 'currentVersionIsNewerThan' in d;
}

function isZodError(error: unknown): error is ZodError {
  return error instanceof ZodError || (error instanceof Error && error.name === 'ZodError' && Array.isArray((error as ZodError).issues));
}

/**
 * Maps an error to a UserError, or returns undefined for an unexpected one (a bug or an outage the
 * domain did not type), which the caller must rethrow.
 * `fieldNames` renames a zod path (`service`) to the form field that carries it (`serviceDisplay`).
 */
export function describeError(error: unknown, fieldNames: Record<string, string> = {}): UserError | undefined {
  if (isZodError(error)) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of error.issues) {
      const path = issue.path.map(String).join('.');
      const field = fieldNames[path] ?? fieldNames[String(issue.path[0] ?? '')] ?? String(issue.path[0] ?? 'form');
      fieldErrors[field] ??= issue.message;
    }
    return { status: 400, message: 'Some fields need attention.', fieldErrors };
  }
  if (error instanceof TimeInputError) {
    return { status: 400, message: error.message, fieldErrors: { appointmentAt: error.message } };
  }
  const code = domainCode(error);
  if (!code || !(error instanceof Error)) return undefined;
  const status = HTTP_STATUS[code];
  if (status >= 500) logger.warn('Console request refused: dependency unavailable', errorFields(error));
  if (code === 'conflict' && isStale(error as ConflictError)) return { status, message: STALE_MESSAGE };
  return { status, message: error.message };
}

/** For actions: the user-facing error, or rethrow what cannot be explained to the user. */
export function toUserError(error: unknown, fieldNames?: Record<string, string>): UserError {
  const described = describeError(error, fieldNames);
  if (!described) throw error;
  return described;
}

/** An action's answer for a failed form: the page re-renders with the alert, at the error's status. */
export function formError<I extends string>(intent: I, error: unknown, options: { fieldNames?: Record<string, string>; values?: Record<string, string> } = {}) {
  const e = toUserError(error, options.fieldNames);
  return json(
    { ok: false as const, intent, message: e.message, fieldErrors: e.fieldErrors ?? {}, values: options.values ?? {} },
    { status: e.status },
  );
}

/**
 * For loaders: runs the use-case and turns a typed domain failure into a thrown Response that the
 * root ErrorBoundary shows with its status (404 not found, 409, 503…); other errors propagate.
 */
export async function loadOrThrow<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const described = describeError(error);
    if (!described) throw error;
    const fields = Object.entries(described.fieldErrors ?? {});
    const message = fields.length > 0 ? `Not a valid request: ${fields.map(([f, m]) => `${f} (${m})`).join('; ')}` : described.message;
    throw json({ message }, { status: described.status });
  }
}

/** A 404 page for something that is not there (or not enabled). */
export function notFound(message: string): Response {
  return json({ message }, { status: 404 });
}
