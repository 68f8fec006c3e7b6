import type { Schemas } from './schemas';

/** Stable machine-readable error code of the contract (`ProblemCode` in `openapi/gcc.yaml`). */
export type ProblemCode = Schemas['ProblemCode'];

/** What the contract fixes for one problem code: its HTTP status and the problem's `title`. */
export interface ProblemType {
  /** HTTP status answered with this code. */
  readonly status: number;
  /** Short, stable `title` of the problem document. */
  readonly title: string;
}

/**
 * Every problem code of the contract with its status (the `ProblemCode` table) and title (the `Problem*` examples).
 * The one copy of this vocabulary: the GCC service and the sdk-gcc fake both answer from it.
 */
export const PROBLEM_TYPES: { readonly [C in ProblemCode]: ProblemType } = {
  malformed_json: { status: 400, title: 'Malformed JSON' },
  malformed_request: { status: 400, title: 'Malformed request' },
  validation_failed: { status: 400, title: 'Validation failed' },
  invalid_selector: { status: 400, title: 'Invalid label selector' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  release_conflict: { status: 409, title: 'Release conflict' },
  client_exists: { status: 409, title: 'Client exists' },
  policy_exists: { status: 409, title: 'Policy exists' },
  idempotency_key_reused: { status: 409, title: 'Idempotency key reused' },
  illegal_transition: { status: 409, title: 'Illegal transition' },
  stale_attempt: { status: 409, title: 'Stale attempt' },
  request_timeout: { status: 408, title: 'Request timeout' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  unknown_component: { status: 422, title: 'Unknown component' },
  invalid_image_reference: { status: 422, title: 'Invalid image reference' },
  registry_not_allowed: { status: 422, title: 'Registry not allowed' },
  unknown_client: { status: 422, title: 'Unknown client' },
  invalid_release_set: { status: 422, title: 'Invalid release set' },
  no_targets: { status: 422, title: 'No targets' },
  invalid_policy: { status: 422, title: 'Invalid policy' },
  rate_limited: { status: 429, title: 'Too many requests' },
  headers_too_large: { status: 431, title: 'Header fields too large' },
  internal_error: { status: 500, title: 'Internal server error' },
  unavailable: { status: 503, title: 'Service unavailable' },
};

/** The problem `type` URI of a code, e.g. `https://wrktalk.com/problems/not_found`. */
export function problemTypeUri(code: ProblemCode): string {
  return `https://wrktalk.com/problems/${code}`;
}
