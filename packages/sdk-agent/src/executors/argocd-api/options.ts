import { applicationName, DEFAULT_HELM_KEYS, HELM_KEY_PATTERN, OptionProblems } from '../shared/options';
import type { ArgoCdApiClientOptions } from './client';

/** Options of {@link createArgoCdApiExecutor}. */
export interface ArgoCdApiExecutorOptions extends Omit<ArgoCdApiClientOptions, 'executorName'> {
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
   * Pause between two status polls in ms.
   * @default 2_000
   */
  pollIntervalMs?: number;
}

/** Options after defaults and validation. */
export interface CompiledArgoCdApiOptions {
  helmKeys: Record<string, string>;
  appName: string;
  sourceIndex: number | undefined;
  pollIntervalMs: number;
}

/** Applies defaults and rejects every bad value at once (`invalid_config`). */
export function compileArgoCdApiOptions(options: ArgoCdApiExecutorOptions): CompiledArgoCdApiOptions {
  const problems = new OptionProblems('argocd-api');
  let url: URL | undefined;
  try {
    url = new URL(options.baseUrl);
  } catch {
    url = undefined;
  }
  problems.check(url !== undefined && /^https?:$/.test(url.protocol), 'baseUrl', 'must be an http(s) URL');
  problems.check(typeof options.token === 'string' && options.token.length > 0, 'token', 'must not be empty');
  const helmKeys = { ...(options.helmKeys ?? DEFAULT_HELM_KEYS) };
  for (const [component, key] of Object.entries(helmKeys))
    problems.matches(key, HELM_KEY_PATTERN, `helmKeys.${component}`);
  const appName = options.appName ?? 'wrktalk-{clientId}';
  try {
    applicationName('argocd-api', appName, 'client');
  } catch {
    problems.check(false, 'appName', `${JSON.stringify(appName)} does not make a valid Kubernetes name`);
  }
  if (options.sourceIndex !== undefined) problems.int(options.sourceIndex, 'sourceIndex', 0, 100);
  const pollIntervalMs = options.pollIntervalMs ?? 2_000;
  problems.int(pollIntervalMs, 'pollIntervalMs', 1);
  if (options.requestTimeoutMs !== undefined) problems.int(options.requestTimeoutMs, 'requestTimeoutMs', 1);
  problems.throwIfAny();
  return { helmKeys, appName, sourceIndex: options.sourceIndex, pollIntervalMs };
}
