import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CLI = join(import.meta.dirname, '..', 'src', 'cli.ts');
const dir = mkdtempSync(join(tmpdir(), 'wrktalk-plan-'));

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
  });
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
