/** How delays grow after failures. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  multiplier: number;
  jitter: 'full' | 'equal' | 'none';
}

/**
 * Delay before retry number `failures` (1 for the first retry): `initialMs × multiplier^(failures-1)`, capped at
 * `maxMs`, then jittered, and never below `floorMs` (full jitter can draw 0, which would make a tight loop).
 * `random` returns a number in [0, 1).
 */
export function backoffDelay(
  failures: number,
  policy: BackoffPolicy,
  random: () => number,
  floorMs: number,
): number {
  const n = Math.max(1, failures);
  const cap = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** (n - 1));
  let delay: number;
  switch (policy.jitter) {
    case 'full':
      delay = random() * cap;
      break;
    case 'equal':
      delay = cap / 2 + (random() * cap) / 2;
      break;
    default:
      delay = cap;
  }
  return Math.round(Math.max(floorMs, delay));
}

/**
 * Parses a `Retry-After` header (delta-seconds or an HTTP date) into milliseconds from `nowMs`; `undefined` when
 * absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
