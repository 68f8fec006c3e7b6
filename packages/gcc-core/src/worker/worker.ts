import { setTimeout as delay } from 'node:timers/promises';
import {
  CANCELLABLE_TASK_STATUSES,
  DEPLOYMENT_EVENTS,
  type DeploymentEvent,
  type DeploymentStatus,
  decide,
  STRATEGY_LIMITS,
  transitionDeployment,
} from '@wrktalk/rollout-planner';
import { type Logger, pino } from 'pino';
import type { Database, Sql } from '../db/database';
import { isConcurrencyConflict, isDatabaseUnavailable } from '../db/errors';
import { GccOptionsError, OptionProblems } from '../errors/options-error';
import { type ArgoCdFastPath, type ArgoCdFastPathOptions, createArgoCdFastPath } from '../fastpath';
import { ArgoCdFastPathConfigError } from '../fastpath/config-error';
import { compileArgoCdFastPathOptions } from '../fastpath/options';
import { enqueueNotification } from '../notifications/outbox';
import { type AppliedTick, applyTick, setWakeAt } from '../rollout/apply';
import { deploymentEnded } from '../rollout/finish';
import {
  lockDeployment,
  type OrchestratedDeployment,
  policyOf,
  readSnapshot,
  SnapshotCache,
} from '../rollout/snapshot';
import { AgentService } from '../services/agent';
import { audit } from '../services/audit-log';
import { notifyWorker, type WakeOptions, WORKER_CHANNEL } from '../services/context';
import { iso } from '../services/iso-time';
import { notifyClients } from '../services/transaction';
import { ROLLBACK_PRIORITY, TickQueue, type TickQueueOptions } from './tick-queue';

/** Options of {@link createWorker}. */
export interface WorkerOptions {
  /** The GCC's database (migrated); the worker never closes it. */
  database: Database;
  /** @default pino() at level info on stdout */
  logger?: Logger;
  /** The clock. @default () => new Date() */
  now?: () => Date;
  /** How often every active deployment is looked at even without an event (the safety net). @default 5000 */
  pollIntervalMs?: number;
  /** Lease used when a stored strategy has none. @default 900 */
  leaseSeconds?: number;
  /** pg-boss execution queue for tick jobs; `false` runs on the sweep and LISTEN/NOTIFY alone. @default {} */
  queue?: TickQueueOptions | false;
  /**
   * Argo CD instances the worker applies tasks on itself through the Argo CD REST API (the fast path), instead of
   * waiting for the clients' agents. Checked here: bad values throw `ArgoCdFastPathConfigError`.
   * @default undefined (no fast path: agents apply every task)
   */
  argocd?: ArgoCdFastPathOptions;
  /**
   * Consecutive ticks of one deployment that may throw before it is marked `failed` with the last error as its
   * `status_reason` (its unstarted tasks cancelled), so one deployment that cannot be advanced stops being retried
   * for ever. A tick that succeeds resets the count; transient database errors (deadlock, serialization failure,
   * lost connection) do not count. From 1 to 1000. @default 5
   */
  maxTickErrors?: number;
}

/** What one tick of one deployment did. */
export interface TickResult extends AppliedTick {
  /** The deployment ticked. */
  deploymentId: string;
}

/** Lifecycle of a worker; `start` and `stop` log every change. */
export type WorkerState = 'idle' | 'running' | 'stopping' | 'stopped';

/** The staged-rollout worker: a thin shell around the planner's `decide`. */
export interface Worker {
  /** Current lifecycle state. */
  readonly state: WorkerState;
  /** Opens the tick queue, LISTENs for wake-ups and starts the sweep timer. */
  start(): Promise<void>;
  /** Stops the timer, the LISTEN and the queue; waits for running ticks. Does not close the database. */
  stop(): Promise<void>;
  /**
   * Advances one deployment (or, without an id, every active orchestrated deployment) once, now. A deployment
   * another worker holds is skipped. A rollback this tick started is advanced too. Errors are thrown.
   */
  tick(deploymentId?: string): Promise<TickResult[]>;
  /**
   * Wakes the worker for a deployment inside `tx` (for `ServiceContext.wake`): a pg-boss job when the queue is
   * open, else a NOTIFY (both take effect on commit only).
   */
  wake(tx: Sql, deploymentId: string, options?: WakeOptions): Promise<void>;
  /** The Argo CD fast path (with `argocd` options), else undefined. `tick()` also runs its `pump()`. */
  readonly argocd: ArgoCdFastPath | undefined;
}

/** Thrown by `start` / `stop` when the worker is not in a state that allows it. */
export class IllegalWorkerStateError extends Error {
  override readonly name = 'IllegalWorkerStateError';
  constructor(
    readonly state: WorkerState,
    readonly operation: string,
  ) {
    super(`Cannot ${operation} a worker that is ${state}`);
  }
}

/**
 * Wake-ups that arrive while a deployment is being ticked are coalesced into one more tick, started at the earliest
 * this many times the last tick's duration after it ended (at most {@link TICK_GAP_MAX_MS}). Every agent report
 * wakes the worker; without the gap a deployment of 100,000 tasks (a tick reads them all, about a second) is ticked
 * back to back for the whole rollout and takes the process's CPU from the agents' requests. Small deployments
 * (ticks of milliseconds) barely wait.
 */
const TICK_GAP_RATIO = 4;
/** Upper bound of the pause between two ticks of one deployment caused by wake-ups, in ms. */
const TICK_GAP_MAX_MS = 5_000;

const ACTIVE = ['created', 'running', 'paused'];

/**
 * Errors that say nothing about the deployment (the database away or restarting, a lost race): such a tick is retried
 * without counting against the deployment. The same classification answers 503 over HTTP.
 */
function isTransient(error: unknown): boolean {
  return isDatabaseUnavailable(error) || isConcurrencyConflict(error);
}

/**
 * The shortest chain of legal deployment events from `from` to `to` (the planner's transition table decides), e.g.
 * `['fail']` from `running`, `['resume', 'fail']` from `paused`; null when there is none.
 */
function eventsTo(from: DeploymentStatus, to: DeploymentStatus): DeploymentEvent[] | null {
  const seen = new Set<DeploymentStatus>([from]);
  let frontier: { at: DeploymentStatus; events: DeploymentEvent[] }[] = [{ at: from, events: [] }];
  while (frontier.length > 0) {
    const next: typeof frontier = [];
    for (const { at, events } of frontier) {
      for (const e of DEPLOYMENT_EVENTS) {
        const r = transitionDeployment(at, e);
        if (!r.ok || seen.has(r.state)) continue;
        if (r.state === to) return [...events, e];
        seen.add(r.state);
        next.push({ at: r.state, events: [...events, e] });
      }
    }
    frontier = next;
  }
  return null;
}

/** Worker options with every default filled in. */
export type CompiledWorkerOptions = ReturnType<typeof compileWorkerOptions>;

/**
 * Applies the defaults and checks every value, collecting every problem (the fast path's included) before throwing
 * one {@link GccOptionsError} (an `ArgoCdFastPathConfigError` when only the `argocd` options are wrong).
 */
export function compileWorkerOptions(o: WorkerOptions) {
  const p = new OptionProblems();
  const pollIntervalMs = p.integer('pollIntervalMs', o.pollIntervalMs, 5000, 10);
  // A lease longer than a strategy may ask for (1 day) is no default a deployment could be planned with.
  const leaseSeconds = p.integer('leaseSeconds', o.leaseSeconds, 900, 1, STRATEGY_LIMITS.leaseSeconds);
  const maxTickErrors = p.integer('maxTickErrors', o.maxTickErrors, 5, 1, 1000);
  const own = p.list.length;
  const given = o.argocd;
  const argocd = given === undefined ? undefined : p.nested(() => compileArgoCdFastPathOptions(given));
  if (p.list.length > own && own === 0) throw new ArgoCdFastPathConfigError(p.list);
  if (p.list.length > 0) throw new GccOptionsError(p.list, 'worker options');
  return {
    db: o.database,
    logger: o.logger ?? pino(),
    now: o.now ?? (() => new Date()),
    pollIntervalMs,
    leaseSeconds,
    maxTickErrors,
    queue: (o.queue === false ? false : (o.queue ?? {})) as TickQueueOptions | false,
    argocd,
  };
}

/**
 * Creates the staged-rollout worker. Any number may run on one database: each tick takes the deployment's row
 * with `FOR NO KEY UPDATE SKIP LOCKED`, so one deployment is advanced by one worker at a time, and every write is
 * guarded by the task statuses it is legal from, so nothing is dispatched twice.
 */
export function createWorker(options: WorkerOptions): Worker {
  const o = compileWorkerOptions(options);
  const db = o.db;
  const log = o.logger;
  let state: WorkerState = 'idle';
  let queue: TickQueue | undefined;
  let timer: NodeJS.Timeout | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  const inFlight = new Map<string, Promise<void>>();
  // Ends the pauses between coalesced ticks at once when the worker stops.
  const halt = new AbortController();
  const again = new Set<string>();
  let sweeping: Promise<void> | undefined;
  // Per deployment, its version when the sweep last ticked it (see `sweep`).
  const swept = new Map<string, string>();
  // The task rows of the deployments ticked last: a tick reads only the rows written since.
  const snapshots = new SnapshotCache();
  // The fast path claims and reports through the agents' own service code (pickup, lease, report, history).
  const fastPath =
    o.argocd &&
    createArgoCdFastPath({
      database: db,
      options: o.argocd,
      logger: log.child({ subsystem: 'argocd-fast-path' }),
      now: o.now,
      agent: new AgentService({
        db,
        now: o.now,
        components: new Set(),
        leaseSeconds: o.leaseSeconds,
        pollAfterSeconds: 30,
        // Offer caches are dropped through NOTIFY on commit, in every process.
        invalidateLocal: () => {},
        orchestration: 'worker',
        wake: (tx, id, w) => wake(tx, id, w),
      }),
    });

  const setState = (next: WorkerState) => {
    log.info({ from: state, to: next }, 'rollout worker state');
    state = next;
  };

  /** Hidden tasks (`visible_from`) become visible to approvers when their time comes. */
  async function publish(tx: Sql, d: OrchestratedDeployment, now: Date): Promise<number | null> {
    const from = d.approval.visible_from ? Date.parse(d.approval.visible_from) : null;
    if (!d.approval.required || from === null) return null;
    if (from > now.getTime()) return from;
    const r = await tx.query(
      `UPDATE deployment_tasks SET status = 'pending_approval', updated_at = $2
       WHERE deployment_id = $1 AND status = 'pending' AND approval_status = 'pending'`,
      [d.id, now],
    );
    if (r.rowCount > 0) {
      await audit(tx, now, 'system', 'deployment.publish', 'deployment', d.id, {
        deploymentId: d.id,
        after: { published_tasks: r.rowCount },
      });
      const extra = await tx.query<{ requested_start_time: Date | null; description: string | null }>(
        'SELECT requested_start_time, description FROM deployments WHERE id = $1',
        [d.id],
      );
      const row = extra.rows[0];
      await enqueueNotification(
        tx,
        {
          type: 'deployment_published',
          deploymentId: d.id,
          component: d.component,
          version: d.version,
          approvalDeadline: d.approval.deadline,
          requestedStartTime: iso(row?.requested_start_time ?? null),
          description: row?.description ?? null,
          by: 'system',
        },
        now,
      );
    }
    return null;
  }

  /** One tick of one deployment in one transaction; null when it is locked elsewhere or not orchestrated. */
  async function advance(id: string): Promise<TickResult | null> {
    try {
      const r = await advanceOnce(id);
      if (r && !ACTIVE.includes(r.status)) snapshots.drop(id);
      return r;
    } catch (error) {
      // Rolled back: what the tick read of its own writes never happened.
      snapshots.drop(id);
      throw error;
    }
  }

  async function advanceOnce(id: string): Promise<TickResult | null> {
    const now = o.now();
    return db.transaction(async (tx) => {
      const d = await lockDeployment(tx, id);
      if (!d || !ACTIVE.includes(d.status)) {
        if (d) snapshots.drop(id);
        return null;
      }
      const publishAt = await publish(tx, d, now);
      const snapshot = await readSnapshot(tx, d, snapshots);
      const actions = decide(snapshot, now.getTime(), policyOf(d, { leaseSeconds: o.leaseSeconds }));
      const applied = await applyTick(tx, d, actions, now, o.leaseSeconds);
      const wakeAt =
        publishAt === null
          ? applied.wakeAt
          : applied.wakeAt === null
            ? publishAt
            : Math.min(publishAt, applied.wakeAt);
      // The stored wake-up includes the publication time, so the sweep knows when this deployment is due.
      if (wakeAt !== applied.wakeAt) await setWakeAt(tx, id, wakeAt);
      const priority = d.type === 'rollback' ? ROLLBACK_PRIORITY : 0;
      if (wakeAt !== null && queue?.isOpen) await queue.send(tx, id, wakeAt, priority);
      if (applied.rollbackId !== null) await wake(tx, applied.rollbackId, { rollback: true });
      if (actions.length > 0) {
        log.debug(
          { deployment: id, actions: actions.map((a) => a.type), dispatched: applied.dispatched },
          'tick',
        );
      }
      return { deploymentId: id, ...applied, wakeAt };
    });
  }

  /**
   * Counts a tick of `id` that threw, in a transaction of its own (the tick's rolled back). At `maxTickErrors`
   * consecutive errors the deployment is marked `failed` with the error as its `status_reason`, its unstarted tasks
   * are cancelled, and the failure is audited and announced like any other. From a status `fail` is not legal from
   * (`created`, `paused`), the planner's shortest legal chain to `failed` is taken (`start`/`resume`, then `fail`) and
   * recorded in the audit entry; with no chain at all, `abort`.
   * @returns whether the deployment was marked failed
   */
  async function countTickError(id: string, error: unknown): Promise<boolean> {
    if (isTransient(error)) return false;
    const reason = `The rollout worker could not advance this deployment: ${
      error instanceof Error ? error.message : String(error)
    }`.slice(0, 2000);
    const now = o.now();
    return db.transaction(async (tx) => {
      const r = await tx.query<{
        tick_errors: number;
        status: DeploymentStatus;
        type: 'update' | 'rollback';
        rollback_of: string | null;
        component: string;
        version: string;
      }>(
        `UPDATE deployments SET tick_errors = tick_errors + 1
         WHERE id = $1 AND orchestration = 'worker' AND status = ANY($2::text[])
         RETURNING tick_errors, status, type, rollback_of, component, version`,
        [id, ACTIVE],
      );
      const d = r.rows[0];
      if (!d || d.tick_errors < o.maxTickErrors) return false;
      const toFailed = eventsTo(d.status, 'failed');
      const events = toFailed ?? eventsTo(d.status, 'aborted');
      if (events === null) return false;
      const status: DeploymentStatus = toFailed ? 'failed' : 'aborted';
      await tx.query(
        `UPDATE deployments SET status = $2, status_reason = $3, updated_at = $4, finished_at = $4, wake_at = NULL
         WHERE id = $1`,
        [id, status, reason, now],
      );
      const cancelled = await tx.query<{ client_id: string }>(
        `UPDATE deployment_tasks SET status = 'cancelled', lease_expires_at = NULL, updated_at = $2
         WHERE deployment_id = $1 AND status = ANY($3::text[]) RETURNING client_id`,
        [id, now, CANCELLABLE_TASK_STATUSES],
      );
      await audit(
        tx,
        now,
        'system',
        status === 'failed' ? 'deployment.fail' : 'deployment.abort',
        'deployment',
        id,
        {
          deploymentId: id,
          before: { status: d.status },
          after: {
            status,
            reason,
            tick_errors: d.tick_errors,
            ...(events.length > 1 && { transitions: events }),
            cancelled_tasks: cancelled.rows.length,
          },
        },
      );
      // Announced like every end; a rollback that cannot go on finishes the deployment it rolled back as failed.
      const rolled = await deploymentEnded(
        tx,
        { id, type: d.type, component: d.component, version: d.version, rollback_of: d.rollback_of },
        status,
        now,
      );
      const changed = [...cancelled.rows.map((x) => x.client_id), ...rolled];
      await notifyClients(tx, changed);
      log.error(
        { deployment: id, status, tickErrors: d.tick_errors, reason },
        'deployment failed: ticks keep failing',
      );
      return true;
    });
  }

  /**
   * Ticks `id`, then any rollback it started. A tick that throws is counted against its deployment alone
   * ({@link countTickError}) and collected in `errors`; the others go on.
   */
  async function tickOne(id: string, out: TickResult[], errors: unknown[]): Promise<void> {
    let r: TickResult | null;
    try {
      r = await advance(id);
    } catch (error) {
      errors.push(error);
      await countTickError(id, error).catch((e: unknown) =>
        log.error({ err: e, deployment: id }, 'could not count a tick error'),
      );
      return;
    }
    if (!r) return;
    out.push(r);
    if (r.rollbackId !== null) await tickOne(r.rollbackId, out, errors);
  }

  async function activeIds(): Promise<string[]> {
    const r = await db.query<{ id: string }>(
      `SELECT id FROM deployments WHERE orchestration = 'worker' AND status = ANY($1::text[])
       ORDER BY (type = 'rollback') DESC, created_at, id`,
      [ACTIVE],
    );
    return r.rows.map((x) => x.id);
  }

  async function tick(deploymentId?: string): Promise<TickResult[]> {
    const out: TickResult[] = [];
    const errors: unknown[] = [];
    for (const id of deploymentId !== undefined ? [deploymentId] : await activeIds()) {
      await tickOne(id, out, errors);
    }
    await fastPath?.pump();
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} deployments failed to tick`);
    return out;
  }

  /** Background tick of one deployment: one at a time per id in this process, re-run when woken meanwhile. */
  function kick(id: string): Promise<void> {
    const running = inFlight.get(id);
    if (running) {
      again.add(id);
      return running;
    }
    const p = (async () => {
      let lastMs = -1;
      do {
        if (lastMs >= 0) {
          await delay(Math.min(TICK_GAP_MAX_MS, lastMs * TICK_GAP_RATIO), undefined, {
            signal: halt.signal,
          }).catch(() => {});
          if (state !== 'running') break;
        }
        again.delete(id);
        const started = performance.now();
        try {
          const r = await advance(id);
          // Held by another worker: it may have read its snapshot before this wake-up's change; look again soon.
          if (r === null && queue?.isOpen) await queue.send(db, id, o.now().getTime() + 1000);
          if (r?.rollbackId) again.add(r.rollbackId);
          if (r && fastPath) void fastPath.pump();
        } catch (error) {
          // The next sweep ticks it again whatever its version.
          swept.delete(id);
          log.error({ err: error, deployment: id }, 'rollout tick failed');
          await countTickError(id, error).catch((e: unknown) =>
            log.error({ err: e, deployment: id }, 'could not count a tick error'),
          );
        }
        lastMs = performance.now() - started;
      } while (again.has(id) && state === 'running');
    })().finally(() => inFlight.delete(id));
    inFlight.set(id, p);
    return p;
  }

  /**
   * Every active orchestrated deployment (in {@link activeIds}' order) with whether its stored wake-up is due and a
   * version of everything its tick reads: the row versions (`xmin`, which every committed write changes, whatever
   * the clock says) of the deployment, its tasks and its stages, and the clients' last settings change
   * (`clients.settings_version`, migration 014). Summing the tasks' versions reads their tuple headers in the
   * database, not the rows in Node: tens of ms at 100,000 tasks where a full tick cost seconds.
   */
  async function sweepList(): Promise<{ id: string; due: boolean; version: string }[]> {
    const r = await db.query<{ id: string; due: boolean; version: string }>(
      `SELECT d.id, COALESCE(d.wake_at <= $2, false) AS due,
              d.xmin::text
                || '/' || (SELECT COALESCE(sum(t.xmin::text::bigint), 0)::text || ':' || count(*)::text
                           FROM deployment_tasks t WHERE t.deployment_id = d.id)
                || '/' || (SELECT COALESCE(sum(s.xmin::text::bigint), 0)::text || ':' || count(*)::text
                           FROM deployment_stages s WHERE s.deployment_id = d.id)
                || '/' || c.changed AS version
       FROM deployments d,
            (SELECT COALESCE(max(settings_version), 0)::text AS changed FROM clients) c
       WHERE d.orchestration = 'worker' AND d.status = ANY($1::text[])
       ORDER BY (d.type = 'rollback') DESC, d.created_at, d.id`,
      [ACTIVE, o.now()],
    );
    return r.rows;
  }

  /**
   * The periodic safety net: ticks every active deployment that may have something to do, i.e. whose stored wake-up
   * (the planner's next timer: a wait, a deadline, a pickup timeout, a lease, a start or publication time) is due,
   * or whose version ({@link sweepList}) moved since this process last swept it, or that it has not swept yet. A
   * deployment waiting for approvals with nothing changed is not re-read (at 100,000 tasks that cost 2–3 CPU-seconds
   * per 20 s idle, and blocked PGlite's event loop for seconds). Wake-ups (pg-boss jobs, NOTIFY) always tick.
   */
  function sweep(): Promise<void> {
    sweeping ??= (async () => {
      try {
        const list = await sweepList();
        const active = new Set(list.map((x) => x.id));
        for (const id of swept.keys()) if (!active.has(id)) swept.delete(id);
        for (const { id, due, version } of list) {
          if (state !== 'running') break;
          if (!due && swept.get(id) === version) continue;
          // Recorded before the tick: the tick's own writes move the version, so one more sweep looks again (and
          // finds nothing to do unless something changed meanwhile).
          swept.set(id, version);
          await kick(id);
        }
        if (state === 'running') await fastPath?.pump();
      } catch (error) {
        log.error({ err: error }, 'rollout sweep failed');
      }
    })().finally(() => {
      sweeping = undefined;
    });
    return sweeping;
  }

  async function wake(tx: Sql, deploymentId: string, w?: WakeOptions): Promise<void> {
    if (queue?.isOpen) await queue.send(tx, deploymentId, undefined, w?.rollback ? ROLLBACK_PRIORITY : 0);
    else await notifyWorker(tx, deploymentId);
  }

  return {
    get state() {
      return state;
    },
    async start() {
      if (state !== 'idle') throw new IllegalWorkerStateError(state, 'start');
      setState('running');
      try {
        if (o.queue !== false) {
          queue = new TickQueue(db, o.queue, (error) => log.error({ err: error }, 'pg-boss error'));
          await queue.open();
          await queue.work((id) => kick(id));
        }
        // Wake-ups from services without the queue (and from status reports): NOTIFY, delivered on commit.
        unlisten = await db.listen(WORKER_CHANNEL, (payload) => {
          if (state !== 'running') return;
          if (payload === '*') void sweep();
          else void kick(payload);
        });
      } catch (error) {
        setState('stopped');
        await queue?.close().catch(() => {});
        throw error;
      }
      timer = setInterval(() => void sweep(), o.pollIntervalMs);
      timer.unref();
      void sweep();
    },
    async stop() {
      if (state === 'stopped' || state === 'stopping') return;
      if (state === 'idle') {
        // `tick()` may have started fast-path tasks without `start()`.
        await fastPath?.stop();
        setState('stopped');
        return;
      }
      setState('stopping');
      halt.abort();
      if (timer) clearInterval(timer);
      await unlisten?.().catch(() => {});
      await queue?.close().catch((error: unknown) => log.warn({ err: error }, 'pg-boss stop failed'));
      await sweeping;
      await Promise.all([...inFlight.values()]);
      await fastPath?.stop();
      setState('stopped');
    },
    tick,
    wake,
    argocd: fastPath,
  };
}
