// The linked command (bin/wrktalk-plan.mjs: the build, or the sources through tsx) reading the API's own strategy JSON.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BIN = join(import.meta.dirname, '..', 'bin', 'wrktalk-plan.mjs');
const dir = mkdtempSync(join(tmpdir(), 'wrktalk-plan-api-'));

function plan(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function file(name: string, data: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof data === 'string' ? data : JSON.stringify(data, null, 2));
  return path;
}

const clients = file(
  'clients.json',
  Array.from({ length: 50 }, (_, i) => ({
    id: String(101 + i),
    labels: { tier: i < 40 ? 'premium' : 'free' },
    targetKind: 'argocd',
    argocdInstance: `argo-${i % 3}`,
  })),
);

// One strategy, spelled as a deployment request sends it (openapi/gcc.yaml) and as the planner writes it.
const api = file('api.json', {
  stages: [
    { kind: 'canary', count: 2, wait_seconds: 900 },
    { kind: 'batch', percent: 50, wait_seconds: 600 },
    { kind: 'batch' },
  ],
  max_batch_size: 10,
  canary_label: 'tier=free',
  max_concurrency_per_instance: 4,
  failure_threshold: { max_failure_ratio: 0.2, min_finished: 3 },
  canary_failure_threshold: { max_failures: 0 },
  on_failure: 'pause',
  rollback: { scope: 'deployment', batch_size: null, wait_seconds: 30 },
  stage_fill_seconds: 600,
  join_running_stage: false,
});
const planner = file('planner.json', {
  stages: [
    { kind: 'canary', count: 2, waitSeconds: 900 },
    { kind: 'batch', percent: 50, waitSeconds: 600 },
    { kind: 'batch' },
  ],
  maxBatchSize: 10,
  canaryLabel: 'tier=free',
  maxConcurrencyPerInstance: 4,
  failureThreshold: { maxFailureRatio: 0.2, minFinished: 3 },
  canaryFailureThreshold: { maxFailures: 0 },
  onFailure: 'pause',
  rollback: { scope: 'deployment', waitSeconds: 30 },
  stageFillSeconds: 600,
  joinRunningStage: false,
});

describe('wrktalk-plan with the API form of a strategy', () => {
  it('prints the same plan as the planner form, as a table and as JSON', () => {
    const fromApi = plan([clients, '--strategy', api]);
    const fromPlanner = plan([clients, '--strategy', planner]);
    expect(fromApi.stderr).toBe('');
    expect(fromApi.code).toBe(0);
    expect(fromPlanner.code).toBe(0);
    expect(fromApi.stdout).toBe(fromPlanner.stdout);
    expect(fromApi.stdout).toContain('50 clients in');

    const apiJson = plan([clients, '-s', api, '--json', '--strategy-format', 'api']);
    const plannerJson = plan([clients, '-s', planner, '--json']);
    expect(apiJson.code).toBe(0);
    const parsed = JSON.parse(apiJson.stdout) as {
      stages: { kind: string; size: number; waitSeconds: number; failureThreshold: unknown }[];
    };
    expect(parsed).toEqual(JSON.parse(plannerJson.stdout));
    // The wire names took effect: the canary's wait, the split at max_batch_size, the batch threshold.
    expect(parsed.stages[0]).toMatchObject({ kind: 'canary', size: 2, waitSeconds: 900 });
    expect(Math.max(...parsed.stages.map((s) => s.size))).toBe(10);
    expect(parsed.stages[1]?.failureThreshold).toEqual({ maxFailureRatio: 0.2, minFinished: 3 });
  });

  it('lists every problem of a bad API strategy with its snake_case path and exits 2', () => {
    const bad = file('bad.json', {
      stages: [
        { kind: 'canary', percent: 150, wait_seconds: -1 },
        { kind: 'batch', waitSeconds: 5 },
      ],
      failure_threshold: { max_failure_ratio: 2 },
      stage_fill_seconds: 604_801,
      rollback: null,
      bogus: true,
    });
    const r = plan([clients, '-s', bad]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(r.stderr.split('\n').filter((l) => l !== '')).toEqual([
      `wrktalk-plan: invalid strategy '${bad}' (read in the API's snake_case, detected):`,
      '  stages[0].percent: must be at most 100, got 150',
      '  stages[0].wait_seconds: must be at least 0, got -1',
      '  failure_threshold.max_failure_ratio: must be at most 1, got 2',
      '  rollback: must be an object',
      '  stage_fill_seconds: must be at most 604800, got 604801',
      '  bogus: unknown field',
      "  stages[1].waitSeconds: unknown field (the API spells it 'wait_seconds')",
    ]);
  });

  it('--strategy-format forces a spelling, and refuses anything else', () => {
    const forced = plan([clients, '-s', planner, '--strategy-format', 'api']);
    expect(forced.code).toBe(2);
    expect(forced.stderr).toContain(
      "failureThreshold: unknown field (the API spells it 'failure_threshold')",
    );
    const wrong = plan([clients, '-s', api, '--strategy-format', 'yaml']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("--strategy-format must be api or planner, got 'yaml'");
  });
});
