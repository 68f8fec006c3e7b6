import { afterEach, describe, expect, it } from 'vitest';
import { createKubernetesExecutor } from '../../src/executors';
import { INJECTION_ATTEMPTS, testContext, testInstruction, testSetInstruction } from '../fakes/context';
import { type FakeKube, kubeDeployment, startFakeKube } from '../fakes/fake-kube-server';

const NS = 'wrktalk';
const DEPLOYMENT = `deployments/${NS}/wrktalk-backend`;
let kube: FakeKube;

afterEach(async () => {
  await kube?.close();
  kube = undefined as unknown as FakeKube;
});

const start = async (options: Parameters<typeof startFakeKube>[1] = {}) => {
  kube = await startFakeKube(
    [kubeDeployment(NS, 'wrktalk-backend', 'backend', 'registry.wrktalk.com/wrktalk/backend:2.3.0')],
    { badTags: ['6.6.6'], ...options },
  );
};
const executor = (extra: Parameters<typeof createKubernetesExecutor>[0] = {}) =>
  createKubernetesExecutor({ kubeConfig: kube.kubeConfig(), pollIntervalMs: 5, ...extra });
const containers = () => kube.objects.get(DEPLOYMENT)!.spec.template.spec.containers;

// Against fake servers / fake CLIs spawned on PATH: generous per-test timeouts for a busy machine.
describe('kubernetes executor', { timeout: 60_000 }, () => {
  it('patches the container image and waits for the rollout like kubectl rollout status', async () => {
    await start();
    const exec = executor();
    const ctx = testContext();
    expect(await exec.current(testInstruction(), ctx)).toMatchObject({ version: '2.3.0' });
    await exec.apply(testInstruction(), ctx);
    expect(await exec.verify(testInstruction(), ctx)).toEqual({
      healthy: true,
      message: 'deployment "wrktalk-backend" successfully rolled out',
    });
    const patch = kube.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.path).toBe(`/apis/apps/v1/namespaces/${NS}/deployments/wrktalk-backend`);
    expect(patch.contentType).toBe('application/strategic-merge-patch+json');
    expect(patch.body).toEqual({
      spec: {
        template: {
          spec: { containers: [{ name: 'backend', image: 'registry.wrktalk.com/wrktalk/backend:2.4.0' }] },
        },
      },
    });
    // The sidecar and the container's other fields survive the strategic merge.
    expect(containers()).toEqual([
      {
        name: 'backend',
        image: 'registry.wrktalk.com/wrktalk/backend:2.4.0',
        ports: [{ containerPort: 8080 }],
      },
      { name: 'sidecar', image: 'envoy:1.30' },
    ]);
    expect(ctx.lines).toContain(
      'Waiting for deployment "wrktalk-backend" rollout to finish: 1 out of 2 new replicas have been updated...',
    );
  });

  it('treats ProgressDeadlineExceeded as a failure and reverts', async () => {
    await start();
    const exec = executor();
    const bad = testInstruction({ version: '6.6.6' });
    await exec.apply(bad, testContext());
    expect(await exec.verify(bad, testContext())).toEqual({
      healthy: false,
      message: 'deployment "wrktalk-backend" exceeded its progress deadline',
    });
    await exec.revert!(bad, testContext());
    expect(containers()[0].image).toBe('registry.wrktalk.com/wrktalk/backend:2.3.0');
  });

  it('is a no-op when the image already runs', async () => {
    await start();
    await executor().apply(testInstruction({ version: '2.3.0' }), testContext());
    expect(kube.requests.filter((r) => r.method === 'PATCH')).toEqual([]);
  });

  it('uses a configured deployment, container and namespace', async () => {
    kube = await startFakeKube([kubeDeployment('apps', 'api', 'server', 'r.io/api:1.0.0')]);
    const exec = executor({
      namespace: 'apps',
      components: { backend: { name: 'api', container: 'server' } },
    });
    await exec.apply(testInstruction(), testContext());
    expect(kube.objects.get('deployments/apps/api')!.spec.template.spec.containers[0].image).toBe(
      'r.io/api:2.4.0',
    );
  });

  it('maps missing deployments and forbidden access', async () => {
    await start();
    const exec = executor({ components: { backend: { name: 'nope' } } });
    await expect(exec.apply(testInstruction(), testContext())).rejects.toMatchObject({ code: 'not_found' });
    kube.options.deniedVerbs = ['patch'];
    const checks = await executor().doctor({ signal: AbortSignal.timeout(30_000), clientId: 'acme' });
    expect(checks).toContainEqual(
      expect.objectContaining({ name: 'deployment wrktalk/wrktalk-backend', ok: true }),
    );
    expect(checks).toContainEqual(expect.objectContaining({ ok: false, code: 'forbidden' }));
  });

  it.each(INJECTION_ATTEMPTS)('refuses version %j before any request', async (version) => {
    await start();
    await expect(executor().apply(testInstruction({ version }), testContext())).rejects.toMatchObject({
      code: 'invalid_config',
    });
    expect(kube.requests).toEqual([]);
  });

  it('rejects bad options at construction', async () => {
    await start();
    expect(() => executor({ namespace: 'Bad_NS', components: { backend: { container: 'A B' } } })).toThrow(
      /namespace.*components.backend.container/,
    );
  });
});

describe('kubernetes executor: a release set', { timeout: 60_000 }, () => {
  const SET = ['backend', 'media', 'ct'] as const;
  const startSet = async () => {
    kube = await startFakeKube(
      SET.map((c) => kubeDeployment(NS, `wrktalk-${c}`, c, `registry.wrktalk.com/wrktalk/${c}:4.9.0`)),
      { badTags: ['6.6.6'] },
    );
  };
  const imageOf = (c: string) =>
    (
      kube.objects.get(`deployments/${NS}/wrktalk-${c}`)!.spec.template.spec.containers as {
        name: string;
        image: string;
      }[]
    ).find((x) => x.name === c)?.image;
  const patchedDeployments = () =>
    kube.requests.filter((r) => r.method === 'PATCH').map((r) => r.path.split('/').pop());

  it('patches every Deployment, then waits for ALL rollouts; verify covers all three', async () => {
    await startSet();
    const exec = executor({ namespace: NS });
    const ctx = testContext();
    const set = testSetInstruction('5.0.0', '4.9.0');
    await exec.apply(set, ctx);
    expect(patchedDeployments()).toEqual(['wrktalk-backend', 'wrktalk-media', 'wrktalk-ct']);
    expect(await exec.verify(set, ctx)).toEqual({
      healthy: true,
      message: '3 deployments successfully rolled out (wrktalk-backend, wrktalk-media, wrktalk-ct)',
    });
    for (const c of SET) expect(imageOf(c)).toBe(`registry.wrktalk.com/wrktalk/${c}:5.0.0`);
    // Every rollout was read until done (the fake walks each one over several GETs).
    for (const c of SET) {
      const d = kube.objects.get(`deployments/${NS}/wrktalk-${c}`)!;
      expect(d.status.updatedReplicas).toBe(d.spec.replicas);
      expect(d.status.replicas).toBe(d.spec.replicas);
    }
    expect(await exec.current(set, ctx)).toMatchObject({
      version: '5.0.0',
      versions: { backend: '5.0.0', media: '5.0.0', ct: '5.0.0' },
    });
  });

  it("media's rollout never becomes healthy: verify names media; revert patches all three back", async () => {
    await startSet();
    const exec = executor({ namespace: NS });
    const ctx = testContext();
    const good = testSetInstruction('5.0.0', '4.9.0');
    const set = {
      ...good,
      components: good.components.map((c) =>
        c.component === 'media'
          ? { ...c, version: '6.6.6', imageUrl: 'registry.wrktalk.com/wrktalk/media:6.6.6' }
          : c,
      ),
    };
    await exec.apply(set, ctx);
    expect(await exec.verify(set, ctx)).toEqual({
      healthy: false,
      message: 'media: deployment "wrktalk-media" exceeded its progress deadline',
    });
    await exec.revert!(set, ctx);
    expect(patchedDeployments()).toEqual([
      'wrktalk-backend',
      'wrktalk-media',
      'wrktalk-ct',
      'wrktalk-backend',
      'wrktalk-media',
      'wrktalk-ct',
    ]);
    for (const c of SET) expect(imageOf(c)).toBe(`registry.wrktalk.com/wrktalk/${c}:4.9.0`);
    expect(await exec.verify(testSetInstruction('4.9.0', null), ctx)).toMatchObject({ healthy: true });
  });

  it('reverts to the images it replaced when the GCC knows no previous versions', async () => {
    await startSet();
    const exec = executor({ namespace: NS });
    const set = testSetInstruction('5.0.0', null);
    await exec.apply(set, testContext());
    await exec.revert!(set, testContext());
    for (const c of SET) expect(imageOf(c)).toBe(`registry.wrktalk.com/wrktalk/${c}:4.9.0`);
  });
});
