import type { Client } from '../clients/client';
import { type LabelRequirement, matchesSelector, parseSelector } from '../selector/parse-selector';
import type { TaskEvent } from '../state-machine/task-transitions';
import {
  APPROVAL_SOURCE,
  APPROVAL_SOURCES,
  type ApprovalSource,
  type ApprovalStatus,
  CLIENT_PREFERENCE_POLICY,
  type TaskStatus,
} from '../statuses';

/** An admin-defined auto-approve policy: per component and/or per label selector (e.g. a tier). */
export interface AutoApprovePolicy {
  /** Recorded with every approval it grants. */
  id: string;
  /** Components it approves; unset means every component. */
  components?: string[];
  /** Clients it approves, e.g. `tier=internal`; unset means every client. */
  labelSelector?: string;
}

/** How approvals work for one deployment. */
export interface ApprovalPolicy {
  /** Whether clients must approve at all; false approves every task with source `not_required`. @default true */
  requireApproval?: boolean;
  /** Epoch ms after which still-pending tasks are decided by `onDeadline`; null means no deadline. @default null */
  approvalDeadline?: number | null;
  /** What the deadline does to a pending task. @default 'expire' */
  onDeadline?: 'auto_approve' | 'expire';
  /** Admin policies, tried in order after the client's own auto-approve settings. @default [] */
  autoApprovePolicies?: AutoApprovePolicy[];
}

/** The approval decided for a pending task without a human: the event to send and what to record. */
export interface ApprovalDecision {
  /** Task event to apply. */
  event: Extract<TaskEvent, 'auto_approve' | 'not_required' | 'deadline_auto_approve' | 'expire'>;
  /** Approval source to record (null for `expire`). */
  source: ApprovalSource | null;
  /** Policy that approved: an auto-approve policy id, `client_preference` for the client's own setting, or null. */
  policyId: string | null;
}

/** An approval policy with selectors parsed once, for deciding many tasks. */
export interface CompiledApprovalPolicy {
  /** Whether approval is required. */
  requireApproval: boolean;
  /** Deadline in epoch ms, or null. */
  approvalDeadline: number | null;
  /** Deadline behaviour. */
  onDeadline: 'auto_approve' | 'expire';
  /** Policies with parsed selectors; a policy with a broken selector never matches. */
  policies: {
    id: string;
    components: Set<string> | null;
    requirements: LabelRequirement[] | null;
    broken: boolean;
  }[];
}

/** Parses the selectors of an approval policy once. */
export function compileApprovalPolicy(policy: ApprovalPolicy = {}): CompiledApprovalPolicy {
  return {
    requireApproval: policy.requireApproval ?? true,
    approvalDeadline: policy.approvalDeadline ?? null,
    onDeadline: policy.onDeadline ?? 'expire',
    policies: (policy.autoApprovePolicies ?? []).map((p) => {
      const parsed = p.labelSelector === undefined ? null : parseSelector(p.labelSelector);
      return {
        id: p.id,
        components: p.components === undefined ? null : new Set(p.components),
        requirements: parsed === null ? null : parsed.ok ? parsed.requirements : null,
        broken: parsed !== null && !parsed.ok,
      };
    }),
  };
}

/**
 * The auto-approval that applies to a client for a component — or a release set, covered only when every one of its
 * components is — if any: the client's own setting first, then admin policies. Both are `auto_policy` approvals (nobody was asked); the policy id tells them apart, the client's own
 * setting being {@link CLIENT_PREFERENCE_POLICY}.
 */
export function findAutoApproval(
  client: Pick<Client, 'labels' | 'autoApprove'> | undefined,
  component: string | readonly string[],
  policy: CompiledApprovalPolicy,
): { source: typeof APPROVAL_SOURCE.autoPolicy; policyId: string } | null {
  // A release set is one approval: a preference or policy approves it only when it covers every component of it.
  const set = typeof component === 'string' ? [component] : component;
  const own = client?.autoApprove;
  if (own !== undefined && (own.all || set.every((c) => own.components.includes(c)))) {
    return { source: APPROVAL_SOURCE.autoPolicy, policyId: CLIENT_PREFERENCE_POLICY };
  }
  for (const p of policy.policies) {
    if (p.broken) continue;
    if (p.components !== null && !set.every((c) => p.components!.has(c))) continue;
    if (p.requirements !== null && (client === undefined || !matchesSelector(client.labels, p.requirements)))
      continue;
    return { source: APPROVAL_SOURCE.autoPolicy, policyId: p.id };
  }
  return null;
}

/**
 * Decides a pending task without a human, or returns null to keep waiting for the client:
 * approval not required, then auto-approve (client setting, then admin policies), then the deadline.
 */
export function decideApproval(
  status: TaskStatus,
  client: Pick<Client, 'labels' | 'autoApprove'> | undefined,
  component: string | readonly string[],
  policy: CompiledApprovalPolicy,
  now: number,
): ApprovalDecision | null {
  if (status !== 'pending' && status !== 'pending_approval') return null;
  if (!policy.requireApproval) {
    return status === 'pending'
      ? { event: 'not_required', source: 'not_required', policyId: null }
      : { event: 'auto_approve', source: 'not_required', policyId: null };
  }
  const auto = findAutoApproval(client, component, policy);
  if (auto !== null) return { event: 'auto_approve', source: auto.source, policyId: auto.policyId };
  if (policy.approvalDeadline !== null && now >= policy.approvalDeadline) {
    return policy.onDeadline === 'auto_approve'
      ? { event: 'deadline_auto_approve', source: 'deadline', policyId: null }
      : { event: 'expire', source: null, policyId: null };
  }
  return null;
}

/** The task event that records an approval from `source` (admin force is `force_approve`). */
export function approvalEventFor(
  source: ApprovalSource,
): Extract<
  TaskEvent,
  'approve' | 'auto_approve' | 'deadline_auto_approve' | 'force_approve' | 'not_required'
> {
  switch (source) {
    case 'client':
      return 'approve';
    case 'auto_policy':
      return 'auto_approve';
    case 'deadline':
      return 'deadline_auto_approve';
    case 'admin_force':
      return 'force_approve';
    case 'not_required':
      return 'not_required';
  }
}

/** The approval status a task gets when approved from `source`: `not_required` when nobody had to, else `approved`. */
export function approvalStatusOf(
  source: ApprovalSource,
): Extract<ApprovalStatus, 'approved' | 'not_required'> {
  return source === APPROVAL_SOURCE.notRequired ? 'not_required' : 'approved';
}

/**
 * Whether an approval from `source` is audited task by task (a `task.*approve` entry per task). Every approval that
 * was decided for a client is: by its administrator (`client`), its own preference or an admin policy matching it
 * (`auto_policy`), its deadline, an admin forcing it. `not_required` is not: nobody approved anything, the
 * deployment's creator decided for all its tasks at once, and that one decision is audited once, on the deployment's
 * `deployment.create` entry (`approval.required: false` and its task count; a rollback's entry says
 * `approval_source: not_required`). At 100,000 tasks an entry per task cost as much as writing the tasks themselves
 * (~0.8 s of a deployment's creation) and recorded nothing that entry does not.
 */
export function auditedPerTask(source: ApprovalSource): boolean {
  return source !== APPROVAL_SOURCE.notRequired;
}

/** The approval sources {@link auditedPerTask} audits task by task. */
export const APPROVAL_SOURCES_AUDITED_PER_TASK: readonly ApprovalSource[] =
  APPROVAL_SOURCES.filter(auditedPerTask);
