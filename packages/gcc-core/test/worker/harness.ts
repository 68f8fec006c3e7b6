import type { DeploymentCreate, StatusReport } from '@wrktalk/sdk-gcc';
import { pino } from 'pino';
import type { Database } from '../../src/db/database';
import { createServices, type GccServices } from '../../src/services';
import type { Principal, ServiceContext } from '../../src/services/context';
import { createWorker, type TickResult, type Worker, type WorkerOptions } from '../../src/worker';

/** The admin and CI principals the tests act as. */
export const ADMIN: Principal = { role: 'admin', name: 'admin' };
const CI: Principal = { role: 'ci', name: 'ci' };
const agentOf = (clientId: string): Principal => ({ role: 'agent', clientId, name: `agent-${clientId}` });
const approverOf = (clientId: string): Principal => ({ role: 'approver', clientId, name: `ct-${clientId}` });

/** A clock the test moves by hand. */
export interface TestClock {
  now: () => Date;
  advance(ms: number): void;
  ms(): number;
}

/** Starts at a fixed instant. */
export function testClock(start = Date.parse('2026-01-05T10:00:00Z')): TestClock {
  let t = start;
  return {
    now: () => new Date(t),
    advance(ms) {
      t += ms;
    },
    ms: () => t,
  };
}

/** What a scripted agent does with its queued task. */
export type Outcome = 'success' | 'failed' | 'offline';

/**
 * Services under `worker` orchestration plus a worker on the same clock (queue off: the tests tick by hand), and
 * scripted agents that act through the agent service (`report`: pickup, then the outcome).
 */
export interface Harness {
  services: GccServices;
  worker: Worker;
  clock: TestClock;
  /** Another worker on `db` (defaults to the harness's database), same clock. */
  anotherWorker(db?: Database, options?: Partial<WorkerOptions>): Worker;
  /** Creates clients `<prefix>-001`… with the labels given, spread over two Argo CD instances. */
  clients(prefix: string, n: number, labels?: Record<string, string>): Promise<string[]>;
  /** Records a release of `backend` (once per version). */
  release(version: string): Promise<string>;
  /** Creates a deployment of `version` to `selector`. */
  deploy(version: string, selector: string, extra?: Partial<DeploymentCreate>): Promise<string>;
  /** Gives clients a current version as if an earlier deployment had installed it. */
  seedHistory(versions: Record<string, string>): Promise<void>;
  approve(clientId: string, deploymentId: string): Promise<void>;
  reject(clientId: string, deploymentId: string): Promise<void>;
  /** Every queued task of the deployment is picked up and reported per `outcome` (offline ones are left alone). */
  runAgents(deploymentId: string, outcome?: (clientId: string) => Outcome): Promise<string[]>;
  /** Ticks and returns the stage starts (index, size) of this tick. */
  tick(deploymentId?: string, worker?: Worker): Promise<TickResult[]>;
  /** Dispatch rows of a deployment. */
  dispatches(
    deploymentId: string,
  ): Promise<{ task_id: string; client_id: string; attempt: number; stage: number }[]>;
  taskOf(
    deploymentId: string,
    clientId: string,
  ): Promise<{ id: string; status: string; stage: number | null }>;
}

const img = (v: string) => `registry.wrktalk.com/backend:${v}`;

/** Builds the harness on a migrated database. */
export function createHarness(db: Database): Harness {
  const clock = testClock();
  const silent = pino({ level: 'silent' });
  const newWorker = (on: Database, options: Partial<WorkerOptions> = {}) =>
    createWorker({ database: on, now: clock.now, logger: silent, queue: false, ...options });
  const worker = newWorker(db);
  const ctx: ServiceContext = {
    db,
    now: clock.now,
    components: new Set(['backend', 'media', 'ct']),
    leaseSeconds: 900,
    pollAfterSeconds: 30,
    invalidateLocal: () => {},
    orchestration: 'worker',
    wake: (tx, id) => worker.wake(tx, id),
  };
  const services = createServices(ctx);
  const releases = new Map<string, string>();
  const taskId = async (deploymentId: string, clientId: string) => {
    const r = await db.query<{ id: string; status: string; stage: number | null }>(
      'SELECT id, status, stage FROM deployment_tasks WHERE deployment_id = $1 AND client_id = $2',
      [deploymentId, clientId],
    );
    if (!r.rows[0]) throw new Error(`no task of ${clientId} in ${deploymentId}`);
    return r.rows[0];
  };
  const report = (clientId: string, r: StatusReport) => services.agent.report(agentOf(clientId), clientId, r);

  const h: Harness = {
    services,
    worker,
    clock,
    anotherWorker: (on = db, options = {}) => newWorker(on, options),
    async clients(prefix, n, labels = {}) {
      const ids: string[] = [];
      for (let i = 1; i <= n; i++) {
        const id = `${prefix}-${String(i).padStart(3, '0')}`;
        await services.clients.create(ADMIN, {
          id,
          name: id,
          target_kind: 'argocd',
          argocd_instance: i % 5 === 0 ? 'argo-in' : 'argo-eu',
          labels: { suite: prefix, ...labels },
        });
        ids.push(id);
      }
      return ids;
    },
    async release(version) {
      const known = releases.get(version);
      if (known) return known;
      const r = await services.releases.create(CI, {
        component: 'backend',
        version,
        image_url: img(version),
      });
      releases.set(version, r.release.id);
      return r.release.id;
    },
    async deploy(version, selector, extra = {}) {
      const d = await services.deployments.create(ADMIN, {
        release_id: await h.release(version),
        targets: { selector },
        ...extra,
      });
      return d.id;
    },
    async seedHistory(versions) {
      for (const [clientId, version] of Object.entries(versions)) {
        await db.query(
          `INSERT INTO deployment_history (client_id, component, version, image_url, is_current, created_at)
           VALUES ($1, 'backend', $2, $3, true, $4)`,
          [clientId, version, img(version), new Date(clock.ms() - 86_400_000)],
        );
        await db.query(
          `UPDATE clients SET current_versions = current_versions || jsonb_build_object('backend', $2::text)
           WHERE id = $1`,
          [clientId, version],
        );
      }
    },
    async approve(clientId, deploymentId) {
      const t = await taskId(deploymentId, clientId);
      await services.approvals.approve(approverOf(clientId), clientId, t.id, {
        approved_by: `ct@${clientId}`,
      });
    },
    async reject(clientId, deploymentId) {
      const t = await taskId(deploymentId, clientId);
      await services.approvals.reject(approverOf(clientId), clientId, t.id, {
        rejected_by: `ct@${clientId}`,
        reason: 'freeze',
      });
    },
    async runAgents(deploymentId, outcome = () => 'success') {
      const q = await db.query<{ id: string; client_id: string; attempt: number }>(
        `SELECT id, client_id, attempt FROM deployment_tasks WHERE deployment_id = $1 AND status = 'queued'
         ORDER BY id`,
        [deploymentId],
      );
      const ran: string[] = [];
      for (const t of q.rows) {
        const o = outcome(t.client_id);
        if (o === 'offline') continue;
        await report(t.client_id, { task_id: t.id, attempt: t.attempt, status: 'in_progress' });
        await report(t.client_id, { task_id: t.id, attempt: t.attempt, status: o });
        ran.push(t.client_id);
      }
      return ran;
    },
    tick: (deploymentId, w = worker) => w.tick(deploymentId),
    async dispatches(deploymentId) {
      const r = await db.query<{ task_id: string; client_id: string; attempt: number; stage: number }>(
        `SELECT d.task_id, t.client_id, d.attempt, d.stage FROM task_dispatches d
         JOIN deployment_tasks t ON t.id = d.task_id WHERE d.deployment_id = $1 ORDER BY d.dispatched_at, d.task_id`,
        [deploymentId],
      );
      return r.rows;
    },
    taskOf: taskId,
  };
  return h;
}

/** The stage starts among tick results: [stage, tasks]. */
export const stageStarts = (results: TickResult[]): [number, number][] =>
  results.flatMap((r) =>
    r.actions.flatMap((a) =>
      a.type === 'start_stage' ? [[a.stage, a.taskIds.length] as [number, number]] : [],
    ),
  );
