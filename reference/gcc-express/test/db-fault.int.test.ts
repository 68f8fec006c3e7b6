import { type Database, openDatabase } from '@wrktalk/gcc-core';
import { createGccClient } from '@wrktalk/sdk-gcc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type GccProcess, startGccProcess, stopGccProcess } from './helpers/gcc-process';
import { type PrivatePostgres, startPrivatePostgres } from './helpers/private-postgres';
import { type Applied, approvedRollout, runAgents, sleep, until } from './helpers/scripted-agents';

/**
 * Database faults under a staged rollout (issue 12): the real `wrktalk-gcc serve` runs on a PostgreSQL of the test's
 * own, with scripted agents over HTTP. In the middle of the rollout the database is restarted (`pg_ctl restart -m
 * fast`: every connection, the LISTEN one included, is terminated with 57P01), then stopped for 20 s, then the GCC
 * itself is SIGKILLed. The GCC must survive the first two by itself (answering 503 + Retry-After while the database
 * is away, `/readyz` 503), and after all three the rollout completes without manual action: no task lost, none
 * applied twice.
 */

const ADMIN = `dbfault-admin-${'a'.repeat(24)}`;
const CI = `dbfault-ci-${'c'.repeat(24)}`;
const CLIENTS = 16;
const STAGES = [
  { kind: 'canary' as const, count: 2, wait_seconds: 1 },
  { kind: 'batch' as const, count: 4, wait_seconds: 1 },
  { kind: 'batch' as const, count: 4, wait_seconds: 1 },
  { kind: 'batch' as const, wait_seconds: 0 },
];
/** Longer than the 20 s outage: a task in flight keeps its lease and its agent's late report is accepted. */
const LEASE_SECONDS = 120;
const OUTAGE_MS = 20_000;

// On failure the GCC's own output is printed (below); DEBUG_DB_FAULT=1 prints it always. The crash this test found
// last (pg-boss 10 settling a finished job without awaiting it, at `pg_ctl stop`) is pinned down by
// packages/gcc-core/test/worker/tick-queue.test.ts.
describe('fault: PostgreSQL restarted, stopped for 20 s, and the GCC SIGKILLed during a staged rollout', () => {
  let pg: PrivatePostgres;
  let db: Database;
  let env: Record<string, string>;
  const processes: GccProcess[] = [];

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    env = {
      DATABASE_URL: pg.url,
      PORT: String(await freePort()),
      GCC_ADMIN_TOKEN: ADMIN,
      GCC_CI_TOKEN: CI,
    };
    processes.push(await startGccProcess(env));
    db = await openDatabase({ url: pg.url, poolSize: 2 });
  }, 120_000);
  afterAll(async () => {
    if (
      process.env.DEBUG_DB_FAULT ||
      processes.some((p) => p.child.exitCode !== null || p.child.signalCode !== null)
    )
      for (const p of processes) console.log(p.output());
    for (const p of processes) await stopGccProcess(p);
    await db?.close().catch(() => {});
    await pg?.dispose();
  }, 60_000);

  /** Stage `index` exists and has a task in progress (what "in the middle of a stage" means here). */
  const inStage = (deploymentId: string, index: number) =>
    until(
      `stage ${index} with a task in progress`,
      async () => {
        const r = await db.query<{ stages: number; in_progress: number }>(
          `SELECT (SELECT count(*)::int FROM deployment_stages WHERE deployment_id = $1) AS stages,
                  count(*) FILTER (WHERE status = 'in_progress')::int AS in_progress
           FROM deployment_tasks WHERE deployment_id = $1 AND stage = $2`,
          [deploymentId, index],
        );
        const x = r.rows[0]!;
        return x.stages === index + 1 && x.in_progress >= 1 ? x : undefined;
      },
      60_000,
      20,
    );

  it('completes without manual action; 0 tasks lost, 0 applied twice', async () => {
    const url = processes[0]!.url;
    const client = (token: string) => createGccClient({ baseUrl: url, token, retry: false, timeoutMs: 5000 });
    const admin = client(ADMIN);
    const { deploymentId, agents } = await approvedRollout(admin, client(CI), client, {
      prefix: 'dbf',
      clients: CLIENTS,
      stages: STAGES,
      leaseSeconds: LEASE_SECONDS,
    });
    const run = runAgents(agents, 1000);
    try {
      await admin.deployments.resume(deploymentId);

      // 1. A restart in the middle of the canary: every connection is terminated (57P01).
      await inStage(deploymentId, 0);
      await pg.restart();
      await until('the GCC ready again after the restart', async () =>
        (await fetch(`${url}/readyz`)).ok ? true : undefined,
      );
      expect(processes[0]!.child.exitCode).toBeNull();
      expect(processes[0]!.child.signalCode).toBeNull();

      // 2. An outage of 20 s in the middle of stage 2: 503 + Retry-After, readiness 503, the process stays up.
      await inStage(deploymentId, 1);
      await pg.stop();
      const stoppedAt = Date.now();
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(503);
      const answer = await fetch(`${url}/api/v1/deployments/${deploymentId}`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      expect(answer.status).toBe(503);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await answer.json()).toMatchObject({ code: 'unavailable', status: 503 });
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));
      expect(processes[0]!.child.exitCode, processes[0]!.output()).toBeNull();
      await pg.start();
      await until(
        'the GCC ready again after the outage',
        async () => ((await fetch(`${url}/readyz`)).ok ? true : undefined),
        30_000,
      );

      // 3. The GCC is SIGKILLed in the middle of stage 3 and started again.
      await inStage(deploymentId, 2);
      const first = processes[0]!;
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      processes.push(await startGccProcess(env));

      const done = await until(
        'the deployment to complete',
        async () => {
          const v = await admin.deployments.get(deploymentId);
          return v.status === 'completed' ? v : undefined;
        },
        90_000,
        200,
      );
      await run.stop();

      // 0 tasks lost: every task succeeded, with exactly one success report.
      const tasks = (await admin.deployments.listTasks(deploymentId, { limit: 100 })).items;
      expect(tasks).toHaveLength(CLIENTS);
      expect(tasks.filter((t) => t.status !== 'success')).toEqual([]);
      const successes = await db.query<{ task_id: string; n: number }>(
        `SELECT task_id, count(*)::int AS n FROM task_reports WHERE status = 'success' AND task_id = ANY($1::text[])
         GROUP BY task_id`,
        [tasks.map((t) => t.id)],
      );
      expect(successes.rows).toHaveLength(CLIENTS);
      expect(successes.rows.filter((r) => r.n !== 1)).toEqual([]);
      // 0 applied twice: each (task, attempt) applied once by its own client, one dispatch per attempt.
      expect(run.refused).toEqual([]);
      const byKey = new Map<string, Applied[]>();
      for (const a of run.applied)
        byKey.set(`${a.taskId}#${a.attempt}`, [...(byKey.get(`${a.taskId}#${a.attempt}`) ?? []), a]);
      expect([...byKey.values()].filter((l) => l.length > 1)).toEqual([]);
      expect(new Set(run.applied.map((a) => a.taskId)).size).toBe(CLIENTS);
      const dispatches = await db.query<{ task_id: string; n: number }>(
        'SELECT task_id, count(*)::int AS n FROM task_dispatches WHERE deployment_id = $1 GROUP BY task_id',
        [deploymentId],
      );
      const attemptOf = new Map(tasks.map((t) => [t.id, t.attempt]));
      expect(dispatches.rows).toHaveLength(CLIENTS);
      for (const r of dispatches.rows)
        expect(r.n, `dispatches of ${r.task_id}`).toBe(attemptOf.get(r.task_id));
      expect(done.stages.map((s) => [s.index, s.status])).toEqual([
        [0, 'succeeded'],
        [1, 'succeeded'],
        [2, 'succeeded'],
        [3, 'succeeded'],
      ]);
    } finally {
      await run.stop();
    }
  }, 240_000);
});
