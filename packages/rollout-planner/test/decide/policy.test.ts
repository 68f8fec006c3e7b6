import { describe, expect, it } from 'vitest';
import { validatePolicy } from '../../src/decide/policy';

describe('validatePolicy', () => {
  it('a minimal policy is valid', () => {
    expect(validatePolicy({ component: 'backend' })).toEqual([]);
  });
  it('bounds the approval deadline to instants a Date holds', () => {
    expect(validatePolicy({ component: 'b', approval: { approvalDeadline: 8.64e15 } })).toEqual([]);
    expect(
      validatePolicy({ component: 'b', approval: { approvalDeadline: 8.64e15 + 1 } }).map((p) => p.path),
    ).toEqual(['approval.approvalDeadline']);
  });
  it('reports strategy problems under strategy.* and approval problems with paths', () => {
    expect(
      validatePolicy({
        component: '',
        strategy: { stages: [{ kind: 'canary', percent: 120 }] },
        approval: {
          onDeadline: 'shrug',
          approvalDeadline: 'tomorrow',
          autoApprovePolicies: [
            { id: 'a', labelSelector: 'tier in (' },
            { id: 'a' },
            { components: 'backend' },
          ],
        },
      }).map((p) => p.path),
    ).toEqual([
      'component',
      'strategy.stages[0].percent',
      'approval.approvalDeadline',
      'approval.onDeadline',
      'approval.autoApprovePolicies[0].labelSelector',
      'approval.autoApprovePolicies[1].id',
      'approval.autoApprovePolicies[2].id',
      'approval.autoApprovePolicies[2].components',
    ]);
  });
});
