import { describe, expect, it } from 'vitest';
import { formatSetHeader, parseSetOption, setChanges } from '../../src/cli/release-set';
import { planRollout } from '../../src/plan/plan-rollout';

describe('parseSetOption', () => {
  it.each([
    ['a whole train', 'backend=5.0.0, media=5.0.0 ,ct=5.0.0', undefined, []],
    ['one component', 'ct=5.0.1', undefined, []],
    [
      'a component twice',
      'backend=5.0.0,backend=5.0.1',
      undefined,
      ['--set[1]: component backend is already in the set (--set[0]); a set carries each component once'],
    ],
    [
      'an unmanaged component, by the default list',
      'backend=5.0.0,search=1.0.0',
      undefined,
      ['--set[1]: component search is not managed by this GCC (managed: backend, media, ct)'],
    ],
    [
      'an unmanaged component, by --components',
      'backend=5.0.0,media=5.0.0',
      ['backend'],
      ['--set[1]: component media is not managed by this GCC (managed: backend)'],
    ],
    [
      'malformed entries and a duplicate, all at once',
      'backend,=1,ct=,ct=1,ct=2',
      undefined,
      [
        "--set[0]: expected component=version, got 'backend'",
        "--set[1]: expected component=version, got '=1'",
        "--set[2]: expected component=version, got 'ct='",
        '--set[4]: component ct is already in the set (--set[3]); a set carries each component once',
      ],
    ],
  ])('%s', (_name, text, managed, problems) => {
    const r = parseSetOption(text, managed);
    expect(r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`)).toEqual(problems);
  });

  it('keeps the order the set is written in', () => {
    const r = parseSetOption('ct=2,backend=1');
    expect(r.ok && r.set).toEqual([
      { component: 'ct', version: '2' },
      { component: 'backend', version: '1' },
    ]);
  });
});

describe('setChanges and formatSetHeader', () => {
  const clients = [
    {
      id: 'a',
      labels: {},
      targetKind: 'docker' as const,
      currentVersions: { backend: '4.9.0', media: '4.9.0' },
    },
    {
      id: 'b',
      labels: {},
      targetKind: 'docker' as const,
      currentVersions: { backend: '4.9.0', media: '4.9.0' },
    },
    { id: 'c', labels: {}, targetKind: 'docker' as const },
  ];
  const set = [
    { component: 'backend', version: '5.0.0' },
    { component: 'media', version: '5.0.0' },
  ];
  const result = planRollout({ clients, strategy: { stages: [{ kind: 'batch' }] } });
  if (!result.ok) throw new Error('plan');

  it('lists every planned client, from → to per component (null when the file does not say)', () => {
    const changes = setChanges(result.plan, clients, set);
    expect(
      changes.map((c) => [c.clientId, c.stage, c.components.map((x) => `${x.component}:${x.from}→${x.to}`)]),
    ).toEqual([
      ['a', 0, ['backend:4.9.0→5.0.0', 'media:4.9.0→5.0.0']],
      ['b', 0, ['backend:4.9.0→5.0.0', 'media:4.9.0→5.0.0']],
      ['c', 0, ['backend:null→5.0.0', 'media:null→5.0.0']],
    ]);
    expect(formatSetHeader(set, changes).split('\n')).toEqual([
      'Release set: backend 5.0.0, media 5.0.0',
      'Clients by previous set (2):',
      '  2  from backend 4.9.0, media 4.9.0',
      '  1  from backend (none), media (none)',
    ]);
  });

  it('prints only the set when no client says what it runs, and cuts a long list', () => {
    const none = setChanges(
      result.plan,
      clients.map(({ currentVersions: _, ...c }) => c),
      set,
    );
    expect(formatSetHeader(set, none)).toBe('Release set: backend 5.0.0, media 5.0.0');
    const many = setChanges(
      result.plan,
      clients.map((c, i) => ({ ...c, currentVersions: { backend: `4.${i}.0` } })),
      set,
    );
    expect(formatSetHeader(set, many, 2).split('\n').at(-1)).toBe('  … 1 more (see --json)');
  });
});
