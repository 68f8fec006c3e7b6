/**
 * reference/gcc-express/Dockerfile, checked offline (no docker engine here or in CI): its stages, its user, what
 * the runtime stage copies and that it is complete and production-only. What it must contain is computed from the
 * repository (package.json dependencies among the workspaces, the lockfile, gcc-core's migrations, the UI bundle),
 * not listed here, so a new workspace dependency or a moved directory fails this test.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  copies,
  parseDockerfile,
  readJson as readJsonObject,
  runtimeWorkspaces,
  workspaces as workspaceDirs,
  workspaceFlags,
} from '../../reference/agent-node/test/helpers/image';
import { ENVIRONMENT } from '../../reference/gcc-express/src/config';
import { REPO_DIR } from './helpers/chart-render';

// biome-ignore lint/suspicious/noExplicitAny: JSON read from the repository, narrowed where used.
const readJson = (path: string): any => readJsonObject(path);

/** The workspace names each `npm <command> -w …` of a RUN passes. */
const workspaceFlagsOf = (run: string, command: RegExp): string[][] =>
  run
    .split('&&')
    .filter((part) => command.test(part))
    .map(workspaceFlags);

const workspaces = workspaceDirs();
const GCC = '@wrktalk/reference-gcc-express';
const gccDir = workspaces.get(GCC)!;

const dockerfile = readFileSync(join(REPO_DIR, gccDir, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfile);
const runtime = stages.at(-1)!;
const stageByName = new Map(stages.map((s) => [s.name, s]));
const needed = runtimeWorkspaces(GCC);
const neededDirs = [...needed].map((n) => workspaces.get(n)!);
/** Runtime COPY --from=<stage> /app/<path>: the paths (relative to /app) by stage. */
const runtimeCopies = copies(runtime);
const copiedFrom = (stage: string) =>
  runtimeCopies
    .filter((c) => c.from === stage)
    .flatMap((c) => c.sources.map((s) => posix.relative('/app', s)))
    .map((s) => (s === '' ? '.' : s));

describe('reference/gcc-express/Dockerfile', () => {
  it('reaches the workspaces it should (computed from package.json, transitively)', () => {
    // A sanity check of the computation itself: the GCC uses gcc-core, the SDK and the console UI.
    expect(needed).toContain('@wrktalk/gcc-core');
    expect(needed).toContain('@wrktalk/sdk-gcc');
    expect(needed).toContain('@wrktalk/ui');
    expect(needed.size).toBeGreaterThanOrEqual(4);
  });

  it('has a build stage and a final stage on a pinned major of node (alpine)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(runtime.from).toMatch(/^node:\d+(\.\d+){0,2}-alpine(\d+(\.\d+)*)?(@sha256:[0-9a-f]{64})?$/);
    const major = Number(/^node:(\d+)/.exec(runtime.from)![1]);
    // The same major as the build stage (the native ABI of anything installed there), and one the GCC supports.
    for (const s of stages.slice(0, -1))
      if (s.from.startsWith('node:')) expect(s.from).toMatch(`node:${major}`);
    const engines = readJson(join(gccDir, 'package.json')).engines.node as string;
    expect(major).toBeGreaterThanOrEqual(Number(/(\d+)/.exec(engines)![1]));
  });

  it('runs as a numeric non-root user, set after everything that needs root', () => {
    const i = runtime.instructions.findLastIndex((x) => x.op === 'USER');
    expect(i).toBeGreaterThan(-1);
    const user = runtime.instructions[i]!.args;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    for (const id of user.split(':')) expect(Number(id)).toBeGreaterThan(0);
    expect(runtime.instructions.slice(i).filter((x) => x.op === 'RUN')).toEqual([]);
    // Kubernetes' runAsNonRoot can only verify a numeric user; the chart runs it with the same uid.
    const values = readFileSync(join(REPO_DIR, 'deploy/gcc/values.yaml'), 'utf8');
    expect(values).toContain(`runAsUser: ${user.split(':')[0]}`);
  });

  it('starts the wrktalk-gcc bin with `serve`, on the port the GCC listens on by default', () => {
    const pkg = readJson(join(gccDir, 'package.json')) as { bin: Record<string, string> };
    const entry = JSON.parse(runtime.instructions.findLast((x) => x.op === 'ENTRYPOINT')!.args) as string[];
    expect(entry[0]).toBe('node');
    expect(entry.at(-1)).toBe(posix.join('/app', gccDir, pkg.bin['wrktalk-gcc']!));
    expect(JSON.parse(runtime.instructions.findLast((x) => x.op === 'CMD')!.args)).toEqual(['serve']);
    expect(runtime.instructions.find((x) => x.op === 'EXPOSE')?.args).toBe(ENVIRONMENT.PORT);
    expect(runtime.instructions.find((x) => x.op === 'HEALTHCHECK')?.args ?? '/healthz').toContain(
      '/healthz',
    );
  });

  it('installs, builds and prunes every workspace the GCC needs, in the build stage', () => {
    const build = stageByName.get('build')!;
    const runs = build.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
    const ci = runs.flatMap((r) => workspaceFlagsOf(r, /\bnpm ci\b/));
    const builds = runs.flatMap((r) => workspaceFlagsOf(r, /\bnpm run build\b/));
    const prunes = runs.flatMap((r) => workspaceFlagsOf(r, /\bnpm prune\b/));
    for (const list of [ci, builds, prunes]) {
      expect(list).toHaveLength(1);
      expect(new Set(list[0])).toEqual(needed);
    }
    for (const dir of neededDirs) {
      const pkg = readJson(join(dir, 'package.json')) as { scripts?: Record<string, string> };
      expect(pkg.scripts?.build, `${dir} has a build script`).toBeDefined();
    }
    // Each workspace's package.json is there for `npm ci`, and its sources for the build.
    const buildCopies = copies(build).filter((c) => c.from === undefined);
    const ciAt = build.instructions.findIndex((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args));
    const beforeCi = copies({ ...build, instructions: build.instructions.slice(0, ciAt) }).flatMap(
      (c) => c.sources,
    );
    expect(beforeCi).toEqual(expect.arrayContaining(['package.json', 'package-lock.json']));
    for (const dir of neededDirs) {
      expect(beforeCi).toContain(`${dir}/package.json`);
      expect(buildCopies.flatMap((c) => c.sources)).toContain(dir);
    }
    for (const c of buildCopies)
      for (const s of c.sources) expect(existsSync(join(REPO_DIR, s)), s).toBe(true);
  });

  it('copies node_modules only after `npm prune --omit=dev --include-workspace-root` (no dev tool in the image)', () => {
    for (const stageName of new Set(runtimeCopies.map((c) => c.from).filter((f) => f !== undefined))) {
      const stage = stageByName.get(stageName)!;
      expect(stage, `stage ${stageName}`).toBeDefined();
      if (!copiedFrom(stageName).some((p) => p === 'node_modules' || p.endsWith('/node_modules'))) continue;
      // The last npm command that changes node_modules in that stage is the prune, and it prunes the root's dev
      // dependencies too (without --include-workspace-root, npm keeps vitest, biome, tsup, tsx, redocly, …).
      const npmRuns = stage.instructions
        .filter((i) => i.op === 'RUN')
        .flatMap((i) => i.args.split('&&').map((s) => s.trim()))
        .filter((s) => /\bnpm (ci|install|i|prune|add|update)\b/.test(s));
      const last = npmRuns.at(-1)!;
      expect(last).toMatch(/\bnpm prune\b/);
      expect(last).toMatch(/--omit=dev\b/);
      expect(last).toMatch(/--include-workspace-root\b/);
    }
    // The root's dev dependencies are the tools. The prune removes what the lockfile marks dev-only; npm keeps a
    // package some production dependency needs, which only type packages are (@types/node, through
    // @kubernetes/client-node): no executable tool can stay.
    const devTools = Object.keys(readJson('package.json').devDependencies as Record<string, string>);
    expect(devTools).toEqual(
      expect.arrayContaining(['@biomejs/biome', 'vitest', 'tsup', 'tsx', '@redocly/cli']),
    );
    const lock = readJson('package-lock.json') as { packages: Record<string, { dev?: boolean }> };
    for (const tool of devTools) {
      if (lock.packages[`node_modules/${tool}`]?.dev !== true)
        expect(tool, 'kept by the prune').toMatch(/^@types\//);
    }
    // Nothing of the build context goes to the runtime stage directly (sources, tests, the host's node_modules).
    expect(runtimeCopies.filter((c) => c.from === undefined)).toEqual([]);
  });

  it('copies what each needed workspace runs from, and nothing else of them', () => {
    const copied = new Set(copiedFrom('build'));
    const lock = readJson('package-lock.json') as { packages: Record<string, { dev?: boolean }> };
    for (const dir of neededDirs) {
      const pkg = readJson(join(dir, 'package.json')) as { main?: string; bin?: Record<string, string> };
      expect(copied, dir).toContain(`${dir}/package.json`);
      // The build output: dist (each workspace's tsup output, where main/bin point).
      expect(copied, dir).toContain(`${dir}/dist`);
      if (pkg.main) expect(pkg.main.replace(/^\.\//, '')).toMatch(/^dist\//);
      // Dependencies the lockfile installs in the workspace's own node_modules (other versions than the root's).
      const nested = Object.entries(lock.packages).filter(
        ([k, v]) => k.startsWith(`${dir}/node_modules/`) && !v.dev,
      );
      if (nested.length > 0)
        expect(copied, `${dir}/node_modules (${nested[0]![0]})`).toContain(`${dir}/node_modules`);
    }
    expect(copied).toContain('node_modules');
    const gccBin = readJson(join(gccDir, 'package.json')).bin['wrktalk-gcc'] as string;
    expect(copied).toContain(posix.dirname(posix.join(gccDir, gccBin)));
    // Every runtime path is a file of the repository the build stage copied, or an output of the build stage's
    // install (node_modules) or build (dist).
    for (const p of copied) {
      const isOutput = p === 'node_modules' || /\/(node_modules|dist)$/.test(p);
      if (!isOutput) expect(existsSync(join(REPO_DIR, p)), p).toBe(true);
      const owner = neededDirs.find((d) => p.startsWith(`${d}/`));
      if (isOutput && p !== 'node_modules') expect(owner, `${p} belongs to a needed workspace`).toBeDefined();
      // Only package.json, build outputs, the bin directory and data files a package ships (its `files`).
      if (owner) {
        const rel = p.slice(owner.length + 1);
        const files = (readJson(join(owner, 'package.json')).files as string[] | undefined) ?? [];
        expect(['package.json', 'dist', 'node_modules', 'bin', ...files], p).toContain(rel);
      }
    }
  });

  it("copies gcc-core's SQL migrations to where gcc-core reads them", () => {
    const core = workspaces.get('@wrktalk/gcc-core')!;
    // gcc-core resolves them next to its build: new URL('../migrations', import.meta.url) from dist/index.js.
    expect(readFileSync(join(REPO_DIR, core, 'src/migrate.ts'), 'utf8')).toContain(
      "new URL('../migrations', import.meta.url)",
    );
    const sql = readdirSync(join(REPO_DIR, core, 'migrations')).filter((f) => /^\d+\.do\..+\.sql$/.test(f));
    expect(sql.length).toBeGreaterThan(0);
    expect(copiedFrom('build')).toContain(`${core}/migrations`);
  });

  it('copies the console bundle `serve` sends for /admin (@wrktalk/ui dist/browser)', () => {
    const ui = workspaces.get('@wrktalk/ui')!;
    expect(readFileSync(join(REPO_DIR, gccDir, 'src/pages.ts'), 'utf8')).toContain(
      "join(dirname(pkg), 'dist', 'browser', 'wrktalk-ui.js')",
    );
    expect(readFileSync(join(REPO_DIR, ui, 'tsup.config.ts'), 'utf8')).toContain("outDir: 'dist/browser'");
    const copied = copiedFrom('build');
    expect(copied.some((p) => p === `${ui}/dist` || p === `${ui}/dist/browser`)).toBe(true);
  });

  it('keeps the host build outputs out of the build context (.dockerignore), but not what the build needs', () => {
    const patterns = readFileSync(join(REPO_DIR, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(patterns.some((p) => p.startsWith('!'))).toBe(false);
    // Docker's matching, as far as these patterns need it: `**/` any directories, `*` within one name.
    const regexes = patterns.map((p) => {
      const body = p
        .split('**/')
        .map((part) =>
          part
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '[^/]*')
            .replace(/\?/g, '[^/]'),
        )
        .join('(?:.*/)?');
      return new RegExp(`^${body}(?:/.*)?$`);
    });
    const ignored = (path: string) => regexes.some((r) => r.test(path));
    expect(ignored('node_modules')).toBe(true);
    expect(ignored('packages/gcc-core/node_modules/x')).toBe(true);
    expect(ignored('packages/gcc-core/dist/index.js')).toBe(true);
    const build = stageByName.get('build')!;
    const needs = copies(build).flatMap((c) => c.sources);
    for (const dir of neededDirs)
      needs.push(`${dir}/src/index.ts`, `${dir}/tsup.config.ts`, `${dir}/tsconfig.json`);
    needs.push(`${workspaces.get('@wrktalk/gcc-core')}/migrations/001.do.initial.sql`);
    for (const p of needs) expect(ignored(p), p).toBe(false);
  });
});
