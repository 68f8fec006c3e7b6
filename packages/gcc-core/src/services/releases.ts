import { imageLocation, type Release, type ReleaseCreate, registryAllowed } from '@wrktalk/sdk-gcc';
import type { Sql } from '../db/database';
import { GccServiceError } from '../errors/gcc-service-error';
import { audit } from './audit-log';
import { actorOf, type Principal, type ServiceContext } from './context';
import { newId } from './ids';
import { isoOf } from './iso-time';
import { decodeCursor, type Page, type PageRequest, toPage } from './paging';
import type { ReleaseRow } from './release-rows';
import { inTransaction } from './transaction';

/** The wire form of a release row. */
export const releaseOf = (r: ReleaseRow): Release => ({
  id: r.id,
  component: r.component,
  version: r.version,
  image_url: r.image_url,
  image_digest: r.image_digest ?? null,
  metadata: r.metadata ?? {},
  created_at: isoOf(r.created_at),
  created_by: r.created_by,
});

/** True when `imageUrl` carries `version` as its tag, or as its digest. */
export function imageReferencesVersion(imageUrl: string, version: string): boolean {
  if (version.startsWith('sha256:')) return imageUrl.endsWith(`@${version}`);
  const withoutDigest = imageUrl.replace(/@sha256:[a-f0-9]{64}$/, '');
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash && withoutDigest.slice(colon + 1) === version;
}

/** Replaces the tag or digest of an image reference with `version`. */
export function imageWithVersion(imageUrl: string, version: string): string {
  let base = imageUrl.replace(/@sha256:[a-f0-9]{64}$/, '');
  const slash = base.lastIndexOf('/');
  const colon = base.lastIndexOf(':');
  if (colon > slash) base = base.slice(0, colon);
  return version.startsWith('sha256:') ? `${base}@${version}` : `${base}:${version}`;
}

const sameJson = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Releases: images CI recorded. */
export class ReleasesService {
  constructor(private readonly ctx: ServiceContext) {}

  /**
   * Records a release; idempotent on (component, version).
   * @returns `created: false` when the same release already existed (HTTP 200 rather than 201)
   */
  async create(
    who: Principal,
    input: ReleaseCreate,
    tx?: Sql,
  ): Promise<{ release: Release; created: boolean }> {
    if (!this.ctx.components.has(input.component)) {
      throw new GccServiceError(
        'unknown_component',
        `Component ${input.component} is not managed by this GCC.`,
        [{ path: '/component', message: `must be one of ${[...this.ctx.components].join(', ')}` }],
      );
    }
    if (!imageReferencesVersion(input.image_url, input.version)) {
      throw new GccServiceError(
        'invalid_image_reference',
        `image_url does not reference version ${input.version}.`,
        [{ path: '/image_url', message: `must carry ${input.version} as its tag or digest` }],
      );
    }
    const digest = this.digestOf(input);
    const allowed = this.ctx.allowedRegistries;
    if (allowed && !registryAllowed(input.image_url, allowed)) {
      const { registry } = imageLocation(input.image_url);
      throw new GccServiceError(
        'registry_not_allowed',
        `image_url ${input.image_url} is in registry ${registry}, which is not allowed (allowed: ${allowed.join(', ')}).`,
        [
          {
            path: '/image_url',
            message: `registry ${registry} is not allowed (allowed: ${allowed.join(', ')})`,
          },
        ],
      );
    }
    const metadata = input.metadata ?? {};
    return inTransaction(this.ctx, tx, async (sql) => {
      const now = this.ctx.now();
      const id = newId('rel');
      const inserted = await sql.query<ReleaseRow>(
        `INSERT INTO releases (id, component, version, image_url, metadata, created_at, created_by, image_digest)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)
         ON CONFLICT (component, version) DO NOTHING RETURNING *`,
        [
          id,
          input.component,
          input.version,
          input.image_url,
          JSON.stringify(metadata),
          now,
          actorOf(who),
          digest,
        ],
      );
      if (inserted.rows[0]) {
        const release = releaseOf(inserted.rows[0]);
        await audit(sql, now, who, 'release.create', 'release', release.id, { after: release });
        return { release, created: true };
      }
      const existing = await sql.query<ReleaseRow>(
        'SELECT * FROM releases WHERE component = $1 AND version = $2',
        [input.component, input.version],
      );
      const row = existing.rows[0]!;
      if (
        row.image_url === input.image_url &&
        (row.image_digest ?? null) === digest &&
        sameJson(row.metadata, metadata)
      ) {
        return { release: releaseOf(row), created: false };
      }
      throw new GccServiceError(
        'release_conflict',
        `${input.component} ${input.version} was already recorded with another image_url, image_digest or metadata.`,
      );
    });
  }

  /**
   * The release's digest: `image_digest`, else the digest `image_url` (or a digest `version`) carries, else null.
   * Two different digests are `invalid_image_reference`.
   */
  private digestOf(input: ReleaseCreate): string | null {
    const given = input.image_digest ?? null;
    const inUrl = /@(sha256:[a-f0-9]{64})$/.exec(input.image_url)?.[1] ?? null;
    const inVersion = input.version.startsWith('sha256:') ? input.version : null;
    for (const [other, where] of [
      [inUrl, 'image_url'],
      [inVersion, 'version'],
    ] as const) {
      if (given !== null && other !== null && other !== given) {
        throw new GccServiceError(
          'invalid_image_reference',
          `image_digest ${given} differs from the digest ${other} in ${where}.`,
          [{ path: '/image_digest', message: `must be ${other}, the digest in ${where}, or be left out` }],
        );
      }
    }
    return given ?? inUrl ?? inVersion;
  }

  /** One release, or `not_found`. */
  async get(id: string): Promise<Release> {
    const r = await this.ctx.db.query<ReleaseRow>('SELECT * FROM releases WHERE id = $1', [id]);
    if (!r.rows[0]) throw new GccServiceError('not_found', `No release ${id}.`);
    return releaseOf(r.rows[0]);
  }

  /** Releases, newest first. */
  async list(filter: { component?: string }, page: PageRequest = {}): Promise<Page<Release>> {
    const limit = page.limit ?? 50;
    const after = decodeCursor(page.cursor, filter, 2);
    const params: unknown[] = [filter.component ?? null, limit + 1];
    let keyset = '';
    if (after) {
      params.push(after[0], after[1]);
      keyset = 'AND (created_at, id) < ($3::timestamptz, $4::text)';
    }
    const r = await this.ctx.db.query<ReleaseRow>(
      `SELECT * FROM releases WHERE ($1::text IS NULL OR component = $1) ${keyset}
       ORDER BY created_at DESC, id DESC LIMIT $2`,
      params,
    );
    return toPage(r.rows, limit, releaseOf, (row) => [isoOf(row.created_at), row.id], filter);
  }
}
