import {
  APPROVAL_SOURCE,
  approvalStatusOf,
  type DeploymentStatus,
  immediateStrategy,
  type TaskEvent,
  type TaskStatus,
  transition,
} from '@wrktalk/rollout-planner';
import {
  type Deployment,
  type DeploymentCreate,
  effectiveStrategy,
  type ForceApproveRequest,
  type RollbackRequest,
  type Schemas,
  type Task,
} from '@wrktalk/sdk-gcc';
import type { Sql } from '../db/database';
import { GccServiceError, validationFailed } from '../errors/gcc-service-error';
import { enqueueNotification } from '../notifications/outbox';
import { deploymentEnded } from '../rollout/finish';
import { startRollback } from '../rollout/rollback';
import { stageSummaries } from '../rollout/stages';
import { emptyCounts } from '../rollout/tally';
import { auditCreatedApprovals } from './approvals';
import { audit } from './audit-log';
import { actorOf, type Principal, type ServiceContext, wakeWorker } from './context';
import type { DeploymentRow } from './deployment-rows';
import { newId } from './ids';
import { iso, isoOf } from './iso-time';
import { decodeCursor, type Page, type PageRequest, toPage } from './paging';
import { type ReleaseRow, releaseRowById } from './release-rows';
import { parseSelectorOrThrow, selectorSql } from './selector-sql';
import { assertDeploymentPolicy } from './strategy';
import { type TaskRow, taskOf } from './task-rows';
import { inTransaction } from './transaction';
import { nextDeploymentStatus, nextTaskStatus, statusesAllowing } from './transitions';

const deploymentOf = (
  r: DeploymentRow,
  counts: Schemas['TaskCounts'],
  stages: Schemas['StageSummary'][] = [],
): Deployment => ({
  id: r.id,
  type: r.type,
  release_id: r.release_id,
  component: r.component,
  version: r.version,
  rollback_of: r.rollback_of,
  rollback_scope: r.rollback_scope ?? null,
  rolled_back_by: r.rolled_back_by ?? null,
  status: r.status,
  status_reason: r.status_reason ?? null,
  requested_start_time: iso(r.requested_start_time),
  strategy: r.strategy,
  approval: r.approval,
  description: r.description,
  created_by: r.created_by,
  created_at: isoOf(r.created_at),
  updated_at: isoOf(r.updated_at),
  started_at: iso(r.started_at),
  finished_at: iso(r.finished_at),
  task_counts: counts,
  stages,
});

/** Applies a chain of planner events to a fresh task status. */
function chain(from: TaskStatus, events: TaskEvent[]): TaskStatus {
  let s = from;
  for (const e of events) {
    const r = transition(s, e);
    if (!r.ok) throw r.error;
    s = r.state;
  }
  return s;
}

/** Deployments: rollouts of a release to many clients, and rollbacks. */
export class DeploymentsService {
  constructor(private readonly ctx: ServiceContext) {}

  private async counts(sql: Sql, ids: string[]): Promise<Map<string, Schemas['TaskCounts']>> {
    const out = new Map(ids.map((id) => [id, emptyCounts()]));
    if (ids.length === 0) return out;
    const r = await sql.query<{ deployment_id: string; status: TaskStatus; n: number }>(
      `SELECT deployment_id, status, count(*)::int AS n FROM deployment_tasks
       WHERE deployment_id = ANY($1::text[]) GROUP BY deployment_id, status`,
      [ids],
    );
    for (const row of r.rows) out.get(row.deployment_id)![row.status] = row.n;
    return out;
  }

  private async view(sql: Sql, id: string): Promise<Deployment> {
    const r = await sql.query<DeploymentRow>('SELECT * FROM deployments WHERE id = $1', [id]);
    const row = r.rows[0];
    if (!row) throw new GccServiceError('not_found', `No deployment ${id}.`);
    const stages = await stageSummaries(sql, row, this.ctx.now(), { leaseSeconds: this.ctx.leaseSeconds });
    return deploymentOf(row, (await this.counts(sql, [id])).get(id)!, stages);
  }

  /**
   * Creates a deployment and all its tasks in one transaction (task ids are the deployment's id and a sequence
   * number, so the primary key grows in order instead of taking random inserts): one set-based `INSERT … SELECT` over the clients
   * matched by id and/or selector, initial states decided by the planner.
   */
  async create(who: Principal, input: DeploymentCreate, tx?: Sql): Promise<Deployment> {
    // Every problem of the strategy and approval policy at once, before anything is written: a deployment the
    // planner cannot plan is never accepted.
    assertDeploymentPolicy(input);
    const requirements =
      input.targets.selector !== undefined
        ? parseSelectorOrThrow(input.targets.selector, '/targets/selector')
        : null;
    // The request's fields over the GCC's default strategy (`immediateStrategy` in `immediate` mode).
    const strategy = effectiveStrategy(input.strategy, {
      leaseSeconds: this.ctx.leaseSeconds,
      ...((this.ctx.orchestration ?? 'immediate') === 'immediate' && { base: immediateStrategy }),
    });
    const approval: Deployment['approval'] = {
      required: input.approval?.required ?? true,
      deadline: input.approval?.deadline ?? null,
      on_deadline: input.approval?.on_deadline ?? 'expire',
      visible_from: input.approval?.visible_from ?? null,
    };
    const now = this.ctx.now();
    const startLater =
      input.requested_start_time !== undefined && Date.parse(input.requested_start_time) > now.getTime();
    const hidden = approval.visible_from != null && Date.parse(approval.visible_from) > now.getTime();
    // Initial states, decided once by the planner. An approved task stays approved until the rollout worker places
    // it in a stage (whatever the strategy: the `immediate` one too).
    const statusNotRequired = chain('pending', ['not_required']);
    const statusAuto = chain('pending', ['auto_approve']);
    const statusManual = hidden ? 'pending' : chain('pending', ['publish']);

    return inTransaction(this.ctx, tx, async (sql) => {
      const rel: ReleaseRow | undefined = await releaseRowById(sql, input.release_id);
      if (!rel) throw new GccServiceError('not_found', `No release ${input.release_id}.`);
      const ids = input.targets.client_ids ?? [];
      if (ids.length) {
        const known = await sql.query<{ id: string }>('SELECT id FROM clients WHERE id = ANY($1::text[])', [
          ids,
        ]);
        const knownSet = new Set(known.rows.map((r) => r.id));
        const unknown = ids.map((id, i) => ({ id, i })).filter((x) => !knownSet.has(x.id));
        if (unknown.length) {
          throw new GccServiceError(
            'unknown_client',
            `Unknown clients: ${unknown
              .slice(0, 20)
              .map((u) => u.id)
              .join(', ')}${unknown.length > 20 ? ', …' : ''}.`,
            unknown
              .slice(0, 100)
              .map((u) => ({ path: `/targets/client_ids/${u.i}`, message: `no client ${u.id}` })),
          );
        }
      }
      const id = newId('dpl');
      // A deployment whose requested start time is ahead waits `created` (it takes approvals; the worker starts it
      // at that time). Otherwise it runs from now.
      const waits = startLater;
      const initialStatus = waits ? 'created' : nextDeploymentStatus({ id, status: 'created' }, 'start');
      const statusReason = waits
        ? `waiting for its requested start time ${new Date(input.requested_start_time!).toISOString()}`
        : null;
      await sql.query(
        `INSERT INTO deployments (id, type, release_id, component, version, status, strategy, approval,
                                  requested_start_time, description, created_by, created_at, updated_at, started_at,
                                  orchestration, status_reason)
         VALUES ($1, 'update', $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10, $11, $11, $13, $12, $14)`,
        [
          id,
          rel.id,
          rel.component,
          rel.version,
          initialStatus,
          JSON.stringify(strategy),
          JSON.stringify(approval),
          input.requested_start_time ?? null,
          input.description ?? null,
          actorOf(who),
          now,
          'worker',
          waits ? null : now,
          statusReason,
        ],
      );
      const where = requirements ? selectorSql(requirements, 'c.labels', 17) : { sql: 'false', params: [] };
      const inserted = await sql.query(
        `WITH targets AS (
           SELECT c.id, c.current_versions ->> $3::text AS previous,
                  (COALESCE((c.auto_approve ->> 'all')::boolean, false)
                   OR COALESCE(c.auto_approve -> 'components', '[]'::jsonb) ? $3::text) AS auto
           FROM clients c
           WHERE c.id = ANY($6::text[]) OR (${where.sql})
         ), decided AS (
           SELECT id, previous,
                  CASE WHEN NOT $7::boolean THEN 'not_required' WHEN auto THEN 'auto' ELSE 'manual' END AS how
           FROM targets
         ), states AS (
           SELECT id, previous, how,
                  CASE how WHEN 'not_required' THEN $8::text WHEN 'auto' THEN $9::text ELSE $10::text END AS status
           FROM decided
         )
         INSERT INTO deployment_tasks (id, deployment_id, client_id, type, component, version, image_url,
                                       previous_version, status, approval_status, approval_source, approved_at,
                                       approved_by, requested_start_time, attempt, queued_at, created_at, updated_at)
         SELECT 'tsk-' || substr($1, 5) || '-' || lpad((row_number() OVER (ORDER BY s.id))::text, 7, '0'), $1, s.id,
                'update', $3, $4, $5, s.previous,
                s.status,
                CASE s.how WHEN 'not_required' THEN $15::text WHEN 'auto' THEN $16::text ELSE 'pending' END,
                CASE s.how WHEN 'not_required' THEN $13::text WHEN 'auto' THEN $14::text END,
                CASE WHEN s.how <> 'manual' THEN $2::timestamptz END,
                CASE WHEN s.how = 'auto' THEN 'system' END,
                $11::timestamptz,
                CASE WHEN s.status = $12::text THEN 1 ELSE 0 END,
                CASE WHEN s.status = $12::text THEN $2::timestamptz END,
                $2, $2
         FROM states s`,
        [
          id,
          now,
          rel.component,
          rel.version,
          rel.image_url,
          ids,
          approval.required,
          statusNotRequired,
          statusAuto,
          statusManual,
          input.requested_start_time ?? null,
          'queued',
          // Approval sources and statuses from the planner's vocabulary, not spelled again here. A client's own
          // auto-approve preference is an `auto_policy` approval, as when the worker applies it later.
          APPROVAL_SOURCE.notRequired,
          APPROVAL_SOURCE.autoPolicy,
          approvalStatusOf(APPROVAL_SOURCE.notRequired),
          approvalStatusOf(APPROVAL_SOURCE.autoPolicy),
          ...where.params,
        ],
      );
      if (inserted.rowCount === 0) throw new GccServiceError('no_targets', 'The targets select no client.');
      // Every approval is audited with its source, these too (one set-based statement).
      await auditCreatedApprovals(sql, now, id);
      await audit(sql, now, who, 'deployment.create', 'deployment', id, {
        deploymentId: id,
        after: {
          release_id: rel.id,
          targets: input.targets,
          tasks: inserted.rowCount,
          approval,
          requested_start_time: input.requested_start_time ?? null,
        },
      });
      // Approvers hear of it now unless its tasks are hidden until `visible_from` (the worker announces it then; it
      // never does when approval is not required, so that case is announced now).
      // No client list: the notifier reads the deployment's tasks, so a huge deployment is not copied here.
      if (!hidden || !approval.required) {
        await enqueueNotification(
          sql,
          {
            type: 'deployment_created',
            deploymentId: id,
            component: rel.component,
            version: rel.version,
            approvalDeadline: approval.deadline,
            requestedStartTime: input.requested_start_time ?? null,
            description: input.description ?? null,
            by: actorOf(who),
            // Not required: nobody's approval is requested, so the approvers get no "approval requested" email.
            ...(!approval.required && { approvalRequired: false }),
          },
          now,
        );
      }
      // Nothing is queued yet (the worker releases approved tasks), so no agent's cached answer changed.
      await wakeWorker(this.ctx, sql, id);
      return this.view(sql, id);
    });
  }

  /** One deployment with its task counts. */
  async get(id: string): Promise<Deployment> {
    return this.view(this.ctx.db, id);
  }

  /** Deployments, newest first. */
  async list(filter: { status?: DeploymentStatus }, page: PageRequest = {}): Promise<Page<Deployment>> {
    const limit = page.limit ?? 50;
    const after = decodeCursor(page.cursor, filter, 2);
    const params: unknown[] = [filter.status ?? null, limit + 1];
    let keyset = '';
    if (after) {
      params.push(after[0], after[1]);
      keyset = 'AND (created_at, id) < ($3::timestamptz, $4::text)';
    }
    const r = await this.ctx.db.query<DeploymentRow>(
      `SELECT * FROM deployments WHERE ($1::text IS NULL OR status = $1) ${keyset}
       ORDER BY created_at DESC, id DESC LIMIT $2`,
      params,
    );
    const rows = r.rows.slice(0, limit);
    const counts = await this.counts(
      this.ctx.db,
      rows.map((d) => d.id),
    );
    const stages = new Map<string, Schemas['StageSummary'][]>();
    const now = this.ctx.now();
    for (const d of rows) {
      stages.set(d.id, await stageSummaries(this.ctx.db, d, now, { leaseSeconds: this.ctx.leaseSeconds }));
    }
    return toPage(
      r.rows,
      limit,
      (d) => deploymentOf(d, counts.get(d.id)!, stages.get(d.id)),
      (d) => [isoOf(d.created_at), d.id],
      filter,
    );
  }

  /** Tasks of a deployment by stage, then client id (no stages yet: by client id). */
  async listTasks(
    deploymentId: string,
    filter: { status?: TaskStatus; client_id?: string },
    page: PageRequest = {},
  ): Promise<Page<Task>> {
    const limit = page.limit ?? 50;
    const exists = await this.ctx.db.query('SELECT 1 FROM deployments WHERE id = $1', [deploymentId]);
    if (!exists.rows[0]) throw new GccServiceError('not_found', `No deployment ${deploymentId}.`);
    const after = decodeCursor(page.cursor, { deploymentId, ...filter }, 1);
    const params: unknown[] = [deploymentId, filter.status ?? null, filter.client_id ?? null, limit + 1];
    let keyset = '';
    if (after) {
      params.push(after[0]);
      keyset = 'AND client_id > $5::text';
    }
    const r = await this.ctx.db.query<TaskRow>(
      `SELECT * FROM deployment_tasks
       WHERE deployment_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR client_id = $3) ${keyset}
       ORDER BY client_id LIMIT $4`,
      params,
    );
    return toPage(r.rows, limit, taskOf, (t) => [t.client_id], { deploymentId, ...filter });
  }

  /** pause | resume | abort; asking for the state it is already in changes nothing. */
  async control(who: Principal, id: string, verb: 'pause' | 'resume' | 'abort'): Promise<Deployment> {
    const target = { pause: 'paused', resume: 'running', abort: 'aborted' }[verb];
    return inTransaction(this.ctx, undefined, async (sql, changed) => {
      const r = await sql.query<DeploymentRow>('SELECT * FROM deployments WHERE id = $1 FOR UPDATE', [id]);
      const d = r.rows[0];
      if (!d) throw new GccServiceError('not_found', `No deployment ${id}.`);
      if (d.status === target) return this.view(sql, id);
      const status = nextDeploymentStatus(d, verb);
      const now = this.ctx.now();
      await sql.query(
        `UPDATE deployments SET status = $2, updated_at = $3, finished_at = CASE WHEN $4 THEN $3 ELSE finished_at END
         WHERE id = $1`,
        [id, status, now, verb === 'abort'],
      );
      let cancelled = 0;
      // Resuming after a threshold pause is the admin's override of that stage's threshold; resuming while a stage
      // holds (too few successes) accepts that stage as it is. Either way the pause's reason no longer applies.
      if (verb === 'resume') {
        await sql.query(
          `UPDATE deployment_stages SET threshold_overridden = true
           WHERE deployment_id = $1 AND failed_at IS NOT NULL AND NOT threshold_overridden`,
          [id],
        );
        await sql.query(
          `UPDATE deployment_stages SET hold_overridden = true
           WHERE deployment_id = $1 AND hold_reason IS NOT NULL AND finished_at IS NULL AND NOT hold_overridden`,
          [id],
        );
        await sql.query('UPDATE deployments SET status_reason = NULL WHERE id = $1', [id]);
      }
      await wakeWorker(this.ctx, sql, id);
      if (verb === 'abort') {
        const c = await sql.query<{ client_id: string }>(
          `UPDATE deployment_tasks SET status = 'cancelled', lease_expires_at = NULL, updated_at = $2
           WHERE deployment_id = $1 AND status = ANY($3::text[]) RETURNING client_id`,
          [id, now, statusesAllowing('cancel')],
        );
        cancelled = c.rows.length;
        await changed(c.rows.length > 200 ? '*' : c.rows.map((x) => x.client_id));
        // A waiting or paused deployment's reason no longer applies once it is aborted.
        await sql.query('UPDATE deployments SET status_reason = NULL WHERE id = $1', [id]);
        // An aborted rollback ends like any other: the deployment it rolled back leaves `rolling_back`.
        if (d.type === 'rollback' && d.rollback_of) await changed(await deploymentEnded(sql, d, status, now));
      } else {
        // Pausing hides queued tasks from agents; resuming shows them again.
        await changed('*');
      }
      await audit(sql, now, who, `deployment.${verb}`, 'deployment', id, {
        deploymentId: id,
        before: { status: d.status },
        after: { status, ...(verb === 'abort' && { cancelled_tasks: cancelled }) },
      });
      return this.view(sql, id);
    });
  }

  /**
   * An admin's rollback of a deployment: validates the request, then starts it through the one rollback code path
   * (`startRollback`, shared with the worker's automatic rollback): each client of the scope goes back to its own
   * previous version (the planner's `planRollback`), clients without one are skipped and listed. A deployment of
   * type `rollback` cannot be rolled back (409 `illegal_transition`): deploy the wanted release instead.
   */
  async rollback(who: Principal, id: string, input: RollbackRequest, tx?: Sql): Promise<Deployment> {
    if (input.scope === 'clients' && !input.client_ids?.length) {
      throw validationFailed([{ path: '/client_ids', message: 'required when scope is clients' }]);
    }
    return inTransaction(this.ctx, tx, async (sql, changed) => {
      const r = await sql.query<DeploymentRow>('SELECT * FROM deployments WHERE id = $1 FOR UPDATE', [id]);
      const original = r.rows[0];
      if (!original) throw new GccServiceError('not_found', `No deployment ${id}.`);
      if (original.type === 'rollback') {
        throw new GccServiceError(
          'illegal_transition',
          `Deployment ${id} is a rollback (of ${original.rollback_of}) and cannot be rolled back itself; to return ` +
            'its clients to a version, deploy that release instead.',
          undefined,
          { deployment_status: original.status, deployment_type: original.type },
        );
      }
      // The state machine's verdict first (a deployment already rolled back, or not started, is a 409).
      nextDeploymentStatus(original, 'rollback_start');
      const scope = input.scope ?? original.strategy.rollback?.scope ?? 'failed_stage';
      if (scope === 'clients') {
        const have = await sql.query<{ client_id: string }>(
          'SELECT client_id FROM deployment_tasks WHERE deployment_id = $1 AND client_id = ANY($2::text[])',
          [id, input.client_ids],
        );
        const set = new Set(have.rows.map((x) => x.client_id));
        const missing = input.client_ids!.map((c, i) => ({ c, i })).filter((x) => !set.has(x.c));
        if (missing.length) {
          throw new GccServiceError(
            'unknown_client',
            `Not part of ${id}: ${missing.map((m) => m.c).join(', ')}.`,
            missing
              .slice(0, 100)
              .map((m) => ({ path: `/client_ids/${m.i}`, message: `no task for ${m.c} in ${id}` })),
          );
        }
      }
      const started = await startRollback(sql, {
        original,
        scope,
        ...(scope === 'clients' && { clientIds: input.client_ids }),
        reason: input.reason ?? null,
        by: who,
        batchSize: original.strategy.rollback?.batch_size ?? null,
        waitSeconds: original.strategy.rollback?.wait_seconds ?? 0,
        // The admin's request is the approval.
        requireApproval: false,
        now: this.ctx.now(),
        leaseSeconds: this.ctx.leaseSeconds,
        wake: (t, rbId) => wakeWorker(this.ctx, t, rbId, { rollback: true }),
      });
      if (started.id === null) {
        throw new GccServiceError(
          'no_targets',
          started.inScope === 0
            ? `Nothing of ${id} to roll back.`
            : `No client of ${id} has an earlier version to return to.`,
        );
      }
      const touched = started.changedClientIds;
      await changed(touched.length > 200 ? '*' : touched);
      return this.view(sql, started.id);
    });
  }

  /**
   * Admin approval on the client's behalf (`force_approve`), audited with the admin's identity and reason. The task
   * keeps its requested start time (the deployment's, or one its approver postponed it to).
   */
  async forceApprove(
    who: Principal,
    deploymentId: string,
    taskId: string,
    input: ForceApproveRequest,
  ): Promise<Task> {
    return inTransaction(this.ctx, undefined, async (sql, changed) => {
      const r = await sql.query<TaskRow & { d_status: DeploymentStatus }>(
        `SELECT t.*, d.status AS d_status
         FROM deployment_tasks t JOIN deployments d ON d.id = t.deployment_id
         WHERE t.id = $1 AND t.deployment_id = $2 FOR UPDATE OF t`,
        [taskId, deploymentId],
      );
      const task = r.rows[0];
      if (!task) throw new GccServiceError('not_found', `No task ${taskId} in deployment ${deploymentId}.`);
      if (task.approval_status === 'approved' || task.approval_status === 'not_required') return taskOf(task);
      const now = this.ctx.now();
      // Stays approved: the rollout worker, woken below, places it in a stage by the deployment's strategy.
      const status = nextTaskStatus(task, 'force_approve');
      const u = await sql.query<TaskRow>(
        `UPDATE deployment_tasks SET status = $2, approval_status = 'approved', approval_source = $5,
                approved_at = $3, approved_by = $4, updated_at = $3
         WHERE id = $1 RETURNING *`,
        [task.id, status, now, input.approved_by, APPROVAL_SOURCE.adminForce],
      );
      const after = taskOf(u.rows[0]!);
      await audit(sql, now, who, 'task.force_approve', 'task', task.id, {
        deploymentId,
        clientId: task.client_id,
        before: { status: task.status, approval_status: task.approval_status },
        after: {
          status,
          approval_status: 'approved',
          approval_source: APPROVAL_SOURCE.adminForce,
          approved_by: input.approved_by,
          reason: input.reason,
        },
      });
      await enqueueNotification(
        sql,
        {
          type: 'task_approved',
          taskId: task.id,
          clientId: task.client_id,
          deploymentId,
          component: task.component,
          version: task.version,
          by: actorOf(who),
          source: APPROVAL_SOURCE.adminForce,
        },
        now,
      );
      await wakeWorker(this.ctx, sql, deploymentId);
      await changed([task.client_id]);
      return after;
    });
  }
}
