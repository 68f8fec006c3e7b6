/**
 * What reference/agent-node/Dockerfile is made of, read offline: its stages (instructions with continuation lines
 * joined), the workspaces the agent needs (from package.json, transitively) and their production dependency closure
 * (from package-lock.json, resolved as Node resolves). Shared by the agent's image tests and by deploy/test's check of
 * the GCC image (reference/gcc-express/Dockerfile), which reads its Dockerfile with the same parser.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_DIR = fileURLToPath(new URL('../../../../', import.meta.url));
/** The agent's workspace name. */
export const AGENT = '@wrktalk/reference-agent-node';

/** One instruction of a stage. */
export interface Instruction {
  op: string;
  args: string;
}
/** One `FROM … AS name` stage. */
export interface Stage {
  from: string;
  name: string;
  instructions: Instruction[];
}

/** The Dockerfile's stages: instructions with their continuation lines joined and comments dropped. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(`${current}${line}`.trim());
    current = '';
  }
  for (const l of logical) {
    const [op = '', ...rest] = l.split(/\s+/);
    const args = rest.join(' ');
    if (op.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!m) throw new Error(`cannot read FROM ${args}`);
      stages.push({ from: m[1]!, name: m[2] ?? String(stages.length), instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

/** A COPY: `--from` stage (undefined: the build context), sources and destination. */
export interface Copy {
  from: string | undefined;
  sources: string[];
  dest: string;
}

/** The COPY instructions of a stage. */
export function copies(stage: Stage): Copy[] {
  return stage.instructions
    .filter((i) => i.op === 'COPY')
    .map((i) => {
      const words = i.args.split(/\s+/);
      let from: string | undefined;
      while (words[0]?.startsWith('--')) {
        const flag = words.shift()!;
        if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
      }
      const dest = words.pop()!;
      return { from, sources: words, dest };
    });
}

/** The shell commands of a stage's RUN instructions, split at `&&`. */
export function commands(stage: Stage): string[] {
  return stage.instructions
    .filter((i) => i.op === 'RUN')
    .flatMap((i) => i.args.split('&&').map((s) => s.trim()));
}

/** The workspace names a `npm …` command passes with `-w`. */
export const workspaceFlags = (command: string): string[] =>
  [...command.matchAll(/(?:^|\s)-w\s+(\S+)/g)].map((m) => m[1]!);

type Json = Record<string, unknown>;
/** A JSON file of the repository. */
export const readJson = (path: string): Json =>
  JSON.parse(readFileSync(join(REPO_DIR, path), 'utf8')) as Json;

/** Workspace name → directory, from the root package.json. */
export function workspaces(): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of readJson('package.json').workspaces as string[]) {
    const file = join(REPO_DIR, dir, 'package.json');
    if (existsSync(file)) out.set((JSON.parse(readFileSync(file, 'utf8')) as { name: string }).name, dir);
  }
  return out;
}

/** A workspace (default: the agent's) and every workspace its production dependencies reach, transitively. */
export function runtimeWorkspaces(root: string = AGENT): Set<string> {
  const all = workspaces();
  const out = new Set<string>();
  const visit = (name: string) => {
    if (out.has(name)) return;
    out.add(name);
    const pkg = readJson(join(all.get(name)!, 'package.json')) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies ?? {})) if (all.has(dep)) visit(dep);
  };
  visit(root);
  return out;
}

interface LockEntry {
  version?: string;
  resolved?: string;
  link?: boolean;
  dev?: boolean;
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/**
 * The production dependency closure of `roots` (workspace directories) in package-lock.json: the lockfile paths
 * (`node_modules/x`, `node_modules/x/node_modules/y`, `<workspace>/node_modules/z`) Node reaches from their
 * `dependencies`, following dependencies, optional dependencies and non-optional peers, each resolved as Node does
 * (the nearest `node_modules` up the tree). Workspace links are followed to the workspace directory, which is listed.
 */
export function lockClosure(roots: readonly string[], lockText?: string): Set<string> {
  const lock = JSON.parse(lockText ?? readFileSync(join(REPO_DIR, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const out = new Set<string>();
  const resolve = (from: string, name: string): string | undefined => {
    let dir = from;
    for (;;) {
      const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
      if (lock.packages[candidate]) return candidate;
      if (dir === '') return undefined;
      // Up one package: strip the last `/node_modules/<name>`; a top-level package or a workspace goes to the root.
      const at = dir.lastIndexOf('/node_modules/');
      dir = at >= 0 ? dir.slice(0, at) : '';
    }
  };
  const visit = (path: string) => {
    let entry = lock.packages[path];
    let at = path;
    if (entry?.link && entry.resolved) {
      at = entry.resolved;
      entry = lock.packages[at];
    }
    if (!entry || out.has(at)) return;
    out.add(at);
    const optionalPeers = new Set(
      Object.entries(entry.peerDependenciesMeta ?? {})
        .filter(([, m]) => m.optional)
        .map(([n]) => n),
    );
    const names = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}).filter((n) => !optionalPeers.has(n)),
    ];
    for (const name of names) {
      const found = resolve(at, name);
      if (found) visit(found);
      else if (!(name in (entry.optionalDependencies ?? {})))
        throw new Error(`${at}: ${name} is not in the lockfile`);
    }
  };
  for (const root of roots) visit(root);
  return out;
}

/** `posix.relative('/app', path)` of a runtime COPY source, `.` for /app itself. */
export const appRelative = (p: string): string => posix.relative('/app', p) || '.';
