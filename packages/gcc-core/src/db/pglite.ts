import { PGlite, type Results, type Transaction } from '@electric-sql/pglite';
import type { Database, Sql } from './database';

const toResult = <R>(r: Results | undefined) => ({
  rows: (r?.rows ?? []) as R[],
  rowCount: r?.affectedRows ?? r?.rows.length ?? 0,
});

async function run<R>(runner: PGlite | Transaction, text: string, params?: unknown[]) {
  // Without parameters use the simple protocol, which takes several statements (migrations).
  if (params === undefined || params.length === 0) {
    const all = await runner.exec(text);
    return toResult<R>(all[all.length - 1]);
  }
  return toResult<R>(await runner.query(text, params));
}

/** A {@link Database} on embedded PGlite (one connection; PGlite serialises statements and transactions). */
export async function openPglite(dataDir?: string): Promise<Database> {
  const db = await PGlite.create(dataDir && dataDir !== 'memory://' ? dataDir : undefined);
  return {
    kind: 'pglite',
    query: (text, params) => run(db, text, params),
    transaction: (fn) =>
      db.transaction((t) => {
        const tx: Sql = { query: (text, params) => run(t, text, params) };
        return fn(tx);
      }),
    async listen(channel, onPayload) {
      const unsubscribe = await db.listen(channel, onPayload);
      return async () => {
        await unsubscribe();
      };
    },
    close: () => db.close(),
  };
}
