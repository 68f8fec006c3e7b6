import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const MINIKUBE_DIR = fileURLToPath(new URL('..', import.meta.url));
export const DOCKER_HOST_DIR = fileURLToPath(new URL('../../docker-host', import.meta.url));
export const SPECS_DIR = '/work/shared/specs';

/** Whether a command is on PATH. */
export function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** Files under `dir` (no node_modules, no .work), relative to `dir`. */
export function listFiles(dir: string, pred: (f: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      if (name === 'node_modules' || name === '.work') continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (pred(p)) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** Parses a YAML stream; throws on the first error. */
export function parseYamlStream(text: string): unknown[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length) throw doc.errors[0];
    const value: unknown = doc.toJS();
    return value === null || value === undefined ? [] : [value];
  });
}

/** A Dockerfile's instructions, continuation lines joined and comments dropped: `{ op: 'RUN', args: '…' }`. */
export function dockerfileInstructions(text: string): { op: string; args: string }[] {
  const out: { op: string; args: string }[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    current += `${line.replace(/\\\s*$/, '')} `;
    if (/\\\s*$/.test(line)) continue;
    const m = /^\s*([A-Za-z]+)\s+(.*?)\s*$/.exec(current);
    if (m) out.push({ op: m[1]!.toUpperCase(), args: m[2]!.replace(/\s+/g, ' ') });
    current = '';
  }
  return out;
}

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, read by path in assertions
export type Yaml = Record<string, any>;

/** The git server Deployment's container, from gitserver/gitserver.yaml. */
export function gitserverContainer(): Yaml {
  const objects = parseYamlStream(
    readFileSync(join(MINIKUBE_DIR, 'gitserver/gitserver.yaml'), 'utf8'),
  ) as Yaml[];
  return objects.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0];
}
