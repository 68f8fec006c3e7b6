import {
  AWAITING_APPROVAL_TASK_STATUSES,
  type Client,
  type DecidePolicy,
  type DeploymentSnapshot,
  SETTLED_TASK_STATUSES,
  type StageRecord,
  type TaskRow,
} from '@wrktalk/rollout-planner';
import { plannerPoliciesOf, strategyFromWire } from '@wrktalk/sdk-gcc';
import type { Sql } from '../db/database';
import type { DeploymentRow } from '../services/deployment-rows';
import { statusListSql } from '../services/status-sql';

/** The deployment row fields the worker reads (locked for the tick). */
export type OrchestratedDeployment = Pick<
  DeploymentRow,
  'id' | 'type' | 'release_id' | 'component' | 'version' | 'rollback_of' | 'status' | 'strategy' | 'approval'
> &
  /** The release set, which auto-approvals and a rollback take whole. */
  Partial<Pick<DeploymentRow, 'components'>> &
  /** Until then a `created` deployment waits (it takes approvals but starts nothing). */
  Partial<Pick<DeploymentRow, 'requested_start_time'>>;

/** A task row joined with its client, times as epoch ms (what one query returns). */
interface SnapshotRow {
  id: string;
  client_id: string;
  status: TaskRow['status'];
  approval_status: TaskRow['approvalStatus'];
  approval_source: TaskRow['approvalSource'];
  approved_at: number | null;
  requested_start_time: number | null;
  stage: number | null;
  attempt: number;
  lease_expires_at: number | null;
  queued_at: number | null;
  finished_at: number | null;
  /** Null for a settled task (see {@link SETTLED}). */
  labels: Record<string, string> | null;
  target_kind: Client['targetKind'];
  argocd_instance: string | null;
  timezone: string;
  maintenance_windows: Client['maintenanceWindows'] | null;
  /** Null unless the task awaits approval and the client auto-approves something. */
  auto_approve: Client['autoApprove'] | null;
}

const ms = (column: string) => `(extract(epoch from ${column}) * 1000)::float8 AS ${column.split('.').pop()}`;

/**
 * Statuses a task never leaves in a rollout, whose client `decide` never looks at (it needs a client for approvals,
 * eligibility of approved and retried tasks, and the concurrency slot of queued and in-progress ones). Their
 * client's jsonb columns are not read: parsing them is most of a large snapshot's cost once most tasks are done.
 */
const SETTLED = statusListSql(SETTLED_TASK_STATUSES);
/** Statuses whose client's auto-approve setting `decide` may apply. */
const AWAITING_APPROVAL = statusListSql(AWAITING_APPROVAL_TASK_STATUSES);

/**
 * Locks an orchestrated deployment for this tick: `SKIP LOCKED`, so while another worker holds it this one moves on
 * (the holder sees every change committed before its snapshot; the caller re-wakes it for the rest).
 *
 * `FOR NO KEY UPDATE`, not `FOR UPDATE`: it excludes every other tick and admin change of the row just the same, but
 * not the `FOR KEY SHARE` lock that the foreign keys to `deployments` take. Every success report inserts a
 * `deployment_history` row referencing the deployment; under `FOR UPDATE` each of those inserts waited for the whole
 * tick (seconds at 100,000 tasks, most of the reports' time in issue 18's measurement).
 * @returns the row, or undefined when it is locked elsewhere, gone, or not orchestrated by the worker
 */
export async function lockDeployment(tx: Sql, id: string): Promise<OrchestratedDeployment | undefined> {
  const r = await tx.query<OrchestratedDeployment>(LOCK_DEPLOYMENT_SQL, [id]);
  return r.rows[0];
}

/** The statement a tick starts with (its lock of the deployment row); benchmarks recognise ticks by it. */
export const LOCK_DEPLOYMENT_SQL = `SELECT id, type, release_id, component, version, components, rollback_of, status, strategy, approval,
            requested_start_time
     FROM deployments WHERE id = $1 AND orchestration = 'worker' FOR NO KEY UPDATE SKIP LOCKED`;

/** 2^32: row versions (`xmin`) are 32-bit transaction ids, compared modulo this. */
const XID_SPAN = 4294967296n;

/** What {@link SnapshotCache} keeps of one deployment's last read. */
interface CachedTasks {
  /** Oldest transaction still running when the rows were read (`pg_snapshot_xmin`): rows written by it or later may
   * have changed since. */
  horizon: bigint;
  /** The clients' last settings change then (`clients.settings_version`; any change re-reads everything). */
  clients: string;
  tasks: TaskRow[];
  clientRows: Client[];
  index: Map<string, number>;
}

/**
 * The task rows of the deployments this worker ticked last, so the next tick reads only the rows written since
 * (by agents' reports, approvals, admins, its own previous tick) instead of all of them: a tick of a 100,000-task
 * deployment read and parsed every row with its client, seconds of the process's time, most of it unchanged.
 *
 * A row is re-read when its version (`xmin`, the id of the transaction that wrote it) is not older than the oldest
 * transaction that was still running at the previous read (`pg_snapshot_xmin` of that statement's snapshot): every
 * older writer had finished then, so its rows were read as they are. A change of any client's settings, a tick
 * that failed (its transaction rolled back: what it read of its own writes is void) and a row the cache does not
 * know re-read everything. At most `size` deployments are kept (least recently ticked dropped; about 35 MB of
 * rows per 100,000 tasks), and the worker drops a deployment's entry when it ends.
 */
export class SnapshotCache {
  private readonly entries = new Map<string, CachedTasks>();
  constructor(private readonly size = 2) {}

  get(id: string): CachedTasks | undefined {
    const e = this.entries.get(id);
    if (e) {
      this.entries.delete(id);
      this.entries.set(id, e);
    }
    return e;
  }

  set(id: string, e: CachedTasks): void {
    this.entries.delete(id);
    this.entries.set(id, e);
    while (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Forgets a deployment (its tick failed, or it ended). */
  drop(id: string): void {
    this.entries.delete(id);
  }
}

/**
 * Reads what `decide` needs: every task joined with its client (aligned arrays, in creation order, which is the
 * planner's fast path) and the stage history. With a `cache`, only the task rows written since the cached read are
 * read and patched in (see {@link SnapshotCache}); the result is the same snapshot.
 */
export async function readSnapshot(
  tx: Sql,
  d: OrchestratedDeployment,
  cache?: SnapshotCache,
): Promise<DeploymentSnapshot> {
  let cached = cache?.get(d.id);
  let horizon: bigint | null = null;
  let clientsVersion = '';
  if (cache) {
    // Taken before the rows are read: a later statement's snapshot is never older.
    const w = await tx.query<{ horizon: string; clients: string | null }>(
      `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon,
              (SELECT max(settings_version) FROM clients)::text AS clients`,
    );
    horizon = BigInt(w.rows[0]!.horizon);
    clientsVersion = w.rows[0]!.clients ?? '';
    if (cached && cached.clients !== clientsVersion) cached = undefined;
  }
  const since = cached ? (cached.horizon % XID_SPAN).toString() : null;
  const t = await tx.query<SnapshotRow>(
    `SELECT t.id, t.client_id, t.status, t.approval_status, t.approval_source, ${ms('t.approved_at')},
            ${ms('t.requested_start_time')}, t.stage, t.attempt, ${ms('t.lease_expires_at')}, ${ms('t.queued_at')},
            ${ms('t.finished_at')}, c.target_kind, c.argocd_instance, c.timezone,
            CASE WHEN t.status NOT IN ${SETTLED} THEN c.labels END AS labels,
            CASE WHEN t.status NOT IN ${SETTLED} AND c.maintenance_windows <> '[]'::jsonb
                 THEN c.maintenance_windows END AS maintenance_windows,
            CASE WHEN t.status IN ${AWAITING_APPROVAL}
                      AND ((c.auto_approve ->> 'all')::boolean OR c.auto_approve -> 'components' <> '[]'::jsonb)
                 THEN c.auto_approve END AS auto_approve
     FROM deployment_tasks t JOIN clients c ON c.id = t.client_id
     WHERE t.deployment_id = $1
       AND ($2::bigint IS NULL OR (t.xmin::text::bigint - $2::bigint + 4294967296) % 4294967296 < 2147483648)
     ORDER BY t.id`,
    [d.id, since],
  );
  const s = await tx.query<{
    stage_index: number;
    kind: NonNullable<StageRecord['kind']>;
    started_at: number;
    finished_at: number | null;
    wait_until: number | null;
    threshold_overridden: boolean;
    hold_reason: string | null;
    hold_overridden: boolean;
  }>(
    `SELECT stage_index, kind, ${ms('started_at')}, ${ms('finished_at')}, ${ms('wait_until')}, threshold_overridden,
            hold_reason, hold_overridden
     FROM deployment_stages WHERE deployment_id = $1 ORDER BY stage_index`,
    [d.id],
  );
  const n = t.rows.length;
  const patch = cached !== undefined;
  const tasks: TaskRow[] = patch ? cached!.tasks : new Array(n);
  const clients: Client[] = patch ? cached!.clientRows : new Array(n);
  const index = patch ? cached!.index : new Map<string, number>();
  for (let k = 0; k < n; k++) {
    const r = t.rows[k]!;
    let i = k;
    if (patch) {
      const at = index.get(r.id);
      if (at === undefined) {
        // A task the cache does not know: read everything again.
        cache!.drop(d.id);
        return readSnapshot(tx, d, cache);
      }
      i = at;
    } else index.set(r.id, i);
    tasks[i] = {
      id: r.id,
      clientId: r.client_id,
      status: r.status,
      approvalStatus: r.approval_status,
      approvalSource: r.approval_source,
      approvedAt: r.approved_at,
      requestedStartTime: r.requested_start_time,
      stage: r.stage,
      attempt: r.attempt,
      leaseExpiresAt: r.lease_expires_at,
      queuedAt: r.queued_at,
      finishedAt: r.finished_at,
    };
    clients[i] = {
      id: r.client_id,
      labels: r.labels ?? {},
      targetKind: r.target_kind,
      argocdInstance: r.argocd_instance,
      timezone: r.timezone,
      maintenanceWindows: r.maintenance_windows ?? [],
      ...(r.auto_approve && { autoApprove: r.auto_approve }),
    };
  }
  const stages: StageRecord[] = s.rows.map((r) => ({
    index: r.stage_index,
    kind: r.kind,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    waitUntil: r.wait_until,
    ...(r.threshold_overridden && { thresholdOverridden: true }),
    ...(r.hold_reason !== null && { holdReason: r.hold_reason }),
    ...(r.hold_overridden && { holdOverridden: true }),
  }));
  if (cache && horizon !== null) {
    cache.set(d.id, { horizon, clients: clientsVersion, tasks, clientRows: clients, index });
  }
  const startAt = d.requested_start_time == null ? null : new Date(d.requested_start_time).getTime();
  // Copies of the arrays: the cached ones are patched by the next tick.
  return {
    status: d.status,
    startAt,
    tasks: patch ? tasks.slice() : tasks,
    stages,
    clients: patch ? clients.slice() : clients,
  };
}

/** The planner policy of a stored deployment. */
export function policyOf(d: OrchestratedDeployment, defaults: { leaseSeconds: number }): DecidePolicy {
  return {
    component: d.component,
    ...(d.components && d.components.length > 1 && { components: d.components.map((m) => m.component) }),
    strategy: strategyFromWire(d.strategy, defaults),
    approval: {
      requireApproval: d.approval.required,
      approvalDeadline: d.approval.deadline ? Date.parse(d.approval.deadline) : null,
      onDeadline: d.approval.on_deadline,
      // The admin policies of the deployment's creation (none for one created before they existed).
      autoApprovePolicies: plannerPoliciesOf(d.approval.auto_approve_policies),
    },
  };
}
