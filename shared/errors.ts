/**
 * Typed outcomes thrown by domain code and mapped to HTTP once, at each app's edge.
 * Messages must never contain patient data: they are shown to callers and logged.
 */
export class DomainError extends Error {
  constructor(
    readonly code: 'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'payload_too_large' | 'unprocessable' | 'unavailable',
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('bad_request', message, details);
  }
}
export class UnauthorizedError extends DomainError {
  constructor(message = 'Authentication required') {
    super('unauthorized', message);
  }
}
export class ForbiddenError extends DomainError {
  constructor(message = 'Not allowed') {
    super('forbidden', message);
  }
}
export class NotFoundError extends DomainError {
  constructor(message: string) {
    super('not_found', message);
  }
}
/** A stale version, an illegal transition or a duplicate: the caller must re-read and retry. */
export class ConflictError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('conflict', message, details);
  }
}
export class PayloadTooLargeError extends DomainError {
  constructor(message: string) {
    super('payload_too_large', message);
  }
}
export class UnprocessableError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('unprocessable', message, details);
  }
}
/** A dependency (the EHR, an AWS service) failed; safe to retry later. */
export class UnavailableError extends DomainError {
  constructor(message: string) {
    super('unavailable', message);
  }
}

export const HTTP_STATUS: Record<DomainError['code'], number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unprocessable: 422,
  unavailable: 503,
};
