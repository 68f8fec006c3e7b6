import { PROBLEM_TYPES, type ProblemCode, problemTypeUri } from '../problems';
import type { Schemas } from '../schemas';

type FieldError = Schemas['ProblemFieldError'];

/** A problem the fake answers with; thrown inside handlers and turned into problem+json (status and title from the contract's table). */
export class FakeProblem extends Error {
  /** HTTP status of the code. */
  readonly status: number;

  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
    this.name = 'FakeProblem';
    this.status = PROBLEM_TYPES[code].status;
  }

  /** The RFC 9457 answer. */
  toResponse(instance: string): Response {
    const body: Schemas['Problem'] = {
      type: problemTypeUri(this.code),
      title: PROBLEM_TYPES[this.code].title,
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
