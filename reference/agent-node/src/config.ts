import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type {
  ArgoCdApiExecutorOptions,
  ArgoCdCliExecutorOptions,
  ArgoCdK8sExecutorOptions,
  DeploymentTarget,
  DockerComposeExecutorOptions,
  FakeExecutorOptions,
  KubernetesExecutorOptions,
  WatchtowerExecutorOptions,
} from '@wrktalk/sdk-agent';
import { parseSigningPublicKeys, publicKeyPem } from '@wrktalk/sdk-gcc';
import { z } from 'zod';

/** Executors the reference agent can run, by the name given in `EXECUTOR`. */
export const EXECUTOR_NAMES = [
  'argocd-cli',
  'argocd-api',
  'argocd-k8s',
  'kubernetes',
  'docker-compose',
  'watchtower',
  'fake',
] as const;

/** Name of an executor. */
export type ExecutorName = (typeof EXECUTOR_NAMES)[number];

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const bool = () =>
  z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((v) => v === 'true');

const COMPONENT = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

const baseSchema = z.object({
  GCC_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://gcc.wrktalk.com' }),
  CLIENT_ID: z
    .string({ error: 'required: the client this agent serves, e.g. adani-prod' })
    .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a DNS label, e.g. adani-prod'),
  AGENT_TOKEN: z
    .string({ error: 'required: the agent token issued by the GCC for this client' })
    .min(1, 'must not be empty')
    .refine((t) => !/[\r\n]/.test(t), 'must not contain line breaks'),
  EXECUTOR: z.enum(EXECUTOR_NAMES, { error: `must be one of ${EXECUTOR_NAMES.join(', ')}` }),
  STATE_FILE: z
    .string()
    .default('/var/lib/wrktalk-agent/state.json')
    .refine(isAbsolute, 'must be an absolute path'),
  ALLOWED_REGISTRIES: z.string().default('registry.wrktalk.com/').transform(list),
  COMPONENTS: z
    .string()
    .default('backend,media,ct')
    .transform(list)
    .refine((c) => c.length > 0, 'must name at least one component')
    .refine(
      (c) => c.every((x) => COMPONENT.test(x)),
      'must be comma-separated lower-case names, e.g. backend,media,ct',
    ),
  POLL_WAIT_SECONDS: z.coerce.number().int().min(0).max(60).default(30),
  // Extra variables (names or PREFIX* patterns) the CLI-based executors' commands get from the agent's environment,
  // beyond each tool's allow-list (sdk-agent's BASE_COMMAND_ENV / TOOL_COMMAND_ENV). Never the agent's credentials.
  PASS_ENV: z
    .string()
    .default('')
    .transform(list)
    .refine(
      (names) => names.every((n) => /^[A-Za-z_][A-Za-z0-9_]*\*?$/.test(n)),
      'must be comma-separated variable names or PREFIX* patterns, e.g. MY_PLUGIN_HOME,HELM_*',
    )
    .refine(
      (names) =>
        !names.some((n) => n === 'AGENT_TOKEN' || n.startsWith('GCC_') || n.startsWith('WRKTALK_AGENT_')),
      "must not name the agent's own credentials (AGENT_TOKEN, GCC_*, WRKTALK_AGENT_*)",
    ),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  REVERT_ON_FAILED_VERIFY: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('true')
    .transform((v) => v === 'true'),
  EXECUTOR_POLL_INTERVAL_MS: z.coerce
    .number()
    .int('must be whole milliseconds')
    .min(100, 'must be at least 100 (ms)')
    .max(600_000, 'must be at most 600000 (ms)')
    .default(2_000),
});

// The same rules as the executors' own option checks, so a bad value is reported with its variable's name.
const HELM_KEY = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const K8S_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const COMPOSE_NAME = /^[a-zA-Z0-9._-]+$/;
const IMAGE_REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

const k8sName = (what: string) => z.string().regex(K8S_NAME, `must be a Kubernetes name (${what})`);
const httpUrl = (example: string) =>
  z.url({ protocol: /^https?$/, error: `must be an http(s) URL, e.g. ${example}` });

/** `ARGOCD_SERVER` for the REST API: a URL, or `host[:port]` as the argocd CLI takes it (then https). */
const argoCdUrl = z
  .string()
  .transform((v) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `https://${v}`))
  .pipe(httpUrl('https://argocd.acme.internal or argocd.acme.internal:443'));

/** `ARGOCD_SERVER` for the argocd CLI: `host[:port]`; an `https://` URL is reduced to that. */
const argoCdHost = z
  .string()
  .transform((v) => v.replace(/^https:\/\//i, '').replace(/\/+$/, ''))
  .refine(
    (v) => /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/.test(v),
    'must be host[:port] as the argocd CLI takes it, e.g. argocd.acme.internal:443',
  );

const argoCommon = {
  ARGOCD_APP_NAME: z
    .string()
    .default('wrktalk-{clientId}')
    .refine(
      (v) => K8S_NAME.test(v.replaceAll('{clientId}', 'client')),
      'must be a Kubernetes name; {clientId} is replaced by CLIENT_ID',
    ),
};

/** Per-executor variables (fixed names); component mappings (`<PREFIX>_<COMPONENT>`) are read separately. */
const executorSchemas = {
  'argocd-cli': z.object({
    ...argoCommon,
    ARGOCD_BINARY: z.string().min(1).default('argocd'),
    ARGOCD_SERVER: argoCdHost.optional(),
    ARGOCD_AUTH_TOKEN: z.string().optional(),
    ARGOCD_GRPC_WEB: bool(),
  }),
  'argocd-api': z.object({
    ...argoCommon,
    ARGOCD_SERVER: z
      .string({ error: 'required for EXECUTOR=argocd-api: the Argo CD server URL' })
      .pipe(argoCdUrl),
    ARGOCD_AUTH_TOKEN: z
      .string({ error: 'required for EXECUTOR=argocd-api: an API token with applications get, update, sync' })
      .refine((t) => !/[\r\n]/.test(t), 'must not contain line breaks'),
    ARGOCD_PROJECT: z.string().optional(),
    ARGOCD_APP_NAMESPACE: k8sName('the namespace of the Application').optional(),
  }),
  'argocd-k8s': z.object({
    ...argoCommon,
    ARGOCD_NAMESPACE: k8sName('the namespace of the Application resources').default('argocd'),
  }),
  kubernetes: z.object({
    KUBE_NAMESPACE: k8sName('the namespace of the Deployments').default('wrktalk'),
  }),
  'docker-compose': z.object({
    COMPOSE_FILE: z
      .string({ error: 'required for EXECUTOR=docker-compose: the absolute path of the compose file' })
      .refine(isAbsolute, 'must be an absolute path (the compose file the services run from)'),
    COMPOSE_BACKUP_FILE: z.string().refine(isAbsolute, 'must be an absolute path').optional(),
    DOCKER_BINARY: z.string().min(1).default('docker'),
    COMPOSE_LEGACY_BINARY: z.string().min(1).default('docker-compose'),
  }),
  watchtower: z.object({
    WATCHTOWER_URL: httpUrl('http://watchtower:8080').default('http://localhost:8080'),
    WATCHTOWER_TOKEN: z.string({ error: "required for EXECUTOR=watchtower: Watchtower's HTTP API token" }),
    WATCHTOWER_TRACKED_TAG: z.string().regex(TAG, 'must be an image tag, e.g. stable').default('latest'),
    DOCKER_BINARY: z.string().min(1).default('docker'),
  }),
  fake: z.object({
    FAKE_INITIAL_VERSIONS: z
      .string()
      .default('')
      .transform((text, ctx) => {
        const out: Record<string, string> = {};
        for (const pair of list(text)) {
          const [k, v] = pair.split('=');
          if (!k || !v) ctx.addIssue({ code: 'custom', message: `expected component=version, got ${pair}` });
          else out[k] = v;
        }
        return out;
      }),
  }),
} as const;

/** A per-component variable family: `<prefix>_<COMPONENT>` with a default built from the component. */
interface ComponentVariable {
  prefix: string;
  pattern: RegExp;
  /** Shown when a value does not match. */
  rule: string;
  /** Value when the variable is not set; undefined = required. */
  fallback: ((component: string) => string) | undefined;
  /** Why the variable is required (when `fallback` is undefined). */
  required?: string;
}

const COMPONENT_VARIABLES: Record<ExecutorName, ComponentVariable[]> = {
  'argocd-cli': [helmKeys()],
  'argocd-api': [helmKeys()],
  'argocd-k8s': [helmKeys()],
  kubernetes: [
    {
      prefix: 'KUBE_DEPLOYMENT',
      pattern: K8S_NAME,
      rule: 'must be a Kubernetes name',
      fallback: (c) => `wrktalk-${c}`,
    },
    { prefix: 'KUBE_CONTAINER', pattern: K8S_NAME, rule: 'must be a container name', fallback: (c) => c },
  ],
  'docker-compose': [
    {
      prefix: 'COMPOSE_SERVICE',
      pattern: COMPOSE_NAME,
      rule: 'must be a compose service name',
      fallback: (c) => c,
    },
  ],
  watchtower: [
    {
      prefix: 'WATCHTOWER_IMAGE',
      pattern: IMAGE_REPOSITORY,
      rule: 'must be an image repository without tag, e.g. registry.wrktalk.com/wrktalk/backend',
      fallback: undefined,
      required:
        'required for EXECUTOR=watchtower: the image repository Watchtower updates (without tag), or leave the component out of COMPONENTS',
    },
    {
      prefix: 'WATCHTOWER_CONTAINER',
      pattern: COMPOSE_NAME,
      rule: 'must be a container name',
      fallback: (c) => `wrktalk-${c}`,
    },
  ],
  fake: [],
};

function helmKeys(): ComponentVariable {
  return {
    prefix: 'HELM_KEY',
    pattern: HELM_KEY,
    rule: 'must be a Helm parameter path, e.g. backend.image.tag',
    fallback: (c) => `${c}.image.tag`,
  };
}

/** The environment variable suffix of a component: `media-api` → `MEDIA_API`. */
export function componentVariable(prefix: string, component: string): string {
  return `${prefix}_${component.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

type Base = z.output<typeof baseSchema>;

/** The executor's options, as the `create*Executor` factory of `@wrktalk/sdk-agent` takes them. */
export type ExecutorConfig =
  | { EXECUTOR: 'argocd-cli'; executorOptions: ArgoCdCliExecutorOptions }
  | { EXECUTOR: 'argocd-api'; executorOptions: ArgoCdApiExecutorOptions }
  | { EXECUTOR: 'argocd-k8s'; executorOptions: ArgoCdK8sExecutorOptions }
  | { EXECUTOR: 'kubernetes'; executorOptions: KubernetesExecutorOptions }
  | { EXECUTOR: 'docker-compose'; executorOptions: DockerComposeExecutorOptions }
  | { EXECUTOR: 'watchtower'; executorOptions: WatchtowerExecutorOptions }
  | { EXECUTOR: 'fake'; executorOptions: FakeExecutorOptions };

/** The agent's configuration, read from the environment. */
export type AgentConfig = Omit<Base, 'EXECUTOR'> &
  ExecutorConfig & {
    /**
     * Pinned public keys of the GCC's update signing key(s), PEM (`GCC_SIGNING_PUBLIC_KEY`, or the file named by
     * `GCC_SIGNING_PUBLIC_KEY_FILE`; several PEM blocks during a key rotation). Empty: offers are not verified.
     */
    TRUSTED_KEYS: string[];
  };

/** The environment is not a usable configuration; `problems` has one readable line per variable. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ✗ ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function parse<S extends z.ZodType>(
  schema: S & { shape: Record<string, unknown> },
  env: Record<string, string | undefined>,
  problems: string[],
): z.output<S> | undefined {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') input[key] = v;
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  for (const i of parsed.error.issues) {
    const key = String(i.path[0] ?? '(environment)');
    problems.push(
      input[key] === undefined && i.code === 'invalid_type' && !i.message.startsWith('required')
        ? `${key}: required`
        : `${key}: ${i.message}`,
    );
  }
  return undefined;
}

/** Reads `<PREFIX>_<COMPONENT>` for every component; flags set variables naming a component not in COMPONENTS. */
function componentMap(
  variable: ComponentVariable,
  components: readonly string[],
  env: Record<string, string | undefined>,
  problems: string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  const known = new Set<string>();
  for (const component of components) {
    const key = componentVariable(variable.prefix, component);
    known.add(key);
    const value = env[key] || variable.fallback?.(component);
    if (value === undefined) problems.push(`${key}: ${variable.required ?? 'required'}`);
    else if (!variable.pattern.test(value))
      problems.push(`${key}: ${variable.rule}, got ${JSON.stringify(value)}`);
    else out[component] = value;
  }
  for (const key of Object.keys(env).sort()) {
    if (key.startsWith(`${variable.prefix}_`) && env[key] && !known.has(key)) {
      problems.push(`${key}: no such component in COMPONENTS (${components.join(', ')})`);
    }
  }
  return out;
}

function executorConfig(
  name: ExecutorName,
  base: Pick<Base, 'COMPONENTS' | 'EXECUTOR_POLL_INTERVAL_MS'>,
  env: Record<string, string | undefined>,
  problems: string[],
): ExecutorConfig | undefined {
  const before = problems.length;
  const maps = COMPONENT_VARIABLES[name].map((v) => componentMap(v, base.COMPONENTS, env, problems));
  const pollIntervalMs = base.EXECUTOR_POLL_INTERVAL_MS;
  let out: ExecutorConfig | undefined;
  switch (name) {
    case 'argocd-cli': {
      const v = parse(executorSchemas[name], env, problems);
      if (v)
        out = {
          EXECUTOR: name,
          executorOptions: {
            binary: v.ARGOCD_BINARY,
            appName: v.ARGOCD_APP_NAME,
            helmKeys: maps[0],
            grpcWeb: v.ARGOCD_GRPC_WEB,
            ...(v.ARGOCD_SERVER ? { server: v.ARGOCD_SERVER } : {}),
            ...(v.ARGOCD_AUTH_TOKEN ? { authToken: v.ARGOCD_AUTH_TOKEN } : {}),
            pollIntervalMs,
          },
        };
      break;
    }
    case 'argocd-api': {
      const v = parse(executorSchemas[name], env, problems);
      if (v)
        out = {
          EXECUTOR: name,
          executorOptions: {
            baseUrl: v.ARGOCD_SERVER,
            token: v.ARGOCD_AUTH_TOKEN,
            appName: v.ARGOCD_APP_NAME,
            helmKeys: maps[0],
            ...(v.ARGOCD_PROJECT ? { project: v.ARGOCD_PROJECT } : {}),
            ...(v.ARGOCD_APP_NAMESPACE ? { appNamespace: v.ARGOCD_APP_NAMESPACE } : {}),
            pollIntervalMs,
          },
        };
      break;
    }
    case 'argocd-k8s': {
      const v = parse(executorSchemas[name], env, problems);
      if (v)
        out = {
          EXECUTOR: name,
          executorOptions: {
            namespace: v.ARGOCD_NAMESPACE,
            appName: v.ARGOCD_APP_NAME,
            helmKeys: maps[0],
            pollIntervalMs,
          },
        };
      break;
    }
    case 'kubernetes': {
      const v = parse(executorSchemas[name], env, problems);
      const [deployments = {}, containers = {}] = maps;
      const components: Record<string, DeploymentTarget> = {};
      for (const c of base.COMPONENTS) {
        const deployment = deployments[c];
        const container = containers[c];
        if (deployment && container) components[c] = { name: deployment, container };
      }
      if (v)
        out = {
          EXECUTOR: name,
          executorOptions: { namespace: v.KUBE_NAMESPACE, components, pollIntervalMs },
        };
      break;
    }
    case 'docker-compose': {
      const v = parse(executorSchemas[name], env, problems);
      if (v && v.COMPOSE_BACKUP_FILE === v.COMPOSE_FILE)
        problems.push('COMPOSE_BACKUP_FILE: must not be COMPOSE_FILE itself');
      if (v)
        out = {
          EXECUTOR: name,
          executorOptions: {
            file: v.COMPOSE_FILE,
            services: maps[0] ?? {},
            ...(v.COMPOSE_BACKUP_FILE ? { backupFile: v.COMPOSE_BACKUP_FILE } : {}),
            dockerBinary: v.DOCKER_BINARY,
            legacyComposeBinary: v.COMPOSE_LEGACY_BINARY,
            pollIntervalMs,
          },
        };
      break;
    }
    case 'watchtower': {
      const v = parse(executorSchemas[name], env, problems);
      if (v)
        out = {
          EXECUTOR: name,
          executorOptions: {
            url: v.WATCHTOWER_URL,
            token: v.WATCHTOWER_TOKEN,
            images: maps[0] ?? {},
            containers: maps[1] ?? {},
            trackedTag: v.WATCHTOWER_TRACKED_TAG,
            dockerBinary: v.DOCKER_BINARY,
            pollIntervalMs,
          },
        };
      break;
    }
    case 'fake': {
      const v = parse(executorSchemas[name], env, problems);
      if (v) out = { EXECUTOR: name, executorOptions: { initial: v.FAKE_INITIAL_VERSIONS } };
      break;
    }
  }
  return problems.length === before ? out : undefined;
}

/**
 * The pinned signing keys from `GCC_SIGNING_PUBLIC_KEY` (one or more PEM blocks, or base64 raw keys separated by
 * commas) or the file `GCC_SIGNING_PUBLIC_KEY_FILE` names, as PEM; problems go to `problems`.
 */
function trustedKeysFromEnv(env: Record<string, string | undefined>, problems: string[]): string[] {
  const text = env.GCC_SIGNING_PUBLIC_KEY?.trim() || undefined;
  const file = env.GCC_SIGNING_PUBLIC_KEY_FILE?.trim() || undefined;
  if (text && file) {
    problems.push(
      'GCC_SIGNING_PUBLIC_KEY_FILE: set either GCC_SIGNING_PUBLIC_KEY or GCC_SIGNING_PUBLIC_KEY_FILE, not both',
    );
    return [];
  }
  const name = file ? 'GCC_SIGNING_PUBLIC_KEY_FILE' : 'GCC_SIGNING_PUBLIC_KEY';
  let keys = text;
  if (file) {
    try {
      keys = readFileSync(file, 'utf8');
    } catch (error) {
      problems.push(
        `${name}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
      return [];
    }
  }
  if (!keys) return [];
  try {
    const parsed = parseSigningPublicKeys(keys).map((k) => publicKeyPem(k));
    if (parsed.length === 0) problems.push(`${name}: holds no public key`);
    return parsed;
  } catch (error) {
    problems.push(
      `${name}: ${(error as Error).message} (print it on the GCC with \`wrktalk-gcc keys public\`)`,
    );
    return [];
  }
}

/** Reads and validates the configuration from `env`; throws {@link ConfigError} listing every problem. */
export function loadConfig(env: Record<string, string | undefined>): AgentConfig {
  const problems: string[] = [];
  const base = parse(baseSchema, env, problems);
  // The executor's variables are checked even when a common one is wrong, so that every problem is listed at once.
  const name = base?.EXECUTOR ?? EXECUTOR_NAMES.find((n) => n === env.EXECUTOR);
  const executor = name
    ? executorConfig(
        name,
        base ?? { COMPONENTS: list(env.COMPONENTS || 'backend,media,ct'), EXECUTOR_POLL_INTERVAL_MS: 2_000 },
        env,
        problems,
      )
    : undefined;
  const trustedKeys = trustedKeysFromEnv(env, problems);
  if (!base || !executor || problems.length > 0) throw new ConfigError(problems);
  const { EXECUTOR: _name, ...rest } = base;
  return { ...rest, ...executor, TRUSTED_KEYS: trustedKeys };
}
