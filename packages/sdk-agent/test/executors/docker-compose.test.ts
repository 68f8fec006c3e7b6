import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createDockerComposeExecutor, setServiceImage, validateCompose } from '../../src/executors';
import { INJECTION_ATTEMPTS, testContext, testInstruction, testSetInstruction } from '../fakes/context';
import { type FakeClis, installFakeClis } from '../fakes/fake-cli';

const COMPOSE = `# WrkTalk on acme's host — edited by hand, keep these notes!
name: wrktalk

x-common: &common
  restart: unless-stopped   # never "always": see incident 42
  env_file: .env

services:
  backend:
    <<: *common
    # pinned by the update agent
    image: registry.wrktalk.com/wrktalk/backend:2.3.0 # current
    ports:
      - "8080:8080"
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8080/health"]
      interval: 10s

  media:
    image: "registry.wrktalk.com/wrktalk/media:1.0.0"
    depends_on: [backend]
`;

const execFileAsync = promisify(execFile);
/** Debian's docker-compose 1.29 validates a file offline; used when the machine has it. */
const LEGACY_COMPOSE = (() => {
  try {
    execFileSync('docker-compose', ['version'], { stdio: 'ignore' });
    return 'docker-compose';
  } catch {
    return undefined;
  }
})();

let dir: string;
let file: string;
let clis: FakeClis;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wrktalk-compose-'));
  file = join(dir, 'docker-compose.yml');
  await writeFile(file, COMPOSE, { mode: 0o640 });
  clis = await installFakeClis({ badTags: ['6.6.6'] }, ['docker', 'docker-compose']);
});
afterEach(async () => {
  await clis.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const executor = (extra: Partial<Parameters<typeof createDockerComposeExecutor>[0]> = {}) =>
  createDockerComposeExecutor({ file, env: clis.env, pollIntervalMs: 10, ...extra });

describe('setServiceImage', () => {
  it('changes only the image value, keeping comments, anchors and layout', async () => {
    const edit = await setServiceImage(COMPOSE, 'backend', '2.4.0');
    expect(edit.text).toBe(
      COMPOSE.replace('wrktalk/backend:2.3.0 # current', 'wrktalk/backend:2.4.0 # current'),
    );
    expect(edit.previousImage).toBe('registry.wrktalk.com/wrktalk/backend:2.3.0');
    expect(await validateCompose(parse(edit.text, { merge: true }))).toEqual([]);
  });

  it('keeps the quoting style and handles digests', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const edit = await setServiceImage(COMPOSE, 'media', digest);
    expect(edit.text).toContain(`image: "registry.wrktalk.com/wrktalk/media@${digest}"`);
  });

  it('refuses interpolated images and missing services', async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a compose variable, not a JS template.
    const text = 'services:\n  backend:\n    image: registry/x:${TAG}\n';
    await expect(setServiceImage(text, 'backend', '2.4.0')).rejects.toThrow(/interpolation/);
    await expect(setServiceImage(COMPOSE, 'ct', '2.4.0')).rejects.toThrow(/has no image/);
  });

  // Spawns the real docker-compose 1.x (a Python program): seconds on a busy machine.
  it.skipIf(!LEGACY_COMPOSE)(
    'the edited file passes the real `docker-compose config`',
    { timeout: 60_000 },
    async () => {
      // 1.29 predates the top-level `name:` of the compose spec.
      const edit = await setServiceImage(COMPOSE.replace('name: wrktalk\n', ''), 'backend', '2.4.0');
      await writeFile(file, edit.text);
      await writeFile(join(dir, '.env'), '');
      const { stdout } = await execFileAsync(LEGACY_COMPOSE!, ['-f', file, 'config']);
      expect(parse(stdout).services.backend.image).toBe('registry.wrktalk.com/wrktalk/backend:2.4.0');
    },
  );

  it('reports schema problems', async () => {
    expect(await validateCompose({ services: { backend: { image: 'x', restart: 42 } } })).not.toEqual([]);
  });
});

// Against fake servers / fake CLIs spawned on PATH: generous per-test timeouts for a busy machine.
describe('docker-compose executor', { timeout: 60_000 }, () => {
  it('edits the file, backs it up, runs up --wait and verifies (JSON Lines ps)', async () => {
    const exec = executor();
    const ctx = testContext();
    expect(await exec.current(testInstruction(), ctx)).toMatchObject({ version: '2.3.0' });
    await exec.apply(testInstruction(), ctx);
    expect(await exec.verify(testInstruction(), ctx)).toEqual({
      healthy: true,
      message: 'wrktalk-backend-1 running and healthy',
    });
    const edited = await readFile(file, 'utf8');
    expect(edited).toContain('# WrkTalk on acme');
    expect(edited).toContain('image: registry.wrktalk.com/wrktalk/backend:2.4.0 # current');
    expect(await readFile(`${file}.wrktalk-backup`, 'utf8')).toBe(COMPOSE);
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect((await clis.calls()).map((c) => [c.bin, ...c.argv])).toEqual([
      ['docker', 'compose', 'version'],
      ['docker', 'compose', '-f', file, 'up', '-d', '--wait', '--wait-timeout', '30', 'backend'],
      ['docker', 'compose', '-f', file, 'ps', '--format', 'json', 'backend'],
    ]);
  });

  it('parses the JSON array form of ps and containers without healthcheck', async () => {
    await clis.setState((s) => {
      s.psFormat = 'array';
      s.noHealthcheck = true;
    });
    const exec = executor();
    await exec.apply(testInstruction(), testContext());
    expect(await exec.verify(testInstruction(), testContext())).toMatchObject({
      healthy: true,
      message: 'wrktalk-backend-1 running (no healthcheck)',
    });
  });

  it('reports an unhealthy container and reverts from the backup', async () => {
    const exec = executor();
    const ctx = testContext();
    const bad = testInstruction({ version: '6.6.6' });
    await exec.apply(bad, ctx);
    expect(await exec.verify(bad, ctx)).toEqual({
      healthy: false,
      message: 'wrktalk-backend-1 is unhealthy',
    });
    await exec.revert!(bad, ctx);
    expect(await readFile(file, 'utf8')).toBe(COMPOSE);
    const state = await clis.state();
    expect(state.containers['wrktalk-backend-1']).toMatchObject({
      image: 'registry.wrktalk.com/wrktalk/backend:2.3.0',
      health: 'healthy',
    });
  });

  it('does not restore an older backup when this change was not applied from it', async () => {
    const exec = executor();
    await exec.apply(testInstruction(), testContext()); // backup = 2.3.0 file
    await exec.apply(testInstruction({ taskId: 'task-2' }), testContext()); // no-op
    // Revert of a task that never got its version in: go to its previous version, not to the 2.3.0 backup.
    await exec.revert!(
      testInstruction({ taskId: 'task-3', version: '2.5.0', previousVersion: '2.4.0' }),
      testContext(),
    );
    expect(await readFile(file, 'utf8')).toContain('backend:2.4.0 # current');
  });

  it('falls back to docker-compose 1.x when the plugin is missing', async () => {
    await clis.setState((s) => {
      s.composePlugin = false;
    });
    const exec = executor();
    await exec.apply(testInstruction(), testContext());
    expect(await exec.verify(testInstruction(), testContext())).toMatchObject({ healthy: true });
    expect((await clis.calls()).map((c) => [c.bin, ...c.argv])).toEqual([
      ['docker', 'compose', 'version'],
      ['docker-compose', 'version'],
      ['docker-compose', '-f', file, 'up', '-d', 'backend'],
      ['docker-compose', '-f', file, 'ps', '-q', 'backend'],
      ['docker', 'inspect', 'wrktalk-backend-1'],
    ]);
  });

  it('applying the same version twice does not overwrite the backup', async () => {
    const exec = executor();
    await exec.apply(testInstruction(), testContext());
    await exec.apply(testInstruction(), testContext());
    expect(await readFile(`${file}.wrktalk-backup`, 'utf8')).toBe(COMPOSE);
  });

  it.each(INJECTION_ATTEMPTS)('refuses version %j before touching the file', async (version) => {
    await expect(executor().apply(testInstruction({ version }), testContext())).rejects.toMatchObject({
      code: 'invalid_config',
    });
    expect(await readFile(file, 'utf8')).toBe(COMPOSE);
    expect(await clis.calls()).toEqual([]);
  });

  it('doctor reports tool_missing when no compose CLI exists', async () => {
    const exec = executor({
      dockerBinary: '/nonexistent/docker',
      legacyComposeBinary: '/nonexistent/docker-compose',
    });
    const checks = await exec.doctor({ signal: AbortSignal.timeout(30_000), clientId: 'acme' });
    expect(checks[0]).toMatchObject({ name: 'compose CLI', ok: false, code: 'tool_missing' });
  });

  it('rejects bad options at construction', () => {
    expect(() => createDockerComposeExecutor({ file: 'relative.yml', services: { backend: 'a b' } })).toThrow(
      /file.*services.backend/,
    );
  });
});

describe('docker-compose executor: a release set', { timeout: 60_000 }, () => {
  const SET_COMPOSE = `# three services, one file
services:
  backend:
    image: registry.wrktalk.com/wrktalk/backend:4.9.0 # pinned by the agent
  media:
    image: "registry.wrktalk.com/wrktalk/media:4.9.0"
  ct:
    image: 'registry.wrktalk.com/wrktalk/ct:4.9.0'
`;
  beforeEach(() => writeFile(file, SET_COMPOSE));
  const ups = async () =>
    (await clis.calls('docker')).filter((c) => c.argv.includes('up')).map((c) => c.argv);
  const mediaBad = () => {
    const good = testSetInstruction('5.0.0', '4.9.0');
    return {
      ...good,
      components: good.components.map((c) =>
        c.component === 'media'
          ? { ...c, version: '6.6.6', imageUrl: 'registry.wrktalk.com/wrktalk/media:6.6.6' }
          : c,
      ),
    };
  };

  it('rewrites every service in one write, runs ONE `up -d --wait` naming all three, verifies all', async () => {
    const exec = executor();
    const ctx = testContext();
    const set = testSetInstruction('5.0.0', '4.9.0');
    expect(await exec.current(set, ctx)).toMatchObject({
      versions: { backend: '4.9.0', media: '4.9.0', ct: '4.9.0' },
    });
    await exec.apply(set, ctx);
    expect(await ups()).toEqual([
      ['compose', '-f', file, 'up', '-d', '--wait', '--wait-timeout', '30', 'backend', 'media', 'ct'],
    ]);
    expect(await readFile(file, 'utf8')).toBe(SET_COMPOSE.replaceAll(':4.9.0', ':5.0.0'));
    expect(await readFile(`${file}.wrktalk-backup`, 'utf8')).toBe(SET_COMPOSE);
    expect(await exec.verify(set, ctx)).toEqual({
      healthy: true,
      message: 'backend, media, ct running and healthy',
    });
    expect(ctx.lines).toContain(
      `${file}: backend image registry.wrktalk.com/wrktalk/backend:4.9.0 -> registry.wrktalk.com/wrktalk/backend:5.0.0, ` +
        'media image registry.wrktalk.com/wrktalk/media:4.9.0 -> registry.wrktalk.com/wrktalk/media:5.0.0, ' +
        'ct image registry.wrktalk.com/wrktalk/ct:4.9.0 -> registry.wrktalk.com/wrktalk/ct:5.0.0',
    );
  });

  it('media unhealthy: verify names media; revert restores the file and runs ONE `up -d`', async () => {
    const exec = executor();
    const ctx = testContext();
    const set = mediaBad();
    await exec.apply(set, ctx);
    expect(await exec.verify(set, ctx)).toMatchObject({
      healthy: false,
      message: expect.stringMatching(/^media: /),
    });
    await exec.revert!(set, ctx);
    expect(await readFile(file, 'utf8')).toBe(SET_COMPOSE);
    const all = await ups();
    expect(all).toHaveLength(2);
    expect(all[1]).toEqual([
      'compose',
      '-f',
      file,
      'up',
      '-d',
      '--wait',
      '--wait-timeout',
      '30',
      'backend',
      'media',
      'ct',
    ]);
    const containers = (await clis.state()).containers;
    expect(Object.values(containers).map((c) => c.image)).toEqual(
      ['backend', 'media', 'ct'].map((c) => `registry.wrktalk.com/wrktalk/${c}:4.9.0`),
    );
    expect(await exec.verify(testSetInstruction('4.9.0', null), ctx)).toMatchObject({ healthy: true });
  });

  it('without a backup of this change, writes every previous version in one edit', async () => {
    const exec = executor();
    const ctx = testContext();
    await writeFile(file, SET_COMPOSE.replaceAll(':4.9.0', ':5.0.0'));
    await exec.revert!(testSetInstruction('5.0.0', '4.9.0'), ctx);
    expect(await readFile(file, 'utf8')).toBe(SET_COMPOSE);
    expect(await ups()).toHaveLength(1);
  });
});
