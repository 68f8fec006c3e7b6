import { describe, expect, it } from 'vitest';
import { benchCases, validNames } from './benches';
import {
  aggregateFigure,
  type BenchJson,
  type FigureSpec,
  meets,
  pick,
  type Report,
  type RunRecord,
  renderMarkdown,
  stats,
  table,
} from './report';

const run = (n: number, figures: Record<string, unknown>, ok = true): RunRecord => ({
  run: n,
  ok,
  exitCode: ok ? 0 : 1,
  seconds: 10,
  data: { bench: 'x', ok, figures } as BenchJson,
});
const failedRun = (n: number): RunRecord => ({
  run: n,
  ok: false,
  exitCode: 1,
  seconds: 3,
  error: 'wrote no JSON',
  stderrTail: 'Error: connect ECONNREFUSED 127.0.0.1:5432',
});
const at = (path: string) => (d: BenchJson) => pick(d.figures, path);

describe('stats', () => {
  const cases: [string, number[], ReturnType<typeof stats>][] = [
    ['odd count: the middle one', [30, 10, 20], { median: 20, min: 10, max: 30, n: 3 }],
    ['even count: the mean of the middle two', [4, 1, 3, 2], { median: 2.5, min: 1, max: 4, n: 4 }],
    ['one value', [7], { median: 7, min: 7, max: 7, n: 1 }],
    [
      'non-finite values left out',
      [Number.NaN, 5, Number.POSITIVE_INFINITY],
      { median: 5, min: 5, max: 5, n: 1 },
    ],
    ['empty: undefined', [], undefined],
  ];
  it.each(cases)('%s', (_name, xs, expected) => {
    expect(stats(xs)).toEqual(expected);
  });
});

describe('meets', () => {
  const cases: [number, '<' | '<=' | '>' | '>=', number, boolean][] = [
    [49.9, '<', 50, true],
    [50, '<', 50, false],
    [50, '<=', 50, true],
    [0.75, '>=', 0.75, true],
    [0.74, '>=', 0.75, false],
    [1, '>', 1, false],
  ];
  it.each(cases)('%d %s %d is %s', (x, op, limit, expected) => {
    expect(meets(x, op, limit)).toBe(expected);
  });
});

describe('pick', () => {
  const data = { a: { b: 3 }, runs: [{ mb: 41.5 }], s: 'text', n: Number.NaN };
  const cases: [string, number | undefined][] = [
    ['a.b', 3],
    ['runs.0.mb', 41.5],
    ['runs.1.mb', undefined],
    ['s', undefined],
    ['n', undefined],
    ['a.b.c', undefined],
  ];
  it.each(cases)('%s', (path, expected) => {
    expect(pick(data, path)).toBe(expected);
  });
});

describe('aggregateFigure', () => {
  const polls: FigureSpec = {
    id: 'rps',
    label: 'Agent polls/s',
    unit: '/s',
    value: at('polls'),
    baseline: { label: 'bare Express', value: at('express') },
    goal: { on: 'ratio', op: '>=', limit: 0.75, text: '≥ 0.75 of bare Express' },
  };
  const plan: FigureSpec = {
    id: 'plan',
    label: 'planRollout',
    unit: 'ms',
    value: at('plan'),
    goal: { on: 'value', op: '<', limit: 50, text: '< 50 ms' },
  };

  it('takes the median, min and max over the runs that succeeded', () => {
    const f = aggregateFigure(
      plan,
      [run(1, { plan: 40 }), failedRun(2), run(3, { plan: 60 }), run(4, { plan: 45 })],
      false,
    );
    expect(f.stats).toEqual({ median: 45, min: 40, max: 60, n: 3 });
    expect(f.values).toEqual([40, 60, 45]);
    expect(f.verdict).toBe('met');
  });

  it('leaves out runs whose own checks failed (ok: false)', () => {
    const f = aggregateFigure(plan, [run(1, { plan: 10 }, false), run(2, { plan: 70 })], false);
    expect(f.stats?.n).toBe(1);
    expect(f.verdict).toBe('NOT met');
  });

  it('judges a ratio goal on the median of the per-run ratios, with the baseline of the same run', () => {
    const f = aggregateFigure(
      polls,
      [
        run(1, { polls: 800, express: 1000 }), // 0.8
        run(2, { polls: 700, express: 1000 }), // 0.7
        run(3, { polls: 1500, express: 1000 }), // 1.5
      ],
      false,
    );
    expect(f.ratio?.stats).toEqual({ median: 0.8, min: 0.7, max: 1.5, n: 3 });
    expect(f.baseline?.stats?.median).toBe(1000);
    expect(f.verdict).toBe('met');
  });

  const verdictCases: [string, RunRecord[], boolean, string][] = [
    ['met', [run(1, { plan: 49 })], false, 'met'],
    ['NOT met', [run(1, { plan: 51 })], false, 'NOT met'],
    ['a quick run is not judged', [run(1, { plan: 500 })], true, 'not judged'],
    ['no run gave the figure', [failedRun(1)], false, 'no data'],
    ['the figure is missing from the JSON', [run(1, { other: 1 })], false, 'no data'],
  ];
  it.each(verdictCases)('verdict: %s', (_name, runs, quick, expected) => {
    expect(aggregateFigure(plan, runs, quick).verdict).toBe(expected);
  });

  it('has no verdict without a goal', () => {
    const f = aggregateFigure({ id: 'x', label: 'x', unit: 'MB', value: at('x') }, [run(1, { x: 1 })], false);
    expect(f.verdict).toBeUndefined();
    expect(f.ratio).toBeUndefined();
  });
});

describe('table', () => {
  it('pads cells and rules as Biome formats a markdown table', () => {
    expect(
      table(
        ['Figure', 'Median'],
        [
          ['plan ≥ x', '1,234 ms'],
          ['a|b', '5 ms'],
        ],
        ['l', 'r'],
      ),
    ).toBe(
      [
        '| Figure   |   Median |',
        '| -------- | -------: |',
        '| plan ≥ x | 1,234 ms |',
        '| a\\|b     |     5 ms |',
      ].join('\n'),
    );
  });
});

describe('renderMarkdown', () => {
  const base: Report = {
    command: 'npm run bench',
    quick: false,
    runs: 3,
    expensiveRuns: 1,
    complete: true,
    totalSeconds: 100,
    machine: {
      cpuModel: 'AMD EPYC',
      cpuCount: 2,
      memoryGb: 23.5,
      node: 'v20.20.2',
      postgres: '15.20',
      platform: 'linux 6.1',
      loadAverageStart: [0.5, 0.25, 0.1],
      loadAverageEnd: [1, 1, 1],
      date: '2026-11-26T10:00:00.000Z',
      gitCommit: 'abc123',
      gitDirty: [],
    },
    cases: [
      {
        name: 'planner',
        group: 'planner',
        title: 'Rollout planner',
        command: 'node --import tsx packages/rollout-planner/bench/planner.bench.ts --json <json-file>',
        runsPlanned: 3,
        runs: [run(1, { plan: 40, base: 8 }), run(2, { plan: 44, base: 7 }), failedRun(3)],
        figures: [],
        notes: ['Shared instances across the timed calls.'],
      },
    ],
    skipped: [],
  };
  base.cases[0]!.figures = [
    aggregateFigure(
      {
        id: 'plan',
        label: 'planRollout',
        unit: 'ms',
        headline: true,
        value: at('plan'),
        baseline: { label: 'copy + sort', value: at('base') },
        ratio: true,
        goal: { on: 'value', op: '<', limit: 50, text: '< 50 ms' },
      },
      base.cases[0]!.runs,
      false,
    ),
  ];

  it('records the machine, the command, the headline figure with its baseline, the verdict and the failure', () => {
    const md = renderMarkdown(base);
    expect(md).toContain('Written by `npm run bench`');
    expect(md).toMatch(/\| CPU +\| AMD EPYC × 2 +\|/);
    expect(md).toMatch(/\| PostgreSQL server +\| 15\.20 +\|/);
    expect(md).toContain(
      'node --import tsx packages/rollout-planner/bench/planner.bench.ts --json <json-file>',
    );
    expect(md).toMatch(
      /\| planRollout \[planner\] +\| +42 ms \| +40 \| +44 \| +2 \| copy \+ sort: 8 ms \(7–8\) +\| 5\.\d\d \(5\.\d\d–6\.\d\d\) \| < 50 ms \| met +\|/,
    );
    expect(md).toContain('- met: planRollout [planner], goal < 50 ms, median 42 ms');
    expect(md).toContain('- planner, run 3: wrote no JSON (exit code 1, 3 s)');
    expect(md).toContain('Error: connect ECONNREFUSED 127.0.0.1:5432');
    expect(md).not.toContain('Quick run');
    expect(md).not.toContain('Incomplete');
  });

  it('says when the run is quick (goals not judged) or incomplete', () => {
    const md = renderMarkdown({ ...base, quick: true, complete: false });
    expect(md).toContain('**Quick run**');
    expect(md).toContain('**not judged**');
    expect(md).toContain('**Incomplete:**');
  });

  it('names uncommitted paths', () => {
    const md = renderMarkdown({ ...base, machine: { ...base.machine, gitDirty: ['README.md'] } });
    expect(md).toContain('abc123 with uncommitted changes in 1 path(s)');
    expect(md).toContain('`README.md`');
  });
});

describe('benches', () => {
  const mode = { quick: false, databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres' };

  it('has unique case names, each with at least one figure', () => {
    const cases = benchCases(mode);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    for (const c of cases) expect(c.figures.length).toBeGreaterThan(0);
  });

  it('judges every goal of the issue in a full run', () => {
    const goals = benchCases(mode).flatMap((c) =>
      c.figures.filter((f) => f.goal).map((f) => `${c.name}/${f.id}: ${f.goal!.text}`),
    );
    expect(goals).toEqual(
      expect.arrayContaining([
        'planner/plan-ms: < 50 ms',
        'planner/plan-fleet-ms: < 50 ms',
        'gcc/create-api-ms: < 1,000 ms',
        'create-pg-100k/create-ms: < 1,000 ms',
        'gcc/polls-rps: ≥ 0.75 of bare Express',
        'gcc/polls-p99: < 50 ms',
        'gcc/gcc-rss-mb: < 200 MB',
        'stages/gcc-share-ms: < 60,000 ms',
        'agent-memory/agent-peak-mb: < 45 MB',
      ]),
    );
  });

  it('runs only the 100,000-client rollout as expensive, and a quick run has no 100k creation', () => {
    expect(
      benchCases(mode)
        .filter((c) => c.expensive)
        .map((c) => c.name),
    ).toEqual(['stages']);
    const quick = benchCases({ ...mode, quick: true }).map((c) => c.name);
    expect(quick).not.toContain('create-pg-100k');
    expect(benchCases({ ...mode, quick: true }).some((c) => c.expensive)).toBe(false);
  });

  it('accepts groups and case names of both modes for --only', () => {
    expect(validNames(mode)).toEqual(
      expect.arrayContaining(['planner', 'create-pg', 'create-pglite-100k', 'stages']),
    );
  });
});
