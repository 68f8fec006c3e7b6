import { isAbsolute } from 'node:path';
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

const envSchema = z.object({
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
  COMPONENTS: z.string().default('backend,media,ct').transform(list),
  POLL_WAIT_SECONDS: z.coerce.number().int().min(0).max(60).default(30),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  REVERT_ON_FAILED_VERIFY: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('true')
    .transform((v) => v === 'true'),
  /** Fake executor only: versions running at start, e.g. `backend=v1,media=v1`. */
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
});

/** The agent's configuration, read from the environment. */
export type AgentConfig = z.output<typeof envSchema>;

/** The environment is not a usable configuration; `problems` has one readable line per variable. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ✗ ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Reads and validates the configuration from `env`; throws {@link ConfigError} listing every problem. */
export function loadConfig(env: Record<string, string | undefined>): AgentConfig {
  const input: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') input[key] = v;
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = String(i.path[0] ?? '(environment)');
        return input[key] === undefined && i.code === 'invalid_type'
          ? `${key}: required`
          : `${key}: ${i.message}`;
      }),
    );
  }
  return parsed.data;
}
