import type { KeyObject } from 'node:crypto';
import { type GccClient, type GccClientOptions, type TrustedKey, trustedKeysOf } from '@wrktalk/sdk-gcc';
import type { Executor } from '../executor';
import type { BackoffPolicy } from './backoff';
import { type Duration, toMs } from './duration';
import { AgentOptionsError } from './errors/options-error';
import { type AgentLogger, createJsonLogger } from './logger';

/** How the agent reaches the GCC: connection options (the agent builds the client), or a ready client. */
export type AgentGccOptions =
  | (Pick<GccClientOptions, 'baseUrl' | 'token'> & Partial<GccClientOptions>)
  | GccClient;

/** Options of {@link createAgent}. Durations are milliseconds or strings such as `'30s'`. */
export interface AgentOptions {
  /**
   * The GCC: `{ baseUrl, token }` (the agent builds a client with retries off, so that it owns backoff and can read
   * `Retry-After`), or an already built `GccClient` (its own retry policy then applies on top).
   */
  gcc: AgentGccOptions;
  /** The client this agent serves (a DNS label, e.g. `adani-prod`). */
  clientId: string;
  /** Applies and verifies updates. */
  executor: Executor;
  /** Path of the crash-safety state file; its directory must be writable. */
  stateFile: string;
  /**
   * Image references an instruction may use: `image_url` must start with one of these prefixes. A prefix is a registry
   * host (`registry.wrktalk.com`) or host and path (`registry.wrktalk.com/wrktalk/`); a `/` is added when missing.
   * @default ['registry.wrktalk.com/']
   */
  allowedRegistries?: string[];
  /**
   * Public keys of the GCC's update signing key(s) (Ed25519: SPKI PEM, base64 of the 32 raw bytes, or KeyObjects; one
   * string may hold several PEM blocks). When any is given the agent runs only offers whose `signature` verifies with
   * one of them for its own client id and has not expired, and never the same task attempt twice; any other offer is
   * reported `failed` with a message starting `signature_invalid:` and nothing is applied. Give both keys during a
   * key rotation. Strongly recommended: without pinned keys the agent trusts whatever its GCC connection delivers.
   * @default [] (offers are not verified)
   */
  trustedKeys?: (string | KeyObject)[];
  /**
   * Components this agent manages; an instruction naming any other (at its top level or in its set) is refused.
   * @default ['backend', 'media', 'ct']
   */
  components?: string[];
  /**
   * Long-poll: how long the GCC may hold each poll waiting for a change (0–60 seconds).
   * @default 30
   */
  pollWaitSeconds?: number;
  /**
   * Smallest pause between two polls, whatever the server says (`poll_after_seconds: 0` never makes a tight loop).
   * @default 1000
   */
  minPollIntervalMs?: Duration;
  /**
   * Backoff after a failed poll or report (network error, timeout, 5xx, 429, …); reset after a success.
   * @default { initialMs: 1000, maxMs: 300_000, multiplier: 2, jitter: 'full' }
   */
  backoff?: {
    /** @default 1000 */
    initialMs?: Duration;
    /** @default 300_000 (5 minutes) */
    maxMs?: Duration;
    /** @default 2 */
    multiplier?: number;
    /** @default 'full' */
    jitter?: 'full' | 'equal' | 'none';
  };
  /** Timeouts of each step. */
  timeouts?: {
    /**
     * Longest `executor.apply` (and `executor.revert`) may take.
     * @default 900_000 (15 minutes)
     */
    applyMs?: Duration;
    /**
     * Longest `executor.verify` may take.
     * @default the instruction's `verify_timeout_seconds`
     */
    verifyMs?: Duration;
    /**
     * Longest one status report may take (a failed report is retried with backoff).
     * @default 30_000
     */
    reportMs?: Duration;
    /**
     * Longest `executor.current` may take.
     * @default 60_000
     */
    currentMs?: Duration;
  };
  /**
   * Revert with `executor.revert` (when it has one) after a failed verification, and say so in the report. A release
   * set (more than one component) is also reverted, whole, after a failed apply, since part of it may have changed.
   * @default true
   */
  revertOnFailedVerify?: boolean;
  /**
   * How long `stop()` lets the current step run before aborting it (its checkpoint stays, so the next start resumes).
   * Kubernetes sends SIGKILL 30 s after SIGTERM by default.
   * @default 20_000
   */
  stopGraceMs?: Duration;
  /**
   * Sent as `agent_version` with every report.
   * @default '0.1.0'
   */
  agentVersion?: string;
  /**
   * Where the agent logs (a pino logger fits).
   * @default a JSON-lines logger on stderr at level `info`
   */
  logger?: AgentLogger;
  /**
   * Clock, for tests.
   * @default () => new Date()
   */
  now?: () => Date;
  /**
   * Waits `ms` or until `signal` aborts (resolves either way, never rejects). For tests.
   * @default a timer
   */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * Random number in [0, 1) for jitter. For tests.
   * @default Math.random
   */
  random?: () => number;
}

/** {@link AgentOptions} with every default applied and every duration in milliseconds. */
export interface CompiledAgentOptions {
  gcc: AgentGccOptions;
  clientId: string;
  executor: Executor;
  stateFile: string;
  allowedRegistries: string[];
  /** Parsed {@link AgentOptions.trustedKeys}; empty when offers are not verified. */
  trustedKeys: TrustedKey[];
  components: string[];
  pollWaitSeconds: number;
  minPollIntervalMs: number;
  backoff: BackoffPolicy;
  timeouts: { applyMs: number; verifyMs: number | undefined; reportMs: number; currentMs: number };
  revertOnFailedVerify: boolean;
  stopGraceMs: number;
  agentVersion: string;
  logger: AgentLogger;
  now: () => Date;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  random: () => number;
}

/** Resolves after `ms`, or at once when `signal` aborts. Never rejects. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Default values of every optional {@link AgentOptions} field. */
export function defaultAgentOptions(): Omit<
  CompiledAgentOptions,
  'gcc' | 'clientId' | 'executor' | 'stateFile' | 'logger'
> {
  return {
    allowedRegistries: ['registry.wrktalk.com/'],
    trustedKeys: [],
    components: ['backend', 'media', 'ct'],
    pollWaitSeconds: 30,
    minPollIntervalMs: 1000,
    backoff: { initialMs: 1000, maxMs: 300_000, multiplier: 2, jitter: 'full' },
    timeouts: { applyMs: 900_000, verifyMs: undefined, reportMs: 30_000, currentMs: 60_000 },
    revertOnFailedVerify: true,
    stopGraceMs: 20_000,
    agentVersion: '0.1.0',
    now: () => new Date(),
    sleep: abortableSleep,
    random: Math.random,
  };
}

const CLIENT_ID = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const COMPONENT = /^[a-z][a-z0-9-]{0,62}$/;
// host[:port][/path...], no scheme, no tag: what an image reference starts with.
const REGISTRY_PREFIX =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*\/?$/;
const EXECUTOR_METHODS = ['current', 'apply', 'verify', 'doctor'] as const;

function isGccClient(value: unknown): value is GccClient {
  const agent = (value as { agent?: { getUpdates?: unknown; reportStatus?: unknown } } | null)?.agent;
  return typeof agent?.getUpdates === 'function' && typeof agent.reportStatus === 'function';
}

/** Applies defaults and validates; throws {@link AgentOptionsError} listing every problem with its path. */
export function compileAgentOptions(options: AgentOptions): CompiledAgentOptions {
  const problems: string[] = [];
  const d = defaultAgentOptions();
  const o = (options ?? {}) as Partial<AgentOptions>;

  const duration = (path: string, value: unknown, fallback: number, min = 1): number => {
    if (value === undefined) return fallback;
    const ms = toMs(value);
    if (ms === undefined) {
      problems.push(
        `${path}: must be a duration (milliseconds, or a string like '30s'), got ${JSON.stringify(value)}`,
      );
      return fallback;
    }
    if (ms < min) problems.push(`${path}: must be at least ${min} ms, got ${ms}`);
    return ms;
  };

  if (o.gcc === undefined || o.gcc === null || typeof o.gcc !== 'object') {
    problems.push('gcc: required, { baseUrl, token } or a GccClient');
  } else if (!isGccClient(o.gcc)) {
    const g = o.gcc as Partial<GccClientOptions>;
    if (typeof g.baseUrl !== 'string' || !/^https?:\/\/./.test(g.baseUrl)) {
      problems.push('gcc.baseUrl: required, an absolute http(s) URL');
    }
    if (g.token === undefined || g.token === '') problems.push('gcc.token: required, the agent token');
  }
  if (typeof o.clientId !== 'string' || !CLIENT_ID.test(o.clientId)) {
    problems.push(`clientId: required, a DNS label such as 'adani-prod', got ${JSON.stringify(o.clientId)}`);
  }
  if (!o.executor || typeof o.executor !== 'object') {
    problems.push('executor: required, an Executor');
  } else {
    for (const m of EXECUTOR_METHODS) {
      if (typeof o.executor[m] !== 'function') problems.push(`executor.${m}: must be a function`);
    }
    if (typeof o.executor.name !== 'string' || !o.executor.name)
      problems.push('executor.name: must be a string');
    if (o.executor.revert !== undefined && typeof o.executor.revert !== 'function') {
      problems.push('executor.revert: must be a function when present');
    }
  }
  if (typeof o.stateFile !== 'string' || o.stateFile.trim() === '') {
    problems.push('stateFile: required, a file path in a writable directory');
  }

  let allowedRegistries = d.allowedRegistries;
  if (o.allowedRegistries !== undefined) {
    if (!Array.isArray(o.allowedRegistries) || o.allowedRegistries.length === 0) {
      problems.push('allowedRegistries: must be a non-empty array of registry prefixes');
    } else {
      allowedRegistries = o.allowedRegistries.map((r, i) => {
        if (typeof r !== 'string' || !REGISTRY_PREFIX.test(r)) {
          problems.push(
            `allowedRegistries[${i}]: must be a registry host with an optional path, without a scheme (e.g. 'registry.wrktalk.com/'), got ${JSON.stringify(r)}`,
          );
          return '';
        }
        return r.endsWith('/') ? r : `${r}/`;
      });
    }
  }

  let trustedKeys = d.trustedKeys;
  if (o.trustedKeys !== undefined) {
    if (!Array.isArray(o.trustedKeys)) {
      problems.push('trustedKeys: must be an array of Ed25519 public keys (PEM or base64)');
    } else {
      trustedKeys = o.trustedKeys.flatMap((k, i) => {
        try {
          const keys = trustedKeysOf([k]);
          if (keys.length === 0) problems.push(`trustedKeys[${i}]: holds no public key`);
          return keys;
        } catch (error) {
          problems.push(`trustedKeys[${i}]: ${(error as Error).message}`);
          return [];
        }
      });
    }
  }

  let components = d.components;
  if (o.components !== undefined) {
    if (!Array.isArray(o.components) || o.components.length === 0) {
      problems.push('components: must be a non-empty array of component names');
    } else {
      components = [...o.components];
      o.components.forEach((c, i) => {
        if (typeof c !== 'string' || !COMPONENT.test(c)) {
          problems.push(`components[${i}]: must match ${COMPONENT}, got ${JSON.stringify(c)}`);
        }
      });
    }
  }

  const pollWaitSeconds = o.pollWaitSeconds ?? d.pollWaitSeconds;
  if (!Number.isInteger(pollWaitSeconds) || pollWaitSeconds < 0 || pollWaitSeconds > 60) {
    problems.push(
      `pollWaitSeconds: must be an integer from 0 to 60, got ${JSON.stringify(o.pollWaitSeconds)}`,
    );
  }
  const minPollIntervalMs = duration('minPollIntervalMs', o.minPollIntervalMs, d.minPollIntervalMs);

  const b = o.backoff ?? {};
  const backoff: BackoffPolicy = {
    initialMs: duration('backoff.initialMs', b.initialMs, d.backoff.initialMs),
    maxMs: duration('backoff.maxMs', b.maxMs, d.backoff.maxMs),
    multiplier: b.multiplier ?? d.backoff.multiplier,
    jitter: b.jitter ?? d.backoff.jitter,
  };
  if (
    typeof backoff.multiplier !== 'number' ||
    !Number.isFinite(backoff.multiplier) ||
    backoff.multiplier < 1
  ) {
    problems.push(`backoff.multiplier: must be a number >= 1, got ${JSON.stringify(b.multiplier)}`);
  }
  if (!['full', 'equal', 'none'].includes(backoff.jitter)) {
    problems.push(`backoff.jitter: must be 'full', 'equal' or 'none', got ${JSON.stringify(b.jitter)}`);
  }
  if (backoff.maxMs < backoff.initialMs) {
    problems.push(`backoff.maxMs: must be >= backoff.initialMs (${backoff.initialMs}), got ${backoff.maxMs}`);
  }

  const t = o.timeouts ?? {};
  const timeouts = {
    applyMs: duration('timeouts.applyMs', t.applyMs, d.timeouts.applyMs),
    verifyMs: t.verifyMs === undefined ? undefined : duration('timeouts.verifyMs', t.verifyMs, 0),
    reportMs: duration('timeouts.reportMs', t.reportMs, d.timeouts.reportMs),
    currentMs: duration('timeouts.currentMs', t.currentMs, d.timeouts.currentMs),
  };
  const stopGraceMs = duration('stopGraceMs', o.stopGraceMs, d.stopGraceMs, 0);

  const revertOnFailedVerify = o.revertOnFailedVerify ?? d.revertOnFailedVerify;
  if (typeof revertOnFailedVerify !== 'boolean') problems.push('revertOnFailedVerify: must be a boolean');
  const agentVersion = o.agentVersion ?? d.agentVersion;
  if (typeof agentVersion !== 'string' || agentVersion.length === 0 || agentVersion.length > 64) {
    problems.push('agentVersion: must be a string of 1 to 64 characters');
  }
  for (const k of ['now', 'sleep', 'random'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'function') problems.push(`${k}: must be a function`);
  }
  if (o.logger !== undefined) {
    for (const level of ['debug', 'info', 'warn', 'error'] as const) {
      if (typeof o.logger?.[level] !== 'function') problems.push(`logger.${level}: must be a function`);
    }
  }

  if (problems.length > 0) throw new AgentOptionsError(problems);
  return {
    gcc: o.gcc as AgentGccOptions,
    clientId: o.clientId as string,
    executor: o.executor as Executor,
    stateFile: o.stateFile as string,
    allowedRegistries,
    trustedKeys,
    components,
    pollWaitSeconds,
    minPollIntervalMs,
    backoff,
    timeouts,
    revertOnFailedVerify,
    stopGraceMs,
    agentVersion,
    logger: o.logger ?? createJsonLogger({ base: { clientId: o.clientId } }),
    now: o.now ?? d.now,
    sleep: o.sleep ?? d.sleep,
    random: o.random ?? d.random,
  };
}

export { isGccClient };
