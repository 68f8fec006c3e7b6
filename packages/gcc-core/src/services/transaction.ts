import { PREPARED, type Sql } from '../db/database';
import { EVENTS_CHANNEL, type ServiceContext } from './context';

/**
 * The largest payload of one client-list notification, in bytes: PostgreSQL refuses a NOTIFY payload of 8,000 bytes
 * or more, so a list is cut into chunks below that (about 400 client ids of 20 characters each).
 */
export const NOTIFY_PAYLOAD_MAX = 7900;

/**
 * The payloads that announce offer changes of these clients: `c:<id>,<id>,…`, each under {@link NOTIFY_PAYLOAD_MAX}
 * bytes (client ids are `[a-z0-9-]`, so they never contain the comma); `o:*` for "every client's offer" (the
 * token cache is not affected: an offer change is not a token change).
 */
export function clientEventPayloads(clientIds: readonly string[] | '*'): string[] {
  if (clientIds === '*') return ['o:*'];
  const out: string[] = [];
  let cur = 'c:';
  for (const id of new Set(clientIds)) {
    if (cur.length > 2 && cur.length + 1 + id.length > NOTIFY_PAYLOAD_MAX) {
      out.push(cur);
      cur = 'c:';
    }
    cur += cur.length > 2 ? `,${id}` : id;
  }
  if (cur.length > 2) out.push(cur);
  return out;
}

/**
 * Tells every replica (inside the transaction, so only on commit) that tasks of these clients changed: the client
 * ids themselves, however many (in chunks of {@link NOTIFY_PAYLOAD_MAX} bytes, one statement), so a change of a
 * large stage drops exactly those clients' cached offers and nothing else. `'*'` (every client's offer) is for a
 * change whose clients are not known; it never touches the token cache.
 * @returns what to invalidate locally after the commit
 */
export async function notifyClients(
  tx: Sql,
  clientIds: readonly string[] | '*',
): Promise<readonly string[] | '*'> {
  if (clientIds !== '*' && clientIds.length === 0) return [];
  const payloads = clientEventPayloads(clientIds);
  await tx.query(
    `SELECT pg_notify('${EVENTS_CHANNEL}', x) FROM unnest($1::text[]) AS x`,
    [payloads],
    PREPARED,
  );
  return clientIds;
}

/**
 * What one event on {@link EVENTS_CHANNEL} asks this replica to drop: `clients` (offers of those clients, or of every
 * client), `token` (one revoked token) or `everything` (the LISTEN connection was lost or came back, so any
 * notification may have been missed: offers and tokens both).
 */
export type CacheEvent =
  | { kind: 'clients'; clientIds: string[] | '*' }
  | { kind: 'token'; id: string }
  | { kind: 'everything' };

/** Parses one payload of {@link EVENTS_CHANNEL} (unknown payloads: undefined). */
export function parseCacheEvent(payload: string): CacheEvent | undefined {
  if (payload === '*') return { kind: 'everything' };
  if (payload === 'o:*') return { kind: 'clients', clientIds: '*' };
  if (payload.startsWith('c:')) return { kind: 'clients', clientIds: payload.slice(2).split(',') };
  if (payload.startsWith('t:')) return { kind: 'token', id: payload.slice(2) };
  return undefined;
}

/** A transaction with the notifications it sent, invalidated locally after commit. */
export async function inTransaction<T>(
  ctx: ServiceContext,
  tx: Sql | undefined,
  fn: (tx: Sql, changed: (ids: readonly string[] | '*') => Promise<void>) => Promise<T>,
): Promise<T> {
  const state: { all: boolean; ids: string[] } = { all: false, ids: [] };
  const bind = (sql: Sql) => async (ids: readonly string[] | '*') => {
    const sent = await notifyClients(sql, ids);
    if (sent === '*') state.all = true;
    else for (const id of sent) state.ids.push(id);
  };
  const result = tx ? await fn(tx, bind(tx)) : await ctx.db.transaction((t) => fn(t, bind(t)));
  if (state.all) ctx.invalidateLocal('*');
  else if (state.ids.length > 0) ctx.invalidateLocal([...new Set(state.ids)]);
  return result;
}
