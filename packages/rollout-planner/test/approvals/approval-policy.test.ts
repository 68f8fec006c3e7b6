import { describe, expect, it } from 'vitest';
import {
  APPROVAL_SOURCES_AUDITED_PER_TASK,
  approvalEventFor,
  approvalStatusOf,
  auditedPerTask,
  compileApprovalPolicy,
  decideApproval,
  findAutoApproval,
} from '../../src/approvals/approval-policy';
import type { Client } from '../../src/clients/client';
import { transition } from '../../src/state-machine/transition';
import { APPROVAL_SOURCE, APPROVAL_SOURCES, CLIENT_PREFERENCE_POLICY } from '../../src/statuses';

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
      { event: 'auto_approve', source: 'auto_policy', policyId: 'client_preference' },
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
  it('every approval source maps to the approval status it records', () => {
    expect(APPROVAL_SOURCES.map((x) => [x, approvalStatusOf(x)])).toEqual([
      ['client', 'approved'],
      ['auto_policy', 'approved'],
      ['deadline', 'approved'],
      ['admin_force', 'approved'],
      ['not_required', 'not_required'],
    ]);
  });
  it('every approval decided for a client is audited task by task; "not required" is audited once, per deployment', () => {
    expect(APPROVAL_SOURCES.map((x) => [x, auditedPerTask(x)])).toEqual([
      ['client', true],
      ['auto_policy', true],
      ['deadline', true],
      ['admin_force', true],
      ['not_required', false],
    ]);
    expect(APPROVAL_SOURCES_AUDITED_PER_TASK).toEqual(['client', 'auto_policy', 'deadline', 'admin_force']);
  });
});

describe('one approval-source vocabulary', () => {
  it('names every wire source exactly once', () => {
    expect(Object.values(APPROVAL_SOURCE).sort()).toEqual([...APPROVAL_SOURCES].sort());
  });
  it("a client's own preference is an auto_policy approval by the client_preference policy, like an admin policy", () => {
    const policy = compileApprovalPolicy({
      autoApprovePolicies: [{ id: 'internal', labelSelector: 'tier=internal' }],
    });
    const client: Client = {
      id: 'c',
      labels: { tier: 'internal' },
      targetKind: 'docker',
      autoApprove: { all: false, components: ['backend'] },
    };
    expect(findAutoApproval(client, 'backend', policy)).toEqual({
      source: 'auto_policy',
      policyId: CLIENT_PREFERENCE_POLICY,
    });
    expect(findAutoApproval(client, 'media', policy)).toEqual({
      source: 'auto_policy',
      policyId: 'internal',
    });
    expect(findAutoApproval({ ...client, labels: {} }, 'media', policy)).toBeNull();
  });
});

describe('findAutoApproval for a release set', () => {
  const policy = compileApprovalPolicy({
    autoApprovePolicies: [{ id: 'media-only', components: ['media'] }],
  });

  it('approves a set only when the preference covers every component of it', () => {
    const client = { labels: {}, autoApprove: { all: false, components: ['backend', 'media'] } };
    expect(findAutoApproval(client, ['backend', 'media'], policy)?.policyId).toBe(CLIENT_PREFERENCE_POLICY);
    expect(findAutoApproval(client, ['backend', 'media', 'ct'], policy)).toBeNull();
  });

  it('an admin policy for one component does not approve a set that carries others', () => {
    expect(findAutoApproval(undefined, ['media'], policy)?.policyId).toBe('media-only');
    expect(findAutoApproval(undefined, ['backend', 'media'], policy)).toBeNull();
  });
});
