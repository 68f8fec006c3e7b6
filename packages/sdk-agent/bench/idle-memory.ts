/**
 * Resident memory of an idle agent: a fake GCC in this process, the agent alone in a child process (plain Node on
 * BUILT code, so neither tsx nor the fake GCC count), long-polling with nothing to do for `seconds`.
 *
 *   npm run build -w @wrktalk/rollout-planner -w @wrktalk/sdk-gcc -w @wrktalk/sdk-agent -w @wrktalk/reference-agent-node
 *   npx tsx packages/sdk-agent/bench/idle-memory.ts [seconds] [--target package|reference] [--node-flags "<flags>"]
 *
 * `--target package` (default): `createAgent()` of the built `@wrktalk/sdk-agent` with an in-memory executor, RSS read
 * by the child itself after a forced GC. `--target reference`: the reference daemon as it runs in its image,
 * `node <flags> reference/agent-node/bin/wrktalk-agent.mjs run` with `EXECUTOR=fake`, RSS read from
 * `/proc/<pid>/status` (Linux) after the same idle time, without a forced GC. `--node-flags` are passed to the child
 * Node, e.g. `--node-flags "--max-semi-space-size=1 --max-old-space-size=48"`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGccClient } from '@wrktalk/sdk-gcc';
import { startFakeGccServer } from '@wrktalk/sdk-gcc/testing';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
};
const target = flag('--target') ?? 'package';
const nodeFlags = (flag('--node-flags') ?? '').split(/\s+/).filter(Boolean);
const seconds = Number(args[0] ?? 20);
if (target !== 'package' && target !== 'reference') {
  console.error('--target must be package or reference');
  process.exit(2);
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
const env = {
  ...process.env,
  GCC_URL: gcc.url,
  CLIENT_ID: 'idle-prod',
  AGENT_TOKEN: gcc.fake.issueToken('idle-prod', 'agent'),
  STATE_FILE: join(dir, 'state.json'),
};

interface Result {
  rssMB: number;
  peakMB?: number;
  heapUsedMB?: number;
  polls: number;
  node: string;
}

async function measurePackage(): Promise<Result> {
  const child = `
const { createAgent, silentLogger } = await import(${JSON.stringify(dist.href)});
const running = new Map();
const executor = {
  name: 'idle',
  current: async (i) => ({ version: running.get(i.component) ?? null }),
  apply: async (i) => { running.set(i.component, i.version); },
  verify: async () => ({ healthy: true, message: 'ok' }),
  doctor: async () => [],
};
const polls = { n: 0 };
const agent = createAgent({
  gcc: { baseUrl: process.env.GCC_URL, token: process.env.AGENT_TOKEN },
  clientId: 'idle-prod', executor, stateFile: process.env.STATE_FILE, logger: silentLogger,
  pollWaitSeconds: 2,
});
agent.events.on('poll', () => polls.n++);
const loop = agent.start();
setTimeout(async () => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  await agent.stop(); await loop;
  process.stdout.write(JSON.stringify({ rssMB: +(m.rss / 2**20).toFixed(1), heapUsedMB: +(m.heapUsed / 2**20).toFixed(1), polls: polls.n, node: process.version }));
}, ${seconds * 1000});
`;
  const proc = spawn(process.execPath, [...nodeFlags, '--expose-gc', '--input-type=module', '-e', child], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout.on('data', (c) => {
    out += c;
  });
  const code = await new Promise<number | null>((resolve) => proc.on('close', resolve));
  if (code !== 0) throw new Error(`the agent exited ${code}`);
  return JSON.parse(out) as Result;
}

async function measureReference(): Promise<Result> {
  const proc = spawn(process.execPath, [...nodeFlags, referenceBin, 'run'], {
    env: { ...env, EXECUTOR: 'fake', POLL_WAIT_SECONDS: '2', LOG_LEVEL: 'debug' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let polls = 0;
  let err = '';
  proc.stderr.on('data', (c: Buffer) => {
    const text = String(c);
    polls += text.split('"msg":"poll').length - 1;
    if (err.length < 4000) err += text;
  });
  const closed = new Promise<number | null>((resolve) => proc.on('close', resolve));
  const rssMB = () =>
    +(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))?.[1]) / 1024).toFixed(1);
  const samples: number[] = [];
  for (let s = 0; s < seconds; s++) {
    await new Promise((r) => setTimeout(r, 1000));
    samples.push(rssMB());
  }
  if (process.env.VERBOSE) console.log(`RSS each second (MB): ${samples.join(' ')}`);
  proc.kill('SIGTERM');
  const code = await closed;
  if (code !== 0) throw new Error(`the agent exited ${code}: ${err}`);
  return { rssMB: samples.at(-1) ?? 0, peakMB: Math.max(...samples), polls, node: process.version };
}

try {
  const r = target === 'package' ? await measurePackage() : await measureReference();
  console.log(
    `idle ${target === 'package' ? 'agent (package)' : 'reference agent'} after ${seconds} s on Node ${r.node}` +
      `${nodeFlags.length ? ` with ${nodeFlags.join(' ')}` : ''}: RSS ${r.rssMB} MB` +
      `${r.peakMB === undefined ? '' : ` (peak ${r.peakMB} MB)`}` +
      `${r.heapUsedMB === undefined ? '' : `, heap used ${r.heapUsedMB} MB`}, ${r.polls} polls (goal: RSS < 60 MB)`,
  );
  process.exitCode = r.rssMB < 60 ? 0 : 1;
} finally {
  await gcc.close();
  rmSync(dir, { recursive: true, force: true });
}
