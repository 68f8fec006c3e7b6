import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { resolveStrategy, stageSizes } from '@wrktalk/rollout-planner';
import { strategyFromWire } from '@wrktalk/sdk-gcc';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type SimIo } from '../src/cli';
import { buildFleet } from '../src/fleet';
import type { SimReport } from '../src/report';
import { runSimulation } from '../src/run';
import { loadScenario } from '../src/scenario';

/**
 * The simulator end to end: a real GCC (in this process, with its worker), the simulated agents and approvers over
 * real HTTP. One run on a database of its own on the local PostgreSQL (created and dropped by the simulator), one
 * through the CLI on embedded PGlite. Each waits on the rollout's own end, bounded by explicit timeouts generous for
 * a busy 2-core machine.
 */
const DATABASE_URL = process.env.WRKTALK_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TIMEOUT = 240_000;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wrktalk-sim-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function io(): SimIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b) => {
    out += b;
  });
  stderr.on('data', (b) => {
    err += b;
  });
  return { stdout, stderr, stopSignal: () => new Promise(() => undefined), out: () => out, err: () => err };
}

/** The simulator's own databases (`wrktalk_sim_*`); other test files create and drop theirs meanwhile. */
async function databases(): Promise<string[]> {
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  try {
    const r = await c.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'wrktalk\\_sim\\_%' ORDER BY datname",
    );
    return r.rows.map((x) => x.datname);
  } finally {
    await c.end();
  }
}

describe('wrktalk-sim on a real GCC', () => {
  it('failing-canary (PostgreSQL): the canary fails, nothing is released past it, and exactly the canary clients return to their own previous versions', {
    timeout: TIMEOUT,
  }, async () => {
    const scenario = await loadScenario(join(import.meta.dirname, '../scenarios/failing-canary.yaml'));
    const before = await databases();
    const r = await runSimulation(scenario, { gcc: { mode: 'postgres', databaseUrl: DATABASE_URL } });

    expect(r.end).toBe('ended');
    expect(r.deployment.status).toBe('rolled_back');
    const [canary, ...batches] = r.stages;
    // The canary failed without a success. Its clients that ran the release (usually both; on a busy machine the
    // first failure may cross the threshold before the second agent picked its task up, which is then cancelled and
    // never ran it) end rolled_back (the rollback's own tasks succeeded).
    expect(canary).toMatchObject({ kind: 'canary', status: 'failed', placed: 2, succeeded: 0 });
    expect(canary!.rolledBack).toBeGreaterThanOrEqual(1);
    // Nothing past the failed canary: no batch got a task, no client runs the release.
    for (const b of batches) expect(b.placed, `stage ${b.index}`).toBe(0);
    expect(r.updated).toBe(0);

    // The rollback returned exactly the canary clients, each to its own previous version (they differ).
    const fleet = new Map(buildFleet(scenario).map((c) => [c.id, c]));
    expect(r.rollback?.status).toBe('completed');
    expect(r.rollback_tasks).toHaveLength(canary!.rolledBack);
    for (const t of r.rollback_tasks) expect(canary!.clients).toContain(t.client_id);
    for (const t of r.rollback_tasks) {
      const own = fleet.get(t.client_id)!.previousVersion;
      expect(t, t.client_id).toMatchObject({
        status: 'success',
        version: own,
        previous_version: own,
        running_version: own,
      });
    }
    expect(r.rolled_back).toBe(canary!.rolledBack);
    // Each its own, not one "previous" (the two canary clients' previous versions differ).
    expect(new Set(r.rollback_tasks.map((t) => t.version)).size).toBe(r.rollback_tasks.length);
    // Rejecting and silent approvers never got the release: their tasks ended rejected or expired, or were
    // cancelled with the deployment when the rollback stopped it first.
    expect(Object.keys(r.outcomes.reject).length).toBeGreaterThan(0);
    for (const k of Object.keys(r.outcomes.reject)) expect(['rejected', 'cancelled']).toContain(k);
    expect(Object.keys(r.outcomes.never).length).toBeGreaterThan(0);
    for (const k of Object.keys(r.outcomes.never)) expect(['expired', 'cancelled']).toContain(k);
    // No request met a server error (a 409 is possible: an approver answering a task the rollback cancelled).
    expect(Object.keys(r.http.by_status).filter((k) => Number(k) >= 500)).toEqual([]);
    // The simulator's own database is gone.
    expect(await databases()).toEqual(before);
  });

  it('release-train (PostgreSQL): one set of backend, media and ct; media fails on the canary, nothing is released past it, and the canary clients are back on their own previous sets', {
    timeout: TIMEOUT,
  }, async () => {
    const scenario = await loadScenario(join(import.meta.dirname, '../scenarios/release-train.yaml'));
    const r = await runSimulation(scenario, { gcc: { mode: 'postgres', databaseUrl: DATABASE_URL } });

    const SET = ['backend', 'media', 'ct'];
    expect(r.release.set).toEqual(SET.map((component) => ({ component, version: '5.0.0' })));
    expect(r.end).toBe('ended');
    expect(r.deployment.status).toBe('rolled_back');
    const [canary, ...batches] = r.stages;
    expect(canary).toMatchObject({ kind: 'canary', status: 'failed', placed: 2, succeeded: 0 });
    for (const b of batches) expect(b.placed, `stage ${b.index}`).toBe(0);
    expect(r.updated).toBe(0);

    // The canary agents reverted their sets locally and said media failed; the GCC kept their messages.
    expect(r.failures.length).toBeGreaterThan(0);
    for (const f of r.failures) {
      expect(canary!.clients).toContain(f.client_id);
      expect(f.stage).toBe(0);
      expect(f.message).toMatch(/^media 5\.0\.0 did not become healthy \(simulated\); reverted backend to /);
    }

    // The rollback returned canary clients only, each to its own previous set, every component of it (as the
    // GCC planned it, and as the agent runs it at the end); the two canaries run different previous sets.
    const fleet = new Map(buildFleet(scenario).map((c) => [c.id, c]));
    const canaries = canary!.clients.map((id) => fleet.get(id)!.previousVersions);
    expect(new Set(canaries.map((v) => JSON.stringify(v))).size).toBe(2);
    expect(r.rollback?.status).toBe('completed');
    expect(r.rollback_tasks.length).toBeGreaterThan(0);
    for (const t of r.rollback_tasks) {
      expect(canary!.clients).toContain(t.client_id);
      const own = fleet.get(t.client_id)!.previousVersions;
      expect(Object.keys(own)).toEqual(SET);
      expect(t, t.client_id).toMatchObject({
        status: 'success',
        versions: own,
        previous_versions: own,
        running_versions: own,
      });
    }
    expect(r.rolled_back).toBe(r.rollback_tasks.length);
    expect(Object.keys(r.http.by_status).filter((k) => Number(k) >= 500)).toEqual([]);
  });

  it('the CLI (embedded PGlite): stages sized by the strategy over the approving clients, rejected, silent and offline clients never updated, JSON and HTML written', {
    timeout: TIMEOUT,
  }, async () => {
    const file = join(dir, 'small.yaml');
    await writeFile(
      file,
      `name: small
description: a small rollout for the tests
seed: 7
clients:
  count: 16
  labels: { env: prod, tier: { premium: 1, standard: 2 } }
  canary: { count: 1, match: { tier: premium } }
release: { component: backend, version: 3.0.0, previous: { 2.8.0: 1, 2.9.0: 1 } }
deployment:
  selector: env=prod
  approval: { required: true, deadline_seconds: 6, on_deadline: expire }
  strategy:
    stages:
      - { kind: canary, count: 1, wait_seconds: 0 }
      - { kind: batch, percent: 50, wait_seconds: 0 }
      - { kind: batch, wait_seconds: 0 }
    pickup_timeout_seconds: 5
    stage_fill_seconds: 1
agents: { poll_interval_seconds: 0.5, apply_seconds: { min: 0.05, max: 0.2 } }
approvals: { approve: 10, reject: 2, never: 2, delay_seconds: { min: 0, max: 1 } }
rules:
  - { ids: [sim-15], offline: true, approval: approve }
limits: { duration_seconds: 150, sample_seconds: 0.25 }
`,
    );
    const out = join(dir, 'reports');
    const t = io();
    const code = await runCli([file, '--out', out, '--json'], t);
    expect(code, t.err()).toBe(0);
    const r = JSON.parse(t.out()) as SimReport;
    expect(JSON.parse(await readFile(join(out, 'small.json'), 'utf8'))).toEqual(r);
    const html = await readFile(join(out, 'small.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toContain('<script');

    const scenario = await loadScenario(file);
    const fleet = buildFleet(scenario);
    const count = (a: string) => fleet.filter((c) => c.approval === a).length;
    // Every client's answer is the scenario's, and the GCC's task ends where that answer leads.
    expect(r.outcomes.reject).toEqual(count('reject') ? { rejected: count('reject') } : {});
    expect(r.outcomes.never).toEqual(count('never') ? { expired: count('never') } : {});
    expect(count('reject') + count('never')).toBeGreaterThan(0);
    const approving = count('approve');
    // The offline client approved, but its agent never polled: overdue, and the run ended without waiting for it.
    expect(r.outcomes.approve).toEqual({ success: approving - 1, overdue: 1 });
    expect(r.end).toBe('only_offline_left');

    // Stage sizes follow the strategy over the clients that approved.
    const planned = stageSizes(approving, resolveStrategy(strategyFromWire(r.strategy)));
    expect(r.stages.map((s) => [s.kind, s.size])).toEqual(planned.map((s) => [s.kind, s.size]));
    expect(r.stages.map((s) => s.placed)).toEqual(planned.map((s) => s.size));
    expect(r.stages[0]!.clients).toEqual(fleet.filter((c) => c.labels.canary === 'true').map((c) => c.id));
    expect(r.updated).toBe(approving - 1);
    expect(r.rollback).toBeNull();
    // The chart's samples cover the whole run: the last one has every approving agent's task in success.
    expect(r.samples.filter((s) => s.deployment === 'update').at(-1)!.counts.success).toBe(approving - 1);
  });
});

describe('wrktalk-sim, the CLI', () => {
  it('refuses a bad scenario with every problem and its path, exit 2, and writes nothing', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      `name: bad
clients: { count: 0 }
deployment:
  selector: "tier in (premium"
  strategy: { stages: [{ kind: canary, percent: 150 }] }
approvals: { approve: -1 }
`,
    );
    const t = io();
    const out = join(dir, 'bad-out');
    expect(await runCli([file, '--out', out], t)).toBe(2);
    expect(t.err()).toContain('clients.count');
    expect(t.err()).toContain('approvals.approve');
    expect(t.err()).toContain('deployment.selector');
    expect(t.err()).toContain('deployment.strategy.stages[0]');
    expect(t.out()).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  it('--check, --list and argument errors', async () => {
    let t = io();
    expect(await runCli(['customer-50', '--check'], t)).toBe(0);
    expect(t.out()).toMatch(
      /customer-50\.yaml: customer-50, 50 clients, 5 stages, baseline install, 1 rules: OK/,
    );

    t = io();
    expect(await runCli(['--list'], t)).toBe(0);
    for (const name of [
      'customer-50',
      'failing-canary',
      'premium-first-100k',
      'regional-outage',
      'release-train',
    ])
      expect(t.out()).toContain(name);
    expect(t.out()).toMatch(/premium-first-100k\s+100,000 clients/);

    for (const [argv, message] of [
      [[], 'give a scenario file'],
      [['customer-50', '--clients', '100001'], 'at most 100000'],
      [['customer-50', '--clients', 'ten'], 'a whole number'],
      [['customer-50', '--url', 'http://127.0.0.1:1'], '--url needs --admin-token'],
      [['customer-50', '--url', 'x', '--database-url', 'postgres://x'], 'not both'],
      [['customer-50', '--database-url', 'mysql://x'], 'a postgres:// URL'],
      [['no-such-scenario'], 'no-such-scenario'],
    ] as const) {
      t = io();
      const saved = { a: process.env.WRKTALK_ADMIN_TOKEN, c: process.env.WRKTALK_CI_TOKEN };
      delete process.env.WRKTALK_ADMIN_TOKEN;
      delete process.env.WRKTALK_CI_TOKEN;
      try {
        expect(await runCli([...argv], t), argv.join(' ')).toBe(2);
      } finally {
        if (saved.a !== undefined) process.env.WRKTALK_ADMIN_TOKEN = saved.a;
        if (saved.c !== undefined) process.env.WRKTALK_CI_TOKEN = saved.c;
      }
      expect(t.err(), argv.join(' ')).toContain(message);
    }
  });
});
