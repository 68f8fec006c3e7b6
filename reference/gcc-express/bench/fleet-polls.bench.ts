/**
 * Fleet-scale agent-poll benchmark (a script, not a test): what a real fleet does to the poll path, beside
 * `gcc.bench.ts` (whose default rotates 1,000 always-warm tokens). From the repository root (no build needed: the
 * GCC child runs gcc-core's sources through tsx):
 *
 *   npx tsx reference/gcc-express/bench/fleet-polls.bench.ts [--clients 100000] [--duration 10]
 *     [--connections 50] [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--json FILE] [--keep]
 *     [--core DIR] [--gcc sources|serve]
 *
 * `--gcc serve` runs the GCC as production does instead: the reference server's own process (`wrktalk-gcc serve`,
 * the built `dist/` after `npm run build`, plain Node, no tsx loader; its rollout worker and notification dispatcher
 * in-process, `LOG_LEVEL=warn`), with `NODE_OPTIONS` passed through (e.g. the chart's `--max-old-space-size`). Its
 * peak RSS is the process a customer runs; the default (`sources`) runs gcc-core's sources through tsx in a small
 * server of this script's, whose loader holds the transpiled sources too.
 *
 * `--core DIR` runs another gcc-core source tree in the GCC child, for a before/after on the same machine, e.g.
 * `mkdir /tmp/before && git archive HEAD packages/gcc-core | tar -x -C /tmp/before` and
 * `ln -s "$PWD/node_modules" /tmp/before/node_modules`, then `--core /tmp/before/packages/gcc-core`.
 *
 * On a fresh database of its own on that server (durable commits: the server's own `synchronous_commit`, printed),
 * it registers `--clients` clients and one agent token per client (set-based SQL), then, in one run:
 *   1. baselines: a bare node:http server and a bare Express 5 route answering the same fixed JSON, polled with the
 *      very same rotating requests (every client's path and token), `--duration` s each;
 *   2. cold: a freshly started GCC (nothing cached: every token and every offer is read from the database) is
 *      polled once by every agent (each token exactly once): first polls/s and their p99;
 *   3. warm: the same GCC polled again for `--duration` s by all the agents rotating (each token every
 *      `clients / rate` seconds: with 100,000 of them, longer than a small cache or a short TTL holds);
 *   4. the GCC child's peak RSS (VmHWM) after all that, and database transactions per poll in each phase;
 *   5. CPU time per request (user + system, from `/proc/<pid>/stat`) of each server process, and for the GCC also
 *      of the PostgreSQL backends serving it: on a machine shared with other jobs, requests/s move with the load
 *      but the CPU a request costs does not, so these are the figures to compare across runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Database } from '@wrktalk/gcc-core';
import autocannon from 'autocannon';
import {
  BENCH_ADMIN_TOKEN,
  benchClientId,
  DEFAULT_DATABASE_URL,
  freePort,
  insertAgentTokens,
  log,
  peakRssMb,
  rotatingPolls,
  seedClients,
  startBaselines,
  stop,
  waitFor,
} from './bench-kit';

const { values: args } = parseArgs({
  options: {
    serve: { type: 'string' },
    core: { type: 'string' },
    gcc: { type: 'string', default: 'sources' },
    clients: { type: 'string', default: '100000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    'database-url': { type: 'string', default: DEFAULT_DATABASE_URL },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

const CLIENTS = Number(args.clients);
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);

/** The GCC child: gcc-core's sources on the database URL given, prints its URL once listening, stops on SIGTERM. */
async function serve(url: string): Promise<void> {
  // `--core DIR`: another gcc-core source tree (e.g. an earlier commit's, from `git archive`) for a before/after.
  const core = args.core
    ? pathToFileURL(`${args.core}/src/index.ts`).href
    : '../../../packages/gcc-core/src/index';
  const { createGcc, openDatabase } = (await import(
    core
  )) as typeof import('../../../packages/gcc-core/src/index');
  const { createApp } = await import('../src/app');
  const { pino } = await import('pino');
  const { createServer } = await import('node:http');
  const db = await openDatabase({ url });
  const logger = pino({ level: 'warn' });
  const gcc = await createGcc({ database: db, adminToken: BENCH_ADMIN_TOKEN, logger });
  const app = createApp(gcc, logger);
  const server = createServer((req, res) => gcc.handlePoll(req, res, () => app(req, res)));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
  process.once('SIGTERM', async () => {
    server.closeAllConnections();
    server.close();
    await gcc.close();
    await db.close();
    process.exit(0);
  });
}

async function startGcc(databaseUrl: string): Promise<{ child: ChildProcess; base: string }> {
  if (args.gcc === 'serve') {
    if (args.core) throw new Error('--core runs a source tree: leave --gcc serve out');
    const port = await freePort();
    const bin = fileURLToPath(new URL('../bin/wrktalk-gcc.mjs', import.meta.url));
    const child = spawn(process.execPath, [bin, 'serve'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        HOST: '127.0.0.1',
        PORT: String(port),
        GCC_ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
        GCC_CI_TOKEN: `${BENCH_ADMIN_TOKEN}-ci`,
        LOG_LEVEL: 'warn',
      },
    });
    return { child, base: `http://127.0.0.1:${port}` };
  }
  if (args.gcc !== 'sources') throw new Error(`--gcc must be sources or serve, got ${args.gcc}`);
  const self = fileURLToPath(import.meta.url);
  const argv = ['--import', 'tsx', self, '--serve', databaseUrl, ...(args.core ? ['--core', args.core] : [])];
  const child = spawn(process.execPath, argv, {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`GCC exited with ${code}`)));
  });
  return { child, base: (JSON.parse(line) as { url: string }).url };
}

/** CPU time (user + system) a process has used so far, in ms, from `/proc/<pid>/stat` (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // utime, stime (fields 14 and 15)
  } catch {
    return 0; // gone
  }
}

/** CPU ms used so far by every PostgreSQL backend connected to the current database, by pid. */
async function backendCpu(db: Database): Promise<Map<number, number>> {
  const r = await db.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
  );
  return new Map(r.rows.map((x) => [x.pid, cpuMs(x.pid)]));
}

/** CPU ms the database's backends used since `before` (backends that appeared since count from 0). */
async function backendCpuSince(db: Database, before: Map<number, number>): Promise<number> {
  let sum = 0;
  for (const [pid, ms] of await backendCpu(db)) sum += ms - (before.get(pid) ?? 0);
  return sum;
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
  seconds: number;
}

async function load(
  url: string,
  requests: autocannon.Request[],
  opts: { duration?: number; amount?: number },
) {
  const t0 = performance.now();
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    requests,
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration }),
  });
  const seconds = (performance.now() - t0) / 1000;
  const total = r.requests.total;
  return {
    // A fixed amount: requests over the wall time; a duration: autocannon's per-second average.
    rps: opts.amount ? total / seconds : r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    seconds,
  } satisfies Load;
}

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const { openDatabase, migrate } = await import('../../../packages/gcc-core/src/index');
  const adminUrl = args['database-url'];
  const dbName = `gcc_fleet_${Date.now().toString(36)}`;
  const admin = await openDatabase({ url: adminUrl, poolSize: 1 });
  const sync = String((await admin.query('SHOW synchronous_commit')).rows[0]?.synchronous_commit);
  await admin.query(`CREATE DATABASE ${dbName}`);
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  const databaseUrl = u.toString();
  log(`database ${dbName} (synchronous_commit = ${sync})`);
  const children: ChildProcess[] = [];
  const db = await openDatabase({ url: databaseUrl, poolSize: 2 });
  try {
    await migrate(db);
    await db.query(
      `INSERT INTO clients (id, name, target_kind, created_at, updated_at)
       VALUES ('bench-template', 'template', 'docker', now(), now())`,
    );
    await seedClients(db, 'bench-template', CLIENTS);
    await db.query(`DELETE FROM clients WHERE id = 'bench-template'`);
    const ids = Array.from({ length: CLIENTS }, (_, k) => benchClientId(k + 1));
    const t0 = performance.now();
    const agents = await insertAgentTokens(db, ids);
    await db.query('ANALYZE tokens');
    log(`${agents.length} agent tokens in ${Math.round(performance.now() - t0)} ms`);
    const xacts = async () => {
      await new Promise((r) => setTimeout(r, 1200)); // pg_stat_database is flushed at most once a second
      return Number(
        (
          await db.query(
            'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()',
          )
        ).rows[0]?.n ?? 0,
      );
    };

    // ---- (1) baselines ----------------------------------------------------------------------------------------
    const { bareHttp, httpPort, bareExpress, expressPort } = await startBaselines();
    children.push(bareHttp, bareExpress);
    log(`node:http baseline, ${DURATION} s`);
    let c0 = cpuMs(bareHttp.pid!);
    const http = await load(`http://127.0.0.1:${httpPort}`, rotatingPolls(agents), { duration: DURATION });
    const httpCpu = (cpuMs(bareHttp.pid!) - c0) / Math.max(1, http.total);
    log(`express baseline, ${DURATION} s`);
    c0 = cpuMs(bareExpress.pid!);
    const exp = await load(`http://127.0.0.1:${expressPort}`, rotatingPolls(agents), { duration: DURATION });
    const expCpu = (cpuMs(bareExpress.pid!) - c0) / Math.max(1, exp.total);
    await stop(bareHttp);
    await stop(bareExpress);

    // ---- (2) cold: a fresh GCC, every agent's first poll ------------------------------------------------------
    const gcc = await startGcc(databaseUrl);
    children.push(gcc.child);
    await waitFor(`${gcc.base}/${args.gcc === 'serve' ? 'readyz' : 'healthz'}`, gcc.child);
    log(`GCC up on ${gcc.base} (pid ${gcc.child.pid}); cold: ${CLIENTS} first polls`);
    let x0 = await xacts();
    let pg0 = await backendCpu(db);
    c0 = cpuMs(gcc.child.pid!);
    const cold = await load(gcc.base, rotatingPolls(agents), { amount: CLIENTS });
    const coldCpu = (cpuMs(gcc.child.pid!) - c0) / Math.max(1, cold.total);
    const coldPgCpu = (await backendCpuSince(db, pg0)) / Math.max(1, cold.total);
    const coldXacts = (await xacts()) - x0;

    // ---- (3) warm: everyone again, rotating --------------------------------------------------------------------
    log(`warm: ${DURATION} s, ${CLIENTS} tokens rotating`);
    x0 = await xacts();
    pg0 = await backendCpu(db);
    c0 = cpuMs(gcc.child.pid!);
    const warm = await load(gcc.base, rotatingPolls(agents), { duration: DURATION });
    const warmCpu = (cpuMs(gcc.child.pid!) - c0) / Math.max(1, warm.total);
    const warmPgCpu = (await backendCpuSince(db, pg0)) / Math.max(1, warm.total);
    const warmXacts = (await xacts()) - x0;
    const rss = peakRssMb(gcc.child.pid!);

    const ratio = warm.rps / exp.rps;
    const yes = (ok: boolean) => (ok ? 'yes' : '**no**');
    const f0 = (n: number) => Math.round(n).toLocaleString('en-US');
    const rows = [
      ['Measure', 'Result', 'Goal', 'Met'],
      ['---', '---:', '---:', ':---:'],
      [
        `Cold first polls/s (fresh GCC, ${f0(CLIENTS)} distinct tokens, each once)`,
        `${f0(cold.rps)} (p99 ${cold.p99} ms)`,
        '≥ 2,000',
        yes(cold.rps >= 2000),
      ],
      [`Warm polls/s (${f0(CLIENTS)} tokens rotating)`, `${f0(warm.rps)} (p99 ${warm.p99} ms)`, '', ''],
      ['Warm ratio to bare Express', ratio.toFixed(2), '≥ 0.75', yes(ratio >= 0.75)],
      ['Warm p99', `${warm.p99} ms`, '< 50 ms', yes(warm.p99 < 50)],
      ['Bare Express 5 route req/s (p99)', `${f0(exp.rps)} (${exp.p99} ms)`, '', ''],
      ['Bare node:http req/s (p99)', `${f0(http.rps)} (${http.p99} ms)`, '', ''],
      ['GCC peak RSS', `${rss.toFixed(0)} MB`, '< 300 MB', yes(rss < 300)],
      [
        'CPU per request: GCC cold + its PostgreSQL backends',
        `${coldCpu.toFixed(3)} + ${coldPgCpu.toFixed(3)} ms`,
        '',
        '',
      ],
      [
        'CPU per request: GCC warm + PostgreSQL',
        `${warmCpu.toFixed(3)} + ${warmPgCpu.toFixed(3)} ms`,
        '',
        '',
      ],
      [
        'CPU per request: bare Express / bare node:http',
        `${expCpu.toFixed(3)} / ${httpCpu.toFixed(3)} ms`,
        '',
        '',
      ],
    ];
    const notes = [
      `${f0(CLIENTS)} clients, ${f0(CLIENTS)} agent tokens, ${CONNECTIONS} connections, ${DURATION} s per timed run;`,
      `PostgreSQL ${adminUrl.replace(/\/\/[^@]*@/, '//')} (synchronous_commit = ${sync}), Node ${process.version}.`,
      `cold: ${f0(cold.total)} requests in ${cold.seconds.toFixed(1)} s, ${cold.non2xx} non-2xx, ${cold.errors} errors; ` +
        `${(coldXacts / Math.max(1, cold.total)).toFixed(2)} database transactions per poll (flushes included).`,
      `warm: ${f0(warm.total)} requests, ${warm.non2xx} non-2xx, ${warm.errors} errors; p50 ${warm.p50} ms; ` +
        `${(warmXacts / Math.max(1, warm.total)).toFixed(3)} transactions per poll (flushes included).`,
      `GCC process: ${args.gcc === 'serve' ? 'wrktalk-gcc serve (built, worker in-process)' : "gcc-core's sources through tsx"}` +
        `${process.env.NODE_OPTIONS ? `, NODE_OPTIONS=${process.env.NODE_OPTIONS}` : ''}.`,
      `Machine: ${cpus().length} CPUs, load average before the run ${loadBefore.map((l) => l.toFixed(2)).join(' ')}.`,
    ];
    process.stdout.write(`\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n\n${notes.join('\n')}\n`);
    if (args.json) {
      const figures = {
        cold,
        warm,
        express: exp,
        http,
        ratioToExpress: ratio,
        coldXactsPerPoll: coldXacts / Math.max(1, cold.total),
        warmXactsPerPoll: warmXacts / Math.max(1, warm.total),
        gccPeakRssMb: rss,
        cpuMsPerRequest: {
          gccCold: coldCpu,
          postgresCold: coldPgCpu,
          gccWarm: warmCpu,
          postgresWarm: warmPgCpu,
          express: expCpu,
          http: httpCpu,
        },
      };
      const ok = cold.non2xx + cold.errors + warm.non2xx + warm.errors === 0;
      const meta = {
        bench: 'fleet-polls',
        ok,
        clients: CLIENTS,
        durationSeconds: DURATION,
        connections: CONNECTIONS,
        gccProcess: args.gcc,
        nodeOptions: process.env.NODE_OPTIONS ?? null,
      };
      writeFileSync(args.json, `${JSON.stringify({ ...meta, node: process.version, figures }, null, 2)}\n`);
    }
    if (cold.non2xx + cold.errors + warm.non2xx + warm.errors > 0) process.exitCode = 1;
  } finally {
    for (const c of children.reverse()) await stop(c);
    await db.close().catch(() => undefined);
    if (!args.keep) {
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      log(`dropped ${dbName}`);
    } else log(`kept ${dbName}`);
    await admin.close();
  }
}

if (args.serve) await serve(args.serve);
else await main();
