import type { GccSend, GccSendResponse } from '@wrktalk/sdk-gcc';

/** Options of {@link createNodeHttpSend}. */
export interface NodeHttpSendOptions {
  /**
   * Largest response body read, in bytes; a larger one fails the request (the GCC's answers are a few KB).
   * @default 1_048_576
   */
  maxResponseBytes?: number;
}

type HttpModule = typeof import('node:http');

/**
 * The modules are taken with `process.getBuiltinModule`, not imported: an ESM `import 'node:http'` reads every export
 * of the module, and on Node >= 22 that runs its lazy `WebSocket` getter, which loads undici, the ~10–15 MB this
 * transport exists to avoid. `node:https` (and TLS) is loaded only for an https URL.
 */
const builtin = (id: 'node:http' | 'node:https'): HttpModule => process.getBuiltinModule(id) as HttpModule;

/**
 * A {@link GccSend} over `node:http` / `node:https` (the global agents: keep-alive, and on Node >= 24 the
 * `NODE_USE_ENV_PROXY` proxy settings). The agent's default way to the GCC: an idle agent then never loads Node's fetch
 * (undici) and its WebAssembly HTTP parser, ~20 MB resident (see the package README, "Idle memory"). TLS trusts what
 * Node trusts (`NODE_EXTRA_CA_CERTS` for a private CA), as fetch does. Redirects are not followed, and no
 * `accept-encoding` is sent, so answers come uncompressed.
 */
export function createNodeHttpSend(options: NodeHttpSendOptions = {}): GccSend {
  const maxBytes = options.maxResponseBytes ?? 1_048_576;
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) {
    throw new TypeError('maxResponseBytes: must be a positive integer');
  }
  return ({ method, url, headers, body, signal }) =>
    new Promise<GccSendResponse>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const target = new URL(url);
      const mod = builtin(target.protocol === 'https:' ? 'node:https' : 'node:http');
      const sent: Record<string, string> = { ...headers };
      if (body !== undefined) sent['content-length'] = String(Buffer.byteLength(body));
      let fail: (error: unknown) => void = reject;
      const onAbort = () => {
        fail(signal.reason);
        req.destroy();
      };
      const req = mod.request(target, { method, headers: sent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const text = new Promise<string>((resolveBody, rejectBody) => {
          fail = rejectBody;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              rejectBody(new Error(`response body larger than ${maxBytes} bytes`));
              req.destroy();
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
          res.on('error', rejectBody);
          res.on('aborted', () => rejectBody(new Error('response aborted')));
        });
        // Read or not, the body must not become an unhandled rejection; text() hands out the same promise.
        text.catch(() => undefined).finally(() => signal.removeEventListener('abort', onAbort));
        resolve({
          status: res.statusCode ?? 0,
          headers: {
            get: (name) => {
              const v = res.headers[name.toLowerCase()];
              return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
            },
          },
          text: () => text,
        });
      });
      req.on('error', (error) => {
        signal.removeEventListener('abort', onAbort);
        fail(error);
      });
      signal.addEventListener('abort', onAbort, { once: true });
      req.end(body);
    });
}
