import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database';
import { isDatabaseUnavailable } from '../../src/db/errors';
import { postgresFactory, type TestDatabase } from '../helpers/databases';

/** Waits for `check` to be true, polling every 20 ms, up to `ms`. */
async function until(what: string, check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The PostgreSQL adapter when the server ends its connections (what a restart or a failover does: 57P01
 * `terminating connection due to administrator command`), here done to one backend at a time with
 * `pg_terminate_backend` from another connection. A full restart and a 20 s outage under a running GCC are in
 * reference/gcc-express/test/db-fault.int.test.ts.
 */
describe('the PostgreSQL adapter survives terminated connections', () => {
  let tdb: TestDatabase;
  let db: Database;
  let other: Database;

  beforeAll(async () => {
    tdb = await postgresFactory();
    db = tdb.db;
    other = await tdb.openAnother();
  }, 60_000);
  afterAll(async () => {
    await tdb?.dispose();
  });

  it('a transaction whose connection is terminated between two statements fails as "unavailable"; the process and the pool go on', async () => {
    const failure = await db
      .transaction(async (tx) => {
        const pid = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
        await other.query('SELECT pg_terminate_backend($1)', [pid]);
        // The termination reaches this idle, checked-out client as an 'error' event before the next statement.
        await new Promise((r) => setTimeout(r, 200));
        await tx.query('SELECT 1');
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeDefined();
    expect(isDatabaseUnavailable(failure)).toBe(true);
    // The broken connection was destroyed, not returned to the pool: every later statement works.
    for (let i = 0; i < 10; i++) expect((await db.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n).toBe(1);
    expect(
      await db.transaction(async (tx) => (await tx.query<{ n: number }>('SELECT 2 AS n')).rows[0]!.n),
    ).toBe(2);
  }, 30_000);

  it('a terminated LISTEN connection is announced with "*" and re-established; later notifications arrive', async () => {
    const got: string[] = [];
    const unlisten = await db.listen('fault_test', (p) => got.push(p));
    const listener = async () =>
      (
        await other.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'`,
        )
      ).rows.map((r) => r.pid);
    const [pid] = await listener();
    expect(pid).toBeDefined();
    await other.query('SELECT pg_terminate_backend($1)', [pid]);
    await until('the loss announced', () => got.includes('*'));
    await until('a new LISTEN connection', async () => (await listener()).some((p) => p !== pid));
    await other.query(`SELECT pg_notify('fault_test', 'after')`);
    await until('the notification after the reconnect', () => got.includes('after'));
    await unlisten();
  }, 30_000);
});
