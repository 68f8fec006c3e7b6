import type { AuditEntry } from '@wrktalk/sdk-gcc';
import { PREPARED, type Sql } from '../db/database';
import { actorOf, type Principal } from './context';

/** Appends an audit entry (inside the caller's transaction). */
export async function audit(
  tx: Sql,
  at: Date,
  who: Principal | 'system',
  action: string,
  subjectType: AuditEntry['subject_type'],
  subjectId: string,
  extra: { deploymentId?: string | null; clientId?: string | null; before?: unknown; after?: unknown } = {},
): Promise<void> {
  await tx.query(
    `INSERT INTO audit_log (at, actor, action, subject_type, subject_id, deployment_id, client_id, before, after)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)`,
    [
      at,
      actorOf(who),
      action,
      subjectType,
      subjectId,
      extra.deploymentId ?? null,
      extra.clientId ?? null,
      extra.before === undefined || extra.before === null ? null : JSON.stringify(extra.before),
      extra.after === undefined || extra.after === null ? null : JSON.stringify(extra.after),
    ],
    PREPARED,
  );
}
