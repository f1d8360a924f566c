import { z } from 'zod';
import { ConflictError } from '../../../shared/errors';
import { formValues } from './session.server';
import { toUserError } from './action-error.server';

export const STALE_SOURCE_MESSAGE = 'This source was changed by someone else — reload the page to see the latest, then try again.';

/** The create form's fields; blank URLs are absent. */
export function parseCreateSourceForm(form: FormData) {
  const v = formValues(form, ['id', 'name', 'fhirBaseUrl', 'ehrUiBaseUrl']);
  return {
    id: v.id ?? '',
    name: v.name ?? '',
    ...(v.fhirBaseUrl ? { fhirBaseUrl: v.fhirBaseUrl } : {}),
    ...(v.ehrUiBaseUrl ? { ehrUiBaseUrl: v.ehrUiBaseUrl } : {}),
  };
}

export const ZSourceCommand = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('rotate'), version: z.coerce.number().int().min(0), overlapMinutes: z.coerce.number().int().min(1).max(10_080) }),
  z.object({ intent: z.literal('disable'), version: z.coerce.number().int().min(0) }),
  z.object({ intent: z.literal('enable'), version: z.coerce.number().int().min(0) }),
]);

export function parseSourceCommand(form: FormData) {
  return ZSourceCommand.parse(formValues(form, ['intent', 'version', 'overlapMinutes']));
}

/** A user-facing error for a source form (a stale version gets a source-specific message). */
export function sourceError(error: unknown) {
  if (error instanceof ConflictError && /version/i.test(error.message)) return { status: 409, message: STALE_SOURCE_MESSAGE, fieldErrors: {} };
  const e = toUserError(error);
  return { status: e.status, message: e.message, fieldErrors: e.fieldErrors ?? {} };
}
