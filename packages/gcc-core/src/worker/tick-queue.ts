import PgBoss from 'pg-boss';
import { type Database, PREPARED, type Sql } from '../db/database';

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

/** `executeSql` for pg-boss over one of our `Sql`s (the database, or an open transaction). */
const executor = (sql: Sql) => ({
  // pg-boss's insert of a job is one constant text per schema: kept prepared (every agent report sends a tick).
  executeSql: (text: string, values: unknown[]) => sql.query(text, values, PREPARED),
});

/**
 * pg-boss's statements that settle fetched jobs by id: `complete` and `fail` (and `cancel`, `resume`, `deleteJob`,
 * which the GCC does not call). Its 10.x work loop runs `complete`/`fail` for a finished batch without awaiting
 * them, so when the database is away at that moment (a restart, a failover) their rejection is unhandled and ends
 * the process: seen in `db-fault.int.test.ts` at `pg_ctl stop`. (Marking our own promise handled is not enough:
 * pg-boss's `async complete()` rejects a promise of its own with the same error.)
 */
export const SETTLES_JOBS_BY_ID = /\bUNNEST\(\$2::uuid\[\]\)/;

/**
 * The executor of pg-boss's own work (fetch, complete, fail, maintenance) on the database: a failed statement that
 * settles jobs by id is reported to `onError` and answered as "0 jobs affected" instead of rejecting. The
 * completion is then lost; the job expires and is not retried (`retryLimit: 0`), and nothing depends on it: the
 * worker's periodic sweep ticks every running deployment anyway. Every other statement fails as usual.
 */
export const bossExecutor = (db: Sql, onError: (error: Error) => void) => ({
  executeSql: (text: string, values: unknown[]) => {
    const result = db.query(text, values);
    if (!SETTLES_JOBS_BY_ID.test(text)) return result;
    return result.catch((error: unknown) => {
      onError(error instanceof Error ? error : new Error(String(error)));
      return { rows: [{ count: '0' }], rowCount: 0 };
    });
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
      db: bossExecutor(db, onError),
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
