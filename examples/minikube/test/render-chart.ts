/**
 * A small renderer for this example's Helm chart, so that the chart is checked where no `helm` is installed.
 * It supports exactly the template features the chart uses and refuses anything else (a chart change that needs
 * more must either stay within these or be checked with `helm template`):
 *   {{ .Values.a.b }}  {{ .Release.Name }}  {{ .Release.Namespace }}  {{ .Chart.Name }}  {{ .Chart.Version }}
 *   {{ .Chart.AppVersion }}  and the `| quote` pipe.
 * Values: chart values.yaml, then `--set-string a.b=c` overrides (Helm's precedence for these two sources).
 *
 * CLI: npx tsx test/render-chart.ts [--release NAME] [--namespace NS] [--set-string key=value]...
 *      [--show-only templates/FILE]   (same flags as `helm template`)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const CHART_DIR = fileURLToPath(new URL('../chart', import.meta.url));

export interface RenderOptions {
  release: string;
  namespace: string;
  setString?: Record<string, string>;
  /** Only this template, as `templates/<file>` (helm template --show-only). */
  showOnly?: string;
}

type Tree = Record<string, unknown>;

function setPath(tree: Tree, key: string, value: string): void {
  const parts = key.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null) node[part] = {};
    node = node[part] as Tree;
  }
  node[parts.at(-1)!] = value;
}

function lookup(tree: unknown, path: string[], expr: string): unknown {
  let v = tree;
  for (const p of path) {
    if (typeof v !== 'object' || v === null || !(p in v)) throw new Error(`${expr}: no such value`);
    v = (v as Tree)[p];
  }
  return v;
}

const EXPR = /^\s*(\.[A-Za-z][\w.]*)\s*(\|\s*quote\s*)?$/;

/** Renders one template text. */
export function renderTemplate(text: string, scope: Tree): string {
  return text.replace(/\{\{-?([\s\S]*?)-?\}\}/g, (_m, inner: string) => {
    const match = EXPR.exec(inner);
    if (!match) throw new Error(`unsupported template expression {{${inner}}} (see test/render-chart.ts)`);
    const expr = match[1]!;
    const path = expr.slice(1).split('.');
    if (!['Values', 'Release', 'Chart'].includes(path[0]!)) throw new Error(`unsupported object ${expr}`);
    const value = lookup(scope, path, expr);
    if (typeof value === 'object' && value !== null) throw new Error(`${expr} is not a scalar`);
    const text = String(value);
    return match[2] ? JSON.stringify(text) : text;
  });
}

/** Renders every template of the chart; returns file name → rendered text. */
export function renderChart(options: RenderOptions, chartDir = CHART_DIR): Map<string, string> {
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as Tree;
  const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Tree;
  for (const [k, v] of Object.entries(options.setString ?? {})) setPath(values, k, v);
  const scope: Tree = {
    Values: values,
    Release: { Name: options.release, Namespace: options.namespace },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  };
  const out = new Map<string, string>();
  const dir = join(chartDir, 'templates');
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.yaml')) continue;
    out.set(file, renderTemplate(readFileSync(join(dir, file), 'utf8'), scope));
  }
  return out;
}

/** The rendered chart as one multi-document YAML stream, like `helm template`. */
export function renderChartStream(options: RenderOptions, chartDir = CHART_DIR): string {
  const rendered = [...renderChart(options, chartDir)].filter(
    ([file]) => !options.showOnly || options.showOnly === `templates/${file}`,
  );
  if (rendered.length === 0) throw new Error(`no template ${options.showOnly}`);
  return rendered.map(([file, text]) => `---\n# Source: ${file}\n${text.trimEnd()}\n`).join('');
}

function main(argv: string[]): void {
  const options: RenderOptions = { release: 'wrktalk-demo', namespace: 'default', setString: {} };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--release') options.release = value;
    else if (flag === '--namespace') options.namespace = value;
    else if (flag === '--show-only') options.showOnly = value;
    else if (flag === '--set-string') {
      const eq = value.indexOf('=');
      if (eq < 1) throw new Error(`--set-string wants key=value, got ${value}`);
      options.setString![value.slice(0, eq)] = value.slice(eq + 1);
    } else throw new Error(`unknown flag ${flag}`);
  }
  process.stdout.write(renderChartStream(options));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv.slice(2));
