import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database';
import { isGccOptionsError } from '../src/errors/options-error';
import { isArgoCdFastPathConfigError } from '../src/fastpath/config-error';
import { createGcc, type GccOptions } from '../src/index';

const database = {} as Database; // never used: the options are rejected first
const logger = pino({ level: 'silent' });

async function problemsOf(options: Partial<GccOptions>): Promise<{ name: string; problems: string[] }> {
  const error = await createGcc({ database, logger, ...options }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isGccOptionsError(error)).toBe(true);
  const e = error as { name: string; problems: string[] };
  return { name: e.name, problems: [...e.problems] };
}

describe('createGcc options: every problem at once, as the fast path already did', () => {
  it('lists each bad value with its path instead of stopping at the first', async () => {
    expect(
      await problemsOf({
        components: ['backend', 'Media!'],
        pollAfterSeconds: -1,
        leaseSeconds: 2 ** 31,
        maxBodyBytes: 0,
        auditRetentionDays: 0,
        orchestration: 'worker',
        worker: { pollIntervalMs: 1, maxTickErrors: 0 },
      }),
    ).toEqual({
      name: 'GccOptionsError',
      problems: [
        'components[1]: must be a component name like \'backend\', got "Media!"',
        'pollAfterSeconds: must be an integer >= 0, got -1',
        'leaseSeconds: must be an integer from 1 to 86400, got 2147483648',
        'maxBodyBytes: must be an integer >= 1, got 0',
        'auditRetentionDays: must be an integer from 1 to 36500, got 0',
        'worker.pollIntervalMs: must be an integer >= 10, got 1',
        'worker.maxTickErrors: must be an integer from 1 to 1000, got 0',
      ],
    });
  });

  it('the fast path problems join the others; alone they stay an ArgoCdFastPathConfigError', async () => {
    const bad = { instances: { eu: { url: 'nope', token: 't' } } };
    const mixed = await problemsOf({ orchestration: 'sideways' as never, argocd: bad });
    expect(mixed.name).toBe('GccOptionsError');
    expect(mixed.problems).toEqual([
      "orchestration: must be 'immediate' or 'worker', got \"sideways\"",
      expect.stringMatching(/^argocd\.instances\.eu\.url: /),
    ]);
    const alone = await createGcc({ database, logger, orchestration: 'worker', argocd: bad }).catch((e) => e);
    expect(isArgoCdFastPathConfigError(alone)).toBe(true);
    expect(alone).toBeInstanceOf(RangeError);
  });
});
