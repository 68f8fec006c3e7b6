/**
 * reference/agent-node/Dockerfile, checked offline (there is no docker engine here or in CI): the build stage
 * installs, builds and prunes exactly the workspaces the agent needs, the prune keeps no dev dependency (the root's
 * biome, vitest, tsup, tsx, redocly… included), and the runtime stage copies only the pruned node_modules, the
 * workspaces' package.json, dist and the bin. What the agent needs is computed from the repository (package.json
 * files, package-lock.json, and `npm ls` with the Dockerfile's own prune flags), not listed here. The prune itself is
 * run for real, from the npm cache, in `image-prune.int.test.ts`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AGENT,
  appRelative,
  commands,
  copies,
  lockClosure,
  parseDockerfile,
  REPO_DIR,
  readJson,
  runtimeWorkspaces,
  workspaceFlags,
  workspaces,
} from './helpers/image';

const all = workspaces();
const agentDir = all.get(AGENT)!;
const needed = runtimeWorkspaces();
const neededDirs = [...needed].map((n) => all.get(n)!);
const stages = parseDockerfile(readFileSync(join(REPO_DIR, agentDir, 'Dockerfile'), 'utf8'));
const runtime = stages.at(-1)!;
const build = stages.find((s) => s.name === 'build')!;
const runtimeCopies = copies(runtime);
const copiedFrom = (stage: string) =>
  runtimeCopies.filter((c) => c.from === stage).flatMap((c) => c.sources.map(appRelative));
const prune = commands(build).find((c) => /^npm prune\b/.test(c))!;
/** The root's dev dependencies: the repository's tools. */
const devTools = Object.keys(readJson('package.json').devDependencies as Record<string, string>);
/** The production closure of the needed workspaces, from the lockfile (workspace directories left out). */
const closure = [...lockClosure(neededDirs)].filter((p) => !neededDirs.includes(p));

describe('reference/agent-node/Dockerfile', () => {
  it('needs the agent and the workspaces its production dependencies reach (from package.json)', () => {
    expect(needed).toEqual(
      new Set([AGENT, '@wrktalk/sdk-agent', '@wrktalk/sdk-gcc', '@wrktalk/rollout-planner']),
    );
    // A dev dependency of the agent (its tests run the real GCC) is not part of the image.
    expect(Object.keys(readJson(join(agentDir, 'package.json')).devDependencies as object)).toContain(
      '@wrktalk/gcc-core',
    );
    expect(needed.has('@wrktalk/gcc-core')).toBe(false);
  });

  it('installs (with the root, for the build tools), builds and prunes exactly those workspaces', () => {
    const ci = commands(build).filter((c) => /^npm ci\b/.test(c));
    const builds = commands(build).filter((c) => /^npm run build\b/.test(c));
    const prunes = commands(build).filter((c) => /^npm prune\b/.test(c));
    for (const list of [ci, builds, prunes]) {
      expect(list).toHaveLength(1);
      expect(new Set(workspaceFlags(list[0]!))).toEqual(needed);
    }
    expect(ci[0]).toMatch(/--include-workspace-root\b/);
    // Each workspace's package.json is there for `npm ci`, and its sources for the build.
    const ciAt = build.instructions.findIndex((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args));
    const beforeCi = copies({ ...build, instructions: build.instructions.slice(0, ciAt) }).flatMap(
      (c) => c.sources,
    );
    expect(beforeCi).toEqual(expect.arrayContaining(['package.json', 'package-lock.json']));
    for (const dir of neededDirs) {
      expect(beforeCi).toContain(`${dir}/package.json`);
      expect(copies(build).flatMap((c) => c.sources)).toContain(dir);
    }
  });

  it('copies node_modules only after `npm prune --omit=dev --include-workspace-root`', () => {
    expect(copiedFrom('build')).toContain('node_modules');
    // The last npm command that changes node_modules in the build stage is the prune, of the root's dev dependencies
    // too: without --include-workspace-root npm keeps vitest, biome, tsup, tsx, redocly, … (~240 MB).
    const npm = commands(build).filter((s) => /^npm (ci|install|i|prune|add|update)\b/.test(s));
    expect(npm.at(-1)).toBe(prune);
    expect(prune).toMatch(/--omit=dev\b/);
    expect(prune).toMatch(/--include-workspace-root\b/);
  });

  it('the production closure holds no dev dependency: lockfile and `npm ls` with the prune’s flags agree', () => {
    expect(devTools).toEqual(
      expect.arrayContaining(['@biomejs/biome', 'vitest', 'tsup', 'tsx', '@redocly/cli']),
    );
    const lock = readJson('package-lock.json') as { packages: Record<string, { dev?: boolean }> };
    for (const p of closure) expect(lock.packages[p]?.dev, p).not.toBe(true);
    const names = new Set(
      closure.map((p) => p.slice(p.lastIndexOf('node_modules/') + 'node_modules/'.length)),
    );
    for (const tool of devTools) {
      // @types/node stays: @kubernetes/client-node depends on it (types only, nothing that runs).
      if (!tool.startsWith('@types/'))
        expect(names.has(tool), `${tool} in the production closure`).toBe(false);
    }
    expect(names.has('typescript')).toBe(false);
    expect(names.has('esbuild')).toBe(false);
    // What npm itself computes from the installed tree with exactly the prune's workspaces and flags.
    const flags = prune.split(/\s+/).slice(2);
    const listed = execFileSync('npm', ['ls', '--all', '--parseable', ...flags], {
      cwd: REPO_DIR,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .trim()
      .split('\n')
      .map((p) => p.slice(REPO_DIR.replace(/\/$/, '').length + 1))
      .filter((p) => p !== '' && !p.startsWith('node_modules/@wrktalk/'));
    expect(new Set(listed)).toEqual(new Set(closure));
  });

  it('runtime stage: only the pruned node_modules, package.json, dist and the bin, nothing from the build context', () => {
    expect(runtimeCopies.filter((c) => c.from === undefined)).toEqual([]);
    expect(new Set(runtimeCopies.map((c) => c.from))).toEqual(new Set(['build', 'argocd']));
    expect(copiedFrom('argocd')).toEqual(['../out']);
    const copied = copiedFrom('build');
    // Dependencies the lockfile puts in a workspace's own node_modules (commander 14 of the agent, whose root copy is
    // an older, dev-only one): the workspace's node_modules must come along or the agent does not start.
    const nested = new Set(
      closure
        .filter((p) => !p.startsWith('node_modules/'))
        .map((p) => p.slice(0, p.indexOf('/node_modules/'))),
    );
    expect(nested).toContain(agentDir);
    const allowed = new Set(['node_modules', 'package.json', `${agentDir}/bin`]);
    for (const dir of neededDirs) {
      allowed.add(`${dir}/package.json`);
      allowed.add(`${dir}/dist`);
      expect(copied, dir).toContain(`${dir}/package.json`);
      expect(copied, dir).toContain(`${dir}/dist`);
      const pkg = readJson(join(dir, 'package.json')) as { main?: string };
      if (pkg.main) expect(pkg.main.replace(/^\.\//, '')).toMatch(/^dist\//);
    }
    for (const dir of nested) {
      allowed.add(`${dir}/node_modules`);
      expect(copied, `${dir}/node_modules`).toContain(`${dir}/node_modules`);
    }
    for (const p of copied) expect(allowed, p).toContain(p);
    expect(copied).toContain('node_modules');
    const bin = readJson(join(agentDir, 'package.json')).bin as Record<string, string>;
    expect(existsSync(join(REPO_DIR, agentDir, bin['wrktalk-agent']!))).toBe(true);
    const entry = JSON.parse(runtime.instructions.findLast((x) => x.op === 'ENTRYPOINT')!.args) as string[];
    expect(entry.at(-1)).toBe(`/app/${agentDir}/${bin['wrktalk-agent']!.replace(/^\.\//, '')}`);
  });

  it('runs as a numeric non-root user, set after everything that needs root', () => {
    const i = runtime.instructions.findLastIndex((x) => x.op === 'USER');
    expect(runtime.instructions[i]?.args).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    expect(runtime.instructions.slice(i).filter((x) => x.op === 'RUN')).toEqual([]);
  });
});
