import {
  type DecideAction,
  type DeploymentEvent,
  type HistoryEntry,
  planRollback,
  type StartStageAction,
  type TaskEvent,
  type TriggerRollbackAction,
} from '@wrktalk/rollout-planner';
import type { Sql } from '../db/database';
import { OVERDUE_LIST_MAX } from '../notifications/events';
import { enqueueNotification } from '../notifications/outbox';
import { effectiveStrategy } from '../services/strategy';
import { audit, newId, notifyClients } from '../services/support';
import {
  finishRolledBack,
  nextDeploymentStatus,
  notifyFinished,
  statusesAllowing,
  tallyTasks,
} from '../services/tasks';
import type { OrchestratedDeployment } from './snapshot';

/** What one tick wrote, for the caller (wakeups, logs, tests). */
export interface AppliedTick {
  /** The deployment's status after the tick. */
  status: OrchestratedDeployment['status'];
  /** The actions `decide` returned, in order. */
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
    if (this.ids.size > 200) this.all = true;
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

/**
 * Creates the rollback deployment for a crossed threshold: one task per client of the scope that has an earlier
 * good version (`planRollback` over the deployment's rows and the clients' history), each back to its own version,
 * approved without asking (`not_required`) unless the strategy asks for approval, in which case the rollback waits
 * paused for an admin's resume. Its stages are one batch (or waves of `batchSize`) with the rollback wait and no
 * canary; it pauses rather than rolling back itself when its own threshold is crossed.
 */
async function createRollback(
  c: Ctx,
  a: TriggerRollbackAction,
): Promise<{ id: string; clientIds: string[]; skippedClientIds: string[] } | null> {
  const { tx, d, now } = c;
  // The scope is read again here, not only taken from the snapshot `decide` saw: an agent may have picked a task up
  // (queued -> in_progress) after the snapshot, so the guarded cancel left it running; it runs the bad version and
  // must be rolled back too. Cancelled tasks never started and are not in scope.
  const rows = await tx.query<{
    client_id: string;
    version: string;
    status: string;
    stage: number | null;
    at: number;
  }>(
    `SELECT client_id, version, status, stage, (extract(epoch from COALESCE(finished_at, updated_at)) * 1000)::float8 AS at
     FROM deployment_tasks
     WHERE deployment_id = $1
       AND (client_id = ANY($2::text[])
            OR (status IN ('success', 'failed', 'timed_out', 'in_progress') AND stage IS NOT NULL
                AND ($3::text = 'deployment' OR stage = $4)))`,
    [d.id, a.clientIds, a.scope, a.stage],
  );
  const scopeIds = [...new Set([...a.clientIds, ...rows.rows.map((r) => r.client_id)])];
  const history = await tx.query<{
    id: string;
    client_id: string;
    version: string;
    image_url: string;
    deployment_id: string | null;
    at: number;
  }>(
    `SELECT id::text, client_id, version, image_url, deployment_id, (extract(epoch from created_at) * 1000)::float8 AS at
     FROM deployment_history
     WHERE client_id = ANY($1::text[]) AND component = $2 AND deployment_id IS DISTINCT FROM $3
     ORDER BY id`,
    [scopeIds, d.component, d.id],
  );
  const entries: HistoryEntry[] = [
    ...rows.rows.map((r) => ({
      deploymentId: d.id,
      clientId: r.client_id,
      component: d.component,
      version: r.version,
      status: r.status as HistoryEntry['status'],
      finishedAt: r.at,
      stage: r.stage,
    })),
    ...history.rows.map((h) => ({
      deploymentId: h.deployment_id ?? `history:${h.id}`,
      clientId: h.client_id,
      component: d.component,
      version: h.version,
      status: 'success' as const,
      finishedAt: h.at,
    })),
  ];
  const plan = planRollback(entries, {
    component: d.component,
    deploymentId: d.id,
    scope: { type: 'clients', clientIds: scopeIds },
    ...(a.batchSize !== null && { batchSize: a.batchSize }),
  });
  // Image of each target version: the client's latest history row of that version (rows are in id order).
  const image = new Map<string, string>();
  for (const h of history.rows) image.set(`${h.client_id}\u0000${h.version}`, h.image_url);
  if (plan.targets.length === 0) return null;
  const rbId = newId('dpl');
  const strategy = effectiveStrategy(
    {
      ...d.strategy,
      stages: [{ kind: 'batch', wait_seconds: a.waitSeconds }],
      max_batch_size: a.batchSize,
      on_failure: 'pause',
    },
    { leaseSeconds: c.leaseSeconds },
  );
  const status = a.requireApproval ? 'paused' : 'running';
  await tx.query(
    `INSERT INTO deployments (id, type, release_id, component, version, rollback_of, status, strategy, approval,
                              description, created_by, created_at, updated_at, started_at, orchestration)
     VALUES ($1, 'rollback', $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, 'system', $10, $10, $10, 'worker')`,
    [
      rbId,
      d.release_id,
      d.component,
      d.version,
      d.id,
      status,
      JSON.stringify(strategy),
      JSON.stringify({ required: false, deadline: null, on_deadline: 'expire', visible_from: null }),
      `Automatic rollback of ${d.id}: ${a.reason}`,
      now,
    ],
  );
  const inserted = await tx.query<{ client_id: string }>(
    `INSERT INTO deployment_tasks (id, deployment_id, client_id, type, component, version, image_url,
                                   previous_version, status, approval_status, approval_source, approved_at,
                                   approved_by, attempt, created_at, updated_at)
     SELECT 'tsk-' || substr($1, 5) || '-' || lpad(x.n::text, 7, '0'), $1, x.client_id, 'rollback', $2, x.version,
            x.image_url, c.current_versions ->> $2, 'approved', 'not_required', 'not_required', $3, 'system', 0, $3, $3
     FROM unnest($4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS x(client_id, version, image_url, n)
     JOIN clients c ON c.id = x.client_id
     RETURNING client_id`,
    [
      rbId,
      d.component,
      now,
      plan.targets.map((t) => t.clientId),
      plan.targets.map((t) => t.toVersion),
      plan.targets.map((t) => image.get(`${t.clientId}\u0000${t.toVersion}`) ?? ''),
    ],
  );
  c.changed.add(inserted.rows);
  await audit(tx, now, 'system', 'deployment.create', 'deployment', rbId, {
    deploymentId: rbId,
    after: {
      type: 'rollback',
      rollback_of: d.id,
      tasks: inserted.rows.length,
      status,
      targets: plan.targets.map((t) => ({ client_id: t.clientId, from: t.fromVersion, to: t.toVersion })),
    },
  });
  const clientIds = inserted.rows.map((r) => r.client_id);
  const covered = new Set(clientIds);
  return { id: rbId, clientIds, skippedClientIds: scopeIds.filter((id) => !covered.has(id)) };
}

/** Longest client list a `rollback_started` event carries (longer: left out, the notifier reads the tasks). */
const ROLLBACK_LIST_MAX = 100;

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
  const ref = { deploymentId: d.id, component: d.component, version: d.version };
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

  for (const a of actions) {
    switch (a.type) {
      case 'start':
        await setDeploymentStatus(c, 'start', false);
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
        const notRequired = a.source === 'not_required';
        const rows = await move(
          c,
          a.taskIds,
          notRequired ? 'not_required' : a.source === 'deadline' ? 'deadline_auto_approve' : 'auto_approve',
          `status = 'approved', approval_status = '${notRequired ? 'not_required' : 'approved'}',
           approval_source = '${a.source}', approved_at = $3, approved_by = 'system'`,
        );
        await auditTasks(c, 'task.auto_approve', rows, null, {
          status: 'approved',
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
        await tx.query(
          `UPDATE deployment_stages SET finished_at = $3, wait_until = $4
           WHERE deployment_id = $1 AND stage_index = $2 AND finished_at IS NULL`,
          [d.id, a.stage, now, new Date(a.waitUntil)],
        );
        await deploymentAudit('stage.finish', {
          stage: a.stage,
          wait_until: new Date(a.waitUntil).toISOString(),
        });
        {
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
      case 'enqueue':
        dispatched += await enqueue(c, a.taskIds, a.release, jobs);
        break;
      case 'pause':
        await tx.query(
          `UPDATE deployment_stages SET failed_at = $3, failure_reason = $4
           WHERE deployment_id = $1 AND stage_index = $2`,
          [d.id, a.stage, now, a.reason],
        );
        await setDeploymentStatus(c, 'pause', false);
        await deploymentAudit('deployment.pause', { stage: a.stage, reason: a.reason });
        await stageFailed(a.stage, 'paused', a.reason);
        break;
      case 'trigger_rollback':
        await tx.query(
          `UPDATE deployment_stages SET failed_at = $3, failure_reason = $4
           WHERE deployment_id = $1 AND stage_index = $2`,
          [d.id, a.stage, now, a.reason],
        );
        {
          const rb = await createRollback(c, a);
          rollbackId = rb?.id ?? null;
          await stageFailed(a.stage, 'rollback', a.reason);
          if (rb === null) {
            // Nobody in scope has an earlier good version: nothing to return to; the deployment fails.
            await setDeploymentStatus(c, 'fail', true);
            await deploymentAudit('deployment.fail', {
              reason: `${a.reason}; no client has an earlier version`,
            });
            await notifyFinished(tx, d, c.d.status, false, now);
          } else {
            await setDeploymentStatus(c, 'rollback_start', false);
            await deploymentAudit('deployment.rollback', {
              rollback: rb.id,
              scope: a.scope,
              stage: a.stage,
              clients: a.clientIds.length,
              reason: a.reason,
            });
            await enqueueNotification(
              tx,
              {
                type: 'rollback_started',
                ...ref,
                deploymentId: rb.id,
                rollbackOf: d.id,
                reason: a.reason,
                ...(rb.clientIds.length <= ROLLBACK_LIST_MAX && { clientIds: rb.clientIds }),
                skippedClientIds: rb.skippedClientIds,
                by: 'system',
              },
              now,
            );
          }
        }
        break;
      case 'complete':
      case 'fail': {
        const failed = a.type === 'fail';
        await setDeploymentStatus(c, failed ? 'fail' : 'complete', true);
        await deploymentAudit(
          failed ? 'deployment.fail' : 'deployment.complete',
          failed ? { reason: a.reason } : {},
        );
        let rollbackFailed = failed;
        if (d.type === 'rollback' && d.rollback_of) {
          // The rollback counts as failed when any of its tasks failed for good.
          const f = await tx.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM deployment_tasks WHERE deployment_id = $1 AND status IN ('failed', 'timed_out')`,
            [d.id],
          );
          rollbackFailed = failed || (f.rows[0]?.n ?? 0) > 0;
          const rolled = await finishRolledBack(tx, d.id, d.rollback_of, rollbackFailed, now);
          c.changed.add(rolled.map((client_id) => ({ client_id })));
        }
        await notifyFinished(tx, d, c.d.status, rollbackFailed, now);
        break;
      }
      case 'wait_until':
        wakeAt = a.at;
        break;
    }
  }
  await tx.query('UPDATE deployments SET wake_at = $2 WHERE id = $1', [
    d.id,
    wakeAt === null ? null : new Date(wakeAt),
  ]);
  await notifyClients(tx, c.changed.all ? '*' : [...c.changed.ids]);
  return { status: c.d.status, actions, dispatched, rollbackId, wakeAt };
}
