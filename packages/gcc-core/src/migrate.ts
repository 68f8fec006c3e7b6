import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import Postgrator from 'postgrator';
import type { Database } from './db/database';

/** Table where postgrator records applied migrations. */
export const SCHEMA_TABLE = 'gcc_schema_version';
// This file sits one level below the package root both as src/migrate.ts and bundled as dist/index.js.
const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
// Serialises migrations of several replicas starting at once.
const LOCK_KEY = 0x67636d69; // "gcmi"

/** Highest migration version shipped with this package. */
export function latestMigrationVersion(): number {
  let max = 0;
  for (const f of readdirSync(MIGRATIONS_DIR)) {
    const m = /^(\d+)\.do\./.exec(f);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max;
}

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /**
   * Migrate up to this version only (e.g. to rehearse an upgrade from an older schema with data in it).
   * @default the latest version
   */
  target?: number;
}

/** Applies the pending migrations (postgrator, SQL files in `migrations/`) in one transaction under a lock. */
export async function migrate(
  db: Database,
  options: MigrateOptions = {},
): Promise<{ applied: string[]; version: number }> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    const postgrator = new Postgrator({
      driver: 'pg',
      migrationPattern: `${MIGRATIONS_DIR.replace(/\\/g, '/')}/*.sql`,
      schemaTable: SCHEMA_TABLE,
      execQuery: (query) => tx.query(query),
    });
    const target = options.target ?? latestMigrationVersion();
    if (!Number.isInteger(target) || target < 0 || target > latestMigrationVersion()) {
      throw new RangeError(
        `migrate: target must be a migration version from 0 to ${latestMigrationVersion()}, got ${target}`,
      );
    }
    const applied = await postgrator.migrate(String(target).padStart(3, '0'));
    const version = Number(await postgrator.getDatabaseVersion());
    return { applied: applied.map((m) => basename(m.filename)), version };
  });
}

/** The applied migration version (0 when none), for readiness. */
export async function appliedMigrationVersion(db: Database): Promise<number> {
  const r = await db.query<{ v: number | null }>(
    `SELECT CASE WHEN to_regclass('${SCHEMA_TABLE}') IS NULL THEN 0 ELSE NULL END AS v`,
  );
  if (r.rows[0]?.v === 0) return 0;
  const v = await db.query<{ v: number | null }>(`SELECT max(version)::int AS v FROM ${SCHEMA_TABLE}`);
  return v.rows[0]?.v ?? 0;
}
