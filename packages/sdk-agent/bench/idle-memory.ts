/**
 * Resident memory of an idle agent: a fake GCC in this process, the agent alone in a child process (plain Node on
 * the BUILT package, so neither tsx nor the fake GCC count), long-polling with nothing to do for ~20 s.
 *
 *   npm run build -w @wrktalk/rollout-planner -w @wrktalk/sdk-gcc -w @wrktalk/sdk-agent
 *   npx tsx packages/sdk-agent/bench/idle-memory.ts [seconds]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGccClient } from '@wrktalk/sdk-gcc';
import { startFakeGccServer } from '@wrktalk/sdk-gcc/testing';

const seconds = Number(process.argv[2] ?? 20);
const dist = new URL('../dist/index.js', import.meta.url);
if (!existsSync(dist)) {
  console.error('Build first: npm run build -w @wrktalk/sdk-agent');
  process.exit(1);
}
const gcc = await startFakeGccServer({ pollAfterSeconds: 1 });
await createGccClient({ baseUrl: gcc.url, token: 'admin-token' }).clients.create({
  id: 'idle-prod',
  name: 'Idle',
  target_kind: 'docker',
});
const dir = mkdtempSync(join(tmpdir(), 'agent-idle-'));
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
const proc = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', child], {
  env: {
    ...process.env,
    GCC_URL: gcc.url,
    AGENT_TOKEN: gcc.fake.issueToken('idle-prod', 'agent'),
    STATE_FILE: join(dir, 'state.json'),
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
proc.stdout.on('data', (c) => {
  out += c;
});
const code = await new Promise<number | null>((resolve) => proc.on('close', resolve));
await gcc.close();
rmSync(dir, { recursive: true, force: true });
if (code !== 0) process.exit(code ?? 1);
const r = JSON.parse(out) as { rssMB: number; heapUsedMB: number; polls: number; node: string };
console.log(
  `idle agent after ${seconds} s on Node ${r.node}: RSS ${r.rssMB} MB, heap used ${r.heapUsedMB} MB, ${r.polls} polls (goal: RSS < 60 MB)`,
);
process.exit(r.rssMB < 60 ? 0 : 1);
