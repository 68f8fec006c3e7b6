import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database';
import { openDatabase } from '../../src/index';
import { SETTLES_JOBS_BY_ID, TickQueue } from '../../src/worker/tick-queue';

/**
 * pg-boss 10 settles a finished batch (`complete`, `fail`) without awaiting it. When the database is away at that
 * moment its rejection used to be unhandled and ended the GCC (db-fault.int.test.ts, at `pg_ctl stop`). Here the
 * settling statements fail on purpose: the error must reach `onError`, nothing may be left unhandled (vitest fails
 * a run with an unhandled rejection, and the listener below records it), and the queue keeps working.
 */

let db: Database | undefined;
let queue: TickQueue | undefined;
afterEach(async () => {
  await queue?.close();
  await db?.close();
});

const until = async (what: string, check: () => boolean, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('TickQueue when the database fails under pg-boss', { timeout: 60_000 }, () => {
  it('a failed job completion is reported, never an unhandled rejection, and later jobs still run', async () => {
    const inner = await openDatabase({ dataDir: 'memory://' });
    db = inner;
    let failSettling = false;
    const settled: string[] = [];
    const away = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const flaky: Database = {
      kind: inner.kind,
      transaction: (fn) => inner.transaction(fn),
      listen: (c, f) => inner.listen(c, f),
      close: () => inner.close(),
      query: (text, params) => {
        if (SETTLES_JOBS_BY_ID.test(text)) {
          settled.push(text);
          if (failSettling) return Promise.reject(away);
        }
        return inner.query(text, params);
      },
    };
    const errors: Error[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      queue = new TickQueue(flaky, { pollingIntervalSeconds: 0.5 }, (e) => errors.push(e));
      await queue.open();
      const handled: string[] = [];
      await queue.work(async (id) => {
        handled.push(id);
      });

      failSettling = true;
      await queue.send(inner, 'dpl-1');
      await until(
        'dpl-1 handled and its completion failed',
        () => handled.includes('dpl-1') && errors.length > 0,
      );
      expect(errors[0]).toBe(away);
      // The statement that failed is pg-boss's completion of the fetched job.
      expect(settled.at(-1)).toMatch(/state = 'completed'/);

      failSettling = false;
      await queue.send(inner, 'dpl-2');
      await until('dpl-2 handled', () => handled.includes('dpl-2'));
      await until('dpl-2 completed', () => settled.length >= 2);
      // Let any stray rejection surface before looking.
      await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
      expect(errors).toHaveLength(1);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
