import { afterEach, describe, expect, it } from 'vitest';
import { createArgoCdApiClient, createArgoCdApiExecutor, readHelmParameter } from '../../src/executors';
import { INJECTION_ATTEMPTS, testContext, testInstruction, testSetInstruction } from '../fakes/context';
import { argoApplication, type FakeArgoCd, startFakeArgoCd } from '../fakes/fake-argocd-server';

const APP = 'wrktalk-acme';
const TAGS = { 'backend.image.tag': '2.3.0', 'media.image.tag': '1.0.0', 'ct.image.tag': '3.1.0' };
let argo: FakeArgoCd;

afterEach(async () => {
  await argo?.close();
  argo = undefined as unknown as FakeArgoCd;
});

const start = async (options: Parameters<typeof startFakeArgoCd>[1] = {}, multiSource = false) => {
  argo = await startFakeArgoCd([argoApplication(APP, TAGS, multiSource)], { badTags: ['6.6.6'], ...options });
  return argo;
};
const executor = (extra: Partial<Parameters<typeof createArgoCdApiExecutor>[0]> = {}) =>
  createArgoCdApiExecutor({ baseUrl: argo.url, token: 'test-token', pollIntervalMs: 5, ...extra });

// Against fake servers / fake CLIs spawned on PATH: generous per-test timeouts for a busy machine.
describe('fake Argo CD server', { timeout: 60_000 }, () => {
  it('rejects requests that do not match swagger.json', async () => {
    await start();
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${argo.url}${path}`, {
        method,
        headers: { Authorization: 'Bearer test-token', 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    expect((await call('POST', `/api/v1/applications/${APP}/spec`, {})).status).toBe(400);
    expect((await call('GET', `/api/v1/applications/${APP}?bogus=1`)).status).toBe(400);
    const badSpec = await call('PUT', `/api/v1/applications/${APP}/spec`, {
      source: { helm: { parameterz: [] } },
    });
    expect(badSpec.status).toBe(400);
    expect(await badSpec.text()).toMatch(/must NOT have additional properties/);
    const badSync = await call('POST', `/api/v1/applications/${APP}/sync`, { name: APP, prune: 'yes' });
    expect(badSync.status).toBe(400);
    expect((await call('GET', `/api/v1/applications/${APP}`)).status).toBe(200);
  });
});

describe('argocd-api executor', { timeout: 60_000 }, () => {
  it('edits the helm parameter, syncs and waits for Synced + Healthy', async () => {
    await start();
    const exec = executor();
    const ctx = testContext();
    expect(await exec.current(testInstruction(), ctx)).toMatchObject({ version: '2.3.0' });
    await exec.apply(testInstruction(), ctx);
    expect(await exec.verify(testInstruction(), ctx)).toEqual({
      healthy: true,
      message: 'Synced and Healthy',
    });

    const ops = argo.requests.map((r) => `${r.method} ${r.path}${r.query.refresh ? '?refresh' : ''}`);
    expect(ops.slice(0, 4)).toEqual([
      `GET /api/v1/applications/${APP}`,
      `GET /api/v1/applications/${APP}`,
      `PUT /api/v1/applications/${APP}/spec`,
      `POST /api/v1/applications/${APP}/sync`,
    ]);
    expect(ops[4]).toBe(`GET /api/v1/applications/${APP}?refresh`);
    expect(argo.requests.every((r) => r.authorization === 'Bearer test-token')).toBe(true);
    const put = argo.requests.find((r) => r.method === 'PUT')!;
    expect(put.query.validate).toEqual(['true']);
    const sent = put.body as { source: { helm: { parameters: unknown[]; valueFiles: string[] } } };
    expect(sent.source.helm.parameters).toEqual([
      { name: 'backend.image.tag', value: '2.4.0', forceString: true },
      { name: 'media.image.tag', value: '1.0.0', forceString: true },
      { name: 'ct.image.tag', value: '3.1.0', forceString: true },
    ]);
    expect(sent.source.helm.valueFiles).toEqual(['values.yaml', `clients/${APP}.yaml`]);
    expect(argo.requests.find((r) => r.method === 'POST')!.body).toEqual({
      name: APP,
      prune: false,
      dryRun: false,
      strategy: { hook: {} },
    });
  });

  it('edits spec.sources[i].helm for multi-source applications', async () => {
    await start({}, true);
    const exec = executor();
    await exec.apply(testInstruction(), testContext());
    expect(await exec.verify(testInstruction(), testContext())).toMatchObject({ healthy: true });
    const spec = argo.apps.get(APP)!.spec!;
    expect(spec.source).toBeUndefined();
    expect(spec.sources?.[0]).toEqual({
      repoURL: 'https://git.wrktalk.com/values.git',
      targetRevision: 'main',
      ref: 'values',
    });
    expect(readHelmParameter(spec, 'backend.image.tag')).toBe('2.4.0');
  });

  it('reports Degraded as unhealthy', async () => {
    await start();
    const exec = executor();
    const bad = testInstruction({ version: '6.6.6' });
    await exec.apply(bad, testContext());
    expect(await exec.verify(bad, testContext())).toEqual({
      healthy: false,
      message: 'Degraded: Deployment "backend" exceeded its progress deadline',
    });
  });

  it('waits for an operation already in progress instead of failing', async () => {
    await start();
    argo.startForeignOperation(APP);
    const exec = executor();
    const ctx = testContext({ timeoutMs: 30_000 });
    await exec.apply(testInstruction(), ctx);
    expect(ctx.lines).toContain(`${APP}: another operation is already in progress; waiting for it`);
    expect(await exec.verify(testInstruction(), ctx)).toMatchObject({ healthy: true });
    // The running operation synced the old parameters, so ours was started once it ended.
    expect(argo.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
    expect(ctx.lines).toContain(`${APP}: the other operation ended; sync started`);
  });

  it('maps a sync window to a retryable forbidden error', async () => {
    await start({ syncWindow: true });
    await expect(executor().apply(testInstruction(), testContext())).rejects.toMatchObject({
      code: 'forbidden',
      retryable: true,
      message: expect.stringMatching(/blocked by sync window/),
    });
  });

  it('does not trust the stale Synced/Healthy served right after a spec change', async () => {
    await start({ staleReadsAfterSpecChange: 3 });
    const exec = executor();
    const ctx = testContext();
    await exec.apply(testInstruction(), ctx);
    expect(await exec.verify(testInstruction(), ctx)).toMatchObject({ healthy: true });
    const gets = argo.requests.filter((r) => r.method === 'GET');
    // 1 before the write, 3 stale snapshots, then the real walk (Progressing, then Healthy).
    expect(gets).toHaveLength(6);
    expect(ctx.lines.some((l) => l.includes('waiting for Argo CD to compare backend.image.tag=2.4.0'))).toBe(
      true,
    );
  });

  it('maps HTTP errors: bad token, missing app', async () => {
    await start();
    await expect(executor({ token: 'wrong' }).apply(testInstruction(), testContext())).rejects.toMatchObject({
      code: 'forbidden',
    });
    const missing = executor({ appName: 'wrktalk-{clientId}-x', project: 'default' });
    await expect(missing.current(testInstruction(), testContext())).rejects.toMatchObject({
      code: 'not_found',
    });
    const checks = await executor({ token: 'wrong' }).doctor({
      signal: AbortSignal.timeout(30_000),
      clientId: 'acme',
    });
    expect(checks[0]).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('reverts to the previous version', async () => {
    await start();
    const exec = executor();
    await exec.apply(testInstruction(), testContext());
    await exec.revert!(testInstruction(), testContext());
    expect(readHelmParameter(argo.apps.get(APP)!.spec, 'backend.image.tag')).toBe('2.3.0');
  });

  it.each(INJECTION_ATTEMPTS)('refuses version %j before any request', async (version) => {
    await start();
    await expect(executor().apply(testInstruction({ version }), testContext())).rejects.toMatchObject({
      code: 'invalid_config',
    });
    expect(argo.requests).toEqual([]);
  });

  it('exposes the client for the GCC fast path', async () => {
    await start();
    const client = createArgoCdApiClient({ baseUrl: argo.url, token: 'test-token' });
    expect((await client.getApplication(APP)).metadata?.name).toBe(APP);
  });

  it('rejects bad options at construction', () => {
    expect(() => createArgoCdApiExecutor({ baseUrl: 'ftp://x', token: '', pollIntervalMs: 0 })).toThrow(
      /baseUrl.*token.*pollIntervalMs/,
    );
  });
});

describe('argocd-api executor: a release set', { timeout: 60_000 }, () => {
  const OLD = { 'backend.image.tag': '4.9.0', 'media.image.tag': '4.9.0', 'ct.image.tag': '4.9.0' };
  const startSet = async () => {
    argo = await startFakeArgoCd([argoApplication(APP, OLD)], { badTags: ['6.6.6'] });
  };
  const writes = () => argo.requests.filter((r) => r.operationId === 'ApplicationService_UpdateSpec');
  const syncs = () => argo.requests.filter((r) => r.operationId === 'ApplicationService_Sync');
  const params = (body: unknown) =>
    (body as { source: { helm: { parameters: { name: string; value: string }[] } } }).source.helm.parameters;

  it('ONE spec write with all three parameters, ONE sync, verifies all three', async () => {
    await startSet();
    const exec = executor();
    const ctx = testContext();
    const set = testSetInstruction('5.0.0', '4.9.0');
    expect(await exec.current(set, ctx)).toMatchObject({
      versions: { backend: '4.9.0', media: '4.9.0', ct: '4.9.0' },
    });
    await exec.apply(set, ctx);
    expect(await exec.verify(set, ctx)).toEqual({ healthy: true, message: 'Synced and Healthy' });
    expect(writes()).toHaveLength(1);
    expect(params(writes()[0]?.body)).toEqual([
      { name: 'backend.image.tag', value: '5.0.0', forceString: true },
      { name: 'media.image.tag', value: '5.0.0', forceString: true },
      { name: 'ct.image.tag', value: '5.0.0', forceString: true },
    ]);
    expect(syncs()).toHaveLength(1);
    expect(ctx.lines).toContain(
      `${APP}: set backend.image.tag=5.0.0, media.image.tag=5.0.0, ct.image.tag=5.0.0 (forceString)`,
    );
  });

  it('media Degraded: verify names media; revert is ONE write of all three previous versions and ONE sync', async () => {
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
    expect(writes()).toHaveLength(2);
    expect(params(writes()[1]?.body).map((p) => p.value)).toEqual(['4.9.0', '4.9.0', '4.9.0']);
    expect(syncs()).toHaveLength(2);
    const reverted = testSetInstruction('4.9.0', null);
    expect(await exec.verify(reverted, ctx)).toEqual({ healthy: true, message: 'Synced and Healthy' });
  });
});
