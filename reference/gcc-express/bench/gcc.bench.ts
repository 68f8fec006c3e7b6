/**
 * GCC benchmark (a script, not a test). From the repository root, after `npm run build`:
 *
 *   npx tsx reference/gcc-express/bench/gcc.bench.ts [--clients 100000] [--tokens 1000] [--duration 10]
 *     [--connections 50] [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--keep]
 *
 * It creates a database of its own on that server (dropped at the end unless --keep), starts the GCC
 * (`bin/wrktalk-gcc.mjs serve`) as a child process on it, registers the clients set-based through `db.query`, and
 * measures:
 *   1. creating a deployment for every client by selector through the API (median of 3);
 *   2. agent polls/s and p99 latency with autocannon (many agent tokens of different clients, rotating), in the
 *      same run as two baselines answering a fixed JSON: a bare node:http server and a bare Express 5 route;
 *   3. the GCC process's peak RSS (VmHWM).
 * It prints a markdown table with the goals of issue 4.
 */
import type { ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
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
  issueAgentTokens,
  log,
  peakRssMb,
  rotatingPolls,
  seedClients,
  start,
  stop,
  waitFor,
} from './bench-kit';

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '100000' },
    tokens: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    'database-url': { type: 'string', default: DEFAULT_DATABASE_URL },
    keep: { type: 'boolean', default: false },
  },
});

const CLIENTS = Number(args.clients);
const TOKENS = Math.min(Number(args.tokens), CLIENTS);
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const BIN = GCC_BIN;
const ADMIN_TOKEN = BENCH_ADMIN_TOKEN;
const CI_TOKEN = BENCH_CI_TOKEN;
const FIXED = JSON.stringify({ available: false, poll_after_seconds: 30 });

interface Load {
  rps: number;
  p99: number;
  p50: number;
  non2xx: number;
  errors: number;
  total: number;
}

async function load(
  url: string,
  requests?: autocannon.Request[],
  duration = DURATION,
  headers?: Record<string, string>,
): Promise<Load> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration,
    ...(requests ? { requests } : {}),
    ...(headers ? { headers } : {}),
  });
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    p50: result.latency.p50,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    total: result.requests.total,
  };
}

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const dbName = `gcc_bench_${Date.now().toString(36)}`;
  const adminUrl = args['database-url'];
  // Kept open to the end: the drop must not depend on loading anything later.
  const admin = await openDatabase({ url: adminUrl, poolSize: 1 });
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  log(`database ${dbName}`);

  const children: ChildProcess[] = [];
  let db: Database | undefined;
  try {
    // ---- the GCC ------------------------------------------------------------------------------------------------
    const gccPort = await freePort();
    const gcc = start('gcc', [BIN, 'serve'], {
      DATABASE_URL: databaseUrl,
      PORT: String(gccPort),
      HOST: '127.0.0.1',
      GCC_ADMIN_TOKEN: ADMIN_TOKEN,
      GCC_CI_TOKEN: CI_TOKEN,
      LOG_LEVEL: 'warn',
    });
    children.push(gcc);
    const base = `http://127.0.0.1:${gccPort}`;
    await waitFor(`${base}/readyz`, gcc);
    log(`GCC up on ${base} (pid ${gcc.pid})`);

    db = await openDatabase({ url: databaseUrl, poolSize: 2 });
    await api(base, 'POST', '/api/v1/clients', {
      id: 'bench-template',
      name: 'template',
      target_kind: 'docker',
    });
    await seedClients(db, 'bench-template', CLIENTS);
    await db.query(`DELETE FROM clients WHERE id = 'bench-template'`);

    // Agent tokens of TOKENS different clients.
    const stride = Math.max(1, Math.floor(CLIENTS / TOKENS));
    const ids = Array.from({ length: TOKENS }, (_, k) => benchClientId(k * stride + 1));
    const agents = await issueAgentTokens(base, ids, 25);
    log(`issued ${agents.length} agent tokens`);

    // ---- (1) deployment for every client by selector ------------------------------------------------------------
    const times: number[] = [];
    let tasks = 0;
    for (let run = 1; run <= 3; run++) {
      const release = await api(
        base,
        'POST',
        '/api/v1/releases',
        {
          component: 'backend',
          version: `bench${run}`,
          image_url: `registry.wrktalk.com/backend:bench${run}`,
        },
        CI_TOKEN,
      );
      const t0 = performance.now();
      const d = await api(base, 'POST', '/api/v1/deployments', {
        release_id: release.id,
        targets: { selector: 'bench=true' },
      });
      const ms = performance.now() - t0;
      times.push(ms);
      const counts = (d.task_counts ?? {}) as Record<string, number>;
      tasks = Object.values(counts).reduce((a, b) => a + b, 0);
      log(`deployment ${run}: ${tasks} tasks in ${Math.round(ms)} ms`);
    }
    const median = [...times].sort((a, b) => a - b)[1]!;

    // ---- (2) polls vs baselines ---------------------------------------------------------------------------------
    const httpPort = await freePort();
    const bareHttp = start(
      'node:http',
      [
        '--input-type=module',
        '-e',
        `import { createServer } from 'node:http';
         const body = ${JSON.stringify(FIXED)};
         createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(body); })
           .listen(${httpPort}, '127.0.0.1');`,
      ],
      {},
    );
    children.push(bareHttp);
    const expressPort = await freePort();
    const bareExpress = start(
      'express',
      [
        '--input-type=module',
        '-e',
        `import express from 'express';
         const app = express();
         app.disable('x-powered-by');
         const body = JSON.parse(${JSON.stringify(FIXED)});
         app.get('/api/v1/clients/:client_id/updates', (req, res) => { res.json(body); });
         app.listen(${expressPort}, '127.0.0.1');`,
      ],
      {},
    );
    children.push(bareExpress);
    const sample = '/api/v1/clients/bench-000001/updates';
    await waitFor(`http://127.0.0.1:${httpPort}${sample}`, bareHttp);
    await waitFor(`http://127.0.0.1:${expressPort}${sample}`, bareExpress);

    const rotating = rotatingPolls(agents);
    const check = await fetch(`${base}${`/api/v1/clients/${agents[0]!.client}/updates`}`, {
      headers: { authorization: `Bearer ${agents[0]!.token}` },
    });
    log(`sample poll: ${check.status} ${await check.text()}`);

    log('warming up the GCC (every token once, then 3 s)');
    await load(base, rotating, 3);
    // The baselines get the very same requests (paths and tokens rotating), so the load generator costs the same.
    log(`node:http baseline, ${DURATION} s`);
    const http = await load(`http://127.0.0.1:${httpPort}`, rotating);
    log(`express baseline, ${DURATION} s`);
    const exp = await load(`http://127.0.0.1:${expressPort}`, rotating);
    log(`GCC polls, ${DURATION} s`);
    const xacts = async () =>
      Number(
        (
          await db!.query(
            'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()',
          )
        ).rows[0]?.n ?? 0,
      );
    const xactsBefore = await xacts();
    const polls = await load(base, rotating);
    await new Promise((r) => setTimeout(r, 1200)); // backends flush pg_stat_database at most once a second
    const xactsPerPoll = (await xacts()) - xactsBefore;

    // ---- (3) peak memory ----------------------------------------------------------------------------------------
    const rss = peakRssMb(gcc.pid!);

    const ratio = polls.rps / exp.rps;
    const yes = (ok: boolean) => (ok ? 'yes' : '**no**');
    const f0 = (n: number) => Math.round(n).toLocaleString('en-US');
    const rows = [
      ['Measure', 'Result', 'Goal', 'Met'],
      ['---', '---:', '---:', ':---:'],
      [
        `Create a deployment for ${f0(tasks)} clients by selector (median of 3)`,
        `${f0(median)} ms (${times.map((t) => f0(t)).join(', ')})`,
        '< 2,000 ms',
        yes(median < 2000),
      ],
      ['Agent polls/s (GCC)', f0(polls.rps), '≥ 5,000', yes(polls.rps >= 5000)],
      ['Poll p99 latency (GCC)', `${polls.p99} ms`, '< 50 ms', yes(polls.p99 < 50)],
      ['Ratio to bare Express', ratio.toFixed(2), '≥ 0.6', yes(ratio >= 0.6)],
      ['Bare Express 5 route req/s (p99)', `${f0(exp.rps)} (${exp.p99} ms)`, '', ''],
      ['Bare node:http req/s (p99)', `${f0(http.rps)} (${http.p99} ms)`, '', ''],
      ['GCC peak RSS', `${rss.toFixed(0)} MB`, '< 300 MB', yes(rss < 300)],
    ];
    const table = rows.map((r) => `| ${r.join(' | ')} |`).join('\n');
    const notes = [
      `${f0(CLIENTS)} clients, ${f0(agents.length)} agent tokens rotating, ${CONNECTIONS} connections, ${DURATION} s per run,`,
      `PostgreSQL ${adminUrl.replace(/\/\/[^@]*@/, '//')}, Node ${process.version}.`,
      `GCC polls: ${f0(polls.total)} requests, ${polls.non2xx} non-2xx, ${polls.errors} errors/timeouts; p50 ${polls.p50} ms;`,
      `database transactions during the poll run: ${f0(xactsPerPoll)} (${(xactsPerPoll / Math.max(1, polls.total)).toFixed(3)} per poll, flushes included).`,
      `Machine: ${cpus().length} CPUs, load average before the run ${loadBefore.map((l) => l.toFixed(2)).join(' ')}.`,
    ];
    process.stdout.write(`\n${table}\n\n${notes.join('\n')}\n`);
    if (polls.non2xx > 0 || polls.errors > 0) process.exitCode = 1;
  } finally {
    await db?.close().catch(() => undefined);
    for (const c of children.reverse()) await stop(c);
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

await main();
