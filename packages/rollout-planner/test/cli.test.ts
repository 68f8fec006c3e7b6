import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CLI = join(import.meta.dirname, '..', 'src', 'cli.ts');
const dir = mkdtempSync(join(tmpdir(), 'wrktalk-plan-'));

function cli(args: string[], input?: string) {
  // Bounded: a CLI that hangs fails its test instead of the run (generous for a busy 2-core machine).
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const csv = [
  'id,labels,target_kind,argocd_instance',
  ...Array.from({ length: 50 }, (_, i) => `${101 + i},tier=premium;region=eu,argocd,argo-${i % 2}`),
].join('\n');

describe('wrktalk-plan', () => {
  it("prints the customer's 50-client stage table from CSV", () => {
    const r = cli([file('clients.csv', csv)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = r.stdout
      .split('\n')
      .slice(2, 7)
      .map((l) => l.split(/\s{2,}/).slice(0, 4));
    expect(rows).toEqual([
      ['1', 'canary', '2', '10 min'],
      ['2', 'batch', '5', '10 min'],
      ['3', 'batch', '10', '5 min'],
      ['4', 'batch', '15', '5 min'],
      ['5', 'batch', '18', '-'],
    ]);
    expect(r.stdout).toContain('argocd:argo-0 1 job (1)');
    expect(r.stdout).toContain('50 clients in 5 stages');
  });

  it('reads JSON from stdin, applies a strategy and a selector, prints JSON', () => {
    const clients = JSON.stringify([
      { id: 'a', labels: { tier: 'premium' }, target_kind: 'docker' },
      { id: 'b', labels: { tier: 'free' }, targetKind: 'docker' },
      { id: 'c', labels: { tier: 'premium', canary: 'true' }, targetKind: 'kubernetes' },
    ]);
    const strategy = file(
      's.json',
      JSON.stringify({ stages: [{ kind: 'canary', count: 1 }, { kind: 'batch' }] }),
    );
    const r = cli(['-', '--strategy', strategy, '--selector', 'tier=premium', '--json'], clients);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as { stages: { kind: string; clientIds: string[] }[] };
    expect(plan.stages.map((s) => [s.kind, s.clientIds])).toEqual([
      ['canary', ['c']],
      ['batch', ['a']],
    ]);
  });

  it.each([
    [
      'a missing file',
      ['/nonexistent/clients.csv'],
      undefined,
      "cannot read clients '/nonexistent/clients.csv': no such file",
    ],
    [
      'bad CSV rows, all reported',
      ['-'],
      'id,labels,target_kind\na,tier=x,argocd\na,broken,vm\n',
      'line 3: target_kind: must be one of argocd, kubernetes, docker, got "vm"',
    ],
    ['bad JSON', ['-'], '[{', 'invalid clients:\n  json:'],
    [
      'an invalid strategy, with paths',
      ['-', '-s', 'STRATEGY'],
      '[{"id":"a","targetKind":"docker"}]',
      'stages[0].percent: must be at most 100, got 150',
    ],
    [
      'a canary larger than the fleet',
      ['-', '-s', 'BIGCANARY'],
      '[{"id":"a","targetKind":"docker"}]',
      'canary of 5 is larger than the fleet of 1',
    ],
    [
      'a selector syntax error with its position',
      ['-', '-l', 'tier in ('],
      '[{"id":"a","targetKind":"docker"}]',
      'at position 9',
    ],
    ['an unknown option', ['--bogus'], '', "unknown option '--bogus'"],
  ])('exits 2 with a readable message and no stack trace on %s', (_name, args, input, message) => {
    const real = args.map((a) =>
      a === 'STRATEGY'
        ? file('bad.json', '{"stages":[{"kind":"canary","percent":150}]}')
        : a === 'BIGCANARY'
          ? file('big.json', '{"stages":[{"kind":"canary","count":5},{"kind":"batch"}]}')
          : a,
    );
    const r = cli(real, input);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(r.stdout).toBe('');
  });

  it('--help exits 0', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('wrktalk-plan');
  });
});

describe('wrktalk-plan --set (release trains)', () => {
  const SET = 'backend=5.0.0,media=5.0.0,ct=5.0.0';
  const clients = JSON.stringify([
    {
      id: 'a',
      labels: { canary: 'true' },
      target_kind: 'docker',
      current_versions: { backend: '4.9.0', media: '4.9.0', ct: '4.8.1' },
    },
    { id: 'b', target_kind: 'docker', current_versions: { backend: '4.9.0', media: '4.9.0', ct: '4.8.1' } },
    { id: 'c', target_kind: 'docker', current_versions: { backend: '4.8.0', media: '4.7.0' } },
    { id: 'd', target_kind: 'docker' },
  ]);

  it('prints the set and the clients per previous set above the stage table', { timeout: 90_000 }, () => {
    const r = cli(['-', '--set', SET], clients);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [head, table] = r.stdout.split('\n\n');
    expect(head!.split('\n')).toEqual([
      'Release set: backend 5.0.0, media 5.0.0, ct 5.0.0',
      'Clients by previous set (3):',
      '  2  from backend 4.9.0, media 4.9.0, ct 4.8.1',
      '  1  from backend (none), media (none), ct (none)',
      '  1  from backend 4.8.0, media 4.7.0, ct (none)',
    ]);
    expect(table).toMatch(/^Stage\s+Kind\s+Count/);
    expect(r.stdout).toContain('4 clients in');
  });

  it("puts the set and every client's from → to per component in --json", { timeout: 90_000 }, () => {
    const strategy = file(
      'set-strategy.json',
      JSON.stringify({ stages: [{ kind: 'canary', count: 1 }, { kind: 'batch' }] }),
    );
    const r = cli(['-', '--set', SET, '--json', '--strategy', strategy], clients);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      set: { component: string; version: string }[];
      stages: { clientIds: string[] }[];
      changes: {
        clientId: string;
        stage: number;
        components: { component: string; from: string | null; to: string }[];
      }[];
    };
    expect(out.set).toEqual([
      { component: 'backend', version: '5.0.0' },
      { component: 'media', version: '5.0.0' },
      { component: 'ct', version: '5.0.0' },
    ]);
    expect(out.stages.map((s) => s.clientIds)).toEqual([['a'], ['b', 'c', 'd']]);
    expect(out.changes.map((c) => [c.clientId, c.stage])).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 1],
      ['d', 1],
    ]);
    expect(out.changes.find((c) => c.clientId === 'c')!.components).toEqual([
      { component: 'backend', from: '4.8.0', to: '5.0.0' },
      { component: 'media', from: '4.7.0', to: '5.0.0' },
      { component: 'ct', from: null, to: '5.0.0' },
    ]);
  });

  it('reads current_versions from a CSV column too', { timeout: 90_000 }, () => {
    const csvSet =
      'id,target_kind,current_versions\nx,docker,backend=4.9.0;media=4.9.0;ct=4.9.0\ny,docker,\n';
    const r = cli(['-', '--set', 'backend=5.0.0,media=5.0.0,ct=5.0.0', '--json'], csvSet);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      changes: { clientId: string; components: { from: string | null }[] }[];
    };
    expect(out.changes.map((c) => [c.clientId, c.components.map((x) => x.from)])).toEqual([
      ['x', ['4.9.0', '4.9.0', '4.9.0']],
      ['y', [null, null, null]],
    ]);
  });

  it.each([
    [
      'a component named twice',
      ['--set', 'backend=5.0.0,media=5.0.0,backend=5.0.1'],
      clients,
      '--set[2]: component backend is already in the set (--set[0]); a set carries each component once',
    ],
    [
      'a component the GCC does not manage, with --components',
      ['--set', 'backend=5.0.0,media=5.0.0', '--components', 'backend,ct'],
      clients,
      '--set[1]: component media is not managed by this GCC (managed: backend, ct)',
    ],
    [
      'an entry without a version',
      ['--set', 'backend=5.0.0,media'],
      clients,
      "--set[1]: expected component=version, got 'media'",
    ],
    [
      '--components without --set',
      ['--components', 'backend'],
      clients,
      '--components only applies to --set',
    ],
    [
      'a bad current_versions',
      ['--set', SET],
      JSON.stringify([{ id: 'a', target_kind: 'docker', current_versions: { backend: 5 } }]),
      '[0].currentVersions.backend: must be a version, got 5',
    ],
  ])('exits 2 with a readable message on %s', { timeout: 90_000 }, (_name, args, input, message) => {
    const r = cli(['-', ...args], input);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(r.stdout).toBe('');
  });

  it('lists every problem of a set at once', { timeout: 90_000 }, () => {
    const r = cli(['-', '--set', 'backend=1,backend=2,search=1,ct'], clients);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('  --set['))).toHaveLength(3);
  });
});
