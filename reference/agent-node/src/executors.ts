import type { Executor } from '@wrktalk/sdk-agent';
import type { AgentConfig, ExecutorName } from './config';
import { createReferenceFakeExecutor } from './fake-executor';

/** Builds an executor from the configuration. */
export type ExecutorFactory = (config: AgentConfig, env: Record<string, string | undefined>) => Executor;

/** The executor is named in EXECUTOR but not wired into this build. */
export class ExecutorUnavailableError extends Error {
  constructor(name: string) {
    super(`EXECUTOR=${name} is not available in this build of the reference agent yet`);
    this.name = 'ExecutorUnavailableError';
  }
}

/**
 * Executors by name. TODO(lead): wire `argocd-cli`, `argocd-api`, `argocd-k8s`, `kubernetes`, `docker-compose` and
 * `watchtower` to the `create*Executor` factories of `@wrktalk/sdk-agent`, mapping their settings from the
 * environment (ARGOCD_*, KUBE_*, COMPOSE_*, WATCHTOWER_*), and switch `fake` to `createFakeExecutor`.
 */
export const EXECUTORS: Partial<Record<ExecutorName, ExecutorFactory>> = {
  fake: (config) => createReferenceFakeExecutor(config.FAKE_INITIAL_VERSIONS),
};

/** Creates the executor named in the configuration. */
export function createExecutor(config: AgentConfig, env: Record<string, string | undefined>): Executor {
  const factory = EXECUTORS[config.EXECUTOR];
  if (!factory) throw new ExecutorUnavailableError(config.EXECUTOR);
  return factory(config, env);
}
