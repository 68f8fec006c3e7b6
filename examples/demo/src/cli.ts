import { Command, InvalidArgumentError, Option } from 'commander';
import { isDemoOptionsError } from './errors';
import { COMPONENT } from './fleet';
import { compileDemoOptions, type DemoOptions, defaultDemoOptions } from './options';
import { type DemoResult, type ProgressMode, type RunningDemo, runDemo } from './run-demo';
import { SCENARIO_NAMES, SCENARIOS } from './scenarios';
import { formatTable } from './summary';

/** Where the CLI writes, and how it learns to stop (tests pass their own). */
export interface DemoIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  /** Resolves when the demo should stop serving (default: SIGINT or SIGTERM). */
  stopSignal?: () => Promise<void>;
}

const number = (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('not a number');
  return n;
};

function defaultStopSignal(): Promise<void> {
  return new Promise((resolve) => {
    // Kept installed after the first signal: a second Ctrl-C, or the terminal closing (SIGHUP, e.g. when `npm start`
    // exits on Ctrl-C before the demo has finished stopping), must not cut the clean stop short.
    const on = () => resolve();
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, on);
  });
}

/** The end of the run in words: the summary table, what happened to whom, and where to look. */
export function formatSummary(
  r: DemoResult,
  demo: Pick<RunningDemo, 'adminToken' | 'approverTokens'>,
): string {
  const out: string[] = [];
  out.push(
    '',
    `Deployment ${r.deployment.id} (${COMPONENT} ${r.release.version} to ${r.selector}): ${r.deployment.status}`,
  );
  if (r.deployment.status_reason) out.push(`  ${r.deployment.status_reason}`);
  const overdue = r.clients.filter((c) => c.task_status === 'overdue').length;
  if (r.deployment.status === 'running' && overdue > 0)
    out.push(
      `  Every stage has finished; the deployment stays running until its ${overdue} overdue (offline) client(s) return.`,
    );
  out.push('', formatTable([...r.stages, ...r.rollback_stages]), '');
  const by = (b: string) => r.clients.filter((c) => c.behaviour === b);
  const updated = r.clients.filter((c) => c.running_version === r.release.version);
  out.push(
    `Updated to ${r.release.version}: ${updated.length} of ${r.clients.length} clients (${r.approved} approved).`,
    `Rejected (never updated): ${by('reject')
      .map((c) => `${c.id} "${c.rejected_reason ?? ''}"`)
      .join(', ')}`,
    `Never answered (expired, never updated): ${by('silent')
      .map((c) => c.id)
      .join(', ')}`,
    `Offline (approved, agent never started; task ${by('offline')[0]?.task_status ?? '-'}): ${by('offline')
      .map((c) => c.id)
      .join(', ')}`,
  );
  if (r.rollback) {
    out.push(
      '',
      `Automatic rollback ${r.rollback.id}: ${r.rollback.status}. ${r.rollback_tasks.length} client(s) returned to their own previous versions:`,
      ...r.rollback_tasks.map((t) => {
        const c = r.clients.find((x) => x.id === t.client_id);
        return `  ${t.client_id}: ${r.release.version} -> ${t.version} (task ${t.status}; runs ${c?.running_version ?? '?'})`;
      }),
      `No other client was updated: ${r.clients.filter((c) => c.running_version === r.release.version).length} run ${r.release.version}; each client runs its own previous version.`,
    );
  }
  const ct = r.clients.find((c) => c.behaviour === 'silent') ?? r.clients[0];
  out.push(
    '',
    `Admin console:  ${r.url}/admin          admin token:    ${demo.adminToken}`,
    ...(ct
      ? [`A client's CT:  ${r.url}/ct/${ct.id}   approver token: ${demo.approverTokens.get(ct.id)}`]
      : []),
    `API reference:  ${r.url}/api/v1/docs`,
  );
  return out.join('\n');
}

/** Runs `wrktalk-demo` with `argv` (without node and the script); resolves with the exit code. */
export async function runCli(argv: string[], io: DemoIo): Promise<number> {
  const d = defaultDemoOptions();
  const program = new Command('wrktalk-demo')
    .description(
      'The WrkTalk one-click update, live: a GCC on embedded PostgreSQL, simulated clients running the real agent, a staged rollout with approvals.',
    )
    .addOption(
      new Option('--scenario <name>', 'what to show').choices([...SCENARIO_NAMES]).default(d.scenario),
    )
    .option('--clients <n>', 'simulated clients (>= 10)', number, d.clients)
    .addOption(
      new Option(
        '--port <n>',
        `port to serve on (default ${d.port}, or a free one when that is busy; a port given here or in PORT must be free; 0: any)`,
      )
        .env('PORT')
        .argParser(number),
    )
    .option('--host <host>', 'address to serve on', d.host)
    .option('--latency-ms <n>', "fake executor's mean apply/verify time", number, d.latencyMs)
    .option('--failure-rate <r>', 'share of first attempts that fail (0 to 0.5)', number, d.failureRate)
    .option('--seed <n>', 'seed of every random choice', number, d.seed)
    .option('--timeout-ms <n>', 'give up when the rollout takes longer', number, d.timeoutMs)
    .option('--exit', 'exit after the summary instead of serving the pages until Ctrl-C')
    .option('--json', 'print the summary as JSON on stdout (no progress display)')
    .option('--plain', 'plain line output even on a terminal')
    .addHelpText(
      'after',
      `\nScenarios:\n${SCENARIO_NAMES.map((n) => `  ${n.padEnd(16)} ${SCENARIOS[n].description}`).join('\n')}\n\nExamples:\n  npm start\n  npm start -- --scenario failing-canary\n  npm start -- --clients 200 --latency-ms 100 --exit\n`,
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    // --help is not an error; any other parse problem is a usage error (commander already printed it).
    const code = (error as { code?: unknown }).code;
    return code === 'commander.helpDisplayed' || code === 'commander.version' ? 0 : 2;
  }
  const f = program.opts<DemoOptions & { exit?: boolean; json?: boolean; plain?: boolean }>();
  const mode: ProgressMode = f.json ? 'silent' : f.plain || !io.stdout.isTTY ? 'plain' : 'live';
  // A port the user chose (--port or PORT) that is busy is an error; the default one falls back to a free port.
  const portChosen = f.port !== undefined;
  const demoOptions: DemoOptions = {
    scenario: f.scenario,
    clients: f.clients,
    port: f.port ?? d.port,
    portFallback: !portChosen,
    host: f.host,
    latencyMs: f.latencyMs,
    failureRate: f.failureRate,
    seed: f.seed,
    timeoutMs: f.timeoutMs,
  };
  try {
    compileDemoOptions(demoOptions); // every bad value is a usage error before anything starts
  } catch (error) {
    if (!isDemoOptionsError(error)) throw error;
    io.stderr.write(`wrktalk-demo: ${error.message}\n`);
    return 2;
  }
  const abort = new AbortController();
  const stopSignal = (io.stopSignal ?? defaultStopSignal)();
  void stopSignal.then(() => abort.abort());
  let demo: RunningDemo;
  try {
    demo = await runDemo(demoOptions, { mode, signal: abort.signal });
  } catch (error) {
    if (abort.signal.aborted) {
      io.stderr.write('Stopped.\n');
      return 0;
    }
    io.stderr.write(`wrktalk-demo: ${error instanceof Error ? error.message : String(error)}\n`);
    return isDemoOptionsError(error) ? 2 : 1;
  }
  if (f.json) io.stdout.write(`${JSON.stringify(demo.result, null, 2)}\n`);
  else io.stdout.write(`${formatSummary(demo.result, demo)}\n`);
  if (!f.exit && !abort.signal.aborted) {
    if (!f.json) io.stdout.write('\nServing until Ctrl-C.\n');
    await stopSignal;
  }
  await demo.stop();
  if (!f.json) io.stdout.write('Stopped: agents, worker, server and database; data directory removed.\n');
  return 0;
}
