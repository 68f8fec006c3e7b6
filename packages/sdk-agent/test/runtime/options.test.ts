import { createFakeExecutor } from '@wrktalk/sdk-agent';
import { describe, expect, it } from 'vitest';
import {
  type AgentOptions,
  compileAgentOptions,
  createAgent,
  defaultAgentOptions,
  isAgentOptionsError,
  silentLogger,
} from '../../src/runtime';

const base: AgentOptions = {
  gcc: { baseUrl: 'https://gcc.wrktalk.com', token: 't' },
  clientId: 'acme-prod',
  executor: createFakeExecutor(),
  stateFile: '/tmp/x/state.json',
  logger: silentLogger,
};

function problemsOf(options: unknown): string[] {
  try {
    compileAgentOptions(options as AgentOptions);
  } catch (error) {
    if (isAgentOptionsError(error)) return [...error.problems];
    throw error;
  }
  throw new Error('expected AgentOptionsError');
}

describe('compileAgentOptions', () => {
  it('applies the documented defaults', () => {
    const o = compileAgentOptions(base);
    expect(o).toMatchObject({
      allowedRegistries: ['registry.wrktalk.com/'],
      components: ['backend', 'media', 'ct'],
      pollWaitSeconds: 30,
      minPollIntervalMs: 1000,
      backoff: { initialMs: 1000, maxMs: 300_000, multiplier: 2, jitter: 'full' },
      timeouts: { applyMs: 900_000, verifyMs: undefined, reportMs: 30_000, currentMs: 60_000 },
      revertOnFailedVerify: true,
      stopGraceMs: 20_000,
      trustedKeys: [],
    });
    expect(Object.keys(defaultAgentOptions()).sort()).toMatchInlineSnapshot(`
      [
        "agentVersion",
        "allowedRegistries",
        "backoff",
        "components",
        "minPollIntervalMs",
        "now",
        "pollWaitSeconds",
        "random",
        "revertOnFailedVerify",
        "sleep",
        "stopGraceMs",
        "timeouts",
        "trustedKeys",
      ]
    `);
  });

  it.each([
    ['30s', 30_000],
    ['500ms', 500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    [2500, 2500],
  ])('normalises the duration %s to %i ms', (value, ms) => {
    expect(compileAgentOptions({ ...base, minPollIntervalMs: value as never }).minPollIntervalMs).toBe(ms);
  });

  it('adds the trailing slash to a registry prefix, so registry.wrktalk.com.evil.io does not match', () => {
    expect(
      compileAgentOptions({ ...base, allowedRegistries: ['registry.wrktalk.com'] }).allowedRegistries,
    ).toEqual(['registry.wrktalk.com/']);
  });

  it('lists every problem with its path, not just the first', () => {
    expect(
      problemsOf({
        gcc: { baseUrl: 'ftp://x' },
        clientId: 'Acme_Prod',
        executor: { name: 'x', apply: 1 },
        stateFile: '',
        allowedRegistries: ['https://registry.wrktalk.com/'],
        components: ['Backend'],
        pollWaitSeconds: 61,
        minPollIntervalMs: 0,
        backoff: { initialMs: '10 sec', maxMs: 10, multiplier: 0.5, jitter: 'some' },
        timeouts: { applyMs: -1, verifyMs: '1d' },
        stopGraceMs: 'soon',
        revertOnFailedVerify: 'yes',
        sleep: 5,
      }),
    ).toEqual([
      'gcc.baseUrl: required, an absolute http(s) URL',
      'gcc.token: required, the agent token',
      `clientId: required, a DNS label such as 'adani-prod', got "Acme_Prod"`,
      'executor.current: must be a function',
      'executor.apply: must be a function',
      'executor.verify: must be a function',
      'executor.doctor: must be a function',
      'stateFile: required, a file path in a writable directory',
      `allowedRegistries[0]: must be a registry host with an optional path, without a scheme (e.g. 'registry.wrktalk.com/'), got "https://registry.wrktalk.com/"`,
      'components[0]: must match /^[a-z][a-z0-9-]{0,62}$/, got "Backend"',
      'pollWaitSeconds: must be an integer from 0 to 60, got 61',
      'minPollIntervalMs: must be at least 1 ms, got 0',
      `backoff.initialMs: must be a duration (milliseconds, or a string like '30s'), got "10 sec"`,
      'backoff.multiplier: must be a number >= 1, got 0.5',
      `backoff.jitter: must be 'full', 'equal' or 'none', got "some"`,
      'backoff.maxMs: must be >= backoff.initialMs (1000), got 10',
      `timeouts.applyMs: must be a duration (milliseconds, or a string like '30s'), got -1`,
      `timeouts.verifyMs: must be a duration (milliseconds, or a string like '30s'), got "1d"`,
      `stopGraceMs: must be a duration (milliseconds, or a string like '30s'), got "soon"`,
      'revertOnFailedVerify: must be a boolean',
      'sleep: must be a function',
    ]);
  });

  it('is what createAgent throws, with a readable message', () => {
    expect(() => createAgent({ ...base, clientId: '' })).toThrowError(
      /^Invalid agent options:\n {2}- clientId: required/,
    );
  });

  it('accepts an injected GccClient instead of connection options', () => {
    const gcc = { agent: { getUpdates: async () => ({}), reportStatus: async () => ({}) } };
    expect(compileAgentOptions({ ...base, gcc: gcc as never }).gcc).toBe(gcc);
  });
});
