/** What every deployment-level event says about its deployment. */
export interface DeploymentRef {
  deploymentId: string;
  component: string;
  version: string;
}

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
}

/** The events the GCC announces (discriminated by `type`). */
export type NotificationEvent =
  | ({ type: 'deployment_created' } & DeploymentAnnounced)
  | ({ type: 'deployment_published' } & DeploymentAnnounced)
  | ({ type: 'task_approved'; by: string; source?: string } & TaskRef)
  | ({ type: 'task_rejected'; by: string; reason?: string | null } & TaskRef)
  | ({
      type: 'stage_completed';
      stage: number;
      succeeded: number;
      failed: number;
      total: number;
    } & DeploymentRef)
  | ({
      type: 'stage_failed';
      stage: number;
      succeeded: number;
      failed: number;
      total: number;
      /** what the policy did: wait for the operator, or roll back */
      action: 'paused' | 'rollback';
      reason?: string;
    } & DeploymentRef)
  | ({
      type: 'rollback_started';
      /** the deployment being rolled back (`deploymentId` is the new rollback deployment) */
      rollbackOf: string;
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
      type: 'rollback_finished';
      rollbackOf: string;
      status: string;
      succeeded: number;
      failed: number;
    } & DeploymentRef)
  | ({
      type: 'deployment_completed';
      status: string;
      succeeded: number;
      failed: number;
      skipped?: number;
    } & DeploymentRef)
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
  'stage_completed',
  'stage_failed',
  'rollback_started',
  'rollback_finished',
  'deployment_completed',
  'task_overdue',
];

/**
 * Who gets an email about an event (webhooks get every event unless they filter): the approvers of the target
 * clients for a new or published deployment and for a rollback touching their clients; the admins for everything
 * else, including rollbacks.
 */
export const EMAIL_AUDIENCE: Readonly<Record<EventName, { approvers: boolean; admins: boolean }>> = {
  deployment_created: { approvers: true, admins: false },
  deployment_published: { approvers: true, admins: false },
  task_approved: { approvers: false, admins: true },
  task_rejected: { approvers: false, admins: true },
  stage_completed: { approvers: false, admins: true },
  stage_failed: { approvers: false, admins: true },
  rollback_started: { approvers: true, admins: true },
  rollback_finished: { approvers: false, admins: true },
  deployment_completed: { approvers: false, admins: true },
  task_overdue: { approvers: false, admins: true },
};
