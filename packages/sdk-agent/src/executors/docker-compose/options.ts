import { isAbsolute } from 'node:path';
import { type CommandEnvSpec, compileCommandEnv } from '../shared/env';
import { COMPOSE_NAME_PATTERN, OptionProblems } from '../shared/options';

/** Options of {@link createDockerComposeExecutor}. */
export interface DockerComposeExecutorOptions {
  /** Absolute path of the compose file the services run from (required). */
  file: string;
  /**
   * Component → compose service.
   * @default { backend: 'backend', media: 'media', ct: 'ct' }
   */
  services?: Record<string, string>;
  /**
   * Where the copy of the file before the last change is kept (for revert).
   * @default `${file}.wrktalk-backup`
   */
  backupFile?: string;
  /**
   * The docker CLI (`docker compose …`, `docker inspect`).
   * @default 'docker'
   */
  dockerBinary?: string;
  /**
   * The old Python CLI used when `docker compose version` fails.
   * @default 'docker-compose'
   */
  legacyComposeBinary?: string;
  /**
   * Variables set for the commands, over those taken from the agent's environment (e.g. `DOCKER_HOST`).
   * `AGENT_TOKEN`, `GCC_*` and `WRKTALK_AGENT_*` are dropped even here.
   * @default {}
   */
  env?: Record<string, string>;
  /**
   * Extra names (or `PREFIX*` patterns) the commands may take from the agent's environment. Without them they get only
   * `PATH`, `HOME`, `USER`, `TMPDIR`, `TZ`, `LANG`, `LANGUAGE`, `LC_*`, the proxy variables (`HTTP_PROXY`,
   * `HTTPS_PROXY`, `NO_PROXY`, `ALL_PROXY`, either case), `SSL_CERT_FILE`, `SSL_CERT_DIR`, `DOCKER_*`, `COMPOSE_*`
   * and `XDG_RUNTIME_DIR`. Variables the compose file interpolates (`${VAR}`) must come from its `.env` file, from `env`, or be
   * named here. The agent's own credentials can never be named.
   * @default []
   */
  passEnv?: string[];
  /**
   * Seconds given to `up --wait-timeout`.
   * @default the instruction's verifyTimeoutSeconds
   */
  waitTimeoutSeconds?: number;
  /**
   * Pause between two `ps` polls while a container is starting, in ms.
   * @default 2_000
   */
  pollIntervalMs?: number;
  /**
   * Timeout of one command in ms (`up` pulls images, so this is generous).
   * @default 900_000
   */
  commandTimeoutMs?: number;
}

/** Options after defaults and validation. */
export interface CompiledDockerComposeOptions {
  file: string;
  services: Record<string, string>;
  backupFile: string;
  dockerBinary: string;
  legacyComposeBinary: string;
  env: CommandEnvSpec;
  waitTimeoutSeconds: number | undefined;
  pollIntervalMs: number;
  commandTimeoutMs: number;
}

/** Applies defaults and rejects every bad value at once (`invalid_config`). */
export function compileDockerComposeOptions(
  options: DockerComposeExecutorOptions,
): CompiledDockerComposeOptions {
  const problems = new OptionProblems('docker-compose');
  problems.check(
    typeof options.file === 'string' && isAbsolute(options.file),
    'file',
    'must be an absolute path',
  );
  const services = { ...(options.services ?? { backend: 'backend', media: 'media', ct: 'ct' }) };
  for (const [component, service] of Object.entries(services)) {
    problems.matches(service, COMPOSE_NAME_PATTERN, `services.${component}`);
  }
  const backupFile = options.backupFile ?? `${options.file}.wrktalk-backup`;
  problems.check(
    isAbsolute(backupFile) && backupFile !== options.file,
    'backupFile',
    'must be another absolute path',
  );
  if (options.waitTimeoutSeconds !== undefined)
    problems.int(options.waitTimeoutSeconds, 'waitTimeoutSeconds', 1, 86_400);
  const pollIntervalMs = options.pollIntervalMs ?? 2_000;
  problems.int(pollIntervalMs, 'pollIntervalMs', 1);
  const commandTimeoutMs = options.commandTimeoutMs ?? 900_000;
  problems.int(commandTimeoutMs, 'commandTimeoutMs', 1);
  const env = compileCommandEnv(problems, 'docker', options.passEnv, { ...options.env });
  problems.throwIfAny();
  return {
    file: options.file,
    services,
    backupFile,
    dockerBinary: options.dockerBinary ?? 'docker',
    legacyComposeBinary: options.legacyComposeBinary ?? 'docker-compose',
    env,
    waitTimeoutSeconds: options.waitTimeoutSeconds,
    pollIntervalMs,
    commandTimeoutMs,
  };
}
