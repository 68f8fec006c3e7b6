import { describe, expect, it } from 'vitest';
import { defaultStrategy, immediateStrategy, resolveStrategy } from '../../src/strategy/strategy';
import { validateStrategy } from '../../src/strategy/validate-strategy';
import {
  detectStrategyForm,
  effectiveWireStrategy,
  strategyFromWire,
  strategyToWire,
  validateWireStrategy,
  type WireStrategy,
  wireStrategyPath,
} from '../../src/strategy/wire';

const everyField: WireStrategy = {
  stages: [
    { kind: 'canary', count: 3, wait_seconds: 60 },
    { kind: 'batch', percent: 50, wait_seconds: 0 },
    { kind: 'batch', wait_seconds: 0 },
  ],
  max_batch_size: 100,
  canary_label: 'ring=0',
  max_concurrency_per_instance: 4,
  failure_threshold: { max_failures: 2, min_finished: 5 },
  canary_failure_threshold: { max_failure_ratio: 0.5, min_finished: 1 },
  on_failure: 'pause',
  rollback: { scope: 'deployment', batch_size: 10, wait_seconds: 30, require_approval: true },
  pickup_timeout_seconds: 120,
  lease_seconds: 300,
  max_attempts: 3,
  canary_min_successes: 2,
  stage_fill_seconds: 0,
  stage_hold_timeout_seconds: 7200,
  join_running_stage: true,
};

describe('strategyFromWire / strategyToWire', () => {
  it('maps every field, and back', () => {
    expect(strategyFromWire(everyField)).toEqual({
      stages: [
        { kind: 'canary', count: 3, waitSeconds: 60 },
        { kind: 'batch', percent: 50, waitSeconds: 0 },
        { kind: 'batch', waitSeconds: 0 },
      ],
      maxBatchSize: 100,
      canaryLabel: 'ring=0',
      maxConcurrencyPerInstance: 4,
      failureThreshold: { maxFailures: 2, minFinished: 5 },
      canaryFailureThreshold: { maxFailureRatio: 0.5, minFinished: 1 },
      onFailure: 'pause',
      rollback: { scope: 'deployment', batchSize: 10, waitSeconds: 30, requireApproval: true },
      pickupTimeoutSeconds: 120,
      leaseSeconds: 300,
      maxAttempts: 3,
      canaryMinSuccesses: 2,
      stageFillSeconds: 0,
      stageHoldTimeoutSeconds: 7200,
      joinRunningStage: true,
    });
    expect(strategyToWire(resolveStrategy(strategyFromWire(everyField)))).toEqual(everyField);
    expect(effectiveWireStrategy(everyField)).toEqual(everyField);
  });

  it("null is the contract's unset for max_batch_size and rollback.batch_size", () => {
    expect(strategyFromWire({ max_batch_size: null, rollback: { batch_size: null } })).toEqual({
      rollback: { scope: 'failed_stage' },
    });
    const wire = strategyToWire(resolveStrategy({}));
    expect(wire.max_batch_size).toBeNull();
    expect(wire.rollback.batch_size).toBeNull();
  });

  it('fields left undefined do not hide the base strategy', () => {
    const e = effectiveWireStrategy(
      { max_attempts: undefined, lease_seconds: 30 },
      { base: immediateStrategy },
    );
    expect(e.max_attempts).toBe(1);
    expect(e.lease_seconds).toBe(30);
    expect(effectiveWireStrategy(undefined, { leaseSeconds: 60 }).lease_seconds).toBe(60);
    expect(effectiveWireStrategy(undefined).stages).toHaveLength(defaultStrategy.stages.length);
  });
});

describe('validateWireStrategy', () => {
  it('accepts the contract example and the default, in wire form', () => {
    expect(validateWireStrategy({})).toEqual([]);
    expect(validateWireStrategy(everyField)).toEqual([]);
    expect(validateWireStrategy(strategyToWire(resolveStrategy({})))).toEqual([]);
  });

  it.each([
    ['not an object', [], ['']],
    [
      "the planner's rules, located in the API's names",
      {
        stages: [
          { kind: 'canary', percent: 70, wait_seconds: -1 },
          { kind: 'batch', percent: 70 },
        ],
        failure_threshold: { max_failure_ratio: 2 },
        rollback: { wait_seconds: 604_801 },
        stage_hold_timeout_seconds: 59,
      },
      [
        'stages[0].wait_seconds',
        'stages[0].percent',
        'stages[1].percent',
        'failure_threshold.max_failure_ratio',
        'rollback.wait_seconds',
        'stage_hold_timeout_seconds',
      ],
    ],
    [
      'nulls the contract does not allow',
      { stages: null, failure_threshold: null, rollback: { scope: null }, canary_label: null },
      ['stages', 'canary_label', 'failure_threshold', 'rollback.scope'],
    ],
    [
      'fields the contract does not have, the planner spelling among them',
      { maxAttempts: 2, stages: [{ kind: 'batch', waitSeconds: 1 }], rollback: { bogus: 1 } },
      ['maxAttempts', 'stages[0].waitSeconds', 'rollback.bogus'],
    ],
  ])('%s', (_name, input, paths) => {
    expect(validateWireStrategy(input).map((p) => p.path)).toEqual(paths);
  });

  it("says how the API spells a planner name, and carries the planner's messages", () => {
    expect(validateWireStrategy({ maxAttempts: 2, max_attempts: 0 })).toEqual([
      { path: 'max_attempts', message: 'must be at least 1, got 0' },
      { path: 'maxAttempts', message: "unknown field (the API spells it 'max_attempts')" },
    ]);
  });

  it('finds what validateStrategy finds in the planner form, at the same places', () => {
    const planner = { stages: [{ kind: 'canary', count: 5 }, { kind: 'batch' }], leaseSeconds: 0 };
    const wire = { stages: [{ kind: 'canary', count: 5 }, { kind: 'batch' }], lease_seconds: 0 };
    expect(validateWireStrategy(wire, { fleetSize: 2 })).toEqual(
      validateStrategy(planner, { fleetSize: 2 }).map((p) => ({ ...p, path: wireStrategyPath(p.path) })),
    );
    expect(validateWireStrategy(wire, { fleetSize: 2 }).map((p) => p.path)).toEqual([
      'stages[0].count',
      'stages',
      'lease_seconds',
    ]);
  });
});

describe('wireStrategyPath', () => {
  it.each([
    ['', ''],
    ['stages[2].waitSeconds', 'stages[2].wait_seconds'],
    ['strategy.failureThreshold.maxFailureRatio', 'strategy.failure_threshold.max_failure_ratio'],
    ['rollback.requireApproval', 'rollback.require_approval'],
    ['stages', 'stages'],
    ['someOther', 'someOther'],
  ])('%s -> %s', (planner, wire) => {
    expect(wireStrategyPath(planner)).toBe(wire);
  });
});

describe('detectStrategyForm', () => {
  it.each([
    ['the API form', { stages: [{ kind: 'canary', count: 1, wait_seconds: 60 }] }, 'api'],
    ['a nested API name', { rollback: { require_approval: true } }, 'api'],
    ['the planner form', { maxAttempts: 1, failureThreshold: { maxFailures: 0 } }, 'planner'],
    ['names both forms share', { stages: [{ kind: 'batch' }] }, 'planner'],
    ['mostly API with one planner name', { lease_seconds: 1, max_attempts: 1, maxBatchSize: 1 }, 'api'],
    ['not an object', 'x', 'planner'],
  ])('%s', (_name, input, form) => {
    expect(detectStrategyForm(input)).toBe(form);
  });
});
