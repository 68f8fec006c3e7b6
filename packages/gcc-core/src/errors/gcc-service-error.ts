import { PROBLEM_TYPES, type Schemas } from '@wrktalk/sdk-gcc';

/** Stable error code of the contract (`ProblemCode`). */
export type GccErrorCode = Schemas['ProblemCode'];
/** One located problem of a `validation_failed` error; `path` is a JSON pointer into the request. */
export type FieldError = Schemas['ProblemFieldError'];

/**
 * HTTP status of each code, read from the contract's one problem table (`PROBLEM_TYPES` of `@wrktalk/sdk-gcc`).
 * Kept as a view for callers of gcc-core; the statuses and titles themselves live in sdk-gcc only.
 */
export const STATUS_OF: Readonly<Record<GccErrorCode, number>> = Object.fromEntries(
  Object.entries(PROBLEM_TYPES).map(([code, t]) => [code, t.status]),
) as Record<GccErrorCode, number>;

/**
 * A domain error of the GCC services, with the contract's stable code. The router turns it into
 * problem+json; `extensions` become extra members of the problem (for example the task's current state).
 */
export class GccServiceError extends Error {
  override readonly name = 'GccServiceError';
  /** HTTP status of the code. */
  readonly status: number;

  constructor(
    readonly code: GccErrorCode,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly extensions?: Record<string, unknown>,
  ) {
    super(detail);
    this.status = PROBLEM_TYPES[code].status;
  }
}

/** True for a {@link GccServiceError} (also across package copies: checks `name`). */
export function isGccServiceError(value: unknown): value is GccServiceError {
  return (
    value instanceof GccServiceError ||
    (value instanceof Error && value.name === 'GccServiceError' && 'code' in value)
  );
}

/** A `validation_failed` error with one or more located problems. */
export function validationFailed(errors: FieldError[]): GccServiceError {
  const detail =
    errors.length === 1
      ? `${errors[0]!.path}: ${errors[0]!.message}`
      : `${errors.length} fields are invalid.`;
  return new GccServiceError('validation_failed', detail, errors);
}
