import { defaultStrategy, resolveStrategy, stageSizes } from '@wrktalk/rollout-planner';
import { describe, expect, it } from 'vitest';
import { effectiveStrategy, plannedStages, plannerPoliciesOf, policyRuleOf, strategyFromWire } from '../src';

describe('plannedStages', () => {
  it.each([
    [0, []],
    [1, [{ index: 0, kind: 'canary', size: 1, wait_seconds: 60 }]],
    [
      50,
      [
        { index: 0, kind: 'canary', size: 2, wait_seconds: 60 },
        { index: 1, kind: 'batch', size: 20, wait_seconds: 30 },
        { index: 2, kind: 'batch', size: 28, wait_seconds: 0 },
      ],
    ],
  ])('%i clients', (n, expected) => {
    const strategy = effectiveStrategy({
      stages: [
        { kind: 'canary', count: 2, wait_seconds: 60 },
        { kind: 'batch', percent: 40, wait_seconds: 30 },
        { kind: 'batch', wait_seconds: 0 },
      ],
    });
    expect(plannedStages(strategy, n)).toEqual(expected);
  });

  it('is the planner’s own stageSizes (the default strategy over 1,000 clients, split by max_batch_size)', () => {
    const strategy = effectiveStrategy({ max_batch_size: 100 });
    const planner = stageSizes(1000, resolveStrategy(strategyFromWire(strategy)));
    expect(plannedStages(strategy, 1000).map((s) => [s.kind, s.size])).toEqual(
      planner.map((s) => [s.kind, s.size]),
    );
    expect(Math.max(...plannedStages(strategy, 1000).map((s) => s.size))).toBe(100);
    expect(defaultStrategy.stages?.length).toBeGreaterThan(0);
  });
});

describe('policy rules', () => {
  it('keeps id, components and selector, and maps them to the planner’s form (null = every)', () => {
    const rule = policyRuleOf({ id: 'p', components: null, label_selector: 'tier=free' });
    expect(rule).toEqual({ id: 'p', components: null, label_selector: 'tier=free' });
    expect(plannerPoliciesOf([rule, { id: 'q', components: ['ct'], label_selector: null }])).toEqual([
      { id: 'p', labelSelector: 'tier=free' },
      { id: 'q', components: ['ct'] },
    ]);
    expect(plannerPoliciesOf(undefined)).toEqual([]);
  });
});
