import {
  type ArgoCdApiExecutorOptions,
  compileArgoCdApiOptions,
  isExecutorError,
} from '@wrktalk/sdk-agent/argocd-api';
import { ArgoCdFastPathConfigError } from './config-error';

/**
 * One Argo CD instance the GCC reaches itself. The executor settings (`appName`, `helmKeys`, `project`, …) are the
 * `@wrktalk/sdk-agent` Argo CD API executor's own options, with its defaults.
 */
export interface ArgoCdInstanceOptions
  extends Pick<
    ArgoCdApiExecutorOptions,
    | 'project'
    | 'appNamespace'
    | 'requestTimeoutMs'
    | 'helmKeys'
    | 'appName'
    | 'sourceIndex'
    | 'pollIntervalMs'
  > {
  /** Base URL of the Argo CD server, e.g. `https://argocd.eu.wrktalk.internal`. */
  url: string;
  /** API token of an Argo CD account with `applications get, update, sync` (sent as `Authorization: Bearer`). */
  token: string;
  /**
   * Accept any TLS certificate from this server (a self-signed test setup; never in production).
   * @default false
   */
  insecure?: boolean;
  /**
   * PEM certificate(s) of a private CA to trust for this server, besides the system CAs.
   * @default undefined (system CAs only)
   */
  ca?: string;
  /**
   * Tasks of this instance this GCC worker process applies at once, across all deployments. Each deployment is also
   * held to its strategy's `max_concurrency_per_instance` when its tasks are queued.
   * @default 10
   */
  maxConcurrency?: number;
}

/** Options of the Argo CD fast path (`GccOptions.argocd`, `WorkerOptions.argocd`). */
export interface ArgoCdFastPathOptions {
  /**
   * The Argo CD instances the GCC applies tasks on itself, by the name clients carry in `argocd_instance`. Clients
   * on other instances (and Kubernetes or Docker clients) are left to their agents.
   */
  instances: Record<string, ArgoCdInstanceOptions>;
  /**
   * How long `stop()` lets tasks being applied finish before aborting them. An aborted task is not reported; its
   * lease runs out and the worker retries it (`timed_out`, then a new attempt).
   * @default 30_000
   */
  stopGraceMs?: number;
  /**
   * Time kept free before a task's lease ends: applying and verifying stop this long before it, and the task is
   * reported `failed` rather than left to time out.
   * @default 30_000
   */
  leaseMarginMs?: number;
}

/** One instance after defaults and validation. */
export interface CompiledArgoCdInstance {
  name: string;
  maxConcurrency: number;
  /** What `createArgoCdApiExecutor` is built with (without `fetch`, added per TLS settings). */
  executor: ArgoCdApiExecutorOptions;
  insecure: boolean;
  ca: string | undefined;
}

/** The fast path options after defaults and validation. */
export interface CompiledArgoCdFastPathOptions {
  instances: ReadonlyMap<string, CompiledArgoCdInstance>;
  stopGraceMs: number;
  leaseMarginMs: number;
}

/** Names an Argo CD instance may have (what `clients.argocd_instance` accepts through the CLI). */
export const ARGOCD_INSTANCE_NAME = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;

const INSTANCE_KEYS = new Set([
  'url',
  'token',
  'insecure',
  'ca',
  'maxConcurrency',
  'project',
  'appNamespace',
  'requestTimeoutMs',
  'helmKeys',
  'appName',
  'sourceIndex',
  'pollIntervalMs',
]);

const isInt = (v: unknown, min: number): v is number => Number.isInteger(v) && (v as number) >= min;

/**
 * Applies the defaults and checks every value, collecting every problem with its path (`argocd.instances.<name>.url`)
 * before throwing one {@link ArgoCdFastPathConfigError}. Token values never appear in a message.
 */
export function compileArgoCdFastPathOptions(options: ArgoCdFastPathOptions): CompiledArgoCdFastPathOptions {
  const problems: string[] = [];
  const at = (path: string, message: string) => problems.push(`argocd.${path}: ${message}`);
  const instances = new Map<string, CompiledArgoCdInstance>();
  const given = (options as { instances?: unknown } | null | undefined)?.instances;
  if (!given || typeof given !== 'object' || Array.isArray(given)) {
    at('instances', 'must be an object of instance name → { url, token, … }');
  } else {
    if (Object.keys(given).length === 0) at('instances', 'must name at least one Argo CD instance');
    for (const [name, raw] of Object.entries(given as Record<string, unknown>)) {
      const path = `instances.${name}`;
      const before = problems.length;
      if (!ARGOCD_INSTANCE_NAME.test(name)) {
        at(path, 'the instance name must be lowercase letters, digits, "." and "-" (as clients carry it)');
      }
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
        at(path, 'must be an object { url, token, … }');
        continue;
      }
      const o = raw as Record<string, unknown>;
      for (const key of Object.keys(o)) if (!INSTANCE_KEYS.has(key)) at(`${path}.${key}`, 'unknown option');
      let url: URL | undefined;
      try {
        url = typeof o.url === 'string' ? new URL(o.url) : undefined;
      } catch {
        url = undefined;
      }
      if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password) {
        at(`${path}.url`, 'must be an http(s) URL without credentials, like https://argocd.example.com');
      }
      if (typeof o.token !== 'string' || o.token.trim() === '' || /\s/.test(o.token)) {
        at(`${path}.token`, 'must be a non-empty API token without spaces');
      }
      if (o.insecure !== undefined && typeof o.insecure !== 'boolean')
        at(`${path}.insecure`, 'must be true or false');
      if (o.ca !== undefined && (typeof o.ca !== 'string' || !o.ca.includes('-----BEGIN CERTIFICATE-----'))) {
        at(`${path}.ca`, 'must be PEM text (-----BEGIN CERTIFICATE-----…)');
      }
      if (o.maxConcurrency !== undefined && !isInt(o.maxConcurrency, 1)) {
        at(`${path}.maxConcurrency`, `must be an integer >= 1, got ${JSON.stringify(o.maxConcurrency)}`);
      }
      for (const key of ['project', 'appNamespace', 'appName'] as const) {
        if (o[key] !== undefined && typeof o[key] !== 'string') at(`${path}.${key}`, 'must be a string');
      }
      if (
        o.helmKeys !== undefined &&
        (!o.helmKeys || typeof o.helmKeys !== 'object' || Array.isArray(o.helmKeys))
      ) {
        at(`${path}.helmKeys`, 'must be an object of component → Helm parameter');
      }
      if (problems.length > before) continue;
      const executor: ArgoCdApiExecutorOptions = {
        baseUrl: o.url as string,
        token: o.token as string,
        ...(o.project !== undefined && { project: o.project as string }),
        ...(o.appNamespace !== undefined && { appNamespace: o.appNamespace as string }),
        ...(o.requestTimeoutMs !== undefined && { requestTimeoutMs: o.requestTimeoutMs as number }),
        ...(o.helmKeys !== undefined && { helmKeys: o.helmKeys as Record<string, string> }),
        ...(o.appName !== undefined && { appName: o.appName as string }),
        ...(o.sourceIndex !== undefined && { sourceIndex: o.sourceIndex as number }),
        ...(o.pollIntervalMs !== undefined && { pollIntervalMs: o.pollIntervalMs as number }),
      };
      try {
        // The executor's own checks and defaults (helm keys, app name template, intervals).
        compileArgoCdApiOptions(executor);
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error);
        at(path, isExecutorError(error) ? text.replace(/^argocd-api: invalid options: /, '') : text);
        continue;
      }
      instances.set(name, {
        name,
        maxConcurrency: (o.maxConcurrency as number | undefined) ?? 10,
        executor,
        insecure: (o.insecure as boolean | undefined) ?? false,
        ca: o.ca as string | undefined,
      });
    }
  }
  const stopGraceMs = options?.stopGraceMs ?? 30_000;
  if (!isInt(stopGraceMs, 0))
    at('stopGraceMs', `must be an integer >= 0, got ${JSON.stringify(stopGraceMs)}`);
  const leaseMarginMs = options?.leaseMarginMs ?? 30_000;
  if (!isInt(leaseMarginMs, 0)) {
    at('leaseMarginMs', `must be an integer >= 0, got ${JSON.stringify(leaseMarginMs)}`);
  }
  if (problems.length > 0) throw new ArgoCdFastPathConfigError(problems);
  return { instances, stopGraceMs, leaseMarginMs };
}
