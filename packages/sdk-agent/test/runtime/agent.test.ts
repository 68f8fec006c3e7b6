import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { createFakeExecutor } from '@wrktalk/sdk-agent';
import { createGccClient, type GccClient } from '@wrktalk/sdk-gcc';
import { describe, expect, it } from 'vitest';
import { type AgentOptions, createAgent } from '../../src/runtime';
import {
  agentFixtures,
  agentOptions,
  CLIENT,
  type GccFixture,
  killedMidApply,
  memoryLogger,
  record,
  recordingSleep,
  scriptedExecutor,
  startProxy,
  type TempDir,
  until,
} from './helpers';

let gcc: GccFixture;
let tmp: TempDir;
agentFixtures((g, t) => {
  gcc = g;
  tmp = t;
});

const options = (over: Partial<AgentOptions> = {}): AgentOptions =>
  agentOptions(gcc, tmp, createFakeExecutor({ initial: { backend: 'v1' } }), over);

// Each test talks to a fake GCC on a real port: generous timeouts for a busy machine.
describe('createAgent against the fake GCC on a real port', { timeout: 60_000 }, () => {
  it('applies an update end to end: in_progress, apply, verify, success; the client now runs the version', async () => {
    const executor = createFakeExecutor({ initial: { backend: 'v1' } });
    const agent = createAgent(options({ executor, pollWaitSeconds: 30 }));
    const states = record(agent, 'state');
    const reports = record(agent, 'report');
    const running = agent.start();
    await until(() => agent.state === 'polling', 30_000, 'polling');
    // The agent is parked in a 30 s long-poll: the GCC wakes it as soon as the task is queued (well before 30 s,
    // with room for a busy machine).
    const started = Date.now();
    const taskId = await gcc.queueUpdate('backend', 'v2');
    await until(async () => (await gcc.task(taskId)).status === 'success', 30_000, 'task success');
    expect(Date.now() - started).toBeLessThan(20_000);
    await until(() => agent.state === 'polling', 30_000, 'back to polling');
    await agent.stop();
    await running;

    expect(executor.running.get('backend')).toBe('v2');
    expect(executor.callsOf('apply')).toHaveLength(1);
    expect(executor.callsOf('apply')[0]!.instruction).toMatchObject({
      taskId,
      component: 'backend',
      version: 'v2',
      imageUrl: 'registry.wrktalk.com/backend:v2',
      previousVersion: null,
      helmParameter: 'backend.image.tag',
    });
    expect(reports.map((r) => r.status)).toEqual(['in_progress', 'success']);
    const task = await gcc.task(taskId);
    expect(task.last_message).toBe('Healthy');
    expect(task.logs.join('\n')).toContain('set backend=v2');
    expect((await gcc.admin.clients.get(CLIENT)).current_versions).toEqual({ backend: 'v2' });
    expect(states.map((s) => s.to)).toEqual([
      'polling',
      'applying',
      'verifying',
      'reporting',
      'polling',
      'stopping',
      'stopped',
    ]);
    const file = JSON.parse(await readFile(tmp.file, 'utf8'));
    expect(file).toMatchObject({ task: { taskId, step: 'done' }, completed: [`${taskId}:1`] });
  });

  it('stops promptly while parked in a long-poll', async () => {
    // The long poll has reached the fake GCC (its `request` event) before the agent is stopped.
    const arrived = once(gcc.server.server, 'request');
    const agent = createAgent(options({ pollWaitSeconds: 30 }));
    const running = agent.start();
    await until(() => agent.state === 'polling');
    await arrived;
    const t0 = Date.now();
    await agent.stop();
    await running;
    // "Promptly" against a 30 s long poll; generous so a busy machine does not fail it.
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(agent.state).toBe('stopped');
  });

  it('backs off with growing, capped delays while the GCC is down, and recovers when it is back', async () => {
    const { delays, sleep } = recordingSleep(5);
    const executor = createFakeExecutor();
    const agent = createAgent(
      options({
        executor,
        sleep,
        random: () => 0.999,
        backoff: { initialMs: 1000, maxMs: 8000, multiplier: 2, jitter: 'full' },
      }),
    );
    const errors = record(agent, 'error');
    await gcc.down();
    const running = agent.start();
    await until(() => errors.length >= 7, 30_000, 'seven failed polls');
    const taskId = await (async () => {
      await gcc.up();
      return gcc.queueUpdate('backend', 'v2');
    })();
    await until(async () => (await gcc.task(taskId)).status === 'success', 30_000, 'task success');
    await agent.stop();
    await running;

    const backoffs = errors.slice(0, 6).map((e) => e.retryInMs);
    expect(errors.every((e) => e.phase === 'poll')).toBe(true);
    // Full jitter draws in [floor, cap]: the first cap is the 1000 ms floor (minPollIntervalMs), so no tight loop;
    // no spread here (pollWaitSeconds 0 and no poll_after_seconds heard yet).
    expect(backoffs).toEqual([1000, 1999, 3997, 7993, 7993, 7993]);
    // Every one of those delays was really slept through the injected sleep: no tight loop.
    expect(delays.slice(0, 6)).toEqual(backoffs);
    expect(executor.callsOf('apply')).toHaveLength(1);
  });

  it('retries 500s with backoff, honours 429 Retry-After, and retries a failed report', async () => {
    let updates = 0;
    let statuses = 0;
    const proxy = await startProxy(gcc.server.url, {
      fault: ({ method, path }) => {
        if (method === 'GET' && path.includes('/updates')) {
          updates++;
          if (updates <= 2) return { status: 500 };
          if (updates === 3) return { status: 429, headers: { 'retry-after': '7' } };
        }
        if (method === 'POST' && path.includes('/status') && ++statuses === 1) {
          return { status: 503, headers: { 'retry-after': '3' } };
        }
        return undefined;
      },
    });
    try {
      const { delays, sleep } = recordingSleep();
      const agent = createAgent(
        options({
          gcc: { baseUrl: proxy.url, token: gcc.agentToken },
          sleep,
          backoff: { jitter: 'none', initialMs: 1000 },
        }),
      );
      const taskId = await gcc.queueUpdate('backend', 'v2');
      expect(await agent.runOnce()).toMatchObject({ outcome: 'error', delayMs: 1000 });
      expect(await agent.runOnce()).toMatchObject({ outcome: 'error', delayMs: 2000 });
      expect(await agent.runOnce()).toMatchObject({ outcome: 'error', delayMs: 7000 });
      expect(await agent.runOnce()).toMatchObject({ outcome: 'succeeded', taskId });
      // The in_progress report got a 503 with Retry-After: 3 s; failures were reset by the successful poll.
      expect(delays).toEqual([3000]);
      expect((await gcc.task(taskId)).status).toBe('success');
      expect(proxy.requests.filter((r) => r.status >= 500).length).toBe(3);
    } finally {
      await proxy.close();
    }
  });

  it.each([
    [
      'a registry that is not allowed',
      { image_url: 'evil.example.com/backend:v2' },
      'is not in the allowed registries (registry.wrktalk.com/)',
    ],
    [
      'a tag with a shell substitution',
      { version: '$(reboot)', image_url: 'registry.wrktalk.com/backend:$(reboot)' },
      'version: must be an image tag or a sha256: digest',
    ],
    ['an unknown component', { component: 'kernel' }, 'unknown component "kernel"'],
    [
      'an image that is not the version',
      { image_url: 'registry.wrktalk.com/backend:v1' },
      'does not reference version "v2"',
    ],
  ])('rejects %s: never applied, reported failed with a clear message', async (_name, patch, expected) => {
    const proxy = await startProxy(gcc.server.url, {
      rewrite: ({ path }, body) => {
        const b = body as { update?: Record<string, unknown> };
        if (path.includes('/updates') && b.update) b.update = { ...b.update, ...patch };
        return b;
      },
    });
    try {
      const { executor, calls } = scriptedExecutor();
      const agent = createAgent(options({ gcc: { baseUrl: proxy.url, token: gcc.agentToken }, executor }));
      const errors = record(agent, 'error');
      const taskId = await gcc.queueUpdate('backend', 'v2');
      expect(await agent.runOnce()).toMatchObject({ outcome: 'rejected', taskId });
      expect(calls).toEqual([]);
      const task = await gcc.task(taskId);
      expect(task.status).toBe('failed');
      expect(task.last_message).toContain('Rejected invalid instruction, nothing was applied');
      expect(task.last_message).toContain(expected);
      expect(errors[0]).toMatchObject({ phase: 'instruction', taskId });
      // Offered again (the GCC retries or a proxy replays): still not applied, not reported twice.
      expect(await agent.runOnce()).toMatchObject({ outcome: 'idle' });
      expect(calls).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('does not apply twice after being killed mid-apply: the restarted agent sees the version and verifies', async () => {
    const running = new Map([['backend', 'v1']]);
    // First process: apply changes the target, then hangs (a slow rollout) until the process is stopped.
    const { taskId, checkpoint: cp, first } = await killedMidApply(gcc, tmp, running, createAgent);
    expect(cp.task).toMatchObject({ taskId, step: 'applying', version: 'v2' });
    expect((await gcc.task(taskId)).status).toBe('in_progress');

    const second = scriptedExecutor({ running });
    const agent2 = createAgent(options({ executor: second.executor }));
    const applies = record(agent2, 'apply:done');
    expect(await agent2.runOnce()).toMatchObject({ outcome: 'succeeded', taskId });
    expect(second.calls).toEqual(['current', 'verify']);
    expect(applies[0]).toMatchObject({ skipped: true, ok: true });
    // The GCC offers the task again until it hears the outcome; once reported it is never applied again.
    expect(await agent2.runOnce()).toMatchObject({ outcome: 'idle' });
    expect(first.count('apply') + second.count('apply')).toBe(1);
    expect((await gcc.task(taskId)).status).toBe('success');
    expect(gcc.auditCount(taskId, 'task.report_success')).toBe(1);
    expect(gcc.auditCount(taskId, 'task.report_in_progress')).toBe(1);
  });

  it('applies again after a crash when the target does NOT run the version yet', async () => {
    const taskId = await gcc.queueUpdate('backend', 'v2');
    const offer = await createGccClient({ baseUrl: gcc.server.url, token: gcc.agentToken }).agent.getUpdates(
      CLIENT,
    );
    if (offer.notModified || !offer.body.update) throw new Error('expected an offer');
    const u = offer.body.update;
    await writeFile(
      tmp.file,
      JSON.stringify({
        v: 1,
        task: {
          taskId,
          attempt: 1,
          step: 'applying',
          version: 'v2',
          previousVersion: null,
          instruction: {
            taskId,
            deploymentId: u.deployment_id,
            type: 'update',
            component: 'backend',
            version: 'v2',
            imageUrl: u.image_url,
            previousVersion: null,
            attempt: 1,
            helmParameter: 'backend.image.tag',
            verifyTimeoutSeconds: 600,
          },
          updatedAt: new Date().toISOString(),
        },
        completed: [],
      }),
    );
    const { executor, calls, running } = scriptedExecutor({ running: new Map([['backend', 'v1']]) });
    const agent = createAgent(options({ executor }));
    expect(await agent.runOnce()).toMatchObject({ outcome: 'succeeded', taskId });
    expect(calls).toEqual(['current', 'apply', 'verify']);
    expect(running.get('backend')).toBe('v2');
  });

  it('ignores duplicate deliveries of a task it already reported, in the same process and after a restart', async () => {
    const real = createGccClient({
      baseUrl: gcc.server.url,
      token: gcc.agentToken,
      retry: false,
      validateResponses: false,
    });
    let last: Awaited<ReturnType<GccClient['agent']['getUpdates']>> | undefined;
    // A GCC (or a cache in between) that keeps delivering the last offer it made.
    const replaying: GccClient = {
      ...real,
      agent: {
        reportStatus: (...a) => real.agent.reportStatus(...a),
        getUpdates: async (id, o) => {
          const r = await real.agent.getUpdates(id, { ...o, etag: undefined });
          if (!r.notModified && r.body.available) last = r;
          return last ?? r;
        },
      },
    };
    const executor = createFakeExecutor({ initial: { backend: 'v1' } });
    const agent = createAgent(options({ gcc: replaying, executor }));
    const updates = record(agent, 'update');
    const reports = record(agent, 'report');
    const taskId = await gcc.queueUpdate('backend', 'v2');
    expect(await agent.runOnce()).toMatchObject({ outcome: 'succeeded', taskId });
    expect(await agent.runOnce()).toMatchObject({ outcome: 'duplicate', taskId });
    expect(await agent.runOnce()).toMatchObject({ outcome: 'duplicate', taskId });
    const restarted = createAgent(options({ gcc: replaying, executor }));
    expect(await restarted.runOnce()).toMatchObject({ outcome: 'duplicate', taskId });

    expect(executor.callsOf('apply')).toHaveLength(1);
    expect(updates.map((u) => u.duplicate)).toEqual([false, true, true]);
    // The stored outcome was re-sent; the GCC answered duplicate and recorded one success.
    expect(reports.map((r) => [r.status, r.duplicate])).toEqual([
      ['in_progress', false],
      ['success', false],
      ['success', true],
      ['success', true],
    ]);
    expect(gcc.auditCount(taskId, 'task.report_success')).toBe(1);
  });

  it('reverts after a failed verification and says so in the report', async () => {
    const executor = createFakeExecutor({ initial: { backend: 'v1' }, unhealthyVersions: ['v2'] });
    const agent = createAgent(options({ executor }));
    const applies = record(agent, 'apply:start');
    const taskId = await gcc.queueUpdate('backend', 'v2');
    expect(await agent.runOnce()).toMatchObject({ outcome: 'failed', taskId });
    expect(applies.map((a) => a.kind)).toEqual(['apply', 'revert']);
    expect(executor.running.get('backend')).toBe('v1');
    const task = await gcc.task(taskId);
    expect(task.status).toBe('failed');
    expect(task.last_message).toBe(
      'Verification failed: Degraded: v2 configured unhealthy; reverted to the previous version',
    );
    expect(task.logs.some((l) => l.startsWith('verify: NOT healthy'))).toBe(true);
  });

  it('does not revert when revertOnFailedVerify is off', async () => {
    const executor = createFakeExecutor({ initial: { backend: 'v1' }, unhealthyVersions: ['v2'] });
    const agent = createAgent(options({ executor, revertOnFailedVerify: false }));
    const taskId = await gcc.queueUpdate('backend', 'v2');
    expect(await agent.runOnce()).toMatchObject({ outcome: 'failed' });
    expect(executor.callsOf('revert')).toHaveLength(0);
    expect((await gcc.task(taskId)).last_message).toContain('not reverted (revertOnFailedVerify is off)');
  });

  it('times out an apply that never returns (even one ignoring its signal) and reports failed', async () => {
    const { executor } = scriptedExecutor({ afterSet: () => new Promise(() => {}) });
    const agent = createAgent(options({ executor, timeouts: { applyMs: 50 } }));
    const taskId = await gcc.queueUpdate('backend', 'v2');
    expect(await agent.runOnce()).toMatchObject({ outcome: 'failed', taskId });
    expect((await gcc.task(taskId)).last_message).toBe('Apply failed: apply timed out after 50 ms');
  });

  it('bounds the logs it sends to 200 lines of 2000 characters', async () => {
    const { executor } = scriptedExecutor({
      afterSet: async (_i, ctx) => {
        for (let i = 0; i < 500; i++) ctx.log(`line ${i} ${'x'.repeat(3000)}`);
      },
    });
    const agent = createAgent(options({ executor }));
    const taskId = await gcc.queueUpdate('backend', 'v2');
    expect(await agent.runOnce()).toMatchObject({ outcome: 'succeeded' });
    const logs = (await gcc.task(taskId)).logs;
    expect(logs.length).toBeLessThanOrEqual(200);
    expect(Math.max(...logs.map((l) => l.length))).toBeLessThanOrEqual(2000);
    expect(logs.at(-1)).toMatch(/^verify: healthy/);
  });

  it('survives a truncated or garbage state file with a clear log, and keeps it aside', async () => {
    await writeFile(tmp.file, '{"v":1,"task":{"taskId":"tsk-1","att');
    const { logger, lines } = memoryLogger();
    const agent = createAgent(options({ logger }));
    const errors = record(agent, 'error');
    expect(await agent.runOnce()).toMatchObject({ outcome: 'idle' });
    const line = lines.find((l) => l.level === 'error');
    expect(line?.msg).toMatch(/State file .*state\.json is unreadable \(not valid JSON/);
    expect(line?.msg).toContain('starting with an empty state');
    expect(errors[0]).toMatchObject({ phase: 'state-file' });
    const movedTo = String(line?.obj.movedTo);
    expect(await readFile(movedTo, 'utf8')).toBe('{"v":1,"task":{"taskId":"tsk-1","att');
  });

  it('refuses start() twice and runOnce() while running (IllegalStateError)', async () => {
    const agent = createAgent(options({ pollWaitSeconds: 5 }));
    const loop = agent.start();
    await expect(agent.start()).rejects.toMatchObject({ name: 'IllegalStateError' });
    await expect(agent.runOnce()).rejects.toMatchObject({ name: 'IllegalStateError' });
    await agent.stop();
    await loop;
    await expect(agent.start()).rejects.toMatchObject({ name: 'IllegalStateError' });
  });
});
