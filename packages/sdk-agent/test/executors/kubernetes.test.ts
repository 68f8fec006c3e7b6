import { afterEach, describe, expect, it } from 'vitest';
import { createKubernetesExecutor } from '../../src/executors';
import { INJECTION_ATTEMPTS, testContext, testInstruction } from '../fakes/context';
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
