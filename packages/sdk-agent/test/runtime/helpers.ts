import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGccClient, type GccClient } from '@wrktalk/sdk-gcc';
import { type FakeGccServer, startFakeGccServer } from '@wrktalk/sdk-gcc/testing';
import { afterEach, beforeEach } from 'vitest';
import type {
  CurrentState,
  Executor,
  ExecutorContext,
  UpdateInstruction,
  VerifyResult,
} from '../../src/executor';
import {
  type AgentEvents,
  type AgentLogger,
  type AgentOptions,
  abortableSleep,
  silentLogger,
} from '../../src/runtime';

export const CLIENT = 'acme-prod';
export const REGISTRY = 'registry.wrktalk.com/';

/** A fake GCC on a real port with one registered client, and helpers to queue updates for it. */
export interface GccFixture {
  server: FakeGccServer;
  admin: GccClient;
  agentToken: string;
  /** Creates a release and a deployment that needs no approval; returns the task id. */
  queueUpdate(component: string, version: string): Promise<string>;
  /** The task as the GCC sees it. */
  task(
    taskId: string,
  ): Promise<{ status: string; last_message: string | null; logs: string[]; attempt: number }>;
  /** How many times the GCC audited `action` (e.g. `task.report_success`) for a task. */
  auditCount(taskId: string, action: string): number;
  /** Closes the HTTP port (the fake's data stays) and opens it again later on the same port. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startGcc(): Promise<GccFixture> {
  const server = await startFakeGccServer();
  const port = Number(new URL(server.url).port);
  const admin = createGccClient({ baseUrl: server.url, token: 'admin-token', retry: false });
  const ci = createGccClient({ baseUrl: server.url, token: 'ci-token', retry: false });
  await admin.clients.create({ id: CLIENT, name: 'Acme', target_kind: 'docker' });
  const agentToken = server.fake.issueToken(CLIENT, 'agent');
  return {
    server,
    admin,
    agentToken,
    async queueUpdate(component, version) {
      const release = await ci.releases.create({
        component,
        version,
        image_url: `${REGISTRY}${component}:${version}`,
      });
      const dpl = await admin.deployments.create({
        release_id: release.id,
        targets: { client_ids: [CLIENT] },
        approval: { required: false },
      });
      const task = (await admin.deployments.listTasks(dpl.id)).items[0]!;
      return task.id;
    },
    async task(taskId) {
      const t = server.fake.state.tasks.get(taskId);
      if (!t) throw new Error(`no task ${taskId}`);
      return t;
    },
    auditCount(taskId, action) {
      return server.fake.state.audit.filter((e) => e.subject_id === taskId && e.action === action).length;
    },
    async down() {
      await new Promise<void>((resolve) => {
        server.server.closeAllConnections();
        server.server.close(() => resolve());
      });
    },
    async up() {
      await new Promise<void>((resolve, reject) => {
        server.server.once('error', reject);
        server.server.listen(port, '127.0.0.1', () => resolve());
      });
    },
    close: () => server.close(),
  };
}

/** A temporary directory for a state file. */
export async function tempDir(): Promise<{ dir: string; file: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'wrktalk-agent-'));
  return { dir, file: join(dir, 'state.json'), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export type TempDir = Awaited<ReturnType<typeof tempDir>>;

/**
 * The per-test set-up of the agent suites: a fake GCC on a real port and a temporary state file, new for each test
 * and handed to `use`; `defer`red clean-ups run after each test (last first), before the GCC closes.
 */
export function agentFixtures(use: (gcc: GccFixture, tmp: TempDir) => void): {
  defer: (cleanup: () => Promise<unknown>) => void;
} {
  let gcc: GccFixture | undefined;
  let tmp: TempDir | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];
  beforeEach(async () => {
    gcc = await startGcc();
    tmp = await tempDir();
    use(gcc, tmp);
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await gcc?.close();
    await tmp?.cleanup();
  });
  return { defer: (cleanup) => void cleanups.push(cleanup) };
}

/** Agent options for `CLIENT` against the fixture's GCC and state file: no long-poll wait, no real sleeps, silent. */
export function agentOptions(
  gcc: GccFixture,
  tmp: TempDir,
  executor: Executor,
  over: Partial<AgentOptions> = {},
): AgentOptions {
  return {
    gcc: { baseUrl: gcc.server.url, token: gcc.agentToken },
    clientId: CLIENT,
    executor,
    stateFile: tmp.file,
    pollWaitSeconds: 0,
    logger: silentLogger,
    sleep: recordingSleep().sleep,
    ...over,
  };
}

/** Collects every `k` event an agent emits. */
export function record<K extends keyof AgentEvents>(
  agent: { events: { on: (k: K, f: (e: AgentEvents[K]) => void) => void } },
  k: K,
): AgentEvents[K][] {
  const seen: AgentEvents[K][] = [];
  agent.events.on(k, (e) => seen.push(e));
  return seen;
}

/** A sleep that records what the agent asked for and waits at most a few ms. */
export function recordingSleep(maxRealMs = 2) {
  const delays: number[] = [];
  const sleep = (ms: number, signal: AbortSignal) => {
    delays.push(ms);
    return abortableSleep(Math.min(ms, maxRealMs), signal);
  };
  return { delays, sleep };
}

/** A logger that keeps every line, for assertions on what the agent logs. */
export function memoryLogger() {
  const lines: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) =>
    lines.push({ level, msg, obj });
  const logger: AgentLogger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

/**
 * A tiny scriptable executor: versions in a shared map (so two agents "see" the same target, like two processes on
 * one host), every call counted, and hooks to make apply hang or verify fail.
 */
export function scriptedExecutor(
  init: {
    running?: Map<string, string>;
    /** Runs inside apply after the version is set. */
    afterSet?: (ins: UpdateInstruction, ctx: ExecutorContext) => Promise<void>;
    verify?: (ins: UpdateInstruction) => VerifyResult;
  } = {},
) {
  const running = init.running ?? new Map<string, string>();
  const calls: string[] = [];
  const executor: Executor = {
    name: 'scripted',
    async current(ins): Promise<CurrentState> {
      calls.push('current');
      return { version: running.get(ins.component) ?? null };
    },
    async apply(ins, ctx) {
      calls.push('apply');
      running.set(ins.component, ins.version);
      ctx.log(`set ${ins.component}=${ins.version}`);
      await init.afterSet?.(ins, ctx);
    },
    async verify(ins) {
      calls.push('verify');
      return (
        init.verify?.(ins) ?? { healthy: running.get(ins.component) === ins.version, message: 'Healthy' }
      );
    },
    async doctor() {
      return [{ name: 'scripted', ok: true, detail: 'test executor' }];
    },
  };
  return { executor, running, calls, count: (m: string) => calls.filter((c) => c === m).length };
}

/** Waits until `check` returns true (polling every 10 ms), or fails after `timeoutMs` (generous: busy machines). */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A fault response the proxy sends instead of forwarding. */
export interface Fault {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * A reverse proxy in front of the fake GCC on a real port: `fault` can answer a request itself (500, 429, …) and
 * `rewrite` can change a forwarded JSON body (to craft instructions the real GCC would never send).
 */
export async function startProxy(
  upstream: string,
  hooks: {
    fault?: (req: { method: string; path: string }) => Fault | undefined;
    rewrite?: (req: { method: string; path: string }, body: unknown) => unknown;
  },
): Promise<{
  url: string;
  close: () => Promise<void>;
  requests: { method: string; path: string; status: number }[];
}> {
  const requests: { method: string; path: string; status: number }[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      const info = { method, path };
      const fault = hooks.fault?.(info);
      if (fault) {
        requests.push({ ...info, status: fault.status });
        res.writeHead(fault.status, {
          'content-type': 'application/problem+json',
          ...fault.headers,
        });
        res.end(JSON.stringify(fault.body ?? { type: 'about:blank', title: 'fault', status: fault.status }));
        return;
      }
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers.set(k, v);
      }
      const up = await fetch(upstream + path, {
        method,
        headers,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      });
      let text = await up.text();
      if (hooks.rewrite && up.status === 200 && text)
        text = JSON.stringify(hooks.rewrite(info, JSON.parse(text)));
      const out: Record<string, string> = {};
      up.headers.forEach((v, k) => {
        if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k))
          out[k] = v;
      });
      requests.push({ ...info, status: up.status });
      res.writeHead(up.status, out);
      res.end(text);
    })().catch((error: unknown) => {
      res.writeHead(502);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * An agent for `CLIENT` is killed mid-apply: its executor changes the target (`running`) and then hangs until the
 * agent is stopped. Returns the task id, the checkpoint the agent left in its state file, and its executor.
 */
export async function killedMidApply(
  gcc: GccFixture,
  tmp: TempDir,
  running: Map<string, string>,
  createAgent: (o: AgentOptions) => { start(): Promise<void>; stop(): Promise<void> },
): Promise<{
  taskId: string;
  checkpoint: Record<string, unknown>;
  /** The killed agent's executor (what it was asked to do). */
  first: ReturnType<typeof scriptedExecutor>;
}> {
  const first = scriptedExecutor({
    running,
    afterSet: (_ins, ctx) =>
      new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
  });
  const agent = createAgent(agentOptions(gcc, tmp, first.executor, { stopGraceMs: 20 }));
  const taskId = await gcc.queueUpdate('backend', 'v2');
  const loop = agent.start();
  await until(() => first.count('apply') === 1, 30_000, 'apply started');
  await agent.stop();
  await loop;
  return {
    taskId,
    checkpoint: JSON.parse(await readFile(tmp.file, 'utf8')) as Record<string, unknown>,
    first,
  };
}
