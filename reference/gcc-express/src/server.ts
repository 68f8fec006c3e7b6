import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  answerClientError,
  createGcc,
  type Database,
  type Gcc,
  migrate,
  openDatabase,
} from '@wrktalk/gcc-core';
import pino, { type Logger } from 'pino';
import { createApp } from './app';
import type { Config } from './config';
import { type DataDirLock, lockDataDir } from './data-dir-lock';
import { databaseConnectError } from './database-connect';
import { isAddressInUse, portInUseError } from './port-in-use';

/** A new random token: 256 bits, base64url. */
export function randomToken(): string {
  return `gcc_${randomBytes(32).toString('base64url')}`;
}

/** The process logger: pino JSON on stdout (or `destination`), secrets redacted. */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    base: { service: 'wrktalk-gcc' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'token', '*.token', 'adminToken', 'ciToken'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Options of {@link openConfiguredDatabase}. */
export interface OpenDatabaseOptions {
  /** What this process is, recorded with the data directory's lock for a refused opener. @default its argv */
  command?: string;
  /** Where a lost data-directory lock is reported. @default stderr */
  logger?: Logger;
}

/** A {@link Database} from {@link openConfiguredDatabase}, with the data directory's lock when it holds one. */
export type ConfiguredDatabase = Database & {
  /** The embedded data directory's exclusive lock (released by `close()`); undefined on PostgreSQL or `memory://`. */
  dataDirLock: DataDirLock | undefined;
};

/**
 * Opens the configured database: PostgreSQL when `DATABASE_URL` is set, otherwise PGlite in `GCC_DATA_DIR`.
 *
 * PGlite is one process's database: a second process on the same directory writes where the first never looks,
 * and the first overwrites it (a client created beside a running `serve` was gone after its restart). So the data
 * directory is locked first, for as long as the database is open, and a second opener gets a
 * `DataDirLockedError` naming the holder. A connection failure to PostgreSQL is a `DatabaseConnectError` naming
 * `DATABASE_URL` (password redacted) and what to check.
 */
export async function openConfiguredDatabase(
  config: Config,
  options: OpenDatabaseOptions = {},
): Promise<ConfiguredDatabase> {
  if (config.databaseUrl) {
    let db: Database;
    try {
      db = await openDatabase({
        url: config.databaseUrl,
        ...(config.databasePoolSize ? { poolSize: config.databasePoolSize } : {}),
        ...config.databaseTimeouts,
        preparedStatements: config.databasePreparedStatements,
      });
    } catch (error) {
      throw databaseConnectError(error, config.databaseUrl);
    }
    return Object.assign(db, { dataDirLock: undefined });
  }
  if (config.dataDir === 'memory://') {
    return Object.assign(await openDatabase({ dataDir: config.dataDir }), { dataDirLock: undefined });
  }
  let closeOnce: (() => Promise<void>) | undefined;
  const lock = await lockDataDir(config.dataDir, {
    ...(options.command !== undefined && { command: options.command }),
    // Another process may have the directory now: stop writing to it. Requests then answer 503, and the log says why.
    onCompromised: (error) => {
      const message = `lost the lock on the data directory ${config.dataDir} (${error.message}): closing the database so that nothing more is written to it`;
      if (options.logger) options.logger.error({ err: error }, message);
      else process.stderr.write(`wrktalk-gcc: ${message}\n`);
      void closeOnce?.().catch(() => undefined);
    },
  });
  let db: Database;
  try {
    db = await openDatabase({ dataDir: lock.dir });
  } catch (error) {
    await lock.release().catch(() => undefined);
    throw error;
  }
  const closeDatabase = db.close.bind(db);
  let closing: Promise<void> | undefined;
  closeOnce = () => {
    closing ??= closeDatabase();
    return closing;
  };
  const close = closeOnce;
  return Object.assign(db, {
    dataDirLock: lock,
    close: async () => {
      try {
        await close();
      } finally {
        await lock.release();
      }
    },
  });
}

export interface OpenedGcc {
  db: ConfiguredDatabase;
  gcc: Gcc;
  adminToken: string;
  ciToken: string;
  /** Which of the two tokens were generated because the configuration had none. */
  generated: { admin: boolean; ci: boolean };
  /**
   * The migrations this start applied and the schema version after them; `undefined` when `GCC_MIGRATE=false` left
   * the schema to `wrktalk-gcc migrate` (gcc-core then reports `/readyz` unavailable until it is up to date).
   */
  migrations: { applied: string[]; version: number } | undefined;
  close(): Promise<void>;
}

/** What {@link openGcc} runs in the background besides serving. */
export interface OpenGccOptions {
  /**
   * Run the rollout worker (when `config.orchestration` is `worker` and `config.runWorker`) and the notification
   * dispatcher in this process. The admin helpers open the GCC briefly and run neither.
   * @default true
   */
  background?: boolean;
  /** What this process is, recorded with the data directory's lock. @default its argv */
  command?: string;
}

/** Opens the database, applies pending migrations (unless `config.migrate` is false) and creates the GCC. */
export async function openGcc(
  config: Config,
  logger: Logger,
  options: OpenGccOptions = {},
): Promise<OpenedGcc> {
  const background = options.background ?? true;
  const db = await openConfiguredDatabase(config, {
    logger,
    ...(options.command !== undefined && { command: options.command }),
  });
  try {
    const migrations = config.migrate ? await migrate(db) : undefined;
    const adminToken = config.adminToken ?? randomToken();
    const ciToken = config.ciToken ?? randomToken();
    const gcc = await createGcc({
      database: db,
      adminToken,
      ciToken,
      components: config.components,
      logger,
      orchestration: config.orchestration,
      worker: background && config.runWorker,
      notifications: config.notifications,
      auditRetentionDays: config.auditRetentionDays,
      runNotifier: background,
      ...(config.argocd !== undefined && { argocd: config.argocd }),
      ...(config.signing !== undefined && { signing: config.signing }),
      ...(config.allowedRegistries !== undefined && { allowedRegistries: config.allowedRegistries }),
      authFailureLimit: config.authFailureLimit,
      tokenCacheTtlSeconds: config.tokenCacheTtlSeconds,
      readinessTimeoutMs: config.readinessTimeoutMs,
    });
    return {
      db,
      gcc,
      adminToken,
      ciToken,
      generated: { admin: config.adminToken === undefined, ci: config.ciToken === undefined },
      migrations,
      close: async () => {
        try {
          await gcc.close();
        } finally {
          await db.close();
        }
      },
    };
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

export interface RunningServer extends OpenedGcc {
  server: Server;
  /** e.g. `http://127.0.0.1:8080` */
  url: string;
  /** Stops accepting, lets requests in flight finish (at most `graceMs`), closes the GCC and the database. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts the service: the GCC on an Express 5 app, listening on `config.host:config.port`. */
export async function startServer(
  config: Config,
  logger: Logger,
  options: Pick<OpenGccOptions, 'command'> = {},
): Promise<RunningServer> {
  const opened = await openGcc(config, logger, options);
  const app = createApp(opened.gcc, logger, { trustProxy: config.trustProxy });
  // Agents' polls are answered before Express (`gcc.handlePoll`): a held long poll then costs no Express request.
  const server = createServer((req, res) => opened.gcc.handlePoll(req, res, () => app(req, res)));
  // Agents keep connections open between polls; stay above common proxy idle timeouts.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // What the HTTP parser refuses (431 header fields too large, 400 not HTTP, 408 headers too slow) is problem+json too.
  server.on('clientError', answerClientError);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await opened.close();
    throw isAddressInUse(error) ? await portInUseError(config.port, config.host, ['PORT']) : error;
  }
  const { port, address } = server.address() as AddressInfo;
  const host = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  // A CLI command refused the data directory then names the URL to run it against instead.
  await opened.db.dataDirLock?.announce({ url });
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 10_000) => {
    stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections that finish their last request after close() would linger until their timeout.
      const idle = setInterval(() => server.closeIdleConnections(), 50);
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      force.unref();
      try {
        await opened.gcc.close(); // ends long polls and LISTEN subscriptions
        await closed;
      } finally {
        clearInterval(idle);
        clearTimeout(force);
        await opened.db.close();
      }
    })();
    return stopping;
  };
  return { ...opened, server, url, stop };
}
