import {
  APPROVAL_SOURCE,
  APPROVAL_SOURCES_AUDITED_PER_TASK,
  type ApprovalSource,
  type DeploymentStatus,
  effectiveStartTime,
} from '@wrktalk/rollout-planner';
import type { ApproveRequest, PendingApproval, RejectRequest, Task } from '@wrktalk/sdk-gcc';
import { GccServiceError } from '../errors/gcc-service-error';
import { enqueueNotification } from '../notifications/outbox';
import { audit } from './audit-log';
import { actorOf, type Principal, type ServiceContext, wakeWorker } from './context';
import { iso, isoOf } from './iso-time';
import { decodeCursor, type Page, type PageRequest, toPage } from './paging';
import { type TaskRow, taskOf, wireComponentsOf } from './task-rows';
import { inTransaction } from './transaction';
import { nextTaskStatus } from './transitions';

type LockedTask = TaskRow & {
  d_status: DeploymentStatus;
  d_requested_start_time: Date | null;
  approval: { deadline: string | null };
};

/**
 * The approval sources audited task by task, as an SQL list (the planner's {@link APPROVAL_SOURCES_AUDITED_PER_TASK}:
 * every source but `not_required`, which the deployment's creation entry audits once).
 */
export const AUDITED_APPROVAL_SOURCES_SQL = `(${APPROVAL_SOURCES_AUDITED_PER_TASK.map((s) => `'${s.replace(/'/g, "''")}'`).join(', ')})`;

/**
 * The `INSERT` that audits the approvals tasks were created with, from rows `source` (a table or a CTE of task rows
 * with `id`, `deployment_id`, `client_id`, `status`, `approval_status`, `approval_source`, `approval_policy`; `$at` is
 * the parameter holding the time): one entry per task approved from a source audited task by task (`auto_policy`
 * from a client's auto-approve preference or an admin auto-approve policy, whose id the task records in
 * `approval_policy`; not `not_required`, audited once by the deployment's `deployment.create` entry), in the same
 * shape as the worker's `task.auto_approve` entries, so an approval reads the same whichever path made it.
 * Set-based because a deployment can have 100,000 tasks.
 */
export function createdApprovalsAuditSql(source: string, at: string, where = 'TRUE'): string {
  return `INSERT INTO audit_log (at, actor, action, subject_type, subject_id, deployment_id, client_id, before, after)
     SELECT ${at}, 'system', 'task.auto_approve', 'task', t.id, t.deployment_id, t.client_id, NULL,
            jsonb_build_object('status', t.status, 'approval_status', t.approval_status,
                               'approval_source', t.approval_source,
                               'policy', t.approval_policy)
     FROM ${source} t
     WHERE ${where} AND t.approval_source IN ${AUDITED_APPROVAL_SOURCES_SQL}
     ORDER BY t.id`;
}

const toMs = (d: Date | string | null): number | null => (d === null ? null : new Date(d).getTime());

/** Approvals: the client's CT approves or rejects its tasks. */
export class ApprovalsService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Tasks waiting for this client's answer, oldest first. */
  async listPending(clientId: string, page: PageRequest = {}): Promise<Page<PendingApproval>> {
    const limit = page.limit ?? 50;
    const c = await this.ctx.db.query('SELECT 1 FROM clients WHERE id = $1', [clientId]);
    if (!c.rows[0]) throw new GccServiceError('not_found', `No client ${clientId}.`);
    const after = decodeCursor(page.cursor, { clientId }, 2);
    const params: unknown[] = [clientId, limit + 1];
    let keyset = '';
    if (after) {
      params.push(after[0], after[1]);
      keyset = 'AND (t.created_at, t.id) > ($3::timestamptz, $4::text)';
    }
    const r = await this.ctx.db.query<
      TaskRow & {
        metadata: Record<string, unknown>;
        approval: { deadline: string | null; on_deadline?: string };
      }
    >(
      `SELECT t.*, r.metadata, d.approval FROM deployment_tasks t
       JOIN deployments d ON d.id = t.deployment_id JOIN releases r ON r.id = d.release_id
       WHERE t.client_id = $1 AND t.status = 'pending_approval' ${keyset}
       ORDER BY t.created_at, t.id LIMIT $2`,
      params,
    );
    return toPage(
      r.rows,
      limit,
      (t) => ({
        task_id: t.id,
        deployment_id: t.deployment_id,
        component: t.component,
        version: t.version,
        image_url: t.image_url,
        components: wireComponentsOf(t),
        release_metadata: t.metadata ?? {},
        status: 'pending_approval' as const,
        deadline: iso(t.approval?.deadline ?? null),
        on_deadline: t.approval?.on_deadline === 'auto_approve' ? 'auto_approve' : 'expire',
        requested_at: isoOf(t.created_at),
      }),
      (t) => [isoOf(t.created_at), t.id],
      { clientId },
    );
  }

  private async lock(
    sql: Parameters<Parameters<typeof inTransaction>[2]>[0],
    clientId: string,
    taskId: string,
  ): Promise<LockedTask> {
    const r = await sql.query<LockedTask>(
      `SELECT t.*, d.status AS d_status,
              d.requested_start_time AS d_requested_start_time, d.approval
       FROM deployment_tasks t JOIN deployments d ON d.id = t.deployment_id
       WHERE t.id = $1 AND t.client_id = $2 FOR UPDATE OF t`,
      [taskId, clientId],
    );
    if (!r.rows[0]) throw new GccServiceError('not_found', `No task ${taskId} for client ${clientId}.`);
    return r.rows[0];
  }

  /**
   * Approves a task (`approve`); approving an approved task again returns it unchanged. The task keeps the later of
   * the deployment's requested start time and the approver's (`effectiveStartTime`): an approver may postpone the
   * admin's schedule, never advance or erase it. The task stays `approved`; the rollout worker, woken in this
   * transaction, places it in a stage by the deployment's strategy (at once under the `immediate` strategy).
   */
  async approve(who: Principal, clientId: string, taskId: string, input: ApproveRequest): Promise<Task> {
    return inTransaction(this.ctx, undefined, async (sql, changed) => {
      const task = await this.lock(sql, clientId, taskId);
      if (task.approval_status === 'approved' || task.approval_status === 'not_required') return taskOf(task);
      const now = this.ctx.now();
      const status = nextTaskStatus(task, 'approve');
      const startMs = effectiveStartTime(
        toMs(task.d_requested_start_time),
        input.requested_start_time ? Date.parse(input.requested_start_time) : null,
      );
      const start = startMs === null ? null : new Date(startMs);
      const source: ApprovalSource = APPROVAL_SOURCE.client;
      const u = await sql.query<TaskRow>(
        `UPDATE deployment_tasks SET status = $2, approval_status = 'approved', approval_source = $6,
                approved_at = $3, approved_by = $4, requested_start_time = $5, updated_at = $3
         WHERE id = $1 RETURNING *`,
        [task.id, status, now, input.approved_by, start, source],
      );
      await audit(sql, now, who, 'task.approve', 'task', task.id, {
        deploymentId: task.deployment_id,
        clientId,
        before: { status: task.status, approval_status: task.approval_status },
        after: {
          status,
          approval_status: 'approved',
          approval_source: source,
          approved_by: input.approved_by,
          requested_start_time: iso(start),
        },
      });
      await enqueueNotification(
        sql,
        {
          type: 'task_approved',
          taskId: task.id,
          clientId,
          deploymentId: task.deployment_id,
          component: task.component,
          version: task.version,
          by: actorOf(who),
          source,
        },
        now,
      );
      await wakeWorker(this.ctx, sql, task.deployment_id);
      await changed([clientId]);
      return taskOf(u.rows[0]!);
    });
  }

  /** Rejects a task (`reject`) with a reason; rejecting a rejected task again returns it unchanged. */
  async reject(who: Principal, clientId: string, taskId: string, input: RejectRequest): Promise<Task> {
    return inTransaction(this.ctx, undefined, async (sql, changed) => {
      const task = await this.lock(sql, clientId, taskId);
      if (task.status === 'rejected') return taskOf(task);
      const status = nextTaskStatus(task, 'reject');
      const now = this.ctx.now();
      const u = await sql.query<TaskRow>(
        `UPDATE deployment_tasks SET status = $2, approval_status = 'rejected', approval_source = $5,
                rejected_reason = $3, updated_at = $4
         WHERE id = $1 RETURNING *`,
        [task.id, status, input.reason, now, APPROVAL_SOURCE.client],
      );
      await audit(sql, now, who, 'task.reject', 'task', task.id, {
        deploymentId: task.deployment_id,
        clientId,
        before: { status: task.status, approval_status: task.approval_status },
        after: { status, approval_status: 'rejected', rejected_by: input.rejected_by, reason: input.reason },
      });
      await enqueueNotification(
        sql,
        {
          type: 'task_rejected',
          taskId: task.id,
          clientId,
          deploymentId: task.deployment_id,
          component: task.component,
          version: task.version,
          by: actorOf(who),
          reason: input.reason ?? null,
        },
        now,
      );
      await wakeWorker(this.ctx, sql, task.deployment_id);
      await changed([clientId]);
      return taskOf(u.rows[0]!);
    });
  }
}
