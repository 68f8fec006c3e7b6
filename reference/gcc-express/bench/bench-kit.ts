/**
 * Helpers shared by the benchmark scripts of this directory (`gcc.bench.ts`, `idle-polls.bench.ts`): child
 * processes (start, wait until up, stop), free ports, the API with the bench's admin token, set-based client
 * registration, agent tokens through the API, and the memory of a process from `/proc/<pid>/status`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Database } from '@wrktalk/gcc-core';
import type autocannon from 'autocannon';

/** `reference/gcc-express`: the working directory of the children. */
export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
/** The GCC's CLI (`serve` runs the built `dist/main.js`). */
export const GCC_BIN = fileURLToPath(new URL('../bin/wrktalk-gcc.mjs', import.meta.url));
/** The configured admin and CI tokens the scripts give the GCC they start. */
export const BENCH_ADMIN_TOKEN = `gcc_bench_admin_${'a'.repeat(32)}`;
export const BENCH_CI_TOKEN = `gcc_bench_ci_${'c'.repeat(32)}`;
/** `--database-url`'s default: `DATABASE_URL`, then `WRKTALK_TEST_DATABASE_URL`, then the local PostgreSQL. */
export const DEFAULT_DATABASE_URL =
  process.env.DATABASE_URL ??
  process.env.WRKTALK_TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

export const log = (msg: string): void => {
  process.stderr.write(`[bench] ${msg}\n`);
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once `url` answers 2xx; fails when `child` exits first or after `timeoutMs`. */
export async function waitFor(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up in ${timeoutMs} ms`);
}

/**
 * Starts `node <argv>` in {@link PACKAGE_DIR} with `env` added to this process's environment. Its stdout is ignored;
 * the tail of its stderr is logged if it exits with an error. `ipc` opens a `process.send` channel to it.
 */
export function start(
  name: string,
  argv: string[],
  env: Record<string, string>,
  options: { ipc?: boolean } = {},
): ChildProcess {
  const child = spawn(process.execPath, argv, {
    cwd: PACKAGE_DIR,
    env: { ...process.env, ...env },
    stdio: options.ipc ? ['ignore', 'ignore', 'pipe', 'ipc'] : ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4000);
  });
  child.on('exit', (code, signal) => {
    if (code && code !== 0) log(`${name} exited with ${code ?? signal}:\n${tail}`);
  });
  return child;
}

/** What an agent's poll with nothing new answers: the body the baselines serve. */
export const NOTHING_NEW = JSON.stringify({ available: false, poll_after_seconds: 30 });

/** A poll path of the bench's first client, to wait for a server on. */
export const SAMPLE_POLL = '/api/v1/clients/bench-000001/updates';

/**
 * The two baselines a GCC poll is measured against, in the same run: a bare node:http server and a bare Express route
 * answering {@link NOTHING_NEW}, each in its own process, both up when this resolves.
 */
export async function startBaselines(): Promise<{
  bareHttp: ChildProcess;
  httpPort: number;
  bareExpress: ChildProcess;
  expressPort: number;
}> {
  const httpPort = await freePort();
  const bareHttp = start(
    'node:http',
    [
      '--input-type=module',
      '-e',
      `import { createServer } from 'node:http';
       const body = ${JSON.stringify(NOTHING_NEW)};
       createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(body); })
         .listen(${httpPort}, '127.0.0.1');`,
    ],
    {},
  );
  const expressPort = await freePort();
  const bareExpress = start(
    'express',
    [
      '--input-type=module',
      '-e',
      `import express from 'express';
       const app = express();
       app.disable('x-powered-by');
       const body = JSON.parse(${JSON.stringify(NOTHING_NEW)});
       app.get('/api/v1/clients/:client_id/updates', (req, res) => { res.json(body); });
       app.listen(${expressPort}, '127.0.0.1');`,
    ],
    {},
  );
  await waitFor(`http://127.0.0.1:${httpPort}${SAMPLE_POLL}`, bareHttp);
  await waitFor(`http://127.0.0.1:${expressPort}${SAMPLE_POLL}`, bareExpress);
  return { bareHttp, httpPort, bareExpress, expressPort };
}

/** SIGTERM, then SIGKILL after 10 s; resolves once the child exited. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

/** A process's resident set now (`VmRSS`) and at its peak (`VmHWM`), in kB, from `/proc/<pid>/status`. */
export function memoryKb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => {
    const m = new RegExp(`${name}:\\s+(\\d+) kB`).exec(status);
    return m ? Number(m[1]) : Number.NaN;
  };
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

/** A process's peak RSS (`VmHWM`) in MB. */
export function peakRssMb(pid: number): number {
  return memoryKb(pid).hwm / 1024;
}

/** One API call with a bearer token (the bench admin's by default); the JSON answer, or an error if not 2xx. */
export async function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token = BENCH_ADMIN_TOKEN,
): Promise<Record<string, unknown>> {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * Registers `n` clients `bench-000001`… set-based: one INSERT … SELECT copying the client `template` (made through
 * the API), with the labels `bench=true`, `shard` (i % 16) and `canary` (every 25th).
 */
export async function seedClients(db: Database, template: string, n: number): Promise<number> {
  const cols = await db.query(
    `SELECT column_name, data_type, column_default FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'clients' ORDER BY ordinal_position`,
  );
  const names: string[] = [];
  const exprs: string[] = [];
  for (const c of cols.rows as { column_name: string; data_type: string; column_default: string | null }[]) {
    const col = `"${c.column_name}"`;
    if (c.column_name === 'id') exprs.push(`'bench-' || lpad(g.i::text, 6, '0')`);
    else if (c.column_name === 'name') exprs.push(`'Bench client ' || g.i`);
    else if (c.column_name === 'labels') {
      const build = c.data_type === 'json' ? 'json_build_object' : 'jsonb_build_object';
      exprs.push(`${build}('bench', 'true', 'shard', (g.i % 16)::text,
        'canary', CASE WHEN g.i % 25 = 0 THEN 'true' ELSE 'false' END)`);
    } else if (c.column_default !== null)
      continue; // created_at and the like: their default
    else exprs.push(`t.${col}`);
    names.push(col);
  }
  const started = performance.now();
  const r = await db.query(
    `INSERT INTO clients (${names.join(', ')})
     SELECT ${exprs.join(', ')} FROM clients t, generate_series(1, $2::int) AS g(i) WHERE t.id = $1`,
    [template, n],
  );
  log(`inserted ${r.rowCount} clients in ${Math.round(performance.now() - started)} ms`);
  await db.query('ANALYZE clients');
  return r.rowCount ?? 0;
}

/** The id {@link seedClients} gives its `i`-th client (1-based). */
export const benchClientId = (i: number): string => `bench-${String(i).padStart(6, '0')}`;

/**
 * Issues one agent token per client through the API (`POST /api/v1/clients/{id}/tokens`), `concurrency` requests
 * at a time; the tokens in the order of `clientIds`.
 */
export async function issueAgentTokens(
  base: string,
  clientIds: readonly string[],
  concurrency = 25,
): Promise<{ client: string; token: string }[]> {
  const out: { client: string; token: string }[] = new Array(clientIds.length);
  let next = 0;
  const worker = async () => {
    while (next < clientIds.length) {
      const k = next++;
      const t = await api(base, 'POST', `/api/v1/clients/${clientIds[k]}/tokens`, { role: 'agent' });
      out[k] = { client: String(t.client_id), token: String(t.token) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, clientIds.length) }, worker));
  return out;
}

/**
 * Stores one agent token per client set-based (one INSERT … SELECT FROM unnest), as `TokensService.issue` stores
 * them: the sha256 (hex) of a `wrk_` secret of 256 random bits, role `agent`, named after the client; without the
 * audit entries the API writes. For fleets whose tokens the API would take minutes to issue on a busy machine.
 */
export async function insertAgentTokens(
  db: Database,
  clientIds: readonly string[],
): Promise<{ client: string; token: string }[]> {
  const tokens = clientIds.map((client) => ({
    client,
    token: `wrk_${randomBytes(32).toString('base64url')}`,
  }));
  const stamp = Date.now().toString(36);
  await db.query(
    `INSERT INTO tokens (id, hash, role, client_id, name, created_at)
     SELECT t.id, t.hash, 'agent', t.client_id, t.client_id, now()
       FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, hash, client_id)`,
    [
      tokens.map(() => `tok-${stamp}${randomBytes(10).toString('base64url')}`),
      tokens.map((t) => createHash('sha256').update(t.token).digest('hex')),
      clientIds,
    ],
  );
  return tokens;
}

/** An agent identity of a benchmark: its client id and bearer token. */
export interface BenchAgent {
  client: string;
  token: string;
}

/**
 * autocannon requests that poll `GET /api/v1/clients/{id}/updates` as `agents`, one after the other (round robin):
 * each request carries the next agent's client id and token.
 */
export function rotatingPolls(agents: readonly BenchAgent[]): autocannon.Request[] {
  let next = 0;
  return [
    {
      method: 'GET',
      setupRequest: (req) => {
        const a = agents[next++ % agents.length]!;
        return {
          ...req,
          path: `/api/v1/clients/${a.client}/updates`,
          headers: { ...req.headers, authorization: `Bearer ${a.token}` },
        };
      },
    },
  ];
}
