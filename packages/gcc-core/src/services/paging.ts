import { GccServiceError } from '../errors/gcc-service-error';
import { sha256 } from './ids';

/** One page of a list. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Paging input of a list operation. */
export interface PageRequest {
  cursor?: string;
  /** @default 50 */
  limit?: number;
}

/** Opaque keyset cursor: the last row's sort key plus a hash of the filters it is valid with. */
export function encodeCursor(key: (string | number)[], filters: unknown): string {
  return Buffer.from(
    JSON.stringify({ k: key, f: sha256(JSON.stringify(filters ?? null)).slice(0, 16) }),
  ).toString('base64url');
}

/** Reads a cursor of {@link encodeCursor}; a foreign or mismatching cursor is `validation_failed`. */
export function decodeCursor(
  cursor: string | undefined,
  filters: unknown,
  arity: number,
): (string | number)[] | null {
  if (cursor === undefined) return null;
  const bad = () =>
    new GccServiceError('validation_failed', 'cursor is not one this server issued for these filters.', [
      { path: '/query/cursor', message: 'unknown cursor, or used with other filters' },
    ]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const p = parsed as { k?: unknown; f?: unknown };
  if (
    !p ||
    typeof p !== 'object' ||
    !Array.isArray(p.k) ||
    p.k.length !== arity ||
    !p.k.every((v) => typeof v === 'string' || typeof v === 'number') ||
    p.f !== sha256(JSON.stringify(filters ?? null)).slice(0, 16)
  ) {
    throw bad();
  }
  return p.k as (string | number)[];
}

/** Cuts a `limit + 1` result into a page. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  map: (row: R) => T,
  keyOf: (row: R) => (string | number)[],
  filters: unknown,
): Page<T> {
  const more = rows.length > limit;
  const slice = more ? rows.slice(0, limit) : rows;
  return {
    items: slice.map(map),
    next_cursor: more ? encodeCursor(keyOf(slice[slice.length - 1]!), filters) : null,
  };
}
