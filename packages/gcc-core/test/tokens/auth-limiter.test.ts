import { describe, expect, it } from 'vitest';
import { AuthFailureLimiter } from '../../src/http/auth-limiter';

describe('AuthFailureLimiter', () => {
  const make = (maxSources: number) => {
    let now = 1_000_000;
    const limiter = new AuthFailureLimiter({ max: 2, windowSeconds: 10, maxSources }, () => now);
    return { limiter, advance: (s: number) => (now += s * 1000) };
  };

  it('blocks after max failures for windowSeconds, with Retry-After rounded up', () => {
    const { limiter, advance } = make(10);
    expect(limiter.fail('a')).toBe(false);
    expect(limiter.retryAfter('a')).toBe(0);
    expect(limiter.fail('a')).toBe(true);
    expect(limiter.retryAfter('a')).toBe(10);
    expect(limiter.retryAfter('b')).toBe(0);
    advance(9.5);
    expect(limiter.retryAfter('a')).toBe(1);
    advance(0.5);
    expect(limiter.retryAfter('a')).toBe(0);
    expect(limiter.anyBlocked()).toBe(false);
    expect(limiter.fail('a')).toBe(false);
  });

  it('failures spread over more than the window do not block', () => {
    const { limiter, advance } = make(10);
    limiter.fail('a');
    advance(10);
    expect(limiter.fail('a')).toBe(false);
    expect(limiter.retryAfter('a')).toBe(0);
  });

  it('tracks at most maxSources sources, forgetting the oldest first', () => {
    const { limiter } = make(3);
    for (const s of ['s1', 's2', 's3', 's4', 's5']) limiter.fail(s);
    expect(limiter.size).toBe(3);
    // s1 was forgotten: one more failure does not block it; s5 is still counted.
    expect(limiter.fail('s1')).toBe(false);
    expect(limiter.fail('s5')).toBe(true);
    for (let i = 0; i < 10_000; i++) limiter.fail(`x${i}`);
    expect(limiter.size).toBe(3);
  });
});
