/**
 * The pure half of `npm run bench`: per-run figures in, statistics, goal verdicts and the markdown page out. No I/O,
 * no clock: `run.ts` runs the benches and hands their JSON here.
 */

/** Median, smallest and largest of a set of runs' values, and how many there were. */
export interface Stats {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** Statistics of `xs` (the median of an even count is the mean of the middle two); `undefined` when empty. */
export function stats(xs: readonly number[]): Stats | undefined {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s.at(-1)!, n: s.length };
}

/** How a goal compares the measured median with its limit. */
export type Comparison = '<' | '<=' | '>' | '>=';

/** A goal of the issue: the median of the figure (`value`) or of its per-run ratio to the baseline (`ratio`). */
export interface Goal {
  on: 'value' | 'ratio';
  op: Comparison;
  limit: number;
  /** As the report prints it, e.g. `< 50 ms`. */
  text: string;
}

/** Whether `x` meets `op limit`. */
export function meets(x: number, op: Comparison, limit: number): boolean {
  switch (op) {
    case '<':
      return x < limit;
    case '<=':
      return x <= limit;
    case '>':
      return x > limit;
    case '>=':
      return x >= limit;
  }
}

/** One bench's JSON as written by its `--json FILE`: `ok` is the bench's own validity check, not a goal. */
export interface BenchJson {
  bench: string;
  ok: boolean;
  figures: Record<string, unknown>;
  [key: string]: unknown;
}

/** A number found at `path` (dot-separated; array indexes allowed) in a bench's JSON, else `undefined`. */
export function pick(data: unknown, path: string): number | undefined {
  let at: unknown = data;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return typeof at === 'number' && Number.isFinite(at) ? at : undefined;
}

/** What a figure reads from each run's JSON. */
export interface FigureSpec {
  id: string;
  label: string;
  unit: string;
  /** Fraction digits printed. @default 0 */
  digits?: number;
  /** In the headline table. @default false */
  headline?: boolean;
  value: (data: BenchJson) => number | undefined;
  /** The baseline measured in the same run (the same child process). */
  baseline?: { label: string; value: (data: BenchJson) => number | undefined };
  /** Print value ÷ baseline per run (its median, min, max). Implied by a goal `on: 'ratio'`. */
  ratio?: boolean;
  goal?: Goal;
}

/** One run of one bench: a child process. */
export interface RunRecord {
  run: number;
  ok: boolean;
  exitCode: number | null;
  seconds: number;
  data?: BenchJson;
  /** Why the run counts as failed (no JSON, `ok: false`, timeout, spawn error). */
  error?: string;
  stderrTail?: string;
}

/** `met`/`NOT met` judged on the median; `not judged` in a quick run; `no data` when no run gave the figure. */
export type Verdict = 'met' | 'NOT met' | 'not judged' | 'no data';

/** A figure aggregated over the runs that succeeded. */
export interface FigureResult {
  id: string;
  label: string;
  unit: string;
  digits: number;
  headline: boolean;
  values: number[];
  stats?: Stats;
  baseline?: { label: string; values: number[]; stats?: Stats };
  ratio?: { values: number[]; stats?: Stats };
  goal?: Goal;
  /** Absent when the figure has no goal. */
  verdict?: Verdict;
}

/** Aggregates one figure over `runs` (failed runs are left out); goals are not judged when `quick`. */
export function aggregateFigure(spec: FigureSpec, runs: readonly RunRecord[], quick: boolean): FigureResult {
  const good = runs.filter((r) => r.ok && r.data !== undefined).map((r) => r.data!);
  const values: number[] = [];
  const baseValues: number[] = [];
  const ratios: number[] = [];
  for (const data of good) {
    const v = spec.value(data);
    const b = spec.baseline?.value(data);
    if (v !== undefined) values.push(v);
    if (b !== undefined) baseValues.push(b);
    if (v !== undefined && b !== undefined && b !== 0) ratios.push(v / b);
  }
  const s = stats(values);
  const withRatio = spec.ratio === true || spec.goal?.on === 'ratio';
  const result: FigureResult = {
    id: spec.id,
    label: spec.label,
    unit: spec.unit,
    digits: spec.digits ?? 0,
    headline: spec.headline ?? false,
    values,
    ...(s && { stats: s }),
  };
  if (spec.baseline) {
    const bs = stats(baseValues);
    result.baseline = { label: spec.baseline.label, values: baseValues, ...(bs && { stats: bs }) };
  }
  const rs = stats(ratios);
  if (withRatio) result.ratio = { values: ratios, ...(rs && { stats: rs }) };
  if (spec.goal) {
    result.goal = spec.goal;
    const judged = spec.goal.on === 'ratio' ? rs : s;
    result.verdict = !judged
      ? 'no data'
      : quick
        ? 'not judged'
        : meets(judged.median, spec.goal.op, spec.goal.limit)
          ? 'met'
          : 'NOT met';
  }
  return result;
}

/** One bench invocation (a script with its arguments), run `runsPlanned` times. */
export interface CaseResult {
  name: string;
  group: string;
  title: string;
  /** The command each run executed, from the repository root (`<json-file>` stands for the per-run file). */
  command: string;
  runsPlanned: number;
  /** Why this case runs fewer times than the others, if it does. */
  runsNote?: string;
  runs: RunRecord[];
  figures: FigureResult[];
  notes: string[];
}

/** The machine the benches ran on, recorded at the start. */
export interface Machine {
  cpuModel: string;
  cpuCount: number;
  memoryGb: number;
  node: string;
  postgres: string;
  platform: string;
  loadAverageStart: number[];
  loadAverageEnd?: number[];
  date: string;
  gitCommit: string;
  /** Paths with uncommitted changes when the run started. */
  gitDirty: string[];
}

/** Everything `docs/benchmarks.json` holds. */
export interface Report {
  command: string;
  quick: boolean;
  runs: number;
  expensiveRuns: number;
  complete: boolean;
  totalSeconds?: number;
  machine: Machine;
  cases: CaseResult[];
  /** Cases not run, and why (opt-in, quick run, `--only`). */
  skipped: { name: string; reason: string }[];
}

/** `n` with thousands separators and `digits` fraction digits. */
export function formatNumber(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const withUnit = (n: number, unit: string, digits: number) =>
  unit === ''
    ? formatNumber(n, digits)
    : unit === '×'
      ? `${n.toFixed(2)}×`
      : `${formatNumber(n, digits)} ${unit}`;

/** A markdown table as Biome formats it: cells padded to the column width, `---:` for right-aligned columns. */
export function table(header: string[], rows: string[][], align: ('l' | 'r')[]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  const all = [header, ...rows].map((r) => r.map(esc));
  const width = header.map((_, i) => Math.max(3, ...all.map((r) => [...(r[i] ?? '')].length)));
  const pad = (c: string, i: number) => {
    const fill = ' '.repeat(width[i]! - [...c].length);
    return align[i] === 'r' ? fill + c : c + fill;
  };
  const line = (r: string[]) => `| ${header.map((_, i) => pad(r[i] ?? '', i)).join(' | ')} |`;
  const rule = `| ${width.map((w, i) => (align[i] === 'r' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(all[0]!), rule, ...all.slice(1).map(line)].join('\n');
}

const VERDICT_TEXT: Record<Verdict, string> = {
  met: 'met',
  'NOT met': '**NOT met**',
  'not judged': 'not judged (quick)',
  'no data': '**no data**',
};

/** The cells of one figure's row: figure, median, min, max, runs, baseline, ratio, goal, verdict. */
function figureRow(f: FigureResult, label: string): string[] {
  const s = f.stats;
  const b = f.baseline;
  const baseline = b
    ? b.stats
      ? `${b.label}: ${withUnit(b.stats.median, f.unit, f.digits)}${b.stats.n > 1 ? ` (${formatNumber(b.stats.min, f.digits)}–${formatNumber(b.stats.max, f.digits)})` : ''}`
      : `${b.label}: no data`
    : '—';
  const r = f.ratio?.stats;
  const ratio = r
    ? `${r.median.toFixed(2)}${r.n > 1 ? ` (${r.min.toFixed(2)}–${r.max.toFixed(2)})` : ''}`
    : '—';
  return [
    label,
    s ? withUnit(s.median, f.unit, f.digits) : 'no data',
    s ? formatNumber(s.min, f.digits) : '—',
    s ? formatNumber(s.max, f.digits) : '—',
    String(s?.n ?? 0),
    baseline,
    ratio,
    f.goal ? `${f.goal.on === 'ratio' ? 'ratio ' : ''}${f.goal.text}` : '—',
    f.verdict ? VERDICT_TEXT[f.verdict] : '—',
  ];
}

const FIGURE_HEADER = [
  'Figure',
  'Median',
  'Min',
  'Max',
  'Runs',
  'Baseline, same run (median, range)',
  'Ratio',
  'Goal',
  'Met',
];
const FIGURE_ALIGN: ('l' | 'r')[] = ['l', 'r', 'r', 'r', 'r', 'l', 'r', 'l', 'l'];

/** Every judged goal of the report, with the case it belongs to. */
export function verdicts(report: Report): { caseName: string; figure: FigureResult }[] {
  return report.cases.flatMap((c) =>
    c.figures.filter((f) => f.verdict !== undefined).map((figure) => ({ caseName: c.name, figure })),
  );
}

/** Runs that failed, with their case. */
export function failures(report: Report): { caseName: string; run: RunRecord }[] {
  return report.cases.flatMap((c) => c.runs.filter((r) => !r.ok).map((run) => ({ caseName: c.name, run })));
}

const la = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join(' ');

/** The markdown page (`docs/benchmarks.md`). */
export function renderMarkdown(report: Report): string {
  const m = report.machine;
  const out: string[] = [];
  out.push('# Benchmarks', '');
  out.push(
    `Written by \`${report.command}\` (scripts/bench/run.ts) on ${m.date}; do not edit by hand, run it again. ` +
      'The figures behind this page, every run included, are in `benchmarks.json` next to it.',
    '',
  );
  if (!report.complete)
    out.push(
      `> **Incomplete:** the run stopped or is still going; ${report.cases.length} case(s) recorded so far.`,
      '',
    );
  if (report.quick)
    out.push(
      '> **Quick run** (`--quick`): small sizes (1,000 / 10,000 clients), short durations, one run each, to check the ' +
        'pipeline. Goals are stated at 100,000 clients and are **not judged** here.',
      '',
    );
  out.push(
    `Each figure is the median of the runs of its bench (${report.runs} run(s) per bench, each a fresh child process; ` +
      `the expensive one ${report.expensiveRuns}, as its section says), with min and max over those runs. The baseline is measured ` +
      'by the same child process in the same run; its median and range are shown. Where a goal is a ratio, the ratio ' +
      'is computed per run and its median is judged. Goals are judged on the median.',
    '',
  );

  out.push('## Machine', '');
  out.push(
    table(
      ['Item', 'Value'],
      [
        ['CPU', `${m.cpuModel} × ${m.cpuCount}`],
        ['Memory', `${formatNumber(m.memoryGb, 1)} GB`],
        ['Node', m.node],
        ['PostgreSQL server', m.postgres],
        ['Platform', m.platform],
        ['Load average (1, 5, 15 min) at start', la(m.loadAverageStart)],
        ['Load average at end', m.loadAverageEnd ? la(m.loadAverageEnd) : '—'],
        ['Date (start)', m.date],
        [
          'Git commit',
          m.gitDirty.length === 0
            ? m.gitCommit
            : `${m.gitCommit} with uncommitted changes in ${m.gitDirty.length} path(s)`,
        ],
        ['Total time', report.totalSeconds === undefined ? '—' : `${formatNumber(report.totalSeconds)} s`],
      ],
      ['l', 'l'],
    ),
    '',
  );
  if (m.gitDirty.length > 0)
    out.push(`Uncommitted paths at the start: ${m.gitDirty.map((p) => `\`${p}\``).join(', ')}.`, '');

  out.push('## Headline figures', '');
  const headline = report.cases.flatMap((c) =>
    c.figures.filter((f) => f.headline).map((f) => figureRow(f, `${f.label} [${c.name}]`)),
  );
  out.push(
    headline.length
      ? table(FIGURE_HEADER, headline, FIGURE_ALIGN)
      : 'No figures (every bench failed or none ran).',
    '',
  );

  const judged = verdicts(report);
  out.push('## Goals', '');
  if (judged.length === 0) out.push('No goal was measured.', '');
  else {
    for (const { caseName, figure } of judged) {
      const on = figure.goal!.on === 'ratio' ? figure.ratio?.stats : figure.stats;
      const got = on
        ? figure.goal!.on === 'ratio'
          ? `ratio ${on.median.toFixed(2)}`
          : withUnit(on.median, figure.unit, figure.digits)
        : 'no data';
      out.push(
        `- ${VERDICT_TEXT[figure.verdict!]}: ${figure.label} [${caseName}], goal ${figure.goal!.on === 'ratio' ? 'ratio ' : ''}${figure.goal!.text}, median ${got}`,
      );
    }
    out.push('');
  }

  const failed = failures(report);
  if (failed.length > 0) {
    out.push('## Failures', '');
    for (const { caseName, run } of failed) {
      out.push(
        `- ${caseName}, run ${run.run}: ${run.error ?? 'failed'} (exit code ${run.exitCode ?? 'none'}, ${formatNumber(run.seconds)} s)`,
      );
    }
    out.push('');
  }

  out.push('## Benches', '');
  for (const c of report.cases) {
    out.push(`### ${c.title} [${c.name}]`, '');
    out.push('```sh', c.command, '```', '');
    const secs = c.runs.map((r) => formatNumber(r.seconds));
    out.push(
      `Runs: ${c.runs.length} of ${c.runsPlanned} planned, ${c.runs.filter((r) => r.ok).length} succeeded` +
        `${secs.length ? ` (${secs.join(', ')} s each)` : ''}.${c.runsNote ? ` ${c.runsNote}` : ''}`,
      '',
    );
    if (c.figures.length > 0)
      out.push(
        table(
          FIGURE_HEADER,
          c.figures.map((f) => figureRow(f, f.label)),
          FIGURE_ALIGN,
        ),
        '',
      );
    for (const n of c.notes) out.push(`- ${n}`);
    if (c.notes.length > 0) out.push('');
    for (const r of c.runs.filter((x) => !x.ok)) {
      out.push(
        `Run ${r.run} failed: ${r.error ?? 'failed'} (exit code ${r.exitCode ?? 'none'}). Tail of its stderr:`,
        '',
      );
      out.push('```text', (r.stderrTail ?? '').trimEnd().replace(/```/g, "'''") || '(empty)', '```', '');
    }
  }

  if (report.skipped.length > 0) {
    out.push('## Not run', '');
    for (const s of report.skipped) out.push(`- ${s.name}: ${s.reason}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
