/**
 * STATE_FILE that names a directory: `wrktalk-agent run` stops before its first poll with a configuration error
 * naming STATE_FILE (exit 2, as any bad variable), not a crash (exit 1); `doctor` says the same. (That the running
 * agent survives the path becoming a directory is sdk-agent's `state-file-path.test.ts`.)
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGccClient } from '@wrktalk/sdk-gcc';
import { type FakeGccServer, startFakeGccServer } from '@wrktalk/sdk-gcc/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, EXIT, main } from '../src';

const CLIENT = 'acme';
let gcc: FakeGccServer;
let dir: string;

beforeAll(async () => {
  gcc = await startFakeGccServer({ pollAfterSeconds: 1 });
  const admin = createGccClient({ baseUrl: gcc.url, token: 'admin-token', retry: false });
  await admin.clients.create({ id: CLIENT, name: 'Acme', target_kind: 'docker' });
  dir = await mkdtemp(join(tmpdir(), 'agent-state-file-'));
});
afterAll(async () => {
  await gcc.close();
  await rm(dir, { recursive: true, force: true });
});

async function cli(command: 'run' | 'doctor', stateFile: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    env: {
      GCC_URL: gcc.url,
      CLIENT_ID: CLIENT,
      AGENT_TOKEN: gcc.fake.issueToken(CLIENT, 'agent'),
      EXECUTOR: 'fake',
      STATE_FILE: stateFile,
      POLL_WAIT_SECONDS: '0',
      LOG_LEVEL: 'warn',
    },
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    onSignal: () => () => {},
  };
  const code = await main([command], io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('STATE_FILE is a directory', { timeout: 60_000 }, () => {
  it('run: exit 2 with a configuration error naming STATE_FILE, before any poll', async () => {
    const path = join(dir, 'state-as-dir');
    await mkdir(path);
    const polls = gcc.fake.state.audit.length;
    const { code, stderr } = await cli('run', path);
    expect(code).toBe(EXIT.config);
    expect(stderr).toContain('Invalid configuration:');
    expect(stderr).toContain(`✗ STATE_FILE: ${path} is a directory: the state file must be a file path`);
    expect(stderr).not.toContain('agent crashed');
    expect(gcc.fake.state.audit.length).toBe(polls);
  });

  it('doctor: the state file check fails and says why', async () => {
    const path = join(dir, 'doctor-dir');
    await mkdir(path);
    const { code, stdout } = await cli('doctor', path);
    expect(code).toBe(EXIT.failed);
    expect(stdout).toContain(`✗ state file directory — STATE_FILE: ${path} is a directory`);
  });
});
