import { afterEach, describe, expect, it } from 'vitest';
import { createArgoCdK8sExecutor, readHelmParameter } from '../../src/executors';
import { INJECTION_ATTEMPTS, testContext, testInstruction, testSetInstruction } from '../fakes/context';
import { type FakeKube, kubeApplication, startFakeKube } from '../fakes/fake-kube-server';

const APP = 'wrktalk-acme';
const KEY = `applications/argocd/${APP}`;
const PATH = `/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/${APP}`;
const TAGS = { 'backend.image.tag': '2.3.0', 'media.image.tag': '1.0.0' };
let kube: FakeKube;

afterEach(async () => {
  await kube?.close();
  kube = undefined as unknown as FakeKube;
});

const start = async (options: Parameters<typeof startFakeKube>[1] = {}) => {
  kube = await startFakeKube([kubeApplication('argocd', APP, TAGS)], { badTags: ['6.6.6'], ...options });
};
const executor = (extra: Parameters<typeof createArgoCdK8sExecutor>[0] = {}) =>
  createArgoCdK8sExecutor({ kubeConfig: kube.kubeConfig(), pollIntervalMs: 5, ...extra });
const patches = () => kube.requests.filter((r) => r.method === 'PATCH');

// Against fake servers / fake CLIs spawned on PATH: generous per-test timeouts for a busy machine.
describe('argocd-k8s executor', { timeout: 60_000 }, () => {
  it('writes the whole parameter list with resourceVersion, starts a sync via .operation, waits', async () => {
    await start();
    const exec = executor();
    const ctx = testContext();
    expect(await exec.current(testInstruction(), ctx)).toMatchObject({ version: '2.3.0' });
    await exec.apply(testInstruction(), ctx);
    expect(await exec.verify(testInstruction(), ctx)).toEqual({
      healthy: true,
      message: 'Synced and Healthy',
    });

    const [write, sync] = patches();
    expect(write?.path).toBe(PATH);
    expect(write?.contentType).toBe('application/merge-patch+json');
    const writeBody = write?.body as {
      metadata: { resourceVersion: string };
      spec: { source: { helm: unknown } };
    };
    expect(writeBody.metadata.resourceVersion).toBe('100');
    expect(writeBody.spec.source.helm).toEqual({
      parameters: [
        { name: 'backend.image.tag', value: '2.4.0', forceString: true },
        { name: 'media.image.tag', value: '1.0.0', forceString: true },
      ],
    });
    expect(sync?.contentType).toBe('application/merge-patch+json');
    expect(sync?.body).toEqual({
      metadata: { resourceVersion: expect.any(String) },
      operation: { initiatedBy: { username: 'wrktalk-agent' }, sync: { syncStrategy: { hook: {} } } },
    });
    expect(kube.objects.get(KEY)!.operation).toBeUndefined();
  });

  it('re-reads and retries after a 409 Conflict', async () => {
    await start({ conflictsOnWrite: 2 });
    const exec = executor();
    await exec.apply(testInstruction(), testContext());
    expect(patches().filter((p) => (p.body as { spec?: unknown }).spec)).toHaveLength(3);
    const app = kube.objects.get(KEY)!;
    expect(readHelmParameter(app.spec, 'backend.image.tag')).toBe('2.4.0');
    expect(app.metadata.annotations).toHaveProperty('someone-else');
  });

  it('does not start a second operation while one runs', async () => {
    await start({ operationPolls: 4 });
    kube.startForeignOperation('argocd', APP);
    const exec = executor();
    const ctx = testContext();
    await exec.apply(testInstruction(), ctx);
    expect(ctx.lines).toContain(`${APP}: another operation is already in progress; waiting for it`);
    expect(await exec.verify(testInstruction(), ctx)).toMatchObject({ healthy: true });
    const operations = patches().filter((p) => (p.body as { operation?: unknown }).operation);
    // The running one synced the old parameters; ours is started once it ends.
    expect(operations).toHaveLength(1);
  });

  it('reports Degraded', async () => {
    await start();
    const exec = executor();
    const bad = testInstruction({ version: '6.6.6' });
    await exec.apply(bad, testContext());
    expect(await exec.verify(bad, testContext())).toMatchObject({
      healthy: false,
      message: expect.stringMatching(/^Degraded/),
    });
  });

  it('waits out a status that was not yet compared after the spec change', async () => {
    await start({ staleReadsAfterSpecChange: 3 });
    const exec = executor();
    const ctx = testContext();
    await exec.apply(testInstruction(), ctx);
    expect(await exec.verify(testInstruction(), ctx)).toMatchObject({ healthy: true });
    expect(ctx.lines.some((l) => l.includes('waiting for Argo CD to compare backend.image.tag=2.4.0'))).toBe(
      true,
    );
  });

  it('the fake rejects Application writes that break the CRD schema', async () => {
    await start();
    const kc = kube.kubeConfig();
    const { CustomObjectsApi, PatchStrategy, setHeaderOptions } = await import('@kubernetes/client-node');
    const api = kc.makeApiClient(CustomObjectsApi);
    const error = await api
      .patchNamespacedCustomObject(
        {
          group: 'argoproj.io',
          version: 'v1alpha1',
          namespace: 'argocd',
          plural: 'applications',
          name: APP,
          body: { operation: { sync: { syncStrategy: { hookk: {} } } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )
      .catch((e: unknown) => e);
    expect((error as { code?: number }).code).toBe(422);
  });

  it('doctor checks the application and the patch permission', async () => {
    await start({ deniedVerbs: ['patch'] });
    const checks = await executor().doctor({ signal: AbortSignal.timeout(30_000), clientId: 'acme' });
    expect(checks).toEqual([
      expect.objectContaining({ ok: true }),
      expect.objectContaining({
        ok: false,
        code: 'forbidden',
        name: 'RBAC: patch applications.argoproj.io in argocd',
      }),
    ]);
  });

  it.each(INJECTION_ATTEMPTS)('refuses version %j before any request', async (version) => {
    await start();
    await expect(executor().apply(testInstruction({ version }), testContext())).rejects.toMatchObject({
      code: 'invalid_config',
    });
    expect(kube.requests).toEqual([]);
  });
});

describe('argocd-k8s executor: a release set', { timeout: 60_000 }, () => {
  const OLD = { 'backend.image.tag': '4.9.0', 'media.image.tag': '4.9.0', 'ct.image.tag': '4.9.0' };
  const startSet = async () => {
    kube = await startFakeKube([kubeApplication('argocd', APP, OLD)], { badTags: ['6.6.6'] });
  };
  const specWrites = () => patches().filter((r) => (r.body as { spec?: unknown }).spec !== undefined);
  const syncPatches = () =>
    patches().filter((r) => (r.body as { operation?: unknown }).operation !== undefined);
  const values = (r: { body: unknown }) =>
    (
      r.body as { spec: { source: { helm: { parameters: { value: string }[] } } } }
    ).spec.source.helm.parameters.map((p) => p.value);

  it('ONE Application patch with all three parameters, ONE .operation sync, verifies all three', async () => {
    await startSet();
    const exec = executor();
    const ctx = testContext();
    const set = testSetInstruction('5.0.0', '4.9.0');
    await exec.apply(set, ctx);
    expect(await exec.verify(set, ctx)).toEqual({ healthy: true, message: 'Synced and Healthy' });
    expect(specWrites()).toHaveLength(1);
    expect(values(specWrites()[0]!)).toEqual(['5.0.0', '5.0.0', '5.0.0']);
    expect(syncPatches()).toHaveLength(1);
    expect(await exec.current(set, ctx)).toMatchObject({
      version: '5.0.0',
      versions: { backend: '5.0.0', media: '5.0.0', ct: '5.0.0' },
    });
  });

  it('media Degraded: verify names media; revert is ONE patch of all three previous versions and ONE sync', async () => {
    await startSet();
    const exec = executor();
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
      message: 'media: Degraded: Deployment "wrktalk-media" exceeded its progress deadline',
    });
    await exec.revert!(set, ctx);
    expect(specWrites()).toHaveLength(2);
    expect(values(specWrites()[1]!)).toEqual(['4.9.0', '4.9.0', '4.9.0']);
    expect(syncPatches()).toHaveLength(2);
    expect(await exec.verify(testSetInstruction('4.9.0', null), ctx)).toMatchObject({ healthy: true });
  });
});
