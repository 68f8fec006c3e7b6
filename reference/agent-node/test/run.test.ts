/**
 * `wrktalk-agent run` end to end, in-process: the fake GCC on a real port, a deployment approved by the client's
 * approver, and each executor against the sdk-agent test fakes (Argo CD server, Kubernetes API server, `argocd` and
 * `docker` executables on PATH, Watchtower). Nothing real is touched: no docker, no cluster.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGccClient, type Task } from '@wrktalk/sdk-gcc';
import { type FakeGccServer, startFakeGccServer } from '@wrktalk/sdk-gcc/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { argoApplication, startFakeArgoCd } from '../../../packages/sdk-agent/test/fakes/fake-argocd-server';
import { installFakeClis } from '../../../packages/sdk-agent/test/fakes/fake-cli';
import {
  kubeApplication,
  kubeDeployment,
  startFakeKube,
} from '../../../packages/sdk-agent/test/fakes/fake-kube-server';
import { startFakeWatchtower } from '../../../packages/sdk-agent/test/fakes/fake-watchtower-server';
import { type CliIo, main } from '../src';

const CLIENT = 'acme';
const APP = `wrktalk-${CLIENT}`;
const REPO = 'registry.wrktalk.com/wrktalk/backend';

let gcc: FakeGccServer;
let dir: string;
const cleanups: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  gcc = await startFakeGccServer({ pollAfterSeconds: 1 });
  const admin = createGccClient({ baseUrl: gcc.url, token: 'admin-token', retry: false });
  await admin.clients.create({ id: CLIENT, name: 'Acme', target_kind: 'docker' });
});
afterAll(() => gcc.close());
afterEach(async () => {
  vi.unstubAllEnvs();
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tempDir() {
  const d = await mkdtemp(join(tmpdir(), 'agent-run-'));
  cleanups.push(() => rm(d, { recursive: true, force: true }));
  return d;
}

/** CI publishes `backend` `version`, the admin deploys it to the client, the client's approver approves it. */
async function approvedUpdate(version: string): Promise<string> {
  const ci = createGccClient({ baseUrl: gcc.url, token: 'ci-token', retry: false });
  const admin = createGccClient({ baseUrl: gcc.url, token: 'admin-token', retry: false });
  const approver = createGccClient({
    baseUrl: gcc.url,
    token: gcc.fake.issueToken(CLIENT, 'approver'),
    retry: false,
  });
  const release = await ci.releases.create({
    component: 'backend',
    version,
    image_url: `${REPO}:${version}`,
  });
  await admin.deployments.create({ release_id: release.id, targets: { client_ids: [CLIENT] } });
  const pending = (await approver.approvals.listPending(CLIENT)).items;
  const task = pending.find((p) => p.version === version);
  if (!task) throw new Error(`${version} is not pending approval`);
  await approver.approvals.approve(CLIENT, task.task_id, { approved_by: 'ops@acme' });
  return task.task_id;
}

/** Runs `wrktalk-agent run` with `env` until the task is final, then SIGTERM; returns the task and the exit code. */
async function runUntilFinal(taskId: string, env: Record<string, string>) {
  dir = await tempDir();
  let handler: ((s: string) => void) | undefined;
  const err: string[] = [];
  const io: CliIo = {
    env: {
      GCC_URL: gcc.url,
      CLIENT_ID: CLIENT,
      AGENT_TOKEN: gcc.fake.issueToken(CLIENT, 'agent'),
      STATE_FILE: join(dir, 'state.json'),
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
  // Woken by the fake on every change (the agent's status reports), not polled; bounded below the test's timeout.
  const task = await new Promise<Task>((resolve, reject) => {
    const check = () => {
      const t = gcc.fake.state.tasks.get(taskId);
      if (t?.status !== 'success' && t?.status !== 'failed') return;
      stop();
      resolve(t);
    };
    const timer = setTimeout(() => {
      stop();
      const t = gcc.fake.state.tasks.get(taskId);
      reject(new Error(`task still ${t?.status}; agent said: ${err.join('')}`));
    }, 50_000);
    const off = gcc.fake.onChange(check);
    const stop = () => {
      clearTimeout(timer);
      off();
    };
    check();
  });
  handler?.('SIGTERM');
  const code = await running;
  return { task, code, stderr: err.join('') };
}

// Each test runs the agent against fake servers, and most spawn a fake CLI: slow on a busy machine.
describe('wrktalk-agent run, end to end against the fake GCC', { timeout: 60_000 }, () => {
  it('EXECUTOR=argocd-api: updates the Argo CD application through the REST API', async () => {
    const argo = await startFakeArgoCd(
      [argoApplication(APP, { 'backend.image.tag': '2.3.0', 'media.image.tag': '1.0.0' })],
      { token: 'argo-token' },
    );
    cleanups.push(() => argo.close());
    const taskId = await approvedUpdate('2.4.0');
    const { task, code, stderr } = await runUntilFinal(taskId, {
      EXECUTOR: 'argocd-api',
      ARGOCD_SERVER: argo.url,
      ARGOCD_AUTH_TOKEN: 'argo-token',
    });
    expect(task.status, stderr).toBe('success');
    expect(code).toBe(0);
    const app = argo.apps.get(APP)!;
    expect(app.spec?.source?.helm?.parameters).toContainEqual({
      name: 'backend.image.tag',
      value: '2.4.0',
      forceString: true,
    });
    expect(app.status?.sync?.status).toBe('Synced');
    expect(app.status?.health?.status).toBe('Healthy');
    expect(argo.requests.some((r) => r.method === 'POST' && r.path.endsWith('/sync'))).toBe(true);
  });

  it('EXECUTOR=kubernetes: sets the Deployment image (KUBECONFIG) and waits for the rollout', async () => {
    const kube = await startFakeKube([
      kubeDeployment('wrktalk', 'wrktalk-backend', 'backend', `${REPO}:2.3.0`),
    ]);
    cleanups.push(() => kube.close());
    const kubeconfig = join(await tempDir(), 'kubeconfig');
    await writeFile(kubeconfig, kube.kubeConfig().exportConfig());
    // Read by @kubernetes/client-node's loadFromDefault(), as in a real process.
    vi.stubEnv('KUBECONFIG', kubeconfig);
    const taskId = await approvedUpdate('2.5.0');
    const { task, code, stderr } = await runUntilFinal(taskId, { EXECUTOR: 'kubernetes' });
    expect(task.status, stderr).toBe('success');
    expect(task.last_message).toContain('successfully rolled out');
    expect(code).toBe(0);
    const deployment = kube.objects.get('deployments/wrktalk/wrktalk-backend')!;
    expect(deployment.spec.template.spec.containers[0]).toMatchObject({
      name: 'backend',
      image: `${REPO}:2.5.0`,
    });
    expect(deployment.status.updatedReplicas).toBe(deployment.spec.replicas);
  });

  it('EXECUTOR=docker-compose: edits COMPOSE_FILE and runs docker compose (fake docker on PATH)', async () => {
    const clis = await installFakeClis(
      {
        containers: {
          'wrktalk-backend-1': {
            service: 'backend',
            image: `${REPO}:2.3.0`,
            state: 'running',
            health: 'healthy',
          },
        },
      },
      ['docker'],
    );
    cleanups.push(() => clis.cleanup());
    const file = join(await tempDir(), 'compose.yaml');
    const compose = `# acme's host\nservices:\n  backend:\n    image: ${REPO}:2.3.0 # pinned by the agent\n`;
    await writeFile(file, compose);
    const taskId = await approvedUpdate('2.6.0');
    const { task, code, stderr } = await runUntilFinal(taskId, {
      EXECUTOR: 'docker-compose',
      COMPOSE_FILE: file,
      ...clis.env,
      PASS_ENV: 'FAKE_CLI_*',
    });
    expect(task.status, stderr).toBe('success');
    expect(code).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(compose.replace(':2.3.0', ':2.6.0'));
    expect(await readFile(`${file}.wrktalk-backup`, 'utf8')).toBe(compose);
    expect((await clis.state()).containers['wrktalk-backend-1']).toMatchObject({
      image: `${REPO}:2.6.0`,
      state: 'running',
    });
    expect((await clis.calls('docker')).map((c) => c.argv.slice(0, 5).join(' '))).toContain(
      `compose -f ${file} up -d`,
    );
  });

  it('EXECUTOR=argocd-cli: runs the fake argocd on PATH with ARGOCD_SERVER / ARGOCD_AUTH_TOKEN / ARGOCD_GRPC_WEB', async () => {
    const clis = await installFakeClis(
      {
        apps: {
          [APP]: {
            parameters: [{ name: 'backend.image.tag', value: '2.3.0', forceString: true }],
            sync: 'Synced',
            health: 'Healthy',
          },
        },
      },
      ['argocd'],
    );
    cleanups.push(() => clis.cleanup());
    const taskId = await approvedUpdate('2.7.0');
    const { task, code, stderr } = await runUntilFinal(taskId, {
      EXECUTOR: 'argocd-cli',
      ARGOCD_SERVER: 'https://argocd.acme.internal',
      ARGOCD_AUTH_TOKEN: 'cli-token',
      ARGOCD_GRPC_WEB: 'true',
      ...clis.env,
      PASS_ENV: 'FAKE_CLI_*',
    });
    expect(task.status, stderr).toBe('success');
    expect(code).toBe(0);
    expect((await clis.state()).apps[APP]!.parameters).toContainEqual({
      name: 'backend.image.tag',
      value: '2.7.0',
      forceString: true,
    });
    const set = (await clis.calls('argocd')).find((c) => c.argv[1] === 'set')!;
    expect(set.argv).toEqual([
      'app',
      'set',
      APP,
      '--helm-set-string',
      'backend.image.tag=2.7.0',
      '--grpc-web',
    ]);
    expect(set.env).toEqual({ ARGOCD_SERVER: 'argocd.acme.internal', ARGOCD_AUTH_TOKEN: 'cli-token' });
  });

  it('EXECUTOR=argocd-cli with only an `argocd login` context: doctor says ✓ and run applies (they agree)', async () => {
    const clis = await installFakeClis(
      {
        apps: {
          [APP]: {
            parameters: [{ name: 'backend.image.tag', value: '2.3.0', forceString: true }],
            sync: 'Synced',
            health: 'Healthy',
          },
        },
        // The fake argocd now refuses a call without a server and a session, as the real one does.
        argocdAuth: { tokens: ['login-token'] },
      },
      ['argocd'],
    );
    cleanups.push(() => clis.cleanup());
    const home = await tempDir();
    await mkdir(join(home, '.config', 'argocd'), { recursive: true });
    await writeFile(
      join(home, '.config', 'argocd', 'config'),
      'contexts:\n- name: argo\n  server: argocd.acme.internal\n  user: argo\ncurrent-context: argo\nusers:\n- auth-token: login-token\n  name: argo\n',
    );
    const env = { EXECUTOR: 'argocd-cli', HOME: home, ...clis.env, PASS_ENV: 'FAKE_CLI_*' };
    const out: string[] = [];
    const doctorCode = await main(['doctor'], {
      env: {
        GCC_URL: gcc.url,
        CLIENT_ID: CLIENT,
        AGENT_TOKEN: gcc.fake.issueToken(CLIENT, 'agent'),
        STATE_FILE: join(home, 'doctor', 'state.json'),
        ...env,
      },
      stdout: (t) => out.push(t),
      stderr: () => {},
      onSignal: () => () => {},
    });
    expect(doctorCode, out.join('')).toBe(0);
    const taskId = await approvedUpdate('2.7.1');
    const { task, code, stderr } = await runUntilFinal(taskId, env);
    expect(task.status, stderr).toBe('success');
    expect(code).toBe(0);
    expect((await clis.state()).apps[APP]!.parameters).toContainEqual({
      name: 'backend.image.tag',
      value: '2.7.1',
      forceString: true,
    });
    expect((await clis.calls('argocd')).every((c) => c.env.ARGOCD_SERVER === undefined)).toBe(true);
  });

  it('EXECUTOR=argocd-k8s: patches the Application resource in ARGOCD_NAMESPACE', async () => {
    const kube = await startFakeKube([kubeApplication('gitops', APP, { 'backend.image.tag': '2.3.0' })]);
    cleanups.push(() => kube.close());
    const kubeconfig = join(await tempDir(), 'kubeconfig');
    await writeFile(kubeconfig, kube.kubeConfig().exportConfig());
    vi.stubEnv('KUBECONFIG', kubeconfig);
    const taskId = await approvedUpdate('2.8.0');
    const { task, code, stderr } = await runUntilFinal(taskId, {
      EXECUTOR: 'argocd-k8s',
      ARGOCD_NAMESPACE: 'gitops',
    });
    expect(task.status, stderr).toBe('success');
    expect(code).toBe(0);
    const app = kube.objects.get(`applications/gitops/${APP}`)!;
    expect(app.spec.source.helm.parameters).toContainEqual({
      name: 'backend.image.tag',
      value: '2.8.0',
      forceString: true,
    });
    expect(app.status.health.status).toBe('Healthy');
  });

  it('EXECUTOR=watchtower: triggers Watchtower for WATCHTOWER_IMAGE_BACKEND on the tracked tag', async () => {
    const clis = await installFakeClis(
      {
        containers: {
          'wrktalk-backend': {
            service: 'backend',
            image: `${REPO}:stable`,
            state: 'running',
            health: 'healthy',
          },
        },
      },
      ['docker'],
    );
    cleanups.push(() => clis.cleanup());
    const tower = await startFakeWatchtower({ token: 'tower-token' });
    cleanups.push(() => tower.close());
    const taskId = await approvedUpdate('stable');
    const { task, code, stderr } = await runUntilFinal(taskId, {
      EXECUTOR: 'watchtower',
      COMPONENTS: 'backend',
      WATCHTOWER_URL: tower.url,
      WATCHTOWER_TOKEN: 'tower-token',
      WATCHTOWER_IMAGE_BACKEND: REPO,
      WATCHTOWER_TRACKED_TAG: 'stable',
      ...clis.env,
      PASS_ENV: 'FAKE_CLI_*',
    });
    expect(task.status, stderr).toBe('success');
    expect(code).toBe(0);
    expect(tower.requests).toContainEqual(
      expect.objectContaining({ path: '/v1/update', images: [REPO], authorization: 'Bearer tower-token' }),
    );
  });
});
