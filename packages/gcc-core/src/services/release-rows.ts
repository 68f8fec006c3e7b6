import type { Sql } from '../db/database';

/** A release row as stored. */
export interface ReleaseRow {
  id: string;
  component: string;
  version: string;
  image_url: string;
  /** `sha256:` digest of the image (migration 011), or null. */
  image_digest: string | null;
  metadata: Record<string, unknown>;
  created_at: Date;
  created_by: string;
}

/** The release row with this id, if any. */
export async function releaseRowById(sql: Sql, id: string): Promise<ReleaseRow | undefined> {
  return (await sql.query<ReleaseRow>('SELECT * FROM releases WHERE id = $1', [id])).rows[0];
}
