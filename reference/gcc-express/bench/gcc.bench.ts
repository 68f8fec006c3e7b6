/**
 * GCC benchmark (a script, not a test). From the repository root, after `npm run build`:
 *
 *   npx tsx reference/gcc-express/bench/gcc.bench.ts [--clients 100000] [--tokens 1000] [--duration 10]
 *     [--connections 50] [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--keep]
 *     [--tokens-via api|sql] [--json FILE]
 *
 * It creates a database of its own on that server (dropped at the end unless --keep), starts the GCC
 * (`bin/wrktalk-gcc.mjs serve`) as a child process on it, registers the clients set-based through `db.query`, and
 * measures:
 *   1. creating a deployment for every client by selector through the API (median of 3);
 *   2. agent polls/s and p99 latency with autocannon (many agent tokens of different clients, rotating), in the
 *      same run as two baselines answering a fixed JSON: a bare node:http server and a bare Express 5 route;
 *   3. the GCC process's peak RSS (VmHWM).
 * It prints a markdown table with the goals of issue 4.
 *
 * `--tokens-via sql` stores the agent tokens set-based (`insertAgentTokens`, as `idle-polls.bench.ts` does) instead
 * of through the API 25 at a time (about 50 a second on a busy machine: minutes for 100,000). `--json FILE` also
 * writes the figures as JSON (for `npm run bench`), with two more same-run baselines: the database's floor for the
 * creation (an `INSERT … SELECT` copying the last deployment's task rows into a table `LIKE deployment_tasks` with
 * its indexes, no foreign keys; median of 3) and the bare Express server's peak RSS after its load run.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
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
  insertAgentTokens,
  issueAgentTokens,
  log,
  peakRssMb,
  rotatingPolls,
  seedClients,
  start,
  startBaselines,
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
    'tokens-via': { type: 'string', default: 'api' },
    json: { type: 'string' },
  },
});

const CLIENTS = Number(args.clients);
const TOKENS = Math.min(Number(args.tokens), CLIENTS);
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const TOKENS_VIA = args['tokens-via'];
if (TOKENS_VIA !== 'api' && TOKENS_VIA !== 'sql') throw new Error('--tokens-via takes api or sql');
const BIN = GCC_BIN;
const ADMIN_TOKEN = BENCH_ADMIN_TOKEN;
const CI_TOKEN = BENCH_CI_TOKEN;

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
    const tIssue = performance.now();
    const agents =
      TOKENS_VIA === 'sql' ? await insertAgentTokens(db, ids) : await issueAgentTokens(base, ids, 25);
    log(
      `issued ${agents.length} agent tokens (${TOKENS_VIA}) in ${Math.round(performance.now() - tIssue)} ms`,
    );

    // ---- (1) deployment for every client by selector ------------------------------------------------------------
    const times: number[] = [];
    let tasks = 0;
    let lastDeployment = '';
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
      lastDeployment = String(d.id);
      log(`deployment ${run}: ${tasks} tasks in ${Math.round(ms)} ms`);
    }
    const median = [...times].sort((a, b) => a - b)[1]!;
    // The database's floor for that creation (only with --json, so the printed run is unchanged).
    const floors: number[] = [];
    if (args.json) {
      for (let run = 1; run <= 3; run++) {
        await db.query(
          'CREATE TABLE bench_floor_tasks (LIKE deployment_tasks INCLUDING DEFAULTS INCLUDING INDEXES)',
        );
        const t0 = performance.now();
        await db.query(
          'INSERT INTO bench_floor_tasks SELECT * FROM deployment_tasks WHERE deployment_id = $1',
          [lastDeployment],
        );
        floors.push(performance.now() - t0);
        await db.query('DROP TABLE bench_floor_tasks');
      }
      log(`floor (INSERT … SELECT of the same rows): ${floors.map((t) => Math.round(t)).join(', ')} ms`);
    }

    // ---- (2) polls vs baselines ---------------------------------------------------------------------------------
    const { bareHttp, httpPort, bareExpress, expressPort } = await startBaselines();
    children.push(bareHttp, bareExpress);

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
    const expressRss = peakRssMb(bareExpress.pid!);

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
    if (args.json) {
      const json = {
        bench: 'gcc',
        ok: polls.non2xx === 0 && polls.errors === 0 && tasks === CLIENTS,
        clients: CLIENTS,
        tokens: agents.length,
        tokensVia: TOKENS_VIA,
        durationSeconds: DURATION,
        connections: CONNECTIONS,
        node: process.version,
      };
      const figures = {
        tasks,
        createMs: times,
        createMedianMs: median,
        floorMs: floors,
        floorMedianMs: [...floors].sort((a, b) => a - b)[1],
        polls,
        express: exp,
        http,
        ratioToExpress: ratio,
        xactsPerPoll: xactsPerPoll / Math.max(1, polls.total),
        gccPeakRssMb: rss,
        expressPeakRssMb: expressRss,
      };
      writeFileSync(args.json, `${JSON.stringify({ ...json, figures }, null, 2)}\n`);
    }
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
