/**
 * deploy/README.md quotes the install commands of the chart READMEs; a quoted command that no longer appears in
 * its source README would be a command nobody checks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEPLOY_DIR } from './helpers/chart-render';

/** The commands of a markdown file's sh/bash blocks, continuation lines joined, whitespace collapsed. */
function commands(file: string): string[] {
  const text = readFileSync(join(DEPLOY_DIR, file), 'utf8');
  const out: string[] = [];
  for (const block of text.matchAll(/^```(?:sh|bash)[^\n]*\n([\s\S]*?)^```$/gm)) {
    const joined = block[1]!.replace(/\\\n\s*/g, ' ');
    for (const line of joined.split('\n')) {
      const command = line.replace(/\s+/g, ' ').trim();
      if (command !== '' && !command.startsWith('#')) out.push(command);
    }
  }
  return out;
}

describe('deploy/README.md', () => {
  const sources = ['gcc/README.md', 'agent/README.md', 'client/README.md', 'docker-host/README.md'];
  const documented = new Set(sources.flatMap(commands));

  it('quotes only commands that its chart READMEs give in full', () => {
    const quoted = commands('README.md');
    expect(quoted.length).toBeGreaterThanOrEqual(6);
    for (const command of quoted) expect(documented, command).toContain(command);
  });

  it('links every README and path it lists', () => {
    const text = readFileSync(join(DEPLOY_DIR, 'README.md'), 'utf8');
    for (const link of text.matchAll(/\]\(([^)#]+)\)/g)) {
      expect(() => readFileSync(join(DEPLOY_DIR, link[1]!)), link[1]).not.toThrow();
    }
  });
});
