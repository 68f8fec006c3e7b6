import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Executor } from '../../src/executor';
import {
  type CommandEnvSpec,
  commandEnv,
  createArgoCdCliExecutor,
  createDockerComposeExecutor,
  createWatchtowerExecutor,
} from '../../src/executors';
import { testContext } from '../fakes/context';

/**
 * Fake `argocd` and `docker` on PATH that write their argv and their WHOLE environment to a file (its path is baked
 * into the script, so the fakes need no variable of their own), then answer like the real CLIs just enough for
 * `doctor`.
 */
const FAKE = (bin: string, dump: string) => String.raw`#!/usr/bin/env node
import { appendFileSync } from 'node:fs';
const argv = process.argv.slice(2);
appendFileSync(${JSON.stringify(dump)}, JSON.stringify({ bin: ${JSON.stringify(bin)}, argv, env: process.env }) + '\n');
if (argv[0] === 'version') process.stdout.write('argocd: v3.5.1+fake\n');
else if (argv[0] === 'compose') process.stdout.write('Docker Compose version v2.29.7\n');
else if (argv[0] === 'inspect') process.stdout.write('[]\n');
else process.stdout.write('{}\n');
`;

interface Dumped {
  bin: string;
  argv: string[];
  env: Record<string, string>;
}

let dir: string;
let dump: string;

/** What the parent process (the agent) has in its environment: its own secrets, tool settings, and noise. */
const PARENT = {
  AGENT_TOKEN: 'agent-secret',
  GCC_URL: 'https://gcc.wrktalk.com',
  GCC_TOKEN: 'gcc-secret',
  WRKTALK_AGENT_TOKEN: 'wrktalk-secret',
  DATABASE_PASSWORD: 'unrelated-secret',
  CUSTOM_CA_BUNDLE: '/etc/ssl/custom.pem',
  HOME: '/home/agent',
  LC_ALL: 'C.UTF-8',
  https_proxy: 'http://proxy.acme.internal:3128',
  NO_PROXY: '.acme.internal',
  KUBECONFIG: '/etc/wrktalk/kubeconfig',
  ARGOCD_OPTS: '--grpc-web',
  ARGOCD_AUTH_TOKEN: 'from-parent',
  DOCKER_HOST: 'unix:///run/user/1000/docker.sock',
  DOCKER_CONFIG: '/etc/wrktalk/docker',
  COMPOSE_PROJECT_NAME: 'wrktalk',
};
const SECRETS = ['AGENT_TOKEN', 'GCC_URL', 'GCC_TOKEN', 'WRKTALK_AGENT_TOKEN', 'DATABASE_PASSWORD'];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wrktalk-env-cli-'));
  dump = join(dir, 'env.jsonl');
  await writeFile(dump, '');
  for (const bin of ['argocd', 'docker']) {
    await writeFile(join(dir, bin), FAKE(bin, dump));
    await chmod(join(dir, bin), 0o755);
  }
  for (const [k, v] of Object.entries(PARENT)) vi.stubEnv(k, v);
  // The fakes are found through the agent's own PATH, which the commands must therefore inherit.
  vi.stubEnv('PATH', `${dir}${delimiter}${process.env.PATH ?? ''}`);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

async function dumped(): Promise<Dumped[]> {
  return (await readFile(dump, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Dumped);
}

/** Runs the executor's doctor (which spawns its tool) and returns what every spawned command saw. */
async function spawnedBy(executor: Executor): Promise<Dumped[]> {
  await executor.doctor(testContext());
  const calls = await dumped();
  expect(calls.length).toBeGreaterThan(0);
  return calls;
}

function expectNoSecrets(calls: Dumped[]) {
  for (const c of calls) {
    for (const name of SECRETS)
      expect(c.env, `${c.bin} ${c.argv.join(' ')} got ${name}`).not.toHaveProperty(name);
  }
}

// Each test spawns a few fake CLIs (Node processes): generous per-test timeouts for a busy 2-core machine.
describe('commands the executors spawn get an allow-listed environment', { timeout: 60_000 }, () => {
  it('argocd-cli: no agent secret; PATH, HOME, locale, proxies, KUBECONFIG, ARGOCD_* and the option token pass', async () => {
    const calls = await spawnedBy(
      createArgoCdCliExecutor({ server: 'argocd.acme.internal:443', authToken: 'from-options' }),
    );
    expectNoSecrets(calls);
    // The command line itself is unchanged.
    expect(calls[0]!.argv).toEqual(['version', '--client']);
    for (const c of calls) {
      expect(c.env).toMatchObject({
        PATH: process.env.PATH,
        HOME: '/home/agent',
        LC_ALL: 'C.UTF-8',
        https_proxy: 'http://proxy.acme.internal:3128',
        NO_PROXY: '.acme.internal',
        KUBECONFIG: '/etc/wrktalk/kubeconfig',
        ARGOCD_OPTS: '--grpc-web',
        ARGOCD_SERVER: 'argocd.acme.internal:443',
        ARGOCD_AUTH_TOKEN: 'from-options',
      });
      expect(c.env).not.toHaveProperty('DOCKER_HOST');
      expect(c.env).not.toHaveProperty('CUSTOM_CA_BUNDLE');
    }
  });

  it('argocd-cli: passEnv and env add variables; the agent secrets are dropped even when set explicitly', async () => {
    const calls = await spawnedBy(
      createArgoCdCliExecutor({
        server: 'argocd.acme.internal:443',
        passEnv: ['CUSTOM_CA_BUNDLE'],
        env: { ARGOCD_LOG_LEVEL: 'debug', AGENT_TOKEN: 'explicit', GCC_TOKEN: 'explicit' },
      }),
    );
    expectNoSecrets(calls);
    for (const c of calls) {
      expect(c.env).toMatchObject({
        CUSTOM_CA_BUNDLE: '/etc/ssl/custom.pem',
        ARGOCD_LOG_LEVEL: 'debug',
        // Not given in the options: the documented default, process.env.ARGOCD_AUTH_TOKEN.
        ARGOCD_AUTH_TOKEN: 'from-parent',
      });
    }
  });

  it('docker-compose: no agent secret; DOCKER_* and COMPOSE_* pass, Argo CD and Kubernetes settings do not', async () => {
    const file = join(dir, 'compose.yaml');
    await writeFile(file, 'services:\n  backend:\n    image: registry.wrktalk.com/wrktalk/backend:2.3.0\n');
    const calls = await spawnedBy(
      createDockerComposeExecutor({ file, services: { backend: 'backend' }, passEnv: ['CUSTOM_CA_BUNDLE'] }),
    );
    expectNoSecrets(calls);
    expect(calls[0]).toMatchObject({ bin: 'docker', argv: ['compose', 'version'] });
    for (const c of calls) {
      expect(c.env).toMatchObject({
        PATH: process.env.PATH,
        HOME: '/home/agent',
        DOCKER_HOST: 'unix:///run/user/1000/docker.sock',
        DOCKER_CONFIG: '/etc/wrktalk/docker',
        COMPOSE_PROJECT_NAME: 'wrktalk',
        CUSTOM_CA_BUNDLE: '/etc/ssl/custom.pem',
      });
      for (const name of ['KUBECONFIG', 'ARGOCD_OPTS', 'ARGOCD_AUTH_TOKEN'])
        expect(c.env).not.toHaveProperty(name);
    }
  });

  it('watchtower: docker inspect gets no agent secret (nor the Watchtower token)', async () => {
    const calls = await spawnedBy(
      createWatchtowerExecutor({
        token: 'tower-token',
        images: { backend: 'registry.wrktalk.com/wrktalk/backend' },
        fetch: async () => new Response('', { status: 404 }),
        env: { DOCKER_CONTEXT: 'acme' },
      }),
    );
    expectNoSecrets(calls);
    expect(calls[0]).toMatchObject({ bin: 'docker', argv: ['inspect', 'wrktalk-backend'] });
    expect(calls[0]!.env).toMatchObject({
      DOCKER_HOST: 'unix:///run/user/1000/docker.sock',
      DOCKER_CONTEXT: 'acme',
    });
    expect(JSON.stringify(calls[0]!.env)).not.toContain('tower-token');
  });

  it('refuses to name an agent secret in passEnv, listing every bad entry', () => {
    expect(() =>
      createArgoCdCliExecutor({ passEnv: ['AGENT_TOKEN', 'GCC_*', 'OK_NAME', 'bad name'] }),
    ).toThrow(
      /passEnv\[0\]: AGENT_TOKEN is the agent's own credential.*passEnv\[1\]: GCC_\* is the agent's own credential.*passEnv\[3\]: must match/,
    );
    expect(() =>
      createDockerComposeExecutor({ file: join(dir, 'compose.yaml'), passEnv: ['WRKTALK_AGENT_KEY'] }),
    ).toThrow(/passEnv\[0\]/);
  });
});

describe('commandEnv (the one rule)', () => {
  const source = {
    PATH: '/usr/bin',
    AGENT_TOKEN: 'a',
    GCC_TOKEN: 'g',
    WRKTALK_AGENT_ID: 'w',
    LC_TIME: 'C',
    KUBECONFIG: '/k',
    DOCKER_HOST: 'tcp://d',
    ARGOCD_SERVER: 'argo',
    FOO: 'foo',
    FOO_BAR: 'foobar',
    UNSET: undefined,
  };
  const cases: { name: string; spec: CommandEnvSpec; want: Record<string, string> }[] = [
    {
      name: 'argocd: base names and its own',
      spec: { tool: 'argocd', set: {}, pass: [] },
      want: { PATH: '/usr/bin', LC_TIME: 'C', KUBECONFIG: '/k', ARGOCD_SERVER: 'argo' },
    },
    {
      name: 'docker: base names and its own',
      spec: { tool: 'docker', set: {}, pass: [] },
      want: { PATH: '/usr/bin', LC_TIME: 'C', DOCKER_HOST: 'tcp://d' },
    },
    {
      name: 'pass adds exact names and prefixes',
      spec: { tool: 'docker', set: {}, pass: ['FOO_*', 'UNSET'] },
      want: { PATH: '/usr/bin', LC_TIME: 'C', DOCKER_HOST: 'tcp://d', FOO_BAR: 'foobar' },
    },
    {
      name: 'set overrides, adds, and unsets with undefined',
      spec: { tool: 'argocd', set: { ARGOCD_SERVER: undefined, PATH: '/opt/bin', NEW: 'n' }, pass: [] },
      want: { PATH: '/opt/bin', LC_TIME: 'C', KUBECONFIG: '/k', NEW: 'n' },
    },
    {
      name: 'agent secrets never pass, whoever asks',
      spec: {
        tool: 'docker',
        set: { AGENT_TOKEN: 'x', GCC_URL: 'y' },
        pass: ['AGENT_*', 'GCC_TOKEN', 'WRKTALK_*'],
      },
      want: { PATH: '/usr/bin', LC_TIME: 'C', DOCKER_HOST: 'tcp://d' },
    },
  ];
  it.each(cases)('$name', ({ spec, want }) => {
    expect(commandEnv(spec, source)).toEqual(want);
  });
});
