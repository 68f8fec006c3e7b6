import { describe, expect, it } from 'vitest';
import { defaultStrategy, resolveStrategy } from '../../src/strategy/strategy';
import { validateStrategy } from '../../src/strategy/validate-strategy';

describe('validateStrategy', () => {
  it('the default strategy is valid', () => {
    expect(validateStrategy({})).toEqual([]);
    expect(validateStrategy(defaultStrategy)).toEqual([]);
  });

  it.each([
    [
      'percentages over 100',
      {
        stages: [
          { kind: 'canary', percent: 60 },
          { kind: 'batch', percent: 60 },
        ],
      },
      ['stages[0].percent', 'stages[1].percent'],
    ],
    [
      'the issue 11 report: 70% + 70%',
      {
        stages: [{ kind: 'canary', percent: 70 }, { kind: 'batch', percent: 70 }, { kind: 'batch' }],
      },
      ['stages[0].percent', 'stages[1].percent'],
    ],
    [
      'the issue 11 report: a wait no date can hold',
      { stages: [{ kind: 'canary', count: 1, waitSeconds: Number.MAX_SAFE_INTEGER }, { kind: 'batch' }] },
      ['stages[0].waitSeconds'],
    ],
    ['the issue 11 report: lease 2^31', { leaseSeconds: 2 ** 31 }, ['leaseSeconds']],
    [
      'every maximum of the contract',
      {
        stages: [{ kind: 'canary', count: 1_000_001, waitSeconds: 604_801 }, { kind: 'batch' }],
        maxBatchSize: 1_000_001,
        maxConcurrencyPerInstance: 10_001,
        failureThreshold: { maxFailures: 1_000_001, minFinished: 1_000_001 },
        rollback: { batchSize: 1_000_001, waitSeconds: 604_801 },
        pickupTimeoutSeconds: 604_801,
        leaseSeconds: 86_401,
        maxAttempts: 11,
        canaryMinSuccesses: 1_000_001,
        stageFillSeconds: 604_801,
        stageHoldTimeoutSeconds: 2_592_001,
      },
      [
        'stages[0].count',
        'stages[0].waitSeconds',
        'maxBatchSize',
        'maxConcurrencyPerInstance',
        'failureThreshold.maxFailures',
        'failureThreshold.minFinished',
        'rollback.batchSize',
        'rollback.waitSeconds',
        'pickupTimeoutSeconds',
        'leaseSeconds',
        'maxAttempts',
        'canaryMinSuccesses',
        'stageFillSeconds',
        'stageHoldTimeoutSeconds',
      ],
    ],
    [
      'the new fields: minima and whole numbers',
      { canaryMinSuccesses: 0, stageFillSeconds: -1, stageHoldTimeoutSeconds: 59.5 },
      ['canaryMinSuccesses', 'stageFillSeconds', 'stageHoldTimeoutSeconds', 'stageHoldTimeoutSeconds'],
    ],
    [
      'more than 20 stages',
      { stages: Array.from({ length: 21 }, () => ({ kind: 'batch', count: 1 })) },
      ['stages'],
    ],
    ['an empty canary label', { canaryLabel: '' }, ['canaryLabel']],
    [
      'a fractional wait',
      { rollback: { waitSeconds: 1.5, extra: 1 } },
      ['rollback.waitSeconds', 'rollback.extra'],
    ],
    [
      'percent out of range',
      {
        stages: [
          { kind: 'canary', percent: 0 },
          { kind: 'batch', percent: 101 },
        ],
      },
      ['stages[0].percent', 'stages[1].percent'],
    ],
    [
      'negative wait',
      { stages: [{ kind: 'canary', count: 1, waitSeconds: -5 }, { kind: 'batch' }] },
      ['stages[0].waitSeconds'],
    ],
    ['empty stages', { stages: [] }, ['stages']],
    ['rest stage not last', { stages: [{ kind: 'batch' }, { kind: 'batch', count: 2 }] }, ['stages[0]']],
    ['count and percent', { stages: [{ kind: 'canary', count: 2, percent: 5 }] }, ['stages[0]']],
    ['count not a whole number', { stages: [{ kind: 'canary', count: 1.5 }] }, ['stages[0].count']],
    [
      'canary after batch',
      {
        stages: [
          { kind: 'batch', count: 2 },
          { kind: 'canary', count: 1 },
        ],
      },
      ['stages[1].kind'],
    ],
    ['unknown kind', { stages: [{ kind: 'blue', count: 1 }] }, ['stages[0].kind']],
    ['bad canary label', { canaryLabel: 'canary in (' }, ['canaryLabel']],
    [
      'bad threshold',
      { failureThreshold: { maxFailureRatio: 2, maxFailures: -1 } },
      ['failureThreshold.maxFailures', 'failureThreshold.maxFailureRatio'],
    ],
    [
      'bad enums',
      { onFailure: 'explode', rollback: { scope: 'everything' } },
      ['onFailure', 'rollback.scope'],
    ],
    [
      'zero attempts and timeouts',
      { maxAttempts: 0, pickupTimeoutSeconds: 0, leaseSeconds: -1 },
      ['pickupTimeoutSeconds', 'leaseSeconds', 'maxAttempts'],
    ],
    ['unknown field', { stage: [] }, ['stage']],
    ['not an object', 'fast', ['']],
  ])('%s', (_name, input, paths) => {
    expect(validateStrategy(input).map((p) => p.path)).toEqual(paths);
  });

  it('returns every problem at once, like a compiler, with readable messages', () => {
    const problems = validateStrategy({
      stages: [
        { kind: 'canary', percent: 150, waitSeconds: -1 },
        { kind: 'batch' },
        { kind: 'batch', count: 0 },
      ],
      maxConcurrencyPerInstance: 0,
    });
    expect(problems).toEqual([
      { path: 'stages[0].percent', message: 'must be at most 100, got 150' },
      { path: 'stages[0].waitSeconds', message: 'must be at least 0, got -1' },
      {
        path: 'stages[1]',
        message: 'a stage with neither count nor percent takes the rest and must be last',
      },
      { path: 'stages[2].count', message: 'must be at least 1, got 0' },
      { path: 'maxConcurrencyPerInstance', message: 'must be at least 1, got 0' },
    ]);
  });

  it('the largest values the contract allows are valid, and so are the new fields at their bounds', () => {
    expect(
      validateStrategy({
        stages: [{ kind: 'canary', count: 1_000_000, waitSeconds: 604_800 }, { kind: 'batch' }],
        maxBatchSize: 1_000_000,
        maxConcurrencyPerInstance: 10_000,
        rollback: { batchSize: 1_000_000, waitSeconds: 604_800 },
        pickupTimeoutSeconds: 604_800,
        leaseSeconds: 86_400,
        maxAttempts: 10,
        canaryMinSuccesses: 1_000_000,
        stageFillSeconds: 0,
        stageHoldTimeoutSeconds: 60,
      }),
    ).toEqual([]);
    expect(validateStrategy({ stageFillSeconds: 604_800, stageHoldTimeoutSeconds: 2_592_000 })).toEqual([]);
  });

  it('says by how much the percentages overflow, at each of them', () => {
    expect(
      validateStrategy({
        stages: [
          { kind: 'canary', percent: 70 },
          { kind: 'batch', count: 3 },
          { kind: 'batch', percent: 70 },
        ],
      }),
    ).toEqual([
      { path: 'stages[0].percent', message: "the stages' percentages add up to 140%, more than 100%" },
      { path: 'stages[2].percent', message: "the stages' percentages add up to 140%, more than 100%" },
    ]);
  });

  it('fleet checks: a canary larger than the fleet, counts over the fleet', () => {
    expect(
      validateStrategy({ stages: [{ kind: 'canary', count: 5 }, { kind: 'batch' }] }, { fleetSize: 3 }),
    ).toEqual([
      { path: 'stages[0].count', message: 'canary of 5 is larger than the fleet of 3' },
      { path: 'stages', message: 'stage counts add up to 5, more than the fleet of 3' },
    ]);
  });
});

describe('resolveStrategy', () => {
  it('fills every default', () => {
    const s = resolveStrategy({});
    expect(s).toMatchObject({
      canaryLabel: 'canary=true',
      maxConcurrencyPerInstance: 10,
      onFailure: 'rollback',
      rollback: { scope: 'failed_stage', waitSeconds: 0, requireApproval: false },
      pickupTimeoutSeconds: 900,
      leaseSeconds: 900,
      maxAttempts: 2,
      canaryFailureThreshold: { maxFailures: 0 },
      failureThreshold: { maxFailureRatio: 0.1, minFinished: 5 },
    });
    expect(s.stages.map((x) => [x.kind, x.percent, x.waitSeconds])).toEqual([
      ['canary', 4, 600],
      ['batch', 10, 600],
      ['batch', 20, 300],
      ['batch', 30, 300],
      ['batch', undefined, undefined],
    ]);
  });
  it('keeps given values and does not share arrays with the defaults', () => {
    const s = resolveStrategy({ maxBatchSize: 7, failureThreshold: { maxFailures: 3 } });
    expect(s.maxBatchSize).toBe(7);
    expect(s.failureThreshold).toEqual({ maxFailures: 3, minFinished: 5 });
    s.stages[0]!.percent = 99;
    expect(defaultStrategy.stages[0]?.percent).toBe(4);
  });
});
