import {
  createArgoCdApiExecutor,
  createArgoCdCliExecutor,
  createArgoCdK8sExecutor,
  createDockerComposeExecutor,
  createFakeExecutor,
  createKubernetesExecutor,
  createWatchtowerExecutor,
  type Executor,
} from '@wrktalk/sdk-agent';
import type { AgentConfig } from './config';

/** The agent's environment as the commands of the CLI-based executors get it (defined values only). */
function commandEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * Creates the executor named in the configuration with the options read from the environment (see `config.ts`).
 * The CLI-based executors (`argocd-cli`, `docker-compose`, `watchtower`) run their commands with `env` (PATH,
 * DOCKER_HOST, ARGOCD_OPTS, …). The Kubernetes executors (`argocd-k8s`, `kubernetes`) find the cluster through
 * `@kubernetes/client-node`'s defaults: `KUBECONFIG`, `~/.kube/config`, then the in-cluster service account.
 * Throws the executor's `ExecutorError` (`invalid_config`) on options it refuses.
 */
export function createExecutor(config: AgentConfig, env: Record<string, string | undefined>): Executor {
  switch (config.EXECUTOR) {
    case 'argocd-cli':
      return createArgoCdCliExecutor({ ...config.executorOptions, env: commandEnv(env) });
    case 'argocd-api':
      return createArgoCdApiExecutor(config.executorOptions);
    case 'argocd-k8s':
      return createArgoCdK8sExecutor(config.executorOptions);
    case 'kubernetes':
      return createKubernetesExecutor(config.executorOptions);
    case 'docker-compose':
      return createDockerComposeExecutor({ ...config.executorOptions, env: commandEnv(env) });
    case 'watchtower':
      return createWatchtowerExecutor({ ...config.executorOptions, env: commandEnv(env) });
    case 'fake':
      return createFakeExecutor({
        ...config.executorOptions,
        doctorChecks: [{ name: 'executor fake', ok: true, detail: 'in-memory executor, changes nothing' }],
      });
  }
}
