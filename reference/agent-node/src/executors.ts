import {
  type CommandTool,
  commandEnv,
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

/**
 * What the commands of a CLI-based executor get from the agent's environment `env`: only their tool's allow-list and
 * `PASS_ENV` (sdk-agent's one rule, `commandEnv`), never the agent's own credentials. The executor applies the same
 * rule again at each spawn.
 */
function toolEnv(
  tool: CommandTool,
  config: AgentConfig,
  env: Record<string, string | undefined>,
): { env: Record<string, string>; passEnv: string[] } {
  return { env: commandEnv({ tool, set: {}, pass: config.PASS_ENV }, env), passEnv: [...config.PASS_ENV] };
}

/**
 * Creates the executor named in the configuration with the options read from the environment (see `config.ts`).
 * The CLI-based executors (`argocd-cli`, `docker-compose`, `watchtower`) run their commands with their tool's
 * allow-listed variables (PATH, DOCKER_HOST, ARGOCD_OPTS, …) and `PASS_ENV`, never AGENT_TOKEN or GCC_*. The Kubernetes executors (`argocd-k8s`, `kubernetes`) find the cluster through
 * `@kubernetes/client-node`'s defaults: `KUBECONFIG`, `~/.kube/config`, then the in-cluster service account.
 * Throws the executor's `ExecutorError` (`invalid_config`) on options it refuses.
 */
export function createExecutor(config: AgentConfig, env: Record<string, string | undefined>): Executor {
  switch (config.EXECUTOR) {
    case 'argocd-cli':
      return createArgoCdCliExecutor({ ...config.executorOptions, ...toolEnv('argocd', config, env) });
    case 'argocd-api':
      return createArgoCdApiExecutor(config.executorOptions);
    case 'argocd-k8s':
      return createArgoCdK8sExecutor(config.executorOptions);
    case 'kubernetes':
      return createKubernetesExecutor(config.executorOptions);
    case 'docker-compose':
      return createDockerComposeExecutor({ ...config.executorOptions, ...toolEnv('docker', config, env) });
    case 'watchtower':
      return createWatchtowerExecutor({ ...config.executorOptions, ...toolEnv('docker', config, env) });
    case 'fake':
      return createFakeExecutor({
        ...config.executorOptions,
        doctorChecks: [{ name: 'executor fake', ok: true, detail: 'in-memory executor, changes nothing' }],
      });
  }
}
