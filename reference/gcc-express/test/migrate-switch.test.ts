import { migrate } from '@wrktalk/gcc-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { createLogger, type RunningServer, startServer } from '../src/server';

const ADMIN_TOKEN = `gcc_admin_${'a'.repeat(40)}`;

/**
 * `GCC_MIGRATE=false` (what the Helm chart in deploy/gcc sets on its Deployment, whose migrations run in a Job):
 * `serve` applies nothing, answers `/readyz` 503 until the schema is up to date, then becomes ready by itself.
 * The same with PostgreSQL and the `migrate` command as a separate run: migrate-switch.int.test.ts.
 */
describe('serve with GCC_MIGRATE=false (PGlite in memory)', () => {
  let running: RunningServer;
  beforeAll(async () => {
    const config = loadConfig({
      GCC_DATA_DIR: 'memory://',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      GCC_ADMIN_TOKEN: ADMIN_TOKEN,
      GCC_MIGRATE: 'false',
    });
    running = await startServer(config, createLogger(config));
  }, 60_000);
  afterAll(() => running?.stop(1000));

  it('applies no migration and is live but not ready on an empty database', async () => {
    expect(running.migrations).toBeUndefined();
    const schema = await running.db.query<{ tables: number; version_table: string | null }>(
      `SELECT (SELECT count(*)::int FROM information_schema.tables WHERE table_schema = 'public') AS tables,
              to_regclass('gcc_schema_version')::text AS version_table`,
    );
    expect(schema.rows[0]).toEqual({ tables: 0, version_table: null });
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${running.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      status: 'unavailable',
      checks: {
        database: { status: 'ok' },
        migrations: {
          status: 'unavailable',
          message: expect.stringMatching(/^schema version 0, expected \d+/),
        },
      },
    });
  });

  it('becomes ready once the migrations are applied from elsewhere, without a restart', async () => {
    // What `wrktalk-gcc migrate` runs (cli.ts), on the same database.
    const { applied } = await migrate(running.db);
    expect(applied.length).toBeGreaterThan(0);
    const ready = await fetch(`${running.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', checks: { migrations: { status: 'ok' } } });
    const clients = await fetch(`${running.url}/api/v1/clients`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(clients.status).toBe(200);
  });
});
