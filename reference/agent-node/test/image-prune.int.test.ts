/**
 * The agent image's install and prune, run for real without docker or network: in a temp directory holding what the
 * Dockerfile's build stage copies before `npm ci`, its own `npm ci …` and `npm prune …` commands (read from the
 * Dockerfile) run with `--offline`, from the npm cache a `npm ci` of this repository filled. What stays must be the
 * production dependency closure of the agent's workspaces, no root dev tool, all of it under paths the runtime stage
 * copies. Integration project: it needs the machine's npm cache (skipped, saying so, when the cache lacks a package).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
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
  workspaces,
} from './helpers/image';

const run = promisify(execFile);
const all = workspaces();
const agentDir = all.get(AGENT)!;
const neededDirs = [...runtimeWorkspaces()].map((n) => all.get(n)!);
const stages = parseDockerfile(readFileSync(join(REPO_DIR, agentDir, 'Dockerfile'), 'utf8'));
const build = stages.find((s) => s.name === 'build')!;
const runtime = stages.at(-1)!;
const ci = commands(build).find((c) => /^npm ci\b/.test(c))!;
const prune = commands(build).find((c) => /^npm prune\b/.test(c))!;

/** Every installed package under `dir`'s node_modules trees (real directories; workspace links left out). */
async function installed(root: string, dir = ''): Promise<string[]> {
  const out: string[] = [];
  const modules = dir === '' ? 'node_modules' : `${dir}/node_modules`;
  let names: string[];
  try {
    names = await readdir(join(root, modules));
  } catch {
    return out;
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const scoped = name.startsWith('@')
      ? (await readdir(join(root, modules, name))).map((n) => `${name}/${n}`)
      : [name];
    for (const n of scoped) {
      const path = `${modules}/${n}`;
      if ((await lstat(join(root, path))).isSymbolicLink()) continue;
      out.push(path, ...(await installed(root, path)));
    }
  }
  return out;
}

describe('the agent image: npm ci and npm prune of its build stage, for real', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('leaves exactly the production closure, no root dev tool, all under what the runtime stage copies', async (ctx) => {
    dir = await mkdtemp(join(tmpdir(), 'agent-image-'));
    const ciAt = build.instructions.findIndex((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args));
    for (const c of copies({ ...build, instructions: build.instructions.slice(0, ciAt) })) {
      for (const source of c.sources) {
        // Every one of these COPYs names a directory as its destination (`./`, `packages/x/`).
        const to = join(dir, c.dest, source.split('/').pop()!);
        await mkdir(dirname(to), { recursive: true });
        await cp(join(REPO_DIR, source), to);
      }
    }
    const npm = async (command: string) =>
      run('npm', [...command.split(/\s+/).slice(1), '--offline', '--no-audit', '--no-fund'], {
        cwd: dir,
        maxBuffer: 64 * 1024 * 1024,
      });
    try {
      await npm(ci);
    } catch (error) {
      const text = String((error as { stderr?: string }).stderr ?? error);
      if (/ENOTCACHED/.test(text))
        ctx.skip(`the npm cache lacks a package of the lockfile (run npm ci first): ${text}`);
      throw error;
    }
    const devTools = Object.keys(readJson('package.json').devDependencies as Record<string, string>);
    const before = new Set(await installed(dir));
    // The build stage has the tools it builds with…
    for (const tool of ['vitest', 'tsup', 'tsx', '@biomejs/biome'])
      expect(before.has(`node_modules/${tool}`), tool).toBe(true);
    await npm(prune);
    const after = await installed(dir);
    for (const ws of neededDirs) after.push(...(await installed(dir, ws)));
    // …and after the prune only the production closure is left, as the lockfile resolves it.
    const closure = [...lockClosure(neededDirs)].filter((p) => !neededDirs.includes(p));
    expect(new Set(after)).toEqual(new Set(closure));
    for (const tool of devTools.filter((t) => !t.startsWith('@types/')))
      expect(after, tool).not.toContain(`node_modules/${tool}`);
    // Everything left is under a path the runtime stage copies from the build stage.
    const copied = copies(runtime)
      .filter((c) => c.from === 'build')
      .flatMap((c) => c.sources.map(appRelative));
    for (const p of after)
      expect(
        copied.some((c) => p === c || p.startsWith(`${c}/`)),
        p,
      ).toBe(true);
    // The agent's commander is the 14 its package.json asks for, from its own node_modules (the root has none now).
    expect(after).toContain(`${agentDir}/node_modules/commander`);
    expect(after).not.toContain('node_modules/commander');
  }, 300_000);
});
