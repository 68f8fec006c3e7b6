import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGccClient, type GccClient } from '@wrktalk/sdk-gcc';
import express from 'express';
import { pino } from 'pino';
import { createGcc, type Database, type Gcc, type GccOptions } from '../../src/index';

/** Configured secrets of the test servers. */
export const ADMIN = 'admin-secret-0123456789';
/** CI secret. */
export const CI = 'ci-secret-0123456789';

/** A GCC behind a real HTTP server on an ephemeral port. */
export interface RunningGcc {
  gcc: Gcc;
  url: string;
  /** The HTTP server, for tests that wait on its events (e.g. `request`: a request has reached the app). */
  server: Server;
  client(token: string): GccClient;
  close(): Promise<void>;
}

/** Starts a GCC on `db` in a plain Express app. */
export async function startGcc(db: Database, options: Partial<GccOptions> = {}): Promise<RunningGcc> {
  const gcc = await createGcc({
    database: db,
    adminToken: ADMIN,
    ciToken: CI,
    logger: pino({ level: 'silent' }),
    ...options,
  });
  const app = express();
  app.disable('x-powered-by');
  app.use(gcc.router);
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    gcc,
    url,
    server,
    client: (token) => createGccClient({ baseUrl: url, token, retry: false }),
    async close() {
      await gcc.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
