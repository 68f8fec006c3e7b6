import type { Schemas } from '@wrktalk/sdk-gcc';

/** Stable error code of the contract (`ProblemCode`). */
export type GccErrorCode = Schemas['ProblemCode'];
/** One located problem of a `validation_failed` error; `path` is a JSON pointer into the request. */
export type FieldError = Schemas['ProblemFieldError'];

/** HTTP status of each code (openapi/README.md, error codes). */
export const STATUS_OF: Record<GccErrorCode, number> = {
  malformed_json: 400,
  validation_failed: 400,
  invalid_selector: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  release_conflict: 409,
  client_exists: 409,
  idempotency_key_reused: 409,
  illegal_transition: 409,
  stale_attempt: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unknown_component: 422,
  invalid_image_reference: 422,
  unknown_client: 422,
  no_targets: 422,
  rate_limited: 429,
  internal_error: 500,
  unavailable: 503,
};

/** Short title of each code, the problem's `title`. */
export const TITLE_OF: Record<GccErrorCode, string> = {
  malformed_json: 'Malformed JSON',
  validation_failed: 'Validation failed',
  invalid_selector: 'Invalid label selector',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  release_conflict: 'Release conflict',
  client_exists: 'Client exists',
  idempotency_key_reused: 'Idempotency key reused',
  illegal_transition: 'Illegal transition',
  stale_attempt: 'Stale attempt',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  unknown_component: 'Unknown component',
  invalid_image_reference: 'Invalid image reference',
  unknown_client: 'Unknown client',
  no_targets: 'No targets',
  rate_limited: 'Rate limited',
  internal_error: 'Internal error',
  unavailable: 'Unavailable',
};

/**
 * A domain error of the GCC services, with the contract's stable code. The router turns it into
 * problem+json; `extensions` become extra members of the problem (for example the task's current state).
 */
export class GccError extends Error {
  override readonly name = 'GccError';
  /** HTTP status of the code. */
  readonly status: number;

  constructor(
    readonly code: GccErrorCode,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly extensions?: Record<string, unknown>,
  ) {
    super(detail);
    this.status = STATUS_OF[code];
  }
}

/** True for a {@link GccError} (also across package copies: checks `name`). */
export function isGccError(value: unknown): value is GccError {
  return (
    value instanceof GccError || (value instanceof Error && value.name === 'GccError' && 'code' in value)
  );
}

/** A `validation_failed` error with one or more located problems. */
export function validationFailed(errors: FieldError[]): GccError {
  const detail =
    errors.length === 1
      ? `${errors[0]!.path}: ${errors[0]!.message}`
      : `${errors.length} fields are invalid.`;
  return new GccError('validation_failed', detail, errors);
}
