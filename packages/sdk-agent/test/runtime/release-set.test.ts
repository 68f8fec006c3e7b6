import { writeFile } from 'node:fs/promises';
import { createGccClient } from '@wrktalk/sdk-gcc';
import { describe, expect, it } from 'vitest';
import type { Executor, UpdateInstruction } from '../../src/executor';
import { createArgoCdApiExecutor, createFakeExecutor } from '../../src/executors';
import { type AgentOptions, createAgent } from '../../src/runtime';
import { argoApplication, startFakeArgoCd } from '../fakes/fake-argocd-server';
import {
  agentFixtures,
  agentOptions,
  CLIENT,
  type GccFixture,
  memoryLogger,
  record,
  startProxy,
  type TempDir,
} from './helpers';

let gcc: GccFixture;
let tmp: TempDir;
agentFixtures((g, t) => {
  gcc = g;
  tmp = t;
});

const SET = ['backend', 'media', 'ct'] as const;

interface Offered {
  component: string;
  version: string;
  image_url: string;
  previous_version: string | null;
  helm_parameter: string;
  components?: unknown[];
}

/**
 * A proxy that turns each offered update into the release set backend, media, ct from `previous` to its version
 * (or the version `versions` names for media and ct).
 */
function offeringSets(previous: string, versions: Record<string, string> = {}) {
  return startProxy(gcc.server.url, {
    rewrite: ({ path }, body) => {
      const b = body as { update?: Offered };
      if (!path.includes('/updates') || !b.update) return b;
      const u = b.update;
      const components = SET.map((component) => ({
        component,
        version: versions[component] ?? u.version,
        image_url: u.image_url.replace(
          `/${u.component}:${u.version}`,
          `/${component}:${versions[component] ?? u.version}`,
        ),
        image_digest: null,
        previous_version: previous,
        helm_parameter: `${component}.image.tag`,
      }));
      b.update = { ...u, previous_version: previous, components };
      return b;
    },
  });
}

/** The state file of an agent that crashed while applying `instruction` (step `applying`). */
async function crashedWhileApplying(taskId: string, version: string) {
  const offer = await createGccClient({ baseUrl: gcc.server.url, token: gcc.agentToken }).agent.getUpdates(
    CLIENT,
  );
  if (offer.notModified || !offer.body.update) throw new Error('expected an offer');
  const u = offer.body.update;
  const instruction: UpdateInstruction = {
    taskId,
    deploymentId: u.deployment_id,
    type: 'update',
    component: 'backend',
    version,
    imageUrl: u.image_url,
    previousVersion: '4.9.0',
    attempt: 1,
    helmParameter: 'backend.image.tag',
    verifyTimeoutSeconds: 600,
    components: SET.map((component) => ({
      component,
      version,
      imageUrl: u.image_url.replace('/backend:', `/${component}:`),
      previousVersion: '4.9.0',
      helmParameter: `${component}.image.tag`,
    })),
  };
  await writeFile(
    tmp.file,
    JSON.stringify({
      v: 1,
      task: {
        taskId,
        attempt: 1,
        step: 'applying',
        version,
        previousVersion: '4.9.0',
        instruction,
        updatedAt: new Date().toISOString(),
      },
      completed: [],
    }),
  );
}

const options = (executor: Executor, over: Partial<AgentOptions> = {}) =>
  agentOptions(gcc, tmp, executor, over);

describe('release sets in the agent runtime', { timeout: 60_000 }, () => {
  it('applies a set as one change, verifies it, and says so in the report and logs', async () => {
    const proxy = await offeringSets('4.9.0');
    try {
      const executor = createFakeExecutor({ initial: { backend: '4.9.0', media: '4.9.0', ct: '4.9.0' } });
      const { logger, lines } = memoryLogger();
      const agent = createAgent(
        options(executor, { gcc: { baseUrl: proxy.url, token: gcc.agentToken }, logger }),
      );
      const taskId = await gcc.queueUpdate('backend', '5.0.0');
      expect(await agent.runOnce()).toMatchObject({ outcome: 'succeeded', taskId });
      expect(executor.callsOf('apply')).toHaveLength(1);
      expect(Object.fromEntries(executor.running)).toEqual({ backend: '5.0.0', media: '5.0.0', ct: '5.0.0' });
      expect(lines.map((l) => l.msg)).toContain('update offered: backend 5.0.0, media 5.0.0, ct 5.0.0');
      const task = await gcc.task(taskId);
      expect(task.status).toBe('success');
      expect(task.logs).toContain('applying backend 5.0.0, media 5.0.0, ct 5.0.0 as one change with fake');
    } finally {
      await proxy.close();
    }
  });

  it('one component unhealthy: reverts the whole set in one revert and reports failed naming it', async () => {
    const proxy = await offeringSets('4.9.0');
    try {
      const executor = createFakeExecutor({
        initial: { backend: '4.9.0', media: '4.9.0', ct: '4.9.0' },
        unhealthyByComponent: { media: ['5.0.0'] },
      });
      const agent = createAgent(options(executor, { gcc: { baseUrl: proxy.url, token: gcc.agentToken } }));
      const applies = record(agent, 'apply:start');
      const taskId = await gcc.queueUpdate('backend', '5.0.0');
      expect(await agent.runOnce()).toMatchObject({ outcome: 'failed', taskId });
      expect(applies.map((a) => a.kind)).toEqual(['apply', 'revert']);
      expect(executor.callsOf('revert')).toHaveLength(1);
      expect(Object.fromEntries(executor.running)).toEqual({ backend: '4.9.0', media: '4.9.0', ct: '4.9.0' });
      const task = await gcc.task(taskId);
      expect(task.status).toBe('failed');
      expect(task.last_message).toBe(
        'Verification failed: media: Degraded: 5.0.0 configured unhealthy; reverted backend, media, ct to 4.9.0, 4.9.0, 4.9.0',
      );
    } finally {
      await proxy.close();
    }
  });

  it('a set half applied (media refused) is reverted whole and reported failed', async () => {
    const proxy = await offeringSets('4.9.0');
    try {
      const executor = createFakeExecutor({
        initial: { backend: '4.9.0', media: '4.9.0', ct: '4.9.0' },
        failComponents: ['media'],
      });
      const agent = createAgent(options(executor, { gcc: { baseUrl: proxy.url, token: gcc.agentToken } }));
      const taskId = await gcc.queueUpdate('backend', '5.0.0');
      expect(await agent.runOnce()).toMatchObject({ outcome: 'failed', taskId });
      expect(executor.callsOf('verify')).toHaveLength(0);
      expect(executor.callsOf('revert')).toHaveLength(1);
      expect(executor.running.get('backend')).toBe('4.9.0');
      expect((await gcc.task(taskId)).last_message).toBe(
        'Apply failed: fake: configured to fail applying media=5.0.0; reverted backend, media, ct to 4.9.0, 4.9.0, 4.9.0',
      );
    } finally {
      await proxy.close();
    }
  });

  it('resumed after a crash with only some components on the new version: applies again, does not skip', async () => {
    const taskId = await gcc.queueUpdate('backend', '5.0.0');
    await crashedWhileApplying(taskId, '5.0.0');
    // backend and media were changed before the crash; ct was not.
    const executor = createFakeExecutor({ initial: { backend: '5.0.0', media: '5.0.0', ct: '4.9.0' } });
    const agent = createAgent(options(executor));
    const applies = record(agent, 'apply:done');
    expect(await agent.runOnce()).toMatchObject({ outcome: 'succeeded', taskId });
    expect(executor.calls.map((c) => c.method)).toEqual(['current', 'apply', 'verify']);
    expect(applies[0]).toMatchObject({ skipped: false, ok: true });
    expect(Object.fromEntries(executor.running)).toEqual({ backend: '5.0.0', media: '5.0.0', ct: '5.0.0' });
    expect((await gcc.task(taskId)).logs).toContain(
      'resumed after restart: target runs backend 5.0.0, media 5.0.0, ct 4.9.0',
    );
  });

  it('resumed after a crash with every component on the new version: skips the apply and verifies', async () => {
    const taskId = await gcc.queueUpdate('backend', '5.0.0');
    await crashedWhileApplying(taskId, '5.0.0');
    const executor = createFakeExecutor({ initial: { backend: '5.0.0', media: '5.0.0', ct: '5.0.0' } });
    const agent = createAgent(options(executor));
    const applies = record(agent, 'apply:done');
    expect(await agent.runOnce()).toMatchObject({ outcome: 'succeeded', taskId });
    expect(executor.calls.map((c) => c.method)).toEqual(['current', 'verify']);
    expect(applies[0]).toMatchObject({ skipped: true });
    expect((await gcc.task(taskId)).logs).toContain(
      'backend 5.0.0, media 5.0.0, ct 5.0.0 already run: not applying again',
    );
  });

  it('never skips a set when the executor only tells the first component (no versions)', async () => {
    const taskId = await gcc.queueUpdate('backend', '5.0.0');
    await crashedWhileApplying(taskId, '5.0.0');
    const inner = createFakeExecutor({ initial: { backend: '5.0.0', media: '5.0.0', ct: '5.0.0' } });
    const executor = {
      ...inner,
      current: async (...a: Parameters<typeof inner.current>) => ({
        version: (await inner.current(...a)).version,
      }),
    };
    const agent = createAgent(options(executor));
    expect(await agent.runOnce()).toMatchObject({ outcome: 'succeeded', taskId });
    expect(inner.callsOf('apply')).toHaveLength(1);
  });

  it('with a real executor (Argo CD API): media Degraded → one revert write of all three, report failed', async () => {
    const app = `wrktalk-${CLIENT}`;
    const argo = await startFakeArgoCd(
      [
        argoApplication(app, {
          'backend.image.tag': '4.9.0',
          'media.image.tag': '4.9.0',
          'ct.image.tag': '4.9.0',
        }),
      ],
      { badTags: ['6.6.6'] },
    );
    const proxy = await offeringSets('4.9.0', { media: '6.6.6' });
    try {
      const executor = createArgoCdApiExecutor({ baseUrl: argo.url, token: 'test-token', pollIntervalMs: 5 });
      const agent = createAgent(options(executor, { gcc: { baseUrl: proxy.url, token: gcc.agentToken } }));
      const taskId = await gcc.queueUpdate('backend', '5.0.0');
      expect(await agent.runOnce()).toMatchObject({ outcome: 'failed', taskId });
      const writes = argo.requests.filter((r) => r.operationId === 'ApplicationService_UpdateSpec');
      const syncs = argo.requests.filter((r) => r.operationId === 'ApplicationService_Sync');
      expect(writes).toHaveLength(2);
      expect(syncs).toHaveLength(2);
      const values = (body: unknown) =>
        (body as { source: { helm: { parameters: { value: string }[] } } }).source.helm.parameters.map(
          (p) => p.value,
        );
      expect(values(writes[0]?.body)).toEqual(['5.0.0', '6.6.6', '5.0.0']);
      expect(values(writes[1]?.body)).toEqual(['4.9.0', '4.9.0', '4.9.0']);
      const task = await gcc.task(taskId);
      expect(task.status).toBe('failed');
      expect(task.last_message).toBe(
        'Verification failed: media: Degraded: Deployment "wrktalk-media" exceeded its progress deadline; ' +
          'reverted backend, media, ct to 4.9.0, 4.9.0, 4.9.0',
      );
    } finally {
      await proxy.close();
      await argo.close();
    }
  });
});
