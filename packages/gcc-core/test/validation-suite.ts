import { createGccClient, type DeploymentCreate } from '@wrktalk/sdk-gcc';
import { createFakeGcc } from '@wrktalk/sdk-gcc/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGccServiceError } from '../src/errors/gcc-service-error';
import { pruneAuditLog } from '../src/services/audit';
import type { DatabaseFactory, TestDatabase } from './helpers/databases';
import { ADMIN, CI, type RunningGcc, startGcc } from './helpers/servers';

/** Strategies the planner cannot plan, and where each request must be told its problems are (issue 11, defect 5). */
const BAD_STRATEGIES: { name: string; strategy: unknown; paths: string[] }[] = [
  {
    name: 'stages of 70% + 70%',
    strategy: {
      stages: [
        { kind: 'canary', percent: 70 },
        { kind: 'batch', percent: 70 },
      ],
    },
    paths: ['/strategy/stages/0/percent', '/strategy/stages/1/percent'],
  },
  {
    name: 'wait_seconds: 9007199254740991',
    strategy: { stages: [{ kind: 'canary', count: 1, wait_seconds: 9007199254740991 }, { kind: 'batch' }] },
    paths: ['/strategy/stages/0/wait_seconds'],
  },
  { name: 'lease_seconds: 2^31', strategy: { lease_seconds: 2 ** 31 }, paths: ['/strategy/lease_seconds'] },
  {
    name: 'every problem at once',
    strategy: {
      stages: [{ kind: 'batch' }, { kind: 'canary', count: 1, percent: 60 }, { kind: 'batch', percent: 60 }],
      canary_label: 'tier in (',
    },
    paths: [
      '/strategy/stages/0',
      '/strategy/stages/1/kind',
      '/strategy/stages/1',
      '/strategy/stages/1/percent',
      '/strategy/stages/2/percent',
      '/strategy/canary_label',
    ],
  },
];

interface Answer {
  status: number;
  code: string;
  paths: string[];
}

async function answerOf(r: Response): Promise<Answer> {
  const body = (await r.json()) as { code: string; errors?: { path: string }[] };
  return { status: r.status, code: body.code, paths: (body.errors ?? []).map((e) => e.path).sort() };
}

/**
 * Defect 5 (strategies the planner rejects were accepted) and defect 9 (audit log retention and TRUNCATE), on one
 * database kind.
 */
export function defineValidationSuite(name: string, factory: DatabaseFactory): void {
  describe(`deployment requests the planner cannot plan (${name})`, { timeout: 60_000 }, () => {
    let t: TestDatabase;
    let server: RunningGcc;
    let releaseId: string;
    const fake = createFakeGcc();
    const fakeApi = createGccClient({
      baseUrl: 'http://fake',
      token: 'ci-token',
      fetch: fake.fetch,
      retry: false,
    });
    let fakeReleaseId: string;

    const post = (url: string, token: string, body: unknown) =>
      fetch(`${url}/api/v1/deployments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const counts = async () => {
      const r = await t.db.query<{ d: number; a: number }>(
        `SELECT (SELECT count(*) FROM deployments)::int AS d,
                (SELECT count(*) FROM audit_log WHERE action = 'deployment.create')::int AS a`,
      );
      return r.rows[0]!;
    };

    beforeAll(async () => {
      t = await factory();
      server = await startGcc(t.db, { orchestration: 'worker', worker: false, runNotifier: false });
      const admin = server.client(ADMIN);
      await admin.clients.create({ id: 'acme', name: 'Acme', target_kind: 'docker' });
      const r = await server.client(CI).releases.create({
        component: 'backend',
        version: '1.0.0',
        image_url: 'registry.wrktalk.com/backend:1.0.0',
      });
      releaseId = r.id;
      await createGccClient({
        baseUrl: 'http://fake',
        token: 'admin-token',
        fetch: fake.fetch,
        retry: false,
      }).clients.create({
        id: 'acme',
        name: 'Acme',
        target_kind: 'docker',
      });
      fakeReleaseId = (
        await fakeApi.releases.create({
          component: 'backend',
          version: '1.0.0',
          image_url: 'registry.wrktalk.com/backend:1.0.0',
        })
      ).id;
    });
    afterAll(async () => {
      await server?.close();
      await t?.dispose();
    });

    it.each(BAD_STRATEGIES)(
      'POST /deployments with $name: 400 validation_failed listing every problem, nothing written, the fake agrees',
      async ({ strategy, paths }) => {
        const real = await answerOf(
          await post(server.url, ADMIN, {
            release_id: releaseId,
            targets: { client_ids: ['acme'] },
            strategy,
          }),
        );
        const expected = { status: 400, code: 'validation_failed', paths: [...paths].sort() };
        expect(real).toEqual(expected);
        expect(await counts()).toEqual({ d: 0, a: 0 });
        const faked = await answerOf(
          await fake.fetch('http://fake/api/v1/deployments', {
            method: 'POST',
            headers: { authorization: 'Bearer admin-token', 'content-type': 'application/json' },
            body: JSON.stringify({ release_id: fakeReleaseId, targets: { client_ids: ['acme'] }, strategy }),
          }),
        );
        expect(faked).toEqual(expected);
        expect(fake.state.deployments.size).toBe(0);
      },
    );

    it.each(BAD_STRATEGIES)(
      'the service refuses $name too (a library caller has no schema in front of it)',
      async ({ strategy, paths }) => {
        const error = await server.gcc.services.deployments
          .create({ role: 'admin', name: 'admin' }, {
            release_id: releaseId,
            targets: { client_ids: ['acme'] },
            strategy,
          } as DeploymentCreate)
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(isGccServiceError(error)).toBe(true);
        if (!isGccServiceError(error)) return;
        expect(error.code).toBe('validation_failed');
        expect((error.errors ?? []).map((e) => e.path).sort()).toEqual([...paths].sort());
        expect(await counts()).toEqual({ d: 0, a: 0 });
      },
    );

    it('the largest values the contract allows are accepted, and the deployment shows them', async () => {
      const r = await post(server.url, ADMIN, {
        release_id: releaseId,
        targets: { client_ids: ['acme'] },
        strategy: {
          stages: [{ kind: 'canary', count: 1, wait_seconds: 604_800 }, { kind: 'batch' }],
          lease_seconds: 86_400,
          pickup_timeout_seconds: 604_800,
          canary_min_successes: 1_000_000,
          stage_fill_seconds: 604_800,
          stage_hold_timeout_seconds: 2_592_000,
        },
      });
      expect(r.status).toBe(201);
      const d = (await r.json()) as { strategy: Record<string, unknown> };
      expect(d.strategy).toMatchObject({
        lease_seconds: 86_400,
        canary_min_successes: 1_000_000,
        stage_fill_seconds: 604_800,
        stage_hold_timeout_seconds: 2_592_000,
      });
    });
  });

  describe(`audit log: append-only, pruned by retention only (${name})`, { timeout: 60_000 }, () => {
    let t: TestDatabase;
    const day = 86_400_000;
    // The trigger measures with the database's clock, so the entries are aged relative to the real time.
    const now = new Date();

    beforeAll(async () => {
      t = await factory();
      for (const [i, age] of [400, 100, 31, 29, 1].entries()) {
        await t.db.query(
          `INSERT INTO audit_log (at, actor, action, subject_type, subject_id) VALUES ($1, 'system', $2, 'deployment', 'x')`,
          [new Date(now.getTime() - age * day), `test.${i}`],
        );
      }
    });
    afterAll(async () => {
      await t?.dispose();
    });

    const rows = async () =>
      (await t.db.query<{ action: string }>('SELECT action FROM audit_log ORDER BY seq')).rows.map(
        (r) => r.action,
      );

    it('refuses TRUNCATE, UPDATE and DELETE', async () => {
      await expect(t.db.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
      await expect(t.db.query("UPDATE audit_log SET actor = 'x'")).rejects.toThrow(/append-only/);
      await expect(t.db.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
      // A retention set in another transaction does not carry over.
      await t.db.transaction(async (tx) => {
        await tx.query("SELECT set_config('wrktalk.audit_retention_days', '30', true)");
      });
      await expect(t.db.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
      expect(await rows()).toHaveLength(5);
    });

    it('within a retention, deleting a row younger than it is still refused', async () => {
      await expect(
        t.db.transaction(async (tx) => {
          await tx.query("SELECT set_config('wrktalk.audit_retention_days', '30', true)");
          await tx.query('DELETE FROM audit_log');
        }),
      ).rejects.toThrow(/append-only/);
      expect(await rows()).toHaveLength(5);
    });

    it('pruneAuditLog deletes exactly the rows older than the retention', async () => {
      expect(await pruneAuditLog(t.db, { retentionDays: 30, now })).toBe(3);
      expect(await rows()).toEqual(['test.3', 'test.4']);
      expect(await pruneAuditLog(t.db, { retentionDays: 30, now })).toBe(0);
      await expect(pruneAuditLog(t.db, { retentionDays: 0, now })).rejects.toThrow(RangeError);
    });

    it('GccOptions.auditRetentionDays prunes from the GCC itself (at start, then hourly)', async () => {
      await t.db.query(
        `INSERT INTO audit_log (at, actor, action, subject_type, subject_id) VALUES ($1, 'system', 'test.old', 'deployment', 'x')`,
        [new Date(now.getTime() - 90 * day)],
      );
      const gcc = await startGcc(t.db, { auditRetentionDays: 60, runNotifier: false, now: () => now });
      try {
        const end = Date.now() + 30_000;
        while ((await rows()).includes('test.old')) {
          if (Date.now() > end) throw new Error('timed out waiting for the prune');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(await rows()).toEqual(['test.3', 'test.4']);
      } finally {
        await gcc.close();
      }
    });
  });
}
