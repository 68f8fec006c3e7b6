/**
 * The benches `npm run bench` runs: which script with which arguments, what it reads from each run's JSON, the
 * issue's goals and what a reader must know about each measurement. Data only; `run.ts` runs them.
 */
import { type BenchJson, type FigureSpec, formatNumber, pick } from './report';

/** The sizes a case runs at: the full run, or `--quick`. */
export interface BenchMode {
  quick: boolean;
  /** Passed to the benches that take `--database-url`. */
  databaseUrl: string;
}

/** One bench invocation: a script and its arguments, run as a child process `runs` times. */
export interface BenchCase {
  /** Unique, for `--only`. */
  name: string;
  /** `--only` also takes the group: every case of it. */
  group: string;
  title: string;
  /** From the repository root. */
  script: string;
  args: string[];
  /** Runs once by default (too expensive to repeat): the report says so. */
  expensive?: boolean;
  timeoutMinutes: number;
  figures: FigureSpec[];
  notes: string[];
}

const at = (path: string) => (d: BenchJson) => pick(d.figures, path);
const f0 = (n: number) => formatNumber(n);

function plannerCase(): BenchCase {
  return {
    name: 'planner',
    group: 'planner',
    title: 'Rollout planner on 100,000 clients',
    script: 'packages/rollout-planner/bench/planner.bench.ts',
    args: [],
    // The fleet input's planRollout took seconds a call on the 2-CPU machine (2026-12-05).
    timeoutMinutes: 30,
    figures: [
      {
        id: 'plan-fleet-ms',
        label: 'planRollout, 100,000 clients, one Argo CD instance per client, shuffled ids',
        unit: 'ms',
        digits: 1,
        headline: true,
        value: at('planRolloutFleet.median'),
        baseline: {
          label: 'planRollout, 40 shared instances, ids in order',
          value: at('planRollout.median'),
        },
        ratio: true,
        goal: { on: 'value', op: '<', limit: 50, text: '< 50 ms' },
      },
      {
        id: 'decide-fleet-ms',
        label: 'decide, 100,000-task snapshot, one Argo CD instance per client, shuffled ids',
        unit: 'ms',
        digits: 1,
        value: at('decideFleet.median'),
        baseline: { label: 'decide, 40 shared instances, ids in order', value: at('decide.median') },
        ratio: true,
      },
      {
        id: 'plan-ms',
        label: 'planRollout, 100,000 clients, 40 shared Argo CD instances, ids in order',
        unit: 'ms',
        digits: 1,
        headline: true,
        value: at('planRollout.median'),
        baseline: { label: 'copy + sort 100k ids', value: at('baseline.median') },
        ratio: true,
        goal: { on: 'value', op: '<', limit: 50, text: '< 50 ms' },
      },
      {
        id: 'decide-ms',
        label: 'decide, 100,000-task snapshot, 40 shared Argo CD instances, ids in order',
        unit: 'ms',
        digits: 1,
        value: at('decide.median'),
        baseline: { label: 'copy + sort 100k ids', value: at('baseline.median') },
        ratio: true,
      },
      {
        id: 'plan-cold-ms',
        label: 'planRollout, first call in a fresh process',
        unit: 'ms',
        digits: 1,
        value: at('planRollout.coldMs'),
        baseline: { label: 'copy + sort, first call', value: at('baseline.coldMs') },
      },
      {
        id: 'decide-cold-ms',
        label: 'decide, first call in a fresh process',
        unit: 'ms',
        digits: 1,
        value: at('decide.coldMs'),
        baseline: { label: 'copy + sort, first call', value: at('baseline.coldMs') },
      },
      {
        id: 'plan-rss-mb',
        label: 'planRollout peak RSS over the input alone',
        unit: 'MB',
        digits: 1,
        value: at('planRollout.peakRssOverInputMb'),
        baseline: { label: 'copy + sort', value: at('baseline.peakRssOverInputMb') },
      },
    ],
    notes: [
      "Each run's planRollout and decide figures are themselves the median of 21 timed calls after 3 warm-up calls, " +
        "all on the same client and snapshot instances in one process, with the planner's module-level caches " +
        '(time zone formatters, parsed times) warm. The "first call in a fresh process" rows are the honest cold ' +
        'figure: the first call in a child process that built its inputs and had never called the planner.',
      'Two inputs in the same run: 40 Argo CD instances shared by the 70,000 Argo CD clients with the ids in sorted order ' +
        '(the original input: few instance groups, nothing to sort) and the fleet as it is, one Argo CD instance per ' +
        'Argo CD client and the clients in a shuffled order (seeded); same labels, kinds, windows and time zones. A ' +
        'scenario whose call takes over a second is timed 5 times after 1 warm-up call instead of 21 after 3.',
      'The planner bench always uses 100,000 clients, in `--quick` too.',
    ],
  };
}

/**
 * `gcc.bench.ts`. `tokens` is how many agent tokens rotate in the poll runs: every client's (the honest figure for a
 * fleet of that size) or the bench's default 1,000 (each token reused every few hundred milliseconds, always cached).
 */
function gccCase(mode: BenchMode, tokensOf: 'all' | 1000): BenchCase {
  const clients = mode.quick ? 1_000 : 100_000;
  const tokens = tokensOf === 'all' ? clients : tokensOf;
  const duration = mode.quick ? 3 : 10;
  return {
    name: tokensOf === 'all' ? 'gcc' : 'gcc-1k-tokens',
    group: 'gcc',
    title: `GCC over HTTP on PostgreSQL: creation, agent polls with ${f0(tokens)} agent tokens rotating, peak RSS (${f0(clients)} clients)`,
    script: 'reference/gcc-express/bench/gcc.bench.ts',
    args: [
      '--clients',
      String(clients),
      '--tokens',
      String(tokens),
      '--tokens-via',
      'sql',
      '--duration',
      String(duration),
      '--database-url',
      mode.databaseUrl,
    ],
    timeoutMinutes: 30,
    figures: [
      {
        id: 'create-api-ms',
        label: `Create a deployment for ${f0(clients)} clients through the API, PostgreSQL`,
        unit: 'ms',
        headline: tokensOf === 'all',
        value: at('createMedianMs'),
        baseline: { label: 'floor: INSERT … SELECT of the same rows', value: at('floorMedianMs') },
        ratio: true,
        ...(tokensOf === 'all' && {
          goal: { on: 'value' as const, op: '<' as const, limit: 1000, text: '< 1,000 ms' },
        }),
      },
      {
        id: 'polls-rps',
        label: `Agent polls/s, GCC, ${f0(tokens)} tokens rotating`,
        unit: '/s',
        headline: true,
        value: at('polls.rps'),
        baseline: { label: 'bare Express route', value: at('express.rps') },
        goal: { on: 'ratio', op: '>=', limit: 0.75, text: '≥ 0.75 of bare Express' },
      },
      {
        id: 'polls-rps-http',
        label: `Agent polls/s, GCC, ${f0(tokens)} tokens, against bare node:http`,
        unit: '/s',
        value: at('polls.rps'),
        baseline: { label: 'bare node:http', value: at('http.rps') },
        ratio: true,
      },
      {
        id: 'polls-p99',
        label: `Agent poll p99 latency, GCC, ${f0(tokens)} tokens rotating`,
        unit: 'ms',
        headline: true,
        value: at('polls.p99'),
        baseline: { label: 'bare Express p99', value: at('express.p99') },
        goal: { on: 'value', op: '<', limit: 50, text: '< 50 ms' },
      },
      {
        id: 'polls-p50',
        label: `Agent poll p50 latency, GCC, ${f0(tokens)} tokens rotating`,
        unit: 'ms',
        value: at('polls.p50'),
        baseline: { label: 'bare Express p50', value: at('express.p50') },
      },
      {
        id: 'gcc-rss-mb',
        label: `GCC process peak RSS (VmHWM), ${f0(clients)} clients, ${f0(tokens)} tokens polled`,
        unit: 'MB',
        headline: true,
        value: at('gccPeakRssMb'),
        baseline: { label: 'bare Express process, peak', value: at('expressPeakRssMb') },
        goal: { on: 'value', op: '<', limit: 200, text: '< 200 MB' },
      },
      {
        id: 'xacts-per-poll',
        label: 'Database transactions per poll',
        unit: '',
        digits: 3,
        value: at('xactsPerPoll'),
      },
    ],
    notes: [
      `The GCC is \`wrktalk-gcc serve\` (built code) in a child process on a fresh PostgreSQL database; the ${f0(clients)} clients are registered set-based in SQL and ${f0(tokens)} agent tokens (of evenly spaced clients) stored set-based in SQL (\`--tokens-via sql\`, as the API stores them, without audit entries).`,
      `Polls: autocannon, 50 connections, ${duration} s per server, each request the next of the ${f0(tokens)} agent tokens (round robin), the same requests against the bare node:http server, the bare Express 5 route (both answer a fixed JSON) and the GCC, in that order, after a 3 s warm-up of the GCC. The GCC's token cache trusts a token for 30 s.` +
        (tokensOf === 'all'
          ? ` With ${f0(tokens)} tokens a token comes round again only after ${f0(tokens)} polls, and the 3 s warm-up does not reach every token (the bench's comment says "every token once"; its code runs 3 s): when ${f0(tokens)} polls take more than 30 s, each poll reads its token from the database again, as ${f0(tokens)} real agents polling every 30 s would.`
          : " With 1,000 tokens (the bench's default) each token comes round every few hundred milliseconds, so every poll finds its token cached: the best case, not a fleet of 100,000 agents."),
      "Creation: the median of 3 creations by selector in each run (each a new release, every client targeted); the floor is the database alone copying the last deployment's task rows into a table of the same columns and indexes (no foreign keys), median of 3, same database, same run.",
      "Peak RSS is the GCC process's VmHWM at the end of the run (3 creations for every client, then the poll runs); its baseline is the bare Express server's VmHWM after its load run.",
    ],
  };
}

function createCase(db: 'pg' | 'pglite', clients: number, mode: BenchMode): BenchCase {
  const size = clients >= 1000 ? `${clients / 1000}k` : String(clients);
  const where = db === 'pg' ? 'PostgreSQL' : 'PGlite (in memory)';
  return {
    name: `create-${db}-${size}`,
    group: `create-${db}`,
    title: `Deployment creation in-process, ${f0(clients)} clients, ${where}`,
    script: 'packages/gcc-core/bench/worker.bench.ts',
    args: [
      String(clients),
      '--create-only',
      ...(db === 'pglite' ? ['--pglite'] : ['--database-url', mode.databaseUrl]),
    ],
    timeoutMinutes: 20,
    figures: [
      {
        id: 'create-ms',
        label: `Create for ${f0(clients)} clients, ${where}`,
        unit: 'ms',
        headline: true,
        value: at('createMs'),
        baseline: { label: 'floor: INSERT … SELECT of the same rows', value: at('floorMs') },
        ratio: true,
        ...(db === 'pg' && clients === 100_000
          ? { goal: { on: 'value' as const, op: '<' as const, limit: 1000, text: '< 1,000 ms' } }
          : {}),
      },
      {
        id: 'create-rss-mb',
        label: 'Peak RSS of the bench process',
        unit: 'MB',
        value: at('peakRssMb'),
      },
    ],
    notes: [
      `\`gcc.services.deployments.create\` called in-process (gcc-core from its sources, no HTTP), approval not required, the default five stages, on a fresh ${db === 'pg' ? 'PostgreSQL database (synchronous_commit off for the bench database, as the worker bench sets it)' : 'in-memory PGlite'} with ${f0(clients)} Argo CD clients registered set-based; one creation per run. The floor copies that deployment's task rows with one INSERT … SELECT into a table of the same columns, defaults and indexes (no foreign keys).`,
      ...(db === 'pglite'
        ? ["PGlite runs in the bench process (WebAssembly): its memory counts in the process's RSS."]
        : []),
    ],
  };
}

function idlePollsCase(mode: BenchMode): BenchCase {
  const idle = mode.quick ? 1_000 : 19_000;
  return {
    name: 'idle-polls',
    group: 'idle-polls',
    title: `Idle long polls held by one GCC (${f0(idle)})`,
    script: 'reference/gcc-express/bench/idle-polls.bench.ts',
    args: [
      '--connections-idle',
      String(idle),
      ...(mode.quick ? ['--other-tokens', '200', '--duration', '3', '--settle', '1'] : []),
      '--database-url',
      mode.databaseUrl,
    ],
    timeoutMinutes: 30,
    figures: [
      {
        id: 'held',
        label: 'Idle long polls held (at the measurement, and after the load run: the smaller)',
        unit: '',
        headline: true,
        value: (d) => {
          const b = pick(d.figures, 'heldB');
          const a = pick(d.figures, 'heldAfter');
          return a === undefined || b === undefined ? undefined : Math.min(a, b);
        },
        baseline: { label: 'bare node:http', value: at('bare.held') },
        goal: { on: 'value', op: '>=', limit: idle, text: `all ${f0(idle)}` },
      },
      {
        id: 'rss-per-poll-kb',
        label: 'GCC RSS per idle long poll',
        unit: 'KB',
        digits: 1,
        headline: true,
        value: at('rssPerIdlePollKb'),
        baseline: { label: 'bare node:http per held request', value: at('bare.rssPerHeldKb') },
        goal: { on: 'value', op: '<', limit: 10, text: '< 10 KB (issue 12)' },
      },
      {
        id: 'heap-per-poll-kb',
        label: 'GCC V8 heap per idle long poll',
        unit: 'KB',
        digits: 1,
        value: at('heapPerIdlePollKb'),
        baseline: { label: 'bare node:http per held request', value: at('bare.heapPerHeldKb') },
      },
      {
        id: 'p99-while-held',
        label: 'p99 of other agent polls while the idle polls are held',
        unit: 'ms',
        headline: true,
        value: at('during.p99'),
        baseline: { label: 'same GCC before, no idle poll', value: at('before.p99') },
        goal: { on: 'value', op: '<', limit: 50, text: '< 50 ms (issue 12)' },
      },
      {
        id: 'rps-while-held',
        label: 'Other agent polls/s while the idle polls are held',
        unit: '/s',
        value: at('during.rps'),
        baseline: { label: 'same GCC before, no idle poll', value: at('before.rps') },
        ratio: true,
      },
      {
        id: 'hwm-mb',
        label: 'GCC VmHWM, whole run',
        unit: 'MB',
        value: (d) => {
          const kb = pick(d.figures, 'hwmKb');
          return kb === undefined ? undefined : kb / 1024;
        },
      },
    ],
    notes: [
      `${f0(idle)} idle long polls (wait=60 s, If-None-Match, one connection and one agent token each) held by one \`wrktalk-gcc serve\` on PostgreSQL; 19,000 is the bench's default, bounded by this machine's open-files limit (20,000). The issue names no goal for this figure: the goals shown are issue 12's.`,
      'Memory after a forced full GC and a settle; the baseline is a bare node:http server holding the same requests, measured the same way after the GCC is stopped, in the same run.',
    ],
  };
}

function stagesCase(mode: BenchMode): BenchCase {
  const clients = mode.quick ? 1_000 : 100_000;
  return {
    name: 'stages',
    group: 'stages',
    title: `All stages for ${f0(clients)} clients, instant agents over HTTP, PostgreSQL`,
    script: 'packages/gcc-core/bench/worker.bench.ts',
    args: [String(clients), '--agents', 'http', '--database-url', mode.databaseUrl],
    expensive: !mode.quick,
    timeoutMinutes: 180,
    figures: [
      {
        id: 'gcc-share-ms',
        label: `GCC overhead for all stages, ${f0(clients)} clients (B − A)`,
        unit: 'ms',
        headline: true,
        value: at('gccShareMs'),
        baseline: { label: 'A: agents alone, every task queued at once', value: at('baselineMs') },
        goal: { on: 'value', op: '<', limit: 60_000, text: '< 60,000 ms' },
      },
      {
        id: 'worker-ms',
        label: 'B: deployment created → completed, all stages',
        unit: 'ms',
        value: at('workerMs'),
        baseline: { label: 'A: agents alone', value: at('baselineMs') },
        ratio: true,
      },
      {
        id: 'advance-ms',
        label: 'GCC time advancing the stages (due → started, last report → completed, summed)',
        unit: 'ms',
        value: at('advanceMs'),
      },
      {
        id: 'create-ms',
        label: 'Deployment creation within this run',
        unit: 'ms',
        value: at('createMs'),
      },
      {
        id: 'slowest-tick-ms',
        label: 'Slowest worker tick',
        unit: 'ms',
        value: at('slowestTickMs'),
      },
      {
        id: 'rss-mb',
        label: 'Peak RSS of the process (GCC and the agents together)',
        unit: 'MB',
        value: at('peakRssMb'),
      },
    ],
    notes: [
      "The agents speak the contract over real HTTP (fetch, one agent token each) to the gcc-core router mounted in a bare Express app on a local port: poll, report in_progress, report success, answering instantly, 16 at a time. They are woken through the GCC's NOTIFY (as a long poll would be), not by polling on a timer. The agents and the GCC share one Node process, so the agents' HTTP client cost is on the same event loop and CPU as the GCC's, in A and B alike.",
      'A (the baseline, same run, same database and agents): a deployment whose every task is queued at once by one SQL statement, no worker; B: a deployment of a new release to every client through the worker (canary 4 %, 10 %, 20 %, 30 %, rest; zero waits). B − A is the time the GCC adds; the goal is judged on it.',
      "The bench database commits with synchronous_commit off (the bench's default: every agent call commits with a NOTIFY, and on this disk fsyncs would measure the disk).",
      "The bench's default `--agents service` calls the services in-process and bypasses HTTP; this report uses `--agents http`.",
      ...(mode.quick
        ? []
        : [
            "Peak RSS here includes the agents and their HTTP client; the GCC-alone peak RSS is the gcc bench's figure.",
          ]),
    ],
  };
}

function agentMemoryCase(mode: BenchMode): BenchCase {
  const seconds = mode.quick ? 5 : 20;
  return {
    name: 'agent-memory',
    group: 'agent-memory',
    title: `Idle agent memory (reference daemon, image flags, ${seconds} s)`,
    script: 'packages/sdk-agent/bench/idle-memory.ts',
    args: [String(seconds), '--image-flags', '--runs', '1'],
    timeoutMinutes: 10,
    figures: [
      {
        id: 'agent-peak-mb',
        label: `Idle agent RSS, peak of the per-second samples over ${seconds} s`,
        unit: 'MB',
        digits: 1,
        headline: true,
        value: at('runs.0.peakMB'),
        baseline: {
          label: 'bare Node, same flags, peak',
          value: (d) => pick(d.figures, 'runs.0.baselinePeakMB') ?? pick(d.figures, 'runs.0.baselineMB'),
        },
        goal: { on: 'value', op: '<', limit: 45, text: '< 45 MB' },
      },
      {
        id: 'agent-rss-mb',
        label: `Idle agent RSS after ${seconds} s (last sample)`,
        unit: 'MB',
        digits: 1,
        value: at('runs.0.agentMB'),
        baseline: { label: 'bare Node, same flags, last sample', value: at('runs.0.baselineMB') },
      },
    ],
    notes: [
      "The reference daemon (`reference/agent-node/bin/wrktalk-agent.mjs run`, built code, EXECUTOR=argocd-cli) with the V8 flags of its image's ENTRYPOINT, long-polling a fake GCC in the bench process; RSS from /proc every second, no forced GC. The figure (and the goal) is the peak of those samples, what a container limit must hold; the last sample, what the agent settles to, is shown too. The bench exits 1 when its own (older) 60 MB goal is missed by the peak; that exit code is not counted as a failure here.",
    ],
  };
}

/** Every case, in the order they run (cheap ones first, the expensive rollout last). */
export function benchCases(mode: BenchMode): BenchCase[] {
  const sizes = mode.quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
  return [
    plannerCase(),
    agentMemoryCase(mode),
    ...sizes.map((n) => createCase('pg', n, mode)),
    ...sizes.map((n) => createCase('pglite', n, mode)),
    gccCase(mode, 'all'),
    ...(mode.quick ? [] : [gccCase(mode, 1000)]),
    idlePollsCase(mode),
    stagesCase(mode),
  ];
}

/** The names `--only` takes: every case's name and group. */
export function validNames(mode: BenchMode): string[] {
  const names = new Set<string>();
  for (const c of [...benchCases(mode), ...benchCases({ ...mode, quick: !mode.quick })]) {
    names.add(c.group);
    names.add(c.name);
  }
  return [...names].sort();
}
