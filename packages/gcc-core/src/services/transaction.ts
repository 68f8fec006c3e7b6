import type { Sql } from '../db/database';
import { EVENTS_CHANNEL, type ServiceContext } from './context';

/** Above this many clients one change notifies "everything" instead of each client. */
const NOTIFY_EACH_MAX = 200;

/**
 * Tells every replica (inside the transaction, so only on commit) that tasks of these clients changed.
 * @returns what to invalidate locally after the commit
 */
export async function notifyClients(
  tx: Sql,
  clientIds: readonly string[] | '*',
): Promise<readonly string[] | '*'> {
  if (clientIds !== '*' && clientIds.length === 0) return [];
  if (clientIds === '*' || clientIds.length > NOTIFY_EACH_MAX) {
    await tx.query(`SELECT pg_notify('${EVENTS_CHANNEL}', '*')`);
    return '*';
  }
  await tx.query(`SELECT pg_notify('${EVENTS_CHANNEL}', 'c:' || x) FROM unnest($1::text[]) AS x`, [
    [...clientIds],
  ]);
  return clientIds;
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
    else state.ids.push(...sent);
  };
  const result = tx ? await fn(tx, bind(tx)) : await ctx.db.transaction((t) => fn(t, bind(t)));
  if (state.all) ctx.invalidateLocal('*');
  else if (state.ids.length > 0) ctx.invalidateLocal([...new Set(state.ids)]);
  return result;
}
