/**
 * The embedded (PGlite) data directory belongs to one process at a time. Before the lock, `wrktalk-gcc client create`
 * beside a running `serve` printed "Created client" and exited 0, but the server never saw the client and it was gone
 * after a restart: two PGlite instances on one directory, the second one's writes lost.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { DATA_DIR_LOCK_STALE_MS, HOLDER_NAME, LOCK_NAME, lockDataDir } from '../src/data-dir-lock';
import { isDataDirLockedError } from '../src/errors/data-dir-locked-error';
import { createLogger, openConfiguredDatabase, openGcc } from '../src/server';
import { freePort, type GccProcess, startGccProcess, stopGccProcess } from './helpers/gcc-process';
import { run } from './helpers/run-cli';

const ADMIN = 'lock-test-admin-token-0123456789';
const CREATE = ['client', 'create', '--id', 'acme', '--name', 'Acme', '--target-kind', 'docker'];

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gcc-lock-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function getClient(url: string, id: string): Promise<number> {
  const r = await fetch(`${url}/api/v1/clients/${id}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  await r.body?.cancel();
  return r.status;
}

describe('the data directory lock, against a real `wrktalk-gcc serve`', () => {
  let gcc: GccProcess | undefined;
  afterEach(async () => {
    await stopGccProcess(gcc);
    gcc = undefined;
  });

  it('refuses client create, token issue/revoke, migrate and worker while serve runs; nothing is written; works once serve stops', {
    timeout: 120_000,
  }, async () => {
    const dir = await tempDir();
    const port = await freePort();
    const env = { GCC_DATA_DIR: dir, LOG_LEVEL: 'silent', GCC_RUN_WORKER: 'false' };
    gcc = await startGccProcess({ GCC_DATA_DIR: dir, PORT: String(port), GCC_ADMIN_TOKEN: ADMIN });

    for (const args of [
      CREATE,
      ['token', 'issue', '--role', 'admin', '--name', 'ops'],
      ['token', 'revoke', 'tok-abc'],
      ['migrate'],
    ]) {
      const r = await run(args, env);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toContain(`the data directory ${dir} is in use by another process: pid ${gcc.pid}`);
      expect(r.err).toMatch(/\(wrktalk-gcc serve\)/);
      expect(r.err).toContain(`serving http://127.0.0.1:${port}`);
      expect(r.err).toContain(
        `Stop it first, or run this command against the running server with --server http://127.0.0.1:${port} (or GCC_URL=http://127.0.0.1:${port})`,
      );
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    // `worker` runs until a signal: refused before it starts.
    const worker = await run(['worker'], env, { shutdownSignal: () => new Promise(() => undefined) });
    expect(worker.code).toBe(1);
    expect(worker.err).toMatch(/is in use by another process/);

    // The server never got a client, and its own writes still work.
    expect(await getClient(gcc.url, 'acme')).toBe(404);
    const created = await fetch(`${gcc.url}/api/v1/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'globex', name: 'Globex', target_kind: 'docker', labels: {} }),
    });
    expect(created.status).toBe(201);

    // Stopped cleanly: the lock is released, and the same command now works and lasts.
    await stopGccProcess(gcc);
    gcc = undefined;
    expect(existsSync(join(dir, LOCK_NAME))).toBe(false);
    const again = await run(CREATE, env);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/Created client acme/);
    gcc = await startGccProcess({ GCC_DATA_DIR: dir, PORT: String(port), GCC_ADMIN_TOKEN: ADMIN });
    expect(await getClient(gcc.url, 'acme')).toBe(200);
    expect(await getClient(gcc.url, 'globex')).toBe(200);
  });

  it('a holder killed with SIGKILL does not lock the directory for ever: its lock goes stale and is taken over', {
    timeout: 120_000,
  }, async () => {
    const dir = await tempDir();
    const port = await freePort();
    gcc = await startGccProcess({ GCC_DATA_DIR: dir, PORT: String(port), GCC_ADMIN_TOKEN: ADMIN });
    gcc.child.kill('SIGKILL');
    await gcc.exited;
    const killedAt = Date.now();
    gcc = undefined;
    expect(existsSync(join(dir, LOCK_NAME))).toBe(true); // no exit hook ran

    const env = { GCC_DATA_DIR: dir, LOG_LEVEL: 'silent' };
    const refused = await run(['migrate'], env);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/If that process has died, its lock goes stale 20 s after its last refresh/);
    let r = refused;
    while (r.code !== 0) {
      expect(Date.now() - killedAt, r.err).toBeLessThan(DATA_DIR_LOCK_STALE_MS + 15_000);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      r = await run(['migrate'], env);
    }
    // Taken over well within the window (the holder refreshed at most a quarter of it before the kill).
    expect(Date.now() - killedAt).toBeGreaterThan(DATA_DIR_LOCK_STALE_MS * 0.7 - 2000);
    expect(r.out).toMatch(/Schema is up to date/);
    expect(existsSync(join(dir, LOCK_NAME))).toBe(false);
  });
});

describe('the data directory lock, in-process', () => {
  const logger = createLogger({ logLevel: 'silent' });

  it('is held while the database is open and released on close; a second opener gets the holder', {
    timeout: 60_000,
  }, async () => {
    const dir = await tempDir();
    const config = loadConfig({ GCC_DATA_DIR: dir, GCC_RUN_WORKER: 'false' });
    const opened = await openGcc(config, logger, { command: 'test holder' });
    expect(existsSync(join(dir, LOCK_NAME))).toBe(true);
    const holder = JSON.parse(await readFile(join(dir, HOLDER_NAME), 'utf8'));
    expect(holder).toMatchObject({ pid: process.pid, command: 'test holder' });

    const second = await openConfiguredDatabase(config).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isDataDirLockedError(second)).toBe(true);
    expect(second).toMatchObject({ dir, holder: { pid: process.pid, command: 'test holder' } });

    await opened.close();
    expect(existsSync(join(dir, LOCK_NAME))).toBe(false);
    expect(existsSync(join(dir, HOLDER_NAME))).toBe(false);
    const reopened = await openConfiguredDatabase(config);
    expect(reopened.dataDirLock?.dir).toBe(dir);
    await reopened.close();
    expect(existsSync(join(dir, LOCK_NAME))).toBe(false);
  });

  // Opening and migrating an embedded database took over 5 s (the default) with a core kept busy.
  it('memory:// takes no lock', { timeout: 60_000 }, async () => {
    const db = await openConfiguredDatabase(loadConfig({ GCC_DATA_DIR: 'memory://' }));
    expect(db.dataDirLock).toBeUndefined();
    await db.close();
  });

  it('is released by the exit hook when the holder exits without closing', { timeout: 30_000 }, async () => {
    const dir = await tempDir();
    // A process that takes the lock and exits at once (no release), through the built CLI's own dependencies.
    const script = `
      const { lock } = await import('proper-lockfile');
      await lock(${JSON.stringify(dir)}, { lockfilePath: ${JSON.stringify(join(dir, LOCK_NAME))}, stale: ${DATA_DIR_LOCK_STALE_MS} });
      process.exit(0);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: 'inherit',
    });
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
    expect(existsSync(join(dir, LOCK_NAME))).toBe(false);
    const lock = await lockDataDir(dir);
    await lock.release();
  });
});
