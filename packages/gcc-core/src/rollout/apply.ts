import {
  APPROVAL_SOURCE,
  approvalStatusOf,
  auditedPerTask,
  type DecideAction,
  type DeploymentEvent,
  type JoinStageAction,
  type StartStageAction,
  type TaskEvent,
} from '@wrktalk/rollout-planner';
import type { Sql } from '../db/database';
import { OVERDUE_LIST_MAX } from '../notifications/events';
import { enqueueNotification } from '../notifications/outbox';
import { audit } from '../services/audit-log';
import { notifyClients } from '../services/transaction';
import { nextDeploymentStatus, statusesAllowing } from '../services/transitions';
import { deploymentEnded } from './finish';
import { rollbackNeverRollsBack, startRollback } from './rollback';
import type { OrchestratedDeployment } from './snapshot';
import { tallyTasks } from './tally';

/**
 * Stores a deployment's next wake-up (the planner's `wait_until`, epoch ms, or null) and ends any run of tick errors,
 * writing the row only when either changes.
 */
export async function setWakeAt(tx: Sql, id: string, wakeAt: number | null): Promise<void> {
  await tx.query(
    `UPDATE deployments SET wake_at = $2, tick_errors = 0
     WHERE id = $1 AND (wake_at IS DISTINCT FROM $2::timestamptz OR tick_errors <> 0)`,
    [id, wakeAt === null ? null : new Date(wakeAt)],
  );
}

/** What one tick wrote, for the caller (wakeups, logs, tests). */
export interface AppliedTick {
  /** The deployment's status after the tick. */
  status: OrchestratedDeployment['status'];
  /** The actions applied, in order: `decide`'s (for a rollback, a threshold it crossed as a `pause`). */
  actions: DecideAction[];
  /** Tasks queued for their agents in this tick. */
  dispatched: number;
  /** Rollback deployment created by this tick. */
  rollbackId: string | null;
  /** Next instant a time rule changes something (epoch ms), or null. */
  wakeAt: number | null;
}

/** Clients whose offers changed; the NOTIFY is sent once at the end of the tick. */
class Changed {
  all = false;
  readonly ids = new Set<string>();
  add(rows: readonly { client_id: string }[]): void {
    if (this.all) return;
    for (const r of rows) this.ids.add(r.client_id);
  }
}

interface Ctx {
  tx: Sql;
  d: OrchestratedDeployment;
  now: Date;
  leaseSeconds: number;
  changed: Changed;
}

/** Appends one audit entry per task (actor `system`) in one statement. */
async function auditTasks(
  c: Ctx,
  action: string,
  rows: readonly { id: string; client_id: string }[],
  before: unknown,
  after: unknown,
): Promise<void> {
  if (rows.length === 0) return;
  await c.tx.query(
    `INSERT INTO audit_log (at, actor, action, subject_type, subject_id, deployment_id, client_id, before, after)
     SELECT $1, 'system', $2, 'task', x.id, $3, x.client_id, $4::jsonb, $5::jsonb
     FROM unnest($6::text[], $7::text[]) AS x(id, client_id)`,
    [
      c.now,
      action,
      c.d.id,
      JSON.stringify(before),
      JSON.stringify(after),
      rows.map((r) => r.id),
      rows.map((r) => r.client_id),
    ],
  );
}

/**
 * Moves tasks by a planner event, guarded by the statuses the event is legal from: a task another transaction moved
 * since the snapshot (an agent's report, an approval) is left alone instead of being overwritten.
 */
/** A text literal for SQL built here (policy ids are DNS labels or the planner's vocabulary; quoted all the same). */
const sqlText = (v: string | null): string => (v === null ? 'NULL' : `'${v.replace(/'/g, "''")}'`);

async function move(
  c: Ctx,
  ids: readonly string[],
  event: TaskEvent,
  set: string,
  extraWhere = '',
): Promise<{ id: string; client_id: string }[]> {
  if (ids.length === 0) return [];
  const r = await c.tx.query<{ id: string; client_id: string }>(
    `UPDATE deployment_tasks SET ${set}, updated_at = $3
     WHERE deployment_id = $1 AND id = ANY($2::text[]) AND status = ANY($4::text[]) ${extraWhere}
     RETURNING id, client_id`,
    [c.d.id, ids, c.now, statusesAllowing(event)],
  );
  c.changed.add(r.rows);
  return r.rows;
}

async function setDeploymentStatus(c: Ctx, event: DeploymentEvent, finished: boolean): Promise<void> {
  const status = nextDeploymentStatus(c.d, event);
  await c.tx.query(
    `UPDATE deployments SET status = $2, updated_at = $3, finished_at = CASE WHEN $4 THEN $3 ELSE finished_at END
     WHERE id = $1`,
    [c.d.id, status, c.now, finished],
  );
  c.d = { ...c.d, status };
}

/** Queues tasks (approved|overdue -> queued, attempt + 1) and records one dispatch per (task, attempt). */
async function enqueue(
  c: Ctx,
  ids: readonly string[],
  reason: 'stage' | 'retry' | 'slot',
  jobOf: ReadonlyMap<string, { job: string; wave: number }>,
): Promise<number> {
  if (ids.length === 0) return 0;
  const event: TaskEvent = reason === 'retry' ? 'retry' : 'enqueue';
  const r = await c.tx.query<{ id: string; client_id: string; attempt: number; stage: number | null }>(
    `UPDATE deployment_tasks SET status = 'queued', attempt = attempt + 1, queued_at = $3, lease_expires_at = NULL,
            finished_at = NULL, updated_at = $3
     WHERE deployment_id = $1 AND id = ANY($2::text[]) AND status = ANY($4::text[])
     RETURNING id, client_id, attempt, stage`,
    [c.d.id, ids, c.now, statusesAllowing(event)],
  );
  c.changed.add(r.rows);
  if (r.rows.length === 0) return 0;
  // The primary key (task, attempt) makes a second dispatch of one attempt fail the whole tick.
  await c.tx.query(
    `INSERT INTO task_dispatches (task_id, attempt, deployment_id, stage, job, wave, reason, dispatched_at)
     SELECT x.id, x.attempt, $1, x.stage, x.job, x.wave, $2, $3
     FROM unnest($4::text[], $5::int[], $6::int[], $7::text[], $8::int[]) AS x(id, attempt, stage, job, wave)`,
    [
      c.d.id,
      reason,
      c.now,
      r.rows.map((t) => t.id),
      r.rows.map((t) => t.attempt),
      r.rows.map((t) => t.stage),
      r.rows.map((t) => jobOf.get(t.id)?.job ?? null),
      r.rows.map((t) => jobOf.get(t.id)?.wave ?? null),
    ],
  );
  return r.rows.length;
}

async function startStage(c: Ctx, a: StartStageAction): Promise<Map<string, { job: string; wave: number }>> {
  await c.tx.query(
    `INSERT INTO deployment_stages (deployment_id, stage_index, kind, placed, jobs, started_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [c.d.id, a.stage, a.kind, a.taskIds.length, a.batches.length, c.now],
  );
  await c.tx.query(
    `UPDATE deployment_tasks SET stage = $3, updated_at = $4
     WHERE deployment_id = $1 AND id = ANY($2::text[]) AND status = 'approved' AND stage IS NULL`,
    [c.d.id, a.taskIds, a.stage, c.now],
  );
  const byClient = new Map<string, { job: string; wave: number }>();
  for (const b of a.batches) for (const id of b.clientIds) byClient.set(id, { job: b.key, wave: b.wave });
  await audit(c.tx, c.now, 'system', 'stage.start', 'deployment', c.d.id, {
    deploymentId: c.d.id,
    after: {
      stage: a.stage,
      kind: a.kind,
      tasks: a.taskIds.length,
      jobs: a.batches.map((b) => ({ key: b.key, wave: b.wave, clients: b.clientIds.length })),
    },
  });
  // Jobs are keyed by client; the enqueue that follows works on task ids.
  const r = await c.tx.query<{ id: string; client_id: string }>(
    'SELECT id, client_id FROM deployment_tasks WHERE deployment_id = $1 AND id = ANY($2::text[])',
    [c.d.id, a.taskIds],
  );
  const out = new Map<string, { job: string; wave: number }>();
  for (const t of r.rows) {
    const j = byClient.get(t.client_id);
    if (j) out.set(t.id, j);
  }
  return out;
}

/** Approvals join the running stage (`joinRunningStage`): placed in it, counted in its `placed` and `jobs`. */
async function joinStage(c: Ctx, a: JoinStageAction): Promise<Map<string, { job: string; wave: number }>> {
  const placed = await c.tx.query<{ id: string; client_id: string }>(
    `UPDATE deployment_tasks SET stage = $3, updated_at = $4
     WHERE deployment_id = $1 AND id = ANY($2::text[]) AND status = 'approved' AND stage IS NULL
     RETURNING id, client_id`,
    [c.d.id, a.taskIds, a.stage, c.now],
  );
  await c.tx.query(
    `UPDATE deployment_stages SET placed = placed + $3, jobs = jobs + $4
     WHERE deployment_id = $1 AND stage_index = $2`,
    [c.d.id, a.stage, placed.rows.length, a.batches.length],
  );
  await audit(c.tx, c.now, 'system', 'stage.join', 'deployment', c.d.id, {
    deploymentId: c.d.id,
    after: { stage: a.stage, tasks: placed.rows.length },
  });
  const byClient = new Map<string, { job: string; wave: number }>();
  for (const b of a.batches) for (const id of b.clientIds) byClient.set(id, { job: b.key, wave: b.wave });
  const out = new Map<string, { job: string; wave: number }>();
  for (const t of placed.rows) {
    const j = byClient.get(t.client_id);
    if (j) out.set(t.id, j);
  }
  return out;
}

/**
 * Applies `decide`'s actions to the locked deployment in the caller's transaction, in order, then sends the
 * cache NOTIFY for every client whose tasks changed. Each write is guarded by the statuses it is legal from, so a
 * task an agent or approver moved after the snapshot is never overwritten.
 */
export async function applyTick(
  tx: Sql,
  d: OrchestratedDeployment,
  actions: DecideAction[],
  now: Date,
  leaseSeconds: number,
): Promise<AppliedTick> {
  const c: Ctx = { tx, d, now, leaseSeconds, changed: new Changed() };
  let dispatched = 0;
  let rollbackId: string | null = null;
  let wakeAt: number | null = null;
  let jobs = new Map<string, { job: string; wave: number }>();
  const before = d.status;
  // Every deployment-level event says whether it is about an update or a rollback (and of what).
  const ref = {
    deploymentId: d.id,
    deploymentType: d.type,
    rollbackOf: d.rollback_of,
    component: d.component,
    version: d.version,
  };
  const stageFailed = async (stage: number, action: 'paused' | 'rollback', reason: string) => {
    const t = await tallyTasks(tx, d.id, stage);
    await enqueueNotification(
      tx,
      {
        type: 'stage_failed',
        ...ref,
        stage,
        succeeded: t.succeeded,
        failed: t.failed,
        total: t.total,
        action,
        reason,
      },
      now,
    );
  };
  const deploymentAudit = (action: string, after: Record<string, unknown>) =>
    audit(tx, now, 'system', action, 'deployment', d.id, {
      deploymentId: d.id,
      before: { status: before },
      after: { status: c.d.status, ...after },
    });

  // A rollback never rolls itself back: a threshold it crosses pauses it for an admin.
  const todo = d.type === 'rollback' ? rollbackNeverRollsBack(actions) : actions;
  for (const a of todo) {
    switch (a.type) {
      case 'start':
        await setDeploymentStatus(c, 'start', false);
        // A deployment that waited for its requested start time starts now; the waiting reason goes.
        await tx.query(
          'UPDATE deployments SET started_at = COALESCE(started_at, $2), status_reason = NULL WHERE id = $1',
          [d.id, now],
        );
        await deploymentAudit('deployment.start', {});
        break;
      case 'mark_timed_out': {
        const rows = await move(
          c,
          a.taskIds,
          'lease_expired',
          "status = 'timed_out', lease_expires_at = NULL, finished_at = $3",
          'AND lease_expires_at <= $3',
        );
        await auditTasks(c, 'task.timed_out', rows, { status: 'in_progress' }, { status: 'timed_out' });
        break;
      }
      case 'mark_overdue': {
        const rows = await move(c, a.taskIds, 'pickup_timeout', "status = 'overdue'");
        await auditTasks(c, 'task.overdue', rows, { status: 'queued' }, { status: 'overdue' });
        if (rows.length > 0) {
          // One event for the tick, not one per task.
          const listed = [...rows].sort((x, y) => (x.id < y.id ? -1 : 1)).slice(0, OVERDUE_LIST_MAX);
          await enqueueNotification(
            tx,
            {
              type: 'task_overdue',
              ...ref,
              count: rows.length,
              taskIds: listed.map((r) => r.id),
              clientIds: listed.map((r) => r.client_id),
              since: now.toISOString(),
            },
            now,
          );
        }
        break;
      }
      case 'auto_approve': {
        // Source, approval status and policy as the planner decided them (a client's own preference is
        // `auto_policy` / `client_preference`, as at creation); both are the planner's closed vocabularies.
        const approvalStatus = approvalStatusOf(a.source);
        const rows = await move(
          c,
          a.taskIds,
          a.source === APPROVAL_SOURCE.notRequired
            ? 'not_required'
            : a.source === APPROVAL_SOURCE.deadline
              ? 'deadline_auto_approve'
              : 'auto_approve',
          `status = 'approved', approval_status = '${approvalStatus}',
           approval_source = '${a.source}', approved_at = $3, approved_by = 'system',
           approval_policy = ${sqlText(a.policyId)}`,
        );
        // The same entry creation writes for the approvals it makes (`createdApprovalsAuditSql`); `not_required` is
        // the deployment's own decision, audited once with it, not per task (the planner's `auditedPerTask`).
        if (auditedPerTask(a.source))
          await auditTasks(c, 'task.auto_approve', rows, null, {
            status: 'approved',
            approval_status: approvalStatus,
            approval_source: a.source,
            policy: a.policyId,
          });
        break;
      }
      case 'expire': {
        const rows = await move(c, a.taskIds, 'expire', "status = 'expired', approval_status = 'expired'");
        await auditTasks(c, 'task.expire', rows, null, { status: 'expired', approval_status: 'expired' });
        break;
      }
      case 'retry': {
        const n = await enqueue(c, a.taskIds, 'retry', jobs);
        dispatched += n;
        if (n > 0) await deploymentAudit('task.retry', { tasks: n });
        break;
      }
      case 'cancel': {
        const rows = await move(c, a.taskIds, 'cancel', "status = 'cancelled', lease_expires_at = NULL");
        if (rows.length > 0)
          await deploymentAudit('deployment.cancel_tasks', { tasks: rows.length, reason: a.reason });
        break;
      }
      case 'finish_stage':
        // A hold reason stays only on a stage an admin accepted as it was (it explains the missing successes).
        await tx.query(
          `UPDATE deployment_stages SET finished_at = $3, wait_until = $4,
                  hold_reason = CASE WHEN hold_overridden THEN hold_reason END
           WHERE deployment_id = $1 AND stage_index = $2 AND finished_at IS NULL`,
          [d.id, a.stage, now, new Date(a.waitUntil)],
        );
        await deploymentAudit('stage.finish', {
          stage: a.stage,
          wait_until: new Date(a.waitUntil).toISOString(),
        });
        // A rollback's waves are not announced as stages: `rollback_finished` reports the rollback.
        if (d.type !== 'rollback') {
          const t = await tallyTasks(tx, d.id, a.stage);
          await enqueueNotification(
            tx,
            {
              type: 'stage_completed',
              ...ref,
              stage: a.stage,
              succeeded: t.succeeded,
              failed: t.failed,
              total: t.total,
            },
            now,
          );
        }
        break;
      case 'start_stage':
        jobs = await startStage(c, a);
        break;
      case 'join_stage':
        jobs = await joinStage(c, a);
        break;
      case 'enqueue':
        dispatched += await enqueue(c, a.taskIds, a.release, jobs);
        break;
      case 'hold_stage':
        await tx.query(
          'UPDATE deployment_stages SET hold_reason = $3 WHERE deployment_id = $1 AND stage_index = $2',
          [d.id, a.stage, a.reason],
        );
        await deploymentAudit('stage.hold', { stage: a.stage, reason: a.reason });
        break;
      case 'pause':
        // A held stage did not fail: only a crossed threshold marks the stage failed and announces it.
        if (a.cause === 'threshold') {
          await tx.query(
            `UPDATE deployment_stages SET failed_at = $3, failure_reason = $4
             WHERE deployment_id = $1 AND stage_index = $2`,
            [d.id, a.stage, now, a.reason],
          );
        }
        await setDeploymentStatus(c, 'pause', false);
        await tx.query('UPDATE deployments SET status_reason = $2 WHERE id = $1', [d.id, a.reason]);
        await deploymentAudit('deployment.pause', { stage: a.stage, cause: a.cause, reason: a.reason });
        if (a.cause === 'threshold') await stageFailed(a.stage, 'paused', a.reason);
        else {
          const t = await tallyTasks(tx, d.id, a.stage);
          const overdue = await tx.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM deployment_tasks WHERE deployment_id = $1 AND stage = $2 AND status = 'overdue'`,
            [d.id, a.stage],
          );
          await enqueueNotification(
            tx,
            {
              type: 'stage_held',
              ...ref,
              stage: a.stage,
              succeeded: t.succeeded,
              overdue: overdue.rows[0]?.n ?? 0,
              total: t.total,
              reason: a.reason,
            },
            now,
          );
        }
        break;
      case 'trigger_rollback':
        await tx.query(
          `UPDATE deployment_stages SET failed_at = $3, failure_reason = $4
           WHERE deployment_id = $1 AND stage_index = $2`,
          [d.id, a.stage, now, a.reason],
        );
        await stageFailed(a.stage, 'rollback', a.reason);
        {
          // The same code path as an admin's rollback: scope, each client's own target version, audit, event.
          const rb = await startRollback(tx, {
            original: c.d,
            scope: a.scope,
            stage: a.stage,
            reason: a.reason,
            by: 'system',
            batchSize: a.batchSize,
            waitSeconds: a.waitSeconds,
            requireApproval: a.requireApproval,
            now,
            leaseSeconds: c.leaseSeconds,
          });
          if (rb.id === null) {
            // Nobody in scope has an earlier good version: nothing to return to; the deployment fails.
            const reason = `${a.reason}; no client has an earlier version`;
            await setDeploymentStatus(c, 'fail', true);
            await tx.query('UPDATE deployments SET status_reason = $2 WHERE id = $1', [d.id, reason]);
            await deploymentAudit('deployment.fail', { reason });
            await deploymentEnded(tx, c.d, c.d.status, now);
          } else {
            rollbackId = rb.id;
            c.d = { ...c.d, status: rb.originalStatus };
            c.changed.add(rb.changedClientIds.map((client_id) => ({ client_id })));
          }
        }
        break;
      case 'complete':
      case 'fail': {
        const failed = a.type === 'fail';
        await setDeploymentStatus(c, failed ? 'fail' : 'complete', true);
        if (failed)
          await tx.query('UPDATE deployments SET status_reason = $2 WHERE id = $1', [d.id, a.reason]);
        await deploymentAudit(
          failed ? 'deployment.fail' : 'deployment.complete',
          failed ? { reason: a.reason } : {},
        );
        // An update is announced; a rollback finishes the deployment it rolled back and is announced only as
        // `rollback_finished`.
        const rolled = await deploymentEnded(tx, c.d, c.d.status, now);
        c.changed.add(rolled.map((client_id) => ({ client_id })));
        break;
      }
      case 'wait_until':
        wakeAt = a.at;
        break;
    }
  }
  // The tick's one write of the deployment row: its next wake-up, and the end of any run of tick errors (only
  // consecutive errors count; this reset commits with the tick's other writes, or not at all). Skipped when neither
  // changes, so a tick that changed nothing writes nothing: the worker's sweep recognises an unchanged deployment by
  // its rows' versions (the worker's `sweepList`) and does not tick it again.
  await setWakeAt(tx, d.id, wakeAt);
  await notifyClients(tx, c.changed.all ? '*' : [...c.changed.ids]);
  return { status: c.d.status, actions: todo, dispatched, rollbackId, wakeAt };
}
