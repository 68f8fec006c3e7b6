/**
 * Worker ticks seen through a database wrapper, for the benchmarks: a tick is a transaction whose first statement is
 * the tick's lock of the deployment row ({@link LOCK_DEPLOYMENT_SQL}, the statement itself, not a copy of it).
 */
import type { Database, Sql } from '../src/db/database';
import { LOCK_DEPLOYMENT_SQL } from '../src/rollout/snapshot';

/** Ticks counted and timed so far. */
export interface TickStats {
  count: number;
  totalMs: number;
  maxMs: number;
  lastMs: number;
}

/** Wraps `inner` so that every worker tick is counted and timed into the returned `stats`. */
export function tickTimer(inner: Database): { db: Database; stats: TickStats } {
  const stats: TickStats = { count: 0, totalMs: 0, maxMs: 0, lastMs: 0 };
  const db: Database = {
    kind: inner.kind,
    query: (text, params) => inner.query(text, params),
    listen: (channel, cb) => inner.listen(channel, cb),
    close: () => inner.close(),
    async transaction(fn) {
      let tick = false;
      const started = performance.now();
      try {
        return await inner.transaction((tx) => {
          let first = true;
          const wrapped: Sql = {
            query: (text, params) => {
              if (first) {
                first = false;
                tick = text === LOCK_DEPLOYMENT_SQL;
              }
              return tx.query(text, params);
            },
          };
          return fn(wrapped);
        });
      } finally {
        if (tick) {
          stats.lastMs = performance.now() - started;
          stats.count++;
          stats.totalMs += stats.lastMs;
          stats.maxMs = Math.max(stats.maxMs, stats.lastMs);
        }
      }
    },
  };
  return { db, stats };
}
