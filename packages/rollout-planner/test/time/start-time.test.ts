import { describe, expect, it } from 'vitest';
import { effectiveStartTime } from '../../src/time/start-time';

const T = Date.parse('2026-01-05T12:00:00Z');
const HOUR = 3_600_000;

describe('effectiveStartTime: an approver may postpone the deployment, never advance it', () => {
  it.each([
    ['neither has a time', null, null, null],
    ['approver without a time keeps the deployment’s', T, null, T],
    ['approver without a time (undefined) keeps the deployment’s', T, undefined, T],
    ['an earlier approver time keeps the deployment’s', T, T - HOUR, T],
    ['a later approver time postpones', T, T + HOUR, T + HOUR],
    ['the same time', T, T, T],
    ['no deployment time: the approver’s', null, T + HOUR, T + HOUR],
  ])('%s', (_name, deployment, approver, expected) => {
    expect(effectiveStartTime(deployment, approver)).toBe(expected);
  });
});
