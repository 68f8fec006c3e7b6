import type { ServerResponse } from 'node:http';
import { PROBLEM_TYPES, problemTypeUri } from '@wrktalk/sdk-gcc';
import { isConcurrencyConflict, isDatabaseUnavailable } from '../db/errors';
import type { FieldError, GccErrorCode } from '../errors/gcc-service-error';

/**
 * Sends an RFC 9457 problem document. Plain `node:http` calls, so it also answers requests handled before Express
 * (`Gcc.handlePoll`).
 */
export function sendProblem(
  res: ServerResponse,
  code: GccErrorCode,
  detail: string,
  instance: string,
  requestId: string | undefined,
  errors?: FieldError[],
  extensions?: Record<string, unknown>,
): void {
  const { status, title } = PROBLEM_TYPES[code];
  if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="gcc"');
  if (status === 503 || status === 429) res.setHeader('Retry-After', '1');
  const body = JSON.stringify({
    ...extensions,
    type: problemTypeUri(code),
    title,
    status,
    detail,
    instance,
    code,
    ...(errors && { errors }),
    ...(requestId && { request_id: requestId }),
  });
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/problem+json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/** What an unexpected error (not a `GccServiceError`) means for the caller: database errors are mapped, never a 500 for input. */
export function classifyError(error: unknown): { code: GccErrorCode; detail: string } | undefined {
  const e = error as { code?: unknown; type?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return undefined;
  if (typeof e.type === 'string') {
    // body-parser errors
    if (e.type === 'entity.too.large') return { code: 'payload_too_large', detail: 'The body is too large.' };
    if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
      return { code: 'unsupported_media_type', detail: 'Unsupported body encoding or charset.' };
    }
    if (
      e.type === 'request.aborted' ||
      e.type === 'request.size.invalid' ||
      e.type === 'stream.encoding.set'
    ) {
      return { code: 'malformed_json', detail: 'The body could not be read.' };
    }
  }
  if (typeof e.code === 'string') {
    const c = e.code;
    if (/^22/.test(c))
      return { code: 'validation_failed', detail: 'A value is out of range for the database.' };
    if (c === '23505' || /^23/.test(c))
      return { code: 'illegal_transition', detail: 'The change conflicts with the current state.' };
    if (isConcurrencyConflict(error)) return { code: 'unavailable', detail: 'Concurrent change; retry.' };
  }
  if (isDatabaseUnavailable(error)) {
    return { code: 'unavailable', detail: 'The database is unavailable; retry later.' };
  }
  return undefined;
}
