/**
 * `wrktalk-agent doctor` per executor: what it prints when the executor's tool (or, for the Kubernetes executors,
 * the cluster configuration; for argocd-api, the server) is missing, and when everything is there.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGccClient } from '@wrktalk/sdk-gcc';
import { type FakeGccServer, startFakeGccServer } from '@wrktalk/sdk-gcc/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { argoApplication, startFakeArgoCd } from '../../../packages/sdk-agent/test/fakes/fake-argocd-server';
import { installFakeClis } from '../../../packages/sdk-agent/test/fakes/fake-cli';
import { kubeDeployment, startFakeKube } from '../../../packages/sdk-agent/test/fakes/fake-kube-server';
import { type CliIo, main } from '../src';

const CLIENT = 'acme';
let gcc: FakeGccServer;
let dir: string;
let empty: string;
const cleanups: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  gcc = await startFakeGccServer();
  await createGccClient({ baseUrl: gcc.url, token: 'admin-token', retry: false }).clients.create({
    id: CLIENT,
    name: 'Acme',
    target_kind: 'docker',
  });
  dir = await mkdtemp(join(tmpdir(), 'agent-doctor-'));
  empty = join(dir, 'empty-bin');
  await mkdir(empty);
});
afterAll(async () => {
  await gcc.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  vi.unstubAllEnvs();
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Runs `wrktalk-agent doctor`; returns the exit code and the executor's lines (after the 3 common checks). */
async function doctor(env: Record<string, string>) {
  const out: string[] = [];
  const io: CliIo = {
    env: {
      GCC_URL: gcc.url,
      CLIENT_ID: CLIENT,
      AGENT_TOKEN: gcc.fake.issueToken(CLIENT, 'agent'),
      STATE_FILE: join(dir, 'state', 'state.json'),
      ...env,
    },
    stdout: (t) => out.push(t),
    stderr: () => {},
    onSignal: () => () => {},
  };
  const code = await main(['doctor'], io);
  const lines = out.join('').trim().split('\n');
  expect(lines.slice(0, 3).every((l) => l.startsWith('✓'))).toBe(true);
  return { code, lines: lines.slice(3) };
}

// Doctor spawns the executors' tools (fake CLIs on PATH) and calls fake servers: generous timeouts for a busy machine.
describe('wrktalk-agent doctor with a missing tool', { timeout: 60_000 }, () => {
  it('argocd-cli: no argocd on PATH', async () => {
    const { code, lines } = await doctor({ EXECUTOR: 'argocd-cli', PATH: empty });
    expect(code).toBe(1);
    expect(lines).toEqual([
      '✗ argocd binary — argocd-cli: argocd not found or not executable (ENOENT); install it or configure its path',
    ]);
  });

  it('docker-compose: neither docker compose nor docker-compose on PATH', async () => {
    const compose = join(dir, 'compose.yaml');
    await writeFile(
      compose,
      'services:\n  backend:\n    image: registry.wrktalk.com/wrktalk/backend:1.0.0\n',
    );
    const { code, lines } = await doctor({
      EXECUTOR: 'docker-compose',
      COMPONENTS: 'backend',
      COMPOSE_FILE: compose,
      PATH: empty,
    });
    expect(code).toBe(1);
    expect(lines[0]).toMatch(
      /^✗ compose CLI — neither "docker compose" nor "docker-compose" works: .*not found or not executable \(ENOENT\)/,
    );
    expect(lines[1]).toBe(`✓ service backend — backend found in ${compose}`);
  });

  it('watchtower: no docker on PATH, Watchtower unreachable', async () => {
    const { code, lines } = await doctor({
      EXECUTOR: 'watchtower',
      COMPONENTS: 'backend',
      WATCHTOWER_URL: 'http://127.0.0.1:9',
      WATCHTOWER_TOKEN: 't',
      WATCHTOWER_IMAGE_BACKEND: 'registry.wrktalk.com/wrktalk/backend',
      PATH: empty,
    });
    expect(code).toBe(1);
    expect(lines[0]).toBe(
      '✗ container wrktalk-backend — watchtower: docker not found or not executable (ENOENT); install it or configure its path',
    );
    expect(lines[1]).toMatch(/^✗ Watchtower HTTP API — http:\/\/127\.0\.0\.1:9 unreachable: /);
  });

  it('kubernetes: no cluster configuration', async () => {
    vi.stubEnv('KUBECONFIG', join(dir, 'missing-kubeconfig'));
    const { code, lines } = await doctor({ EXECUTOR: 'kubernetes', COMPONENTS: 'backend' });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^✗ Kubernetes access — kubernetes: no Kubernetes configuration found \(in-cluster, KUBECONFIG or ~\/\.kube\/config\): .*ENOENT/,
    );
  });

  it('argocd-k8s: no cluster configuration', async () => {
    vi.stubEnv('KUBECONFIG', join(dir, 'missing-kubeconfig'));
    const { code, lines } = await doctor({ EXECUTOR: 'argocd-k8s' });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^✗ application argocd\/wrktalk-acme — argocd-k8s: no Kubernetes configuration found/,
    );
  });

  it('argocd-api: Argo CD unreachable', async () => {
    const { code, lines } = await doctor({
      EXECUTOR: 'argocd-api',
      ARGOCD_SERVER: 'http://127.0.0.1:9',
      ARGOCD_AUTH_TOKEN: 't',
    });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^✗ Argo CD application wrktalk-acme — .*\(the token needs applications get, update, sync\)$/,
    );
  });
});

describe('wrktalk-agent doctor with everything in place', { timeout: 60_000 }, () => {
  it('argocd-cli: the fake argocd on PATH', async () => {
    const clis = await installFakeClis(
      { apps: { 'wrktalk-acme': { parameters: [], sync: 'Synced', health: 'Healthy' } } },
      ['argocd'],
    );
    cleanups.push(() => clis.cleanup());
    const { code, lines } = await doctor({
      EXECUTOR: 'argocd-cli',
      ARGOCD_SERVER: 'argocd.acme.internal:443',
      ARGOCD_AUTH_TOKEN: 't',
      ...clis.env,
      // The fake CLI finds its state through these; a real argocd needs nothing beyond its allow-list.
      PASS_ENV: 'FAKE_CLI_*',
    });
    expect(lines).toEqual([
      '✓ argocd binary — argocd: v3.5.1+fake',
      '✓ argocd credentials — ARGOCD_SERVER set, ARGOCD_AUTH_TOKEN set',
      '✓ application wrktalk-acme — readable',
    ]);
    expect(code).toBe(0);
  });

  it('argocd-api: the fake Argo CD server', async () => {
    const argo = await startFakeArgoCd([argoApplication('wrktalk-acme', {})], { token: 'argo-token' });
    cleanups.push(() => argo.close());
    const { code, lines } = await doctor({
      EXECUTOR: 'argocd-api',
      ARGOCD_SERVER: argo.url,
      ARGOCD_AUTH_TOKEN: 'argo-token',
    });
    expect(lines).toEqual([`✓ Argo CD application wrktalk-acme — readable at ${argo.url}`]);
    expect(code).toBe(0);
  });

  it('kubernetes: the fake API server, RBAC through SelfSubjectAccessReview', async () => {
    const kube = await startFakeKube(
      [kubeDeployment('wrktalk', 'wrktalk-backend', 'backend', 'registry.wrktalk.com/wrktalk/backend:1.0.0')],
      { deniedVerbs: [] },
    );
    cleanups.push(() => kube.close());
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, kube.kubeConfig().exportConfig());
    vi.stubEnv('KUBECONFIG', kubeconfig);
    const { code, lines } = await doctor({ EXECUTOR: 'kubernetes', COMPONENTS: 'backend' });
    expect(lines).toEqual([
      '✓ deployment wrktalk/wrktalk-backend — backend runs registry.wrktalk.com/wrktalk/backend:1.0.0',
      '✓ RBAC: patch deployments.apps in wrktalk — allowed',
    ]);
    expect(code).toBe(0);
  });
});
