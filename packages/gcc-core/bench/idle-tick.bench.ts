/**
 * What the rollout worker costs per deployment at scale when little changes (a script, not a test). From the
 * repository root:
 *
 *   npx tsx packages/gcc-core/bench/idle-tick.bench.ts [clients] [--idle-seconds 20] [--database-url URL] [--json FILE]
 *
 * On a PostgreSQL database of its own (dropped at the end; synchronous_commit as the server has it) it registers
 * `clients` (default 100,000) set-based and creates one deployment to all of them that waits for approval. Then:
 *
 *   1. the worker runs (its sweep every 5 s, no pg-boss queue) for `--idle-seconds` after its first tick: the
 *      process's CPU time and the ticks in that window (nothing changes: every tick there is wasted);
 *   2. 1 % of the tasks are approved by one SQL statement and the deployment is ticked by hand: the tick that
 *      reads the change (and starts the stage); then once more with nothing changed.
 *
 * Run the same script on two trees to compare (before and after a change), back to back.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createGcc, migrate, openDatabase } from '../src/index';
import { createWorker } from '../src/worker';
import { tickTimer } from './tick-timer';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'idle-seconds': { type: 'string', default: '20' },
    'database-url': {
      type: 'string',
      default:
        process.env.DATABASE_URL ??
        process.env.WRKTALK_TEST_DATABASE_URL ??
        'postgres://postgres@127.0.0.1:5432/postgres',
    },
    json: { type: 'string' },
  },
});
const CLIENTS = Number(positionals[0] ?? 100_000);
const IDLE_MS = Number(args['idle-seconds']) * 1000;
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const f0 = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const admin = await openDatabase({ url: args['database-url'], poolSize: 1 });
  const dbName = `gcc_bench_idle_${Date.now().toString(36)}`;
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(args['database-url']);
  url.pathname = `/${dbName}`;
  const raw = await openDatabase({ url: url.toString(), poolSize: 6 });
  const { db, stats } = tickTimer(raw);
  try {
    await migrate(raw);
    await raw.query(
      `INSERT INTO clients (id, name, labels, target_kind, argocd_instance, created_at, updated_at)
       SELECT 'bench-' || lpad(g.i::text, 6, '0'), 'Bench client ' || g.i, '{"bench":"true"}'::jsonb, 'argocd',
              'argocd-' || lpad(g.i::text, 6, '0'), now(), now()
       FROM generate_series(1, $1::int) AS g(i)`,
      [CLIENTS],
    );
    await raw.query('VACUUM ANALYZE clients');
    const gcc = await createGcc({
      database: raw,
      orchestration: 'worker',
      worker: false,
      logger: pino({ level: 'warn' }),
    });
    const rel = await gcc.services.releases.create(
      { role: 'ci', name: 'bench' },
      { component: 'backend', version: 'idle-1', image_url: 'registry.wrktalk.com/backend:idle-1' },
    );
    const t0 = performance.now();
    const d = await gcc.services.deployments.create(
      { role: 'admin', name: 'bench' },
      {
        release_id: rel.release.id,
        targets: { selector: 'bench=true' },
        strategy: {
          stages: [
            { kind: 'batch', percent: 1, wait_seconds: 0 },
            { kind: 'batch', wait_seconds: 0 },
          ],
        },
      },
    );
    const createMs = performance.now() - t0;
    log(`deployment of ${f0(CLIENTS)} tasks waiting for approval, created in ${f0(createMs)} ms`);

    // 1. Idle: the worker with its 5 s sweep; nothing changes.
    const worker = createWorker({
      database: db,
      logger: pino({ level: 'warn' }),
      queue: false,
      pollIntervalMs: 5000,
    });
    await worker.start();
    while (stats.count === 0) await new Promise((r) => setTimeout(r, 50));
    const firstTickMs = stats.lastMs;
    const ticksBefore = stats.count;
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const cpu = process.cpuUsage(cpu0);
    const idleWallMs = performance.now() - w0;
    const idleTicks = stats.count - ticksBefore;
    const idleCpuMs = (cpu.user + cpu.system) / 1000;
    await worker.stop();
    log(
      `idle ${f0(idleWallMs)} ms: ${idleTicks} ticks, ${f0(idleCpuMs)} ms of CPU (first tick ${f0(firstTickMs)} ms)`,
    );

    // 2. A change of 1 % of the tasks, then nothing: ticked by hand by the same (stopped) worker.
    const hand = worker;
    const approved = await raw.query(
      `UPDATE deployment_tasks SET status = 'approved', approval_status = 'approved', approval_source = 'manual',
              approved_at = now(), approved_by = 'bench', updated_at = now()
       WHERE deployment_id = $1 AND client_id <= 'bench-' || lpad(($2::int / 100)::text, 6, '0')`,
      [d.id, CLIENTS],
    );
    let t = performance.now();
    const r1 = await hand.tick(d.id);
    const changeTickMs = performance.now() - t;
    t = performance.now();
    await hand.tick(d.id);
    const unchangedTickMs = performance.now() - t;
    const dispatched = r1.reduce((a, x) => a + x.dispatched, 0);
    log(
      `approved ${f0(approved.rowCount)}: tick ${f0(changeTickMs)} ms (dispatched ${f0(dispatched)}); ` +
        `tick with nothing changed ${f0(unchangedTickMs)} ms`,
    );
    await gcc.close();
    const figures = {
      clients: CLIENTS,
      createMs,
      firstTickMs,
      idleWallMs,
      idleTicks,
      idleCpuMs,
      approved: approved.rowCount,
      changeTickMs,
      dispatched,
      unchangedTickMs,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      loadBefore,
      cpus: cpus().length,
      node: process.version,
    };
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
    if (args.json) writeFileSync(args.json, `${JSON.stringify({ bench: 'idle-tick', figures }, null, 2)}\n`);
  } finally {
    await raw.close().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.close();
  }
}

await main();
