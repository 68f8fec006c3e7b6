import type { KubeConfig } from '@kubernetes/client-node';
import {
  applicationName,
  DEFAULT_HELM_KEYS,
  HELM_KEY_PATTERN,
  K8S_NAME_PATTERN,
  OptionProblems,
} from '../shared/options';

/** Options of {@link createArgoCdK8sExecutor}. */
export interface ArgoCdK8sExecutorOptions {
  /**
   * Cluster access; tests pass one pointing at a fake API server.
   * @default KubeConfig.loadFromDefault() (KUBECONFIG, ~/.kube/config, then in-cluster)
   */
  kubeConfig?: KubeConfig;
  /**
   * Namespace of the Application custom resources.
   * @default 'argocd'
   */
  namespace?: string;
  /**
   * Component → Helm parameter.
   * @default { backend: 'backend.image.tag', media: 'media.image.tag', ct: 'ct.image.tag' }
   */
  helmKeys?: Record<string, string>;
  /**
   * Application name; `{clientId}` is replaced by the client id.
   * @default 'wrktalk-{clientId}'
   */
  appName?: string;
  /**
   * Index in `spec.sources` holding the Helm chart, for multi-source apps.
   * @default the source that already has the parameter, else the first Helm source
   */
  sourceIndex?: number;
  /**
   * Name recorded in `operation.initiatedBy.username`.
   * @default 'wrktalk-agent'
   */
  initiatedBy?: string;
  /**
   * How many times a write is retried after a 409 Conflict (re-read, re-edit, write).
   * @default 5
   */
  conflictRetries?: number;
  /**
   * Pause between two status polls in ms.
   * @default 2_000
   */
  pollIntervalMs?: number;
}

/** Options after defaults and validation. */
export interface CompiledArgoCdK8sOptions {
  namespace: string;
  helmKeys: Record<string, string>;
  appName: string;
  sourceIndex: number | undefined;
  initiatedBy: string;
  conflictRetries: number;
  pollIntervalMs: number;
}

/** Applies defaults and rejects every bad value at once (`invalid_config`). */
export function compileArgoCdK8sOptions(options: ArgoCdK8sExecutorOptions = {}): CompiledArgoCdK8sOptions {
  const problems = new OptionProblems('argocd-k8s');
  const namespace = options.namespace ?? 'argocd';
  problems.matches(namespace, K8S_NAME_PATTERN, 'namespace');
  const helmKeys = { ...(options.helmKeys ?? DEFAULT_HELM_KEYS) };
  for (const [component, key] of Object.entries(helmKeys))
    problems.matches(key, HELM_KEY_PATTERN, `helmKeys.${component}`);
  const appName = options.appName ?? 'wrktalk-{clientId}';
  try {
    applicationName('argocd-k8s', appName, 'client');
  } catch {
    problems.check(false, 'appName', `${JSON.stringify(appName)} does not make a valid Kubernetes name`);
  }
  if (options.sourceIndex !== undefined) problems.int(options.sourceIndex, 'sourceIndex', 0, 100);
  const initiatedBy = options.initiatedBy ?? 'wrktalk-agent';
  problems.check(initiatedBy.length > 0, 'initiatedBy', 'must not be empty');
  const conflictRetries = options.conflictRetries ?? 5;
  problems.int(conflictRetries, 'conflictRetries', 0, 100);
  const pollIntervalMs = options.pollIntervalMs ?? 2_000;
  problems.int(pollIntervalMs, 'pollIntervalMs', 1);
  problems.throwIfAny();
  return {
    namespace,
    helmKeys,
    appName,
    sourceIndex: options.sourceIndex,
    initiatedBy,
    conflictRetries,
    pollIntervalMs,
  };
}
