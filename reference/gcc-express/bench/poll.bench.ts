/**
 * Focused agent-poll micro-benchmark (a script, not a test): the reference app on the sources (no build needed),
 * in a child process, on in-memory PGlite or a fresh PostgreSQL database, polled by autocannon with rotating agent
 * tokens. For profiling the poll path; `gcc.bench.ts` is the benchmark of record.
 *
 *   npx tsx reference/gcc-express/bench/poll.bench.ts [--pglite] [--clients 1000] [--duration 10]
 *     [--connections 50] [--database-url URL] [--etag] [--cpu-prof DIR] [--baseline]
 *
 * `--etag` sends the `If-None-Match` of the first answer (304s, what a steady agent gets); `--cpu-prof DIR` runs the
 * server child with `node --cpu-prof` and writes the profile into DIR. `--baseline` also measures a bare Express 5
 * route answering a fixed JSON (as `gcc.bench.ts` does) right after, and prints the ratio.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values: args } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    pglite: { type: 'boolean', default: false },
    clients: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    etag: { type: 'boolean', default: false },
    baseline: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    'database-url': {
      type: 'string',
      default:
        process.env.DATABASE_URL ??
        process.env.WRKTALK_TEST_DATABASE_URL ??
        'postgres://postgres@127.0.0.1:5432/postgres',
    },
  },
});

const ADMIN = `poll_bench_admin_${'a'.repeat(32)}`;
const log = (msg: string) => process.stderr.write(`[poll-bench] ${msg}\n`);

/** The server child: prints one JSON line `{ url, agents }` once ready, stops on SIGTERM. */
async function serve(): Promise<void> {
  // The sources of gcc-core (tsx), so no build is needed between changes.
  const { createGcc, migrate, openDatabase } = await import('../../../packages/gcc-core/src/index');
  const { createApp } = await import('../src/app');
  const { pino } = await import('pino');
  const { createServer } = await import('node:http');
  let dbName: string | undefined;
  let adminUrl: string | undefined;
  let url: string | undefined;
  if (!args.pglite) {
    adminUrl = args['database-url'];
    dbName = `gcc_pollbench_${Date.now().toString(36)}`;
    const admin = await openDatabase({ url: adminUrl, poolSize: 1 });
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.close();
    const u = new URL(adminUrl);
    u.pathname = `/${dbName}`;
    url = u.toString();
  }
  const db = await openDatabase(url ? { url } : { dataDir: 'memory://' });
  await migrate(db);
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const gcc = await createGcc({ database: db, adminToken: ADMIN, logger });
  const n = Number(args.clients);
  const agents: { client: string; token: string }[] = [];
  for (let i = 0; i < n; i++) {
    const id = `poll-${String(i).padStart(6, '0')}`;
    await gcc.services.clients.create({ role: 'admin', name: 'admin' }, {
      id,
      name: id,
      target_kind: 'docker',
      labels: { bench: 'true' },
    } as never);
    agents.push({ client: id, token: (await gcc.issueToken({ role: 'agent', clientId: id })).token });
  }
  const server = createServer(createApp(gcc, logger));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, agents })}\n`);
  process.once('SIGTERM', async () => {
    server.closeAllConnections();
    server.close();
    await gcc.close();
    await db.close();
    if (dbName && adminUrl) {
      const admin = await openDatabase({ url: adminUrl, poolSize: 1 });
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.close();
    }
    process.exit(0);
  });
}

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const argv = [
    ...(args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : []),
    '--import',
    'tsx',
    self,
    '--serve',
    ...process.argv.slice(2),
  ];
  const child: ChildProcess = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const { url, agents } = JSON.parse(line) as { url: string; agents: { client: string; token: string }[] };
  const etags = new Map<string, string>();
  if (args.etag) {
    for (const a of agents) {
      const r = await fetch(`${url}/api/v1/clients/${a.client}/updates`, {
        headers: { authorization: `Bearer ${a.token}` },
      });
      etags.set(a.client, r.headers.get('etag') ?? '');
      await r.arrayBuffer();
    }
  }
  let next = 0;
  const requests: autocannon.Request[] = [
    {
      method: 'GET',
      setupRequest: (req) => {
        const a = agents[next++ % agents.length]!;
        return {
          ...req,
          path: `/api/v1/clients/${a.client}/updates`,
          headers: {
            ...req.headers,
            authorization: `Bearer ${a.token}`,
            ...(args.etag && { 'if-none-match': etags.get(a.client)! }),
          },
        };
      },
    },
  ];
  const run = (duration: number) =>
    autocannon({ url, connections: Number(args.connections), duration, requests });
  log('warm-up 2 s');
  await run(2);
  const r = await run(Number(args.duration));
  log(
    `${args.pglite ? 'PGlite' : 'PostgreSQL'}: ${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, ` +
      `p99 ${r.latency.p99} ms, ${r.non2xx} non-2xx, ${r.errors} errors`,
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  if (args.baseline) {
    const express = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import express from 'express';
         const app = express();
         app.disable('x-powered-by');
         const body = { available: false, poll_after_seconds: 30 };
         app.get('/api/v1/clients/:client_id/updates', (req, res) => { res.json(body); });
         const server = app.listen(0, '127.0.0.1', () => console.log(server.address().port));`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const port = await new Promise<string>((resolve) =>
      createInterface({ input: express.stdout! }).once('line', resolve),
    );
    const b = await autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: Number(args.connections),
      duration: Number(args.duration),
      requests,
    });
    log(
      `bare Express: ${Math.round(b.requests.average)} req/s, p99 ${b.latency.p99} ms; ` +
        `ratio ${(r.requests.average / b.requests.average).toFixed(2)}`,
    );
    express.kill('SIGTERM');
  }
}

if (args.serve) await serve();
else await main();
