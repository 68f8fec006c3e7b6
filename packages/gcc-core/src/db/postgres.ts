import { createHash } from 'node:crypto';
import pg from 'pg';
import {
  type Database,
  type QueryOptions,
  quoteIdent,
  type ResolvedDatabaseTimeouts,
  resolveDatabaseTimeouts,
  type Sql,
} from './database';
import { isQueryTimeout, isStalePreparedPlan } from './errors';

const RECONNECT_MS = 1000;
/** How long the LISTEN connection's check waits for its answer when `queryTimeoutMs` is off. */
const LISTEN_CHECK_TIMEOUT_MS = 5000;

/** The `pg` client options of {@link ResolvedDatabaseTimeouts} (0 leaves a bound off: pg's own default). */
export function pgTimeoutOptions(t: ResolvedDatabaseTimeouts): pg.ClientConfig {
  return {
    ...(t.connectTimeoutMs > 0 && { connectionTimeoutMillis: t.connectTimeoutMs }),
    ...(t.statementTimeoutMs > 0 && { statement_timeout: t.statementTimeoutMs }),
    ...(t.queryTimeoutMs > 0 && { query_timeout: t.queryTimeoutMs }),
    ...(t.idleInTransactionTimeoutMs > 0 && {
      idle_in_transaction_session_timeout: t.idleInTransactionTimeoutMs,
    }),
    keepAlive: t.keepAliveInitialDelayMs > 0,
    ...(t.keepAliveInitialDelayMs > 0 && { keepAliveInitialDelayMillis: t.keepAliveInitialDelayMs }),
  };
}

const ignoreError = () => {};

/** Names of prepared statements by their text (the texts marked `prepare` are constants: a bounded set). */
const statementNames = new Map<string, string>();

/**
 * The name of the prepared statement of `text`: `wrk_` and 24 hex digits of its sha256, so two texts never share a
 * name (pg refuses a name prepared with another text) and the same text has the same name on every connection.
 */
export function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `wrk_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * A {@link Database} on a `pg` pool, with one dedicated connection for LISTEN. Every connection has the time bounds
 * of `timeouts` (see {@link DatabaseTimeouts}): a database that stops answering fails statements instead of holding
 * them.
 */
export async function openPostgres(
  url: string,
  poolSize: number,
  timeouts: ResolvedDatabaseTimeouts = resolveDatabaseTimeouts(),
  { preparedStatements = true }: { preparedStatements?: boolean } = {},
): Promise<Database> {
  const connection = { connectionString: url, ...pgTimeoutOptions(timeouts) };
  const pool = new pg.Pool({ ...connection, max: poolSize });
  // An idle client losing its connection must not crash the process; the next query reports the problem.
  pool.on('error', () => {});
  // Fail fast on a wrong URL instead of at the first request.
  const probe = await pool.connect();
  probe.release();

  const listeners = new Map<string, Set<(payload: string) => void>>();
  let listenClient: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  /** Drops the current LISTEN connection as lost (set while one is connected). */
  let dropListener: (() => void) | undefined;

  const broadcastAll = () => {
    for (const set of listeners.values()) for (const fn of [...set]) fn('*');
  };

  function connectListener(): Promise<pg.Client> {
    if (listenClient) return Promise.resolve(listenClient);
    connecting ??= (async () => {
      const client = new pg.Client(connection);
      client.on('notification', (msg) => {
        for (const fn of [...(listeners.get(msg.channel) ?? [])]) fn(msg.payload ?? '');
      });
      const lost = () => {
        if (listenClient !== client) return;
        listenClient = undefined;
        dropListener = undefined;
        client.removeAllListeners('end');
        void client.end().catch(() => {});
        broadcastAll();
        if (!closed && listeners.size > 0) scheduleReconnect();
      };
      client.on('error', lost);
      client.on('end', lost);
      try {
        await client.connect();
        for (const channel of listeners.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
      } catch (error) {
        void client.end().catch(() => {});
        throw error;
      }
      listenClient = client;
      dropListener = lost;
      return client;
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  }

  function scheduleReconnect(): void {
    if (retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connectListener().then(broadcastAll, () => {
        if (!closed) scheduleReconnect();
      });
    }, RECONNECT_MS);
    retry.unref();
  }

  // A LISTEN connection that went silent (half-open) would never report a notification again, nor fail: it is
  // checked with `SELECT 1`, and one that gets no answer in time is replaced (listeners hear `*`).
  let checking = false;
  const check =
    timeouts.listenCheckIntervalMs > 0
      ? setInterval(() => {
          const client = listenClient;
          if (!client || checking) return;
          checking = true;
          let timer: NodeJS.Timeout | undefined;
          const silent = new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error('no answer')),
              timeouts.queryTimeoutMs || LISTEN_CHECK_TIMEOUT_MS,
            );
          });
          Promise.race([client.query('SELECT 1'), silent])
            .catch(() => {
              if (listenClient === client) dropListener?.();
            })
            .finally(() => {
              clearTimeout(timer);
              checking = false;
            });
        }, timeouts.listenCheckIntervalMs)
      : undefined;
  check?.unref();

  const run = async <R>(
    runner: pg.Pool | pg.PoolClient,
    text: string,
    params?: unknown[],
    options?: QueryOptions,
  ) => {
    const r =
      preparedStatements && options?.prepare && params !== undefined
        ? await runner.query({ name: statementName(text), text, values: params })
        : await runner.query(text, params);
    // A multi-statement text answers an array of results; the last one counts.
    const last = (Array.isArray(r) ? r[r.length - 1] : r) as pg.QueryResult | undefined;
    return { rows: (last?.rows ?? []) as R[], rowCount: last?.rowCount ?? 0 };
  };

  return {
    kind: 'postgres',
    async query(text, params, options) {
      if (!(preparedStatements && options?.prepare)) return run(pool, text, params, options);
      // A prepared statement gone stale under a migration (another replica's) is dropped with its connection and
      // run once more on a fresh one, where it is prepared anew.
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        // Checked out, a client has no pool listener: an 'error' event now must not end the process (the query
        // fails with it anyway).
        client.on('error', ignoreError);
        try {
          const result = await run<never>(client, text, params, options);
          client.removeListener('error', ignoreError);
          client.release();
          return result;
        } catch (error) {
          const stale = isStalePreparedPlan(error);
          client.removeListener('error', ignoreError);
          client.release(stale || isQueryTimeout(error) ? true : undefined);
          if (!stale || attempt > 1) throw error;
        }
      }
    },
    async transaction(fn) {
      const client = await pool.connect();
      // A checked-out client has no pool listener: a server-side termination (57P01 on a restart or failover)
      // arriving between two statements is emitted as `'error'` on the client and, unheard, ends the process. Keep
      // it here; the next statement fails with it and the client is destroyed instead of going back to the pool.
      let broken: unknown;
      const onError = (error: unknown) => {
        broken ??= error;
      };
      client.on('error', onError);
      const tx: Sql = {
        query: (text, params, options) =>
          broken === undefined ? run(client, text, params, options) : Promise.reject(broken),
      };
      try {
        await client.query('BEGIN');
        const result = await fn(tx);
        if (broken !== undefined) throw broken;
        await client.query('COMMIT');
        client.removeListener('error', onError);
        client.release();
        return result;
      } catch (error) {
        try {
          if (broken !== undefined) throw broken;
          // A statement that got no answer in time: the connection is not usable (its answer may still come), and a
          // ROLLBACK would only wait as long again. The server rolls back when the connection closes.
          if (isQueryTimeout(error)) throw error;
          // Its prepared statements are stale (a migration changed a table under them): not worth keeping.
          if (isStalePreparedPlan(error)) throw error;
          await client.query('ROLLBACK');
          client.removeListener('error', onError);
          client.release();
        } catch {
          client.removeListener('error', onError);
          client.release(true);
        }
        throw error;
      }
    },
    async listen(channel, onPayload) {
      let set = listeners.get(channel);
      const first = !set;
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
      }
      set.add(onPayload);
      if (first && listenClient) await listenClient.query(`LISTEN ${quoteIdent(channel)}`);
      else await connectListener();
      return async () => {
        const s = listeners.get(channel);
        if (!s) return;
        s.delete(onPayload);
        if (s.size === 0) {
          listeners.delete(channel);
          await listenClient?.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => {});
        }
      };
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      if (check) clearInterval(check);
      const client = listenClient;
      listenClient = undefined;
      if (client) {
        client.removeAllListeners('end');
        await client.end().catch(() => {});
      }
      await pool.end();
    },
  };
}
