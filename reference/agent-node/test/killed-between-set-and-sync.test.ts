/**
 * `wrktalk-agent run` as a real process, SIGKILLed (with its `argocd app sync` child: the whole process group) after
 * `argocd app set` and before `argocd app sync` returned; a second process on the same STATE_FILE must run
 * `argocd app sync` (not `app set` again, and not skip to `app wait`) and report success. The agent runs from the
 * TypeScript sources (as `bin/wrktalk-agent.mjs` does without a build), against the fake GCC and the fake `argocd`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createGccClient } from '@wrktalk/sdk-gcc';
import { type FakeGccServer, startFakeGccServer } from '@wrktalk/sdk-gcc/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeClis, installFakeClis } from '../../../packages/sdk-agent/test/fakes/fake-cli';

const CLIENT = 'acme';
const APP = `wrktalk-${CLIENT}`;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

let gcc: FakeGccServer;
let dir: string;
let clis: FakeClis;
let launcher: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  gcc = await startFakeGccServer({ pollAfterSeconds: 1 });
  const admin = createGccClient({ baseUrl: gcc.url, token: 'admin-token', retry: false });
  await admin.clients.create({ id: CLIENT, name: 'Acme', target_kind: 'docker' });
  dir = await mkdtemp(join(tmpdir(), 'agent-killed-'));
  clis = await installFakeClis(
    {
      apps: {
        [APP]: {
          parameters: [{ name: 'backend.image.tag', value: '2.3.0', forceString: true }],
          sync: 'Synced',
          health: 'Healthy',
        },
      },
      hangSync: true,
    },
    ['argocd'],
  );
  // The agent from source: tsx with the dev tsconfig (workspace packages resolved to their sources).
  // The ESM entry of tsx's API (require.resolve gives its CommonJS twin, index.cjs).
  const tsxCjs = createRequire(import.meta.url).resolve('tsx/esm/api');
  const tsx = pathToFileURL(join(dirname(tsxCjs), 'index.mjs')).href;
  launcher = join(dir, 'agent.mjs');
  await writeFile(
    launcher,
    `import { register } from ${JSON.stringify(tsx)};\n` +
      `register({ tsconfig: ${JSON.stringify(join(ROOT, 'tsconfig.dev.json'))} });\n` +
      `await import(${JSON.stringify(pathToFileURL(join(ROOT, 'src/main.ts')).href)});\n`,
  );
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) killGroup(c, 'SIGKILL');
  await gcc?.close();
  await clis?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** Starts `wrktalk-agent run` in a process group of its own (so a kill reaches its `argocd` child too). */
function startAgent(): { child: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  let err = '';
  const child = spawn(process.execPath, [launcher, 'run'], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      GCC_URL: gcc.url,
      CLIENT_ID: CLIENT,
      AGENT_TOKEN: gcc.fake.issueToken(CLIENT, 'agent'),
      EXECUTOR: 'argocd-cli',
      ARGOCD_SERVER: 'https://argocd.acme.internal',
      ARGOCD_AUTH_TOKEN: 'cli-token',
      STATE_FILE: join(dir, 'state.json'),
      POLL_WAIT_SECONDS: '1',
      EXECUTOR_POLL_INTERVAL_MS: '100',
      LOG_LEVEL: 'info',
      ...clis.env,
      PASS_ENV: 'FAKE_CLI_*',
    },
  });
  children.push(child);
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => err };
}

/** Resolves once `check` holds, re-checked on every change of the fake GCC and every 100 ms; rejects after `ms`. */
function until(check: () => boolean | Promise<boolean>, ms: number, what: string, why: () => string) {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      clearInterval(tick);
      clearTimeout(timer);
      off();
      if (error) reject(error);
      else resolve();
    };
    const test = () =>
      void Promise.resolve(check()).then(
        (ok) => ok && finish(),
        (e: unknown) => finish(e as Error),
      );
    const off = gcc.fake.onChange(test);
    const tick = setInterval(test, 100);
    const timer = setTimeout(() => finish(new Error(`timed out waiting for ${what}: ${why()}`)), ms);
    test();
  });
}

describe('wrktalk-agent run killed between `argocd app set` and `argocd app sync`', () => {
  it('the restarted process syncs and reports success', { timeout: 120_000 }, async () => {
    const ci = createGccClient({ baseUrl: gcc.url, token: 'ci-token', retry: false });
    const admin = createGccClient({ baseUrl: gcc.url, token: 'admin-token', retry: false });
    const release = await ci.releases.create({
      component: 'backend',
      version: '2.7.0',
      image_url: 'registry.wrktalk.com/wrktalk/backend:2.7.0',
    });
    const deployment = await admin.deployments.create({
      release_id: release.id,
      targets: { client_ids: [CLIENT] },
      approval: { required: false },
    });
    const taskId = (await admin.deployments.listTasks(deployment.id)).items[0]!.id;

    const first = startAgent();
    const syncing = async () => (await clis.calls('argocd')).some((c) => c.argv[1] === 'sync');
    await until(syncing, 60_000, 'the first agent to run `argocd app sync`', first.stderr);
    killGroup(first.child, 'SIGKILL');
    expect(await first.exited).toBeNull(); // killed, not exited
    expect(gcc.fake.state.tasks.get(taskId)?.status).toBe('in_progress');
    expect((await clis.state()).apps[APP]).toMatchObject({ sync: 'OutOfSync' });

    await clis.setState((s) => {
      s.hangSync = false;
    });
    const second = startAgent();
    await until(
      () => ['success', 'failed'].includes(gcc.fake.state.tasks.get(taskId)?.status ?? ''),
      60_000,
      'the task to end',
      second.stderr,
    );
    killGroup(second.child, 'SIGTERM');
    expect(await second.exited).toBe(0);

    const task = gcc.fake.state.tasks.get(taskId)!;
    expect(task.status, second.stderr()).toBe('success');
    const verbs = (await clis.calls('argocd')).map((c) => c.argv[1]);
    // First process: get, set, sync (killed). Second: get (current), get (apply), sync, wait, get.
    expect(verbs).toEqual(['get', 'set', 'sync', 'get', 'get', 'sync', 'wait', 'get']);
    expect((await clis.state()).apps[APP]).toMatchObject({ sync: 'Synced', health: 'Healthy' });
  });
});
