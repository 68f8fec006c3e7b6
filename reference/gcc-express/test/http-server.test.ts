import { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createExpressServer } from '../src/http-server';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
});

describe('createExpressServer', () => {
  it('creates requests and responses with the app prototypes already in place, and Express works as usual', async () => {
    const app = express();
    const seen: { req: boolean; res: boolean; node: boolean }[] = [];
    app.get('/hello/:name', (req, res) => {
      res.status(201).json({ name: req.params.name, agent: req.get('x-agent') ?? null, query: req.query });
    });
    const server = createExpressServer(app);
    // Heard before Express's handler runs: what the server created (plain `createServer(app)` fails this).
    server.prependListener('request', (req, res) => {
      seen.push({
        req: Object.getPrototypeOf(req) === app.request,
        res: Object.getPrototypeOf(res) === app.response,
        node: req instanceof IncomingMessage && res instanceof ServerResponse,
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = () => new Promise<void>((resolve) => server.close(() => resolve()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    for (const name of ['a', 'b']) {
      const r = await fetch(`${base}/hello/${name}?x=1`, { headers: { 'x-agent': 'test' } });
      expect(r.status).toBe(201);
      expect(await r.json()).toEqual({ name, agent: 'test', query: { x: '1' } });
    }
    const missing = await fetch(`${base}/nothing`);
    expect(missing.status).toBe(404);
    await missing.text();
    expect(seen).toEqual(Array(3).fill({ req: true, res: true, node: true }));
  });
});
