import { describe, expect, it } from 'vitest';
import { approvalEventFor, compileApprovalPolicy, decideApproval } from '../../src/approvals/approval-policy';
import type { Client } from '../../src/clients/client';
import { transition } from '../../src/state-machine/transition';
import { APPROVAL_SOURCES } from '../../src/statuses';

const premium: Client = { id: 'p', labels: { tier: 'premium' }, targetKind: 'docker' };
const own: Client = { id: 'o', labels: {}, targetKind: 'docker', autoApprove: { all: true, components: [] } };

describe('decideApproval', () => {
  const policy = compileApprovalPolicy({
    approvalDeadline: 100,
    onDeadline: 'auto_approve',
    autoApprovePolicies: [
      { id: 'broken', labelSelector: 'tier in (' },
      { id: 'premium-media', components: ['media'], labelSelector: 'tier=premium' },
    ],
  });
  it.each([
    [
      'client-wide auto-approve',
      own,
      'backend',
      0,
      { event: 'auto_approve', source: 'client', policyId: 'client' },
    ],
    [
      'tier + component policy',
      premium,
      'media',
      0,
      { event: 'auto_approve', source: 'auto_policy', policyId: 'premium-media' },
    ],
    ['no policy matches, before the deadline: wait', premium, 'backend', 99, null],
    [
      'no policy matches, at the deadline: auto-approve by deadline',
      premium,
      'backend',
      100,
      { event: 'deadline_auto_approve', source: 'deadline', policyId: null },
    ],
  ])('%s', (_name, client, component, now, expected) => {
    expect(decideApproval('pending_approval', client, component, policy, now)).toEqual(expected);
  });
  it('only pending tasks are decided', () => {
    expect(decideApproval('approved', own, 'backend', policy, 0)).toBeNull();
    expect(decideApproval('rejected', own, 'backend', policy, 1000)).toBeNull();
  });
  it('a rejection is never overridden by a policy (rejected is not pending)', () => {
    expect(decideApproval('rejected', premium, 'media', policy, 1000)).toBeNull();
  });
  it('every approval source maps to a legal event from pending', () => {
    for (const s of APPROVAL_SOURCES) expect(transition('pending', approvalEventFor(s)).ok).toBe(true);
  });
});
