import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying `sha256=<hex>`. */
export const SIGNATURE_HEADER = 'X-WrkTalk-Signature';
/** Header carrying the Unix time (seconds) the request was signed at. */
export const TIMESTAMP_HEADER = 'X-WrkTalk-Timestamp';

/** `sha256=` + hex HMAC-SHA256, keyed with the secret, of `<timestamp>.<raw body>`. */
export function signWebhook(secret: string, timestamp: number | string, body: string | Buffer): string {
  const h = createHmac('sha256', secret);
  h.update(`${timestamp}.`);
  h.update(body);
  return `sha256=${h.digest('hex')}`;
}

/** Input of {@link verifyWebhook}. */
export interface VerifyWebhookInput {
  secret: string;
  /** the raw request body, exactly as received */
  body: string | Buffer;
  /** `X-WrkTalk-Timestamp` */
  timestamp: string | undefined;
  /** `X-WrkTalk-Signature` */
  signature: string | undefined;
  /** accepted clock difference @default 300 */
  toleranceSeconds?: number;
  now?: Date;
}

/**
 * Checks a received webhook: the signature over `<timestamp>.<body>` in constant time, and a timestamp within
 * the tolerance (so a captured request cannot be replayed later).
 */
export function verifyWebhook(input: VerifyWebhookInput): boolean {
  const { timestamp, signature } = input;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  const now = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - Number(timestamp)) > (input.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(input.secret, timestamp, input.body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Posts one signed webhook; throws on a network error, a timeout or a non-2xx answer. */
export async function postWebhook(
  url: string,
  secret: string,
  body: Record<string, unknown>,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<void> {
  const raw = JSON.stringify(body);
  // Wall-clock time, not the GCC's (possibly simulated) clock: the receiver checks it against its own clock.
  const timestamp = Math.floor(Date.now() / 1000);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'wrktalk-gcc',
      ...headers,
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: signWebhook(secret, timestamp, raw),
    },
    body: raw,
    redirect: 'error',
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (res.ok) {
    await res.body?.cancel().catch(() => {});
    return;
  }
  const text = (await res.text().catch(() => '')).slice(0, 200);
  throw new Error(`webhook answered ${res.status}${text ? `: ${text}` : ''}`);
}
