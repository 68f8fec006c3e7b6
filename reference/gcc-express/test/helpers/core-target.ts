import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGcc, type Database, type Gcc, migrate, openDatabase } from '@wrktalk/gcc-core';
import { createApp } from '../../src/app';
import type { ConformanceTarget } from '../conformance';

export const ADMIN_TOKEN = `gcc_admin_${'a'.repeat(40)}`;
export const CI_TOKEN = `gcc_ci_${'c'.repeat(40)}`;

export interface CoreTarget {
  target: ConformanceTarget;
  gcc: Gcc;
  server: Server;
  close(): Promise<void>;
}

/** gcc-core on the given (migrated here) database, served by the reference app on a loopback port. */
export async function startCoreTarget(db: Database): Promise<CoreTarget> {
  await migrate(db);
  // The suites check the HTTP contract (who may call what, what bad input gets) and that a refused request changes
  // nothing; the rollout worker is not started, so no background tick (e.g. a spec example's approval deadline
  // passing) changes the state between two snapshots. The worker has its own suites.
  const gcc = await createGcc({ database: db, adminToken: ADMIN_TOKEN, ciToken: CI_TOKEN, worker: false });
  const server = createServer(createApp(gcc));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    gcc,
    server,
    target: {
      baseUrl: `http://127.0.0.1:${port}`,
      adminToken: ADMIN_TOKEN,
      ciToken: CI_TOKEN,
      issueToken: async (clientId, role) => (await gcc.issueToken({ role, clientId })).token,
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gcc.close();
    },
  };
}

/** The PostgreSQL the integration tests use (trust auth on these machines). */
export const TEST_DATABASE_URL =
  process.env.WRKTALK_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Creates a fresh database for one test file; `drop()` removes it. */
export async function createTestDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `gcc_${label}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = await openDatabase({ url: TEST_DATABASE_URL, poolSize: 1 });
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.close();
  }
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const a = await openDatabase({ url: TEST_DATABASE_URL, poolSize: 1 });
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.close();
      }
    },
  };
}
