import {
  APPROVAL_SOURCE,
  approvalStatusOf,
  type DecideAction,
  type DeploymentStatus,
  FAILED_TASK_STATUSES,
  type HistoryEntry,
  planSetRollback,
  type RollbackScope,
} from '@wrktalk/rollout-planner';
import type { Deployment } from '@wrktalk/sdk-gcc';
import type { Sql } from '../db/database';
import type { RollbackScopeName } from '../notifications/events';
import { enqueueNotification } from '../notifications/outbox';
import { audit } from '../services/audit-log';
import { actorOf, type Principal } from '../services/context';
import { newId } from '../services/ids';
import { rollbackStrategy } from '../services/strategy';
import type { StoredTaskComponent } from '../services/task-rows';
import { nextDeploymentStatus, nextTaskStatus, statusesAllowing } from '../services/transitions';
import { tallyTasks } from './tally';

/** The deployment being rolled back, as its locked row holds it. */
export interface RollbackOriginal {
  id: string;
  type: Deployment['type'];
  status: DeploymentStatus;
  release_id: string;
  component: string;
  version: string;
  /** The release set (first entry `component`); a single release when absent. */
  components?: Deployment['components'];
  strategy: Deployment['strategy'];
}

/** What {@link startRollback} is asked to do. */
export interface StartRollbackInput {
  /** The deployment rolled back; the caller holds its row (`FOR NO KEY UPDATE`). */
  original: RollbackOriginal;
  /** Which of its clients. */
  scope: RollbackScopeName;
  /**
   * `failed_stage`: the stage; when undefined, the stage that crossed its threshold, else the stage started last;
   * when no stage started, the clients whose task failed or timed out.
   * @default undefined
   */
  stage?: number;
  /** `clients`: the clients (each must have a task in `original`; the caller checks). */
  clientIds?: readonly string[];
  /** Why, for the audit, the rollback's description and the notification. */
  reason: string | null;
  /** The admin, or `system` for the worker's automatic rollback. */
  by: Principal | 'system';
  /** Clients per rollback wave; null: one wave. */
  batchSize: number | null;
  /** Wait between rollback waves, in seconds. */
  waitSeconds: number;
  /** The rollback waits `paused` for an admin's resume (an automatic rollback under `rollback.require_approval`). */
  requireApproval: boolean;
  now: Date;
  /** Lease used when the stored strategy has none. */
  leaseSeconds: number;
  /**
   * Wakes the rollout worker for the new rollback (rollback priority), in `tx`. The worker's own automatic rollback
   * passes none: it ticks the rollback itself in the same run.
   * @default undefined
   */
  wake?: (tx: Sql, deploymentId: string) => Promise<void>;
}

/** A rollback deployment that was created. */
export interface RollbackStarted {
  /** The rollback deployment. */
  id: string;
  /** Its status: `running`, or `paused` when it waits for an admin. */
  status: DeploymentStatus;
  /** The original's status now (`rolling_back`). */
  originalStatus: DeploymentStatus;
  /** The stage the scope was taken from (`failed_stage` with stages), else null. */
  stage: number | null;
  /** Clients it returns to their own previous version, in task order. */
  clientIds: string[];
  /** Clients in scope it does not touch: no earlier good version (or, scope `clients`, no update ran there). */
  skippedClientIds: string[];
  /** Clients whose offers changed (rollback tasks, cancelled tasks of the original). */
  changedClientIds: string[];
}

/** Nothing in scope has an earlier version to return to: no rollback was created and nothing was written. */
export interface NoRollback {
  id: null;
  /** Clients the scope selected. */
  inScope: number;
  /** Clients in scope without an earlier good version. */
  skippedClientIds: string[];
}

/** Longest client list a rollback notification or audit entry carries (the rest is counted). */
const LIST_MAX = 100;

/** The `failed_stage` stage of a deployment: the one that crossed its threshold, else the one started last. */
async function failedStage(tx: Sql, deploymentId: string): Promise<number | null> {
  const st = await tx.query<{ stage_index: number }>(
    `SELECT stage_index FROM deployment_stages WHERE deployment_id = $1
     ORDER BY (failed_at IS NOT NULL) DESC, stage_index DESC LIMIT 1`,
    [deploymentId],
  );
  return st.rows[0]?.stage_index ?? null;
}

/**
 * Starts a rollback of `original`: the one code path of an admin's rollback and of the worker's automatic one.
 * Each client of the scope goes back to its own previous good version, chosen by the planner's `planRollback` over
 * the deployment's task rows and the clients' `deployment_history`; clients without one are skipped and listed.
 * Writes, in the caller's transaction: the rollback deployment (type `rollback`, `on_failure: 'pause'`, so a failing
 * rollback waits for an admin and never rolls itself back) and its tasks in client order (approved without asking,
 * released by the worker), `rollback_scope` on both
 * deployments and `rolled_back_by` on the original, the original's move to `rolling_back` with its not-started tasks
 * cancelled, the audit entries, the `rollback_started` event and the worker's wake-up.
 * @returns the rollback, or `{ id: null }` (nothing written) when no client in scope has an earlier version
 */
export async function startRollback(
  tx: Sql,
  input: StartRollbackInput,
): Promise<RollbackStarted | NoRollback> {
  const { original: d, scope, now } = input;
  const rollingBack = nextDeploymentStatus(d, 'rollback_start');
  const stage = scope === 'failed_stage' ? (input.stage ?? (await failedStage(tx, d.id))) : null;
  const listed = scope === 'clients' ? [...new Set(input.clientIds ?? [])].sort() : null;
  // The original's rows the scope may cover, in client order (the planner keeps their order): all of them for
  // `deployment`, the stage's, the listed clients', or, when no stage started, the failed ones.
  // Of these the planner keeps the rows that touched their client (`planRollback`).
  const setComponents = (d.components ?? []).map((m) => m.component);
  const components = setComponents.length ? setComponents : [d.component];
  const rows = await tx.query<{
    client_id: string;
    version: string;
    components: StoredTaskComponent[] | null;
    status: HistoryEntry['status'];
    stage: number | null;
    at: number;
  }>(
    `SELECT client_id, version, components, status, stage,
            (extract(epoch from COALESCE(finished_at, updated_at)) * 1000)::float8 AS at
     FROM deployment_tasks
     WHERE deployment_id = $1
       AND CASE $2::text
             WHEN 'clients' THEN client_id = ANY($3::text[])
             WHEN 'failed_stage' THEN CASE WHEN $4::int IS NULL THEN status = ANY($5::text[]) ELSE stage = $4 END
             ELSE true
           END
     ORDER BY client_id`,
    [d.id, scope, listed ?? [], stage, FAILED_TASK_STATUSES],
  );
  const rowIds = rows.rows.map((r) => r.client_id);
  const history = await tx.query<{
    id: string;
    client_id: string;
    component: string;
    version: string;
    image_url: string;
    image_digest: string | null;
    deployment_id: string | null;
    at: number;
  }>(
    `SELECT h.id::text, h.client_id, h.component, h.version, h.image_url, h.deployment_id,
            (extract(epoch from h.created_at) * 1000)::float8 AS at,
            (SELECT r.image_digest FROM releases r
             WHERE r.component = h.component AND r.version = h.version AND r.image_url = h.image_url) AS image_digest
     FROM deployment_history h
     WHERE h.client_id = ANY($1::text[]) AND h.component = ANY($2::text[]) AND h.deployment_id IS DISTINCT FROM $3
     ORDER BY h.id`,
    [rowIds, components, d.id],
  );
  // Each of the original's rows once per component of its set (the version the task installed there), then the
  // clients' history of those components.
  const entries: HistoryEntry[] = [
    ...rows.rows.flatMap((r) =>
      (r.components?.length ? r.components : [{ component: d.component, version: r.version }]).map((c) => ({
        deploymentId: d.id,
        clientId: r.client_id,
        component: c.component,
        version: c.version,
        status: r.status,
        finishedAt: r.at,
        stage: r.stage,
      })),
    ),
    ...history.rows.map((h) => ({
      deploymentId: h.deployment_id ?? `history:${h.id}`,
      clientId: h.client_id,
      component: h.component,
      version: h.version,
      status: 'success' as const,
      finishedAt: h.at,
    })),
  ];
  // The rows were chosen by the scope above; the planner keeps those that touched their client (ran the update)
  // and picks each one's target version.
  const plannerScope: RollbackScope =
    scope === 'failed_stage' && stage !== null ? { type: 'failed_stage', stage } : { type: 'deployment' };
  // A set goes back whole: a client is returned only when every component has an earlier good version there.
  const plan = planSetRollback(entries, {
    components,
    deploymentId: d.id,
    scope: plannerScope,
    ...(input.batchSize !== null && { batchSize: input.batchSize }),
  });
  const targeted = new Set(plan.targets.map((t) => t.clientId));
  // Skipped: in scope but not returned (no earlier good version; for `clients`, also a listed client the update
  // never reached).
  const skipped =
    listed !== null
      ? listed.filter((id) => !targeted.has(id))
      : plan.unresolved.filter((u) => u.reason === 'no_previous_success').map((u) => u.clientId);
  if (plan.targets.length === 0) {
    return { id: null, inScope: listed?.length ?? plan.unresolved.length, skippedClientIds: skipped };
  }

  const rbId = newId('dpl');
  const paused = input.requireApproval;
  const status: DeploymentStatus = paused ? 'paused' : 'running';
  // Through the planner's validation like a requested strategy: a rollback that cannot be planned is not created.
  const strategy = rollbackStrategy(
    d.id,
    d.strategy,
    { waitSeconds: input.waitSeconds, batchSize: input.batchSize },
    { leaseSeconds: input.leaseSeconds },
  );
  const description =
    input.by === 'system'
      ? `Automatic rollback of ${d.id}${input.reason ? `: ${input.reason}` : ''}`
      : (input.reason ?? `Rollback of ${d.id}`);
  await tx.query(
    `INSERT INTO deployments (id, type, release_id, component, version, rollback_of, rollback_scope, status,
                              status_reason, strategy, approval, description, created_by, created_at, updated_at,
                              started_at, orchestration, rollback_skipped, components)
     VALUES ($1, 'rollback', $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12, $13, $13, $13, $14, $15,
             $16::jsonb)`,
    [
      rbId,
      d.release_id,
      d.component,
      d.version,
      d.id,
      scope,
      status,
      paused ? 'strategy.rollback.require_approval: the rollback runs when an admin resumes it' : null,
      JSON.stringify(strategy),
      JSON.stringify({
        required: false,
        deadline: null,
        on_deadline: 'expire',
        visible_from: null,
        auto_approve_policies: [],
      }),
      description,
      actorOf(input.by),
      now,
      'worker',
      skipped.length,
      JSON.stringify(d.components ?? null),
    ],
  );
  // Approved without asking; the worker releases them by the rollback's strategy.
  const initial = nextTaskStatus({ id: rbId, status: 'pending' }, 'not_required');
  const image = new Map<string, { url: string; digest: string | null }>();
  for (const h of history.rows)
    image.set(`${h.client_id}\u0000${h.component}\u0000${h.version}`, {
      url: h.image_url,
      digest: h.image_digest,
    });
  const imageOf = (clientId: string, component: string, version: string) =>
    image.get(`${clientId}\u0000${component}\u0000${version}`) ?? { url: '', digest: null };
  const targets = [...plan.targets].sort((a, b) => (a.clientId < b.clientId ? -1 : 1));
  // A set's rollback task carries every component back to its client's own previous version (from the version the
  // client runs now); a single release's needs only its own columns.
  const isSet = components.length > 1;
  const inserted = await tx.query<{ client_id: string }>(
    `INSERT INTO deployment_tasks (id, deployment_id, client_id, type, component, version, image_url,
                                   previous_version, status, approval_status, approval_source, approved_at,
                                   approved_by, attempt, queued_at, created_at, updated_at, components)
     SELECT 'tsk-' || substr($1, 5) || '-' || lpad(x.n::text, 7, '0'), $1, x.client_id, 'rollback', $2, x.version,
            x.image_url, c.current_versions ->> $2, $3, $9, $10, $4, $5, 0, NULL, $4, $4,
            CASE WHEN x.set IS NULL THEN NULL ELSE (
              SELECT jsonb_agg(e || jsonb_build_object('previous_version', c.current_versions -> (e ->> 'component'))
                               ORDER BY k)
              FROM jsonb_array_elements(x.set::jsonb) WITH ORDINALITY AS m(e, k))
            END
     FROM unnest($6::text[], $7::text[], $8::text[], $11::text[]) WITH ORDINALITY AS x(client_id, version, image_url, set, n)
     JOIN clients c ON c.id = x.client_id
     ORDER BY x.n
     RETURNING client_id`,
    [
      rbId,
      d.component,
      initial,
      now,
      actorOf(input.by),
      targets.map((t) => t.clientId),
      targets.map((t) => t.components[0]!.toVersion),
      targets.map((t) => imageOf(t.clientId, d.component, t.components[0]!.toVersion).url),
      approvalStatusOf(APPROVAL_SOURCE.notRequired),
      APPROVAL_SOURCE.notRequired,
      targets.map((t) =>
        isSet
          ? JSON.stringify(
              t.components.map((c) => {
                const img = imageOf(t.clientId, c.component, c.toVersion);
                return {
                  component: c.component,
                  version: c.toVersion,
                  image_url: img.url,
                  image_digest: img.digest,
                };
              }),
            )
          : null,
      ),
    ],
  );
  // Its tasks are approved without asking anyone (`not_required`): audited once, by the rollback's own
  // `deployment.create` entry below (`approval_source: not_required`, its task count), not task by task
  // (the planner's `auditedPerTask`).
  const clientIds = inserted.rows.map((r) => r.client_id).sort();
  await tx.query(
    `UPDATE deployments SET status = $2, rollback_scope = $3, rolled_back_by = $4, updated_at = $5 WHERE id = $1`,
    [d.id, rollingBack, scope, rbId, now],
  );
  // The original's tasks that have not started never will (a guarded write: a task an agent picked up meanwhile
  // keeps running, and is in scope above when its stage is).
  const cancelled = await tx.query<{ client_id: string }>(
    `UPDATE deployment_tasks SET status = 'cancelled', lease_expires_at = NULL, updated_at = $2
     WHERE deployment_id = $1 AND status = ANY($3::text[]) RETURNING client_id`,
    [d.id, now, statusesAllowing('cancel')],
  );
  // Clients of the original that keep its version when this rollback succeeds: the rollback is partial.
  const kept = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM deployment_tasks
     WHERE deployment_id = $1 AND status = 'success' AND NOT (client_id = ANY($2::text[]))`,
    [d.id, clientIds],
  );
  const keptNewVersion = kept.rows[0]?.n ?? 0;
  const bounded = <T>(list: readonly T[]) => list.slice(0, LIST_MAX);
  await audit(tx, now, input.by, 'deployment.rollback', 'deployment', d.id, {
    deploymentId: d.id,
    before: { status: d.status },
    after: {
      status: rollingBack,
      rollback: rbId,
      scope,
      ...(stage !== null && { stage }),
      tasks: clientIds.length,
      skipped_clients: bounded(skipped),
      skipped_count: skipped.length,
      cancelled_tasks: cancelled.rows.length,
      kept_new_version: keptNewVersion,
      ...(input.reason && { reason: input.reason }),
    },
  });
  await audit(tx, now, input.by, 'deployment.create', 'deployment', rbId, {
    deploymentId: rbId,
    after: {
      type: 'rollback',
      rollback_of: d.id,
      rollback_scope: scope,
      status,
      tasks: clientIds.length,
      approval_source: APPROVAL_SOURCE.notRequired,
      targets: bounded(targets).map((t) =>
        isSet
          ? {
              client_id: t.clientId,
              components: t.components.map((c) => ({
                component: c.component,
                from: c.fromVersion,
                to: c.toVersion,
              })),
            }
          : { client_id: t.clientId, from: t.components[0]!.fromVersion, to: t.components[0]!.toVersion },
      ),
      skipped_clients: bounded(skipped),
      skipped_count: skipped.length,
    },
  });
  await enqueueNotification(
    tx,
    {
      type: 'rollback_started',
      deploymentId: rbId,
      deploymentType: 'rollback',
      rollbackOf: d.id,
      component: d.component,
      version: d.version,
      scope,
      ...(stage !== null && { stage }),
      partial: keptNewVersion > 0,
      keptNewVersion,
      ...(input.reason && { reason: input.reason }),
      // No long list: the notifier reads the approvers of the rollback's tasks.
      ...(clientIds.length <= LIST_MAX && { clientIds }),
      skippedClientIds: skipped,
      by: actorOf(input.by),
    },
    now,
  );
  await input.wake?.(tx, rbId);
  return {
    id: rbId,
    status,
    originalStatus: rollingBack,
    stage,
    clientIds,
    skippedClientIds: skipped,
    changedClientIds: [...new Set([...clientIds, ...cancelled.rows.map((r) => r.client_id)])],
  };
}

/** The rollback deployment row {@link finishRollback} reads. */
export interface FinishedRollback {
  id: string;
  component: string;
  version: string;
  rollback_of: string;
}

/**
 * A rollback deployment ended (`completed`, `failed` or `aborted`; the caller wrote its own status): the deployment
 * it rolled back becomes `rolled_back`, or `failed` (with the reason) when the rollback did not return every client
 * it covered; the original's tasks of clients the rollback returned become `rolled_back` (planner: `roll_back`);
 * then `rollback_finished` says whether the rollback is partial (clients of the original keep its version). The only
 * place a rollback is finished.
 * @returns client ids whose tasks changed
 */
export async function finishRollback(
  tx: Sql,
  rb: FinishedRollback,
  status: DeploymentStatus,
  now: Date,
): Promise<string[]> {
  const t = await tallyTasks(tx, rb.id);
  const failed = status !== 'completed' || t.failed > 0;
  const own = (
    await tx.query<{ rollback_scope: RollbackScopeName | null; rollback_skipped: number | null }>(
      'SELECT rollback_scope, rollback_skipped FROM deployments WHERE id = $1',
      [rb.id],
    )
  ).rows[0];
  const scope = own?.rollback_scope ?? null;
  const original = (
    await tx.query<{ id: string; status: DeploymentStatus }>(
      'SELECT id, status FROM deployments WHERE id = $1 FOR NO KEY UPDATE',
      [rb.rollback_of],
    )
  ).rows[0];
  let rolled: string[] = [];
  if (original?.status === 'rolling_back') {
    const originalStatus = nextDeploymentStatus(original, failed ? 'rollback_failed' : 'rollback_done');
    const reason = failed
      ? `rollback ${rb.id} ${status === 'completed' ? 'completed with failures' : status}: ${t.succeeded} clients returned, ${t.failed} failed`
      : null;
    await tx.query(
      `UPDATE deployments SET status = $2, status_reason = $3, finished_at = $4, updated_at = $4 WHERE id = $1`,
      [original.id, originalStatus, reason, now],
    );
    const r = await tx.query<{ client_id: string }>(
      `UPDATE deployment_tasks o SET status = 'rolled_back', updated_at = $3
       FROM deployment_tasks r
       WHERE r.deployment_id = $1 AND r.status = 'success' AND o.deployment_id = $2 AND o.client_id = r.client_id
         AND o.status = ANY($4::text[])
       RETURNING o.client_id`,
      [rb.id, original.id, now, statusesAllowing('roll_back')],
    );
    rolled = r.rows.map((x) => x.client_id);
    await audit(
      tx,
      now,
      'system',
      failed ? 'deployment.rollback_fail' : 'deployment.rollback_done',
      'deployment',
      original.id,
      {
        deploymentId: original.id,
        before: { status: original.status },
        after: { status: originalStatus, rolled_back_clients: rolled.length, rollback: rb.id },
      },
    );
  }
  const kept = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM deployment_tasks WHERE deployment_id = $1 AND status = 'success'`,
    [rb.rollback_of],
  );
  const keptNewVersion = kept.rows[0]?.n ?? 0;
  await enqueueNotification(
    tx,
    {
      type: 'rollback_finished',
      deploymentId: rb.id,
      deploymentType: 'rollback',
      rollbackOf: rb.rollback_of,
      component: rb.component,
      version: rb.version,
      status: status === 'aborted' ? 'aborted' : failed ? 'failed' : 'completed',
      scope,
      partial: keptNewVersion > 0,
      keptNewVersion,
      succeeded: t.succeeded,
      failed: t.failed,
      // Clients skipped at the start (no earlier version), counted on the rollback's row when it was created.
      skipped: own?.rollback_skipped ?? 0,
    },
    now,
  );
  return rolled;
}

/**
 * What a tick of a rollback deployment does when a stage crosses its threshold: pause for an admin, never a rollback
 * of the rollback. Rollbacks are created with `on_failure: 'pause'`, so `decide` already says so; this also holds
 * for a stored strategy that says otherwise. The `cancel` of not-started tasks that goes with a rollback trigger is
 * dropped too (a paused rollback keeps its later waves).
 */
export function rollbackNeverRollsBack(actions: DecideAction[]): DecideAction[] {
  const trigger = actions.find((a) => a.type === 'trigger_rollback');
  if (trigger === undefined) return actions;
  return actions.flatMap((a): DecideAction[] => {
    if (a.type === 'cancel' && a.reason === trigger.reason) return [];
    if (a.type === 'trigger_rollback')
      return [{ type: 'pause', cause: 'threshold', stage: a.stage, reason: a.reason }];
    return [a];
  });
}
