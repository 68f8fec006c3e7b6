import { type Database, openDatabase } from '@wrktalk/gcc-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli';
import { createTestDatabase } from './helpers/core-target';
import { run } from './helpers/run-cli';

/** A `wrktalk-gcc serve` run in this process, stopped by `stop()`. */
async function serve(env: Record<string, string>) {
  let out = '';
  let signal!: (s: string) => void;
  const stopped = new Promise<string>((resolve) => {
    signal = resolve;
  });
  const exited = runCli(['serve'], {
    env,
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      out += s;
    },
    shutdownSignal: () => stopped,
  });
  const deadline = Date.now() + 60_000;
  let url: string | undefined;
  while (!url) {
    url = /Admin console: +(http:\/\/\S+)\/admin/.exec(out)?.[1];
    if (!url && Date.now() > deadline) throw new Error(`serve did not start:\n${out}`);
    if (!url) await Promise.race([new Promise((r) => setTimeout(r, 50)), exited]);
  }
  return {
    url,
    stop: async () => {
      signal('test');
      return exited;
    },
  };
}

/**
 * The production flow of deploy/gcc on PostgreSQL: replicas run `serve` with GCC_MIGRATE=false and are not ready
 * (readiness 503) on an empty database; the chart's Job runs `wrktalk-gcc migrate` (a run of its own here); then
 * every replica is ready without a restart.
 */
describe('GCC_MIGRATE=false and `wrktalk-gcc migrate` on PostgreSQL', () => {
  let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;
  let env: Record<string, string>;
  beforeAll(async () => {
    testDb = await createTestDatabase('migrate_switch');
    db = await openDatabase({ url: testDb.url, poolSize: 1 });
    env = {
      DATABASE_URL: testDb.url,
      DATABASE_POOL_SIZE: '3',
      GCC_MIGRATE: 'false',
      GCC_ADMIN_TOKEN: `gcc_admin_${'a'.repeat(40)}`,
      GCC_CI_TOKEN: `gcc_ci_${'c'.repeat(40)}`,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
    };
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('serves unready until the migrate command has run, then ready on every replica', async () => {
    const a = await serve(env);
    const b = await serve(env);
    try {
      const tables = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`,
      );
      expect(tables.rows[0]?.n).toBe(0);
      for (const r of [a, b]) {
        expect((await fetch(`${r.url}/healthz`)).status).toBe(200);
        expect((await fetch(`${r.url}/readyz`)).status).toBe(503);
      }

      const migrated = await run(['migrate'], env);
      expect(migrated.code, migrated.err).toBe(0);
      expect(migrated.out).toMatch(/^Applied \d+ migration\(s\): 001\.do\.initial\.sql, /);

      for (const r of [a, b]) {
        const ready = await fetch(`${r.url}/readyz`);
        expect(ready.status).toBe(200);
        const clients = await fetch(`${r.url}/api/v1/clients`, {
          headers: { authorization: `Bearer ${env.GCC_ADMIN_TOKEN}` },
        });
        expect(clients.status).toBe(200);
      }
    } finally {
      expect(await a.stop()).toBe(0);
      expect(await b.stop()).toBe(0);
    }
  }, 120_000);
});
