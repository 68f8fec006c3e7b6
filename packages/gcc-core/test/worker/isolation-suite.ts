import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGccOptionsError } from '../../src/errors/options-error';
import { createWorker } from '../../src/worker';
import type { DatabaseFactory, TestDatabase } from '../helpers/databases';
import { createHarness, type Harness } from './harness';

const STRATEGY = {
  stages: [
    { kind: 'canary' as const, count: 1, wait_seconds: 0 },
    { kind: 'batch' as const, wait_seconds: 0 },
  ],
  stage_fill_seconds: 0,
};

/** Polls `check` until it returns a value (not undefined), or fails after `ms`. */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Issue 11, defect 5: one deployment whose ticks throw never disturbs the worker for the others, and after
 * `maxTickErrors` consecutive errors it is marked failed with the reason. Written once, run on each database kind.
 */
export function defineIsolationSuite(name: string, factory: DatabaseFactory): void {
  describe(`rollout worker isolation on ${name}`, { timeout: 60_000 }, () => {
    let tdb: TestDatabase;
    let h: Harness;

    beforeAll(async () => {
      tdb = await factory();
      h = createHarness(tdb.db);
    });
    afterAll(async () => {
      await tdb?.dispose();
    });

    const row = async (id: string) =>
      (
        await tdb.db.query<{ status: string; status_reason: string | null; tick_errors: number }>(
          'SELECT status, status_reason, tick_errors FROM deployments WHERE id = $1',
          [id],
        )
      ).rows[0]!;
    /** Stores a strategy no tick can read, as a bad write or a hand edit in SQL would. */
    const corrupt = (id: string) =>
      tdb.db.query(
        `UPDATE deployments SET strategy = jsonb_set(strategy, '{stages}', '"corrupted"') WHERE id = $1`,
        [id],
      );

    it('a deployment whose ticks throw next to a healthy one: the healthy one completes, the bad one ends failed with the reason after 5 ticks', async () => {
      await h.clients('iso', 4);
      await h.clients('bad', 2);
      const healthy = await h.deploy('2.0.0', 'suite=iso', {
        approval: { required: false },
        strategy: STRATEGY,
      });
      const bad = await h.deploy('2.0.0', 'suite=bad', { approval: { required: false }, strategy: STRATEGY });
      await corrupt(bad);

      const errors: unknown[] = [];
      for (let round = 1; round <= 5; round++) {
        // Every deployment is ticked; the bad one's error is counted and thrown at the end, after the others.
        await h.worker.tick().catch((e: unknown) => errors.push(e));
        await h.runAgents(healthy);
        expect(await row(bad)).toMatchObject({ tick_errors: Math.min(round, 5) });
        expect((await row(bad)).status).toBe(round < 5 ? 'running' : 'failed');
      }
      expect(errors).toHaveLength(5);
      await h.worker.tick();
      await h.runAgents(healthy);
      await h.worker.tick();

      const good = await h.services.deployments.get(healthy);
      expect(good.status).toBe('completed');
      expect(good.task_counts.success).toBe(4);
      expect(good.stages.map((s) => s.status)).toEqual(['succeeded', 'succeeded']);

      const failed = await row(bad);
      expect(failed.status).toBe('failed');
      expect(failed.status_reason).toMatch(/^The rollout worker could not advance this deployment: .+/);
      // Nothing more of it is released: its unstarted tasks are cancelled.
      const tasks = await tdb.db.query<{ status: string }>(
        'SELECT DISTINCT status FROM deployment_tasks WHERE deployment_id = $1',
        [bad],
      );
      expect(tasks.rows.map((r) => r.status)).toEqual(['cancelled']);
      // Audited and announced like every other failure.
      const audit = await tdb.db.query<{ after: { status: string; reason: string; tick_errors: number } }>(
        `SELECT after FROM audit_log WHERE deployment_id = $1 AND action = 'deployment.fail'`,
        [bad],
      );
      expect(audit.rows).toHaveLength(1);
      expect(audit.rows[0]!.after).toMatchObject({
        status: 'failed',
        tick_errors: 5,
        reason: failed.status_reason,
      });
      const announced = await tdb.db.query<{ payload: { status: string } }>(
        `SELECT payload FROM notification_outbox WHERE channel = 'fanout' AND event = 'deployment_completed'
           AND payload ->> 'deploymentId' = $1`,
        [bad],
      );
      expect(announced.rows.map((r) => r.payload.status)).toEqual(['failed']);
      // A failed deployment is no longer ticked: the worker runs clean again.
      await expect(h.worker.tick()).resolves.toBeDefined();
    });

    it('a tick that succeeds resets the count: only consecutive errors fail a deployment', async () => {
      await h.clients('flaky', 2);
      const d = await h.deploy('2.0.1', 'suite=flaky', { approval: { required: false }, strategy: STRATEGY });
      const kept = await tdb.db.query<{ strategy: unknown }>(
        'SELECT strategy FROM deployments WHERE id = $1',
        [d],
      );
      await corrupt(d);
      for (let i = 0; i < 4; i++) await h.worker.tick(d).catch(() => {});
      expect(await row(d)).toMatchObject({ status: 'running', tick_errors: 4 });
      await tdb.db.query('UPDATE deployments SET strategy = $2::jsonb WHERE id = $1', [
        d,
        JSON.stringify(kept.rows[0]!.strategy),
      ]);
      await h.worker.tick(d);
      expect(await row(d)).toMatchObject({ status: 'running', tick_errors: 0 });
    });

    it('the background sweep isolates and fails the same way, with a paused deployment taken to failed through resume', async () => {
      await h.clients('bg', 2);
      const d = await h.deploy('2.0.2', 'suite=bg', { approval: { required: false }, strategy: STRATEGY });
      await h.services.deployments.control({ role: 'admin', name: 'admin' }, d, 'pause');
      await corrupt(d);
      const w = h.anotherWorker(tdb.db, { pollIntervalMs: 20, maxTickErrors: 3 });
      await w.start();
      try {
        const failed = await until('the deployment to fail', async () => {
          const r = await row(d);
          return r.status === 'failed' ? r : undefined;
        });
        expect(failed.tick_errors).toBe(3);
      } finally {
        await w.stop();
      }
      const audit = await tdb.db.query<{ before: { status: string }; after: { transitions: string[] } }>(
        `SELECT before, after FROM audit_log WHERE deployment_id = $1 AND action = 'deployment.fail'`,
        [d],
      );
      expect(audit.rows[0]).toMatchObject({
        before: { status: 'paused' },
        after: { transitions: ['resume', 'fail'] },
      });
    });

    it('a rollback of a deployment stored with a strategy no tick can plan is refused, not created', async () => {
      const [c] = await h.clients('rbv', 1);
      await h.seedHistory({ [c!]: '0.9.0' });
      const d = await h.deploy('3.0.0', 'suite=rbv', { approval: { required: false }, strategy: STRATEGY });
      for (let i = 0; i < 4; i++) {
        await h.worker.tick(d);
        await h.runAgents(d);
      }
      expect((await row(d)).status).toBe('completed');
      // As a deployment stored before strategies were validated could hold.
      await tdb.db.query(
        `UPDATE deployments SET strategy = jsonb_set(strategy, '{lease_seconds}', '2147483648') WHERE id = $1`,
        [d],
      );
      const error = await h.services.deployments
        .rollback({ role: 'admin', name: 'admin' }, d, { scope: 'deployment' })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toMatchObject({
        code: 'validation_failed',
        errors: [{ path: '/strategy/lease_seconds', message: 'must be at most 86400, got 2147483648' }],
      });
      const created = await tdb.db.query('SELECT id FROM deployments WHERE rollback_of = $1', [d]);
      expect(created.rows).toHaveLength(0);
      expect((await row(d)).status).toBe('completed');
    });

    it('worker options list every problem at once', () => {
      let error: unknown;
      try {
        createWorker({ database: tdb.db, pollIntervalMs: 1, leaseSeconds: 2 ** 31, maxTickErrors: 0 });
      } catch (e) {
        error = e;
      }
      expect(isGccOptionsError(error)).toBe(true);
      expect(error).toBeInstanceOf(RangeError);
      expect((error as { problems: string[] }).problems).toEqual([
        'pollIntervalMs: must be an integer >= 10, got 1',
        'leaseSeconds: must be an integer from 1 to 86400, got 2147483648',
        'maxTickErrors: must be an integer from 1 to 1000, got 0',
      ]);
    });
  });
}
