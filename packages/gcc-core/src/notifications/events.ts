import type { ApprovalSource } from '@wrktalk/rollout-planner';
import type { Deployment } from '@wrktalk/sdk-gcc';

/** What every deployment-level event says about its deployment. */
export interface DeploymentRef {
  deploymentId: string;
  component: string;
  version: string;
  /**
   * A release set's components and versions (first `component`), added by the notifier when it expands the event;
   * absent for a single release.
   */
  components?: { component: string; version: string }[];
  /** the deployment's `type` (required on the stage, rollback and completion events; see {@link DeploymentKind}) */
  deploymentType?: 'update' | 'rollback';
  /** for a rollback, the deployment it rolls back; null for an update */
  rollbackOf?: string | null;
}

/** The deployment's type, carried by the events whose meaning depends on it (an update's or a rollback's). */
export interface DeploymentKind {
  deploymentType: 'update' | 'rollback';
  /** for a rollback, the deployment it rolls back; null for an update */
  rollbackOf: string | null;
}

/** Which clients of the rolled-back deployment a rollback covers (the contract's `rollback_scope`). */
export type RollbackScopeName = NonNullable<Deployment['rollback_scope']>;

/** A task-level event: one client's task of a deployment. */
export interface TaskRef extends DeploymentRef {
  taskId: string;
  clientId: string;
}

/**
 * Who is told about a deployment's new tasks. `clientIds` names the target clients whose approvers are mailed;
 * when absent, every client with a task in the deployment (read from `deployment_tasks` when the event is
 * expanded, so a 100,000-client deployment does not copy its client list into the outbox).
 */
export interface DeploymentAnnounced extends DeploymentRef {
  clientIds?: string[];
  /** set by the notifier on delivery rows when a long `clientIds` list was left out */
  clientCount?: number;
  /** RFC 3339; when approvals expire */
  approvalDeadline?: string | null;
  requestedStartTime?: string | null;
  description?: string | null;
  /** actor, `<role>:<name>` or `system` */
  by?: string;
  /**
   * false when the deployment needs no approval (its tasks were approved at once): nobody's approval is requested,
   * so no approver is mailed. Absent means approval is required.
   */
  approvalRequired?: boolean;
}

/** One client's answer listed in an {@link ApprovalDigest}. */
export interface ApprovalDigestEntry {
  taskId: string;
  clientId: string;
  decision: 'approved' | 'rejected';
  /** actor, `<role>:<name>` */
  by: string;
  /** approval source (approvals only) */
  source?: ApprovalSource;
  /** rejection reason */
  reason?: string | null;
  /** RFC 3339; when the answer was recorded */
  at: string;
}

/**
 * The client approvals and rejections of one deployment within one digest interval
 * (`NotificationOptions.approvalDigestSeconds`), mailed to the admins as one email instead of one per answer.
 * Built by the notifier from the `task_approved`/`task_rejected` events, never enqueued by a service.
 */
export interface ApprovalDigest extends DeploymentRef {
  /** approvals in the interval */
  approved: number;
  /** rejections in the interval */
  rejected: number;
  /** the first {@link APPROVAL_DIGEST_LIST_MAX} answers, oldest first (`approved + rejected` is the full number) */
  entries: ApprovalDigestEntry[];
  /** RFC 3339; the interval: from the first answer to when the digest is sent */
  since: string;
  until: string;
}

/** Longest answer list an `approval_digest` carries. */
export const APPROVAL_DIGEST_LIST_MAX = 100;

/** The events the GCC announces (discriminated by `type`). */
export type NotificationEvent =
  | ({ type: 'deployment_created' } & DeploymentAnnounced)
  | ({ type: 'deployment_published' } & DeploymentAnnounced)
  | ({ type: 'task_approved'; by: string; source?: ApprovalSource } & TaskRef)
  | ({ type: 'approval_digest' } & ApprovalDigest)
  | ({ type: 'task_rejected'; by: string; reason?: string | null } & TaskRef)
  | ({
      /** An update's stage finished (a rollback's are not announced: `rollback_finished` reports the rollback). */
      type: 'stage_completed';
      stage: number;
      succeeded: number;
      failed: number;
      total: number;
    } & DeploymentRef &
      DeploymentKind)
  | ({
      /** A stage crossed its threshold; for a rollback (`deploymentType: 'rollback'`) always `paused`. */
      type: 'stage_failed';
      stage: number;
      succeeded: number;
      failed: number;
      total: number;
      /** what the policy did: wait for the operator, or roll back */
      action: 'paused' | 'rollback';
      reason?: string;
    } & DeploymentRef &
      DeploymentKind)
  | ({
      /**
       * A stage held (every task settled with fewer successes than it needs, e.g. clients offline) until
       * `stage_hold_timeout_seconds` and the rollout paused; nothing further was released. `resume` accepts the stage.
       */
      type: 'stage_held';
      stage: number;
      succeeded: number;
      /** tasks of the stage that went overdue (not picked up: the client is offline) */
      overdue: number;
      total: number;
      reason: string;
    } & DeploymentRef &
      DeploymentKind)
  | ({
      type: 'rollback_started';
      deploymentType: 'rollback';
      /** the deployment being rolled back (`deploymentId` is the new rollback deployment) */
      rollbackOf: string;
      /** which of its clients the rollback returns */
      scope?: RollbackScopeName;
      /** `failed_stage`: the stage */
      stage?: number;
      /** true when clients of `rollbackOf` keep its version (outside the scope, or without an earlier one) */
      partial?: boolean;
      /** clients of `rollbackOf` that keep its version */
      keptNewVersion?: number;
      reason?: string;
      /** clients in the rollback scope: their approvers are told too */
      clientIds?: string[];
      /** set by the notifier on delivery rows when a long `clientIds` list was left out */
      clientCount?: number;
      /** clients in scope with no previous version (reported, not touched) */
      skippedClientIds?: string[];
      by?: string;
    } & DeploymentRef)
  | ({
      /** A rollback deployment ended; the only announcement of a rollback's end (no `deployment_completed`). */
      type: 'rollback_finished';
      deploymentType: 'rollback';
      rollbackOf: string;
      /** completed (every client it covered returned), failed (some did not), or aborted */
      status: string;
      /** the rollback's `rollback_scope` */
      scope?: RollbackScopeName | null;
      /** true when clients of `rollbackOf` keep its version: they were outside the scope, skipped, or failed */
      partial?: boolean;
      /** clients of `rollbackOf` whose task is still `success` on its version */
      keptNewVersion?: number;
      /** clients returned to their previous version */
      succeeded: number;
      /** clients whose rollback failed or timed out */
      failed: number;
      /** clients in scope without an earlier version (not touched) */
      skipped?: number;
    } & DeploymentRef)
  | ({
      /** An update ended (a rollback's end is `rollback_finished`). */
      type: 'deployment_completed';
      status: string;
      succeeded: number;
      failed: number;
      skipped?: number;
    } & DeploymentRef &
      DeploymentKind)
  | ({
      /**
       * Approved tasks nobody picked up in time (not a failure: they are retried in a later batch). One event per
       * worker tick lists every task it marked overdue; `taskIds[i]` is `clientIds[i]`'s task. A list longer than
       * {@link OVERDUE_LIST_MAX} is cut to its first entries (`count` is always the full number).
       */
      type: 'task_overdue';
      /** how many tasks became overdue */
      count: number;
      taskIds: string[];
      clientIds: string[];
      /** RFC 3339; when the tasks became overdue */
      since?: string | null;
    } & DeploymentRef);

/** Longest task/client list a `task_overdue` event carries. */
export const OVERDUE_LIST_MAX = 100;

/** Name of an event. */
export type EventName = NotificationEvent['type'];

/** Every event name. */
export const EVENT_NAMES: readonly EventName[] = [
  'deployment_created',
  'deployment_published',
  'task_approved',
  'task_rejected',
  'approval_digest',
  'stage_completed',
  'stage_failed',
  'stage_held',
  'rollback_started',
  'rollback_finished',
  'deployment_completed',
  'task_overdue',
];

/**
 * Who gets an email about an event (webhooks get every event unless they filter, except `approval_digest`, which a
 * webhook gets only when it lists it): the approvers of the target clients for a new or published deployment
 * (unless `approvalRequired` is false; only clients whose approval was not already given by policy) and for a
 * rollback touching their clients; the admins for everything else, including rollbacks. The admins' emails about
 * `task_approved`/`task_rejected` are folded into one `approval_digest` per deployment and interval.
 */
export const EMAIL_AUDIENCE: Readonly<Record<EventName, { approvers: boolean; admins: boolean }>> = {
  deployment_created: { approvers: true, admins: false },
  deployment_published: { approvers: true, admins: false },
  task_approved: { approvers: false, admins: true },
  task_rejected: { approvers: false, admins: true },
  approval_digest: { approvers: false, admins: true },
  stage_completed: { approvers: false, admins: true },
  stage_failed: { approvers: false, admins: true },
  stage_held: { approvers: false, admins: true },
  rollback_started: { approvers: true, admins: true },
  rollback_finished: { approvers: false, admins: true },
  deployment_completed: { approvers: false, admins: true },
  task_overdue: { approvers: false, admins: true },
};
