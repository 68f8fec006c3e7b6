import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');
/** The CLI is the imperative shell; everything else is the functional core. */
const SHELL = new Set(['cli.ts']);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const FORBIDDEN: [string, RegExp][] = [
  ['Date.now', /\bDate\.now\s*\(/],
  ['new Date() without arguments', /\bnew\s+Date\s*\(\s*\)/],
  ['Math.random', /\bMath\.random\b/],
  ['process.', /\bprocess\./],
  ['fs', /from\s+['"](node:)?fs(\/promises)?['"]|require\(\s*['"](node:)?fs/],
  ['fetch', /\bfetch\s*\(/],
  ['performance.now', /\bperformance\.now\b/],
  ['timers', /\bset(Timeout|Interval|Immediate)\s*\(/],
];

describe('the core performs no I/O and reads no clock', () => {
  const core = files(SRC).filter((f) => !SHELL.has(relative(SRC, f)));
  it('finds the source files', () => {
    expect(core.length).toBeGreaterThan(10);
  });
  it.each(FORBIDDEN)('no %s outside src/cli.ts', (_name, pattern) => {
    const offenders = core.filter((f) => pattern.test(readFileSync(f, 'utf8'))).map((f) => relative(SRC, f));
    expect(offenders).toEqual([]);
  });
});
