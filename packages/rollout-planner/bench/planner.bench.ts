/**
 * Benchmark of the planner at 100,000 clients (a script, not a timed test).
 *
 *   npx tsx packages/rollout-planner/bench/planner.bench.ts
 *
 * Times are medians over repeated runs after warm-up (21 after 3; 5 after 1 for a scenario whose call takes over a
 * second), next to a baseline measured in the same run
 * (copying and sorting the 100,000 client ids). Peak memory is the max RSS of a child process that
 * runs the scenario minus the max RSS of a child that only builds the same input.
 *
 * Two inputs, timed in the same run: the original one (`shared`: 40 Argo CD instances shared by 70,000 clients, ids
 * in sorted order, which favours the planner: few instance groups, nothing to sort) and the fleet as it is (`fleet`:
 * one Argo CD instance per Argo CD client, as each client runs its own, and the clients in a shuffled order, as a
 * database without ORDER BY or ids that are not in creation order give them; the `decide` snapshot's tasks follow
 * that order). Same labels, kinds, windows and time zones; the shuffle is seeded, so every run sees the same order.
 *
 * `--json FILE` also writes the figures as JSON (for `npm run bench`), with the first call of each scenario in that
 * fresh child (`coldMs`: new module-level caches, inputs never seen before): the timed runs reuse the same client
 * and snapshot instances, and the planner's module caches (time zone formatters), warm. The `shared` input's
 * figures keep their keys (`planRollout`, `decide`); the fleet's are `planRolloutFleet`, `decideFleet`.
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Client } from '../src/clients/client';
import { decide } from '../src/decide/decide';
import type { DecidePolicy } from '../src/decide/policy';
import type { DeploymentSnapshot, StageRecord, TaskRow } from '../src/decide/snapshot';
import { planRollout } from '../src/plan/plan-rollout';

const N = 100_000;
const NOW = Date.parse('2026-11-26T10:00:00Z');
const RUNS = 21;
const WARMUP = 3;
const jsonAt = process.argv.indexOf('--json');
const JSON_FILE = jsonAt > 0 ? process.argv[jsonAt + 1] : undefined;

/** Which input: `shared` (40 Argo CD instances, ids in order) or `fleet` (one instance per client, shuffled). */
type Input = 'shared' | 'fleet';

/** A seeded PRNG (mulberry32), so the fleet's shuffled order is the same in every run and every child. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function makeClients(n: number, input: Input = 'shared'): Client[] {
  const zones = ['UTC', 'Asia/Kolkata', 'Europe/Berlin', 'America/New_York'];
  const clients: Client[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const kind = i % 10 < 7 ? 'argocd' : i % 10 < 9 ? 'kubernetes' : 'docker';
    const client: Client = {
      id: `client-${String(i).padStart(6, '0')}`,
      labels: {
        tier: i % 3 === 0 ? 'premium' : 'standard',
        region: i % 2 === 0 ? 'eu' : 'in',
        ...(i % 100 === 0 ? { canary: 'true' } : {}),
      },
      targetKind: kind,
      argocdInstance: kind === 'argocd' ? `argo-${input === 'fleet' ? i : i % 40}` : null,
      timezone: zones[i % zones.length]!,
    };
    // One client in ten has a customer-owned maintenance window.
    if (i % 10 === 3) client.maintenanceWindows = [{ days: ['sat', 'sun'], start: '01:00', end: '05:00' }];
    clients[i] = client;
  }
  if (input === 'fleet') {
    // Fisher–Yates with the seeded PRNG.
    const random = seeded(18);
    for (let i = clients.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [clients[i], clients[j]] = [clients[j]!, clients[i]!];
    }
  }
  return clients;
}

/** A deployment mid-rollout: stages 0-2 done and soaked, stage 3 (30,000 clients) about to start. */
function makeSnapshot(clients: Client[]): DeploymentSnapshot {
  const tasks: TaskRow[] = new Array(clients.length);
  const placed = [4000, 10_000, 20_000];
  let p = 0;
  let stage = 0;
  for (let i = 0; i < clients.length; i++) {
    const c = clients[i]!;
    const base: TaskRow = {
      id: `task-${i}`,
      clientId: c.id,
      status: 'approved',
      approvalStatus: 'approved',
      approvedAt: NOW - 3_600_000,
      requestedStartTime: null,
      stage: null,
      attempt: 0,
      leaseExpiresAt: null,
      queuedAt: null,
      finishedAt: null,
    };
    if (stage < 3 && c.maintenanceWindows === undefined) {
      const status = i % 997 === 0 ? 'overdue' : 'success';
      tasks[i] = { ...base, status, stage, attempt: 1, finishedAt: NOW - 1_000_000 };
      if (++p === placed[stage]) {
        stage++;
        p = 0;
      }
    } else if (i % 20 === 1)
      tasks[i] = { ...base, status: 'pending_approval', approvalStatus: 'pending', approvedAt: null };
    else if (i % 50 === 7)
      tasks[i] = { ...base, status: 'rejected', approvalStatus: 'rejected', approvedAt: null };
    else tasks[i] = base;
  }
  const stages: StageRecord[] = [0, 1, 2].map((index) => ({
    index,
    startedAt: NOW - 7_200_000,
    finishedAt: NOW - 900_000,
    waitUntil: NOW - 600_000,
  }));
  // Clients aligned with tasks, as a joined query returns them (the fast path of `decide`).
  return { status: 'running', tasks, stages, clients };
}

const policy: DecidePolicy = {
  component: 'backend',
  approval: {
    approvalDeadline: NOW + 86_400_000,
    autoApprovePolicies: [{ id: 'premium', labelSelector: 'tier=premium' }],
  },
};

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Calls slower than this in warm-up are timed `SLOW_RUNS` times after one warm-up (the fleet input can take seconds). */
const SLOW_MS = 1000;
const SLOW_RUNS = 5;

function time(fn: () => unknown): { median: number; min: number; max: number; runs: number; warmup: number } {
  const t0 = performance.now();
  fn();
  const slow = performance.now() - t0 > SLOW_MS;
  const warmup = slow ? 1 : WARMUP;
  const runs = slow ? SLOW_RUNS : RUNS;
  for (let i = 1; i < warmup; i++) fn();
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    xs.push(performance.now() - t);
  }
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs, warmup };
}

const scenarios: Record<string, (clients: Client[], snapshot: DeploymentSnapshot) => unknown> = {
  baseline: (clients) => clients.map((c) => c.id).sort(),
  planRollout: (clients) => planRollout({ clients }),
  decide: (_clients, snapshot) => decide(snapshot, NOW, policy),
};
scenarios.planRolloutFleet = scenarios.planRollout!;
scenarios.decideFleet = scenarios.decide!;

/** The input a scenario runs on. */
const inputOf = (name: string): Input =>
  name.endsWith('Fleet') || name === 'input-fleet' ? 'fleet' : 'shared';

/** Child: build the input, run one scenario a few times, report max RSS. */
function child(name: string): void {
  const clients = makeClients(N, inputOf(name));
  const snapshot = makeSnapshot(clients);
  const run = scenarios[name]!;
  let keep: unknown;
  let coldMs: number | undefined;
  if (name !== 'input-only' && name !== 'input-fleet')
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      keep = run(clients, snapshot);
      if (i === 0) coldMs = performance.now() - t;
    }
  process.send?.({ maxRssKb: process.resourceUsage().maxRSS, coldMs, keep: keep === undefined ? 0 : 1 });
}

/** The child's peak RSS in MB, and how long its first call of the scenario took. */
function peakRss(name: string): Promise<{ mb: number; coldMs?: number }> {
  return new Promise((resolve, reject) => {
    const c = fork(import.meta.filename, ['child', name], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    c.on('message', (m) => {
      const { maxRssKb, coldMs } = m as { maxRssKb: number; coldMs?: number };
      resolve({ mb: maxRssKb / 1024, ...(coldMs !== undefined && { coldMs }) });
    });
    c.on('error', reject);
  });
}

async function main(): Promise<void> {
  const clients = makeClients(N);
  const snapshot = makeSnapshot(clients);
  const actions = decide(snapshot, NOW, policy);
  const start = actions.find((a) => a.type === 'start_stage');
  const plan = planRollout({ clients });
  console.log(
    `node ${process.version}, ${N.toLocaleString('en')} clients, ${RUNS} runs after ${WARMUP} warm-up`,
  );
  if (plan.ok) console.log(`plan stages: ${plan.plan.stages.map((s) => s.size).join(' / ')}`);
  console.log(
    `decide actions: ${actions.map((a) => a.type).join(', ')}; stage ${start?.type === 'start_stage' ? `${start.stage} with ${start.taskIds.length} tasks in ${start.batches.length} batches` : 'none'}`,
  );
  const fleetClients = makeClients(N, 'fleet');
  const fleetSnapshot = makeSnapshot(fleetClients);
  const fleetPlan = planRollout({ clients: fleetClients });
  if (fleetPlan.ok)
    console.log(
      `fleet input (one Argo CD instance per client, shuffled ids) plan stages: ${fleetPlan.plan.stages.map((s) => s.size).join(' / ')}`,
    );
  const inputOnly = (await peakRss('input-only')).mb;
  const fleetInputOnly = (await peakRss('input-fleet')).mb;
  const figures: Record<string, unknown> = { inputOnlyRssMb: inputOnly, fleetInputOnlyRssMb: fleetInputOnly };
  console.log('');
  console.log(
    'scenario                                          median       min       max   peak RSS over input',
  );
  for (const name of ['baseline', 'planRollout', 'decide', 'planRolloutFleet', 'decideFleet']) {
    const fleet = inputOf(name) === 'fleet';
    const t = time(() => scenarios[name]!(fleet ? fleetClients : clients, fleet ? fleetSnapshot : snapshot));
    const { mb: rss, coldMs } = await peakRss(name);
    const over = rss - (fleet ? fleetInputOnly : inputOnly);
    figures[name] = { ...t, coldMs, peakRssOverInputMb: over };
    const label = {
      baseline: 'baseline (copy + sort 100k ids)',
      planRollout: 'planRollout (40 instances, ids in order)',
      decide: 'decide (40 instances, ids in order)',
      planRolloutFleet: 'planRollout (1 instance/client, shuffled)',
      decideFleet: 'decide (1 instance/client, shuffled)',
    }[name]!;
    console.log(
      `${label.padEnd(47)} ${t.median.toFixed(1).padStart(8)} ms ${t.min.toFixed(1).padStart(8)} ${t.max.toFixed(1).padStart(8)}   ${over.toFixed(1).padStart(6)} MB${t.runs === RUNS ? '' : `  (${t.runs} runs after ${t.warmup} warm-up: slow)`}`,
    );
  }
  console.log(
    `\ninput alone (100k clients + 100k-task snapshot): peak RSS ${inputOnly.toFixed(1)} MB; fleet input ${fleetInputOnly.toFixed(1)} MB`,
  );
  if (JSON_FILE) {
    const json = {
      bench: 'planner',
      ok: plan.ok && fleetPlan.ok,
      clients: N,
      runs: RUNS,
      warmup: WARMUP,
      node: process.version,
    };
    writeFileSync(JSON_FILE, `${JSON.stringify({ ...json, figures }, null, 2)}\n`);
  }
}

if (process.argv[2] === 'child') child(process.argv[3] ?? 'input-only');
else await main();
