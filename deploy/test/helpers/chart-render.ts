/**
 * `helm template` for this repository's charts where no `helm` can be installed: builds `deploy/tools/chart-render`
 * (Go's text/template + sprig v3 + Helm's own template functions, Helm's value precedence) once per source hash and
 * runs it. Like `helm template`, a chart's `values.schema.json` is checked against the merged values first, so a
 * value the schema refuses fails the render with the schema's message.
 *
 * Needs Go and Debian's `golang-github-masterminds-sprig-dev` + `golang-gopkg-yaml.v3-dev` (`.ci/run` installs them).
 */

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse, parseAllDocuments, stringify } from 'yaml';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export const DEPLOY_DIR = fileURLToPath(new URL('../..', import.meta.url));
export const REPO_DIR = fileURLToPath(new URL('../../..', import.meta.url));
const SOURCE_DIR = join(DEPLOY_DIR, 'tools/chart-render');
/** Debian's Go packages live here (GOPATH mode: no module download). */
const GOPATH = '/usr/share/gocode';

/** Whether Go and the Debian Go libraries chart-render compiles against are installed. */
export function canRenderCharts(): boolean {
  return (
    spawnSync('sh', ['-c', 'command -v go'], { stdio: 'ignore' }).status === 0 &&
    existsSync(join(GOPATH, 'src/github.com/Masterminds/sprig')) &&
    existsSync(join(GOPATH, 'src/gopkg.in/yaml.v3'))
  );
}

let binary: string | undefined;

/** Path of the built renderer; builds it on first use (atomic rename, so parallel test files may race safely). */
export function chartRenderBinary(): string {
  if (binary) return binary;
  const source = readFileSync(join(SOURCE_DIR, 'main.go'));
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = join(REPO_DIR, 'node_modules/.cache/chart-render');
  const out = join(dir, `chart-render-${hash}`);
  if (!existsSync(out)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    const r = spawnSync('go', ['build', '-o', tmp, '.'], {
      cwd: SOURCE_DIR,
      encoding: 'utf8',
      env: {
        ...process.env,
        GO111MODULE: 'off',
        GOPATH,
        GOCACHE: join(dir, 'go-build'),
        GOFLAGS: '',
      },
      timeout: 180_000,
    });
    if (r.status !== 0) throw new Error(`building chart-render failed: ${r.stderr || r.error}`);
    renameSync(tmp, out);
  }
  binary = out;
  return out;
}

/** What a render takes: the flags of `helm template RELEASE CHART`. */
export interface RenderOptions {
  release: string;
  namespace?: string;
  /** Values files (`-f`), in order: later files win. */
  valueFiles?: string[];
  /** Values given inline: written to a temporary file and passed after {@link valueFiles}. */
  values?: Record<string, unknown>;
  /** `--set key=value` (typed: true/false/integers/null). */
  set?: Record<string, string>;
  /** `--set-string key=value`. */
  setString?: Record<string, string>;
  /** Extra `--api-versions` (e.g. `monitoring.coreos.com/v1`). */
  apiVersions?: string[];
}

/** A render that failed: what `helm template` would print on stderr. */
export class ChartRenderError extends Error {
  override name = 'ChartRenderError';
}

function args(chartDir: string, o: RenderOptions, tmp: string): string[] {
  const a = [o.release, chartDir, '--namespace', o.namespace ?? 'default'];
  for (const f of o.valueFiles ?? []) a.push('-f', f);
  if (o.values) {
    const file = join(tmp, 'values.yaml');
    writeFileSync(file, stringify(o.values));
    a.push('-f', file);
  }
  for (const [k, v] of Object.entries(o.set ?? {})) a.push('--set', `${k}=${v}`);
  for (const [k, v] of Object.entries(o.setString ?? {})) a.push('--set-string', `${k}=${v}`);
  for (const v of o.apiVersions ?? []) a.push('--api-versions', v);
  return a;
}

function run(chartDir: string, o: RenderOptions, extra: string[]): string {
  const tmp = mkdtempSync(join(tmpdir(), 'chart-render-'));
  try {
    const r = spawnSync(chartRenderBinary(), [...args(chartDir, o, tmp), ...extra], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status !== 0) throw new ChartRenderError((r.stderr || String(r.error)).trim());
    return r.stdout;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The values a render sees (chart values.yaml < files < --set), like `helm template --debug` shows. */
export function mergedValues(chartDir: string, o: RenderOptions): Record<string, unknown> {
  return JSON.parse(run(chartDir, o, ['--show-values'])) as Record<string, unknown>;
}

/** Problems of the merged values against the chart's `values.schema.json` (empty: valid or no schema). */
export function valuesSchemaProblems(chartDir: string, values: unknown): string[] {
  const file = join(chartDir, 'values.schema.json');
  if (!existsSync(file)) return [];
  const schema = JSON.parse(readFileSync(file, 'utf8')) as { $schema?: string };
  const ajv =
    schema.$schema?.includes('2020-12') === true
      ? (new Ajv2020({ strict: false, allErrors: true }) as unknown as Ajv)
      : new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  if (validate(values)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

/** Helm's values overlay: maps merge key by key, anything else (lists, scalars) replaces; `undefined` keeps. */
// biome-ignore lint/suspicious/noExplicitAny: deep merge of plain YAML values
export function mergeValues(a: any, b: any): any {
  if (
    typeof a !== 'object' ||
    a === null ||
    Array.isArray(a) ||
    typeof b !== 'object' ||
    b === null ||
    Array.isArray(b)
  )
    return b === undefined ? a : b;
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = mergeValues(a[k], v);
  return out;
}

/** Schema problems of the chart's values.yaml overlaid with `values` (no render, so no Go needed). */
export function overlayProblems(chartDir: string, values: Record<string, unknown>): string[] {
  const defaults = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  return valuesSchemaProblems(chartDir, mergeValues(defaults, values));
}

/** `helm template`: the rendered stream. Throws {@link ChartRenderError} on a template or values-schema error. */
export function helmTemplate(chartDir: string, o: RenderOptions): string {
  const problems = valuesSchemaProblems(chartDir, mergedValues(chartDir, o));
  if (problems.length > 0)
    throw new ChartRenderError(
      `values don't meet the specifications of the schema(s):\n- ${problems.join('\n- ')}`,
    );
  return run(chartDir, o, []);
}

/** `helm template --notes`: NOTES.txt as rendered. */
export function helmNotes(chartDir: string, o: RenderOptions): string {
  const out = run(chartDir, o, ['--notes']);
  const at = out.indexOf('NOTES:\n');
  return at < 0 ? '' : out.slice(at + 'NOTES:\n'.length);
}

// biome-ignore lint/suspicious/noExplicitAny: rendered YAML, read by path in assertions
export type K8sObject = Record<string, any>;

/** The rendered objects of `helm template`, in its order (empty documents dropped). */
export function renderObjects(chartDir: string, o: RenderOptions): K8sObject[] {
  const stream = helmTemplate(chartDir, o);
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(stream)) {
    if (doc.errors.length > 0)
      throw new ChartRenderError(`rendered YAML does not parse: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as K8sObject | null;
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

/** The object of this kind and name (throws when there is not exactly one). */
export function find(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const hits = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
  if (hits.length !== 1) throw new Error(`want one ${kind}${name ? ` ${name}` : ''}, found ${hits.length}`);
  return hits[0]!;
}
