import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildableWorkspaces, closure, staleReason } from './build-if-stale.mjs';

const root = mkdtempSync(join(tmpdir(), 'build-if-stale-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes `file` (under the temporary root) with the modification time `t` seconds after 2026-01-01. */
function put(file: string, t: number, text = '') {
  const path = join(root, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  const when = new Date(Date.UTC(2026, 0, 1) + t * 1000);
  utimesSync(path, when, when);
}

describe('scripts/build-if-stale.mjs (npm run serve and start:fake build only what changed)', () => {
  put('package.json', 0, JSON.stringify({ workspaces: ['packages/a', 'packages/b', 'examples/c'] }));
  put('tsconfig.base.json', 0);
  put('packages/a/package.json', 0, JSON.stringify({ name: '@x/a', scripts: { build: 'tsup' } }));
  put(
    'packages/b/package.json',
    0,
    JSON.stringify({ name: '@x/b', scripts: { build: 'tsup' }, dependencies: { '@x/a': '1' } }),
  );
  put('examples/c/package.json', 0, JSON.stringify({ name: '@x/c', devDependencies: { '@x/b': '1' } }));
  const a = join(root, 'packages/a');
  const b = join(root, 'packages/b');

  it.each([
    ['no dist/', () => put('packages/a/src/index.ts', 10), 'dist/ is missing'],
    ['dist/ newer than every input', () => put('packages/a/dist/index.js', 20), undefined],
    [
      'a source edited after the build',
      () => put('packages/a/src/deep/x.ts', 30),
      'packages/a/src/deep/x.ts is newer than its dist/',
    ],
    ['rebuilt', () => put('packages/a/dist/index.js', 40), undefined],
    [
      'tsup.config.ts changed',
      () => put('packages/a/tsup.config.ts', 50),
      'packages/a/tsup.config.ts is newer than its dist/',
    ],
    ['rebuilt again', () => put('packages/a/dist/index.d.ts', 60), undefined],
    [
      'the root tsconfig.base.json changed',
      () => put('tsconfig.base.json', 70),
      'tsconfig.base.json is newer than its dist/',
    ],
  ])('%s', (_, change, reason) => {
    change();
    expect(staleReason(a, [], root)).toBe(reason);
  });

  it("a dependency's newer dist/ makes its dependents stale", () => {
    put('packages/a/dist/index.d.ts', 100);
    put('packages/b/src/index.ts', 90);
    put('packages/b/dist/index.js', 95);
    expect(staleReason(b, [], root)).toBeUndefined();
    expect(staleReason(b, [a], root)).toBe('packages/a/dist/index.d.ts is newer than its dist/');
    put('packages/b/dist/index.js', 110);
    expect(staleReason(b, [a], root)).toBeUndefined();
  });

  it('takes the workspaces a target needs, dependencies first, in workspaces order', () => {
    const all = buildableWorkspaces(root);
    expect(all).toEqual([
      { path: 'packages/a', dir: a, build: true, deps: [] },
      { path: 'packages/b', dir: b, build: true, deps: ['packages/a'] },
      { path: 'examples/c', dir: join(root, 'examples/c'), build: false, deps: ['packages/b'] },
    ]);
    expect(closure(all, ['packages/b']).map((w) => w.path)).toEqual(['packages/a', 'packages/b']);
    expect(closure(all, []).length).toBe(3);
    expect(() => closure(all, ['nope'])).toThrow(/not a workspace: nope/);
  });
});
