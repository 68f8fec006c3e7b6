import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGccClient } from '@wrktalk/sdk-gcc';
import { type FakeGccServer, startFakeGccServer } from '@wrktalk/sdk-gcc/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CliIo, type ConfigError, loadConfig, main } from '../src';

let gcc: FakeGccServer;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  gcc = await startFakeGccServer();
  const admin = createGccClient({ baseUrl: gcc.url, token: 'admin-token', retry: false });
  await admin.clients.create({ id: 'acme-prod', name: 'Acme', target_kind: 'docker' });
  dir = await mkdtemp(join(tmpdir(), 'agent-cli-'));
  env = {
    GCC_URL: gcc.url,
    CLIENT_ID: 'acme-prod',
    AGENT_TOKEN: gcc.fake.issueToken('acme-prod', 'agent'),
    EXECUTOR: 'fake',
    STATE_FILE: join(dir, 'state', 'state.json'),
    POLL_WAIT_SECONDS: '1',
    LOG_LEVEL: 'warn',
  };
});
afterAll(async () => {
  await gcc.close();
  await rm(dir, { recursive: true, force: true });
});

function io(over: Partial<Record<string, string>> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  let handler: ((s: string) => void) | undefined;
  const value: CliIo = {
    env: { ...env, ...over },
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    onSignal: (h) => {
      handler = h;
      return () => {
        handler = undefined;
      };
    },
  };
  return {
    io: value,
    out,
    err,
    signal: (s: string) => handler?.(s),
    hasHandler: () => handler !== undefined,
  };
}

describe('configuration', () => {
  it('reads the environment with defaults', () => {
    expect(
      loadConfig({ GCC_URL: 'https://gcc.wrktalk.com', CLIENT_ID: 'a', AGENT_TOKEN: 't', EXECUTOR: 'fake' }),
    ).toMatchObject({
      STATE_FILE: '/var/lib/wrktalk-agent/state.json',
      ALLOWED_REGISTRIES: ['registry.wrktalk.com/'],
      COMPONENTS: ['backend', 'media', 'ct'],
      POLL_WAIT_SECONDS: 30,
      REVERT_ON_FAILED_VERIFY: true,
    });
  });
  it('lists every problem, one readable line per variable', () => {
    try {
      loadConfig({
        GCC_URL: 'gcc',
        CLIENT_ID: 'A',
        EXECUTOR: 'helm',
        STATE_FILE: 'state.json',
        POLL_WAIT_SECONDS: '90',
      });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'GCC_URL: must be an http(s) URL, e.g. https://gcc.wrktalk.com',
        'CLIENT_ID: must be a DNS label, e.g. adani-prod',
        'AGENT_TOKEN: required: the agent token issued by the GCC for this client',
        'EXECUTOR: must be one of argocd-cli, argocd-api, argocd-k8s, kubernetes, docker-compose, watchtower, fake',
        'STATE_FILE: must be an absolute path',
        'POLL_WAIT_SECONDS: Too big: expected number to be <=60',
      ]);
    }
  });
});

// These run the agent in-process against a fake GCC on a real port: generous timeouts for a busy machine.
describe('wrktalk-agent', { timeout: 60_000 }, () => {
  it('run: exits 2 with a readable error on a bad configuration', async () => {
    const t = io({ GCC_URL: '' });
    expect(await main(['run'], t.io)).toBe(2);
    expect(t.err.join('')).toContain('Invalid configuration:\n  ✗ GCC_URL: required');
  });

  it("run: exits 2 when the executor's own settings are missing", async () => {
    const t = io({ EXECUTOR: 'watchtower' });
    expect(await main(['run'], t.io)).toBe(2);
    expect(t.err.join('')).toContain(
      "\n  ✗ WATCHTOWER_TOKEN: required for EXECUTOR=watchtower: Watchtower's HTTP API token\n",
    );
  });

  it('run: polls, and stops gracefully on SIGTERM with exit 0', async () => {
    const t = io();
    gcc.fake.state.clients.get('acme-prod')!.last_seen_at = null;
    const running = main(['run'], t.io);
    // No event tells that the agent's first poll reached the GCC: wait for its visible effect (the heartbeat).
    await vi.waitFor(
      () => {
        expect(t.hasHandler()).toBe(true);
        expect(gcc.fake.state.clients.get('acme-prod')?.last_seen_at).not.toBeNull();
      },
      { timeout: 50_000, interval: 20 },
    );
    t.signal('SIGTERM');
    expect(await running).toBe(0);
    expect(t.hasHandler()).toBe(false);
    expect(
      (await createGccClient({ baseUrl: gcc.url, token: 'admin-token' }).clients.get('acme-prod'))
        .last_seen_at,
    ).not.toBeNull();
  });

  it('doctor: every check passes against a reachable GCC with a valid token', async () => {
    const t = io();
    expect(await main(['doctor'], t.io)).toBe(0);
    const lines = t.out.join('').trim().split('\n');
    expect(lines[1]).toMatch(
      /^✓ agent token — an agent token of client acme-prod \(tok-[A-Za-z0-9_-]+\), valid until revoked$/,
    );
    expect([lines[0], ...lines.slice(2)]).toEqual([
      `✓ GCC reachable — ${gcc.url} answers /healthz`,
      '✓ client acme-prod — registered (Acme, target docker)',
      `✓ state file directory — ${join(dir, 'state')} is writable`,
      '✓ executor fake — in-memory executor, changes nothing',
    ]);
  });

  it('doctor: says what is wrong (bad token, unwritable dir, no Kubernetes configuration)', async () => {
    // A regular file where the state directory should be (running as root, permissions alone would not stop us).
    await writeFile(join(dir, 'a-file'), '');
    const t = io({
      AGENT_TOKEN: 'nope',
      STATE_FILE: join(dir, 'a-file', 'state.json'),
      EXECUTOR: 'argocd-k8s',
      ARGOCD_NAMESPACE: 'gitops',
    });
    vi.stubEnv('KUBECONFIG', join(dir, 'no-such-kubeconfig'));
    expect(await main(['doctor'], t.io)).toBe(1);
    const lines = t.out.join('').trim().split('\n');
    expect(lines[0]).toMatch(/^✓ GCC reachable/);
    expect(lines[1]).toBe(
      '✗ agent token — the GCC rejected AGENT_TOKEN (401: unknown, revoked or expired): issue a new token: wrktalk-gcc token issue --client acme-prod --role agent',
    );
    // (No client check after a refused token: it would only repeat the 401.)
    expect(lines[2]).toMatch(
      /^✗ state file directory — STATE_FILE: the directory of .*a-file\/state\.json \(.*a-file\) is not writable \(E[A-Z]+: .*\): mount a writable volume there or choose another path$/,
    );
    expect(lines[3]).toMatch(
      /^✗ application gitops\/wrktalk-acme-prod — argocd-k8s: no Kubernetes configuration found \(in-cluster, KUBECONFIG or ~\/\.kube\/config\): .*ENOENT/,
    );
    vi.unstubAllEnvs();
  });

  it('doctor: explains an unreachable GCC', async () => {
    const t = io({ GCC_URL: 'http://127.0.0.1:9' });
    expect(await main(['doctor'], t.io)).toBe(1);
    expect(t.out.join('')).toMatch(
      /✗ GCC reachable — http:\/\/127\.0\.0\.1:9: Network error: GET \/healthz — .* check GCC_URL/,
    );
  });

  it('exits 2 on an unknown command', async () => {
    const t = io();
    expect(await main(['nope'], t.io)).toBe(2);
  });
});
