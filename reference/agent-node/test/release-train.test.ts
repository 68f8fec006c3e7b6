/**
 * A release train end to end over HTTP: the real GCC (gcc-core on in-memory PGlite, its rollout worker running) and
 * the reference agent (`wrktalk-agent run`, in-process) on two canary clients — one with the argocd-cli executor
 * (the fake `argocd` on PATH), one with the argocd-api executor (the fake Argo CD REST server, every request checked
 * against Argo CD's v3.5.1 swagger) — plus scripted agents over HTTP on two later clients. Backend, media and CT go
 * out as one deployment with one approval per client; one canary's media never becomes healthy: its agent reverts
 * its whole set, the canary's threshold stops the rollout, and the rollback returns each canary client to its own
 * previous set of all three components. Nothing past the canary is ever offered.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGcc, type Database, type Gcc, migrate, openDatabase } from '@wrktalk/gcc-core';
import { createGccClient, type Deployment, type GccClient } from '@wrktalk/sdk-gcc';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHelmParameter } from '../../../packages/sdk-agent/src/executors/shared/argocd';
import {
  argoApplication,
  type FakeArgoCd,
  startFakeArgoCd,
} from '../../../packages/sdk-agent/test/fakes/fake-argocd-server';
import { type FakeClis, installFakeClis } from '../../../packages/sdk-agent/test/fakes/fake-cli';
import { type CliIo, main } from '../src';

const ADMIN = 'admin-secret-0123456789';
const CI = 'ci-secret-0123456789';
const SET = ['backend', 'media', 'ct'] as const;
/** The train: media's build is the one that will not come up on globex's cluster. */
const TRAIN = { backend: '5.0.0', media: '5.0.1', ct: '5.0.0' };
/** Each client's own previous set: what a rollback must return it to. */
const BEFORE: Record<string, Record<string, string>> = {
  acme: { backend: '4.9.0', media: '4.9.0', ct: '4.9.0' },
  globex: { backend: '4.8.0', media: '4.7.0', ct: '4.6.0' },
  initech: { backend: '4.9.0', media: '4.9.0', ct: '4.9.0' },
  umbrella: { backend: '4.9.0', media: '4.9.0', ct: '4.9.0' },
};
const img = (component: string, version: string) => `registry.wrktalk.com/wrktalk/${component}:${version}`;
const params = (v: Record<string, string>) =>
  Object.fromEntries(SET.map((c) => [`${c}.image.tag`, v[c]!])) as Record<string, string>;

let db: Database;
let gcc: Gcc;
let server: Server;
let url: string;
let admin: GccClient;
let argo: FakeArgoCd;
let clis: FakeClis;
let dir: string;
const stops: (() => Promise<unknown>)[] = [];

/** Waits (bounded) until `check` holds, re-reading on a short interval; the GCC's worker moves things on its own. */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts `wrktalk-agent run` in-process for `clientId` with `env`; returns how to stop it. */
async function startAgent(clientId: string, env: Record<string, string>) {
  let handler: ((s: string) => void) | undefined;
  const err: string[] = [];
  const io: CliIo = {
    env: {
      GCC_URL: url,
      CLIENT_ID: clientId,
      AGENT_TOKEN: (await gcc.issueToken({ role: 'agent', clientId })).token,
      STATE_FILE: join(dir, `${clientId}.state.json`),
      POLL_WAIT_SECONDS: '1',
      EXECUTOR_POLL_INTERVAL_MS: '100',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdout: () => {},
    stderr: (t) => err.push(t),
    onSignal: (h) => {
      handler = h;
      return () => {
        handler = undefined;
      };
    },
  };
  const running = main(['run'], io);
  stops.push(async () => {
    handler?.('SIGTERM');
    await running;
  });
  return { stderr: () => err.join('') };
}

/** A scripted agent over HTTP: applies whatever it is offered and reports success; records what it was offered. */
function scriptedAgent(clientId: string, token: string, offered: string[]) {
  const api = createGccClient({ baseUrl: url, token, retry: false });
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const u = await api.agent.getUpdates(clientId).catch(() => undefined);
      const update = u && !u.notModified ? u.body.update : undefined;
      if (!update) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      offered.push(update.task_id);
      await api.agent.reportStatus(clientId, {
        task_id: update.task_id,
        attempt: update.attempt,
        status: 'success',
      });
    }
  })();
  stops.push(async () => {
    stopped = true;
    await loop;
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'release-train-'));
  db = await openDatabase({ dataDir: 'memory://' });
  await migrate(db);
  gcc = await createGcc({
    database: db,
    adminToken: ADMIN,
    ciToken: CI,
    logger: pino({ level: 'silent' }),
    orchestration: 'worker',
    worker: { pollIntervalMs: 200, queue: false },
    pollAfterSeconds: 1,
  });
  const app = express();
  app.use(gcc.router);
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  admin = createGccClient({ baseUrl: url, token: ADMIN, retry: false });
  argo = await startFakeArgoCd([argoApplication('wrktalk-globex', params(BEFORE.globex!))], {
    token: 'argo-token',
    badTags: [TRAIN.media],
  });
  clis = await installFakeClis(
    {
      apps: {
        'wrktalk-acme': {
          parameters: SET.map((c) => ({
            name: `${c}.image.tag`,
            value: BEFORE.acme![c]!,
            forceString: true,
          })),
          sync: 'Synced',
          health: 'Healthy',
        },
      },
    },
    ['argocd'],
  );
}, 120_000);

afterAll(async () => {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => {});
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await gcc?.close();
  await db?.close();
  await argo?.close();
  await clis?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a release train through the real GCC and the reference agent', { timeout: 150_000 }, () => {
  it('one approval and one apply per client; a failing media reverts that set and rolls the canary back whole', async () => {
    // Clients and what each runs now (as earlier deployments installed it).
    for (const id of Object.keys(BEFORE)) {
      await admin.clients.create({
        id,
        name: id,
        target_kind: 'argocd',
        argocd_instance: 'argo-eu',
        labels: { tier: 'premium', ...((id === 'acme' || id === 'globex') && { canary: 'true' }) },
      });
      for (const [component, version] of Object.entries(BEFORE[id]!)) {
        await db.query(
          `INSERT INTO deployment_history (client_id, component, version, image_url, is_current, created_at)
           VALUES ($1, $2, $3, $4, true, now() - interval '1 day')`,
          [id, component, version, img(component, version)],
        );
      }
      await db.query('UPDATE clients SET current_versions = $2::jsonb WHERE id = $1', [
        id,
        JSON.stringify(BEFORE[id]),
      ]);
    }
    // CI registers one release per image, as for a single component.
    const ci = createGccClient({ baseUrl: url, token: CI, retry: false });
    for (const [component, version] of Object.entries(TRAIN)) {
      await ci.releases.create({ component, version, image_url: img(component, version) });
    }
    // The admin deploys the set by version: one deployment, one task per client.
    const d = await admin.deployments.create({
      versions: TRAIN,
      targets: { selector: 'tier=premium' },
      strategy: {
        stages: [
          { kind: 'canary', count: 2, wait_seconds: 0 },
          { kind: 'batch', wait_seconds: 0 },
        ],
        canary_label: 'canary=true',
        canary_failure_threshold: { max_failures: 0 },
        on_failure: 'rollback',
        max_attempts: 1,
      },
    });
    expect(d.components.map((c) => `${c.component}=${c.version}`)).toEqual([
      'backend=5.0.0',
      'media=5.0.1',
      'ct=5.0.0',
    ]);
    expect(d.task_counts.pending_approval).toBe(4);

    // Agents: the reference agent on the two canary clients, scripted agents on the others.
    const acme = await startAgent('acme', {
      EXECUTOR: 'argocd-cli',
      ARGOCD_SERVER: 'https://argocd.acme.internal',
      ARGOCD_AUTH_TOKEN: 'cli-token',
      ...clis.env,
      PASS_ENV: 'FAKE_CLI_*',
    });
    const globex = await startAgent('globex', {
      EXECUTOR: 'argocd-api',
      ARGOCD_SERVER: argo.url,
      ARGOCD_AUTH_TOKEN: 'argo-token',
    });
    const offeredLater: string[] = [];
    for (const id of ['initech', 'umbrella']) {
      scriptedAgent(id, (await gcc.issueToken({ role: 'agent', clientId: id })).token, offeredLater);
    }

    // Each client's CT: one pending approval listing every component from → to; one click approves the set.
    for (const id of Object.keys(BEFORE)) {
      const approver = createGccClient({
        baseUrl: url,
        token: (await gcc.issueToken({ role: 'approver', clientId: id })).token,
        retry: false,
      });
      const pending = (await approver.approvals.listPending(id)).items;
      expect(pending).toHaveLength(1);
      expect(pending[0]!.components.map((c) => [c.component, c.previous_version, c.version])).toEqual(
        SET.map((c) => [c, BEFORE[id]![c], TRAIN[c]]),
      );
      await approver.approvals.approve(id, pending[0]!.task_id, { approved_by: `ops@${id}` });
    }

    // The canary fails (globex's media), the worker rolls the canary back, and the rollback completes.
    const rolled = await until('the rollout to be rolled back', async () => {
      const v = await admin.deployments.get(d.id);
      return v.status === 'rolled_back' || v.status === 'failed' ? v : undefined;
    });
    const rbId = rolled.rolled_back_by!;
    const rb: Deployment = await until('the rollback to finish', async () => {
      const v = await admin.deployments.get(rbId);
      return v.status === 'running' || v.status === 'paused' ? undefined : v;
    });
    expect(rolled.status, `acme: ${acme.stderr()}\nglobex: ${globex.stderr()}`).toBe('rolled_back');
    expect(rb).toMatchObject({ type: 'rollback', status: 'completed' });
    expect(rb.components.map((c) => c.component)).toEqual([...SET]);

    // globex: one spec write with the whole set, then its agent's local revert of the whole set, reported failed
    // naming media; every request to the fake matched Argo CD's swagger.
    const tasks = (await admin.deployments.listTasks(d.id)).items;
    const task = (id: string) => tasks.find((t) => t.client_id === id)!;
    expect(task('globex').status).toBe('rolled_back');
    expect(task('globex').last_message).toMatch(/media/);
    expect(task('globex').last_message).toMatch(/reverted backend, media, ct/);
    const writes = argo.requests
      .filter((r) => r.method === 'PUT' && r.path === '/api/v1/applications/wrktalk-globex/spec')
      .map((r) => SET.map((c) => readHelmParameter(r.body as never, `${c}.image.tag`)));
    expect(writes[0]).toEqual([TRAIN.backend, TRAIN.media, TRAIN.ct]);
    expect(writes[1]).toEqual(SET.map((c) => BEFORE.globex![c]));
    expect(
      SET.map((c) => readHelmParameter(argo.apps.get('wrktalk-globex')!.spec!, `${c}.image.tag`)),
    ).toEqual(SET.map((c) => BEFORE.globex![c]));

    // acme: the set was one `argocd app set` with a --helm-set-string per component, then one sync; the rollback
    // was the same one command back to acme's own previous set.
    const calls = await clis.calls('argocd');
    const sets = calls.filter((c) => c.argv[1] === 'set').map((c) => c.argv);
    expect(sets).toEqual([
      [
        'app',
        'set',
        'wrktalk-acme',
        ...SET.flatMap((c) => ['--helm-set-string', `${c}.image.tag=${TRAIN[c]}`]),
      ],
      [
        'app',
        'set',
        'wrktalk-acme',
        ...SET.flatMap((c) => ['--helm-set-string', `${c}.image.tag=${BEFORE.acme![c]}`]),
      ],
    ]);
    expect(calls.filter((c) => c.argv[1] === 'sync')).toHaveLength(2);
    expect(task('acme').status).toBe('rolled_back');

    // Every client runs its own previous set again; the later ones were never offered anything.
    for (const id of Object.keys(BEFORE)) {
      expect((await admin.clients.get(id)).current_versions, id).toEqual(BEFORE[id]);
    }
    expect(offeredLater).toEqual([]);
    expect(task('initech').status).toBe('cancelled');
    expect(task('umbrella').status).toBe('cancelled');
  });
});
