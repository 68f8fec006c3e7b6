/**
 * The reference agent's own credentials never reach the commands its executors spawn: `wrktalk-agent doctor` runs the
 * executor's tool (a fake on PATH that writes down its whole environment) with AGENT_TOKEN and GCC settings set.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createGccClient } from '@wrktalk/sdk-gcc';
import { type FakeGccServer, startFakeGccServer } from '@wrktalk/sdk-gcc/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CliIo, main } from '../src';

const CLIENT = 'acme';
let gcc: FakeGccServer;
let dir: string;
let dump: string;

const FAKE = (dumpPath: string) => String.raw`#!/usr/bin/env node
import { appendFileSync } from 'node:fs';
const argv = process.argv.slice(2);
appendFileSync(${JSON.stringify(dumpPath)}, JSON.stringify({ argv, env: process.env }) + '\n');
if (argv[0] === 'version') process.stdout.write('argocd: v3.5.1+fake\n');
else if (argv[0] === 'compose') process.stdout.write('Docker Compose version v2.29.7\n');
else process.stdout.write('{}\n');
`;

beforeAll(async () => {
  gcc = await startFakeGccServer();
  await createGccClient({ baseUrl: gcc.url, token: 'admin-token', retry: false }).clients.create({
    id: CLIENT,
    name: 'Acme',
    target_kind: 'docker',
  });
});
afterAll(() => gcc.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-command-env-'));
  dump = join(dir, 'env.jsonl');
  await writeFile(dump, '');
  for (const bin of ['argocd', 'docker']) {
    await writeFile(join(dir, bin), FAKE(dump));
    await chmod(join(dir, bin), 0o755);
  }
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Runs `wrktalk-agent doctor` with the agent's secrets in its environment; returns what each command saw. */
async function commandsSeen(env: Record<string, string>) {
  const io: CliIo = {
    env: {
      GCC_URL: gcc.url,
      CLIENT_ID: CLIENT,
      AGENT_TOKEN: gcc.fake.issueToken(CLIENT, 'agent'),
      GCC_CA_BUNDLE: '/etc/wrktalk/gcc-ca.pem',
      WRKTALK_AGENT_SIGNING_KEY: 'agent-private',
      STATE_FILE: join(dir, 'state.json'),
      PATH: `${dir}${delimiter}${process.env.PATH ?? ''}`,
      ...env,
    },
    stdout: () => {},
    stderr: () => {},
    onSignal: () => () => {},
  };
  await main(['doctor'], io);
  const calls = (await readFile(dump, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { argv: string[]; env: Record<string, string> });
  expect(calls.length).toBeGreaterThan(0);
  for (const c of calls) {
    for (const name of ['AGENT_TOKEN', 'GCC_URL', 'GCC_CA_BUNDLE', 'WRKTALK_AGENT_SIGNING_KEY'])
      expect(c.env, `${c.argv.join(' ')} got ${name}`).not.toHaveProperty(name);
    expect(c.env.PATH).toBe(io.env.PATH);
  }
  return calls;
}

// Doctor spawns fake CLIs (Node processes) and calls the fake GCC: generous timeouts for a busy machine.
describe('wrktalk-agent commands get no agent credential', { timeout: 60_000 }, () => {
  it('EXECUTOR=argocd-cli: argocd gets ARGOCD_SERVER / ARGOCD_AUTH_TOKEN, not AGENT_TOKEN or GCC_*', async () => {
    const calls = await commandsSeen({
      EXECUTOR: 'argocd-cli',
      ARGOCD_SERVER: 'argocd.acme.internal:443',
      ARGOCD_AUTH_TOKEN: 'argo-token',
    });
    expect(calls[0]!.argv).toEqual(['version', '--client']);
    expect(calls[0]!.env).toMatchObject({
      ARGOCD_SERVER: 'argocd.acme.internal:443',
      ARGOCD_AUTH_TOKEN: 'argo-token',
    });
  });

  it('EXECUTOR=docker-compose: docker gets DOCKER_HOST, not AGENT_TOKEN or GCC_*', async () => {
    const file = join(dir, 'compose.yaml');
    await writeFile(file, 'services:\n  backend:\n    image: registry.wrktalk.com/wrktalk/backend:2.3.0\n');
    const calls = await commandsSeen({
      EXECUTOR: 'docker-compose',
      COMPONENTS: 'backend',
      COMPOSE_FILE: file,
      DOCKER_HOST: 'unix:///var/run/docker.sock',
    });
    expect(calls[0]!.argv).toEqual(['compose', 'version']);
    expect(calls[0]!.env).toMatchObject({ DOCKER_HOST: 'unix:///var/run/docker.sock' });
  });
});
