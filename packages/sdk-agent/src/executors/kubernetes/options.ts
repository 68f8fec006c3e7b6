import type { KubeConfig } from '@kubernetes/client-node';
import { K8S_NAME_PATTERN, OptionProblems } from '../shared/options';

/** Where one component runs. */
export interface DeploymentTarget {
  /** Deployment name. @default `wrktalk-<component>` */
  name?: string;
  /** Namespace. @default the executor's `namespace` */
  namespace?: string;
  /** Container inside the pod template. @default `<component>` */
  container?: string;
}

/** Options of {@link createKubernetesExecutor}. */
export interface KubernetesExecutorOptions {
  /**
   * Cluster access; tests pass one pointing at a fake API server.
   * @default KubeConfig.loadFromDefault() (KUBECONFIG, ~/.kube/config, then in-cluster)
   */
  kubeConfig?: KubeConfig;
  /**
   * Namespace of the Deployments.
   * @default the KubeConfig context's namespace, else 'default'
   */
  namespace?: string;
  /**
   * Component → Deployment/container.
   * @default { backend: {}, media: {}, ct: {} } (deployment `wrktalk-<component>`, container `<component>`)
   */
  components?: Record<string, DeploymentTarget>;
  /**
   * Pause between two rollout polls in ms.
   * @default 2_000
   */
  pollIntervalMs?: number;
}

/** A component's resolved target. */
export interface ResolvedTarget {
  name: string;
  namespace: string | undefined;
  container: string;
}

/** Options after defaults and validation. */
export interface CompiledKubernetesOptions {
  namespace: string | undefined;
  components: Record<string, ResolvedTarget>;
  pollIntervalMs: number;
}

/** Applies defaults and rejects every bad value at once (`invalid_config`). */
export function compileKubernetesOptions(options: KubernetesExecutorOptions = {}): CompiledKubernetesOptions {
  const problems = new OptionProblems('kubernetes');
  if (options.namespace !== undefined) problems.matches(options.namespace, K8S_NAME_PATTERN, 'namespace');
  const components: Record<string, ResolvedTarget> = {};
  for (const [component, target] of Object.entries(
    options.components ?? { backend: {}, media: {}, ct: {} },
  )) {
    const resolved = {
      name: target.name ?? `wrktalk-${component}`,
      namespace: target.namespace ?? options.namespace,
      container: target.container ?? component,
    };
    problems.matches(resolved.name, K8S_NAME_PATTERN, `components.${component}.name`);
    if (resolved.namespace !== undefined)
      problems.matches(resolved.namespace, K8S_NAME_PATTERN, `components.${component}.namespace`);
    problems.matches(resolved.container, K8S_NAME_PATTERN, `components.${component}.container`);
    components[component] = resolved;
  }
  const pollIntervalMs = options.pollIntervalMs ?? 2_000;
  problems.int(pollIntervalMs, 'pollIntervalMs', 1);
  problems.throwIfAny();
  return { namespace: options.namespace, components, pollIntervalMs };
}
