import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { createLogger, type RunningServer, startServer } from '../src/server';
import { run as runWith } from './helpers/run-cli';

describe('startServer (PGlite in memory)', () => {
  let running: RunningServer;
  beforeAll(async () => {
    const config = loadConfig({
      GCC_DATA_DIR: 'memory://',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
    });
    running = await startServer(config, createLogger(config));
  }, 60_000);
  afterAll(() => running?.stop(1000));

  it('serves health without x-powered-by, and generated tokens work', async () => {
    const health = await fetch(`${running.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-powered-by')).toBeNull();
    expect(running.generated).toEqual({ admin: true, ci: true });
    const ok = await fetch(`${running.url}/api/v1/clients`, {
      headers: { authorization: `Bearer ${running.adminToken}` },
    });
    expect(ok.status).toBe(200);
    const ci = await fetch(`${running.url}/api/v1/releases`, {
      headers: { authorization: `Bearer ${running.ciToken}` },
    });
    expect(ci.status).toBe(200);
  });

  it('answers unknown paths with problem+json', async () => {
    const r = await fetch(`${running.url}/nope`);
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await r.json()) as { code: string }).code).toBe('not_found');
  });
});

describe('graceful shutdown', () => {
  it('ends a long poll in flight at once, well within the grace period', async () => {
    const config = loadConfig({
      GCC_DATA_DIR: 'memory://',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
    });
    const running = await startServer(config, createLogger(config));
    const created = await fetch(`${running.url}/api/v1/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${running.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'long-poller', name: 'Long poller', target_kind: 'docker' }),
    });
    expect(created.status).toBe(201);
    const { token } = await running.gcc.issueToken({ role: 'agent', clientId: 'long-poller' });
    // The poll has reached the app (the server's `request` event) before the stop.
    const arrived = once(running.server, 'request');
    const poll = fetch(`${running.url}/api/v1/clients/long-poller/updates?wait=30`, {
      headers: { authorization: `Bearer ${token}` },
    }).then(
      (r) => r.status,
      () => 'closed',
    );
    await arrived;
    const started = Date.now();
    // "At once" against a 30 s long poll and a 20 s grace period; bounds generous for a busy machine.
    await running.stop(20_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect([200, 503, 'closed']).toContain(await poll);
    await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();
  }, 60_000);
});

describe('wrktalk-gcc on a PGlite directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gcc-cli-'));
  const env = { GCC_DATA_DIR: dir, LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1' };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[]) =>
    runWith(args, env, {
      shutdownSignal: () => new Promise((resolve) => setTimeout(() => resolve('test'), 300)),
    });

  it('migrates, then reports the schema up to date', async () => {
    const first = await run(['migrate']);
    expect(first, first.err).toMatchObject({ code: 0 });
    expect(first.out).toMatch(/Applied \d+ migration\(s\)|up to date/);
    const again = await run(['migrate']);
    expect(again.out).toMatch(/Schema is up to date \(version \d+\)/);
  }, 60_000);

  it('creates a client, issues its tokens, and refuses a duplicate', async () => {
    const created = await run([
      'client',
      'create',
      '--id',
      'adani-prod',
      '--name',
      'Adani Group (production)',
      '--target-kind',
      'argocd',
      '--argocd-instance',
      'argocd-in-west-1',
      '--label',
      'tier=premium',
      '--label',
      'region=in',
      '--json',
    ]);
    expect(created.code, created.err).toBe(0);
    expect(JSON.parse(created.out)).toMatchObject({
      id: 'adani-prod',
      labels: { tier: 'premium', region: 'in' },
    });

    const dup = await run([
      'client',
      'create',
      '--id',
      'adani-prod',
      '--name',
      'x',
      '--target-kind',
      'docker',
    ]);
    expect(dup.code).toBe(1);
    expect(dup.err).toMatch(/client_exists/);

    const agent = await run(['token', 'issue', '--client', 'adani-prod', '--role', 'agent']);
    expect(agent.code, agent.err).toBe(0);
    expect(agent.out.trim()).toMatch(/^\S{32,}$/);
    expect(agent.err).toMatch(/shown only now/);

    const unknown = await run(['token', 'issue', '--client', 'nobody', '--role', 'approver']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/not_found/);

    const admin = await run(['token', 'issue', '--role', 'admin', '--name', 'ops', '--json']);
    expect(admin.code, admin.err).toBe(0);
    expect(JSON.parse(admin.out)).toMatchObject({ role: 'admin', name: 'ops', client_id: null });
  }, 60_000);

  it('serves with the data of the helpers, prints generated tokens once, and stops on the signal', async () => {
    const r = await run(['serve']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/admin token: \S+/);
    expect(r.out).toMatch(/ci token: {4}\S+/);
  }, 60_000);

  it('runs the rollout worker alone and stops on the signal', async () => {
    const r = await run(['worker']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('');
  }, 60_000);
});
