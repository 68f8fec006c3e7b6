/**
 * An agent killed between the Argo CD spec write (`argocd app set`, PUT …/spec, the CR's spec patch) and the sync
 * (`argocd app sync`, POST …/sync, the `.operation` patch): the restarted agent must sync, and report success, not
 * skip to verify on a parameter that is set but never rolled out (which failed the task on resume).
 *
 * The first agent really runs the executor against the test fakes (the `argocd` executable on PATH, the Argo CD REST
 * server, the Kubernetes API server); its sync hangs (the fake CLI never returns, a proxy holds the request) until the
 * agent is stopped, which kills that `argocd app sync` process / aborts that request, as a killed agent would leave
 * it: the spec written, no sync, the checkpoint at `applying`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Executor } from '../../src/executor';
import {
  createArgoCdApiExecutor,
  createArgoCdCliExecutor,
  createArgoCdK8sExecutor,
  readHelmParameter,
} from '../../src/executors';
import { createAgent } from '../../src/runtime';
import { argoApplication, type FakeArgoCd, startFakeArgoCd } from '../fakes/fake-argocd-server';
import { installFakeClis } from '../fakes/fake-cli';
import { kubeApplication, startFakeKube } from '../fakes/fake-kube-server';
import { agentFixtures, agentOptions, CLIENT, type GccFixture, record, type TempDir, until } from './helpers';

const APP = `wrktalk-${CLIENT}`;
const KEY = 'backend.image.tag';

let gcc: GccFixture;
let tmp: TempDir;
const { defer } = agentFixtures((g, t) => {
  gcc = g;
  tmp = t;
});

/**
 * A proxy in front of `upstream` that holds (never answers) the requests `hold` picks while `holding`; `held` counts
 * them. Everything else is forwarded as is.
 */
async function holdingProxy(
  upstream: string,
  hold: (req: IncomingMessage, body: string) => boolean,
): Promise<{ url: string; held: () => number; close: () => Promise<void> }> {
  let held = 0;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      if (hold(req, body)) {
        held++;
        return; // never answered: the agent is stopped while it waits
      }
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers.set(k, v);
      const up = await fetch(upstream + (req.url ?? '/'), {
        method: req.method ?? 'GET',
        headers,
        ...(chunks.length ? { body } : {}),
      });
      const out: Record<string, string> = {};
      up.headers.forEach((v, k) => {
        if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k))
          out[k] = v;
      });
      res.writeHead(up.status, out);
      res.end(await up.text());
    })().catch((error: unknown) => {
      res.writeHead(502);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held: () => held,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Agent 1 (executor `killed`) takes the update and is stopped while its sync hangs (`syncing()` says when); agent 2
 * (executor `restarted`, the same target without the hang) resumes from the checkpoint. Returns agent 2's outcome.
 */
async function killBetweenSetAndSync(
  killed: Executor,
  syncing: () => boolean | Promise<boolean>,
  restarted: Executor,
) {
  const taskId = await gcc.queueUpdate('backend', 'v2');
  const first = createAgent(agentOptions(gcc, tmp, killed, { stopGraceMs: 20 }));
  const loop = first.start();
  await until(syncing, 30_000, 'the first agent is syncing');
  await first.stop();
  await loop;
  expect(first.state).toBe('stopped');

  // Verification is bounded so that a resume that does not sync fails in seconds, not in the task's 10 minutes.
  const second = createAgent(agentOptions(gcc, tmp, restarted, { timeouts: { verifyMs: 8_000 } }));
  const applies = record(second, 'apply:done');
  const result = await second.runOnce();
  return { taskId, result, applies };
}

// Real executors against the fakes (fake CLIs are node processes): generous timeouts for a busy machine.
describe('an agent killed between the Argo CD set and sync', { timeout: 90_000 }, () => {
  it('argocd-cli: the restarted agent runs `argocd app sync` (no second `app set`) and reports success', async () => {
    const clis = await installFakeClis(
      {
        apps: {
          [APP]: {
            parameters: [{ name: KEY, value: 'v1', forceString: true }],
            sync: 'Synced',
            health: 'Healthy',
          },
        },
        hangSync: true,
      },
      ['argocd'],
    );
    defer(() => clis.cleanup());
    const executor = () => createArgoCdCliExecutor({ env: clis.env, pollIntervalMs: 10 });
    const restarted = executor();
    const { taskId, result, applies } = await killBetweenSetAndSync(
      executor(),
      async () => (await clis.calls('argocd')).some((c) => c.argv[1] === 'sync'),
      {
        ...restarted,
        // The hang is lifted when the second agent starts its work (the first one's `app sync` was killed).
        current: async (i, ctx) => {
          await clis.setState((s) => {
            s.hangSync = false;
          });
          return restarted.current(i, ctx);
        },
      },
    );
    const after = (await clis.calls('argocd')).map((c) => c.argv.slice(0, 2).join(' '));
    // Killed agent: get, set, sync (killed). Restarted agent: get (current), get (apply), sync, wait, get.
    expect(after).toEqual([
      'app get',
      'app set',
      'app sync',
      'app get',
      'app get',
      'app sync',
      'app wait',
      'app get',
    ]);
    expect(result).toMatchObject({ outcome: 'succeeded', taskId });
    expect(applies[0]).toMatchObject({ ok: true, skipped: false });
    expect((await clis.state()).apps[APP]).toMatchObject({ sync: 'Synced', health: 'Healthy' });
    const task = await gcc.task(taskId);
    expect(task.status).toBe('success');
    expect(task.logs.join('\n')).toContain('set to v2 but has not rolled it out; applying again');
  });

  it('argocd-api: the restarted agent POSTs the sync it never got an answer to and reports success', async () => {
    const argo: FakeArgoCd = await startFakeArgoCd([argoApplication(APP, { [KEY]: 'v1' })], {});
    defer(() => argo.close());
    const proxy = await holdingProxy(
      argo.url,
      (req) => req.method === 'POST' && /\/sync$/.test(req.url ?? ''),
    );
    defer(() => proxy.close());
    const api = (baseUrl: string) =>
      createArgoCdApiExecutor({ baseUrl, token: 'test-token', pollIntervalMs: 5 });
    const { taskId, result, applies } = await killBetweenSetAndSync(
      api(proxy.url),
      () => proxy.held() > 0,
      api(argo.url),
    );
    expect(result).toMatchObject({ outcome: 'succeeded', taskId });
    expect(applies[0]).toMatchObject({ ok: true, skipped: false });
    const calls = argo.requests.map((r) => r.operationId);
    expect(calls.filter((c) => c === 'ApplicationService_UpdateSpec')).toHaveLength(1);
    expect(calls.filter((c) => c === 'ApplicationService_Sync')).toHaveLength(1);
    expect(readHelmParameter(argo.apps.get(APP)!.spec, KEY)).toBe('v2');
    expect((await gcc.task(taskId)).status).toBe('success');
  });

  it('argocd-k8s: the restarted agent writes the `.operation` it was killed before and reports success', async () => {
    const kube = await startFakeKube([kubeApplication('argocd', APP, { [KEY]: 'v1' })], {});
    defer(() => kube.close());
    const proxy = await holdingProxy(
      kube.url,
      (req, body) => req.method === 'PATCH' && body.includes('"operation"'),
    );
    defer(() => proxy.close());
    const through = kube.kubeConfig();
    through.clusters = through.clusters.map((c) => ({ ...c, server: proxy.url }));
    const { taskId, result, applies } = await killBetweenSetAndSync(
      createArgoCdK8sExecutor({ kubeConfig: through, pollIntervalMs: 5 }),
      () => proxy.held() > 0,
      createArgoCdK8sExecutor({ kubeConfig: kube.kubeConfig(), pollIntervalMs: 5 }),
    );
    expect(result).toMatchObject({ outcome: 'succeeded', taskId });
    expect(applies[0]).toMatchObject({ ok: true, skipped: false });
    const patches = kube.requests
      .filter((r) => r.method === 'PATCH')
      .map((r) => r.body as Record<string, unknown>);
    expect(patches.filter((b) => 'spec' in b)).toHaveLength(1);
    expect(patches.filter((b) => 'operation' in b)).toHaveLength(1);
    expect((await gcc.task(taskId)).status).toBe('success');
  });
});
