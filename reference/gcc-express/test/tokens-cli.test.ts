import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { run } from './helpers/run-cli';

describe('reference GCC: token settings', () => {
  it('reads GCC_AUTH_FAILURE_LIMIT, GCC_AUTH_FAILURE_WINDOW_SECONDS and GCC_TOKEN_CACHE_TTL_SECONDS', () => {
    expect(loadConfig({})).toMatchObject({
      authFailureLimit: { max: 100, windowSeconds: 60 },
      tokenCacheTtlSeconds: 30,
    });
    expect(
      loadConfig({
        GCC_AUTH_FAILURE_LIMIT: '20',
        GCC_AUTH_FAILURE_WINDOW_SECONDS: '300',
        GCC_TOKEN_CACHE_TTL_SECONDS: '0',
      }),
    ).toMatchObject({ authFailureLimit: { max: 20, windowSeconds: 300 }, tokenCacheTtlSeconds: 0 });
    expect(loadConfig({ GCC_AUTH_FAILURE_LIMIT: '0' }).authFailureLimit).toBe(false);
    expect(() =>
      loadConfig({
        GCC_AUTH_FAILURE_LIMIT: '-1',
        GCC_AUTH_FAILURE_WINDOW_SECONDS: '0',
        GCC_TOKEN_CACHE_TTL_SECONDS: '3601',
      }),
    ).toThrow(
      /GCC_AUTH_FAILURE_LIMIT: .*\n.*GCC_AUTH_FAILURE_WINDOW_SECONDS: .*\n.*GCC_TOKEN_CACHE_TTL_SECONDS: /,
    );
  });
});

describe('wrktalk-gcc token issue --ttl-seconds / token revoke', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gcc-tokens-cli-'));
    env = { GCC_DATA_DIR: dir, LOG_LEVEL: 'silent', GCC_RUN_WORKER: 'false' };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('issues an expiring token, then revokes it by id', { timeout: 60_000 }, async () => {
    const issued = await run(
      ['token', 'issue', '--role', 'admin', '--name', 'ops', '--ttl-seconds', '3600', '--json'],
      env,
    );
    expect(issued.code, issued.err).toBe(0);
    const t = JSON.parse(issued.out) as { id: string; expires_at: string | null };
    expect(t.expires_at).not.toBeNull();
    const revoked = await run(['token', 'revoke', t.id], env);
    expect(revoked.code, revoked.err).toBe(0);
    expect(revoked.err).toContain(`Revoked token ${t.id}`);
    // Again: nothing to do, still fine; an unknown id is an error.
    expect((await run(['token', 'revoke', t.id], env)).code).toBe(0);
    const unknown = await run(['token', 'revoke', 'tok-nothere'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/No token tok-nothere/);
  });

  it.each([
    [['token', 'revoke'], /missing required argument 'id'/],
    [['token', 'revoke', 'abc'], /A token id is tok-/],
    [['token', 'issue', '--role', 'admin', '--name', 'x', '--ttl-seconds', '0'], /A TTL is a whole number/],
    [['token', 'issue', '--role', 'admin', '--name', 'x', '--expires-at', 'tomorrow'], /RFC 3339/],
    [
      [
        'token',
        'issue',
        '--role',
        'admin',
        '--name',
        'x',
        '--ttl-seconds',
        '5',
        '--expires-at',
        '2999-01-01T00:00:00Z',
      ],
      /not both/,
    ],
  ])('%j is a usage error', async (args, message) => {
    const r = await run(args, env);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});
