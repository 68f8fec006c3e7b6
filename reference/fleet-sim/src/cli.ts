import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { isScenarioError } from './errors';
import { formatSummary, renderHtml } from './report';
import { runSimulation, type SimGcc } from './run';
import { loadScenario } from './scenario';

/** The scenarios shipped with the simulator (`wrktalk-sim customer-50` runs `scenarios/customer-50.yaml`). */
export const SCENARIOS_DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));

/** Where the CLI writes, and how it learns to stop (tests pass their own). */
export interface SimIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Resolves when the run should stop (default: SIGINT or SIGTERM). */
  stopSignal?: () => Promise<void>;
}

const whole = (min: number) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min)
    throw new InvalidArgumentError(`a whole number >= ${min}`);
  return n;
};

/** A shipped scenario's name, or a path. */
export function resolveScenario(arg: string): string {
  if (existsSync(arg)) return arg;
  for (const ext of ['.yaml', '.yml', '.json']) {
    const shipped = join(SCENARIOS_DIR, `${arg}${ext}`);
    if (existsSync(shipped)) return shipped;
  }
  return arg; // loadScenario reports that it cannot be read
}

/** Runs `wrktalk-sim` with `argv` (without node and the script); resolves with the exit code. */
export async function runCli(argv: string[], io: SimIo): Promise<number> {
  const program = new Command('wrktalk-sim')
    .description(
      'Rehearses a rollout strategy on a simulated fleet against a real GCC: the clients register, approve (or not), poll with jitter, apply, fail where the scenario says, and report; writes a JSON and a self-contained HTML report.',
    )
    .argument('[scenario]', 'a scenario file (.yaml, .yml or .json), or the name of a shipped one')
    .option('--clients <n>', "override the scenario's clients.count (1 to 100000)", whole(1))
    .option('--seed <n>', "override the scenario's seed", whole(0))
    .option('--database-url <url>', 'run the GCC in this process on a new database of this PostgreSQL server')
    .option('--keep', 'keep that database at the end')
    .option(
      '--url <url>',
      'simulate against a running GCC (needs --admin-token and --ci-token, or WRKTALK_ADMIN_TOKEN / WRKTALK_CI_TOKEN)',
    )
    .option('--admin-token <token>', 'admin token of the GCC at --url')
    .option('--ci-token <token>', 'CI token of the GCC at --url')
    .option('--out <dir>', 'where to write <name>.json and <name>.html', 'sim-reports')
    .option('--json', 'print the JSON report on stdout (progress on stderr)')
    .option('--check', 'only check the scenario file and print what it would simulate')
    .option('--list', 'list the shipped scenarios')
    .addHelpText(
      'after',
      `
Without --database-url or --url the GCC runs in this process on embedded PGlite in a temporary directory.

Environment: WRKTALK_ADMIN_TOKEN, WRKTALK_CI_TOKEN (for --url); WRKTALK_SIM_LOG_LEVEL (the in-process GCC's log
level on stderr, default silent).

Examples:
  wrktalk-sim customer-50
  wrktalk-sim failing-canary --out /tmp/sim
  wrktalk-sim premium-first-100k --database-url postgres://postgres@127.0.0.1:5432/postgres
  wrktalk-sim ./my-scenario.yaml --url https://gcc.example.com
`,
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return code === 'commander.helpDisplayed' || code === 'commander.version' ? 0 : 2;
  }
  const f = program.opts<{
    clients?: number;
    seed?: number;
    databaseUrl?: string;
    keep?: boolean;
    url?: string;
    adminToken?: string;
    ciToken?: string;
    out: string;
    json?: boolean;
    check?: boolean;
    list?: boolean;
  }>();
  const fail = (message: string) => {
    io.stderr.write(`wrktalk-sim: ${message}\n`);
    return 2;
  };
  if (f.list) {
    // Strategy files (`*.strategy.json`) sit next to the scenarios that use them.
    const files = (await readdir(SCENARIOS_DIR))
      .filter((n) => /\.(ya?ml|json)$/.test(n) && !/\.strategy\.(ya?ml|json)$/.test(n))
      .sort();
    for (const file of files) {
      const s = await loadScenario(join(SCENARIOS_DIR, file));
      io.stdout.write(
        `${s.name.padEnd(22)} ${s.clients.count.toLocaleString('en-US').padStart(7)} clients  ${s.description}\n`,
      );
    }
    return 0;
  }
  const arg = program.args[0];
  if (!arg) return fail('give a scenario file or the name of a shipped scenario (see --list)');
  if (f.clients !== undefined && f.clients > 100_000) return fail('--clients: at most 100000');
  if (f.url && f.databaseUrl) return fail('give --url or --database-url, not both');
  let gcc: SimGcc = { mode: 'embedded' };
  if (f.url) {
    const adminToken = f.adminToken ?? process.env.WRKTALK_ADMIN_TOKEN;
    const ciToken = f.ciToken ?? process.env.WRKTALK_CI_TOKEN;
    if (!adminToken || !ciToken)
      return fail('--url needs --admin-token and --ci-token (or WRKTALK_ADMIN_TOKEN and WRKTALK_CI_TOKEN)');
    try {
      new URL(f.url);
    } catch {
      return fail(`--url: not a URL: ${f.url}`);
    }
    gcc = { mode: 'url', url: f.url, adminToken, ciToken };
  } else if (f.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(f.databaseUrl)) return fail('--database-url: a postgres:// URL');
    gcc = { mode: 'postgres', databaseUrl: f.databaseUrl, keep: f.keep ?? false };
  }

  const file = resolveScenario(arg);
  let scenario: Awaited<ReturnType<typeof loadScenario>>;
  try {
    scenario = await loadScenario(file);
  } catch (error) {
    if (!isScenarioError(error)) throw error;
    io.stderr.write(`wrktalk-sim: ${error.message}\n`);
    return 2;
  }
  if (f.clients !== undefined) scenario = { ...scenario, clients: { ...scenario.clients, count: f.clients } };
  if (f.seed !== undefined) scenario = { ...scenario, seed: f.seed };
  if (f.check) {
    io.stdout.write(
      `${basename(file)}: ${scenario.name}, ${scenario.clients.count} clients, ${scenario.deployment.strategy.stages?.length ?? 'default'} stages, baseline ${scenario.baseline}, ${scenario.rules.length} rules${scenario.release.set ? `, release set ${scenario.release.set.map((m) => `${m.component} ${m.version}`).join(', ')}` : ''}: OK\n`,
    );
    return 0;
  }

  const abort = new AbortController();
  const stopSignal = (
    io.stopSignal ??
    (() =>
      new Promise<void>((r) => {
        for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, () => r());
      }))
  )();
  void stopSignal.then(() => abort.abort());
  const log = f.json ? io.stderr : io.stdout;
  try {
    const report = await runSimulation(scenario, {
      gcc,
      scenarioFile: resolve(file),
      signal: abort.signal,
      onProgress: (line) => log.write(`${line}\n`),
    });
    await mkdir(f.out, { recursive: true });
    const json = join(f.out, `${scenario.name}.json`);
    const html = join(f.out, `${scenario.name}.html`);
    await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(html, renderHtml(report));
    if (f.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else io.stdout.write(`${formatSummary(report)}\n\nReport: ${html}\n        ${json}\n`);
    return 0;
  } catch (error) {
    if (abort.signal.aborted) {
      io.stderr.write('Stopped.\n');
      return 130;
    }
    io.stderr.write(`wrktalk-sim: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
