import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { answerClientError } from '../../src/index';

/** A socket that records what is written to it. */
function socket() {
  let written = '';
  let destroyed = false;
  const s = new Duplex({
    read() {},
    write(chunk, _enc, done) {
      written += String(chunk);
      done();
    },
  });
  const destroy = s.destroy.bind(s);
  s.destroy = (error?: Error) => {
    destroyed = true;
    return destroy(error);
  };
  return { s, written: () => written, destroyed: () => destroyed };
}

const error = (code: string) => Object.assign(new Error(code), { code });

describe('answerClientError', () => {
  it.each([
    ['HPE_HEADER_OVERFLOW', 431, 'headers_too_large'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'request_timeout'],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 413, 'payload_too_large'],
    ['HPE_INVALID_METHOD', 400, 'malformed_request'],
    ['SOMETHING_NEW', 400, 'malformed_request'],
  ])('%s is %i %s as problem+json, and the connection is closed', (code, status, problem) => {
    const { s, written } = socket();
    answerClientError(error(code), s);
    const [head, body] = written().split('\r\n\r\n');
    expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    expect(head).toContain('Content-Type: application/problem+json; charset=utf-8');
    expect(head).toContain('Connection: close');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body!)}`);
    expect(JSON.parse(body!)).toMatchObject({
      type: `https://wrktalk.com/problems/${problem}`,
      status,
      code: problem,
    });
  });

  it('only closes a reset socket', () => {
    const { s, written, destroyed } = socket();
    answerClientError(error('ECONNRESET'), s);
    expect(written()).toBe('');
    expect(destroyed()).toBe(true);
  });
});
