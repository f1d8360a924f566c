/**
 * What a failed reminder send means for the reminder, whichever channel it went through:
 * - `retryable` — the provider was busy or failing (throttling, quota, 5xx, the network): try again later;
 * - `opted-out` — the destination opted out at the provider: skip, never retry;
 * - `bad-contact` — the phone number or address cannot be used: mark the contact point bad and reach
 *   the patient another way;
 * - `permanent` — anything else (our configuration, a rejected message): fail the reminder.
 */
export const CHANNEL_ERROR_KINDS = ['retryable', 'opted-out', 'bad-contact', 'permanent'] as const;
export type ChannelErrorKind = (typeof CHANNEL_ERROR_KINDS)[number];

export type Channel = 'sms' | 'email';

/**
 * A classified send failure. `code` is the provider's error name (`ThrottlingException`,
 * `MessageRejected`), a network error code, or our own `InvalidDestination` / `InvalidMessage`
 * for input refused before any call. Never the provider's message text: it may echo the phone
 * number or address. The provider error is deliberately not kept as `cause` for the same reason.
 */
export class ChannelError extends Error {
  constructor(
    readonly channel: Channel,
    readonly kind: ChannelErrorKind,
    readonly code: string,
  ) {
    super(`${channel} send failed (${kind}): ${code}`);
    this.name = 'ChannelError';
  }
}

/** The parts of an AWS SDK error that classification looks at; everything optional (it may be a network error). */
export interface ProviderErrorFacts {
  /** The service's error name, or a safe name for a non-service error. */
  code: string;
  /** True when the service answered with an error, false for network and client-side errors. */
  answered: boolean;
  /** True for a 5xx or an error the service models as its own fault. */
  serverFault: boolean;
  /** The error's modelled `Reason` member (End User Messaging SMS). */
  reason: string | undefined;
  /** Names of the fields a ValidationException points at (End User Messaging SMS). */
  fieldNames: string[];
}

const SAFE_CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;

/**
 * Reads the classification facts out of whatever a send threw, without touching its message.
 * A Node network error contributes its errno code (`ECONNREFUSED`), an SDK client error its name
 * (`TimeoutError`); anything unrecognisable becomes `UnknownError`.
 */
export function providerErrorFacts(error: unknown): ProviderErrorFacts {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    code?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    Reason?: unknown;
    Fields?: unknown;
  };
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const isServiceError = status !== undefined || e.$fault === 'client' || e.$fault === 'server';
  const candidates = isServiceError ? [e.name] : [e.code, e.name];
  const code = candidates.find((c): c is string => typeof c === 'string' && SAFE_CODE.test(c) && c !== 'Error') ?? 'UnknownError';
  const fieldNames = Array.isArray(e.Fields)
    ? e.Fields.flatMap((f: unknown) => (typeof f === 'object' && f !== null && typeof (f as { Name?: unknown }).Name === 'string' ? [(f as { Name: string }).Name] : []))
    : [];
  return {
    code,
    answered: isServiceError,
    serverFault: e.$fault === 'server' || (status !== undefined && status >= 500),
    reason: typeof e.Reason === 'string' ? e.Reason : undefined,
    fieldNames,
  };
}
