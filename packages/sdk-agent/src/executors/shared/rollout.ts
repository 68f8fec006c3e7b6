/** The parts of an apps/v1 Deployment that decide whether a rollout is done. */
export interface DeploymentLike {
  metadata?: { name?: string; generation?: number };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
  };
}

/** Whether a rollout is done, failed, or still going. */
export type RolloutVerdict =
  | { state: 'pending'; message: string }
  | { state: 'healthy'; message: string }
  | { state: 'failed'; message: string };

/**
 * `kubectl rollout status` for a Deployment, as a pure function (kubectl's DeploymentStatusViewer, also Argo CD's
 * Deployment health): the spec change must be observed, ProgressDeadlineExceeded is a failure, then all replicas
 * must be updated, old ones gone, and the updated ones available. Messages are kubectl's.
 */
export function evaluateRollout(deployment: DeploymentLike): RolloutVerdict {
  const name = deployment.metadata?.name ?? 'deployment';
  const generation = deployment.metadata?.generation ?? 0;
  const status = deployment.status ?? {};
  if (generation > (status.observedGeneration ?? 0)) {
    return { state: 'pending', message: 'Waiting for deployment spec update to be observed...' };
  }
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { state: 'failed', message: `deployment "${name}" exceeded its progress deadline` };
  }
  const wanted = deployment.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const replicas = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < wanted) {
    return {
      state: 'pending',
      message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${wanted} new replicas have been updated...`,
    };
  }
  if (replicas > updated) {
    return {
      state: 'pending',
      message: `Waiting for deployment "${name}" rollout to finish: ${replicas - updated} old replicas are pending termination...`,
    };
  }
  if (available < updated) {
    return {
      state: 'pending',
      message: `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`,
    };
  }
  return { state: 'healthy', message: `deployment "${name}" successfully rolled out` };
}
