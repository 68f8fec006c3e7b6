import type { OptionProblems } from './options';

/**
 * The environment of the commands the executors run (`argocd`, `docker`, `docker compose`, `docker-compose`).
 *
 * A command never inherits the agent's environment wholesale: that would hand the agent's own credentials
 * (`AGENT_TOKEN`, GCC settings) to every tool and to every plugin or credential helper those tools start. It gets,
 * from the agent's environment, only the names on its tool's allow-list and the names the customer adds with
 * `passEnv`; then what the executor sets from its options (`env`, an Argo CD token, …); then the agent's own
 * credentials are removed, whoever set them. This file is the only place that rule is written.
 */

/** Which tool's allow-list applies. */
export type CommandTool = 'argocd' | 'docker';

/**
 * Names every command gets from the agent's environment when set: lookup, home, temp dir, locale, time zone, proxies
 * and CA bundles. A name ending in `*` is a prefix.
 */
export const BASE_COMMAND_ENV: readonly string[] = Object.freeze([
  'PATH',
  'HOME',
  'USER',
  'TMPDIR',
  'TZ',
  'LANG',
  'LANGUAGE',
  'LC_*',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'all_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
]);

/** What each tool reads on top of {@link BASE_COMMAND_ENV}. */
export const TOOL_COMMAND_ENV: Readonly<Record<CommandTool, readonly string[]>> = Object.freeze({
  // ARGOCD_SERVER, ARGOCD_AUTH_TOKEN, ARGOCD_OPTS, ARGOCD_CONFIG_DIR, …; the config dir otherwise defaults to
  // $XDG_CONFIG_HOME/argocd; `--core` (in ARGOCD_OPTS) talks to the cluster through KUBECONFIG.
  argocd: Object.freeze(['ARGOCD_*', 'XDG_CONFIG_HOME', 'KUBECONFIG']),
  // DOCKER_HOST, DOCKER_CONFIG, DOCKER_CONTEXT, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, …; compose's COMPOSE_*;
  // rootless Docker puts its socket under XDG_RUNTIME_DIR.
  docker: Object.freeze(['DOCKER_*', 'COMPOSE_*', 'XDG_RUNTIME_DIR']),
});

/** Never given to a command, even when set explicitly or named in `passEnv`: the agent's own credentials. */
export const NEVER_PASSED_ENV: readonly string[] = Object.freeze(['AGENT_TOKEN', 'GCC_*', 'WRKTALK_AGENT_*']);

/** A variable name, or a `PREFIX*` pattern, as `passEnv` takes it. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*\*?$/;

/** How one executor's commands get their environment (compiled from its options). */
export interface CommandEnvSpec {
  tool: CommandTool;
  /** Set explicitly from the executor's options; `undefined` leaves the name unset. */
  set: Readonly<Record<string, string | undefined>>;
  /** Extra names (or `PREFIX*` patterns) taken from the agent's environment. */
  pass: readonly string[];
}

/** Whether `name` is one of `patterns` (exact, or a `PREFIX*` prefix match). */
export function matchesEnvName(patterns: readonly string[], name: string): boolean {
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

/** Whether `name` is one of the agent's own credentials ({@link NEVER_PASSED_ENV}). */
export function isAgentSecretName(name: string): boolean {
  return matchesEnvName(NEVER_PASSED_ENV, name);
}

/**
 * The whole environment of a command: allowed names from `source` (the agent's environment), then `spec.set`, minus
 * {@link NEVER_PASSED_ENV}. Read at each spawn, like an inherited environment would be.
 */
export function commandEnv(
  spec: CommandEnvSpec,
  source: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const allowed = [...BASE_COMMAND_ENV, ...TOOL_COMMAND_ENV[spec.tool], ...spec.pass];
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && matchesEnvName(allowed, name)) out[name] = value;
  }
  for (const [name, value] of Object.entries(spec.set)) {
    if (value === undefined) delete out[name];
    else out[name] = value;
  }
  for (const name of Object.keys(out)) if (isAgentSecretName(name)) delete out[name];
  return out;
}

/** Checks `passEnv` and builds the spec; `set` is what the executor sets explicitly (its `env` option and more). */
export function compileCommandEnv(
  problems: OptionProblems,
  tool: CommandTool,
  passEnv: readonly string[] | undefined,
  set: Record<string, string | undefined>,
): CommandEnvSpec {
  const pass = [...(passEnv ?? [])];
  pass.forEach((name, i) => {
    problems.matches(name, ENV_NAME_PATTERN, `passEnv[${i}]`);
    problems.check(
      typeof name !== 'string' || !isAgentSecretName(name),
      `passEnv[${i}]`,
      `${name} is the agent's own credential and is never passed to commands`,
    );
  });
  return { tool, set: { ...set }, pass };
}
