import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase, PREPARED } from '../../src/db/database';
import { isDatabaseUnavailable, isStalePreparedPlan } from '../../src/db/errors';
import { statementName } from '../../src/db/postgres';
import { POSTGRES_URL } from '../helpers/databases';

/** The prepared statements of the session that runs this (one connection: inside a transaction). */
const preparedIn = async (
  db: Database,
  run: (tx: Parameters<Parameters<Database['transaction']>[0]>[0]) => Promise<unknown>,
) =>
  db.transaction(async (tx) => {
    await run(tx);
    const r = await tx.query<{ name: string; statement: string }>(
      'SELECT name, statement FROM pg_prepared_statements WHERE name LIKE $1',
      ['wrk_%'],
    );
    return r.rows;
  });

/**
 * `prepare: true` on real PostgreSQL: hot statements are named prepared statements (parsed and planned once per
 * connection), a switch turns that off for transaction-mode poolers, and a statement gone stale under another
 * replica's migration does not break the GCC.
 */
describe('prepared statements (PostgreSQL)', { timeout: 60_000 }, () => {
  const name = `gcc_test_prep_${process.pid}_${Date.now().toString(36)}`;
  let url: string;
  const opened: Database[] = [];
  const open = async (options: { preparedStatements?: boolean; poolSize?: number } = {}) => {
    const db = await openDatabase({ url, poolSize: options.poolSize ?? 2, ...options });
    opened.push(db);
    return db;
  };

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(POSTGRES_URL);
    u.pathname = `/${name}`;
    url = u.toString();
    const db = await open();
    await db.query(`CREATE TABLE items (id int PRIMARY KEY, label text)`);
    await db.query(`INSERT INTO items VALUES (1, 'one'), (2, 'two')`);
  });
  afterAll(async () => {
    for (const db of opened) await db.close().catch(() => {});
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('names a statement after its text: the same text the same name, another text another name', () => {
    const a = 'SELECT label FROM items WHERE id = $1';
    expect(statementName(a)).toBe(statementName(`${a}`));
    expect(statementName(a)).toMatch(/^wrk_[0-9a-f]{24}$/);
    expect(statementName(a)).not.toBe(statementName('SELECT id FROM items WHERE id = $1'));
  });

  it('keeps a statement run with PREPARED prepared on its connection, and only that one', async () => {
    const db = await open();
    const text = 'SELECT label FROM items WHERE id = $1';
    const rows = await preparedIn(db, async (tx) => {
      expect((await tx.query<{ label: string }>(text, [1], PREPARED)).rows).toEqual([{ label: 'one' }]);
      // Run again on the same connection: the prepared statement is reused, with other values.
      expect((await tx.query<{ label: string }>(text, [2], PREPARED)).rows).toEqual([{ label: 'two' }]);
      await tx.query('SELECT label FROM items WHERE id = $1 AND true', [1]);
    });
    expect(rows).toEqual([{ name: statementName(text), statement: text }]);
  });

  it('prepares nothing when opened with preparedStatements: false (transaction-mode poolers)', async () => {
    const db = await open({ preparedStatements: false });
    const rows = await preparedIn(db, async (tx) => {
      expect((await tx.query(`SELECT label FROM items WHERE id = $1`, [1], PREPARED)).rows).toHaveLength(1);
    });
    expect(rows).toEqual([]);
  });

  it('a statement gone stale under a migration is prepared again on a fresh connection, outside a transaction', async () => {
    const db = await open({ poolSize: 1 });
    const other = await open({ poolSize: 1 });
    await other.query('CREATE TABLE grows (id int PRIMARY KEY, a text)');
    await other.query(`INSERT INTO grows VALUES (1, 'x')`);
    const text = 'SELECT g.* FROM grows g WHERE g.id = $1';
    expect((await db.query(text, [1], PREPARED)).rows).toEqual([{ id: 1, a: 'x' }]);
    // Another replica's migration adds a column: the prepared `g.*` would now return another row type.
    await other.query('ALTER TABLE grows ADD COLUMN b text');
    expect((await db.query(text, [1], PREPARED)).rows).toEqual([{ id: 1, a: 'x', b: null }]);
  });

  it('inside a transaction the stale statement fails as "database unavailable" (503, retried) and its connection is dropped', async () => {
    const db = await open({ poolSize: 1 });
    const other = await open({ poolSize: 1 });
    await other.query('CREATE TABLE grows2 (id int PRIMARY KEY, a text)');
    await other.query(`INSERT INTO grows2 VALUES (1, 'x')`);
    const text = 'SELECT g.* FROM grows2 g WHERE g.id = $1';
    const pidBefore = await db.transaction(async (tx) => {
      await tx.query(text, [1], PREPARED);
      return (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid', [])).rows[0]!.pid;
    });
    await other.query('ALTER TABLE grows2 ADD COLUMN b text');
    const failure = await db.transaction((tx) => tx.query(text, [1], PREPARED)).catch((e: unknown) => e);
    expect(isStalePreparedPlan(failure)).toBe(true);
    expect(isDatabaseUnavailable(failure)).toBe(true);
    // The retry (what an agent does after a 503) runs on a new connection, where the statement is prepared anew.
    const after = await db.transaction(async (tx) => ({
      rows: (await tx.query(text, [1], PREPARED)).rows,
      pid: (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid', [])).rows[0]!.pid,
    }));
    expect(after.rows).toEqual([{ id: 1, a: 'x', b: null }]);
    expect(after.pid).not.toBe(pidBefore);
  });
});
