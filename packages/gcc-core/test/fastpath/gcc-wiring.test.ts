import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  argoApplication,
  type FakeArgoCd,
  startFakeArgoCd,
} from '../../../sdk-agent/test/fakes/fake-argocd-server';
import { createGcc, type Gcc, type Principal } from '../../src/index';
import { pgliteFactory, type TestDatabase } from '../helpers/databases';

const ADMIN: Principal = { role: 'admin', name: 'admin' };
const CI: Principal = { role: 'ci', name: 'ci' };

// createGcc with `argocd` runs the fast path inside its background worker: no manual ticks, no agents.
describe('createGcc with the Argo CD fast path', () => {
  let tdb: TestDatabase;
  let gcc: Gcc;
  let argo: FakeArgoCd;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    tdb = await pgliteFactory();
    argo = await startFakeArgoCd(
      ['w-1', 'w-2', 'w-3'].map((id) => argoApplication(`wrktalk-${id}`, { 'backend.image.tag': 'v1' })),
      { token: 'argo-token' },
    );
    const logger = pino(
      { level: 'debug' },
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    gcc = await createGcc({
      database: tdb.db,
      logger,
      orchestration: 'worker',
      worker: { pollIntervalMs: 100 },
      argocd: { instances: { 'argo-w': { url: argo.url, token: 'argo-token', pollIntervalMs: 5 } } },
    });
  }, 120_000);
  afterAll(async () => {
    await gcc?.close();
    await argo?.close();
    await tdb?.dispose();
  });

  it('completes a deployment through the worker it runs, and logs each step', async () => {
    expect(gcc.worker?.argocd?.instances).toEqual(['argo-w']);
    const s = gcc.services;
    for (const id of ['w-1', 'w-2', 'w-3']) {
      await s.clients.create(ADMIN, {
        id,
        name: id,
        target_kind: 'argocd',
        argocd_instance: 'argo-w',
        labels: { suite: 'wiring' },
      });
    }
    const r = await s.releases.create(CI, {
      component: 'backend',
      version: 'v2',
      image_url: 'registry.wrktalk.com/backend:v2',
    });
    const d = await s.deployments.create(ADMIN, {
      release_id: r.release.id,
      targets: { selector: 'suite=wiring' },
      approval: { required: false },
      strategy: {
        stages: [
          { kind: 'canary', count: 1, wait_seconds: 0 },
          { kind: 'batch', wait_seconds: 0 },
        ],
      },
    });
    await vi.waitFor(async () => expect((await s.deployments.get(d.id)).status).toBe('completed'), {
      timeout: 60_000,
      interval: 100,
    });
    expect((await s.deployments.get(d.id)).task_counts).toMatchObject({ success: 3 });
    expect(argo.requests.filter((x) => x.method === 'PUT')).toHaveLength(3);
    const messages = lines.filter((l) => l.subsystem === 'argocd-fast-path').map((l) => l.msg);
    for (const step of [
      'argocd fast path: claimed task',
      'argocd fast path: applied (spec written, sync started)',
      'argocd fast path: reported',
    ]) {
      expect(messages.filter((m) => m === step)).toHaveLength(3);
    }
    expect(JSON.stringify(lines)).not.toContain('argo-token');
  });
});
