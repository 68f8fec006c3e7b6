/**
 * Rollout worker benchmark (a script, not a test). From the repository root:
 *
 *   npx tsx packages/gcc-core/bench/worker.bench.ts [clients] [--agents service|http] [--concurrency 16]
 *     [--pglite] [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--keep] [--create-only [--approval-required]]
 *     [--set] [--json FILE]
 *
 * `clients` defaults to 100,000 on PostgreSQL, 10,000 on PGlite (`--pglite`, in memory) and 2,000 with
 * `--agents http`. gcc-core runs from its sources (no build needed for it); the planner and sdk-gcc from their builds.
 *
 * On a database of its own (created on the server of `--database-url`, default `DATABASE_URL`, then
 * `WRKTALK_TEST_DATABASE_URL`, then the local PostgreSQL; dropped at the end unless `--keep`) it registers the clients
 * set-based (each with its own Argo CD instance, as customers run their own clusters) and runs two phases with the
 * same scripted agents, which answer instantly: poll (the pickup), report `in_progress`, report `success` — what
 * `@wrktalk/sdk-agent` sends:
 *
 *   A. agents alone (the baseline): a deployment whose every task is queued at once by one SQL statement, with no
 *      worker running; the time the agents need to pick up and report all tasks.
 *   B. the worker: a deployment of a new release to every client, no approval needed (every task approved), the
 *      default stage percentages (canary 4 %, 10 %, 20 %, 30 %, the rest) with zero waits, the worker running
 *      in-process (`createGcc({ orchestration: 'worker' })`, pg-boss tick queue, LISTEN/NOTIFY wake-ups); the time
 *      from the deployment's creation to `completed`.
 *
 * B − A is the time the GCC adds to advance all stages; per stage, the time from when it was due to its last report
 * minus A's time per task × its tasks (the GCC's overhead in that stage; they sum to B − A). The fleet as it runs is
 * `--agents http --durable` (real HTTP, tokens and JSON, durable commits); the default (in-process agents,
 * `synchronous_commit = off`) overstates. Also printed: dispatches per second, the number of ticks and
 * the slowest one (a tick is one worker transaction, timed around `Database.transaction`), and the process's peak
 * RSS (the agents run in the same process).
 *
 * Agents are told about work the way a long-polling agent is woken: through the GCC's `gcc_events` NOTIFY (the ids
 * of the clients whose offers changed, read with the GCC's own `parseCacheEvent`; on `*` they look up the queued
 * tasks with one SELECT). With
 * `--agents service` they call `gcc.services.agent` in-process (the fastest faithful stand-in for 100,000 agents);
 * with `--agents http` they speak the contract over HTTP to the gcc-core router on a local port, each with its own
 * agent token.
 *
 * `--create-only` stops after phase B's deployment is created (no agents, no worker, no rollout) and times, as its
 * baseline in the same run, the database's floor for that creation: one `INSERT … SELECT` copying the deployment's
 * task rows into a table of the same columns, defaults and indexes (`LIKE deployment_tasks`, no foreign keys).
 * `--approval-required` (with `--create-only`) creates that deployment with approval required (every task waits for
 * its client's approval: no approval audit entries), the common case, instead of approval not required.
 * `--set` makes phase B's deployment a release set of three components (backend, media, ct: `release_ids`), whose
 * tasks each carry the set with the client's previous versions (issue 15), instead of one backend release.
 * `--json FILE` also writes the figures as JSON (for `npm run bench`).
 */
import { writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import express from 'express';
import { pino } from 'pino';
import { createGcc, type Database, type Gcc, migrate, openDatabase } from '../src/index';
import { parseCacheEvent } from '../src/services/transaction';
import { tickTimer } from './tick-timer';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    agents: { type: 'string', default: 'service' },
    concurrency: { type: 'string', default: '16' },
    pglite: { type: 'boolean', default: false },
    'database-url': {
      type: 'string',
      default:
        process.env.DATABASE_URL ??
        process.env.WRKTALK_TEST_DATABASE_URL ??
        'postgres://postgres@127.0.0.1:5432/postgres',
    },
    keep: { type: 'boolean', default: false },
    durable: { type: 'boolean', default: false },
    'skip-baseline': { type: 'boolean', default: false },
    'create-only': { type: 'boolean', default: false },
    'approval-required': { type: 'boolean', default: false },
    set: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});

const MODE = args.agents;
if (MODE !== 'service' && MODE !== 'http') throw new Error('--agents must be service or http');
const PGLITE = args.pglite;
const CLIENTS = Number(positionals[0] ?? (MODE === 'http' ? 2_000 : PGLITE ? 10_000 : 100_000));
const CONCURRENCY = Number(args.concurrency);
const CREATE_ONLY = args['create-only'];
if (args['approval-required'] && !CREATE_ONLY)
  throw new Error('--approval-required only with --create-only (phase B rolls out without approvals)');
if (CREATE_ONLY && MODE !== 'service') throw new Error('--create-only runs no agents: leave --agents out');
if (!Number.isInteger(CLIENTS) || CLIENTS < 1)
  throw new Error(`clients must be a whole number, got ${CLIENTS}`);
const STAGES = [
  { kind: 'canary' as const, percent: 4, wait_seconds: 0 },
  { kind: 'batch' as const, percent: 10, wait_seconds: 0 },
  { kind: 'batch' as const, percent: 20, wait_seconds: 0 },
  { kind: 'batch' as const, percent: 30, wait_seconds: 0 },
  { kind: 'batch' as const, wait_seconds: 0 },
];
const ADMIN = { role: 'admin' as const, name: 'bench' };

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const f0 = (n: number) => Math.round(n).toLocaleString('en-US');

/** One agent's work on one client: poll (pickup), `in_progress`, `success`. Returns false when nothing was offered. */
type AgentStep = (clientId: string) => Promise<boolean>;

function serviceAgent(gcc: Gcc, applied: Map<string, number>): AgentStep {
  return async (clientId) => {
    const offer = await gcc.services.agent.currentOffer(clientId);
    const u = offer.body.update;
    if (!offer.body.available || !u) return false;
    const key = `${u.task_id}/${u.attempt}`;
    applied.set(key, (applied.get(key) ?? 0) + 1);
    const who = { role: 'agent' as const, clientId, name: `agent:${clientId}` };
    const base = { task_id: u.task_id, attempt: u.attempt };
    await gcc.services.agent.report(who, clientId, { ...base, status: 'in_progress' });
    await gcc.services.agent.report(who, clientId, { ...base, status: 'success' });
    return true;
  };
}

function httpAgent(baseUrl: string, tokens: Map<string, string>, applied: Map<string, number>): AgentStep {
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const r = await fetch(`${baseUrl}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as {
      available?: boolean;
      update?: { task_id: string; attempt: number };
    };
  };
  return async (clientId) => {
    const token = tokens.get(clientId)!;
    const offer = await call('GET', `/clients/${clientId}/updates`, token);
    const u = offer.update;
    if (!offer.available || !u) return false;
    const key = `${u.task_id}/${u.attempt}`;
    applied.set(key, (applied.get(key) ?? 0) + 1);
    const base = { task_id: u.task_id, attempt: u.attempt };
    await call('POST', `/clients/${clientId}/status`, token, { ...base, status: 'in_progress' });
    await call('POST', `/clients/${clientId}/status`, token, { ...base, status: 'success' });
    return true;
  };
}

/**
 * Runs `concurrency` agent loops until `stop()`. Work arrives like a long poll's wake-up: a `gcc_events` NOTIFY
 * naming a client, or `*`, on which the queued tasks of the deployment are looked up once.
 */
async function runAgents(db: Database, deploymentId: () => string | undefined, step: AgentStep) {
  const queue: string[] = [];
  const known = new Set<string>(); // clients queued or being handled in this phase
  let scanWanted = true;
  let stopped = false;
  let handled = 0;
  let errors = 0;
  let wakeUp: (() => void) | undefined;
  const wake = () => {
    const w = wakeUp;
    wakeUp = undefined;
    w?.();
  };
  const unlisten = await db.listen('gcc_events', (payload) => {
    // The GCC's own reading of its events: `c:<id>,<id>,…` names clients, `o:*` / `*` every client.
    const event = parseCacheEvent(payload);
    if (!event || event.kind === 'token') return;
    if (event.kind === 'everything' || event.clientIds === '*') scanWanted = true;
    else {
      for (const id of event.clientIds) {
        if (known.has(id)) continue;
        known.add(id);
        queue.push(id);
      }
    }
    wake();
  });
  const scan = async () => {
    const id = deploymentId();
    if (!id) {
      await sleep(10);
      return;
    }
    scanWanted = false;
    const r = await db.query<{ client_id: string }>(
      `SELECT client_id FROM deployment_tasks WHERE deployment_id = $1 AND status = 'queued'`,
      [id],
    );
    for (const { client_id } of r.rows) {
      if (known.has(client_id)) continue;
      known.add(client_id);
      queue.push(client_id);
    }
  };
  let scanning: Promise<void> | undefined;
  const loops = Array.from({ length: CONCURRENCY }, async () => {
    while (!stopped) {
      const clientId = queue.pop();
      if (clientId === undefined) {
        if (scanWanted) {
          scanning ??= scan().finally(() => {
            scanning = undefined;
          });
          await scanning;
          continue;
        }
        // Nothing to do: wait for a NOTIFY, and look again at least every 500 ms (the safety net).
        await Promise.race([new Promise<void>((resolve) => (wakeUp = resolve)), sleep(500)]);
        if (queue.length === 0) scanWanted = true;
        continue;
      }
      try {
        if (await step(clientId)) handled++;
        else known.delete(clientId); // nothing for it yet (raced with the worker); a later event brings it back
      } catch (error) {
        errors++;
        known.delete(clientId);
        if (errors <= 5) log(`agent ${clientId}: ${(error as Error).message}`);
      }
    }
  });
  return {
    get handled() {
      return handled;
    },
    get errors() {
      return errors;
    },
    async stop() {
      stopped = true;
      wake();
      await Promise.all(loops);
      await unlisten();
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function seedClients(db: Database, n: number): Promise<void> {
  const t = performance.now();
  await db.query(
    `INSERT INTO clients (id, name, labels, target_kind, argocd_instance, created_at, updated_at)
     SELECT 'bench-' || lpad(g.i::text, 6, '0'), 'Bench client ' || g.i, '{"bench":"true"}'::jsonb, 'argocd',
            'argocd-' || lpad(g.i::text, 6, '0'), now(), now()
     FROM generate_series(1, $1::int) AS g(i)`,
    [n],
  );
  await db.query('ANALYZE clients');
  log(`registered ${f0(n)} clients in ${f0(performance.now() - t)} ms`);
}

async function release(gcc: Gcc, version: string, component = 'backend'): Promise<string> {
  const r = await gcc.services.releases.create(
    { role: 'ci', name: 'bench' },
    { component, version, image_url: `registry.wrktalk.com/${component}:${version}` },
  );
  return r.release.id;
}

/** Starts the GCC's router on a local port for `--agents http`; returns its URL and a closer. */
async function serveHttp(gcc: Gcc): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express();
  app.use(gcc.router);
  const port = await freePort();
  const server = app.listen(port, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `--json FILE`: the figures as JSON, for `npm run bench`. */
function writeJson(figures: Record<string, unknown>, ok: boolean): void {
  if (!args.json) return;
  const json = {
    bench: 'worker',
    ok,
    clients: CLIENTS,
    agents: CREATE_ONLY ? 'none' : MODE,
    concurrency: CONCURRENCY,
    database: PGLITE ? 'pglite' : 'postgres',
    createOnly: CREATE_ONLY,
    node: process.version,
  };
  writeFileSync(args.json, `${JSON.stringify({ ...json, figures }, null, 2)}\n`);
}

/**
 * The database's floor for creating `deploymentId`: one `INSERT … SELECT` of its task rows into a table of the same
 * columns, defaults and indexes (no foreign keys), timed; the table is dropped afterwards.
 */
async function floorMs(db: Database, deploymentId: string): Promise<number> {
  await db.query(
    'CREATE TABLE bench_floor_tasks (LIKE deployment_tasks INCLUDING DEFAULTS INCLUDING INDEXES)',
  );
  const t = performance.now();
  await db.query('INSERT INTO bench_floor_tasks SELECT * FROM deployment_tasks WHERE deployment_id = $1', [
    deploymentId,
  ]);
  const ms = performance.now() - t;
  await db.query('DROP TABLE bench_floor_tasks');
  return ms;
}

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const dbName = `gcc_bench_worker_${Date.now().toString(36)}`;
  let admin: Database | undefined;
  let databaseUrl: string | undefined;
  if (!PGLITE) {
    admin = await openDatabase({ url: args['database-url'], poolSize: 1 });
    await admin.query(`CREATE DATABASE ${dbName}`);
    // Every agent call commits with a NOTIFY (the offer caches' invalidation), and PostgreSQL serialises commits
    // that notify, fsync included: on a disk with ~5 ms fsyncs that caps everyone at ~200 commits/s, so both phases
    // would measure the disk. The bench database commits without waiting for the WAL flush unless --durable.
    if (!args.durable) await admin.query(`ALTER DATABASE ${dbName} SET synchronous_commit = off`);
    const url = new URL(args['database-url']);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
    log(`database ${dbName}`);
  }
  const raw = await openDatabase(
    databaseUrl ? { url: databaseUrl, poolSize: CONCURRENCY + 6 } : { dataDir: 'memory://' },
  );
  const { db, stats: ticks } = tickTimer(raw);
  const logger = pino({ level: 'warn' });
  const closers: (() => Promise<void>)[] = [];
  try {
    await migrate(db);
    await seedClients(db, CLIENTS);
    const tokens = new Map<string, string>();

    // ---- A. agents alone -------------------------------------------------------------------------------------------
    const gccA = await createGcc({ database: db, orchestration: 'worker', worker: false, logger });
    closers.push(() => gccA.close());
    let httpA: { url: string; close: () => Promise<void> } | undefined;
    if (MODE === 'http') {
      httpA = await serveHttp(gccA);
      closers.push(httpA.close);
      const t = performance.now();
      for (let i = 1; i <= CLIENTS; i++) {
        const id = `bench-${String(i).padStart(6, '0')}`;
        tokens.set(id, (await gccA.issueToken({ role: 'agent', clientId: id })).token);
      }
      log(`issued ${f0(CLIENTS)} agent tokens in ${f0(performance.now() - t)} ms`);
    }
    let baselineMs = Number.NaN;
    let errorsA = 0;
    if (!args['skip-baseline'] && !CREATE_ONLY) {
      const appliedA = new Map<string, number>();
      const dA = await gccA.services.deployments.create(ADMIN, {
        release_id: await release(gccA, 'bench-a'),
        targets: { selector: 'bench=true' },
        approval: { required: false },
        strategy: { stages: [{ kind: 'batch', wait_seconds: 0 }] },
      });
      const stepA = httpA ? httpAgent(httpA.url, tokens, appliedA) : serviceAgent(gccA, appliedA);
      const agentsA = await runAgents(db, () => dA.id, stepA);
      const tA = performance.now();
      // Every task queued at once, as the worker's enqueue would (one dispatch each); the agents hear `*`.
      await db.transaction(async (tx) => {
        await tx.query(
          `UPDATE deployment_tasks SET status = 'queued', attempt = 1, stage = 0, queued_at = now(), updated_at = now()
         WHERE deployment_id = $1 AND status = 'approved'`,
          [dA.id],
        );
        await tx.query(`SELECT pg_notify('gcc_events', '*')`);
      });
      for (;;) {
        const r = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM deployment_tasks WHERE deployment_id = $1 AND status <> 'success'`,
          [dA.id],
        );
        if (r.rows[0]!.n === 0) break;
        await sleep(100);
      }
      baselineMs = performance.now() - tA;
      await agentsA.stop();
      errorsA = agentsA.errors;
      log(`A. agents alone: ${f0(agentsA.handled)} tasks in ${f0(baselineMs)} ms (${agentsA.errors} errors)`);
      // Nobody runs the worker here; close the deployment so phase B's worker does not tick it.
      await db.query(`UPDATE deployments SET status = 'completed', finished_at = now() WHERE id = $1`, [
        dA.id,
      ]);
      await httpA?.close();
    }
    await gccA.close();
    closers.length = 0;

    // ---- B. the worker ---------------------------------------------------------------------------------------------
    const gccB = await createGcc({
      database: db,
      orchestration: 'worker',
      logger,
      ...(CREATE_ONLY && { worker: false }),
    });
    closers.push(() => gccB.close());
    let httpB: { url: string; close: () => Promise<void> } | undefined;
    if (MODE === 'http') {
      httpB = await serveHttp(gccB);
      closers.push(httpB.close);
    }
    const appliedB = new Map<string, number>();
    const stepB = httpB ? httpAgent(httpB.url, tokens, appliedB) : serviceAgent(gccB, appliedB);
    let idB: string | undefined;
    const agentsB = CREATE_ONLY ? undefined : await runAgents(db, () => idB, stepB);
    const releaseB = await release(gccB, 'bench-b');
    // `--set`: backend, media and ct of bench-b as one release set.
    const setB = args.set
      ? [releaseB, await release(gccB, 'bench-b', 'media'), await release(gccB, 'bench-b', 'ct')]
      : null;
    ticks.count = 0;
    ticks.maxMs = 0;
    ticks.totalMs = 0;
    const t0 = Date.now();
    const dB = await gccB.services.deployments.create(ADMIN, {
      ...(setB ? { release_ids: setB } : { release_id: releaseB }),
      targets: { selector: 'bench=true' },
      approval: { required: args['approval-required'] },
      strategy: { stages: STAGES },
    });
    idB = dB.id;
    const createMs = Date.now() - t0;
    log(
      `B. deployment ${dB.id}${setB ? ' (a set of backend, media, ct)' : ''}: ${f0(CLIENTS)} tasks created in ${f0(createMs)} ms`,
    );
    if (!agentsB) {
      const counted = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM deployment_tasks WHERE deployment_id = $1',
        [dB.id],
      );
      const tasks = counted.rows[0]!.n;
      const floor = await floorMs(db, dB.id);
      const rss = process.resourceUsage().maxRSS / 1024;
      process.stdout.write(
        `\ncreated a deployment${setB ? ' of a 3-component set' : ''} of ${f0(tasks)} tasks in ${f0(createMs)} ms; floor (INSERT … SELECT of the same rows) ` +
          `${f0(floor)} ms; ${PGLITE ? 'PGlite (memory)' : 'PostgreSQL'}, Node ${process.version}, peak RSS ${f0(rss)} MB\n`,
      );
      writeJson({ createMs, floorMs: floor, tasks, peakRssMb: rss }, tasks === CLIENTS);
      if (tasks !== CLIENTS) process.exitCode = 1;
      return;
    }
    let finished: { status: string; finished_at: Date | null } | undefined;
    let lastLog = Date.now();
    for (;;) {
      const r = await db.query<{ status: string; finished_at: Date | null }>(
        'SELECT status, finished_at FROM deployments WHERE id = $1',
        [dB.id],
      );
      finished = r.rows[0];
      if (finished && !['created', 'running', 'paused'].includes(finished.status)) break;
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(`  … ${f0(agentsB.handled)} tasks done, ${ticks.count} ticks, ${f0((Date.now() - t0) / 1000)} s`);
      }
      await sleep(50);
    }
    const workerMs = (finished.finished_at ? new Date(finished.finished_at).getTime() : Date.now()) - t0;
    await agentsB.stop();
    const tickStats = { ...ticks };
    log(`B. ${finished.status} after ${f0(workerMs)} ms (${agentsB.errors} agent errors)`);

    // ---- checks and figures ----------------------------------------------------------------------------------------
    const stages = await db.query<{ stage_index: number; placed: number; ms: number }>(
      `SELECT stage_index, placed, (extract(epoch from finished_at - started_at) * 1000)::float8 AS ms
       FROM deployment_stages WHERE deployment_id = $1 ORDER BY stage_index`,
      [dB.id],
    );
    // The GCC's own share of the wall time: from the event that makes a stage due (the deployment's creation, the
    // last report of the previous stage) to the stage's start, and from the last report to `completed`. The agents
    // have nothing to do for this deployment in those gaps.
    const edges = await db.query<{ stage_index: number; started: number; last_report: number | null }>(
      `SELECT s.stage_index, (extract(epoch from s.started_at) * 1000)::float8 AS started,
              (SELECT (extract(epoch from max(r.received_at)) * 1000)::float8 FROM task_reports r
                 JOIN deployment_tasks t ON t.id = r.task_id
               WHERE t.deployment_id = s.deployment_id AND t.stage = s.stage_index AND r.status = 'success') AS last_report
       FROM deployment_stages s WHERE s.deployment_id = $1 ORDER BY s.stage_index`,
      [dB.id],
    );
    const gaps: number[] = [];
    let due = t0 + createMs;
    for (const e of edges.rows) {
      gaps.push(e.started - due);
      due = e.last_report ?? e.started;
    }
    gaps.push((finished.finished_at ? new Date(finished.finished_at).getTime() : Date.now()) - due);
    const advanceMs = gaps.reduce((a, b) => a + b, 0);
    // Per stage, end to end: from the moment it was due (creation, or the previous stage's last report) to its own
    // last report; the GCC's overhead in it is that time minus what the agents alone (phase A) needed for as many
    // tasks. Their sum plus the last gap (last report → completed) is B − A.
    const perTaskMs = baselineMs / CLIENTS;
    const perStage: { stage: number; placed: number; endToEndMs: number; overheadMs: number }[] = [];
    {
      let dueAt = t0 + createMs;
      for (const [i, e] of edges.rows.entries()) {
        const placed = stages.rows[i]?.placed ?? 0;
        const end = e.last_report ?? e.started;
        perStage.push({
          stage: e.stage_index,
          placed,
          endToEndMs: end - dueAt,
          overheadMs: end - dueAt - placed * perTaskMs,
        });
        dueAt = end;
      }
    }
    const finalGapMs = gaps[gaps.length - 1] ?? 0;
    const disp = await db.query<{ n: number; tasks: number; ticks: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT task_id)::int AS tasks, count(DISTINCT dispatched_at)::int AS ticks
       FROM task_dispatches WHERE deployment_id = $1`,
      [dB.id],
    );
    const statuses = await db.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM deployment_tasks WHERE deployment_id = $1 GROUP BY status',
      [dB.id],
    );
    const d = disp.rows[0]!;
    const twice = [...appliedB.values()].filter((n) => n > 1).length;
    const rss = process.resourceUsage().maxRSS / 1024;
    const gccShare = workerMs - baselineMs;
    const rows = [
      ['Measure', 'Result'],
      ['---', '---:'],
      ['A. agents alone: pickups + reports of every task (baseline)', `${f0(baselineMs)} ms`],
      ['B. worker: deployment created → `completed`, all stages, zero waits', `${f0(workerMs)} ms`],
      [
        '**Time the GCC adds, B − A** (goal < 60,000 ms at 100,000 clients, over HTTP, durable)',
        `**${f0(gccShare)} ms**`,
      ],
      [
        'Gaps between stages (due → started, last report → completed; summed; the old headline)',
        `${f0(advanceMs)} ms (${gaps.map((g) => f0(g)).join(' + ')})`,
      ],
      ['Deployment creation (100 % of the clients, before B starts)', `${f0(createMs)} ms`],
      ['Dispatches (B), per second of B', `${f0(d.n)}, ${f0((d.n / workerMs) * 1000)}/s`],
      [
        'Worker ticks (B): count, slowest, mean',
        `${f0(tickStats.count)}, ${f0(tickStats.maxMs)} ms, ${f0(tickStats.totalMs / Math.max(1, tickStats.count))} ms`,
      ],
      ['Worker busy time in B (sum of tick durations)', `${f0(tickStats.totalMs)} ms`],
      ['Ticks that dispatched', f0(d.ticks)],
      ['Peak RSS of the process (GCC + agents)', `${f0(rss)} MB`],
    ];
    const table = rows.map((r) => `| ${r.join(' | ')} |`).join('\n');
    const stageTable = [
      '| Stage | Tasks | End to end (due → last report) | GCC overhead (end to end − A per task × tasks) |',
      '| ---: | ---: | ---: | ---: |',
      ...perStage.map(
        (p) => `| ${p.stage} | ${f0(p.placed)} | ${f0(p.endToEndMs)} ms | ${f0(p.overheadMs)} ms |`,
      ),
      `| last report → completed | | ${f0(finalGapMs)} ms | ${f0(finalGapMs)} ms |`,
      `| **all stages** | ${f0(CLIENTS)} | ${f0(workerMs)} ms | **${f0(perStage.reduce((a, p) => a + p.overheadMs, 0) + finalGapMs)} ms** |`,
    ].join('\n');
    const notes = [
      `${f0(CLIENTS)} clients, agents: ${MODE === 'service' ? 'in-process service calls' : 'HTTP to the gcc-core router'}, ${CONCURRENCY} at once;`,
      `stages (placed / ms): ${stages.rows.map((s) => `${f0(s.placed)} / ${f0(s.ms)}`).join(', ')};`,
      `tasks: ${statuses.rows.map((s) => `${s.status} ${f0(s.n)}`).join(', ')}; dispatches ${f0(d.n)} of ${f0(d.tasks)} tasks; applied twice: ${twice};`,
      `database: ${PGLITE ? 'PGlite (memory)' : `PostgreSQL ${args['database-url'].replace(/\/\/[^@]*@/, '//')}, synchronous_commit ${args.durable ? 'as configured' : 'off'}`}; Node ${process.version};`,
      `machine: ${cpus().length} CPUs, load average before the run ${loadBefore.map((l) => l.toFixed(2)).join(' ')}.`,
    ];
    process.stdout.write(`\n${table}\n\n${stageTable}\n\n${notes.join('\n')}\n`);
    const ok =
      finished.status === 'completed' &&
      d.n === CLIENTS &&
      d.tasks === CLIENTS &&
      twice === 0 &&
      errorsA + agentsB.errors === 0;
    writeJson(
      {
        baselineMs,
        workerMs,
        gccShareMs: gccShare,
        advanceMs,
        advanceGapsMs: gaps,
        perStage,
        durable: args.durable,
        createMs,
        dispatches: d.n,
        dispatchesPerSecond: (d.n / workerMs) * 1000,
        ticks: tickStats.count,
        slowestTickMs: tickStats.maxMs,
        tickBusyMs: tickStats.totalMs,
        dispatchingTicks: d.ticks,
        appliedTwice: twice,
        agentErrors: errorsA + agentsB.errors,
        peakRssMb: rss,
        status: finished.status,
        stages: stages.rows,
      },
      ok,
    );
    if (!ok) {
      log('FAILED: the rollout did not complete with exactly one dispatch and one application per task');
      process.exitCode = 1;
    }
  } finally {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await raw.close().catch(() => undefined);
    if (admin) {
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
}

await main();
