import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWatchtowerExecutor } from '../../src/executors';
import { INJECTION_ATTEMPTS, testContext, testInstruction, testSetInstruction } from '../fakes/context';
import { type FakeClis, installFakeClis } from '../fakes/fake-cli';
import { type FakeWatchtower, startFakeWatchtower } from '../fakes/fake-watchtower-server';

const REPO = 'registry.wrktalk.com/wrktalk/backend';
let clis: FakeClis;
let tower: FakeWatchtower;
let healthAfterUpdate = 'healthy';

beforeEach(async () => {
  healthAfterUpdate = 'healthy';
  clis = await installFakeClis(
    {
      containers: {
        'wrktalk-backend': {
          service: 'backend',
          image: `${REPO}:latest`,
          state: 'running',
          health: 'healthy',
        },
      },
    },
    ['docker'],
  );
  tower = await startFakeWatchtower({
    token: 'tower-token',
    onUpdate: () =>
      clis.setState((s) => {
        s.containers['wrktalk-backend']!.health = healthAfterUpdate;
      }),
  });
});
afterEach(async () => {
  await tower.close();
  await clis.cleanup();
});

const executor = (extra: Partial<Parameters<typeof createWatchtowerExecutor>[0]> = {}) =>
  createWatchtowerExecutor({
    url: tower.url,
    token: 'tower-token',
    images: { backend: REPO },
    env: clis.env,
    pollIntervalMs: 5,
    ...extra,
  });
const latest = testInstruction({ version: 'latest', previousVersion: 'latest' });

// Against fake servers / fake CLIs spawned on PATH: generous per-test timeouts for a busy machine.
describe('watchtower executor', { timeout: 60_000 }, () => {
  it('triggers an update of the image with the exact header and verifies the container', async () => {
    const exec = executor();
    const ctx = testContext();
    await exec.apply(latest, ctx);
    expect(tower.requests).toEqual([
      { method: 'GET', path: '/v1/update', images: [REPO], authorization: 'Bearer tower-token' },
    ]);
    expect(await exec.verify(latest, ctx)).toEqual({
      healthy: true,
      message: 'wrktalk-backend running and healthy',
    });
    expect((await clis.calls('docker')).map((c) => c.argv)).toEqual([['inspect', 'wrktalk-backend']]);
  });

  it('reports an unhealthy container', async () => {
    healthAfterUpdate = 'unhealthy';
    const exec = executor();
    await exec.apply(latest, testContext());
    expect(await exec.verify(latest, testContext())).toEqual({
      healthy: false,
      message: 'wrktalk-backend is unhealthy',
    });
  });

  it('refuses to move to another tag, which Watchtower cannot do', async () => {
    const error = await executor()
      .apply(testInstruction({ version: '2.4.0' }), testContext())
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'invalid_config',
      message: expect.stringMatching(/only re-pulls the tag/),
    });
    expect(tower.requests).toEqual([]);
  });

  it('maps a rejected token to forbidden', async () => {
    await expect(executor({ token: 'wrong' }).apply(latest, testContext())).rejects.toMatchObject({
      code: 'forbidden',
    });
  });

  it.each(INJECTION_ATTEMPTS)('refuses version %j', async (version) => {
    await expect(executor().apply(testInstruction({ version }), testContext())).rejects.toMatchObject({
      code: 'invalid_config',
    });
    expect(tower.requests).toEqual([]);
  });

  it('doctor checks containers and reachability without starting a run', async () => {
    const checks = await executor().doctor({ signal: AbortSignal.timeout(30_000), clientId: 'acme' });
    expect(checks.every((c) => c.ok)).toBe(true);
    expect(tower.requests.every((r) => r.path !== '/v1/update')).toBe(true);
    const missing = await executor({ dockerBinary: '/nonexistent/docker' }).doctor({
      signal: AbortSignal.timeout(30_000),
      clientId: 'acme',
    });
    expect(missing[0]).toMatchObject({ ok: false, code: 'tool_missing' });
  });

  it('rejects bad options at construction', () => {
    expect(() =>
      createWatchtowerExecutor({ token: '', images: { backend: 'a,b' }, trackedTag: '$(x)' }),
    ).toThrow(/token.*images.backend.*trackedTag/);
  });
});

describe('watchtower executor: a release set', { timeout: 60_000 }, () => {
  const repo = (c: string) => `registry.wrktalk.com/wrktalk/${c}`;
  const SET = ['backend', 'media', 'ct'];
  let unhealthyAfterUpdate: string | undefined;
  beforeEach(async () => {
    unhealthyAfterUpdate = undefined;
    await tower.close();
    await clis.setState((s) => {
      for (const c of SET) {
        s.containers[`wrktalk-${c}`] = {
          service: c,
          image: `${repo(c)}:latest`,
          state: 'running',
          health: 'healthy',
        };
      }
    });
    tower = await startFakeWatchtower({
      token: 'tower-token',
      onUpdate: () =>
        clis.setState((s) => {
          for (const c of SET) {
            s.containers[`wrktalk-${c}`]!.health = c === unhealthyAfterUpdate ? 'unhealthy' : 'healthy';
          }
        }),
    });
  });
  const setExecutor = () => executor({ images: Object.fromEntries(SET.map((c) => [c, repo(c)])) });
  const latestSet = testSetInstruction('latest', 'latest');

  it('ONE Watchtower run naming every image, then every container verified', async () => {
    const exec = setExecutor();
    const ctx = testContext();
    await exec.apply(latestSet, ctx);
    expect(tower.requests).toEqual([
      { method: 'GET', path: '/v1/update', images: SET.map(repo), authorization: 'Bearer tower-token' },
    ]);
    expect(await exec.verify(latestSet, ctx)).toEqual({
      healthy: true,
      message: 'wrktalk-backend, wrktalk-media, wrktalk-ct running and healthy',
    });
    expect(await exec.current(latestSet, ctx)).toMatchObject({
      versions: { backend: 'latest', media: 'latest', ct: 'latest' },
    });
  });

  it('media unhealthy: verify names media; there is no revert (Watchtower cannot put an image back)', async () => {
    unhealthyAfterUpdate = 'media';
    const exec = setExecutor();
    const ctx = testContext();
    await exec.apply(latestSet, ctx);
    expect(await exec.verify(latestSet, ctx)).toMatchObject({
      healthy: false,
      message: expect.stringMatching(/^media: /),
    });
    expect(exec.revert).toBeUndefined();
  });

  it('refuses a set naming any pinned tag before any request', async () => {
    await expect(setExecutor().apply(testSetInstruction('5.0.0'), testContext())).rejects.toMatchObject({
      code: 'invalid_config',
    });
    expect(tower.requests).toEqual([]);
  });
});
