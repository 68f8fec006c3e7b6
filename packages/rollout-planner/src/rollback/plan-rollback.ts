import { ROLLBACK_COVERED_TASK_STATUSES, type TaskStatus } from '../statuses';

/** One row of deployment history: what a deployment did to one client's component. Times are epoch ms. */
export interface HistoryEntry {
  /** Deployment (update or rollback) the row belongs to. */
  deploymentId: string;
  /** Client updated. */
  clientId: string;
  /** Component, e.g. `backend`. */
  component: string;
  /** Version (image tag) deployed. */
  version: string;
  /** Final task status; only `success` rows count as good versions. */
  status: TaskStatus;
  /** When the row finished (or last changed); orders history. */
  finishedAt: number;
  /** Stage of the row within its deployment, when known. */
  stage?: number | null;
}

/** Which clients a rollback covers. */
export type RollbackScope =
  | { type: 'failed_stage'; stage: number }
  | { type: 'deployment' }
  | { type: 'clients'; clientIds: readonly string[] };

/** What to roll back. */
export interface RollbackRequest {
  /** Component to roll back. */
  component: string;
  /** The deployment being rolled back. */
  deploymentId: string;
  /** Which clients. @default the failed stage, when given as `{ type: 'failed_stage', stage }` */
  scope: RollbackScope;
  /** Clients per wave; unset means one wave. */
  batchSize?: number;
}

/** One client to roll back: from the version the deployment put there to its previous good version. */
export interface RollbackTarget {
  /** Client. */
  clientId: string;
  /** Version being rolled back. */
  fromVersion: string;
  /** The immediately previous successful version of the component on this client. */
  toVersion: string;
  /** Deployment that installed `toVersion`. */
  toDeploymentId: string;
}

/** A client that cannot be rolled back automatically, and why; never guessed. */
export interface UnresolvedRollback {
  /** Client. */
  clientId: string;
  /** Machine-readable reason. */
  reason: 'no_previous_success' | 'not_in_deployment';
  /** Readable explanation. */
  message: string;
}

/** A rollback plan: targets, unresolved clients, and waves of client ids. */
export interface RollbackPlan {
  /** Clients with a previous good version. */
  targets: RollbackTarget[];
  /** Clients reported instead of guessed. */
  unresolved: UnresolvedRollback[];
  /** Client ids of `targets` in waves of at most `batchSize`. */
  waves: string[][];
}

/** Statuses of a deployment row that mean the deployment touched the client. */
const TOUCHED: ReadonlySet<TaskStatus> = new Set(ROLLBACK_COVERED_TASK_STATUSES);

/**
 * Plans a rollback: for each client in scope, the immediately previous successful version of the component
 * from the history (strictly earlier than the deployment's row, and a different version). Clients with no
 * earlier good version are reported, not guessed. O(history) with one index pass.
 */
export function planRollback(history: readonly HistoryEntry[], request: RollbackRequest): RollbackPlan {
  const rows = new Map<string, HistoryEntry>();
  const successes = new Map<string, HistoryEntry[]>();
  for (const h of history) {
    if (h.component !== request.component) continue;
    if (h.deploymentId === request.deploymentId) {
      const prev = rows.get(h.clientId);
      if (prev === undefined || h.finishedAt > prev.finishedAt) rows.set(h.clientId, h);
    } else if (h.status === 'success') {
      let list = successes.get(h.clientId);
      if (list === undefined) {
        list = [];
        successes.set(h.clientId, list);
      }
      list.push(h);
    }
  }

  const scope = request.scope;
  const inScope: string[] = [];
  const unresolved: UnresolvedRollback[] = [];
  if (scope.type === 'clients') {
    const seen = new Set<string>();
    for (const id of scope.clientIds) {
      if (seen.has(id)) continue;
      seen.add(id);
      if (rows.has(id)) inScope.push(id);
      else {
        unresolved.push({
          clientId: id,
          reason: 'not_in_deployment',
          message: `client '${id}' has no ${request.component} row in deployment '${request.deploymentId}'`,
        });
      }
    }
  } else {
    for (const [id, row] of rows) {
      if (!TOUCHED.has(row.status)) continue;
      if (scope.type === 'failed_stage' && row.stage !== scope.stage) continue;
      inScope.push(id);
    }
  }

  const targets: RollbackTarget[] = [];
  for (const id of inScope) {
    const row = rows.get(id)!;
    let best: HistoryEntry | undefined;
    for (const s of successes.get(id) ?? []) {
      if (s.finishedAt >= row.finishedAt || s.version === row.version) continue;
      if (best === undefined || s.finishedAt > best.finishedAt) best = s;
    }
    if (best === undefined) {
      unresolved.push({
        clientId: id,
        reason: 'no_previous_success',
        message: `client '${id}' has no successful ${request.component} version before ${row.version}`,
      });
      continue;
    }
    targets.push({
      clientId: id,
      fromVersion: row.version,
      toVersion: best.version,
      toDeploymentId: best.deploymentId,
    });
  }
  return { targets, unresolved, waves: cutWaves(targets, request.batchSize) };
}

/** Client ids of `targets`, in order, in waves of at most `batchSize` (unset or below 1: one wave). */
export function cutWaves(
  targets: readonly { clientId: string }[],
  batchSize: number | undefined,
): string[][] {
  const size = batchSize !== undefined && batchSize >= 1 ? Math.floor(batchSize) : targets.length;
  const waves: string[][] = [];
  for (let i = 0; i < targets.length; i += Math.max(1, size)) {
    waves.push(targets.slice(i, i + Math.max(1, size)).map((t) => t.clientId));
  }
  return waves;
}
