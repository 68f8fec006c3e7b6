import { STRATEGY_LIMITS } from '@wrktalk/rollout-planner';
import type { Request, Router } from 'express';
import { type Logger, pino } from 'pino';
import { OfferCache } from './cache/offer-cache';
import { recheckTokens, TokenCache } from './cache/token-cache';
import type { Database } from './db/database';
import { GccOptionsError, OptionProblems } from './errors/options-error';
import { ArgoCdFastPathConfigError } from './fastpath/config-error';
import { type ArgoCdFastPathOptions, compileArgoCdFastPathOptions } from './fastpath/options';
import { type AuthFailureLimit, AuthFailureLimiter, compileAuthFailureLimit } from './http/auth-limiter';
import { createMetrics } from './http/metrics';
import { createRouter, type PollHandler } from './http/router';
import { appliedMigrationVersion, latestMigrationVersion } from './migrate';
import { createNotifier, type NotificationOptions, type Notifier } from './notifications';
import { createServices, type GccServices } from './services';
import { AUDIT_RETENTION_MAX_DAYS, pruneAuditLog } from './services/audit';
import { EVENTS_CHANNEL, type Orchestration, type Principal, type ServiceContext } from './services/context';
import { parseCacheEvent } from './services/transaction';
import { compileAllowedRegistries, compileSigningOptions, type SigningOptions } from './signing';
import { compileWorkerOptions, createWorker, type Worker, type WorkerOptions } from './worker';

/** Options of {@link createGcc}. */
export interface GccOptions {
  /** The database (see `openDatabase`); the GCC does not close it. */
  database: Database;
  /** Secret of the configured `admin` token (accepted besides stored tokens; compared in constant time). */
  adminToken?: string;
  /** Secret of the configured `ci` token. */
  ciToken?: string;
  /** @default ['backend','media','ct'] */
  components?: string[];
  /** @default pino() at level info on stdout */
  logger?: Logger;
  /** @default 30 */
  pollAfterSeconds?: number;
  /** @default 900 */
  leaseSeconds?: number;
  /** @default 1_048_576 */
  maxBodyBytes?: number;
  /** host auth hook: return a principal to override bearer-token auth, or undefined to fall back */
  authenticate?: (req: Request) => Principal | undefined | Promise<Principal | undefined>;
  /** The clock. @default () => new Date() */
  now?: () => Date;
  /**
   * The strategy of deployments that name none (a request's `strategy` fields are laid over it): `immediate` is the
   * planner's `immediateStrategy` (every approved client updated as soon as its approval, start time and window
   * allow; the first failure pauses), `worker` the planner's `defaultStrategy` (canary, batches, waits, thresholds,
   * rollback). The same rollout worker runs both.
   * @default 'immediate'
   */
  orchestration?: Orchestration;
  /**
   * Run the rollout worker in this process (`true` or worker options), or not (`false`: another process runs
   * `createWorker`, e.g. `wrktalk-gcc worker`; `Gcc.worker` can still be ticked by hand).
   * @default true
   */
  worker?: boolean | Pick<WorkerOptions, 'pollIntervalMs' | 'queue' | 'maxTickErrors'>;
  /** Where notifications from the outbox go (SMTP, webhooks). @default {} (nothing is sent; rows are kept) */
  notifications?: NotificationOptions;
  /** Run the notification outbox dispatcher in this process. @default true */
  runNotifier?: boolean;
  /**
   * The Argo CD fast path: Argo CD instances (by the name clients carry in `argocd_instance`) on which the rollout
   * worker applies tasks itself through the Argo CD REST API instead of waiting for agents. Runs where the worker
   * runs (a process with `worker: false` ignores it, so give it to
   * the `createWorker` of the worker process). Bad values throw `ArgoCdFastPathConfigError`.
   * @default undefined (agents apply every task)
   */
  argocd?: ArgoCdFastPathOptions;
  /**
   * Audit entries older than this many days are deleted (hourly, on each replica; see `pruneAuditLog`), the only
   * deletion the append-only audit log allows. A whole number from 1 to 36500, or null to keep every entry.
   * @default null (the audit log is kept for ever)
   */
  auditRetentionDays?: number | null;
  /**
   * Signs every offered update with this Ed25519 key (`Update.signature`, expiring with the task's lease) and
   * publishes its public key, with `previousPublicKeys` during a rotation, at `GET /.well-known/wrktalk-signing-keys`.
   * Agents that pin the public key refuse unsigned, altered, expired and other clients' offers. Bad values are
   * `GccOptionsError` problems under `signing.*`.
   * @default undefined (offers are unsigned; the well-known list is empty)
   */
  signing?: SigningOptions;
  /**
   * Registries a release's `image_url` may come from: `host[:port]` or `host[:port]/path-prefix` entries (a prefix
   * matches whole path components), matched against the registry Docker would pull from (the first path component
   * when it contains `.` or `:` or is `localhost`, else `docker.io`). Any other release is refused at registration
   * with `422 registry_not_allowed`.
   * @default undefined (no restriction: releases from any registry are accepted; only agents' own allow-lists stop them)
   */
  allowedRegistries?: string[];
  /**
   * Failed authentications per source: after `max` refused bearer tokens (unknown, revoked, expired) from one source
   * within `windowSeconds`, every `/api/v1` request from it (the agent poll included, valid tokens included) is
   * answered 429 `rate_limited` with `Retry-After`, without checking its token, until `windowSeconds` have passed.
   * Requests without a bearer token are not counted; successful ones neither count nor reset the count. The source
   * is `req.ip`: behind a reverse proxy set Express's `trust proxy` on the host app, or every client shares the
   * proxy's address (and one bad client blocks them all). At most `maxSources` sources are tracked (the oldest is
   * forgotten first). `false` turns the limit off.
   * @default { max: 100, windowSeconds: 60, maxSources: 10_000 }
   */
  authFailureLimit?: AuthFailureLimit | false;
  /**
   * Seconds a stored token read from the database is trusted by this replica's auth cache. Revocations through the
   * API or `revokeToken` reach every replica at once (LISTEN/NOTIFY); a revocation or expiry by any other path
   * (`UPDATE tokens SET revoked_at = now()` in SQL, a missed notification) takes effect within this bound. 0 reads
   * the database on every request of a stored token (no poll answered from the cache without it). 0 to 3600.
   * @default 30
   */
  tokenCacheTtlSeconds?: number;
  /**
   * How long `/readyz` waits for the database before it answers 503 (`checks.database`: no answer within this
   * bound), so that a database that stopped answering takes the replica out of rotation at once, whatever the
   * database's own timeouts. 100 to 60000.
   * @default 2000
   */
  readinessTimeoutMs?: number;
}

/** A running GCC: its router, its services, and token administration. */
export interface Gcc {
  /** Serves /api/v1/*, /healthz, /readyz, /metrics relative to where it is mounted. */
  router: Router;
  /**
   * Optional, for a GCC mounted at the server's root: the agents' poll (`GET /api/v1/clients/<id>/updates`) answered
   * before Express, on the plain `node:http` request and response; everything else (and every poll it would hand to
   * the usual route: an unknown token, an unusual query, a blocked source, a host `authenticate` hook) goes to
   * `next` untouched, where `router` answers it exactly as before.
   *
   * `http.createServer((req, res) => gcc.handlePoll(req, res, () => app(req, res)))`
   *
   * Why: Express gives every request and response their prototypes with `Object.setPrototypeOf`, and V8 then gives
   * each of those objects a hidden class of its own (about 1.9 KB per request). A GCC holding tens of thousands of
   * idle long polls pays that for each; before Express it does not (`bench/idle-polls.bench.ts` in
   * reference/gcc-express). Answers, metrics and access log lines are the same either way.
   */
  handlePoll: PollHandler;
  /** The domain services (no HTTP). */
  services: GccServices;
  /**
   * Issues a token; the secret is in the answer only. With `expiresAt` (a future time) or `ttlSeconds` (not both)
   * the token is refused from then on (`expiresAt` in the answer, null when it does not expire). Rotation: issue a
   * new token, deploy it, then {@link revokeToken} the old one; both are valid meanwhile.
   */
  issueToken(
    input: (
      | { role: 'agent' | 'approver'; clientId: string; description?: string }
      | { role: 'admin' | 'ci'; name: string }
    ) & { expiresAt?: Date; ttlSeconds?: number },
  ): Promise<{ id: string; token: string; expiresAt: string | null }>;
  /** Revokes a token, on every replica at once (a revoked token stays revoked; an unknown id is `not_found`). */
  revokeToken(id: string): Promise<void>;
  /** The rollout worker (started unless `worker: false`; `tick()` advances deployments by hand either way). */
  worker: Worker;
  /** The notification outbox dispatcher (started unless `runNotifier: false`), else undefined. */
  notifier: Notifier | undefined;
  /**
   * Stops timers, the LISTEN, the rollout worker and the notifier, writes pending `last_seen_at`, ends long polls.
   * Does not close the database.
   */
  close(): Promise<void>;
}

/** How often batched `last_seen_at` / `last_used_at` values are written. */
const FLUSH_MS = 5_000;
const PRUNE_MS = 3600_000;

/**
 * Options with every default filled in. Every value is checked (the rollout worker's and the fast path's included)
 * before one {@link GccOptionsError} lists all the problems; an `ArgoCdFastPathConfigError` when only the `argocd`
 * options are wrong.
 */
function compile(options: GccOptions) {
  const p = new OptionProblems();
  const components = options.components ?? ['backend', 'media', 'ct'];
  if (!Array.isArray(components)) p.add('components', 'must be an array of component names');
  else {
    components.forEach((c, i) => {
      if (typeof c !== 'string' || !/^[a-z][a-z0-9-]{0,31}$/.test(c))
        p.add(`components[${i}]`, `must be a component name like 'backend', got ${JSON.stringify(c)}`);
    });
  }
  const orchestration = options.orchestration ?? 'immediate';
  if (orchestration !== 'immediate' && orchestration !== 'worker')
    p.add('orchestration', `must be 'immediate' or 'worker', got ${JSON.stringify(orchestration)}`);
  const pollAfterSeconds = p.integer('pollAfterSeconds', options.pollAfterSeconds, 30, 0);
  // The lease of strategies that give none: bounded like a strategy's own (1 day), so every deployment is plannable.
  const leaseSeconds = p.integer('leaseSeconds', options.leaseSeconds, 900, 1, STRATEGY_LIMITS.leaseSeconds);
  const maxBodyBytes = p.integer('maxBodyBytes', options.maxBodyBytes, 1_048_576, 1);
  const authFailureLimit = compileAuthFailureLimit(p, options.authFailureLimit);
  const tokenCacheTtlSeconds = p.integer('tokenCacheTtlSeconds', options.tokenCacheTtlSeconds, 30, 0, 3600);
  const readinessTimeoutMs = p.integer('readinessTimeoutMs', options.readinessTimeoutMs, 2000, 100, 60_000);
  const signer = compileSigningOptions(options.signing, p);
  const allowedRegistries = compileAllowedRegistries(options.allowedRegistries, p);
  const auditRetentionDays =
    options.auditRetentionDays === null || options.auditRetentionDays === undefined
      ? null
      : p.integer('auditRetentionDays', options.auditRetentionDays, 0, 1, AUDIT_RETENTION_MAX_DAYS) || null;
  if (typeof options.worker === 'object' && options.worker !== null) {
    const worker = options.worker;
    const before = p.list.length;
    p.nested(() => compileWorkerOptions({ database: options.database, ...worker }));
    for (let i = before; i < p.list.length; i++) p.list[i] = `worker.${p.list[i]}`;
  }
  const own = p.list.length;
  if (options.argocd !== undefined) {
    const argocd = options.argocd;
    p.nested(() => compileArgoCdFastPathOptions(argocd));
  }
  if (p.list.length > 0 && own === 0) throw new ArgoCdFastPathConfigError(p.list);
  if (p.list.length > 0) throw new GccOptionsError(p.list);
  return {
    orchestration: orchestration as Orchestration,
    components: new Set(components),
    pollAfterSeconds,
    leaseSeconds,
    maxBodyBytes,
    auditRetentionDays,
    signer,
    allowedRegistries,
    authFailureLimit,
    tokenCacheTtlSeconds,
    readinessTimeoutMs,
    now: options.now ?? (() => new Date()),
    logger: options.logger ?? pino(),
  };
}

/**
 * Creates a GCC on a migrated database: checks the migrations (readyz reports them) and starts the LISTEN that
 * keeps the agent-offer and token caches correct across replicas.
 */
export async function createGcc(options: GccOptions): Promise<Gcc> {
  const o = compile(options);
  const db = options.database;
  const offers = new OfferCache();
  const workerOpts = typeof options.worker === 'object' ? options.worker : {};
  const worker = createWorker({
    database: db,
    logger: o.logger.child({ component: 'rollout-worker' }),
    now: o.now,
    leaseSeconds: o.leaseSeconds,
    ...workerOpts,
    ...(options.argocd !== undefined && { argocd: options.argocd }),
  });
  const ctx: ServiceContext = {
    db,
    now: o.now,
    components: o.components,
    leaseSeconds: o.leaseSeconds,
    pollAfterSeconds: o.pollAfterSeconds,
    invalidateLocal: (ids) => offers.invalidate(ids),
    orchestration: o.orchestration,
    ...(o.signer && { signer: o.signer }),
    ...(o.allowedRegistries && { allowedRegistries: o.allowedRegistries }),
    wake: (tx, id, w) => worker.wake(tx, id, w),
  };
  const services = createServices(ctx);
  const tokens = new TokenCache(
    services.tokens,
    options,
    { ttlSeconds: o.tokenCacheTtlSeconds, now: o.now },
    recheckTokens(db),
  );
  const expected = latestMigrationVersion();
  let migrationsOk = false;
  try {
    migrationsOk = (await appliedMigrationVersion(db)) >= expected;
  } catch {
    migrationsOk = false;
  }
  if (!migrationsOk)
    o.logger.warn({ expected }, 'database migrations are not applied; /readyz reports unavailable');

  const unlisten = await db.listen(EVENTS_CHANNEL, (payload) => {
    const e = parseCacheEvent(payload);
    if (e?.kind === 'everything') {
      // The LISTEN connection was lost or came back: offer changes and revocations may have been missed.
      offers.invalidate('*');
      tokens.clear();
    } else if (e?.kind === 'clients')
      offers.invalidate(e.clientIds); // offer changes never touch tokens
    else if (e?.kind === 'token') tokens.drop(e.id);
  });

  const runWorker = options.worker !== false;
  const notifier =
    options.runNotifier === false
      ? undefined
      : createNotifier({
          database: db,
          options: options.notifications ?? {},
          logger: o.logger.child({ component: 'notifier' }),
          now: o.now,
        });
  try {
    if (runWorker) await worker.start();
    await notifier?.start();
  } catch (error) {
    await worker.stop().catch(() => {});
    await unlisten().catch(() => {});
    throw error;
  }

  const seen = new Map<string, Date>();
  let flushing: Promise<void> | undefined;
  const flush = async () => {
    if (flushing) return flushing;
    flushing = (async () => {
      const batch = new Map(seen);
      seen.clear();
      try {
        await services.agent.recordSeen(batch);
        await tokens.flush(o.now());
      } catch (error) {
        o.logger.warn({ err: error }, 'could not write last_seen_at / last_used_at');
      }
    })().finally(() => {
      flushing = undefined;
    });
    return flushing;
  };
  const flushTimer = setInterval(() => void flush(), FLUSH_MS);
  flushTimer.unref();
  const pruneAudit = () => {
    if (o.auditRetentionDays === null) return;
    pruneAuditLog(db, { retentionDays: o.auditRetentionDays, now: o.now() })
      .then((n) => {
        if (n > 0) o.logger.info({ deleted: n, retentionDays: o.auditRetentionDays }, 'audit log pruned');
      })
      .catch((error: unknown) => o.logger.warn({ err: error }, 'audit log prune failed'));
  };
  pruneAudit();
  const pruneTimer = setInterval(() => {
    services.idempotency
      .prune()
      .catch((error: unknown) => o.logger.warn({ err: error }, 'idempotency prune failed'));
    pruneAudit();
  }, PRUNE_MS);
  pruneTimer.unref();

  const metrics = createMetrics(db, () => offers.size);
  const router = createRouter({
    services,
    offers,
    tokens,
    metrics,
    logger: o.logger,
    maxBodyBytes: o.maxBodyBytes,
    ...(o.authFailureLimit && {
      authLimiter: new AuthFailureLimiter(o.authFailureLimit, () => o.now().getTime()),
    }),
    now: o.now,
    ...(options.authenticate && { authenticate: options.authenticate }),
    seen: (clientId) => seen.set(clientId, o.now()),
    signingKeys: o.signer?.published ?? [],
    async readiness() {
      const checks: Record<string, { status: 'ok' | 'unavailable'; message: string | null }> = {};
      let ok = true;
      let timer: NodeJS.Timeout | undefined;
      try {
        const v = await Promise.race([
          appliedMigrationVersion(db),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no answer from the database within ${o.readinessTimeoutMs} ms`)),
              o.readinessTimeoutMs,
            );
          }),
        ]).finally(() => clearTimeout(timer));
        checks.database = { status: 'ok', message: null };
        migrationsOk = v >= expected;
        checks.migrations = migrationsOk
          ? { status: 'ok', message: null }
          : {
              status: 'unavailable',
              message: `schema version ${v}, expected ${expected}: run the migrations`,
            };
        ok = migrationsOk;
      } catch (error) {
        ok = false;
        checks.database = { status: 'unavailable', message: (error as Error).message };
        checks.migrations = { status: 'unavailable', message: 'unknown: database unreachable' };
      }
      return { ok, body: { status: ok ? 'ok' : 'unavailable', checks } };
    },
  });

  let closed = false;
  return {
    router,
    handlePoll: router.handlePoll,
    services,
    worker,
    notifier,
    async issueToken(input) {
      const t = await services.tokens.issue('system', input);
      return { id: t.id, token: t.token, expiresAt: t.expires_at ?? null };
    },
    async revokeToken(id) {
      await services.tokens.revoke('system', id);
      tokens.drop(id);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(flushTimer);
      clearInterval(pruneTimer);
      offers.close(); // ends long polls now; later ones answer without waiting
      await flush();
      await Promise.all([
        worker.stop().catch((error: unknown) => o.logger.warn({ err: error }, 'rollout worker stop failed')),
        notifier?.stop().catch((error: unknown) => o.logger.warn({ err: error }, 'notifier stop failed')),
      ]);
      await unlisten().catch(() => {});
    },
  };
}
