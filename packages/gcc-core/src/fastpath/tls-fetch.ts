import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';

/** TLS settings of one Argo CD instance. */
export interface TlsSettings {
  /** Accept any certificate. */
  insecure: boolean;
  /** Extra trusted CA certificates (PEM), besides the system ones. */
  ca: string | undefined;
}

const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * A `fetch` for the Argo CD API client that honours per-instance TLS settings. Node's global fetch takes no TLS
 * options (its dispatcher lives in the `undici` package, which is not a dependency), so this one speaks
 * `node:https` with its own keep-alive agent. It covers what the client uses: method, headers, a string body,
 * an abort signal, and the status and text of the answer.
 */
export function tlsFetch(tls: TlsSettings): typeof fetch {
  const agent = new Agent({
    keepAlive: true,
    rejectUnauthorized: !tls.insecure,
    ...(tls.ca !== undefined && { ca: [...rootCertificates, tls.ca] }),
  });
  const doFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const body = init.body === undefined || init.body === null ? undefined : String(init.body);
    return new Promise<Response>((resolve, reject) => {
      const onResponse = (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 502;
          const answer = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) answer.set(k, Array.isArray(v) ? v.join(', ') : v);
          }
          resolve(
            new Response(NO_BODY.has(status) ? null : Buffer.concat(chunks), { status, headers: answer }),
          );
        });
      };
      const options = {
        method: init.method ?? 'GET',
        headers,
        ...(init.signal ? { signal: init.signal } : {}),
      };
      const req =
        url.protocol === 'https:'
          ? httpsRequest(url, { ...options, agent }, onResponse)
          : httpRequest(url, options, onResponse);
      req.on('error', reject);
      req.end(body);
    });
  };
  return doFetch as typeof fetch;
}
