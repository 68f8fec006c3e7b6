import type { AddressInfo } from 'node:net';
import { createGccClient } from '@wrktalk/sdk-gcc';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGcc, type Gcc, type Principal } from '../src/index';
import { pgliteFactory, type TestDatabase } from './helpers/databases';

// A host application (the customer's WrkTalk backend) with its own routes, body parser and session auth mounts
// the GCC router under /gcc.
describe('embedding gcc.router in a host Express app', () => {
  let tdb: TestDatabase;
  let gcc: Gcc;
  let url: string;
  let close: () => Promise<void>;
  const sessions: Record<string, Principal> = { 'session-admin': { role: 'admin', name: 'host-admin' } };

  beforeAll(async () => {
    tdb = await pgliteFactory();
    gcc = await createGcc({
      database: tdb.db,
      logger: pino({ level: 'silent' }),
      authenticate: (req) => sessions[req.get('x-host-session') ?? ''],
    });
    const app = express();
    app.use(express.json()); // the host parses JSON before the GCC sees the request
    app.get('/host/ping', (_req, res) => {
      res.json({ pong: true });
    });
    app.use('/gcc', gcc.router);
    app.use((_req, res) => {
      res.status(404).json({ host: 'not found' });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = async () => {
      await gcc.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  });
  afterAll(async () => {
    await close?.();
    await tdb?.dispose();
  });

  it('serves the contract under the mount path with the host auth hook', async () => {
    const admin = createGccClient({
      baseUrl: `${url}/gcc`,
      headers: { 'x-host-session': 'session-admin' },
      retry: false,
    });
    const c = await admin.clients.create({ id: 'host-1', name: 'H', target_kind: 'docker' });
    expect(c.id).toBe('host-1');
    const audit = await admin.audit.list();
    expect(audit.items[0]).toMatchObject({ actor: 'admin:host-admin', action: 'client.create' });
    expect(await admin.health.healthz()).toEqual({ status: 'ok' });
  });

  it('falls back to bearer tokens when the hook answers undefined', async () => {
    const t = await gcc.issueToken({ role: 'agent', clientId: 'host-1' });
    const agent = createGccClient({ baseUrl: `${url}/gcc`, token: t.token, retry: false });
    const u = await agent.agent.getUpdates('host-1');
    expect(u.notModified || u.body.available).toBe(false);
    const res = await fetch(`${url}/gcc/api/v1/clients`);
    expect(res.status).toBe(401);
    expect((await res.json()).instance).toBe('/gcc/api/v1/clients');
  });

  it('answers problems under its mount and leaves the host routes alone', async () => {
    const bad = await fetch(`${url}/gcc/api/v1/clients`, {
      method: 'POST',
      headers: { 'x-host-session': 'session-admin', 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'BAD ID', name: 'x', target_kind: 'docker' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'validation_failed' });
    expect((await fetch(`${url}/gcc/api/v1/nope`)).status).toBe(404);
    expect(await (await fetch(`${url}/host/ping`)).json()).toEqual({ pong: true });
    expect(await (await fetch(`${url}/elsewhere`)).json()).toEqual({ host: 'not found' });
  });
});
