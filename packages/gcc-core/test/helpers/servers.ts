import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createGccClient, type GccClient } from '@wrktalk/sdk-gcc';
import express from 'express';
import { pino } from 'pino';
import { createGcc, type Database, type Gcc, type GccOptions } from '../../src/index';
import { pgliteFactory, type TestDatabase } from './databases';

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
  /** How many requests have reached the Express app so far (with the `node` front, polls answered before it do not). */
  expressRequests(): number;
  close(): Promise<void>;
}

/** Starts a GCC on `db` in a plain Express app. */
/**
 * How the test server reaches the GCC: `express` mounts `gcc.router` in an Express app; `node` puts
 * `gcc.handlePoll` in front of that app on a plain `node:http` server (agents' polls answered before Express).
 */
export type Front = 'express' | 'node';

export async function startGcc(
  db: Database,
  options: Partial<GccOptions> = {},
  front: Front = 'express',
): Promise<RunningGcc> {
  const gcc = await createGcc({
    database: db,
    adminToken: ADMIN,
    ciToken: CI,
    logger: pino({ level: 'silent' }),
    ...options,
  });
  const app = express();
  app.disable('x-powered-by');
  let expressRequests = 0;
  app.use((_req, _res, next) => {
    expressRequests++;
    next();
  });
  app.use(gcc.router);
  const server =
    front === 'express'
      ? app.listen(0, '127.0.0.1')
      : createServer((req, res) => gcc.handlePoll(req, res, () => app(req, res))).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    gcc,
    url,
    server,
    client: (token) => createGccClient({ baseUrl: url, token, retry: false }),
    expressRequests: () => expressRequests,
    async close() {
      await gcc.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A GCC on in-memory PGlite that logs at debug into `lines`, with one registered client and its agent token. */
export interface AgentGcc {
  srv: RunningGcc;
  tdb: TestDatabase;
  /** The agent token of the client. */
  token: string;
  /** Every log line, parsed. */
  lines: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Starts an {@link AgentGcc} for client `clientId` (a docker target), registered through the API. */
export async function startAgentGcc(clientId: string, front: Front = 'express'): Promise<AgentGcc> {
  const tdb = await pgliteFactory();
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const srv = await startGcc(tdb.db, { logger: pino({ level: 'debug' }, sink) }, front);
  const created = await fetch(`${srv.url}/api/v1/clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: clientId, name: clientId, target_kind: 'docker' }),
  });
  if (created.status !== 201)
    throw new Error(`registering ${clientId}: ${created.status} ${await created.text()}`);
  const { token } = await srv.gcc.issueToken({ role: 'agent', clientId });
  return {
    srv,
    tdb,
    token,
    lines,
    close: async () => {
      await srv.close();
      await tdb.dispose();
    },
  };
}
