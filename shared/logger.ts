import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one structured (JSON) logger. Log ids, counts, states and error names only:
 * never a FHIR payload, a name, a birth date, a phone number or a free-text note.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'sidecar' });

/** The parts of an error that are safe to log (name and message; messages are PHI-free by rule). */
export function errorFields(error: unknown): { errorName: string; errorMessage: string } {
  if (error instanceof Error) return { errorName: error.name, errorMessage: error.message.slice(0, 500) };
  return { errorName: 'NonError', errorMessage: 'non-error thrown' };
}
