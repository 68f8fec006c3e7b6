import { type Database, openDatabase } from '@wrktalk/gcc-core';
import { createGccClient } from '@wrktalk/sdk-gcc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './helpers/core-target';
import { freePort, type GccProcess, startGccProcess, stopGccProcess } from './helpers/gcc-process';
import { type Applied, approvedRollout, runAgents, sleep, until } from './helpers/scripted-agents';

/**
 * The fault test of issue 5: the real `wrktalk-gcc serve` (built, as a child process, on PostgreSQL) is killed with
 * SIGKILL in the middle of stage 2 and started again on the same database; the rollout must continue to `completed`
 * with no task lost and none executed twice.
 *
 * "Stage 2" is the stage at index 1: the first batch after the canary (stage 1, index 0), counting stages from 1 as
 * the example does (stages of 2/5/10/15/18). It is the first stage the worker opens on its own after a wait,
 * and two stages come after it, so the restarted process has to finish a stage it did not start, honour its wait
 * and open the remaining stages itself.
 */

const ADMIN = `fault-admin-${'a'.repeat(24)}`;
const CI = `fault-ci-${'c'.repeat(24)}`;
const CLIENTS = 20;
/** Stage sizes the strategy asks for: canary 2, then 6, 6 and the rest (6). */
const STAGES = [
  { kind: 'canary' as const, count: 2, wait_seconds: 1 },
  { kind: 'batch' as const, count: 6, wait_seconds: 1 },
  { kind: 'batch' as const, count: 6, wait_seconds: 1 },
  { kind: 'batch' as const, wait_seconds: 0 },
];
/**
 * Lease of a task in progress. Far longer than the outage (a restart takes 1–3 s), so a task in flight at the kill
 * keeps its lease and its agent's late report is accepted: no retry, one dispatch per task. (With a lease shorter
 * than the outage, the restarted worker would mark such a task `timed_out` and retry it as attempt 2: a second
 * dispatch, legitimately, with a new attempt number; the assertions below allow exactly that and no more.)
 */
const LEASE_SECONDS = 60;

describe('fault: the GCC is killed (SIGKILL) in the middle of stage 2 and restarted', () => {
  let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;
  let port: number;
  let env: Record<string, string>;
  const processes: GccProcess[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase('fault');
    port = await freePort();
    env = { DATABASE_URL: testDb.url, PORT: String(port), GCC_ADMIN_TOKEN: ADMIN, GCC_CI_TOKEN: CI };
    processes.push(await startGccProcess(env));
    db = await openDatabase({ url: testDb.url, poolSize: 2 });
  });
  afterAll(async () => {
    for (const p of processes) await stopGccProcess(p);
    await db?.close();
    await testDb?.drop();
  });

  it('continues to completed; every task is dispatched and applied once', async () => {
    const url = processes[0]!.url;
    const client = (token: string) => createGccClient({ baseUrl: url, token, retry: false, timeoutMs: 5000 });
    const admin = client(ADMIN);
    const ci = client(CI);

    const { deploymentId, agents } = await approvedRollout(admin, ci, client, {
      prefix: 'fault',
      clients: CLIENTS,
      stages: STAGES,
      leaseSeconds: LEASE_SECONDS,
    });
    const d = { id: deploymentId };
    const run = runAgents(agents);
    try {
      await admin.deployments.resume(d.id);

      // Stage 2 (index 1) is running with tasks in flight: kill the GCC.
      const atKill = await until(
        'stage 2 with tasks in progress',
        async () => {
          const r = await db.query<{ stages: number; in_progress: number; success: number }>(
            `SELECT (SELECT count(*)::int FROM deployment_stages WHERE deployment_id = $1) AS stages,
                    count(*) FILTER (WHERE status = 'in_progress')::int AS in_progress,
                    count(*) FILTER (WHERE status = 'success')::int AS success
             FROM deployment_tasks WHERE deployment_id = $1 AND stage = 1`,
            [d.id],
          );
          const x = r.rows[0]!;
          return x.stages === 2 && x.in_progress >= 2 ? x : undefined;
        },
        30_000,
        10,
      );
      const first = processes[0]!;
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      const killedAt = Date.now();
      const inFlight = await db.query<{ id: string }>(
        `SELECT id FROM deployment_tasks WHERE deployment_id = $1 AND status = 'in_progress'`,
        [d.id],
      );
      // The agents keep applying (and retrying their reports) while nothing listens on the port.
      await sleep(500);
      processes.push(await startGccProcess(env));
      expect(processes[1]!.pid).not.toBe(first.pid);

      const done = await until(
        'the deployment to complete after the restart',
        async () => {
          const v = await admin.deployments.get(d.id);
          return v.status === 'completed' ? v : undefined;
        },
        40_000,
        100,
      );
      await run.stop();

      // The kill really hit stage 2 with work in flight, before stages 3 and 4 existed.
      expect(atKill.stages).toBe(2);
      expect(atKill.in_progress).toBeGreaterThanOrEqual(2);
      expect(atKill.success).toBeLessThan(6);
      expect(inFlight.rows.length).toBeGreaterThanOrEqual(1);

      // Every task ended success exactly once (task_reports has one row per (task, attempt, status)).
      const tasks = (await admin.deployments.listTasks(d.id, { limit: 100 })).items;
      expect(tasks).toHaveLength(CLIENTS);
      expect(tasks.every((t) => t.status === 'success')).toBe(true);
      const successes = await db.query<{ task_id: string; n: number; last: Date }>(
        `SELECT task_id, count(*)::int AS n, max(received_at) AS last FROM task_reports
         WHERE status = 'success' AND task_id = ANY($1::text[]) GROUP BY task_id`,
        [tasks.map((t) => t.id)],
      );
      expect(successes.rows).toHaveLength(CLIENTS);
      expect(successes.rows.every((r) => r.n === 1)).toBe(true);
      // The tasks in flight at the kill were finished after the restart by their agents' retried reports.
      const late = successes.rows.filter((r) => new Date(r.last).getTime() >= killedAt).map((r) => r.task_id);
      expect(late).toEqual(expect.arrayContaining(inFlight.rows.map((r) => r.id)));

      // Each agent applied each (task, attempt) once, and no task was applied twice with the same attempt.
      expect(run.refused).toEqual([]);
      const byKey = new Map<string, Applied[]>();
      for (const a of run.applied) {
        const k = `${a.taskId}#${a.attempt}`;
        byKey.set(k, [...(byKey.get(k) ?? []), a]);
      }
      expect([...byKey.values()].filter((list) => list.length > 1)).toEqual([]);
      const ownerOf = new Map(tasks.map((t) => [t.id, t.client_id]));
      for (const a of run.applied) expect(a.clientId).toBe(ownerOf.get(a.taskId));
      expect(new Set(run.applied.map((a) => a.taskId)).size).toBe(CLIENTS);

      // Dispatches: one row per (task, attempt); per task as many as its attempts, and one attempt each here
      // (the lease outlived the outage, so nothing was retried).
      const dispatches = await db.query<{ task_id: string; n: number; attempts: number[]; stage: number }>(
        `SELECT x.task_id, count(*)::int AS n, array_agg(x.attempt ORDER BY x.attempt) AS attempts,
                min(x.stage) AS stage
         FROM task_dispatches x WHERE x.deployment_id = $1 GROUP BY x.task_id`,
        [d.id],
      );
      expect(dispatches.rows).toHaveLength(CLIENTS);
      const attemptOf = new Map(tasks.map((t) => [t.id, t.attempt]));
      for (const r of dispatches.rows) {
        expect(r.n, `dispatches of ${r.task_id}`).toBe(attemptOf.get(r.task_id));
        expect(r.attempts).toEqual(Array.from({ length: r.n }, (_, i) => i + 1));
        expect(r.n, `dispatches of ${r.task_id}`).toBe(1);
      }
      expect(run.applied).toHaveLength(CLIENTS);

      // Stage sizes as planned, every stage succeeded.
      expect(done.stages.map((s) => [s.index, s.status, s.task_counts.success])).toEqual([
        [0, 'succeeded', 2],
        [1, 'succeeded', 6],
        [2, 'succeeded', 6],
        [3, 'succeeded', 6],
      ]);
      const placed = await db.query<{ placed: number }>(
        'SELECT placed FROM deployment_stages WHERE deployment_id = $1 ORDER BY stage_index',
        [d.id],
      );
      expect(placed.rows.map((r) => r.placed)).toEqual([2, 6, 6, 6]);
      const perStage = new Map<number, number>();
      for (const r of dispatches.rows) perStage.set(r.stage, (perStage.get(r.stage) ?? 0) + 1);
      expect([...perStage.entries()].sort((a, b) => a[0] - b[0])).toEqual([
        [0, 2],
        [1, 6],
        [2, 6],
        [3, 6],
      ]);
    } finally {
      await run.stop();
    }
  }, 60_000);
});
