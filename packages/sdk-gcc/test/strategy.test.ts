import { defaultStrategy, immediateStrategy } from '@wrktalk/rollout-planner';
import { describe, expect, it } from 'vitest';
import {
  effectiveStrategy,
  pointerOf,
  strategyFromWire,
  validateDeploymentPolicy,
  type WireStrategy,
} from '../src/strategy';

const paths = (input: Parameters<typeof validateDeploymentPolicy>[0]) =>
  validateDeploymentPolicy(input)?.errors.map((e) => e.path) ?? [];

describe('pointerOf', () => {
  it.each([
    ['strategy.stages[1].percent', '/strategy/stages/1/percent'],
    ['strategy.leaseSeconds', '/strategy/lease_seconds'],
    ['strategy.failureThreshold.maxFailureRatio', '/strategy/failure_threshold/max_failure_ratio'],
    ['strategy.rollback.requireApproval', '/strategy/rollback/require_approval'],
    ['approval.requireApproval', '/approval/required'],
    ['approval.approvalDeadline', '/approval/deadline'],
    ['approval.onDeadline', '/approval/on_deadline'],
    ['strategy', '/strategy'],
  ])('%s -> %s', (planner, pointer) => {
    expect(pointerOf(planner)).toBe(pointer);
  });
});

describe('validateDeploymentPolicy', () => {
  it('accepts an empty request and the contract example', () => {
    expect(validateDeploymentPolicy({})).toBeNull();
    expect(
      validateDeploymentPolicy({
        strategy: {
          stages: [
            { kind: 'canary', count: 2, wait_seconds: 900 },
            { kind: 'batch', percent: 50, wait_seconds: 600 },
            { kind: 'batch' },
          ],
          on_failure: 'pause',
          max_attempts: 3,
          max_batch_size: null,
          rollback: { batch_size: null },
        },
        approval: { required: true, on_deadline: 'auto_approve', deadline: '2025-11-24T00:00:00Z' },
      }),
    ).toBeNull();
  });

  it('issue 11: stages of 70% + 70% are refused at both percentages', () => {
    const p = validateDeploymentPolicy({
      strategy: {
        stages: [
          { kind: 'canary', percent: 70 },
          { kind: 'batch', percent: 70 },
        ],
      },
    });
    expect(p).toEqual({
      code: 'validation_failed',
      detail: expect.stringContaining('2 problems'),
      errors: [
        {
          path: '/strategy/stages/0/percent',
          message: "the stages' percentages add up to 140%, more than 100%",
        },
        {
          path: '/strategy/stages/1/percent',
          message: "the stages' percentages add up to 140%, more than 100%",
        },
      ],
    });
  });

  it('issue 11: integers no date can hold are refused, every one of them at once', () => {
    expect(
      paths({
        strategy: {
          stages: [{ kind: 'canary', count: 1, wait_seconds: 9007199254740991 }, { kind: 'batch' }],
          lease_seconds: 2 ** 31,
          pickup_timeout_seconds: 604_801,
          rollback: { wait_seconds: 604_801, batch_size: 1_000_001 },
          canary_min_successes: 0,
          stage_fill_seconds: 604_801,
          stage_hold_timeout_seconds: 59,
        },
      }),
    ).toEqual([
      '/strategy/stages/0/wait_seconds',
      '/strategy/rollback/batch_size',
      '/strategy/rollback/wait_seconds',
      '/strategy/pickup_timeout_seconds',
      '/strategy/lease_seconds',
      '/strategy/canary_min_successes',
      '/strategy/stage_fill_seconds',
      '/strategy/stage_hold_timeout_seconds',
    ]);
  });

  it('count XOR percent, the rest stage last, and the canary label, located in the request', () => {
    expect(
      paths({
        strategy: {
          stages: [{ kind: 'batch' }, { kind: 'canary', count: 1, percent: 5 }],
          canary_label: 'tier in (',
        },
      }),
    ).toEqual([
      '/strategy/stages/0',
      '/strategy/stages/1/kind',
      '/strategy/stages/1',
      '/strategy/canary_label',
    ]);
  });

  it('a canary label that does not parse, alone, is invalid_selector as before', () => {
    expect(validateDeploymentPolicy({ strategy: { canary_label: 'tier in (' } })?.code).toBe(
      'invalid_selector',
    );
  });

  it('an approval deadline that is no date', () => {
    expect(paths({ approval: { deadline: 'tomorrow' } })).toEqual(['/approval/deadline']);
  });
});

describe('the one wire <-> planner mapping', () => {
  it('the effective strategy of nothing is the planner default, every field present', () => {
    const e = effectiveStrategy(undefined);
    expect(e.stages).toHaveLength(defaultStrategy.stages.length);
    expect(e).toMatchObject({
      lease_seconds: 900,
      canary_min_successes: 1,
      stage_fill_seconds: 3600,
      stage_hold_timeout_seconds: 3600,
      max_batch_size: null,
      rollback: { scope: 'failed_stage', batch_size: null, wait_seconds: 0, require_approval: false },
    });
    expect(effectiveStrategy(undefined, { leaseSeconds: 60 }).lease_seconds).toBe(60);
    expect(effectiveStrategy({ lease_seconds: 30 }, { leaseSeconds: 60 }).lease_seconds).toBe(30);
  });

  it('round-trips the new fields and every other one', () => {
    const wire: WireStrategy = {
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
    expect(effectiveStrategy(wire)).toEqual(wire);
    expect(strategyFromWire(wire)).toMatchObject({
      canaryMinSuccesses: 2,
      stageFillSeconds: 0,
      stageHoldTimeoutSeconds: 7200,
      joinRunningStage: true,
    });
  });

  it('lays a request over a base strategy: the immediate one, field by field', () => {
    const e = effectiveStrategy({ max_attempts: 3 }, { base: immediateStrategy, leaseSeconds: 60 });
    expect(e).toMatchObject({
      stages: [{ kind: 'batch', percent: 100, wait_seconds: 0 }],
      join_running_stage: true,
      stage_fill_seconds: 0,
      on_failure: 'pause',
      failure_threshold: { max_failures: 0, min_finished: 1 },
      max_attempts: 3,
      lease_seconds: 60,
    });
    expect(effectiveStrategy(undefined).join_running_stage).toBe(false);
  });
});
