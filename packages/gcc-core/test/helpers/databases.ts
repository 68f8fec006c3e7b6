import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, migrate, openDatabase } from '../../src/index';

/** A migrated test database and how to dispose of it. */
export interface TestDatabase {
  db: Database;
  /** Opens another connection set to the same database (PostgreSQL only; PGlite shares the one instance). */
  openAnother(): Promise<Database>;
  dispose(): Promise<void>;
}

/** Makes one test database. */
export type DatabaseFactory = () => Promise<TestDatabase>;

/** The machine's PostgreSQL (trust auth). */
export const POSTGRES_URL =
  process.env.WRKTALK_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** In-memory PGlite, migrated. */
export const pgliteFactory: DatabaseFactory = async () => {
  const db = await openDatabase({ dataDir: 'memory://' });
  await migrate(db);
  return { db, openAnother: async () => db, dispose: () => db.close() };
};

/** A fresh `gcc_test_<random>` database on the real PostgreSQL, migrated, dropped on dispose. */
export const postgresFactory: DatabaseFactory = () => postgresAt();

/** In-memory PGlite migrated up to `target` only (to rehearse an upgrade with old data in it). */
export async function pgliteAt(target: number): Promise<TestDatabase> {
  const db = await openDatabase({ dataDir: 'memory://' });
  await migrate(db, { target });
  return { db, openAnother: async () => db, dispose: () => db.close() };
}

/** A fresh `gcc_test_<random>` PostgreSQL database migrated up to `target` (default: the latest). */
export async function postgresAt(target?: number): Promise<TestDatabase> {
  const name = `gcc_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  const opened: Database[] = [];
  const open = async () => {
    const db = await openDatabase({ url: url.toString(), poolSize: 5 });
    opened.push(db);
    return db;
  };
  const db = await open();
  await migrate(db, target === undefined ? {} : { target });
  return {
    db,
    openAnother: open,
    async dispose() {
      for (const d of opened) await d.close().catch(() => {});
      const a = new pg.Client({ connectionString: POSTGRES_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** A Database that counts the statements sent through it (including inside transactions), keeping their text. */
export function countingDatabase(inner: Database): {
  db: Database;
  count: () => number;
  /** The statements counted since the last reset, in order. */
  texts: () => string[];
  /** Whether each of those statements was run with `prepare: true` (`PREPARED`), in the same order. */
  prepared: () => boolean[];
  reset: () => void;
} {
  let seen: string[] = [];
  let marks: boolean[] = [];
  const db: Database = {
    kind: inner.kind,
    query: (text, params, options) => {
      seen.push(text);
      marks.push(options?.prepare === true);
      return inner.query(text, params, options);
    },
    transaction: (fn) =>
      inner.transaction((tx) =>
        fn({
          query: (text, params, options) => {
            seen.push(text);
            marks.push(options?.prepare === true);
            return tx.query(text, params, options);
          },
        }),
      ),
    listen: (channel, cb) => inner.listen(channel, cb),
    close: () => inner.close(),
  };
  return {
    db,
    count: () => seen.length,
    texts: () => [...seen],
    prepared: () => [...marks],
    reset: () => {
      seen = [];
      marks = [];
    },
  };
}
