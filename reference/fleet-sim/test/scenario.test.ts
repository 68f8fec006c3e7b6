import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveStrategy, stageSizes } from '@wrktalk/rollout-planner';
import { strategyFromWire } from '@wrktalk/sdk-gcc';
import { describe, expect, it } from 'vitest';
import { SCENARIOS_DIR } from '../src/cli';
import { isScenarioError, type ScenarioError } from '../src/errors';
import { buildFleet } from '../src/fleet';
import { checkScenario, loadScenario } from '../src/scenario';

const problemsOf = async (p: Promise<unknown>) => {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isScenarioError(error), String(error)).toBe(true);
  return (error as ScenarioError).problems;
};

describe('the shipped scenarios', () => {
  it('all load, and the customer example plans 2, 5, 10, 15 and 18 for 50 clients', async () => {
    const files = (await readdir(SCENARIOS_DIR)).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual([
      'customer-50.yaml',
      'failing-canary.yaml',
      'premium-first-100k.yaml',
      'regional-outage.yaml',
      'release-train.yaml',
    ]);
    for (const f of files) await loadScenario(join(SCENARIOS_DIR, f));
    const customer = await loadScenario(join(SCENARIOS_DIR, 'customer-50.yaml'));
    const sizes = stageSizes(50, resolveStrategy(strategyFromWire(customer.deployment.strategy)));
    expect(sizes.map((s) => s.size)).toEqual([2, 5, 10, 15, 18]);
    const big = await loadScenario(join(SCENARIOS_DIR, 'premium-first-100k.yaml'));
    expect(big.clients.count).toBe(100_000);
    expect(big.deployment.strategy.canary_label).toBe('tier=premium');
  });

  it('premium-first-100k builds its 100,000 clients with the weights it states', async () => {
    const big = await loadScenario(join(SCENARIOS_DIR, 'premium-first-100k.yaml'));
    const fleet = buildFleet(big);
    expect(fleet).toHaveLength(100_000);
    expect(new Set(fleet.map((c) => c.id)).size).toBe(100_000);
    const share = (f: (c: (typeof fleet)[number]) => boolean) => fleet.filter(f).length / fleet.length;
    // tier premium 1 : standard 4 : free 5; approvals 96 : 1 : 3 (within 1 % of the weights at this size).
    expect(share((c) => c.labels.tier === 'premium')).toBeCloseTo(0.1, 2);
    expect(share((c) => c.approval === 'never')).toBeCloseTo(0.03, 2);
    expect(share((c) => c.approval === 'reject')).toBeCloseTo(0.01, 2);
    expect(new Set(fleet.map((c) => c.argocdInstance).filter(Boolean)).size).toBe(400);
  });
});

describe('checkScenario', () => {
  it('applies the documented defaults', async () => {
    const s = await checkScenario({ name: 'x', clients: { count: 3 }, deployment: { strategy: {} } });
    expect(s).toMatchObject({
      seed: 1,
      baseline: 'install',
      clients: { id_prefix: 'sim-', labels: { env: 'prod' }, argocd_instances: 4 },
      release: { component: 'backend', version: '2.5.0', previous: '2.4.0' },
      deployment: { selector: 'env=prod', approval: { required: true, on_deadline: 'expire' }, strategy: {} },
      agents: { poll_interval_seconds: 2, poll_jitter: 0.5, connections: 64 },
      approvals: { approve: 1, reject: 0, never: 0, late: 0 },
      limits: { duration_seconds: 600, sample_seconds: 1 },
    });
  });

  it('lists every problem with its path: schema, selector, strategy (by the planner, in the API spelling), rules', async () => {
    const problems = await problemsOf(
      checkScenario({
        name: 'Bad Name',
        clients: { count: 0, labels: { tier: { premium: 1 } }, colour: 'red' },
        deployment: { strategy: {} },
      }),
    );
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(['name', 'clients.count', 'clients']));
    const second = await problemsOf(
      checkScenario({
        name: 'ok',
        clients: { count: 10, labels: { tier: { premium: 1, free: 1 } } },
        deployment: {
          selector: 'tier in (premium',
          strategy: { stages: [{ kind: 'canary', count: 0 }], failureThreshold: {} },
        },
        rules: [
          { match: { tier: 'gold' }, fail: 1 },
          { match: { zone: 'a' }, offline: true },
          { ids: ['sim-11', 'sim-3'], offline: true },
          { offline_from_seconds: 10, offline_until_seconds: 5 },
        ],
      }),
    );
    const paths = second.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'deployment.selector',
        'deployment.strategy.stages[0].count',
        'deployment.strategy.failureThreshold',
        'rules[0].match.tier',
        'rules[1].match.zone',
        'rules[2].ids[0]',
        'rules[2].ids[1]',
        'rules[3].offline_until_seconds',
      ]),
    );
    expect(second.find((p) => p.path === 'deployment.strategy.failureThreshold')?.message).toContain(
      "the API spells it 'failure_threshold'",
    );
    expect(second.find((p) => p.path === 'rules[0].match.tier')?.message).toContain('premium, free');
  });

  it('reads a release set as a list or a mapping, in its order, with per-component previous versions', async () => {
    const base = { name: 'x', clients: { count: 3 }, deployment: { strategy: {} } };
    const list = await checkScenario({
      ...base,
      release: {
        set: [
          { component: 'backend', version: '5.0.0', previous: { '4.9.0': 1, '4.8.0': 1 } },
          { component: 'ct', version: '5.0.1' },
        ],
        previous: '4.0.0',
      },
    });
    expect(list.release).toEqual({
      component: 'backend',
      version: '5.0.0',
      previous: { '4.9.0': 1, '4.8.0': 1 },
      set: [
        { component: 'backend', version: '5.0.0', previous: { '4.9.0': 1, '4.8.0': 1 } },
        { component: 'ct', version: '5.0.1', previous: '4.0.0' },
      ],
    });
    const map = await checkScenario({
      ...base,
      release: { set: { media: '5.0.0', backend: { version: '5.0.0', previous: '4.9.0' } } },
    });
    expect(map.release.set).toEqual([
      { component: 'media', version: '5.0.0', previous: '2.4.0' },
      { component: 'backend', version: '5.0.0', previous: '4.9.0' },
    ]);
    expect(map.release).toMatchObject({ component: 'media', version: '5.0.0' });
  });

  it('refuses a set with a duplicate or unknown component, listing every problem (the planner set rules)', async () => {
    const problems = await problemsOf(
      checkScenario({
        name: 'x',
        clients: { count: 3 },
        deployment: { strategy: {} },
        release: {
          set: [
            { component: 'backend', version: '5.0.0' },
            { component: 'media', version: '5.0.0' },
            { component: 'backend', version: '5.0.1' },
            { component: 'search', version: '1.0.0' },
          ],
        },
        rules: [{ stage: 0, fail: { component: 'ct' } }],
      }),
    );
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'release.set[2]: component backend is already in the set (release.set[0]); a set carries each component once',
      'release.set[3]: component search is not managed by this GCC (managed: backend, media, ct)',
      'rules[0].fail.component: ct is not in the release (backend, media, search)',
    ]);
    // The set's problems are listed with the schema's when other parts are malformed too.
    const more = await problemsOf(
      checkScenario({
        name: 'x',
        clients: { count: 0 },
        deployment: { strategy: {} },
        release: {
          component: 'backend',
          set: [
            { component: 'x', version: '1' },
            { component: 'x', version: '2' },
          ],
        },
      }),
    );
    expect(more.map((p) => p.path)).toEqual(
      expect.arrayContaining(['clients.count', 'release', 'release.set[0]', 'release.set[1]']),
    );
  });

  it('refuses a rule without an effect, and a stage without fail', async () => {
    const problems = await problemsOf(
      checkScenario({
        name: 'x',
        clients: { count: 2 },
        deployment: { strategy: {} },
        rules: [{ match: { env: 'prod' } }, { stage: 1, offline: true }],
      }),
    );
    expect(problems.map((p) => p.path)).toEqual(['rules[0]', 'rules[1]']);
  });

  it('reads a strategy file next to the scenario, and says what is wrong with an unreadable or broken one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-scenario-'));
    await writeFile(
      join(dir, 'strategy.yaml'),
      'stages:\n  - { kind: canary, count: 1 }\n  - { kind: batch }\n',
    );
    await writeFile(
      join(dir, 'ok.yaml'),
      'name: ok\nclients: { count: 5 }\ndeployment: { strategy_file: strategy.yaml }\n',
    );
    const s = await loadScenario(join(dir, 'ok.yaml'));
    expect(s.deployment.strategy.stages).toHaveLength(2);

    await writeFile(
      join(dir, 'missing.yaml'),
      'name: m\nclients: { count: 5 }\ndeployment: { strategy_file: nope.json }\n',
    );
    const missing = await problemsOf(loadScenario(join(dir, 'missing.yaml')));
    expect(missing[0]).toMatchObject({ path: 'deployment.strategy_file' });
    expect(missing[0]!.message).toContain('ENOENT');

    await writeFile(
      join(dir, 'both.json'),
      JSON.stringify({ name: 'b', clients: { count: 1 }, deployment: { strategy: {}, strategy_file: 'x' } }),
    );
    expect((await problemsOf(loadScenario(join(dir, 'both.json'))))[0]!.message).toContain('exactly one');

    await writeFile(join(dir, 'broken.json'), '{ "name": ');
    expect((await problemsOf(loadScenario(join(dir, 'broken.json'))))[0]!.message).toMatch(/^not valid JSON/);
    expect((await problemsOf(loadScenario(join(dir, 'absent.yaml'))))[0]!.message).toContain('ENOENT');
  });
});
