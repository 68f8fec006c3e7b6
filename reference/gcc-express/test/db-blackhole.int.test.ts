import { createGccClient, type GccHttpError, isGccHttpError } from '@wrktalk/sdk-gcc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BlackholeProxy, startBlackholeProxy } from './helpers/blackhole-proxy';
import { createTestDatabase } from './helpers/core-target';
import { freePort, type GccProcess, startGccProcess, stopGccProcess } from './helpers/gcc-process';
import { approvedRollout, until } from './helpers/scripted-agents';

/**
 * A half-open database connection (issue 18): the real `wrktalk-gcc serve` reaches PostgreSQL through a TCP proxy
 * that the test turns into a black hole (no byte forwarded either way, nothing closed: what a partition or a hung
 * database host looks like). Without timeouts every request that touched the database, `/readyz` included, hung
 * for ever while `/healthz` stayed green. Now `/readyz` answers 503 within its own bound, an agent's report fails
 * with a problem+json 503 within the query timeout, and once the proxy forwards again the GCC recovers by itself.
 */

const ADMIN = `blackhole-admin-${'a'.repeat(24)}`;
const CI = `blackhole-ci-${'c'.repeat(24)}`;
/** The GCC's client-side query and connect timeouts in this test (defaults: 35 s and 10 s). */
const QUERY_TIMEOUT_S = 2;

describe('fault: the database stops answering (half-open connections)', () => {
  let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
  let proxy: BlackholeProxy;
  let gcc: GccProcess | undefined;

  beforeAll(async () => {
    testDb = await createTestDatabase('blackhole');
    const target = new URL(testDb.url);
    proxy = await startBlackholeProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(testDb.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    gcc = await startGccProcess({
      DATABASE_URL: viaProxy.toString(),
      PORT: String(await freePort()),
      GCC_ADMIN_TOKEN: ADMIN,
      GCC_CI_TOKEN: CI,
      DATABASE_QUERY_TIMEOUT_SECONDS: String(QUERY_TIMEOUT_S),
      DATABASE_STATEMENT_TIMEOUT_SECONDS: String(QUERY_TIMEOUT_S),
      DATABASE_CONNECT_TIMEOUT_SECONDS: String(QUERY_TIMEOUT_S),
    });
  }, 120_000);
  afterAll(async () => {
    proxy?.resume();
    if (gcc && (process.env.DEBUG_DB_FAULT || gcc.child.exitCode !== null)) console.log(gcc.output());
    await stopGccProcess(gcc, 5000);
    await proxy?.close();
    await testDb?.drop();
  }, 60_000);

  it('answers /readyz 503 and a report 503 problem+json in bounded time, and recovers', async () => {
    const url = gcc!.url;
    const client = (token: string) =>
      createGccClient({ baseUrl: url, token, retry: false, timeoutMs: 10_000 });
    const admin = client(ADMIN);
    const { deploymentId, agents } = await approvedRollout(admin, client(CI), client, {
      prefix: 'bh',
      clients: 1,
      stages: [{ kind: 'batch', wait_seconds: 0 }],
      leaseSeconds: 300,
    });
    await admin.deployments.resume(deploymentId);
    const [clientId, agent] = Object.entries(agents)[0]!;
    const update = await until('the offer', async () => {
      const u = await agent.agent.getUpdates(clientId);
      return u.notModified ? undefined : (u.body.update ?? undefined);
    });
    const report = { task_id: update.task_id, attempt: update.attempt };
    await agent.agent.reportStatus(clientId, { ...report, status: 'in_progress' });

    proxy.blackhole();
    const timed = async (path: string, init: RequestInit = {}) => {
      const started = Date.now();
      const r = await fetch(`${url}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
      const body = await r.text();
      return { r, body, ms: Date.now() - started };
    };

    // Liveness stays green (the process is fine); readiness says the database is away, within its own bound.
    expect((await timed('/healthz')).r.status).toBe(200);
    const ready = await timed('/readyz');
    expect(ready.r.status, ready.body).toBe(503);
    expect(ready.ms).toBeLessThan(5000);
    expect(JSON.parse(ready.body)).toMatchObject({
      status: 'unavailable',
      checks: { database: { status: 'unavailable' } },
    });

    // A report reaches the database and fails there: 503 problem+json with Retry-After, not a hang.
    const reportStarted = Date.now();
    const failed = await agent.agent.reportStatus(clientId, { ...report, status: 'success' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isGccHttpError(failed), String(failed)).toBe(true);
    expect((failed as GccHttpError).status).toBe(503);
    expect((failed as GccHttpError).code).toBe('unavailable');
    expect(Date.now() - reportStarted).toBeLessThan(QUERY_TIMEOUT_S * 1000 * 2 + 3000);
    const raw = await timed(`/api/v1/deployments/${deploymentId}`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(raw.r.status, raw.body).toBe(503);
    expect(raw.r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(raw.r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(raw.body)).toMatchObject({ code: 'unavailable', status: 503 });
    expect(raw.ms).toBeLessThan(QUERY_TIMEOUT_S * 1000 * 2 + 3000);

    // The database answers again: ready again, the report goes through and the rollout completes.
    proxy.resume();
    await until(
      'the GCC ready again',
      async () => ((await fetch(`${url}/readyz`)).ok ? true : undefined),
      30_000,
      200,
    );
    await until(
      'the success report accepted',
      () => agent.agent.reportStatus(clientId, { ...report, status: 'success' }).then(() => true),
      30_000,
      200,
    );
    const done = await until(
      'the deployment to complete',
      async () => {
        const d = await admin.deployments.get(deploymentId);
        return d.status === 'completed' ? d : undefined;
      },
      30_000,
      200,
    );
    expect(done.status).toBe('completed');
    expect(gcc!.child.exitCode).toBeNull();
  }, 120_000);
});
