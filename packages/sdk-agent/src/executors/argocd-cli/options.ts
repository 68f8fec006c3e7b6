import { type CommandEnvSpec, compileCommandEnv } from '../shared/env';
import { applicationName, DEFAULT_HELM_KEYS, HELM_KEY_PATTERN, OptionProblems } from '../shared/options';

/** Options of {@link createArgoCdCliExecutor}. */
export interface ArgoCdCliExecutorOptions {
  /**
   * Path or name of the `argocd` binary.
   * @default 'argocd'
   */
  binary?: string;
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
   * Adds `--grpc-web` to every command (needed behind proxies that do not pass HTTP/2).
   * @default false
   */
  grpcWeb?: boolean;
  /**
   * `ARGOCD_SERVER` for the CLI.
   * @default process.env.ARGOCD_SERVER
   */
  server?: string;
  /**
   * `ARGOCD_AUTH_TOKEN` for the CLI.
   * @default process.env.ARGOCD_AUTH_TOKEN
   */
  authToken?: string;
  /**
   * Variables set for the CLI, over those it takes from the agent's environment (e.g. `PATH`, `ARGOCD_OPTS`).
   * `AGENT_TOKEN`, `GCC_*` and `WRKTALK_AGENT_*` are dropped even here.
   * @default {}
   */
  env?: Record<string, string>;
  /**
   * Extra names (or `PREFIX*` patterns) the CLI may take from the agent's environment. Without them it gets only
   * `PATH`, `HOME`, `USER`, `TMPDIR`, `TZ`, `LANG`, `LANGUAGE`, `LC_*`, the proxy variables (`HTTP_PROXY`,
   * `HTTPS_PROXY`, `NO_PROXY`, `ALL_PROXY`, either case), `SSL_CERT_FILE`, `SSL_CERT_DIR`, `ARGOCD_*`,
   * `XDG_CONFIG_HOME` and `KUBECONFIG`. The agent's own credentials can never be named.
   * @default []
   */
  passEnv?: string[];
  /**
   * Seconds given to `argocd app wait --timeout`.
   * @default the instruction's verifyTimeoutSeconds
   */
  waitTimeoutSeconds?: number;
  /**
   * Timeout of `app get`, `app set` and `app sync` in ms.
   * @default 300_000
   */
  commandTimeoutMs?: number;
  /**
   * Pause in ms before waiting again when `app wait` returned on a status that does not show our value yet.
   * @default 2_000
   */
  pollIntervalMs?: number;
}

/** Options after defaults and validation. */
export interface CompiledArgoCdCliOptions {
  binary: string;
  helmKeys: Record<string, string>;
  appName: string;
  grpcWeb: boolean;
  env: CommandEnvSpec;
  waitTimeoutSeconds: number | undefined;
  commandTimeoutMs: number;
  pollIntervalMs: number;
}

/** Applies defaults and rejects every bad value at once (`invalid_config`). */
export function compileArgoCdCliOptions(options: ArgoCdCliExecutorOptions = {}): CompiledArgoCdCliOptions {
  const problems = new OptionProblems('argocd-cli');
  const binary = options.binary ?? 'argocd';
  problems.check(binary.length > 0, 'binary', 'must not be empty');
  const helmKeys = { ...(options.helmKeys ?? DEFAULT_HELM_KEYS) };
  for (const [component, key] of Object.entries(helmKeys))
    problems.matches(key, HELM_KEY_PATTERN, `helmKeys.${component}`);
  const appName = options.appName ?? 'wrktalk-{clientId}';
  try {
    applicationName('argocd-cli', appName, 'client');
  } catch {
    problems.check(false, 'appName', `${JSON.stringify(appName)} does not make a valid Kubernetes name`);
  }
  if (options.waitTimeoutSeconds !== undefined)
    problems.int(options.waitTimeoutSeconds, 'waitTimeoutSeconds', 1, 86_400);
  const commandTimeoutMs = options.commandTimeoutMs ?? 300_000;
  problems.int(commandTimeoutMs, 'commandTimeoutMs', 1);
  const pollIntervalMs = options.pollIntervalMs ?? 2_000;
  problems.int(pollIntervalMs, 'pollIntervalMs', 1);
  const server = options.server ?? process.env.ARGOCD_SERVER;
  const authToken = options.authToken ?? process.env.ARGOCD_AUTH_TOKEN;
  const env = compileCommandEnv(problems, 'argocd', options.passEnv, {
    ...options.env,
    ARGOCD_SERVER: server,
    ARGOCD_AUTH_TOKEN: authToken,
  });
  problems.throwIfAny();
  return {
    binary,
    helmKeys,
    appName,
    grpcWeb: options.grpcWeb ?? false,
    env,
    waitTimeoutSeconds: options.waitTimeoutSeconds,
    commandTimeoutMs,
    pollIntervalMs,
  };
}
