#!/usr/bin/env node
// Builds the workspaces whose build output is missing or older than what it is built from, and nothing else, so that
// `npm run serve` and `npm run start:fake` start in a second when nothing changed instead of rebuilding every
// workspace (`npm run build`, half a minute to minutes).
//
//   node scripts/build-if-stale.mjs [workspace-dir ...]   # these and the workspaces they depend on (default: all)
//   node scripts/build-if-stale.mjs --check [...]         # only say what is stale; exit 1 when something is
//
// A workspace (with a `build` script) is stale when its dist/ is missing or empty, or when a file it is built from
// is newer than the newest file in dist/ (a build writes all of dist/ at once). It is built from: src/, package.json,
// tsup.config.ts, tsconfig*.json, the root tsconfig.base.json, and the dist/ of each workspace it depends on (so a
// rebuilt dependency rebuilds its dependents, whose types and bundles include it). Modification times are what
// make(1) uses: a `git checkout` or `git pull` that changes a file gives it the current time, so it counts as newer.
// Stale workspaces are built in the root package.json's `workspaces` order (dependencies first).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The newest file under `path` (a file or a directory) as { file, mtimeMs }, or undefined when there is none. */
export function newestFile(path) {
  if (!existsSync(path)) return undefined;
  const s = statSync(path);
  if (s.isFile()) return { file: path, mtimeMs: s.mtimeMs };
  let newest;
  for (const entry of readdirSync(path, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    const mtimeMs = statSync(file).mtimeMs;
    if (!newest || mtimeMs > newest.mtimeMs) newest = { file, mtimeMs };
  }
  return newest;
}

/** What a workspace at `dir` is built from (paths; missing ones are skipped), besides its dependencies' dist/. */
export function buildInputs(dir, root = ROOT) {
  const own = existsSync(dir) ? readdirSync(dir).filter((n) => /^tsconfig.*\.json$/.test(n)) : [];
  return [
    join(dir, 'src'),
    join(dir, 'package.json'),
    join(dir, 'tsup.config.ts'),
    ...own.map((n) => join(dir, n)),
    join(root, 'tsconfig.base.json'),
  ];
}

/**
 * Why the workspace at `dir` needs a build (a sentence), or undefined when its dist/ is up to date. `dependencyDirs`:
 * the directories of the workspaces it depends on.
 */
export function staleReason(dir, dependencyDirs = [], root = ROOT) {
  const built = newestFile(join(dir, 'dist'));
  if (!built) return 'dist/ is missing';
  const inputs = [...buildInputs(dir, root), ...dependencyDirs.map((d) => join(d, 'dist'))];
  for (const input of inputs) {
    const n = newestFile(input);
    if (n && n.mtimeMs > built.mtimeMs) return `${relative(root, n.file)} is newer than its dist/`;
  }
  return undefined;
}

/** The root's workspaces with a build script, in `workspaces` order, with the workspaces each depends on. */
export function buildableWorkspaces(root = ROOT) {
  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const all = rootPkg.workspaces.map((w) => {
    const dir = join(root, w);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    return { path: w, dir, pkg };
  });
  const byName = new Map(all.map((w) => [w.pkg.name, w]));
  return all.map((w) => {
    const names = Object.keys({ ...w.pkg.dependencies, ...w.pkg.devDependencies, ...w.pkg.peerDependencies });
    const deps = names.map((n) => byName.get(n)).filter((d) => d !== undefined);
    return { path: w.path, dir: w.dir, build: Boolean(w.pkg.scripts?.build), deps: deps.map((d) => d.path) };
  });
}

/** The workspaces `targets` need (themselves and their dependencies, transitively), in `workspaces` order. */
export function closure(workspaces, targets) {
  if (targets.length === 0) return workspaces;
  const byPath = new Map(workspaces.map((w) => [w.path, w]));
  const wanted = new Set();
  const visit = (path) => {
    const w = byPath.get(path);
    if (!w) throw new Error(`not a workspace: ${path} (one of ${[...byPath.keys()].join(', ')})`);
    if (wanted.has(path)) return;
    wanted.add(path);
    for (const d of w.deps) visit(d);
  };
  for (const t of targets) visit(t.replace(/\/+$/, ''));
  return workspaces.filter((w) => wanted.has(w.path));
}

function main(argv) {
  const check = argv.includes('--check');
  const targets = argv.filter((a) => a !== '--check').map((a) => relative(ROOT, resolve(a)));
  const workspaces = closure(buildableWorkspaces(), targets);
  const byPath = new Map(workspaces.map((w) => [w.path, w]));
  const started = Date.now();
  let built = 0;
  for (const w of workspaces) {
    if (!w.build) continue;
    // Decided after the dependencies built above (their new dist/ makes this one stale in turn).
    const reason = staleReason(
      w.dir,
      w.deps.map((d) => byPath.get(d)?.dir ?? join(ROOT, d)),
    );
    if (!reason) continue;
    if (check) {
      process.stdout.write(`stale: ${w.path} (${reason})\n`);
      built++;
      continue;
    }
    process.stderr.write(`build: ${w.path} (${reason})\n`);
    const r = spawnSync('npm', ['run', 'build', '--silent', '-w', w.path], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (r.status !== 0) {
      process.stderr.write(
        `build: ${w.path} failed (exit ${r.status ?? r.signal}); see the messages above\n`,
      );
      return 1;
    }
    built++;
  }
  const n = workspaces.filter((w) => w.build).length;
  if (check) return built > 0 ? 1 : 0;
  process.stderr.write(
    built === 0
      ? `build: ${n} workspace(s) up to date\n`
      : `build: built ${built} of ${n} workspace(s) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
