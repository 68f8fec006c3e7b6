/**
 * Repository-wide packaging checks:
 * - no documented or scripted `npx <bin>` of ours can fetch a same-named package from the public registry;
 * - each publishable `@wrktalk/*` tarball (`npm pack`) holds only its build, README and package.json;
 * - nothing private can be published by accident.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const THIS_FILE = relative(ROOT, fileURLToPath(import.meta.url));
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'coverage', '.gcc-data']);
const TEXT =
  /\.(md|mdx|markdown|txt|sh|bash|mjs|cjs|js|ts|mts|cts|json|ya?ml|toml|env|tpl)$|(^|\/)(Dockerfile|Makefile|run)$/;

/** Every file of the repository, relative to its root (build output, dependencies and git's own files left out). */
function repoFiles(dir = ROOT): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) out.push(...repoFiles(join(dir, e.name)));
    } else if (e.isFile()) out.push(relative(ROOT, join(dir, e.name)));
  }
  return out;
}

interface Pkg {
  name: string;
  private?: boolean;
  bin?: string | Record<string, string>;
  files?: string[];
  publishConfig?: { access?: string; registry?: string };
  workspaces?: string[];
}
const read = (file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Pkg;
const files = repoFiles();
const manifests = files.filter((f) => f.endsWith('package.json') && !f.includes('/test/fixtures/'));

/** The command names of every `bin` in the repository's package.json files. */
function binNames(): string[] {
  const names = new Set<string>();
  for (const m of manifests) {
    const p = read(m);
    if (typeof p.bin === 'string') names.add(p.name.replace(/^@[^/]+\//, ''));
    else for (const b of Object.keys(p.bin ?? {})) names.add(b);
  }
  return [...names].sort();
}

const NPX = /\bnpx\b|\bnpm\s+(?:exec|x)\b/g;

/**
 * The `npx` / `npm exec` calls in `text` that run one of `bins` in a way that may download a package of that name from
 * the public registry: without `--no` (npx installs a missing package, without asking when not on a terminal) and
 * without `--package=@wrktalk/…`. They must also put `--` before the bin: `npx --no wrktalk-sim --list` hands
 * `--list` to npm (npm 11 warns "Unknown cli config") instead of to the bin.
 */
function unsafeNpxCalls(
  text: string,
  bins: readonly string[],
): { line: number; call: string; why: string }[] {
  const out: { line: number; call: string; why: string }[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    for (const m of line.matchAll(NPX)) {
      const call = line
        .slice(m.index)
        .split(/`|\||;|&&|\)|"|'(?=\s|$)/)[0]!
        .trim();
      const tokens = call.split(/\s+/).slice(m[0].startsWith('npx') ? 1 : 2);
      let refuses = false;
      let scoped = false;
      let dashes = false;
      let command: string | undefined;
      for (let t = 0; t < tokens.length && command === undefined; t++) {
        const tok = tokens[t]!;
        if (tok === '--') dashes = true;
        else if (!dashes && tok.startsWith('-')) {
          if (tok === '--no' || tok === '--no-install' || tok === '--yes=false') refuses = true;
          const pkg =
            /^(?:--package|-p)=(.+)$/.exec(tok)?.[1] ??
            (tok === '--package' || tok === '-p' ? tokens[++t] : undefined);
          if (pkg?.startsWith('@wrktalk/')) scoped = true;
        } else command = tok;
      }
      if (command === undefined || !bins.includes(command)) continue;
      if (!refuses && !scoped)
        out.push({
          line: i + 1,
          call,
          why: 'may download a public package of that name: use npx --no -- <bin>',
        });
      else if (!dashes) out.push({ line: i + 1, call, why: 'put -- before the bin, or npm takes its flags' });
    }
  }
  return out;
}

describe('bin names never resolve to the public registry', () => {
  const bins = binNames();

  it('collects our bins from every package.json', () => {
    for (const b of [
      'wrktalk-plan',
      'wrktalk-gcc',
      'wrktalk-agent',
      'wrktalk-sim',
      'wrktalk-onboard',
      'wrktalk-demo',
    ])
      expect(bins).toContain(b);
  });

  const npx = 'np' + 'x'; // so that this file's own examples are not matched by a scan of its text
  const DOWNLOAD = 'may download';
  const DASHES = 'put -- before the bin';
  it.each([
    [`${npx} wrktalk-sim --list`, [DOWNLOAD]],
    [`GCC_DATA_DIR=x ${npx} wrktalk-gcc serve`, [DOWNLOAD]],
    [`\`${npx} wrktalk-plan\` works at once`, [DOWNLOAD]],
    [`${npx} --yes wrktalk-onboard --client a`, [DOWNLOAD]],
    ['npm exec wrktalk-agent', [DOWNLOAD]],
    [`${npx} --no wrktalk-sim --list`, [DASHES]],
    [`${npx} --no -- wrktalk-sim --list`, []],
    ['npm exec --package=@wrktalk/rollout-planner -- wrktalk-plan clients.json', []],
    [`${npx} -p @wrktalk/rollout-planner -- wrktalk-plan`, []],
    [`${npx} tsx examples/minikube/test/guide.ts --write`, []],
    [`${npx} wrktalk-planner`, []],
  ])('%s', (line, whys) => {
    expect(unsafeNpxCalls(line, bins).map((c) => (c.why.startsWith(DOWNLOAD) ? DOWNLOAD : DASHES))).toEqual(
      whys,
    );
  });

  it('no README, markdown file or script runs one of them with a bare npx (fix: npx --no -- <bin>)', () => {
    const found: string[] = [];
    for (const f of files) {
      if (f === THIS_FILE || !TEXT.test(f) || statSync(join(ROOT, f)).size > 1_000_000) continue;
      const text = readFileSync(join(ROOT, f), 'utf8');
      if (text.includes('\0')) continue;
      for (const c of unsafeNpxCalls(text, bins)) found.push(`${f}:${c.line}: ${c.call} (${c.why})`);
    }
    expect(found).toEqual([]);
  });
});

describe('publishing', () => {
  const root = read('package.json');
  const workspaces = (root.workspaces ?? []).map((w) => ({ dir: w, pkg: read(`${w}/package.json`) }));
  const publishable = workspaces.filter((w) => w.pkg.private !== true);

  it('only the packages/* libraries are publishable; every other package.json is private', () => {
    expect(root.private).toBe(true);
    expect(publishable.map((w) => w.dir).sort()).toEqual(
      workspaces
        .filter((w) => w.dir.startsWith('packages/'))
        .map((w) => w.dir)
        .sort(),
    );
    for (const m of manifests) {
      if (m.startsWith('packages/') && m.split('/').length === 3) continue;
      expect(read(m).private, `${m} must say "private": true`).toBe(true);
    }
  });

  it('the publishable ones are @wrktalk/*, restricted, with a files list; changesets never versions private ones', () => {
    for (const { dir, pkg } of publishable) {
      expect(pkg.name, dir).toMatch(/^@wrktalk\//);
      expect(pkg.publishConfig?.access, dir).toBe('restricted');
      expect(pkg.files, dir).toContain('dist');
      // When a registry is set, it is never the public one.
      expect(pkg.publishConfig?.registry ?? '', dir).not.toMatch(/registry\.npmjs\.org/);
    }
    const changesets = JSON.parse(readFileSync(join(ROOT, '.changeset/config.json'), 'utf8'));
    expect(changesets.access).toBe('restricted');
    expect(changesets.privatePackages).toEqual({ version: false, tag: false });
  });

  // What each tarball may hold besides package.json, README.md and dist/: the planner's bin (wrktalk-plan runs
  // dist/cli.js) and gcc-core's SQL migrations (read at run time).
  const EXTRA: Record<string, string[]> = {
    'packages/rollout-planner': ['bin/'],
    'packages/gcc-core': ['migrations/'],
  };

  it.each(publishable.map((w) => [w.dir]))(
    'npm pack -w %s holds only dist/, README.md and package.json',
    { timeout: 60_000 },
    (dir) => {
      const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', '-w', dir], {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const paths = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
      const allowed = ['dist/', ...(EXTRA[dir] ?? [])];
      const unexpected = paths.filter(
        (p) => p !== 'package.json' && p !== 'README.md' && !allowed.some((a) => p.startsWith(a)),
      );
      expect(unexpected).toEqual([]);
      expect(paths).toContain('README.md');
      expect(
        paths.filter((p) => p.startsWith('dist/')).length,
        `${dir} is not built: npm run build`,
      ).toBeGreaterThan(0);
    },
  );
});
