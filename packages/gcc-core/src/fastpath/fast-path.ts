import { PICKUP_READY_TASK_STATUSES } from '@wrktalk/rollout-planner';
import {
  createArgoCdApiExecutor,
  describeSet,
  type Executor,
  type ExecutorContext,
  isExecutorError,
  toUpdateInstruction,
  type UpdateInstruction,
} from '@wrktalk/sdk-agent/argocd-api';
import type { StatusReport } from '@wrktalk/sdk-gcc';
import type { Logger } from 'pino';
import type { Database } from '../db/database';
import type { AgentService, ClaimedUpdate } from '../services/agent';
import type { Principal } from '../services/context';
import { statusListSql } from '../services/status-sql';
import { LOG_LINE_CHARS, LOG_LINES } from '../services/task-rows';
import type { CompiledArgoCdFastPathOptions, CompiledArgoCdInstance } from './options';
import { tlsFetch } from './tls-fetch';

/** Longest `message` of a status report (the contract's bound). */
const MESSAGE_CHARS = 4000;

/** What the fast path needs from the GCC. */
export interface ArgoCdFastPathInit {
  database: Database;
  /** The agent service: the fast path claims and reports through it, exactly as agents do. */
  agent: Pick<AgentService, 'claimForGcc' | 'report'>;
  options: CompiledArgoCdFastPathOptions;
  logger: Logger;
  now: () => Date;
  /**
   * Builds the executor of a task. Tests may wrap it; the default is `createArgoCdApiExecutor` from
   * `@wrktalk/sdk-agent/argocd-api` with the instance's options.
   */
  executorFor?: (instance: CompiledArgoCdInstance) => Executor;
}

/** The Argo CD fast path of the rollout worker (see the gcc-core README, "Argo CD fast path"). */
export interface ArgoCdFastPath {
  /** The configured instance names. */
  readonly instances: readonly string[];
  /** Tasks being applied by this process now. */
  readonly running: number;
  /**
   * Claims ready tasks of clients on configured instances, up to each instance's free slots, and starts applying
   * them (not awaited). Calls made while one runs are folded into one more round. Never throws (errors are logged).
   * @returns how many tasks this call started
   */
  pump(): Promise<number>;
  /** Resolves once no task is being applied and no pump runs. */
  idle(): Promise<void>;
  /**
   * No new claims; tasks being applied get `stopGraceMs` to finish, then are aborted without a report (their lease
   * runs out and the worker retries them).
   */
  stop(): Promise<void>;
}

interface Run {
  instance: string;
  clientId: string;
  done: Promise<void>;
}

/** Creates the fast path over compiled options. */
export function createArgoCdFastPath(init: ArgoCdFastPathInit): ArgoCdFastPath {
  const { database: db, agent, options, logger: log, now } = init;
  const names = [...options.instances.keys()];
  const fetches = new Map(
    [...options.instances.values()]
      .filter((i) => i.insecure || i.ca !== undefined)
      .map((i) => [i.name, tlsFetch({ insecure: i.insecure, ca: i.ca })] as const),
  );
  // One executor per task: the executor keeps per-task state (sync start times) that should end with the task.
  const executorFor =
    init.executorFor ??
    ((instance: CompiledArgoCdInstance) => {
      const f = fetches.get(instance.name);
      return createArgoCdApiExecutor({ ...instance.executor, ...(f && { fetch: f }) });
    });
  const runs = new Map<string, Run>();
  const stopper = new AbortController();
  let stopping = false;
  let pumping: Promise<number> | undefined;
  let again = false;

  const runningOn = (instance: string) => {
    let n = 0;
    for (const r of runs.values()) if (r.instance === instance) n++;
    return n;
  };
  const busyClients = () => new Set([...runs.values()].map((r) => r.clientId));

  /** Ready tasks' clients of one instance, rollbacks first, then in queue order. */
  async function readyClients(instance: string, limit: number): Promise<string[]> {
    const r = await db.query<{ client_id: string }>(
      `SELECT t.client_id FROM deployment_tasks t
       JOIN clients c ON c.id = t.client_id
       JOIN deployments d ON d.id = t.deployment_id
       WHERE t.status IN ${statusListSql(PICKUP_READY_TASK_STATUSES)} AND d.status = 'running'
         AND c.target_kind = 'argocd' AND c.argocd_instance = $1
       ORDER BY (t.type = 'rollback') DESC, t.queued_at NULLS LAST, t.id
       LIMIT $2`,
      [instance, limit],
    );
    return [...new Set(r.rows.map((x) => x.client_id))];
  }

  async function pumpOnce(): Promise<number> {
    let started = 0;
    for (const instance of options.instances.values()) {
      if (stopping) break;
      const free = instance.maxConcurrency - runningOn(instance.name);
      if (free <= 0) continue;
      const busy = busyClients();
      const candidates = (await readyClients(instance.name, free + busy.size)).filter((c) => !busy.has(c));
      for (const clientId of candidates) {
        if (stopping || runningOn(instance.name) >= instance.maxConcurrency) break;
        // The agents' own pickup: an agent that polled first keeps its task, and this returns null.
        const update = await agent.claimForGcc(clientId);
        if (!update) {
          log.debug({ instance: instance.name, client: clientId }, 'argocd fast path: nothing to claim');
          continue;
        }
        start(instance, clientId, update);
        started++;
      }
    }
    return started;
  }

  function pump(): Promise<number> {
    if (stopping) return Promise.resolve(0);
    if (pumping) {
      again = true;
      return pumping;
    }
    pumping = (async () => {
      let started = 0;
      try {
        do {
          again = false;
          started += await pumpOnce();
        } while (again && !stopping);
      } catch (error) {
        log.error({ err: error }, 'argocd fast path: could not claim tasks');
      }
      return started;
    })().finally(() => {
      pumping = undefined;
    });
    return pumping;
  }

  function start(instance: CompiledArgoCdInstance, clientId: string, update: ClaimedUpdate): void {
    const key = `${update.task_id}/${update.attempt}`;
    const done = execute(instance, clientId, update)
      .catch((error: unknown) =>
        log.error({ err: error, task: update.task_id }, 'argocd fast path: task crashed'),
      )
      .finally(() => {
        runs.delete(key);
        // A slot is free: take the next ready task of this instance.
        if (!stopping) void pump();
      });
    runs.set(key, { instance: instance.name, clientId, done });
  }

  async function execute(
    instance: CompiledArgoCdInstance,
    clientId: string,
    u: ClaimedUpdate,
  ): Promise<void> {
    const tag = {
      instance: instance.name,
      client: clientId,
      deployment: u.deployment_id,
      task: u.task_id,
      attempt: u.attempt,
      type: u.type,
    };
    const tlog = log.child(tag);
    const lines: string[] = [];
    const who: Principal = { role: 'agent', clientId, name: `gcc-argocd:${instance.name}` };
    const report = (status: StatusReport['status'], message?: string) =>
      agent.report(
        who,
        clientId,
        {
          task_id: u.task_id,
          attempt: u.attempt,
          status,
          ...(message !== undefined && { message: message.slice(0, MESSAGE_CHARS) }),
          ...(status !== 'in_progress' && { logs: lines.slice(-LOG_LINES) }),
        },
        'gcc',
      );
    const leaseLeftMs = u.lease_expires_at ? Date.parse(u.lease_expires_at) - now().getTime() : 0;
    const budgetMs = Math.max(1000, leaseLeftMs - options.leaseMarginMs);
    const leaseEnd = AbortSignal.timeout(budgetMs);
    const signal = AbortSignal.any([stopper.signal, leaseEnd]);
    const ctx: ExecutorContext = {
      signal,
      clientId,
      log(line) {
        lines.push(line.slice(0, LOG_LINE_CHARS));
        if (lines.length > LOG_LINES * 2) lines.splice(0, lines.length - LOG_LINES);
        tlog.debug({ line }, 'argocd fast path: executor');
      },
    };
    const instruction: UpdateInstruction = {
      ...toUpdateInstruction(u),
      // The lease bounds the verification too: a verdict after it would be refused as stale.
      verifyTimeoutSeconds: Math.max(1, Math.min(u.verify_timeout_seconds, Math.floor(budgetMs / 1000))),
    };
    tlog.info(
      { version: u.version, previousVersion: u.previous_version, leaseExpiresAt: u.lease_expires_at },
      'argocd fast path: claimed task',
    );
    let outcome: { status: 'success' | 'failed'; message: string };
    try {
      // The same first report an agent sends: recorded once per attempt, in the audit log under the GCC's name.
      await report('in_progress');
      const executor = executorFor(instance);
      // A release set is one Application patch (every component's Helm parameter) and one sync.
      ctx.log(
        `applying ${describeSet(instruction.components)} through the Argo CD API of ${instance.name} (${u.type})`,
      );
      await executor.apply(instruction, ctx);
      tlog.info('argocd fast path: applied (spec written, sync started)');
      const verdict = await executor.verify(instruction, ctx);
      ctx.log(`verify: ${verdict.healthy ? 'healthy' : 'NOT healthy'}: ${verdict.message}`);
      outcome = { status: verdict.healthy ? 'success' : 'failed', message: verdict.message };
    } catch (error) {
      if (stopper.signal.aborted) {
        tlog.warn(
          { err: error },
          'argocd fast path: stopped while applying; not reported (the lease runs out and the worker retries it)',
        );
        return;
      }
      const message = isExecutorError(error)
        ? `${error.code}: ${error.message}`
        : `fast path error: ${error instanceof Error ? error.message : String(error)}`;
      ctx.log(leaseEnd.aborted ? `lease about to run out: ${message}` : message);
      outcome = { status: 'failed', message };
    }
    try {
      const accepted = await report(outcome.status, outcome.message);
      const level = outcome.status === 'success' ? 'info' : 'warn';
      tlog[level](
        { status: outcome.status, message: outcome.message, taskStatus: accepted.task_status },
        'argocd fast path: reported',
      );
    } catch (error) {
      // The lease covers a report that did not get through: the task times out and is retried.
      tlog.error({ err: error, status: outcome.status }, 'argocd fast path: report refused or failed');
    }
  }

  async function idle(): Promise<void> {
    for (;;) {
      if (pumping) await pumping;
      const pending = [...runs.values()].map((r) => r.done);
      if (pending.length === 0 && !pumping) return;
      await Promise.all(pending);
    }
  }

  return {
    instances: names,
    get running() {
      return runs.size;
    },
    pump,
    idle,
    async stop() {
      if (stopping) return;
      stopping = true;
      await pumping;
      const all = Promise.all([...runs.values()].map((r) => r.done));
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), options.stopGraceMs);
      });
      const first = await Promise.race([all.then(() => 'done' as const), grace]);
      clearTimeout(timer);
      if (first === 'timeout') {
        log.warn({ running: runs.size }, 'argocd fast path: stop grace over, aborting tasks being applied');
        stopper.abort(new Error('the GCC worker is stopping'));
        await all;
      }
      log.info('argocd fast path stopped');
    },
  };
}
