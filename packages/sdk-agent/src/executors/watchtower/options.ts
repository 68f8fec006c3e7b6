import { type CommandEnvSpec, compileCommandEnv } from '../shared/env';
import { COMPOSE_NAME_PATTERN, OptionProblems } from '../shared/options';
import { TAG_PATTERN } from '../shared/version';

/** An image repository without tag or digest (no commas: Watchtower splits `?image=` on them). */
export const IMAGE_REPOSITORY_PATTERN =
  /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

/** Options of {@link createWatchtowerExecutor}. */
export interface WatchtowerExecutorOptions {
  /**
   * Watchtower's HTTP API.
   * @default 'http://localhost:8080'
   */
  url?: string;
  /** Watchtower's `WATCHTOWER_HTTP_API_TOKEN` (required). */
  token: string;
  /** Component → image repository Watchtower updates, without tag (required), e.g. `{ backend: 'registry.wrktalk.com/wrktalk/backend' }`. */
  images: Record<string, string>;
  /**
   * The moving tag the host tracks; an instruction for any other tag is refused.
   * @default 'latest'
   */
  trackedTag?: string;
  /**
   * Component → container name checked with `docker inspect`.
   * @default `wrktalk-<component>`
   */
  containers?: Record<string, string>;
  /**
   * The docker CLI.
   * @default 'docker'
   */
  dockerBinary?: string;
  /**
   * Variables set for the docker CLI, over those taken from the agent's environment (e.g. `DOCKER_HOST`).
   * `AGENT_TOKEN`, `GCC_*` and `WRKTALK_AGENT_*` are dropped even here.
   * @default {}
   */
  env?: Record<string, string>;
  /**
   * Extra names (or `PREFIX*` patterns) the docker CLI may take from the agent's environment. Without them it gets only
   * `PATH`, `HOME`, `USER`, `TMPDIR`, `TZ`, `LANG`, `LANGUAGE`, `LC_*`, the proxy variables (`HTTP_PROXY`,
   * `HTTPS_PROXY`, `NO_PROXY`, `ALL_PROXY`, either case), `SSL_CERT_FILE`, `SSL_CERT_DIR`, `DOCKER_*`, `COMPOSE_*`
   * and `XDG_RUNTIME_DIR`. The agent's own credentials can never be named.
   * @default []
   */
  passEnv?: string[];
  /**
   * How long the blocking update request may take, in ms (Watchtower answers when its run ends).
   * @default 900_000
   */
  requestTimeoutMs?: number;
  /**
   * Pause between two health polls in ms.
   * @default 2_000
   */
  pollIntervalMs?: number;
  /**
   * The fetch implementation.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
}

/** Options after defaults and validation. */
export interface CompiledWatchtowerOptions {
  url: string;
  token: string;
  images: Record<string, string>;
  trackedTag: string;
  containers: Record<string, string>;
  dockerBinary: string;
  env: CommandEnvSpec;
  requestTimeoutMs: number;
  pollIntervalMs: number;
  fetch: typeof fetch;
}

/** Applies defaults and rejects every bad value at once (`invalid_config`). */
export function compileWatchtowerOptions(options: WatchtowerExecutorOptions): CompiledWatchtowerOptions {
  const problems = new OptionProblems('watchtower');
  const url = (options.url ?? 'http://localhost:8080').replace(/\/+$/, '');
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  problems.check(parsed !== undefined && /^https?:$/.test(parsed.protocol), 'url', 'must be an http(s) URL');
  problems.check(typeof options.token === 'string' && options.token.length > 0, 'token', 'must not be empty');
  const images = { ...options.images };
  problems.check(
    Object.keys(images).length > 0,
    'images',
    'must map at least one component to an image repository',
  );
  for (const [component, image] of Object.entries(images))
    problems.matches(image, IMAGE_REPOSITORY_PATTERN, `images.${component}`);
  const trackedTag = options.trackedTag ?? 'latest';
  problems.matches(trackedTag, TAG_PATTERN, 'trackedTag');
  const containers = Object.fromEntries(
    Object.keys(images).map((component) => [
      component,
      options.containers?.[component] ?? `wrktalk-${component}`,
    ]),
  );
  for (const [component, name] of Object.entries(containers))
    problems.matches(name, COMPOSE_NAME_PATTERN, `containers.${component}`);
  const requestTimeoutMs = options.requestTimeoutMs ?? 900_000;
  problems.int(requestTimeoutMs, 'requestTimeoutMs', 1);
  const pollIntervalMs = options.pollIntervalMs ?? 2_000;
  problems.int(pollIntervalMs, 'pollIntervalMs', 1);
  const env = compileCommandEnv(problems, 'docker', options.passEnv, { ...options.env });
  problems.throwIfAny();
  return {
    url,
    token: options.token,
    images,
    trackedTag,
    containers,
    dockerBinary: options.dockerBinary ?? 'docker',
    env,
    requestTimeoutMs,
    pollIntervalMs,
    fetch: options.fetch ?? globalThis.fetch,
  };
}
