/** How delays grow after failures. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  multiplier: number;
  jitter: 'full' | 'equal' | 'none';
}

/**
 * Delay before retry number `failures` (1 for the first retry). The cap grows as `initialMs × multiplier^(failures-1)`
 * up to `maxMs`; the window drawn from is that cap, or `spreadMs` when larger (bounded by `maxMs` too). Then:
 * - `full`: uniform in [`floorMs`, window] ("full jitter" above the floor: no value is more likely than another, so a
 *   fleet that failed at the same instant, e.g. every long poll cut by a GCC restart, comes back spread over the
 *   window instead of all at the floor);
 * - `equal`: uniform in [window / 2, window], never below `floorMs`;
 * - `none`: the cap itself (never below `floorMs`); `spreadMs` is a jitter setting and does not apply.
 * `random` returns a number in [0, 1). `floorMs` keeps a draw from making a tight loop.
 */
export function backoffDelay(
  failures: number,
  policy: BackoffPolicy,
  random: () => number,
  floorMs: number,
  spreadMs = 0,
): number {
  const n = Math.max(1, failures);
  const cap = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** (n - 1));
  const window = Math.max(cap, Math.min(spreadMs, policy.maxMs));
  let delay: number;
  switch (policy.jitter) {
    case 'full':
      delay = window > floorMs ? floorMs + random() * (window - floorMs) : floorMs;
      break;
    case 'equal':
      delay = window / 2 + (random() * window) / 2;
      break;
    default:
      delay = cap;
  }
  return Math.round(Math.max(floorMs, delay));
}

/**
 * The least window a failed poll's retry is drawn from ({@link backoffDelay}'s `spreadMs`): one poll period, the
 * long-poll wait or the GCC's `poll_after_seconds`, whichever is longer. A fleet whose polls all fail at once (a GCC
 * restart cuts every long poll) then comes back at about the rate it polls anyway: 100,000 agents with a 30 s
 * long poll reconnect at about 3,400 a second over 29 s, not 100,000 in the same second.
 */
export function pollSpreadMs(pollWaitSeconds: number, pollAfterMs: number | undefined): number {
  return Math.max(pollWaitSeconds * 1000, pollAfterMs ?? 0);
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
