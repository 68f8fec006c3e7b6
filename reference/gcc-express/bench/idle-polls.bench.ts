/**
 * Many idle agents (issue 12, item 6), a benchmark script, not a test. From the repository root, after
 * `npm run build`:
 *
 *   npx tsx reference/gcc-express/bench/idle-polls.bench.ts [--connections-idle 19000] [--per-holder 9500]
 *     [--other-tokens 1000] [--connections 10] [--duration 10] [--wait 60] [--settle 5] [--tokens-via sql|api]
 *     [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--keep] [--skip-bare] [--heap-snapshots DIR]
 *     [--json FILE]
 *
 * N idle long polls (`GET /api/v1/clients/{id}/updates?wait=60` with the `If-None-Match` of the previous answer, one
 * agent token and one connection per client) held by one GCC process, and what they cost it:
 *   (a) the GCC's VmRSS with the clients registered and every token used once (cached), no idle poll held;
 *   (b) its VmRSS with the N polls held; per idle poll: (b − a) / N. Both after a forced full GC and a settle
 *       (the GCC child runs with `--expose-gc` and a preloaded SIGUSR2 hook that runs `gc()` and writes
 *       `process.memoryUsage()` to a file; nothing else of the GCC changes); also VmHWM;
 *   (c) p50/p99 of other requests: autocannon (10 connections, 10 s) on agent polls (`wait=0`, no `If-None-Match`) of
 *       `--other-tokens` other clients, rotating, once before the idle polls are opened and once while they are
 *       held, in the same run.
 *   (d) the baseline, in the same run after the GCC is stopped: a bare `node:http` server (plain `node`, no Express,
 *       no GCC) holding the same N requests from new holders, each with a `setTimeout` of `--wait` seconds and a
 *       `close` listener, like a long poll; its RSS and V8 heap per held request measured as in (a) and (b).
 *       `--skip-bare` leaves it out; `--heap-snapshots DIR` writes heap snapshots at each (a) and (b), for analysis
 *       only: writing the snapshot at (a) grows the process, so that run's RSS figures are not comparable.
 * Goals: under 10 KB per idle connection, p99 of the other requests under 50 ms. `--json FILE` also writes the
 * figures as JSON (for `npm run bench`).
 *
 * Open files: the GCC holds one file descriptor per connection plus its own (a few dozen: database pool, listener,
 * epoll, stdio…), so N must stay below the open-files limit of the machine minus that. On the benchmark machine the limit is
 * 20,000 soft and hard and cannot be raised, hence the default N of 19,000; pass a smaller `--connections-idle` on a
 * busy machine, a larger one where `ulimit -n` allows it. The idle connections are held by ceil(N / --per-holder)
 * child processes (raw `node:net` sockets writing the HTTP requests, each child from its own loopback address
 * 127.0.0.2, 127.0.0.3… so no process and no source address runs out of descriptors or ephemeral ports). Each
 * idle poll first GETs without `If-None-Match` (over a few keep-alive connections, closed afterwards) to learn
 * its ETag, which also caches its token in the GCC; then opens its own connection and GETs with `wait` and
 * `If-None-Match`, and asks again whenever an answer comes back, so the N stay held for the whole measurement.
 *
 * Like `gcc.bench.ts`, it creates a database of its own on that PostgreSQL (dropped at the end unless --keep),
 * starts `wrktalk-gcc serve` as a child process on it, registers the clients set-based and prints a markdown table.
 * The agent tokens (N + --other-tokens) are stored set-based in SQL by default, as the API stores them (sha256 of a
 * `wrk_` secret; no audit entries): through the API, 25 at a time (`--tokens-via api`), 400 tokens took 8.3 s on the
 * shared benchmark machine (about 50 a second), so 20,000 would take minutes.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Database, openDatabase } from '@wrktalk/gcc-core';
import autocannon from 'autocannon';
import {
  api,
  BENCH_ADMIN_TOKEN,
  BENCH_CI_TOKEN,
  benchClientId,
  DEFAULT_DATABASE_URL,
  freePort,
  GCC_BIN,
  insertAgentTokens,
  issueAgentTokens,
  log,
  memoryKb,
  rotatingPolls,
  seedClients,
  start,
  stop,
  waitFor,
} from './bench-kit';

const { values: args } = parseArgs({
  options: {
    'connections-idle': { type: 'string', default: '19000' },
    'per-holder': { type: 'string', default: '9500' },
    'other-tokens': { type: 'string', default: '1000' },
    'tokens-via': { type: 'string', default: 'sql' },
    connections: { type: 'string', default: '10' },
    duration: { type: 'string', default: '10' },
    wait: { type: 'string', default: '60' },
    settle: { type: 'string', default: '5' },
    'database-url': { type: 'string', default: DEFAULT_DATABASE_URL },
    keep: { type: 'boolean', default: false },
    /** Skip the baseline (a bare `node:http` server holding the same N idle requests, measured after the GCC). */
    'skip-bare': { type: 'boolean', default: false },
    /** A directory: heap snapshots of the GCC (and of the baseline server) at (a) and (b), for analysis. */
    'heap-snapshots': { type: 'string' },
    /** Internal: run as a holder of idle connections (a child of the benchmark, driven over IPC). */
    hold: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});

const IDLE = Number(args['connections-idle']);
const PER_HOLDER = Number(args['per-holder']);
const OTHERS = Number(args['other-tokens']);
const CONNECTIONS = Number(args.connections);
const DURATION = Number(args.duration);
const WAIT = Number(args.wait);
const SETTLE_MS = Number(args.settle) * 1000;
const TOKENS_VIA = args['tokens-via'];
const SNAPSHOTS = args['heap-snapshots'];
if (SNAPSHOTS) mkdirSync(SNAPSHOTS, { recursive: true });
if (TOKENS_VIA !== 'sql' && TOKENS_VIA !== 'api') throw new Error('--tokens-via takes sql or api');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the holders: children that keep idle long polls open ---------------------------------------------------------

interface Agent {
  client: string;
  token: string;
  etag?: string;
}

type ToHolder =
  | { cmd: 'init'; host: string; port: number; localAddress: string; wait: number; agents: Agent[] }
  | { cmd: 'warm'; concurrency: number }
  | { cmd: 'hold'; concurrency: number }
  | { cmd: 'status' }
  | { cmd: 'close' };

interface HolderStatus {
  /** Connections open with a long poll written and not answered yet. */
  waiting: number;
  open: number;
  answers200: number;
  answers304: number;
  answersOther: number;
  /** Answers that came back before `wait` − 1 s (something changed, or the GCC did not hold the request). */
  early: number;
  /** Connections closed or failed under a held poll (each is reopened after 1 s). */
  dropped: number;
  connectErrors: number;
  firstError?: string;
}

interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One keep-alive HTTP/1.1 connection, one request at a time, answers framed by Content-Length or chunked. */
class Conn {
  readonly socket: Socket;
  closed = false;
  private buf: Buffer = Buffer.alloc(0);
  private pending?: { resolve: (a: HttpAnswer) => void; reject: (e: Error) => void };
  private readonly ready: Promise<void>;

  constructor(host: string, port: number, localAddress: string) {
    this.socket = connect({ host, port, localAddress });
    this.socket.setNoDelay(true);
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
    this.ready.catch(() => undefined);
    this.socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.parse();
    });
    this.socket.on('error', (e) => this.fail(e));
    this.socket.on('close', () => {
      this.closed = true;
      this.fail(new Error('connection closed'));
    });
  }

  connected(): Promise<void> {
    return this.ready;
  }

  request(head: string): Promise<HttpAnswer> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(head);
    });
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private fail(e: Error): void {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(e);
  }

  private parse(): void {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(lines[0]!.split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    let pos = end + 4;
    let body = '';
    if (status === 304 || status === 204 || status < 200) {
      // no body
    } else if (headers['content-length'] !== undefined) {
      const len = Number(headers['content-length']);
      if (this.buf.length < pos + len) return;
      body = this.buf.subarray(pos, pos + len).toString('utf8');
      pos += len;
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const parts: Buffer[] = [];
      for (;;) {
        const eol = this.buf.indexOf('\r\n', pos);
        if (eol < 0) return;
        const size = Number.parseInt(this.buf.subarray(pos, eol).toString('latin1'), 16);
        if (size === 0) {
          if (this.buf.length < eol + 4) return; // no trailers expected: "0\r\n\r\n"
          pos = eol + 4;
          break;
        }
        if (this.buf.length < eol + 2 + size + 2) return;
        parts.push(this.buf.subarray(eol + 2, eol + 2 + size));
        pos = eol + 2 + size + 2;
      }
      body = Buffer.concat(parts).toString('utf8');
    } else {
      this.fail(new Error(`answer ${status} without Content-Length or chunked encoding`));
      this.close();
      return;
    }
    this.buf = this.buf.subarray(pos);
    const p = this.pending;
    this.pending = undefined;
    p?.resolve({ status, headers, body });
  }
}

/** A holder child: keeps its share of the idle long polls open, driven by the benchmark over IPC. */
async function holder(): Promise<void> {
  let cfg: Extract<ToHolder, { cmd: 'init' }> | undefined;
  let closing = false;
  const conns = new Set<Conn>();
  const s: HolderStatus = {
    waiting: 0,
    open: 0,
    answers200: 0,
    answers304: 0,
    answersOther: 0,
    early: 0,
    dropped: 0,
    connectErrors: 0,
  };
  const note = (e: unknown) => {
    s.firstError ??= e instanceof Error ? e.message : String(e);
  };
  const head = (a: Agent, wait: boolean) =>
    `GET /api/v1/clients/${a.client}/updates${wait ? `?wait=${cfg!.wait}` : ''} HTTP/1.1\r\n` +
    `Host: ${cfg!.host}:${cfg!.port}\r\nAuthorization: Bearer ${a.token}\r\n` +
    `${wait && a.etag ? `If-None-Match: ${a.etag}\r\n` : ''}\r\n`;
  const open = async () => {
    const c = new Conn(cfg!.host, cfg!.port, cfg!.localAddress);
    await c.connected();
    return c;
  };

  /** Every agent's first poll (no If-None-Match): learns its ETag; the token gets cached in the GCC. */
  async function warm(concurrency: number) {
    const agents = cfg!.agents;
    let next = 0;
    let ok = 0;
    let failed = 0;
    const t0 = performance.now();
    const worker = async () => {
      let c: Conn | undefined;
      while (next < agents.length) {
        const a = agents[next++]!;
        try {
          if (!c || c.closed) c = await open();
          const r = await c.request(head(a, false));
          if (r.status === 200 && r.headers.etag) {
            a.etag = r.headers.etag;
            ok++;
          } else {
            failed++;
            note(`first poll of ${a.client}: ${r.status} ${r.body.slice(0, 200)}`);
          }
          if (r.headers.connection === 'close') c.close();
        } catch (e) {
          failed++;
          note(e);
          c?.close();
          c = undefined;
        }
      }
      c?.close();
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, agents.length) }, worker));
    return { ok, failed, ms: Math.round(performance.now() - t0), firstError: s.firstError };
  }

  /** One idle long poll: its own connection, asking again whenever an answer comes back. */
  async function holdOne(a: Agent): Promise<void> {
    let c: Conn;
    try {
      c = await open();
    } catch (e) {
      s.connectErrors++;
      note(e);
      if (!closing) setTimeout(() => void holdOne(a), 1000);
      return;
    }
    conns.add(c);
    s.open++;
    void (async () => {
      while (!closing) {
        const sent = Date.now();
        s.waiting++;
        let r: HttpAnswer;
        try {
          r = await c.request(head(a, true));
        } catch (e) {
          s.waiting--;
          s.open--;
          conns.delete(c);
          c.close();
          if (closing) return;
          s.dropped++;
          note(e);
          setTimeout(() => void holdOne(a), 1000);
          return;
        }
        s.waiting--;
        if (r.status === 200) s.answers200++;
        else if (r.status === 304) s.answers304++;
        else {
          s.answersOther++;
          note(`long poll of ${a.client}: ${r.status} ${r.body.slice(0, 200)}`);
        }
        if (Date.now() - sent < (cfg!.wait - 1) * 1000) s.early++;
        if (r.headers.etag) a.etag = r.headers.etag;
        if (r.status !== 200 && r.status !== 304) await sleep(1000);
        if (r.headers.connection === 'close') {
          s.open--;
          conns.delete(c);
          c.close();
          if (!closing) void holdOne(a);
          return;
        }
      }
    })();
  }

  async function hold(concurrency: number) {
    const agents = cfg!.agents;
    let next = 0;
    const t0 = performance.now();
    const worker = async () => {
      while (next < agents.length) await holdOne(agents[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, agents.length) }, worker));
    return { ms: Math.round(performance.now() - t0), ...s };
  }

  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: ToHolder & { id: number }) => {
    void (async () => {
      let answer: object;
      switch (m.cmd) {
        case 'init':
          cfg = m;
          answer = { agents: m.agents.length };
          break;
        case 'warm':
          answer = await warm(m.concurrency);
          break;
        case 'hold':
          answer = await hold(m.concurrency);
          break;
        case 'status':
          answer = { ...s };
          break;
        case 'close':
          closing = true;
          for (const c of conns) c.close();
          answer = { closed: conns.size };
          break;
      }
      process.send!({ id: m.id, ...answer }, () => {
        if (m.cmd === 'close') process.exit(0);
      });
    })();
  });
}

let seq = 0;
/** Sends a command to a holder and resolves with its answer. */
function ask<T>(child: ChildProcess, msg: ToHolder): Promise<T> {
  return new Promise((resolve, reject) => {
    const id = ++seq;
    const onMessage = (m: { id: number }) => {
      if (m.id !== id) return;
      cleanup();
      resolve(m as T);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`a holder exited with ${code} during ${msg.cmd}`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send({ ...msg, id });
  });
}

/** The V8 heap spaces whose committed size moved between `a` and `b`, in MB. */
const spaceGrowth = (a: Memory, b: Memory): string =>
  Object.keys(b.spaces)
    .map((k) => [k, (b.spaces[k]! - (a.spaces[k] ?? 0)) / 2 ** 20] as const)
    .filter(([, d]) => Math.abs(d) >= 0.5)
    .map(([k, d]) => `${k} ${d > 0 ? '+' : ''}${d.toFixed(0)} MB`)
    .join(', ');

const sum = (rows: HolderStatus[], k: keyof Omit<HolderStatus, 'firstError'>) =>
  rows.reduce((a, r) => a + r[k], 0);

// ---- the benchmark -----------------------------------------------------------------------------------------------

/**
 * Preloaded into the GCC and the baseline server: SIGUSR2 runs a full GC and writes `process.memoryUsage()` to
 * BENCH_MEMORY_FILE. If `<BENCH_MEMORY_FILE>.snapshot` exists, it names a heap snapshot to write after the GC (and
 * is removed): `--heap-snapshots DIR`.
 */
const GC_HOOK = `data:text/javascript,${encodeURIComponent(
  `import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
   import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
   process.on('SIGUSR2', () => {
     globalThis.gc();
     const ask = process.env.BENCH_MEMORY_FILE + '.snapshot';
     if (existsSync(ask)) {
       const to = readFileSync(ask, 'utf8');
       rmSync(ask);
       writeHeapSnapshot(to);
     }
     const spaces = Object.fromEntries(getHeapSpaceStatistics().map((x) => [x.space_name, x.space_size]));
     writeFileSync(process.env.BENCH_MEMORY_FILE, JSON.stringify({ ...process.memoryUsage(), spaces }));
   });`,
)}`;

/**
 * The baseline: a bare `node:http` server (no Express, no GCC) that holds every request like a long poll: a
 * `setTimeout` of `--wait` seconds answers 304 with the request's `If-None-Match` as ETag, a `close` listener clears
 * it on disconnect; a request without `wait=` is answered 200 at once. Same keep-alive and header timeouts as the reference server. Run as plain `node` (no tsx).
 */
const BARE_SERVER = `
import { createServer } from 'node:http';
const wait = Number(process.env.BENCH_WAIT) * 1000;
const server = createServer((req, res) => {
  if (!req.url.includes('wait=')) {
    // A first poll (no wait): answered at once, like the GCC's, so the holders learn an ETag.
    res.writeHead(200, { ETag: '"bare"', 'Content-Type': 'application/json', 'Content-Length': '2' });
    res.end('{}');
    return;
  }
  const t = setTimeout(() => {
    const etag = req.headers['if-none-match'];
    res.writeHead(304, etag ? { ETag: etag } : {});
    res.end();
  }, wait);
  res.on('close', () => clearTimeout(t));
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('listening'));
`;

interface Memory {
  rssKb: number;
  hwmKb: number;
  heapUsed: number;
  /** V8 heap committed, and per space. */
  heapTotal: number;
  spaces: Record<string, number>;
  external: number;
  fds: number;
}

/**
 * Full GC, settle, full GC again; then the process's memory and open file descriptors. With `snapshot` (a file
 * name), a heap snapshot is written afterwards (after the figures, as writing it grows the process).
 */
async function settledMemory(pid: number, file: string, snapshot?: string): Promise<Memory> {
  const gc = async () => {
    rmSync(file, { force: true });
    process.kill(pid, 'SIGUSR2');
    for (let i = 0; i < 600 && !existsSync(file); i++) await sleep(100);
    await sleep(50); // the file is written in one call; let it land
    return JSON.parse(readFileSync(file, 'utf8')) as {
      heapUsed: number;
      heapTotal: number;
      external: number;
      spaces: Record<string, number>;
    };
  };
  await gc();
  await sleep(SETTLE_MS);
  const usage = await gc();
  await sleep(1000);
  const { rss, hwm } = memoryKb(pid);
  const memory = {
    rssKb: rss,
    hwmKb: hwm,
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    spaces: usage.spaces,
    external: usage.external,
    fds: readdirSync(`/proc/${pid}/fd`).length,
  };
  if (snapshot && SNAPSHOTS) {
    const to = join(SNAPSHOTS, snapshot);
    writeFileSync(`${file}.snapshot`, to);
    await gc();
    log(`heap snapshot ${to}`);
  }
  return memory;
}

function openFilesLimit(): string {
  const m = /Max open files\s+(\S+)\s+(\S+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m ? `${m[1]} soft / ${m[2]} hard` : 'unknown';
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
}

/** Starts the holder children for the server on `port` and makes every agent's first poll; the failed ones. */
async function startHolders(holders: ChildProcess[], port: number, agents: Agent[]): Promise<number> {
  const nHolders = Math.ceil(agents.length / PER_HOLDER);
  const self = fileURLToPath(import.meta.url);
  for (let k = 0; k < nHolders; k++) {
    const h = start(`holder ${k + 1}`, ['--import', 'tsx', self, '--hold'], {}, { ipc: true });
    holders.push(h);
    await ask(h, {
      cmd: 'init',
      host: '127.0.0.1',
      port,
      localAddress: `127.0.0.${k + 2}`,
      wait: WAIT,
      agents: agents.slice(k * PER_HOLDER, (k + 1) * PER_HOLDER),
    });
  }
  log(`${nHolders} holder processes; first poll of each of the ${agents.length} idle agents`);
  const warmed = await Promise.all(
    holders.map((h) =>
      ask<{ ok: number; failed: number; ms: number; firstError?: string }>(h, {
        cmd: 'warm',
        concurrency: 10,
      }),
    ),
  );
  const failed = warmed.reduce((a, w) => a + w.failed, 0);
  log(
    `first polls: ${warmed.reduce((a, w) => a + w.ok, 0)} ok, ${failed} failed, ` +
      `${Math.max(...warmed.map((w) => w.ms))} ms${failed ? ` (${warmed.find((w) => w.firstError)?.firstError})` : ''}`,
  );
  return failed;
}

/** Closes the holders' connections and stops them (emptying `holders`). */
async function stopHolders(holders: ChildProcess[]): Promise<void> {
  for (const h of holders.splice(0)) {
    if (h.connected) await ask(h, { cmd: 'close' }).catch(() => undefined);
    await stop(h);
  }
}

/** Opens the holders' idle long polls; how long it took and their status. */
async function holdAll(holders: ChildProcess[]): Promise<{ ms: number; waiting: number }> {
  const opened = await Promise.all(
    holders.map((h) => ask<HolderStatus & { ms: number }>(h, { cmd: 'hold', concurrency: 100 })),
  );
  return { ms: Math.max(...opened.map((o) => o.ms)), waiting: sum(opened, 'waiting') };
}

interface Baseline {
  a: Memory;
  b: Memory;
  held: number;
  failed: number;
}

/**
 * The baseline: a bare `node:http` server ({@link BARE_SERVER}, plain `node --expose-gc` with the same GC hook)
 * holding the same idle requests from new holders, measured like the GCC: (a) after the first polls, no request
 * held; (b) with them held.
 */
async function baseline(agents: Agent[], memoryFile: string): Promise<Baseline> {
  const holders: ChildProcess[] = [];
  const port = await freePort();
  const server = start(
    'bare server',
    ['--expose-gc', '--import', GC_HOOK, '--input-type=module', '-e', BARE_SERVER],
    { PORT: String(port), BENCH_WAIT: String(WAIT), BENCH_MEMORY_FILE: memoryFile },
    { ipc: true },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('message', () => resolve());
      server.once('exit', (code) => reject(new Error(`the bare server exited with ${code}`)));
    });
    log(`baseline: bare node:http server on 127.0.0.1:${port} (pid ${server.pid})`);
    const failed = await startHolders(
      holders,
      port,
      agents.map((x) => ({ client: x.client, token: x.token })),
    );
    log(`baseline memory (GC, ${SETTLE_MS / 1000} s settle, GC)`);
    const a = await settledMemory(server.pid!, memoryFile, 'bare-a.heapsnapshot');
    log(`baseline: holding ${agents.length} idle requests`);
    const opened = await holdAll(holders);
    log(`opened in ${opened.ms} ms; ${opened.waiting} waiting`);
    log(`baseline memory with the requests held (GC, ${SETTLE_MS / 1000} s settle, GC)`);
    const b = await settledMemory(server.pid!, memoryFile, 'bare-b.heapsnapshot');
    const at = await Promise.all(holders.map((h) => ask<HolderStatus>(h, { cmd: 'status' })));
    return { a, b, held: sum(at, 'waiting'), failed };
  } finally {
    await stopHolders(holders);
    await stop(server);
  }
}

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const soft = Number(/Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1]);
  if (IDLE + 100 > soft)
    log(
      `warning: ${IDLE} idle connections and the GCC's own descriptors exceed the open-files limit ${soft}`,
    );
  const dbName = `gcc_idle_${Date.now().toString(36)}`;
  const adminUrl = args['database-url'];
  const admin = await openDatabase({ url: adminUrl, poolSize: 1 });
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  const memoryFile = join(tmpdir(), `${dbName}.memory.json`);
  log(`database ${dbName}`);

  const holders: ChildProcess[] = [];
  let gcc: ChildProcess | undefined;
  let db: Database | undefined;
  try {
    // ---- the GCC, the clients and their tokens ----------------------------------------------------------------
    const port = await freePort();
    gcc = start('gcc', ['--expose-gc', '--import', GC_HOOK, GCC_BIN, 'serve'], {
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      GCC_ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
      GCC_CI_TOKEN: BENCH_CI_TOKEN,
      LOG_LEVEL: 'warn',
      BENCH_MEMORY_FILE: memoryFile,
    });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/readyz`, gcc);
    const pid = gcc.pid!;
    log(`GCC up on ${base} (pid ${pid})`);

    db = await openDatabase({ url: databaseUrl, poolSize: 2 });
    await api(base, 'POST', '/api/v1/clients', {
      id: 'bench-template',
      name: 'template',
      target_kind: 'docker',
    });
    await seedClients(db, 'bench-template', IDLE + OTHERS);
    await db.query(`DELETE FROM clients WHERE id = 'bench-template'`);
    const t0 = performance.now();
    const clientIds = Array.from({ length: IDLE + OTHERS }, (_, k) => benchClientId(k + 1));
    const tokens =
      TOKENS_VIA === 'api'
        ? await issueAgentTokens(base, clientIds, 25)
        : await insertAgentTokens(db, clientIds);
    const issueMs = performance.now() - t0;
    const via = TOKENS_VIA === 'api' ? 'through the API, 25 at a time,' : 'set-based in SQL';
    log(`issued ${tokens.length} agent tokens ${via} in ${Math.round(issueMs)} ms`);
    const idleAgents = tokens.slice(0, IDLE);
    const others = tokens.slice(IDLE);

    // ---- the holders: first polls (ETags, tokens cached) ------------------------------------------------------
    const nHolders = Math.ceil(IDLE / PER_HOLDER);
    const warmFailed = await startHolders(holders, port, idleAgents);

    // ---- other requests: agent polls of other clients, rotating -----------------------------------------------
    const rotating = rotatingPolls(others);
    const load = async (duration: number): Promise<Load> => {
      const r = await autocannon({ url: base, connections: CONNECTIONS, duration, requests: rotating });
      return {
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        total: r.requests.total,
        non2xx: r.non2xx,
        errors: r.errors + r.timeouts,
      };
    };
    log('warm-up of the other requests, 3 s');
    await load(3);
    log(`other requests before the idle polls, ${DURATION} s`);
    const before = await load(DURATION);

    // ---- (a) baseline ------------------------------------------------------------------------------------------
    log(`baseline memory (GC, ${SETTLE_MS / 1000} s settle, GC)`);
    const a = await settledMemory(pid, memoryFile, 'gcc-a.heapsnapshot');

    // ---- (b) N idle long polls held ----------------------------------------------------------------------------
    log(`opening ${IDLE} idle long polls (wait=${WAIT})`);
    const opened = await holdAll(holders);
    const openMs = opened.ms;
    log(`opened in ${openMs} ms; ${opened.waiting} waiting`);
    log(`memory with the idle polls held (GC, ${SETTLE_MS / 1000} s settle, GC)`);
    const b = await settledMemory(pid, memoryFile, 'gcc-b.heapsnapshot');
    const atB = await Promise.all(holders.map((h) => ask<HolderStatus>(h, { cmd: 'status' })));
    const heldB = sum(atB, 'waiting');
    log(`held at (b): ${heldB}`);

    // ---- (c) other requests while they are held ----------------------------------------------------------------
    log(`other requests while ${heldB} idle polls are held, ${DURATION} s`);
    const during = await load(DURATION);
    const after = await Promise.all(holders.map((h) => ask<HolderStatus>(h, { cmd: 'status' })));
    const heldAfter = sum(after, 'waiting');
    const hwm = memoryKb(pid).hwm;

    // ---- the baseline: a bare node:http server holding as many idle requests -----------------------------------
    let bare: Baseline | undefined;
    if (!args['skip-bare']) {
      await stopHolders(holders);
      await stop(gcc);
      bare = await baseline(idleAgents, memoryFile);
    }
    const loadAfter = loadavg();

    // ---- the table ---------------------------------------------------------------------------------------------
    const perConnKb = (b.rssKb - a.rssKb) / Math.max(1, heldB);
    const heapPerConn = (b.heapUsed - a.heapUsed) / 1024 / Math.max(1, heldB);
    const f0 = (n: number) => Math.round(n).toLocaleString('en-US');
    const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
    const yes = (ok: boolean) => (ok ? 'yes' : '**no**');
    const rows = [
      ['Measure', 'Goal', 'Measured', 'Met'],
      ['---', '---:', '---:', ':---:'],
      [
        'GCC RSS per idle long poll, (b − a) / held',
        '< 10 KB',
        `${perConnKb.toFixed(1)} KB`,
        yes(perConnKb < 10),
      ],
      [
        `p99 of other requests while ${f0(heldB)} idle polls are held (p50)`,
        '< 50 ms',
        `${during.p99} ms (${during.p50} ms)`,
        yes(during.p99 < 50),
      ],
      ['p99 of other requests before, no idle poll (p50)', '', `${before.p99} ms (${before.p50} ms)`, ''],
      ['Other requests/s: before → while held', '', `${f0(before.rps)} → ${f0(during.rps)}`, ''],
      [
        'Idle long polls held: at (b) → after the load run',
        f0(IDLE),
        `${f0(heldB)} → ${f0(heldAfter)}`,
        yes(heldB === IDLE && heldAfter === IDLE),
      ],
      ['GCC VmRSS: (a) no idle poll → (b) held', '', `${mb(a.rssKb)} → ${mb(b.rssKb)}`, ''],
      ['GCC VmHWM (peak of the whole run)', '', mb(hwm), ''],
      ['GCC V8 heap used per idle long poll', '', `${heapPerConn.toFixed(1)} KB`, ''],
      ['GCC open file descriptors: (a) → (b)', '', `${f0(a.fds)} → ${f0(b.fds)}`, ''],
    ];
    if (bare) {
      const bareKb = (bare.b.rssKb - bare.a.rssKb) / Math.max(1, bare.held);
      const bareHeap = (bare.b.heapUsed - bare.a.heapUsed) / 1024 / Math.max(1, bare.held);
      rows.push(
        ['Baseline: bare node:http RSS per held request, (b − a) / held', '', `${bareKb.toFixed(1)} KB`, ''],
        ['Baseline: V8 heap used per held request', '', `${bareHeap.toFixed(1)} KB`, ''],
        [
          'GCC minus baseline per idle long poll: RSS (heap)',
          '',
          `${(perConnKb - bareKb).toFixed(1)} KB (${(heapPerConn - bareHeap).toFixed(1)} KB)`,
          '',
        ],
        [
          'Baseline: requests held at (b); VmRSS (a) → (b)',
          '',
          `${f0(bare.held)}; ${mb(bare.a.rssKb)} → ${mb(bare.b.rssKb)}`,
          yes(bare.held === IDLE && bare.failed === 0),
        ],
      );
    }
    const table = rows.map((r) => `| ${r.join(' | ')} |`).join('\n');
    const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
    const notes = [
      `${f0(IDLE)} idle long polls (wait=${WAIT}, If-None-Match), one connection and one agent token each, held by ${nHolders} child processes; opened in ${f0(openMs)} ms.`,
      `Other requests: agent polls (wait=0) of ${f0(others.length)} other clients' tokens rotating, autocannon ${CONNECTIONS} connections, ${DURATION} s each;`,
      `before: ${f0(before.total)} requests, ${before.non2xx} non-2xx, ${before.errors} errors/timeouts; while held: ${f0(during.total)} requests, ${during.non2xx} non-2xx, ${during.errors} errors/timeouts.`,
      `Answers to the idle polls until the end: ${f0(sum(after, 'answers304'))} × 304, ${f0(sum(after, 'answers200'))} × 200, ${f0(sum(after, 'answersOther'))} other, ${f0(sum(after, 'early'))} before the wait ran out; ${f0(sum(after, 'dropped'))} dropped, ${f0(sum(after, 'connectErrors'))} connect errors${after.find((s) => s.firstError) ? ` (${after.find((s) => s.firstError)?.firstError})` : ''}.`,
      `Memory after a forced full GC and ${SETTLE_MS / 1000} s settle; V8 heap used ${mb(a.heapUsed / 1024)} → ${mb(b.heapUsed / 1024)}, committed ${mb(a.heapTotal / 1024)} → ${mb(b.heapTotal / 1024)} (${spaceGrowth(a, b)}), external ${mb(a.external / 1024)} → ${mb(b.external / 1024)}.`,
      `${f0(tokens.length)} agent tokens issued ${via} in ${f0(issueMs)} ms. PostgreSQL ${adminUrl.replace(/\/\/[^@]*@/, '//')}, Node ${process.version}.`,
      `Machine: ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), ${f0(totalmem() / 2 ** 30)} GB, open files ${openFilesLimit()}; load average before ${la(loadBefore)}, after ${la(loadAfter)}.`,
    ];
    if (bare)
      notes.push(
        `Baseline, same run, after the GCC was stopped: a bare node:http server (plain node, no Express) holding the same ${f0(IDLE)} requests from new holders (a 60 s setTimeout and a close listener each), measured the same way; V8 heap used ${mb(bare.a.heapUsed / 1024)} → ${mb(bare.b.heapUsed / 1024)}, committed ${mb(bare.a.heapTotal / 1024)} → ${mb(bare.b.heapTotal / 1024)} (${spaceGrowth(bare.a, bare.b)}).`,
      );
    process.stdout.write(`\n${table}\n\n${notes.join('\n')}\n`);
    const failed =
      before.non2xx + before.errors + during.non2xx + during.errors > 0 ||
      heldB !== IDLE ||
      warmFailed > 0 ||
      (bare !== undefined && (bare.held !== IDLE || bare.failed > 0));
    if (args.json) {
      const json = {
        bench: 'idle-polls',
        ok: !failed,
        idle: IDLE,
        otherTokens: others.length,
        connections: CONNECTIONS,
        durationSeconds: DURATION,
        waitSeconds: WAIT,
        settleSeconds: SETTLE_MS / 1000,
        node: process.version,
      };
      const bareFigures = bare && {
        held: bare.held,
        failed: bare.failed,
        rssPerHeldKb: (bare.b.rssKb - bare.a.rssKb) / Math.max(1, bare.held),
        heapPerHeldKb: (bare.b.heapUsed - bare.a.heapUsed) / 1024 / Math.max(1, bare.held),
        rssAKb: bare.a.rssKb,
        rssBKb: bare.b.rssKb,
      };
      const figures = {
        heldB,
        heldAfter,
        openMs,
        rssPerIdlePollKb: perConnKb,
        heapPerIdlePollKb: heapPerConn,
        rssAKb: a.rssKb,
        rssBKb: b.rssKb,
        hwmKb: hwm,
        fdsA: a.fds,
        fdsB: b.fds,
        before,
        during,
        bare: bareFigures ?? null,
      };
      writeFileSync(args.json, `${JSON.stringify({ ...json, figures }, null, 2)}\n`);
    }
    if (failed) process.exitCode = 1;
  } finally {
    await stopHolders(holders);
    await db?.close().catch(() => undefined);
    if (gcc) await stop(gcc);
    rmSync(memoryFile, { force: true });
    try {
      if (!args.keep) {
        await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
        log(`dropped ${dbName}`);
      } else log(`kept ${dbName}`);
    } finally {
      await admin.close();
    }
  }
}

if (args.hold) await holder();
else await main();
