import { type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
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

/** What Node's HTTP parser refused, as the contract's problem (Node's own default answers, as problem+json). */
function clientErrorProblem(code: string | undefined): { code: GccErrorCode; detail: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        code: 'headers_too_large',
        detail: "The request's header fields are larger than this server accepts.",
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { code: 'payload_too_large', detail: 'The chunk extensions of the body are too large.' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { code: 'request_timeout', detail: "The request's header fields did not arrive in time." };
    default:
      return { code: 'malformed_request', detail: 'The request is not valid HTTP/1.1.' };
  }
}

/**
 * A `node:http` server's `'clientError'` listener: what the HTTP parser refuses before any route runs (header fields
 * too large, header timeout, anything that is not HTTP/1.1) is answered as an RFC 9457 problem document
 * (`431 headers_too_large`, `408 request_timeout`, `413 payload_too_large`, `400 malformed_request`) instead of
 * Node's bare default, and the connection is closed. A reset connection, or one already answering, is only closed.
 *
 * `server.on('clientError', answerClientError)`
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // As Node's default: nothing can be written on a reset or closed socket, nor inside a response already started.
  const answering = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || answering?.headersSent) {
    socket.destroy();
    return;
  }
  const { code, detail } = clientErrorProblem(error.code);
  const { status, title } = PROBLEM_TYPES[code];
  const body = JSON.stringify({ type: problemTypeUri(code), title, status, detail, code });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? title}\r\n` +
      'Content-Type: application/problem+json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
