import type { AuditEntry } from '@wrktalk/sdk-gcc';
import type { Database } from '../db/database';
import type { ServiceContext } from './context';
import { isoOf } from './iso-time';
import { decodeCursor, type Page, type PageRequest, toPage } from './paging';

interface AuditRow {
  seq: string | number;
  at: Date;
  actor: string;
  action: string;
  subject_type: AuditEntry['subject_type'];
  subject_id: string;
  deployment_id: string | null;
  client_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** Filters of {@link AuditService.list}. */
export interface AuditFilter {
  deployment_id?: string;
  client_id?: string;
  actor?: string;
}

/** The append-only audit log. */
export class AuditService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Entries, newest first. */
  async list(filter: AuditFilter, page: PageRequest = {}): Promise<Page<AuditEntry>> {
    const limit = page.limit ?? 50;
    const after = decodeCursor(page.cursor, filter, 1);
    const r = await this.ctx.db.query<AuditRow>(
      `SELECT * FROM audit_log
       WHERE ($1::text IS NULL OR deployment_id = $1) AND ($2::text IS NULL OR client_id = $2)
         AND ($3::text IS NULL OR actor = $3) AND ($4::bigint IS NULL OR seq < $4)
       ORDER BY seq DESC LIMIT $5`,
      [
        filter.deployment_id ?? null,
        filter.client_id ?? null,
        filter.actor ?? null,
        after?.[0] ?? null,
        limit + 1,
      ],
    );
    return toPage(
      r.rows,
      limit,
      (e) => ({
        id: `aud-${e.seq}`,
        at: isoOf(e.at),
        actor: e.actor,
        action: e.action,
        subject_type: e.subject_type,
        subject_id: e.subject_id,
        deployment_id: e.deployment_id,
        client_id: e.client_id,
        before: e.before,
        after: e.after,
      }),
      (e) => [String(e.seq)],
      filter,
    );
  }
}

/** Options of {@link pruneAuditLog}. */
export interface PruneAuditLogOptions {
  /** Entries older than this many days are deleted; a whole number from 1 to 36500. */
  retentionDays: number;
  /** The clock; the database's own clock is a ceiling (the trigger measures with it). @default new Date() */
  now?: Date;
}

/**
 * Deletes audit entries older than the retention, the only deletion the audit log allows: the retention is stated
 * to the append-only trigger (migration 008) through a transaction-local setting, and the trigger refuses any row
 * younger than it by the database's clock.
 * @returns the number of entries deleted
 */
export async function pruneAuditLog(db: Database, options: PruneAuditLogOptions): Promise<number> {
  const days = options.retentionDays;
  if (!Number.isInteger(days) || days < 1 || days > AUDIT_RETENTION_MAX_DAYS) {
    throw new RangeError(
      `retentionDays must be a whole number from 1 to ${AUDIT_RETENTION_MAX_DAYS}, got ${days}`,
    );
  }
  const now = options.now ?? new Date();
  return db.transaction(async (tx) => {
    await tx.query("SELECT set_config('wrktalk.audit_retention_days', $1, true)", [String(days)]);
    const r = await tx.query(
      'DELETE FROM audit_log WHERE at < LEAST($1::timestamptz, now()) - make_interval(days => $2::int)',
      [now, days],
    );
    return r.rowCount;
  });
}

/** Longest audit retention `pruneAuditLog` takes, in days (100 years). */
export const AUDIT_RETENTION_MAX_DAYS = 36_500;
