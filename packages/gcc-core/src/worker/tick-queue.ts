import PgBoss from 'pg-boss';
import type { Database, Sql } from '../db/database';

/** Name of the pg-boss queue that carries "look at deployment X" jobs. */
export const TICK_QUEUE = 'gcc-deployment-tick';

/** Options of the pg-boss queue behind the worker. */
export interface TickQueueOptions {
  /** Schema pg-boss keeps its tables in. @default 'gcc_boss' */
  schema?: string;
  /** How often an idle worker asks for jobs, in seconds (pg-boss allows 0.5 and more). @default 1 */
  pollingIntervalSeconds?: number;
}

/** Priority of a rollback deployment's tick jobs: fetched before every update's. */
export const ROLLBACK_PRIORITY = 10;

/** The payload of a tick job. */
interface TickJob {
  deploymentId: string;
}

/**
 * `executeSql` for pg-boss over one of our `Sql`s (the database, or an open transaction). pg-boss 10's work loop
 * calls `complete`/`fail` for a finished job without awaiting them, so while the database is away (a restart, a
 * failover) their rejection was unhandled and ended the process (seen in `db-fault.int.test.ts`). Each promise
 * handed to pg-boss is therefore marked handled here; a caller that awaits it still gets the error. A job whose
 * completion was lost expires and is not retried (`retryLimit: 0`): the worker's sweep ticks the deployment anyway.
 */
const executor = (sql: Sql) => ({
  executeSql: (text: string, values: unknown[]) => {
    const result = sql.query(text, values);
    result.catch(() => {});
    return result;
  },
});

/**
 * pg-boss 10 on the GCC's own database (PostgreSQL or PGlite, through `executeSql`), used for one thing: durable
 * "tick deployment X" jobs. A job sent inside a service's transaction commits or rolls back with the change it
 * announces; jobs with a start time carry the planner's `wait_until`. The `short` policy keeps at most one waiting
 * job per key, so a burst of approvals makes one tick, not thousands.
 */
export class TickQueue {
  private readonly boss: PgBoss;
  private opened = false;

  constructor(
    db: Database,
    private readonly options: TickQueueOptions = {},
    onError: (error: Error) => void = () => {},
  ) {
    this.boss = new PgBoss({
      db: executor(db),
      schema: options.schema ?? 'gcc_boss',
      // Maintenance (expiry, archiving) runs in every worker; pg-boss serialises it with an advisory lock.
      supervise: true,
      // Cron is not used: the periodic sweep is a timer in the worker.
      schedule: false,
    });
    this.boss.on('error', onError);
  }

  /** Creates (or upgrades) pg-boss's schema and the tick queue. */
  async open(): Promise<void> {
    await this.boss.start();
    await this.boss.createQueue(TICK_QUEUE, { name: TICK_QUEUE, policy: 'short', retryLimit: 0 });
    this.opened = true;
  }

  /** True once {@link open} succeeded and until {@link close}. */
  get isOpen(): boolean {
    return this.opened;
  }

  /**
   * Sends a tick job for a deployment in `sql` (pass a transaction to make it part of that transaction).
   * @param at epoch ms before which the job is not fetched; omitted: now
   * @param priority jobs with a higher priority are fetched first (rollbacks: {@link ROLLBACK_PRIORITY}). @default 0
   */
  async send(sql: Sql, deploymentId: string, at?: number, priority = 0): Promise<void> {
    const data: TickJob = { deploymentId };
    await this.boss.send(TICK_QUEUE, data as object, {
      db: executor(sql),
      priority,
      // One waiting "now" job per deployment, and one per distinct wake-up time.
      singletonKey: at === undefined ? deploymentId : `${deploymentId}@${at}`,
      ...(at !== undefined && { startAfter: new Date(at) }),
    });
  }

  /** Runs `handle` for every fetched job's deployment (ids of one batch de-duplicated). */
  async work(handle: (deploymentId: string) => Promise<void>): Promise<void> {
    await this.boss.work<TickJob>(
      TICK_QUEUE,
      // Highest priority first: a rollback is never queued behind updates.
      { batchSize: 16, priority: true, pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 1 },
      async (jobs) => {
        const ids = [...new Set(jobs.map((j) => j.data.deploymentId))];
        await Promise.all(ids.map((id) => handle(id)));
      },
    );
  }

  /** Stops fetching, waits for running handlers, stops maintenance. The database stays open. */
  async close(): Promise<void> {
    if (!this.opened) return;
    this.opened = false;
    await this.boss.stop({ graceful: true, wait: true, close: false, timeout: 10_000 });
  }
}
