import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../src/config';
import { run } from './helpers/run-cli';

const source = (file: string) => readFileSync(new URL(`../src/${file}`, import.meta.url), 'utf8');

/**
 * Every environment variable the package reads, found in its sources rather than taken from `ENVIRONMENT` (which the
 * help prints), so that a variable added to config.ts's schema but not to `ENVIRONMENT` fails here: the keys of
 * `const schema = z.object({…})` in config.ts, and every `env.NAME` / `env['NAME']` of any source file (signing.ts,
 * the CLI's own `GCC_URL` and `GCC_TOKEN`, …).
 */
function variablesRead(): string[] {
  const config = source('config.ts');
  const schema = /const schema = z\.object\(\{\n([\s\S]*?)\n\}\);/.exec(config)?.[1];
  if (!schema) throw new Error('config.ts has no `const schema = z.object({…});`');
  const names = new Set<string>();
  for (const m of schema.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)) names.add(m[1]!);
  const files = readdirSync(new URL('../src/', import.meta.url), { recursive: true, encoding: 'utf8' });
  for (const file of files.filter((f) => f.endsWith('.ts'))) {
    for (const m of source(file).matchAll(/\benv(?:\.([A-Z][A-Z0-9_]+)|\[['"]([A-Z][A-Z0-9_]+)['"]\])/g)) {
      names.add((m[1] ?? m[2])!);
    }
  }
  return [...names].sort();
}

describe('wrktalk-gcc --help and --version', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const r = await run(['--version']);
    expect(r).toEqual({ code: 0, out: `${pkg.version}\n`, err: '' });
    expect((await run(['-V'])).out).toBe(`${pkg.version}\n`);
  });

  it('the root --help lists every variable the sources read (config.ts’s and the API commands’) and the exit codes', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    const read = variablesRead();
    expect(read.length).toBeGreaterThan(25);
    expect(read).toEqual(
      expect.arrayContaining(['GCC_SIGNING_KEY', 'GCC_ALLOWED_REGISTRIES', 'GCC_URL', 'GCC_TOKEN']),
    );
    for (const name of [...read, ...Object.keys(ENVIRONMENT)]) {
      expect(out, name).toMatch(new RegExp(`^ {2}${name} +\\S`, 'm'));
    }
    expect(out).toMatch(/^Exit codes: 0 done; 1 /m);
    // Only on the root: a command's help stays about the command.
    expect((await run(['deployments', 'watch', '--help'])).out).not.toContain('GCC_DATA_DIR');
  });

  it('a root option after the command is the command’s (releases register --version)', async () => {
    const r = await run(
      ['releases', 'register', '--component', 'backend', '--version', '1.2.3', '--image', 'x'],
      {},
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--server <url> or GCC_URL/); // it got as far as needing a server
    expect(r.out).toBe('');
  });
});

/** A command of the CLI as its `--help` shows it: the path, its names (with aliases) and its long options. */
interface HelpCommand {
  path: string[];
  names: string[];
  options: string[];
}

/** The section `title:` of a help text: the first word of each entry (entries start with exactly two spaces). */
function entries(help: string, title: string): string[] {
  const section = help.split(`\n${title}:\n`)[1]?.split(/\n\n/)[0] ?? '';
  return section
    .split('\n')
    .filter((l) => /^ {2}\S/.test(l))
    .map((l) => l.trim().split(/ {2,}/)[0]!);
}

/** Every command, found by walking `--help` from the root (independently of the completion's own walk). */
async function walkHelp(path: string[] = [], names: string[] = []): Promise<HelpCommand[]> {
  const { code, out } = await run([...path, '--help']);
  expect(code, path.join(' ')).toBe(0);
  const options = entries(out, 'Options').flatMap((flags) => flags.match(/--[a-z][a-z-]*/g) ?? []);
  const here: HelpCommand = { path, names, options };
  const subs = entries(out, 'Commands').map((e) => e.split(' ')[0]!.split('|'));
  const below = await Promise.all(
    subs.filter(([name]) => name !== 'help').map((n) => walkHelp([...path, n[0]!], n)),
  );
  return [here, ...below.flat()];
}

describe('wrktalk-gcc completion bash|zsh', () => {
  let commands: HelpCommand[];
  let dir: string;
  let bash: string;
  let zsh: string;

  beforeAll(async () => {
    commands = await walkHelp();
    dir = mkdtempSync(join(tmpdir(), 'gcc-completion-'));
    const b = await run(['completion', 'bash']);
    const z = await run(['completion', 'zsh']);
    expect(b.code, b.err).toBe(0);
    expect(z.code, z.err).toBe(0);
    bash = join(dir, 'wrktalk-gcc.bash');
    zsh = join(dir, '_wrktalk-gcc');
    writeFileSync(bash, b.out);
    writeFileSync(zsh, z.out);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('walks a tree that has every command the task names', () => {
    const paths = commands.map((c) => c.path.join(' '));
    for (const p of [
      'releases list',
      'releases register',
      'deploy',
      'deployments list',
      'deployments get',
      'deployments watch',
      'deployments pause',
      'deployments resume',
      'deployments abort',
      'deployments rollback',
      'approvals list',
      'approvals approve',
      'approvals reject',
      'clients list',
      'clients get',
      'clients create',
      'tokens revoke',
      'tokens rotate',
      'completion',
    ]) {
      expect(paths).toContain(p);
    }
  });

  /**
   * Asks the bash completion what it offers after each command line (`words`, the last one being completed), all in
   * one bash process; one line of offered words per query.
   */
  function bashOffers(queries: string[][]): string[][] {
    const script = [
      `source ${JSON.stringify(bash)}`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash expansions, not a JS template.
      'ask() { COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=(); _wrktalk_gcc_complete; echo "${COMPREPLY[*]}"; }',
      ...queries.map((q) => `ask wrktalk-gcc ${q.map((w) => `'${w}'`).join(' ')}`),
    ].join('\n');
    const out = execFileSync('bash', ['--norc', '--noprofile', '-c', script], { encoding: 'utf8', cwd: dir });
    return out
      .split('\n')
      .slice(0, queries.length)
      .map((l) => l.split(' ').filter((w) => w !== ''));
  }

  it('bash: offers every command (and alias) after its parent, and every option of every command', () => {
    execFileSync('bash', ['-n', bash]);
    const queries: string[][] = [];
    const expected: string[][] = [];
    for (const c of commands) {
      const parent = commands.find((p) => p.path.join(' ') === c.path.slice(0, -1).join(' '))!;
      if (c.path.length > 0) {
        queries.push([...parent.path, '']);
        expected.push(c.names);
      }
      queries.push([...c.path, '--']);
      expected.push(c.options);
    }
    const offers = bashOffers(queries);
    expected.forEach((words, i) => {
      for (const w of words) expect(offers[i], `${queries[i]!.join(' ')} → ${w}`).toContain(w);
    });
  });

  it('bash: completes a prefix, option values from their choices, files, and nothing for free values', () => {
    writeFileSync(join(dir, 'strategy.yaml'), 'stages: []\n');
    const [prefix, alias, status, file, free, shell] = bashOffers([
      ['deployments', 'wa'],
      ['deployment', 'pa'],
      ['deployments', 'list', '--status', 'roll'],
      ['deploy', '--strategy', 'str'],
      ['deploy', '--clients', ''],
      ['completion', ''],
    ]);
    expect(prefix).toEqual(['watch']);
    expect(alias).toEqual(['pause']);
    expect(status).toEqual(['rolling_back', 'rolled_back']);
    expect(file).toEqual(['strategy.yaml']);
    expect(free).toEqual([]);
    expect(shell).toEqual(expect.arrayContaining(['bash', 'zsh']));
  });

  // Skipped where zsh is not installed (.ci/run installs Debian's zsh); the bash check above runs everywhere.
  it.runIf(existsSync('/usr/bin/zsh') || existsSync('/bin/zsh'))(
    'zsh: valid, and offers every command after its parent and every option (completion system stubbed)',
    () => {
      execFileSync('zsh', ['-n', zsh]);
      const queries: string[][] = [];
      const expected: string[][] = [];
      for (const c of commands) {
        if (c.path.length > 0) {
          queries.push([...c.path.slice(0, -1), '']);
          expected.push(c.names);
        }
        queries.push([...c.path, '--']);
        expected.push(c.options);
      }
      // The completion system's functions print what they are given: one line of words per query.
      const script = [
        'compdef() { :; }',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: zsh expansions, not a JS template.
        '_describe() { local name=${@[-1]}; local e; for e in ${(P)name}; do print -rn -- "${e%%:*} "; done; }',
        'compadd() { [[ $1 == -- ]] && shift; print -rn -- "$* "; }',
        '_files() { print -rn -- "<files> "; }',
        '_message() { print -rn -- "<value> "; }',
        `source ${JSON.stringify(zsh)}`,
        ...queries.map(
          (q) =>
            `words=(wrktalk-gcc ${q.map((w) => `'${w}'`).join(' ')}); CURRENT=${q.length + 1}; _wrktalk_gcc; print`,
        ),
      ].join('\n');
      const out = execFileSync('zsh', ['-f', '-c', script], { encoding: 'utf8' }).split('\n');
      expected.forEach((words, i) => {
        const offered = out[i]!.split(' ');
        for (const w of words) expect(offered, `${queries[i]!.join(' ')} → ${w}`).toContain(w);
      });
    },
  );

  it('refuses an unknown shell (exit 2)', async () => {
    const r = await run(['completion', 'fish']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Allowed choices are bash, zsh/);
  });
});
