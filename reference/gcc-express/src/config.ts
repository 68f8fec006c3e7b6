import { readFileSync } from 'node:fs';
import type {
  ArgoCdFastPathOptions,
  DatabaseTimeouts,
  NotificationOptions,
  Orchestration,
  SigningOptions,
  WebhookConfig,
} from '@wrktalk/gcc-core';
import { compileArgoCdFastPathOptions, EVENT_NAMES, isArgoCdFastPathConfigError } from '@wrktalk/gcc-core';
import { z } from 'zod';
import { allowedRegistriesFromEnv, SIGNING_ENVIRONMENT, signingFromEnv } from './signing';

/** Log levels pino knows, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The validated configuration of the reference GCC. */
export interface Config {
  /** `postgres://…`; `undefined` means the embedded PGlite in {@link Config.dataDir}. */
  databaseUrl: string | undefined;
  /** PGlite data directory (`memory://` keeps it in memory). */
  dataDir: string;
  /** Connections in the PostgreSQL pool; `undefined` leaves gcc-core's default. */
  databasePoolSize: number | undefined;
  /**
   * Time bounds of the PostgreSQL connections, in ms (`DATABASE_CONNECT_TIMEOUT_SECONDS`,
   * `DATABASE_STATEMENT_TIMEOUT_SECONDS`, `DATABASE_QUERY_TIMEOUT_SECONDS`,
   * `DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS`, `DATABASE_KEEPALIVE_SECONDS`); an unset one keeps gcc-core's
   * default (`DatabaseTimeouts`).
   */
  databaseTimeouts: DatabaseTimeouts;
  /**
   * Whether hot statements are kept prepared on each PostgreSQL connection (`DATABASE_PREPARED_STATEMENTS`; false
   * behind a transaction-mode pooler that does not track them).
   */
  databasePreparedStatements: boolean;
  /** How long `/readyz` waits for the database before answering 503, in ms (`GCC_READINESS_TIMEOUT_SECONDS`). */
  readinessTimeoutMs: number;
  port: number;
  host: string;
  adminToken: string | undefined;
  ciToken: string | undefined;
  logLevel: LogLevel;
  components: string[];
  /** How deployments release approved tasks (`GCC_ORCHESTRATION`). */
  orchestration: Orchestration;
  /** Whether `serve` runs the rollout worker in-process (`GCC_RUN_WORKER`). */
  runWorker: boolean;
  /**
   * Whether `serve`, `worker` and the admin helpers apply pending migrations when they start (`GCC_MIGRATE`). With
   * `false` they leave the schema to `wrktalk-gcc migrate` (a deploy step, e.g. a Helm hook Job) and `/readyz`
   * answers 503 until it has run. `wrktalk-gcc migrate` always migrates.
   */
  migrate: boolean;
  /** Notification channels (`SMTP_URL`, `NOTIFY_FROM`, `NOTIFY_ADMIN_EMAILS`, `NOTIFY_WEBHOOKS`). */
  notifications: NotificationOptions;
  /** Argo CD instances of the worker's fast path (`GCC_ARGOCD_INSTANCES` / `GCC_ARGOCD_INSTANCES_FILE`). */
  argocd: ArgoCdFastPathOptions | undefined;
  /** Audit entries older than this many days are deleted (`GCC_AUDIT_RETENTION_DAYS`); null keeps them forever. */
  auditRetentionDays: number | null;
  /** Offer signing (`GCC_SIGNING_KEY` / `GCC_SIGNING_KEY_FILE`, …); undefined: offers are not signed. */
  signing: SigningOptions | undefined;
  /** Registries releases may come from (`GCC_ALLOWED_REGISTRIES`); undefined: any. */
  allowedRegistries: string[] | undefined;
  /**
   * Failed authentications per source before it is blocked (`GCC_AUTH_FAILURE_LIMIT`, 0: off) within
   * `GCC_AUTH_FAILURE_WINDOW_SECONDS`; gcc-core's `authFailureLimit`.
   */
  authFailureLimit: { max: number; windowSeconds: number } | false;
  /** How long a replica trusts a token it read (`GCC_TOKEN_CACHE_TTL_SECONDS`); gcc-core's `tokenCacheTtlSeconds`. */
  tokenCacheTtlSeconds: number;
  /** Express's `trust proxy` setting (`GCC_TRUST_PROXY`): false, true, a hop count, or addresses/subnets. */
  trustProxy: boolean | number | string;
}

/** `GCC_TRUST_PROXY` as Express takes it. */
function trustProxyOf(v: string | undefined): boolean | number | string {
  if (v === undefined || v === 'false') return false;
  if (v === 'true') return true;
  if (/^[0-9]{1,2}$/.test(v)) return Number(v);
  return v;
}

/** The environment variables read, with their defaults (also the README table). */
export const ENVIRONMENT = {
  DATABASE_URL: 'unset: embedded PGlite in GCC_DATA_DIR',
  GCC_DATA_DIR: '.gcc-data',
  DATABASE_POOL_SIZE: "unset: gcc-core's default",
  DATABASE_CONNECT_TIMEOUT_SECONDS: '10',
  DATABASE_STATEMENT_TIMEOUT_SECONDS: '30 (0: no limit)',
  DATABASE_QUERY_TIMEOUT_SECONDS: 'DATABASE_STATEMENT_TIMEOUT_SECONDS + 5 (0: no limit)',
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS: '60 (0: no limit)',
  DATABASE_KEEPALIVE_SECONDS: '10 (0: no TCP keepalive)',
  DATABASE_PREPARED_STATEMENTS: 'true',
  GCC_READINESS_TIMEOUT_SECONDS: '2',
  PORT: '8080',
  HOST: '0.0.0.0',
  GCC_ADMIN_TOKEN: 'unset: serve generates one and prints it once',
  GCC_CI_TOKEN: 'unset: serve generates one and prints it once',
  LOG_LEVEL: 'info',
  GCC_COMPONENTS: 'backend,media,ct',
  GCC_ORCHESTRATION: 'worker',
  GCC_RUN_WORKER: 'true',
  GCC_MIGRATE: 'true',
  SMTP_URL: 'unset: no email is sent',
  NOTIFY_FROM: 'WrkTalk GCC <gcc@localhost>',
  NOTIFY_ADMIN_EMAILS: 'unset: no admin email',
  NOTIFY_WEBHOOKS: 'unset: no webhooks',
  NOTIFY_APPROVAL_DIGEST_SECONDS: '300 (0: one admin email per approval or rejection)',
  GCC_AUDIT_RETENTION_DAYS: 'unset: the audit log is kept forever',
  GCC_AUTH_FAILURE_LIMIT: '100 (0: no limit)',
  GCC_AUTH_FAILURE_WINDOW_SECONDS: '60',
  GCC_TOKEN_CACHE_TTL_SECONDS: '30',
  GCC_TRUST_PROXY: 'false: the client address is the TCP peer',
  GCC_ARGOCD_INSTANCES: 'unset: no Argo CD fast path (agents apply every task)',
  GCC_ARGOCD_INSTANCES_FILE: 'unset',
  ...SIGNING_ENVIRONMENT,
} as const;

/** Minimum length of a configured admin or CI token. */
export const MIN_TOKEN_LENGTH = 16;

const COMPONENT = /^[a-z][a-z0-9-]{0,31}$/;

/** Empty strings count as unset, as in most shells' `VAR= cmd`. */
const optional = (schema: z.ZodType<string>) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const databaseUrl = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '';
    } catch {
      return false;
    }
  },
  { message: 'must be a PostgreSQL URL like postgres://user@host:5432/db' },
);

const integer = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${name} must be from ${min} to ${max}`);

/** An optional whole number of seconds (empty: unset). */
const seconds = (name: string, min: number, max: number) =>
  z.preprocess((v) => (v === '' ? undefined : v), integer(name, min, max).optional()).optional();

const token = z
  .string()
  .min(MIN_TOKEN_LENGTH, `must be at least ${MIN_TOKEN_LENGTH} characters`)
  .max(512, 'must be at most 512 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

const EMAIL = /^[^\s@<>,]+@[^\s@<>,]+$/;

const bool = (name: string, fallback: string) =>
  z.preprocess(
    (v) => (v === '' || v === undefined ? fallback : String(v).toLowerCase()),
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: `${name} must be true or false` })
      .transform((s) => s === 'true' || s === '1' || s === 'yes'),
  );

const smtpUrl = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'smtp:' || u.protocol === 'smtps:') && u.hostname !== '';
    } catch {
      return false;
    }
  },
  { message: 'must be an SMTP URL like smtp://user:pass@mail.example.com:587 or smtps://…' },
);

const webhooks = z.string().transform((s, ctx): WebhookConfig[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(s);
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: 'must be JSON: [{"url":"https://…","secret":"…","events":[…]}]',
    });
    return z.NEVER;
  }
  if (!Array.isArray(parsed)) {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON array of {url, secret, events?}' });
    return z.NEVER;
  }
  const out: WebhookConfig[] = [];
  parsed.forEach((w: unknown, i) => {
    const at = `webhook ${i + 1}`;
    if (!w || typeof w !== 'object' || Array.isArray(w)) {
      ctx.addIssue({ code: 'custom', message: `${at} must be an object {url, secret, events?}` });
      return;
    }
    const { url, secret, events, ...rest } = w as Record<string, unknown>;
    let ok = true;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) {
      ctx.addIssue({ code: 'custom', message: `${at} has unknown field(s): ${unknown.join(', ')}` });
      ok = false;
    }
    let validUrl = false;
    try {
      const u = new URL(String(url));
      validUrl = typeof url === 'string' && (u.protocol === 'http:' || u.protocol === 'https:');
    } catch {
      validUrl = false;
    }
    if (!validUrl) {
      ctx.addIssue({ code: 'custom', message: `${at}: url must be an http:// or https:// URL` });
      ok = false;
    }
    if (typeof secret !== 'string' || secret.length < MIN_TOKEN_LENGTH) {
      ctx.addIssue({
        code: 'custom',
        message: `${at}: secret must be a string of at least ${MIN_TOKEN_LENGTH} characters`,
      });
      ok = false;
    }
    const names: readonly string[] = EVENT_NAMES;
    if (events !== undefined) {
      if (!Array.isArray(events) || events.length === 0) {
        ctx.addIssue({ code: 'custom', message: `${at}: events must be a non-empty array of event names` });
        ok = false;
      } else {
        for (const e of events) {
          if (typeof e !== 'string' || !names.includes(e)) {
            ctx.addIssue({
              code: 'custom',
              message: `${at}: unknown event ${JSON.stringify(e)} (one of ${names.join(', ')})`,
            });
            ok = false;
          }
        }
      }
    }
    if (ok) {
      out.push({
        url: String(url),
        secret: String(secret),
        ...(events !== undefined && { events: events as WebhookConfig['events'] }),
      });
    }
  });
  return out;
});

const schema = z.object({
  DATABASE_URL: optional(databaseUrl),
  GCC_DATA_DIR: optional(z.string()).default(ENVIRONMENT.GCC_DATA_DIR),
  DATABASE_POOL_SIZE: z
    .preprocess((v) => (v === '' ? undefined : v), integer('DATABASE_POOL_SIZE', 1, 1000).optional())
    .optional(),
  DATABASE_CONNECT_TIMEOUT_SECONDS: seconds('DATABASE_CONNECT_TIMEOUT_SECONDS', 0, 3600),
  DATABASE_STATEMENT_TIMEOUT_SECONDS: seconds('DATABASE_STATEMENT_TIMEOUT_SECONDS', 0, 86400),
  DATABASE_QUERY_TIMEOUT_SECONDS: seconds('DATABASE_QUERY_TIMEOUT_SECONDS', 0, 86400),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS: seconds(
    'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS',
    0,
    86400,
  ),
  DATABASE_KEEPALIVE_SECONDS: seconds('DATABASE_KEEPALIVE_SECONDS', 0, 86400),
  DATABASE_PREPARED_STATEMENTS: bool(
    'DATABASE_PREPARED_STATEMENTS',
    ENVIRONMENT.DATABASE_PREPARED_STATEMENTS,
  ),
  GCC_READINESS_TIMEOUT_SECONDS: seconds('GCC_READINESS_TIMEOUT_SECONDS', 1, 60),
  PORT: z
    .preprocess((v) => (v === '' || v === undefined ? ENVIRONMENT.PORT : v), integer('PORT', 0, 65535))
    .optional(),
  HOST: optional(z.string().regex(/^\S+$/, 'must be a host name or address')).default(ENVIRONMENT.HOST),
  GCC_ADMIN_TOKEN: optional(token),
  GCC_CI_TOKEN: optional(token),
  LOG_LEVEL: optional(
    z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }) as z.ZodType<string>,
  ).default(ENVIRONMENT.LOG_LEVEL),
  GCC_COMPONENTS: optional(z.string())
    .default(ENVIRONMENT.GCC_COMPONENTS)
    .transform((s, ctx) => {
      const list = s
        .split(',')
        .map((c) => c.trim())
        .filter((c) => c !== '');
      if (list.length === 0) ctx.addIssue({ code: 'custom', message: 'must name at least one component' });
      for (const c of list) {
        if (!COMPONENT.test(c)) {
          ctx.addIssue({
            code: 'custom',
            message: `"${c}" is not a component name (lowercase letter, then up to 31 of a-z, 0-9, -)`,
          });
        }
      }
      if (new Set(list).size !== list.length)
        ctx.addIssue({ code: 'custom', message: 'lists a component twice' });
      return list;
    }),
  GCC_ORCHESTRATION: optional(
    z.enum(['worker', 'immediate'], { message: 'must be worker or immediate' }) as z.ZodType<string>,
  ).default(ENVIRONMENT.GCC_ORCHESTRATION),
  GCC_RUN_WORKER: bool('GCC_RUN_WORKER', ENVIRONMENT.GCC_RUN_WORKER),
  GCC_MIGRATE: bool('GCC_MIGRATE', ENVIRONMENT.GCC_MIGRATE),
  SMTP_URL: optional(smtpUrl),
  NOTIFY_FROM: optional(z.string().max(320, 'must be at most 320 characters')),
  NOTIFY_ADMIN_EMAILS: optional(z.string()).transform((s, ctx) => {
    if (s === undefined) return [];
    const list = s
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    for (const e of list) {
      if (!EMAIL.test(e)) ctx.addIssue({ code: 'custom', message: `"${e}" is not an email address` });
    }
    return list;
  }),
  NOTIFY_WEBHOOKS: z.preprocess((v) => (v === '' ? undefined : v), webhooks.optional()),
  NOTIFY_APPROVAL_DIGEST_SECONDS: z
    .preprocess(
      (v) => (v === '' ? undefined : v),
      integer('NOTIFY_APPROVAL_DIGEST_SECONDS', 0, 86400).optional(),
    )
    .optional(),
  GCC_AUDIT_RETENTION_DAYS: z
    .preprocess((v) => (v === '' ? undefined : v), integer('GCC_AUDIT_RETENTION_DAYS', 1, 36500).optional())
    .optional(),
  GCC_ARGOCD_INSTANCES: optional(z.string()),
  GCC_ARGOCD_INSTANCES_FILE: optional(z.string()),
  GCC_AUTH_FAILURE_LIMIT: z
    .preprocess((v) => (v === '' ? undefined : v), integer('GCC_AUTH_FAILURE_LIMIT', 0, 1_000_000).optional())
    .optional(),
  GCC_AUTH_FAILURE_WINDOW_SECONDS: z
    .preprocess(
      (v) => (v === '' ? undefined : v),
      integer('GCC_AUTH_FAILURE_WINDOW_SECONDS', 1, 86400).optional(),
    )
    .optional(),
  GCC_TOKEN_CACHE_TTL_SECONDS: z
    .preprocess((v) => (v === '' ? undefined : v), integer('GCC_TOKEN_CACHE_TTL_SECONDS', 0, 3600).optional())
    .optional(),
  // Express's `trust proxy`: which reverse proxies' X-Forwarded-For to believe for the client address (the source
  // the failed-authentication limit counts). true/false, a hop count, or addresses/subnets (`loopback,10.0.0.0/8`).
  GCC_TRUST_PROXY: optional(
    z
      .string()
      .regex(
        /^(true|false|[0-9]{1,2}|[A-Za-z0-9.:/,\s-]{1,1000})$/,
        'must be true, false, a number of hops, or comma-separated addresses/subnets (e.g. loopback,10.0.0.0/8)',
      ),
  ),
});

/** Query parameters of a PostgreSQL URL that carry secrets (libpq and `pg` read both). */
const SECRET_URL_PARAMETERS = ['password', 'sslpassword'];

/**
 * `url` with its password (and any `password` / `sslpassword` query parameter) replaced by `***`, to be shown in
 * messages and logs. A URL that cannot be parsed is shown as its scheme only.
 */
export function redactDatabaseUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0];
    return scheme ? `${scheme}//*** (not a valid URL)` : '*** (not a valid URL)';
  }
  if (u.password !== '') u.password = '***';
  for (const name of SECRET_URL_PARAMETERS) if (u.searchParams.has(name)) u.searchParams.set(name, '***');
  return u.toString().replace(/%2A%2A%2A/g, '***');
}

/** Variables whose values are never repeated in an error (tokens, credentials). */
const SECRET_VARIABLES = new Set(['DATABASE_URL', 'SMTP_URL', 'NOTIFY_WEBHOOKS', 'GCC_ARGOCD_INSTANCES']);

const ARGOCD_SHAPE = '{"<instance>":{"url":"https://argocd.example.com","token":"…"}}';

/**
 * The fast path's instances from `GCC_ARGOCD_INSTANCES` (JSON) or the file `GCC_ARGOCD_INSTANCES_FILE` names (the
 * same JSON, e.g. a mounted Kubernetes secret), checked by gcc-core's own option rules. Problems go to `problems`.
 */
function argocdInstances(
  json: string | undefined,
  file: string | undefined,
  problems: string[],
): ArgoCdFastPathOptions | undefined {
  if (json !== undefined && file !== undefined) {
    problems.push(
      'GCC_ARGOCD_INSTANCES_FILE: set either GCC_ARGOCD_INSTANCES or GCC_ARGOCD_INSTANCES_FILE, not both',
    );
    return undefined;
  }
  const name = file === undefined ? 'GCC_ARGOCD_INSTANCES' : 'GCC_ARGOCD_INSTANCES_FILE';
  let text = json;
  if (file !== undefined) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      problems.push(
        `${name}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
      return undefined;
    }
  }
  if (text === undefined) return undefined;
  let instances: unknown;
  try {
    instances = JSON.parse(text);
  } catch {
    problems.push(`${name}: must be JSON like ${ARGOCD_SHAPE}`);
    return undefined;
  }
  if (!instances || typeof instances !== 'object' || Array.isArray(instances)) {
    problems.push(`${name}: must be a JSON object of instance name → {url, token, …}, like ${ARGOCD_SHAPE}`);
    return undefined;
  }
  const options = { instances } as ArgoCdFastPathOptions;
  try {
    compileArgoCdFastPathOptions(options);
  } catch (error) {
    if (!isArgoCdFastPathConfigError(error)) throw error;
    for (const p of error.problems) problems.push(`${name}: ${p.replace(/^argocd\.instances(?:\.|: )/, '')}`);
    return undefined;
  }
  return options;
}

/** The configuration is not valid; `problems` has one readable line per problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the configuration; throws {@link ConfigError} listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const r = schema.safeParse(env);
  const problems = r.success
    ? []
    : r.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        const raw = env[name];
        const secret = name.endsWith('_TOKEN') || SECRET_VARIABLES.has(name);
        const shown = raw === undefined || secret ? '' : ` (got ${JSON.stringify(raw)})`;
        return `${name}: ${issue.message}${shown}`;
      });
  const blank = (v: string | undefined) => (v === '' ? undefined : v);
  const argocd = argocdInstances(
    blank(env.GCC_ARGOCD_INSTANCES),
    blank(env.GCC_ARGOCD_INSTANCES_FILE),
    problems,
  );
  const signing = signingFromEnv(env, problems);
  const allowedRegistries = allowedRegistriesFromEnv(env, problems);
  if (!r.success || problems.length > 0) throw new ConfigError(problems);
  const c = r.data;
  const ms = (name: keyof DatabaseTimeouts, s: number | undefined) =>
    s === undefined ? {} : { [name]: s * 1000 };
  return {
    databaseUrl: c.DATABASE_URL,
    dataDir: c.GCC_DATA_DIR,
    databasePoolSize: c.DATABASE_POOL_SIZE,
    databaseTimeouts: {
      ...ms('connectTimeoutMs', c.DATABASE_CONNECT_TIMEOUT_SECONDS),
      ...ms('statementTimeoutMs', c.DATABASE_STATEMENT_TIMEOUT_SECONDS),
      ...ms('queryTimeoutMs', c.DATABASE_QUERY_TIMEOUT_SECONDS),
      ...ms('idleInTransactionTimeoutMs', c.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS),
      ...ms('keepAliveInitialDelayMs', c.DATABASE_KEEPALIVE_SECONDS),
    },
    databasePreparedStatements: c.DATABASE_PREPARED_STATEMENTS,
    readinessTimeoutMs:
      (c.GCC_READINESS_TIMEOUT_SECONDS ?? Number(ENVIRONMENT.GCC_READINESS_TIMEOUT_SECONDS)) * 1000,
    port: c.PORT ?? Number(ENVIRONMENT.PORT),
    host: c.HOST,
    adminToken: c.GCC_ADMIN_TOKEN,
    ciToken: c.GCC_CI_TOKEN,
    logLevel: c.LOG_LEVEL as LogLevel,
    components: c.GCC_COMPONENTS,
    orchestration: c.GCC_ORCHESTRATION as Orchestration,
    runWorker: c.GCC_RUN_WORKER,
    migrate: c.GCC_MIGRATE,
    notifications: {
      ...(c.SMTP_URL !== undefined && { smtpUrl: c.SMTP_URL }),
      ...(c.NOTIFY_FROM !== undefined && { from: c.NOTIFY_FROM }),
      ...(c.NOTIFY_ADMIN_EMAILS.length > 0 && { adminEmails: c.NOTIFY_ADMIN_EMAILS }),
      ...(c.NOTIFY_WEBHOOKS !== undefined && c.NOTIFY_WEBHOOKS.length > 0 && { webhooks: c.NOTIFY_WEBHOOKS }),
      ...(c.NOTIFY_APPROVAL_DIGEST_SECONDS !== undefined && {
        approvalDigestSeconds: c.NOTIFY_APPROVAL_DIGEST_SECONDS,
      }),
    },
    argocd,
    auditRetentionDays: c.GCC_AUDIT_RETENTION_DAYS ?? null,
    signing,
    allowedRegistries,
    authFailureLimit:
      c.GCC_AUTH_FAILURE_LIMIT === 0
        ? false
        : { max: c.GCC_AUTH_FAILURE_LIMIT ?? 100, windowSeconds: c.GCC_AUTH_FAILURE_WINDOW_SECONDS ?? 60 },
    tokenCacheTtlSeconds: c.GCC_TOKEN_CACHE_TTL_SECONDS ?? Number(ENVIRONMENT.GCC_TOKEN_CACHE_TTL_SECONDS),
    trustProxy: trustProxyOf(c.GCC_TRUST_PROXY),
  };
}
