/**
 * `wrktalk-agent doctor`: the token and client verdicts against a running GCC (the sdk-gcc fake and gcc-core on
 * PGlite, the same contract), `--json`, and per executor what it prints when the executor's tool (or, for the
 * Kubernetes executors, the cluster configuration; for argocd-api, the server) is missing, and when everything is
 * there.
 */

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGcc, type Database, type Gcc, migrate, openDatabase } from '@wrktalk/gcc-core';
import { createGccClient, type GccClient, type Whoami } from '@wrktalk/sdk-gcc';
import { type FakeGccServer, startFakeGccServer } from '@wrktalk/sdk-gcc/testing';
import express from 'express';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { argoApplication, startFakeArgoCd } from '../../../packages/sdk-agent/test/fakes/fake-argocd-server';
import { installFakeClis, writeArgoLogin } from '../../../packages/sdk-agent/test/fakes/fake-cli';
import { kubeDeployment, startFakeKube } from '../../../packages/sdk-agent/test/fakes/fake-kube-server';
import { type CliIo, main, tokenCheck } from '../src';

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

/** The common checks before the executor's: GCC reachable, agent token, client, state file directory. */
const COMMON = 4;

/** Runs `wrktalk-agent doctor`; returns the exit code and the executor's lines (after the common checks). */
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
  expect(
    lines.slice(0, COMMON).every((l) => l.startsWith('✓')),
    lines.join('\n'),
  ).toBe(true);
  return { code, lines: lines.slice(COMMON) };
}

/** A GCC the token verdicts run against: its URL and an admin client. */
interface RunningGcc {
  url: string;
  admin: GccClient;
  close(): Promise<void>;
}

const ADMIN = 'doctor-admin-secret-0123456789';

async function fakeGcc(): Promise<RunningGcc> {
  const server = await startFakeGccServer({ adminToken: ADMIN });
  return {
    url: server.url,
    admin: createGccClient({ baseUrl: server.url, token: ADMIN, retry: false }),
    close: () => server.close(),
  };
}

/** gcc-core on in-memory PGlite behind Express: the real service. */
async function coreGcc(): Promise<RunningGcc> {
  const db: Database = await openDatabase({ dataDir: 'memory://' });
  await migrate(db);
  const gcc: Gcc = await createGcc({
    database: db,
    adminToken: ADMIN,
    logger: pino({ level: 'silent' }),
    worker: false,
  });
  const app = express();
  app.use(gcc.router);
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    admin: createGccClient({ baseUrl: url, token: ADMIN, retry: false }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gcc.close();
      await db.close();
    },
  };
}

/** `wrktalk-agent doctor [--json]` against `url` with the fake executor: exit code and stdout. */
async function doctorAt(url: string, env: Record<string, string>, args: string[] = []) {
  const out: string[] = [];
  const code = await main(['doctor', ...args], {
    env: {
      GCC_URL: url,
      CLIENT_ID: CLIENT,
      EXECUTOR: 'fake',
      STATE_FILE: join(dir, 'state', 'state.json'),
      ...env,
    },
    stdout: (t) => out.push(t),
    stderr: () => {},
    onSignal: () => () => {},
  });
  return { code, text: out.join('') };
}

const ISSUE = 'wrktalk-gcc token issue --client acme --role agent';

// A real HTTP GCC per kind; a verdict each. All but the first would have been wrong before doctor asked whoami.
// Against servers in this process (gcc-core on PGlite, one token expiring): generous timeouts for a busy machine.
describe.each([
  ['the sdk-gcc fake', fakeGcc],
  ['gcc-core on PGlite', coreGcc],
])('doctor: what AGENT_TOKEN is, against %s', { timeout: 60_000 }, (_, start) => {
  let g: RunningGcc;
  beforeAll(async () => {
    g = await start();
    for (const [id, name] of [
      [CLIENT, 'Acme'],
      ['globex', 'Globex'],
    ] as const)
      await g.admin.clients.create({ id, name, target_kind: 'docker' });
  }, 120_000);
  afterAll(() => g?.close());

  /** The token, client and state lines of doctor with AGENT_TOKEN `token`. */
  const gccLines = async (token: string) => {
    const { code, text } = await doctorAt(g.url, { AGENT_TOKEN: token });
    return { code, lines: text.trim().split('\n').slice(1, -2) };
  };

  it('an agent token of CLIENT_ID: ✓ token (its id) and ✓ client', async () => {
    const t = await g.admin.clients.createToken(CLIENT, { role: 'agent' });
    expect(await gccLines(t.token)).toEqual({
      code: 0,
      lines: [
        `✓ agent token — an agent token of client acme (${t.id}), valid until revoked`,
        '✓ client acme — registered (Acme, target docker)',
      ],
    });
  });

  it('an approver token of CLIENT_ID: ✗, the agent needs an agent token (it was ✓, then run got 403 forever)', async () => {
    const t = await g.admin.clients.createToken(CLIENT, { role: 'approver' });
    expect(await gccLines(t.token)).toEqual({
      code: 1,
      lines: [
        `✗ agent token — AGENT_TOKEN is an approver token of acme: the agent needs an agent token: ${ISSUE}`,
      ],
    });
  });

  it('an agent token of another client: ✗ naming both clients (it said "no client acme")', async () => {
    const t = await g.admin.clients.createToken('globex', { role: 'agent' });
    const { code, lines } = await gccLines(t.token);
    expect(code).toBe(1);
    expect(lines).toEqual([
      `✗ agent token — AGENT_TOKEN belongs to client globex, CLIENT_ID is acme: set CLIENT_ID=globex if this agent runs for globex, otherwise issue a token of acme: ${ISSUE}`,
    ]);
    expect(lines.join('\n')).not.toContain('no client acme');
  });

  it('an approver token of another client, and the admin token: ✗, each said as it is', async () => {
    const t = await g.admin.clients.createToken('globex', { role: 'approver' });
    expect((await gccLines(t.token)).lines).toEqual([
      `✗ agent token — AGENT_TOKEN is an approver token of globex (CLIENT_ID is acme): the agent needs an agent token: ${ISSUE}`,
    ]);
    expect(await gccLines(ADMIN)).toEqual({
      code: 1,
      lines: [
        `✗ agent token — AGENT_TOKEN is an admin token (admin): the agent needs an agent token: ${ISSUE}`,
      ],
    });
  });

  it('a revoked and an expired token: ✗ 401, issue a new token', async () => {
    const revoked = await g.admin.clients.createToken(CLIENT, { role: 'agent' });
    await g.admin.clients.revokeToken(CLIENT, revoked.id);
    const expired = await g.admin.clients.createToken(CLIENT, { role: 'agent', ttl_seconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expired.expires_at!) - Date.now() + 50));
    for (const t of [revoked, expired, { token: 'not-a-token' }]) {
      expect(await gccLines(t.token)).toEqual({
        code: 1,
        lines: [
          `✗ agent token — the GCC rejected AGENT_TOKEN (401: unknown, revoked or expired): issue a new token: ${ISSUE}`,
        ],
      });
    }
  });

  it('--json: { ok, checks: [{ name, ok, detail }] }, exit 0 / 1 / 2', async () => {
    const good = await g.admin.clients.createToken(CLIENT, { role: 'agent' });
    const ok = await doctorAt(g.url, { AGENT_TOKEN: good.token }, ['--json']);
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.text) as { ok: boolean; checks: Record<string, unknown>[] };
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual([
      'GCC reachable',
      'agent token',
      'client acme',
      'state file directory',
      'executor fake',
    ]);
    for (const c of report.checks) expect(Object.keys(c).sort()).toEqual(['detail', 'name', 'ok']);

    const approver = await g.admin.clients.createToken(CLIENT, { role: 'approver' });
    const failed = await doctorAt(g.url, { AGENT_TOKEN: approver.token }, ['--json']);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.text)).toEqual({
      ok: false,
      checks: [
        { name: 'GCC reachable', ok: true, detail: `${g.url} answers /healthz` },
        {
          name: 'agent token',
          ok: false,
          detail: `AGENT_TOKEN is an approver token of acme: the agent needs an agent token: ${ISSUE}`,
        },
        { name: 'state file directory', ok: true, detail: `${join(dir, 'state')} is writable` },
        { name: 'executor fake', ok: true, detail: 'in-memory executor, changes nothing' },
      ],
    });

    const bad = await doctorAt(g.url, { AGENT_TOKEN: good.token, CLIENT_ID: 'Not A Label' }, ['--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.text)).toEqual({
      ok: false,
      checks: [
        { name: 'configuration', ok: false, detail: 'CLIENT_ID: must be a DNS label, e.g. adani-prod' },
      ],
    });
  });
});

describe('tokenCheck: the verdict from what whoami says (pure)', () => {
  const who = (over: Partial<Whoami>): Whoami => ({
    token_id: 'tok-1',
    role: 'agent',
    client_id: CLIENT,
    name: null,
    expires_at: null,
    ...over,
  });
  it.each([
    [who({}), true, 'an agent token of client acme (tok-1), valid until revoked'],
    [
      who({ expires_at: '2030-01-01T00:00:00.000Z' }),
      true,
      'an agent token of client acme (tok-1), expires 2030-01-01T00:00:00.000Z',
    ],
    [
      who({ role: 'approver' }),
      false,
      `AGENT_TOKEN is an approver token of acme: the agent needs an agent token: ${ISSUE}`,
    ],
    [
      who({ role: 'ci', client_id: null, name: 'github-actions', token_id: null }),
      false,
      `AGENT_TOKEN is a CI token (github-actions): the agent needs an agent token: ${ISSUE}`,
    ],
    [
      who({ client_id: 'globex' }),
      false,
      `AGENT_TOKEN belongs to client globex, CLIENT_ID is acme: set CLIENT_ID=globex if this agent runs for globex, otherwise issue a token of acme: ${ISSUE}`,
    ],
  ])('%o → ok %s', (whoami, ok, detail) => {
    expect(tokenCheck(whoami, CLIENT)).toEqual({ name: 'agent token', ok, detail });
  });
});

describe('doctor: a GCC without /api/v1/whoami (older than this agent)', { timeout: 60_000 }, () => {
  it('says the token could not be verified, and still checks the client as the agent', async () => {
    const fake = await startFakeGccServer();
    const old = createServer((req, res) => {
      if (req.url === '/api/v1/whoami') {
        res.writeHead(404, { 'content-type': 'application/problem+json' });
        res.end(
          JSON.stringify({
            type: 'https://wrktalk.com/problems/not_found',
            title: 'Not Found',
            status: 404,
            code: 'not_found',
          }),
        );
        return;
      }
      void fetch(`${fake.url}${req.url}`, {
        headers: { authorization: req.headers.authorization ?? '' },
      }).then(async (r) => {
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
        res.end(await r.text());
      });
    });
    await new Promise<void>((resolve) => old.listen(0, '127.0.0.1', resolve));
    try {
      await createGccClient({ baseUrl: fake.url, token: 'admin-token', retry: false }).clients.create({
        id: CLIENT,
        name: 'Acme',
        target_kind: 'docker',
      });
      const url = `http://127.0.0.1:${(old.address() as AddressInfo).port}`;
      const { code, text } = await doctorAt(url, { AGENT_TOKEN: fake.fake.issueToken(CLIENT, 'agent') });
      expect(code).toBe(0);
      const lines = text.trim().split('\n');
      expect(lines[1]).toBe(
        `✓ agent token — not verified: this GCC has no /api/v1/whoami (404), so the role and client of AGENT_TOKEN are unknown; it must be an agent token of acme (${ISSUE})`,
      );
      expect(lines[2]).toBe('✓ client acme — registered (Acme, target docker)');
    } finally {
      old.closeAllConnections();
      await new Promise<void>((resolve) => old.close(() => resolve()));
      await fake.close();
    }
  });
});

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

  it('argocd-cli: only the `argocd login` context, as the README allows (it was ✗ "ARGOCD_SERVER missing")', async () => {
    const clis = await installFakeClis(
      {
        apps: { 'wrktalk-acme': { parameters: [], sync: 'Synced', health: 'Healthy' } },
        argocdAuth: { tokens: ['login-token'] },
      },
      ['argocd'],
    );
    cleanups.push(() => clis.cleanup());
    const home = join(dir, 'home-login');
    await writeArgoLogin(home, 'login-token');
    const { code, lines } = await doctor({
      EXECUTOR: 'argocd-cli',
      HOME: home,
      ...clis.env,
      PASS_ENV: 'FAKE_CLI_*',
    });
    expect(lines).toEqual([
      '✓ argocd binary — argocd: v3.5.1+fake',
      "✓ argocd credentials — ARGOCD_SERVER unset, ARGOCD_AUTH_TOKEN unset: the server and token from the CLI's `argocd login` context",
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
