/**
 * `npm run bench`: runs every benchmark script as a child process (each several times), collects their `--json`
 * figures and writes `docs/benchmarks.json` and `docs/benchmarks.md`. After `npm run build`, with PostgreSQL up.
 *
 *   npm run bench -- [--quick] [--only NAME,...] [--runs N] [--expensive-runs N] [--out DIR] [--database-url URL]
 *
 * `--runs` (default 3; 1 with `--quick`) applies to every bench but the expensive one (100,000 clients through all
 * stages over HTTP, about 40 minutes a run on the 2-CPU benchmark machine), which runs `--expensive-runs` times
 * (default 1). `--quick`: small sizes and short durations, to check the pipeline in a few minutes; goals are not
 * judged. `--only` takes bench names or groups (an unknown one exits 2 with the list). A bench that fails is recorded
 * with the tail of its stderr; the pages are still written (after every bench, so a long run leaves what it has) and
 * the exit code is 1. Goals not met do not change the exit code: the pages say so.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, stripVTControlCharacters } from 'node:util';
import { type BenchCase, benchCases, validNames } from './benches';
import {
  aggregateFigure,
  type BenchJson,
  type CaseResult,
  failures,
  type Machine,
  type Report,
  type RunRecord,
  renderMarkdown,
} from './report';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const USAGE =
  'Usage: npm run bench -- [--quick] [--only NAME,...] [--runs N] [--expensive-runs N] [--out DIR] [--database-url URL]';
const log = (msg: string) => process.stderr.write(`[bench:run] ${msg}\n`);

/** Built outputs the benches load (the GCC and agent children run built code). */
const BUILT = [
  'packages/rollout-planner/dist/index.js',
  'packages/sdk-gcc/dist/index.js',
  'packages/gcc-core/dist/index.js',
  'packages/sdk-agent/dist/index.js',
  'reference/gcc-express/dist/main.js',
  'reference/agent-node/dist/main.js',
];

function usageError(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) usageError(`${name} must be a whole number ≥ 1, got ${value}`);
  return n;
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      runs: { type: 'string' },
      'expensive-runs': { type: 'string' },
      out: { type: 'string', default: 'docs' },
      'database-url': {
        type: 'string',
        default:
          process.env.DATABASE_URL ??
          process.env.WRKTALK_TEST_DATABASE_URL ??
          'postgres://postgres@127.0.0.1:5432/postgres',
      },
      help: { type: 'boolean', default: false },
    },
  });
}
try {
  parsed = parse();
} catch (error) {
  usageError((error as Error).message);
}
const args = parsed.values;
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const QUICK = args.quick;
const RUNS = positiveInt('--runs', args.runs, QUICK ? 1 : 3);
const EXPENSIVE_RUNS = positiveInt('--expensive-runs', args['expensive-runs'], 1);
const OUT = resolve(ROOT, args.out);
const mode = { quick: QUICK, databaseUrl: args['database-url'] };

const all = benchCases(mode);
const skipped: Report['skipped'] = [];
let selected = all;
if (args.only !== undefined) {
  const wanted = args.only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const valid = validNames(mode);
  const unknown = wanted.filter((w) => !valid.includes(w));
  if (wanted.length === 0 || unknown.length > 0)
    usageError(
      `Unknown --only name(s): ${unknown.join(', ') || '(none given)'}. Valid names: ${valid.join(', ')}`,
    );
  selected = all.filter((c) => wanted.includes(c.name) || wanted.includes(c.group));
  for (const w of wanted)
    if (!all.some((c) => c.name === w || c.group === w))
      skipped.push({ name: w, reason: 'not part of a quick run (100,000-client sizes)' });
  for (const c of all)
    if (!selected.includes(c)) skipped.push({ name: c.name, reason: 'left out by --only' });
}
if (QUICK && args.only === undefined)
  skipped.push({
    name: 'create-pg-100k, create-pglite-100k',
    reason: 'quick run: creation is measured at 1,000 and 10,000 clients only',
  });

const missing = BUILT.filter((p) => !existsSync(join(ROOT, p)));
if (missing.length > 0) usageError(`Build first (npm run build); missing: ${missing.join(', ')}`);

/** Hides a password in a database URL. */
const redact = (s: string) => s.replace(/(\/\/[^:/@]+):[^@/]*@/, '$1:***@');
const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
const commandOf = (c: BenchCase) =>
  ['node', '--import', 'tsx', c.script, ...c.args.map((a) => redact(a)), '--json', '<json-file>']
    .map((a) => (a === '<json-file>' ? a : quote(a)))
    .join(' ');

// ---- the machine ---------------------------------------------------------------------------------------------------

/** A git command's output (not trimmed: `status --porcelain` lines start with a space), or '' if it failed. */
function git(argv: string[]): string {
  try {
    return execFileSync('git', argv, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return '';
  }
}

async function postgresVersion(url: string): Promise<string> {
  try {
    const { openDatabase } = await import('@wrktalk/gcc-core');
    const db = await openDatabase({ url, poolSize: 1 });
    try {
      const r = await db.query<{ server_version: string }>('SHOW server_version');
      return `${r.rows[0]?.server_version ?? 'unknown'} (${redact(url)})`;
    } finally {
      await db.close();
    }
  } catch (error) {
    return `unavailable at ${redact(url)}: ${(error as Error).message}`;
  }
}

async function machine(): Promise<Machine> {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus().length,
    memoryGb: totalmem() / 2 ** 30,
    node: process.version,
    postgres: await postgresVersion(args['database-url']),
    platform: `${platform()} ${release()}`,
    loadAverageStart: loadavg(),
    date: new Date().toISOString(),
    gitCommit: git(['rev-parse', 'HEAD']).trim() || 'unknown',
    gitDirty: git(['status', '--porcelain'])
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3)),
  };
}

// ---- running one bench ---------------------------------------------------------------------------------------------

let current: ChildProcess | undefined;

/** Stops the current child's whole process group (the bench and the servers it started). */
function killCurrent(signal: NodeJS.Signals): void {
  const pid = current?.pid;
  if (pid === undefined || current?.exitCode !== null) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

async function runOnce(c: BenchCase, run: number, jsonFile: string): Promise<RunRecord> {
  const started = performance.now();
  const argv = ['--import', 'tsx', c.script, ...c.args, '--json', jsonFile];
  let stderrTail = '';
  let timedOut = false;
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    detached: true, // its own process group, so a timeout stops the servers it started too
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  current = child;
  child.stdout?.on('data', (d: Buffer) => process.stderr.write(d));
  child.stderr?.on('data', (d: Buffer) => {
    process.stderr.write(d);
    stderrTail = (stderrTail + d.toString()).slice(-4000);
  });
  const timer = setTimeout(() => {
    timedOut = true;
    killCurrent('SIGTERM');
    setTimeout(() => killCurrent('SIGKILL'), 15_000).unref();
  }, c.timeoutMinutes * 60_000);
  const exit = await new Promise<{ code: number | null; error?: Error }>((done) => {
    child.once('error', (error) => done({ code: null, error }));
    child.once('close', (code) => done({ code }));
  });
  clearTimeout(timer);
  current = undefined;
  const seconds = (performance.now() - started) / 1000;
  const base = { run, exitCode: exit.code, seconds, stderrTail: stripVTControlCharacters(stderrTail) };
  let data: BenchJson | undefined;
  try {
    data = JSON.parse(readFileSync(jsonFile, 'utf8')) as BenchJson;
  } catch {
    data = undefined;
  }
  const error = timedOut
    ? `timed out after ${c.timeoutMinutes} min`
    : exit.error
      ? `could not start: ${exit.error.message}`
      : !data
        ? 'wrote no JSON'
        : !data.ok
          ? "the bench's own checks failed (ok: false in its JSON)"
          : undefined;
  return { ...base, ok: error === undefined, ...(data && { data }), ...(error && { error }) };
}

// ---- the run -------------------------------------------------------------------------------------------------------

const started = performance.now();
const report: Report = {
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).map(redact).map(quote).join(' ')}` : ''}`,
  quick: QUICK,
  runs: RUNS,
  expensiveRuns: EXPENSIVE_RUNS,
  complete: false,
  machine: await machine(),
  cases: [],
  skipped,
};

/**
 * Writes both pages, then formats them with the repository's Biome (short arrays on one line, as `npm run lint`
 * wants them) when they are inside the repository (Biome works on its files only); a formatting failure is logged.
 */
function write(): void {
  mkdirSync(OUT, { recursive: true });
  const files = [join(OUT, 'benchmarks.json'), join(OUT, 'benchmarks.md')];
  writeFileSync(files[0]!, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(files[1]!, renderMarkdown(report));
  if (relative(ROOT, OUT).startsWith('..')) return;
  try {
    execFileSync(join(ROOT, 'node_modules/.bin/biome'), ['format', '--write', ...files], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    log(`biome format of the pages failed (they are written unformatted): ${(error as Error).message}`);
  }
}

function stopped(signal: NodeJS.Signals): void {
  log(`${signal}: stopping the current bench and writing what there is`);
  killCurrent('SIGTERM');
  report.totalSeconds = (performance.now() - started) / 1000;
  report.machine.loadAverageEnd = loadavg();
  write();
  process.exit(130);
}
process.once('SIGINT', () => stopped('SIGINT'));
process.once('SIGTERM', () => stopped('SIGTERM'));

const tmp = mkdtempSync(join(tmpdir(), 'wrktalk-bench-'));
try {
  log(
    `${selected.length} bench(es), ${RUNS} run(s) each${selected.some((c) => c.expensive) ? ` (${EXPENSIVE_RUNS} for the expensive one)` : ''}${QUICK ? ', quick' : ''}; writing ${OUT}`,
  );
  for (const [k, c] of selected.entries()) {
    const planned = c.expensive ? EXPENSIVE_RUNS : RUNS;
    const result: CaseResult = {
      name: c.name,
      group: c.group,
      title: c.title,
      command: commandOf(c),
      runsPlanned: planned,
      ...(c.expensive && {
        runsNote: `Runs ${planned} time(s) (\`--expensive-runs\`, default 1), not ${RUNS}: one run takes tens of minutes.`,
      }),
      runs: [],
      figures: [],
      notes: c.notes,
    };
    report.cases.push(result);
    for (let run = 1; run <= planned; run++) {
      log(`[${k + 1}/${selected.length}] ${c.name}, run ${run} of ${planned}: ${result.command}`);
      const record = await runOnce(c, run, join(tmp, `${c.name}-${run}.json`));
      result.runs.push(record);
      log(
        `${c.name}, run ${run}: ${record.ok ? 'ok' : `FAILED (${record.error})`}, ${Math.round(record.seconds)} s`,
      );
    }
    result.figures = c.figures.map((f) => aggregateFigure(f, result.runs, QUICK));
    report.totalSeconds = (performance.now() - started) / 1000;
    write();
  }
  report.complete = true;
  report.totalSeconds = (performance.now() - started) / 1000;
  report.machine.loadAverageEnd = loadavg();
  write();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const failed = failures(report);
log(
  `wrote ${join(OUT, 'benchmarks.md')} and benchmarks.json in ${Math.round(report.totalSeconds ?? 0)} s` +
    (failed.length
      ? `; ${failed.length} run(s) failed: ${failed.map((f) => `${f.caseName}#${f.run.run}`).join(', ')}`
      : ''),
);
process.exitCode = failed.length > 0 ? 1 : 0;
