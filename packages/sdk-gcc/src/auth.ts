/**
 * The `Authorization` header the contract accepts: `Bearer`, exactly one space, and the token compared exactly
 * (printable ASCII, 1..512 characters; nothing trimmed, so a token with a space, tab or any other character added
 * never matches). The GCC service and the sdk-gcc fake both read the header with this pattern.
 */
export const BEARER_AUTHORIZATION: RegExp = /^Bearer ([\x21-\x7e]{1,512})$/i;

/** The bearer token of an `Authorization` header, or undefined when the header is not exactly `Bearer <token>`. */
export function bearerTokenOf(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  return BEARER_AUTHORIZATION.exec(header)?.[1];
}

/** The longest a token can be issued for: 10 years, in seconds. */
export const MAX_TOKEN_TTL_SECONDS = 315_360_000;

/** Why a requested token expiry is refused: the problem's detail and its field errors (JSON pointers). */
export interface TokenExpiryProblem {
  detail: string;
  errors: { path: string; message: string }[];
}

/**
 * When a token issued at `nowMs` stops being valid, from a request's `expires_at` (epoch ms; NaN when it did not
 * parse) or `ttl_seconds` (not both): epoch ms, or null when neither is given (valid until revoked). The one rule the
 * GCC service and the sdk-gcc fake apply.
 */
export function tokenExpiryOf(
  input: { expiresAtMs?: number; ttlSeconds?: number },
  nowMs: number,
): { expiresAtMs: number | null } | { problem: TokenExpiryProblem } {
  const { expiresAtMs, ttlSeconds } = input;
  if (expiresAtMs !== undefined && ttlSeconds !== undefined) {
    return {
      problem: {
        detail: 'Give expires_at or ttl_seconds, not both.',
        errors: [{ path: '/ttl_seconds', message: 'must not be given together with expires_at' }],
      },
    };
  }
  if (ttlSeconds !== undefined) {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TOKEN_TTL_SECONDS) {
      return {
        problem: {
          detail: 'ttl_seconds is out of range.',
          errors: [
            { path: '/ttl_seconds', message: `must be an integer from 1 to ${MAX_TOKEN_TTL_SECONDS}` },
          ],
        },
      };
    }
    return { expiresAtMs: nowMs + ttlSeconds * 1000 };
  }
  if (expiresAtMs !== undefined) {
    if (Number.isNaN(expiresAtMs) || expiresAtMs <= nowMs) {
      return {
        problem: {
          detail: 'expires_at must be in the future.',
          errors: [{ path: '/expires_at', message: 'must be a time in the future' }],
        },
      };
    }
    if (expiresAtMs > nowMs + MAX_TOKEN_TTL_SECONDS * 1000) {
      return {
        problem: {
          detail: 'expires_at is too far in the future.',
          errors: [{ path: '/expires_at', message: 'must be at most 10 years from now' }],
        },
      };
    }
    return { expiresAtMs };
  }
  return { expiresAtMs: null };
}
