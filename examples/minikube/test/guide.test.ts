import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allRegions, codeBlocks, promisedOutput, SCRIPTS, SHELL_LANGS, syncReadme } from './guide';
import { DOCKER_HOST_DIR, has, MINIKUBE_DIR } from './helpers';

const readme = readFileSync(join(MINIKUBE_DIR, 'README.md'), 'utf8');
const dockerReadme = readFileSync(join(DOCKER_HOST_DIR, 'README.md'), 'utf8');
const regions = allRegions();

describe('scripts', () => {
  it.each([...SCRIPTS])('%s passes bash -n', (file) => {
    const out = spawnSync('bash', ['-n', file], { cwd: MINIKUBE_DIR, encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
  });
  it.each(['up.sh', 'demo.sh', 'down.sh'])('%s is strict bash', (file) => {
    const text = readFileSync(join(MINIKUBE_DIR, file), 'utf8');
    expect(text.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(text).toContain('\nset -euo pipefail\n');
  });
  const hasShellcheck = has('shellcheck');
  if (!hasShellcheck)
    it.skip('shellcheck skipped: shellcheck is not installed (apt-get install -y shellcheck)');
  it.skipIf(!hasShellcheck)('pass shellcheck', () => {
    const out = spawnSync('shellcheck', ['-x', ...SCRIPTS], { cwd: MINIKUBE_DIR, encoding: 'utf8' });
    expect(out.status, out.stdout).toBe(0);
  });
});

describe('the guide and the scripts cannot drift', () => {
  const blocks = codeBlocks(readme);
  const shellBlocks = blocks.filter((b) => SHELL_LANGS.has(b.lang));

  it('every shell block is tagged: a script region or `offline`', () => {
    const bad = shellBlocks.filter((b) => b.tag !== 'offline' && !/^[a-z]+\.sh#[a-z0-9-]+$/.test(b.tag));
    expect(bad.map((b) => `README.md:${b.line} "${b.lang} ${b.tag}"`)).toEqual([]);
  });

  it('every script region is shown exactly once, and every region block names an existing region', () => {
    const shown = shellBlocks.filter((b) => b.tag !== 'offline').map((b) => b.tag);
    expect(shown.sort()).toEqual(regions.map((r) => `${r.file}#${r.name}`).sort());
  });

  it('every region block is identical to the script (fix: npx tsx examples/minikube/test/guide.ts --write)', () => {
    expect(syncReadme(readme, regions)).toBe(readme);
  });

  it('the steps 1-8 are all there', () => {
    for (let n = 1; n <= 8; n++) expect(readme).toMatch(new RegExp(`^## ${n}\\. `, 'm'));
  });
});

/**
 * Runs a README block with bash in `cwd`; skips it, with the reason, when a required tool is missing. With
 * `checkPromises`, what the guide says you will see after the block (`promisedOutput`) must be in its output.
 */
function runOfflineBlocks(
  name: string,
  markdown: string,
  cwd: string,
  allowed: string[],
  checkPromises = false,
) {
  const blocks = codeBlocks(markdown).filter((b) => SHELL_LANGS.has(b.lang));
  it(`${name}: every shell block is tagged (${allowed.join(', ')})`, () => {
    const bad = blocks.filter(
      (b) => !allowed.includes(b.tag) && !(allowed.includes('region') && /^[a-z]+\.sh#/.test(b.tag)),
    );
    expect(bad.map((b) => `${name}:${b.line} "${b.lang} ${b.tag}"`)).toEqual([]);
  });
  for (const b of blocks) {
    if (b.tag === 'offline') {
      const missing = (b.attrs.requires ?? '').split(',').filter((t) => t && !has(t));
      if (missing.length) {
        it.skip(
          `${name}:${b.line} offline block skipped: ${missing.join(', ')} not installed on this machine`,
        );
        continue;
      }
      it(`${name}:${b.line} offline block runs`, () => {
        const out = spawnSync('bash', ['-euo', 'pipefail', '-c', b.text], {
          cwd,
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect(out.status, `${out.stdout}\n${out.stderr}`).toBe(0);
        if (checkPromises)
          for (const promised of promisedOutput(markdown, b))
            expect(out.stdout, `the guide says you should see ${promised}`).toContain(promised);
      }, 90_000);
    } else {
      it(`${name}:${b.line} ${b.tag} block is valid bash`, () => {
        const out = spawnSync('bash', ['-n', '-c', b.text], { encoding: 'utf8' });
        expect(out.status, out.stderr).toBe(0);
      });
    }
  }
}

describe('commands that need no cluster are run', () => {
  runOfflineBlocks('minikube/README.md', readme, MINIKUBE_DIR, ['offline', 'region'], true);

  it('what the guide says an offline block prints is read (so the check above is not empty)', () => {
    const promises = codeBlocks(readme)
      .filter((b) => b.tag === 'offline')
      .map((b) => promisedOutput(readme, b));
    expect(promises).toContainEqual([
      'name: wrktalk-acme',
      'releaseName: wrktalk-acme',
      'namespace: wrktalk-acme',
    ]);
    expect(promises).toContainEqual(['v1', '<p id="version">version v1</p>']);
    expect(promises).toContainEqual(['function']);
  });
  runOfflineBlocks('docker-host/README.md', dockerReadme, DOCKER_HOST_DIR, ['offline', 'docker']);

  it('docker-host blocks only name files that exist', () => {
    for (const b of codeBlocks(dockerReadme)) {
      for (const m of b.text.matchAll(/-f (\S+\.(?:ya?ml|Dockerfile))/g)) {
        const base = m[1]!.startsWith('reference/') ? join(DOCKER_HOST_DIR, '../..') : DOCKER_HOST_DIR;
        expect(existsSync(join(base, m[1]!)), m[1]).toBe(true);
      }
    }
  });
});
