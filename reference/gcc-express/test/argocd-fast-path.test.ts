import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  argoApplication,
  type FakeArgoCd,
  startFakeArgoCd,
} from '../../../packages/sdk-agent/test/fakes/fake-argocd-server';
import { loadConfig } from '../src/config';
import { createLogger, type RunningServer, startServer } from '../src/server';

const ADMIN = { role: 'admin' as const, name: 'admin' };
const CI = { role: 'ci' as const, name: 'ci' };

// `serve` with GCC_ARGOCD_INSTANCES: the in-process worker applies Argo CD clients' tasks itself.
describe('wrktalk-gcc serve with GCC_ARGOCD_INSTANCES', () => {
  let argo: FakeArgoCd;
  let running: RunningServer;

  beforeAll(async () => {
    argo = await startFakeArgoCd([argoApplication('wrktalk-ref-1', { 'backend.image.tag': 'v1' })], {
      token: 'ref-argo-token',
    });
    const config = loadConfig({
      GCC_DATA_DIR: 'memory://',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      GCC_ARGOCD_INSTANCES: JSON.stringify({
        'argo-ref': { url: argo.url, token: 'ref-argo-token', pollIntervalMs: 5 },
      }),
    });
    running = await startServer(config, createLogger(config));
  }, 120_000);
  afterAll(async () => {
    await running?.stop();
    await argo?.close();
  });

  it('runs the fast path in its worker and completes a deployment with no agent', async () => {
    const gcc = running.gcc;
    expect(gcc.worker?.argocd?.instances).toEqual(['argo-ref']);
    await gcc.services.clients.create(ADMIN, {
      id: 'ref-1',
      name: 'Ref 1',
      target_kind: 'argocd',
      argocd_instance: 'argo-ref',
    });
    const r = await gcc.services.releases.create(CI, {
      component: 'backend',
      version: 'v2',
      image_url: 'registry.wrktalk.com/backend:v2',
    });
    const d = await gcc.services.deployments.create(ADMIN, {
      release_id: r.release.id,
      targets: { client_ids: ['ref-1'] },
      approval: { required: false },
      strategy: { stages: [{ kind: 'batch', wait_seconds: 0 }] },
    });
    await vi.waitFor(
      async () => expect((await gcc.services.deployments.get(d.id)).status).toBe('completed'),
      { timeout: 60_000, interval: 100 },
    );
    expect(argo.requests.filter((x) => x.method === 'PUT')).toHaveLength(1);
    expect((await gcc.services.clients.get('ref-1')).current_versions.backend).toBe('v2');
  }, 90_000);
});
