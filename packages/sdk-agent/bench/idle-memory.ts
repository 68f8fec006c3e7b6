/**
 * Resident memory of an idle agent: a fake GCC in this process answering "nothing to do", the agent alone in a child
 * process (plain Node on BUILT code, so neither tsx nor the fake GCC count), long-polling for `seconds`, next to a
 * bare Node (`node -e "setInterval(() => {}, 1000)"`, same binary, same flags) measured at the same time.
 *
 *   npm run build -w @wrktalk/rollout-planner -w @wrktalk/sdk-gcc -w @wrktalk/sdk-agent -w @wrktalk/reference-agent-node
 *   npx tsx packages/sdk-agent/bench/idle-memory.ts [seconds] [--runs N] [--target reference|package]
 *       [--executor NAME] [--image-flags | --node-flags "<flags>"] [--node <path of a node binary>] [--json FILE]
 *
 * `--target reference` (default): the reference daemon as its image runs it, `node <flags>
 * reference/agent-node/bin/wrktalk-agent.mjs run`, with `EXECUTOR=<--executor>` (default `argocd-cli`, configured
 * as a customer would; `fake`, `argocd-api`, `docker-compose`, `watchtower` work too: idle, none of them calls its
 * target). `--target package`: `createAgent()` of the built `@wrktalk/sdk-agent` with an in-memory executor.
 * RSS is read from `/proc/<pid>/status` (Linux) every second, no forced GC; the figure is the peak of those samples
 * (what a container memory limit must hold), and the last sample is printed beside it (what the agent settles to).
 * `--image-flags` runs Node with the V8 flags of the image's ENTRYPOINT (read from reference/agent-node/Dockerfile),
 * `--node-flags` with the ones given. `--runs` (default 3) prints the median and range. Exit code 0 when the
 * agent's median peak is under the 60 MB goal. `--json FILE` also writes each run's figures (`peakMB` the peak sample,
 * `agentMB` the last sample, bare Node's last and peak samples, polls) as JSON (for `npm run bench`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGccClient } from '@wrktalk/sdk-gcc';
import { startFakeGccServer } from '@wrktalk/sdk-gcc/testing';

const GOAL_MB = 60;
const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
};
const flag = (name: string) => {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
};
const target = option('--target') ?? 'reference';
const executorName = option('--executor') ?? 'argocd-cli';
const runs = Number(option('--runs') ?? 3);
const nodeBin = option('--node') ?? process.execPath;
const jsonFile = option('--json');
const dockerfile = fileURLToPath(new URL('../../../reference/agent-node/Dockerfile', import.meta.url));
const nodeFlags = flag('--image-flags')
  ? imageFlags()
  : (option('--node-flags') ?? '').split(/\s+/).filter(Boolean);
const seconds = Number(args[0] ?? 20);
if (target !== 'package' && target !== 'reference') {
  console.error('--target must be package or reference');
  process.exit(2);
}

/** The flags between `node` and the script in the image's `ENTRYPOINT ["node", …, "/app/…/wrktalk-agent.mjs"]`. */
function imageFlags(): string[] {
  const line = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(readFileSync(dockerfile, 'utf8'))?.[1];
  const entry = line ? (JSON.parse(line) as string[]) : [];
  if (entry[0] !== 'node') throw new Error(`no ENTRYPOINT ["node", …] in ${dockerfile}`);
  return entry.slice(1).filter((a) => a.startsWith('--'));
}

const dist = new URL('../dist/index.js', import.meta.url);
const referenceBin = fileURLToPath(
  new URL('../../../reference/agent-node/bin/wrktalk-agent.mjs', import.meta.url),
);
const referenceDist = new URL('../../../reference/agent-node/dist/main.js', import.meta.url);
if (!existsSync(dist) || (target === 'reference' && !existsSync(referenceDist))) {
  console.error(
    'Build first: npm run build -w @wrktalk/rollout-planner -w @wrktalk/sdk-gcc -w @wrktalk/sdk-agent -w @wrktalk/reference-agent-node',
  );
  process.exit(1);
}

const gcc = await startFakeGccServer({ pollAfterSeconds: 1 });
await createGccClient({ baseUrl: gcc.url, token: 'admin-token' }).clients.create({
  id: 'idle-prod',
  name: 'Idle',
  target_kind: 'docker',
});
const dir = mkdtempSync(join(tmpdir(), 'agent-idle-'));
const composeFile = join(dir, 'compose.yaml');
writeFileSync(composeFile, 'services:\n  backend:\n    image: registry.wrktalk.com/wrktalk/backend:1.0.0\n');

/** What each executor needs to start, as a customer would configure it (nothing is called while idle). */
const executorEnv: Record<string, Record<string, string>> = {
  fake: {},
  'argocd-cli': { ARGOCD_SERVER: 'argocd.acme.internal', ARGOCD_AUTH_TOKEN: 'idle' },
  'argocd-api': { ARGOCD_SERVER: 'https://argocd.acme.internal', ARGOCD_AUTH_TOKEN: 'idle' },
  'docker-compose': { COMPOSE_FILE: composeFile },
  watchtower: {
    WATCHTOWER_TOKEN: 'idle',
    COMPONENTS: 'backend',
    WATCHTOWER_IMAGE_BACKEND: 'registry.wrktalk.com/wrktalk/backend',
  },
};
if (target === 'reference' && !executorEnv[executorName]) {
  console.error(`--executor must be one of ${Object.keys(executorEnv).join(', ')}`);
  process.exit(2);
}
const env = {
  ...process.env,
  GCC_URL: gcc.url,
  CLIENT_ID: 'idle-prod',
  AGENT_TOKEN: gcc.fake.issueToken('idle-prod', 'agent'),
};

const packageChild = `
const { createAgent, silentLogger } = await import(${JSON.stringify(dist.href)});
const running = new Map();
const executor = {
  name: 'idle',
  current: async (i) => ({ version: running.get(i.component) ?? null }),
  apply: async (i) => { running.set(i.component, i.version); },
  verify: async () => ({ healthy: true, message: 'ok' }),
  doctor: async () => [],
};
const agent = createAgent({
  gcc: { baseUrl: process.env.GCC_URL, token: process.env.AGENT_TOKEN },
  clientId: 'idle-prod', executor, stateFile: process.env.STATE_FILE, logger: silentLogger, pollWaitSeconds: 2,
});
agent.events.on('poll', () => process.stderr.write('"msg":"poll\\n'));
process.once('SIGTERM', () => void agent.stop());
await agent.start();
`;

const rssMB = (pid: number) =>
  +(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024).toFixed(1);

interface Run {
  /** The last sample. */
  agentMB: number;
  /** The highest sample: the figure. */
  peakMB: number;
  /** Bare Node's last sample. */
  baselineMB: number;
  /** Bare Node's highest sample. */
  baselinePeakMB: number;
  polls: number;
}

async function measureOnce(n: number): Promise<Run> {
  const stateFile = join(dir, `state-${n}.json`);
  const agentArgs =
    target === 'reference'
      ? [...nodeFlags, referenceBin, 'run']
      : [...nodeFlags, '--input-type=module', '-e', packageChild];
  const agent = spawn(nodeBin, agentArgs, {
    env: {
      ...env,
      ...(executorEnv[executorName] ?? {}),
      STATE_FILE: stateFile,
      EXECUTOR: executorName,
      POLL_WAIT_SECONDS: '2',
      LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const baseline = spawn(nodeBin, [...nodeFlags, '-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  let polls = 0;
  let err = '';
  agent.stderr?.on('data', (c: Buffer) => {
    const text = String(c);
    polls += text.split('"msg":"poll').length - 1;
    if (err.length < 4000) err += text;
  });
  const closed = (p: ChildProcess) => new Promise<number | null>((resolve) => p.on('close', resolve));
  const agentClosed = closed(agent);
  const baselineClosed = closed(baseline);
  const samples: number[] = [];
  const baselineSamples: number[] = [];
  for (let s = 0; s < seconds; s++) {
    await new Promise((r) => setTimeout(r, 1000));
    if (agent.exitCode !== null) throw new Error(`the agent exited ${agent.exitCode}: ${err}`);
    samples.push(rssMB(agent.pid!));
    baselineSamples.push(rssMB(baseline.pid!));
  }
  if (process.env.VERBOSE) console.log(`  run ${n}, agent RSS each second (MB): ${samples.join(' ')}`);
  agent.kill('SIGTERM');
  baseline.kill('SIGTERM');
  const code = await agentClosed;
  await baselineClosed;
  if (code !== 0) throw new Error(`the agent exited ${code}: ${err}`);
  if (polls === 0) throw new Error(`the agent never polled: ${err}`);
  return {
    agentMB: samples.at(-1) ?? 0,
    peakMB: Math.max(...samples),
    baselineMB: baselineSamples.at(-1) ?? 0,
    baselinePeakMB: Math.max(...baselineSamples),
    polls,
  };
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s.at(-1)! };
};
const show = (xs: number[]) => {
  const s = stats(xs);
  return `${s.median} MB (${s.min}–${s.max})`;
};

try {
  const version = await new Promise<string>((resolve) => {
    const p = spawn(nodeBin, ['-v'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (c) => {
      out += c;
    });
    p.on('close', () => resolve(out.trim()));
  });
  const results: Run[] = [];
  for (let n = 1; n <= runs; n++) results.push(await measureOnce(n));
  const what =
    target === 'reference'
      ? `reference agent (EXECUTOR=${executorName})`
      : 'agent (package, in-memory executor)';
  console.log(
    `idle ${what} after ${seconds} s on Node ${version}${nodeFlags.length ? ` with ${nodeFlags.join(' ')}` : ''}, ` +
      `${runs} runs, median (range): peak RSS ${show(results.map((r) => r.peakMB))} (goal: < ${GOAL_MB} MB), ` +
      `last sample ${show(results.map((r) => r.agentMB))}; bare Node peak ${show(results.map((r) => r.baselinePeakMB))}, ` +
      `last ${show(results.map((r) => r.baselineMB))}; polls ${results.map((r) => r.polls).join('/')}`,
  );
  if (jsonFile) {
    const json = {
      bench: 'idle-memory',
      ok: true,
      target,
      executor: target === 'reference' ? executorName : 'in-memory',
      seconds,
      nodeFlags,
      node: version,
      figures: { runs: results },
    };
    writeFileSync(jsonFile, `${JSON.stringify(json, null, 2)}\n`);
  }
  process.exitCode = stats(results.map((r) => r.peakMB)).median < GOAL_MB ? 0 : 1;
} finally {
  await gcc.close();
  rmSync(dir, { recursive: true, force: true });
}
