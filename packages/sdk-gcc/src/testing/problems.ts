import type { Schemas } from '../schemas';

type ProblemCode = Schemas['ProblemCode'];
type FieldError = Schemas['ProblemFieldError'];

const TITLES: Record<ProblemCode, string> = {
  malformed_json: 'Malformed JSON',
  validation_failed: 'Validation failed',
  unsupported_media_type: 'Unsupported media type',
  payload_too_large: 'Payload too large',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  release_conflict: 'Release conflict',
  client_exists: 'Client exists',
  idempotency_key_reused: 'Idempotency key reused',
  illegal_transition: 'Illegal transition',
  invalid_selector: 'Invalid selector',
  unknown_client: 'Unknown client',
  unknown_component: 'Unknown component',
  invalid_image_reference: 'Invalid image reference',
  no_targets: 'No targets',
  stale_attempt: 'Stale attempt',
  rate_limited: 'Rate limited',
  internal_error: 'Internal error',
  unavailable: 'Unavailable',
};

/** A problem the fake answers with; thrown inside handlers and turned into problem+json. */
export class FakeProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: ProblemCode,
    readonly detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
    this.name = 'FakeProblem';
  }

  /** The RFC 9457 answer. */
  toResponse(instance: string): Response {
    const body: Schemas['Problem'] = {
      type: `https://wrktalk.com/problems/${this.code}`,
      title: TITLES[this.code],
      status: this.status,
      code: this.code,
      detail: this.detail,
      instance,
      ...(this.errors ? { errors: this.errors } : {}),
    };
    const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
    if (this.status === 401) headers['www-authenticate'] = 'Bearer realm="gcc"';
    return new Response(JSON.stringify(body), { status: this.status, headers });
  }
}
