import { resolveStrategy, stageSizes } from '@wrktalk/rollout-planner';
import { strategyFromWire } from '@wrktalk/sdk-gcc';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli';
import { type RunningDemo, runDemo } from '../src/run-demo';
import { SCENARIOS } from '../src/scenarios';

/**
 * The demo in its short mode (12 clients, port 0), in-process: the real GCC on PGlite over HTTP and the real agents.
 * Each run waits on the rollout's own end (the demo watches the GCC), bounded by an explicit timeout: generous for a
 * busy 2-core machine.
 */
const SHORT = { clients: 12, port: 0, latencyMs: 100, timeoutMs: 150_000 } as const;
const TIMEOUT = 180_000;

let demo: RunningDemo | undefined;
afterEach(async () => {
  await demo?.stop();
  demo = undefined;
});

describe('npm start (the demo)', () => {
  it('rolls out in stages sized by the strategy over the approved clients; rejected, silent and offline clients are never updated', {
    timeout: TIMEOUT,
  }, async () => {
    demo = await runDemo({ ...SHORT, scenario: 'rollout', failureRate: 0 });
    const r = demo.result;
    const by = (b: string) => r.clients.filter((c) => c.behaviour === b);

    // Stage sizes follow the strategy over the clients that approved (rejected and expired tasks are dropped).
    const approved = r.clients.filter((c) => c.behaviour === 'approve' || c.behaviour === 'offline');
    expect(r.approved).toBe(approved.length);
    const planned = stageSizes(approved.length, resolveStrategy(strategyFromWire(r.strategy)));
    expect(r.stages.map((s) => [s.kind, s.size])).toEqual(planned.map((s) => [s.kind, s.size]));
    expect(r.stages.map((s) => s.placed)).toEqual(planned.map((s) => s.size));
    expect(r.stages.every((s) => s.status === 'succeeded')).toBe(true);
    // The canary is the canary-labelled clients.
    expect(r.stages[0]!.clients).toEqual(
      r.clients.filter((c) => c.labels.canary === 'true').map((c) => c.id),
    );

    // Every approving client with an agent runs the release, and the GCC recorded it.
    for (const c of by('approve')) {
      expect(c, c.id).toMatchObject({
        task_status: 'success',
        running_version: '2.5.0',
        gcc_version: '2.5.0',
      });
    }
    // Rejected (with the reason), silent (expired) and offline (overdue) clients keep their own version.
    expect(by('reject').length).toBeGreaterThan(0);
    for (const c of by('reject')) {
      expect(c, c.id).toMatchObject({
        task_status: 'rejected',
        stage: null,
        running_version: c.previous_version,
      });
      expect(c.rejected_reason).toBeTruthy();
    }
    expect(by('silent').length).toBeGreaterThan(0);
    for (const c of by('silent')) {
      expect(c, c.id).toMatchObject({
        task_status: 'expired',
        stage: null,
        running_version: c.previous_version,
      });
    }
    expect(by('offline')).toHaveLength(1);
    expect(by('offline')[0]).toMatchObject({
      task_status: 'overdue',
      gcc_version: null,
      running_version: null,
    });
    expect(r.stages.reduce((n, s) => n + s.overdue, 0)).toBe(1);
    expect(r.rollback).toBeNull();
  });

  it('failing-canary: the canary fails and the automatic rollback returns exactly its clients to their own previous versions', {
    timeout: TIMEOUT,
  }, async () => {
    demo = await runDemo({ ...SHORT, scenario: 'failing-canary', failureRate: 0 });
    const r = demo.result;
    expect(r.deployment.status).toBe('rolled_back');
    expect(r.rollback?.status).toBe('completed');
    expect(r.stages[0]).toMatchObject({ kind: 'canary', status: 'failed' });
    // Nothing after the canary was released.
    expect(r.stages.slice(1).every((s) => s.placed === 0)).toBe(true);

    const canary = r.stages[0]!.clients;
    expect(canary.length).toBe(SCENARIOS['failing-canary'].strategy.stages?.[0]?.count);
    // Exactly the canary's clients were rolled back, each to its own previous version (two different ones here).
    expect(r.rollback_tasks.map((t) => t.client_id).sort()).toEqual(canary);
    for (const t of r.rollback_tasks) {
      const c = r.clients.find((x) => x.id === t.client_id)!;
      expect(t, t.client_id).toMatchObject({ version: c.previous_version, status: 'success' });
      expect(c, c.id).toMatchObject({ running_version: c.previous_version, gcc_version: c.previous_version });
    }
    expect(new Set(r.rollback_tasks.map((t) => t.version)).size).toBe(2);
    // No client runs the release in the end, and the others never left their own version.
    for (const c of r.clients) expect(c.running_version, c.id).toBe(c.previous_version);
  });

  it('--help lists the scenarios; a bad option is a usage error (exit 2), not a crash', async () => {
    const out: string[] = [];
    const io = {
      stdout: { write: (s: string) => out.push(s) > 0, isTTY: false } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => out.push(s) > 0 } as unknown as NodeJS.WritableStream,
      stopSignal: () => new Promise<void>(() => undefined),
    };
    expect(await runCli(['--help'], io)).toBe(0);
    expect(out.join('')).toMatch(/failing-canary\s+the new version is unhealthy/);
    out.length = 0;
    expect(await runCli(['--scenario', 'nope'], io)).toBe(2);
    expect(out.join('')).toMatch(/Allowed choices are rollout, failing-canary/);
    out.length = 0;
    expect(await runCli(['--clients', '3', '--exit'], io)).toBe(2);
    expect(out.join('')).toMatch(/--clients: must be an integer from 10/);
  });
});
