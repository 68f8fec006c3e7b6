import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database';
import {
  type ArgoCdFastPathOptions,
  compileArgoCdFastPathOptions,
  isArgoCdFastPathConfigError,
} from '../../src/fastpath';
import { createGcc } from '../../src/gcc';
import { createWorker } from '../../src/worker';

const SECRET = 'argo-secret-token-value';

const problemsOf = (options: unknown): string[] => {
  try {
    compileArgoCdFastPathOptions(options as ArgoCdFastPathOptions);
  } catch (error) {
    expect(isArgoCdFastPathConfigError(error)).toBe(true);
    expect((error as Error).message).not.toContain(SECRET);
    return [...(error as { problems: string[] }).problems];
  }
  return [];
};

describe('Argo CD fast path options', () => {
  it('fills the documented defaults, reusing the executor options', () => {
    const c = compileArgoCdFastPathOptions({
      instances: { 'argo-eu': { url: 'https://argocd.eu.example.com', token: SECRET } },
    });
    expect(c.stopGraceMs).toBe(30_000);
    expect(c.leaseMarginMs).toBe(30_000);
    expect(c.instances.get('argo-eu')).toEqual({
      name: 'argo-eu',
      maxConcurrency: 10,
      insecure: false,
      ca: undefined,
      executor: { baseUrl: 'https://argocd.eu.example.com', token: SECRET },
    });
  });

  it.each<[string, unknown, RegExp[]]>([
    ['no instances object', {}, [/^argocd\.instances: must be an object/]],
    ['no instance', { instances: {} }, [/^argocd\.instances: must name at least one/]],
    [
      'a bad name, URL and token',
      { instances: { Argo_EU: { url: 'ftp://x', token: '' } } },
      [
        /^argocd\.instances\.Argo_EU: the instance name must be lowercase/,
        /^argocd\.instances\.Argo_EU\.url: must be an http\(s\) URL/,
        /^argocd\.instances\.Argo_EU\.token: must be a non-empty API token/,
      ],
    ],
    [
      'credentials in the URL, unknown and mistyped options',
      {
        instances: {
          eu: { url: 'https://u:p@argo', token: SECRET, tls: true, insecure: 'yes', maxConcurrency: 0 },
        },
      },
      [
        /^argocd\.instances\.eu\.tls: unknown option$/,
        /^argocd\.instances\.eu\.url: must be an http\(s\) URL without credentials/,
        /^argocd\.instances\.eu\.insecure: must be true or false$/,
        /^argocd\.instances\.eu\.maxConcurrency: must be an integer >= 1, got 0$/,
      ],
    ],
    [
      "the executor's own checks",
      {
        instances: {
          eu: { url: 'https://argo', token: SECRET, helmKeys: { backend: 'a,b' }, pollIntervalMs: 0 },
        },
      },
      [/^argocd\.instances\.eu: helmKeys\.backend: must match .*; pollIntervalMs: must be an integer/],
    ],
    [
      'a CA that is not PEM and bad durations',
      {
        instances: { eu: { url: 'https://argo', token: SECRET, ca: 'abc' } },
        stopGraceMs: -1,
        leaseMarginMs: 1.5,
      },
      [
        /^argocd\.instances\.eu\.ca: must be PEM text/,
        /^argocd\.stopGraceMs: must be an integer >= 0, got -1$/,
        /^argocd\.leaseMarginMs: must be an integer >= 0, got 1\.5$/,
      ],
    ],
  ])('rejects %s, listing every problem with its path', (_name, options, expected) => {
    const problems = problemsOf(options);
    expect(problems).toHaveLength(expected.length);
    for (const [i, re] of expected.entries()) expect(problems[i]).toMatch(re);
  });

  it('is checked when the worker and the GCC are built', async () => {
    const database = {} as Database; // never used: the options are rejected first
    const bad = { instances: { eu: { url: 'nope', token: SECRET } } };
    expect(() => createWorker({ database, argocd: bad })).toThrow(/argocd\.instances\.eu\.url/);
    await expect(
      createGcc({ database, orchestration: 'worker', argocd: bad, logger: pino({ level: 'silent' }) }),
    ).rejects.toMatchObject({ name: 'ArgoCdFastPathConfigError' });
  });
});
