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
    this.status = PROBLEM_TYPES[code].status;
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
