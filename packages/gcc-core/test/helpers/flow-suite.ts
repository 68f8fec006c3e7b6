import { type ClientCreate, type GccClient, isGccHttpError, type Task } from '@wrktalk/sdk-gcc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseFactory, TestDatabase } from './databases';
import { countingDatabase } from './databases';
import { ADMIN, CI, type RunningGcc, startGcc } from './servers';

/** The HTTP problem of a failed SDK call (code and status), for assertions. */
export async function problemOf(
  p: Promise<unknown>,
): Promise<{ status: number; code: string | undefined; errors?: unknown }> {
  try {
    await p;
  } catch (error) {
    if (isGccHttpError(error))
      return { status: error.status, code: error.code, errors: error.problem?.errors };
    throw error;
  }
  throw new Error('expected the call to fail');
}

const SHA = (n: number) => `sha${n}`;
const img = (component: string, v: string) => `registry.wrktalk.com/${component}:${v}`;

/**
 * The whole flow against a real GCC server: releases, clients, tokens, deployments with every approval path,
 * the agent API, rollback, audit, idempotency, pagination and raw malformed input. Written once, run on each
 * database kind.
 */
export function defineFlowSuite(name: string, factory: DatabaseFactory): void {
  describe(`gcc-core flow on ${name}`, () => {
    let tdb: TestDatabase;
    let counting: ReturnType<typeof countingDatabase>;
    let srv: RunningGcc;
    let admin: GccClient;
    let ci: GccClient;
    const agent: Record<string, GccClient> = {};
    const approver: Record<string, GccClient> = {};
    const agentToken: Record<string, string> = {};
    /** One pass of the rollout worker over every active deployment (what a wake-up would run). */
    const tick = () => srv.gcc.worker.tick();

    beforeAll(async () => {
      tdb = await factory();
      counting = countingDatabase(tdb.db);
      // The rollout worker is ticked by hand (`tick`), so each step below sees exactly what one tick released.
      srv = await startGcc(counting.db, { worker: false });
      admin = srv.client(ADMIN);
      ci = srv.client(CI);
    });
    afterAll(async () => {
      await srv?.close();
      await tdb?.dispose();
    });

    it('answers health, readiness and metrics', async () => {
      expect(await admin.health.healthz()).toEqual({ status: 'ok' });
      const ready = await admin.health.readyz();
      expect(ready.status).toBe('ok');
      expect(ready.checks.migrations?.status).toBe('ok');
      expect(await admin.health.metrics()).toContain('gcc_http_requests_total');
    });

    describe('releases', () => {
      it.each([
        {
          name: 'records a release',
          body: { component: 'backend', version: SHA(1), image_url: img('backend', SHA(1)) },
          status: 201,
        },
        {
          name: 'same release again is 200',
          body: { component: 'backend', version: SHA(1), image_url: img('backend', SHA(1)) },
          status: 200,
        },
        {
          name: 'same version, other image is a conflict',
          body: {
            component: 'backend',
            version: SHA(1),
            image_url: 'registry.wrktalk.com/other/backend:sha1',
          },
          status: 409,
          code: 'release_conflict',
        },
        {
          name: 'unknown component',
          body: { component: 'nope', version: 'v1', image_url: img('nope', 'v1') },
          status: 422,
          code: 'unknown_component',
        },
        {
          name: 'image without the version',
          body: { component: 'backend', version: 'v9', image_url: img('backend', 'v8') },
          status: 422,
          code: 'invalid_image_reference',
        },
        {
          name: 'injection in the version',
          body: {
            component: 'backend',
            version: 'v1,image.repository=evil',
            image_url: img('backend', 'v1'),
          },
          status: 400,
          code: 'validation_failed',
        },
      ])('$name', async ({ body, status, code }) => {
        const res = await fetch(`${srv.url}/api/v1/releases`, {
          method: 'POST',
          headers: { authorization: `Bearer ${CI}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(res.status).toBe(status);
        if (code) {
          expect(res.headers.get('content-type')).toContain('application/problem+json');
          const p = (await res.json()) as { code: string; type: string };
          expect(p.code).toBe(code);
          expect(p.type).toBe(`https://wrktalk.com/problems/${code}`);
        }
      });

      it('records the other versions used below', async () => {
        for (const v of [SHA(2), SHA(3)]) {
          await ci.releases.create({ component: 'backend', version: v, image_url: img('backend', v) });
        }
        await ci.releases.create({ component: 'ct', version: '3.9.0', image_url: img('ct', '3.9.0') });
        const page = await ci.releases.list({ component: 'backend' });
        expect(page.items.map((r) => r.version)).toEqual([SHA(3), SHA(2), SHA(1)]);
      });
    });

    describe('clients and tokens', () => {
      it('registers clients', async () => {
        const clients: ClientCreate[] = [
          {
            id: 'adani-prod',
            name: 'Adani',
            target_kind: 'argocd' as const,
            argocd_instance: 'argocd-in',
            labels: { tier: 'premium', region: 'in' },
          },
          {
            id: 'tata-prod',
            name: 'Tata',
            target_kind: 'kubernetes' as const,
            labels: { tier: 'premium', region: 'eu' },
          },
          {
            id: 'auto-prod',
            name: 'Auto',
            target_kind: 'docker' as const,
            labels: { tier: 'free' },
            auto_approve: { all: false, components: ['backend'] },
          },
          {
            id: 'free-prod',
            name: 'Free',
            target_kind: 'docker' as const,
            labels: { tier: 'free', canary: 'true' },
          },
        ];
        for (const c of clients) await admin.clients.create(c);
        const premium = await admin.clients.list({ selector: 'tier=premium' });
        expect(premium.items.map((c) => c.id)).toEqual(['adani-prod', 'tata-prod']);
        const notin = await admin.clients.list({ selector: 'region notin (in),!canary' });
        expect(notin.items.map((c) => c.id)).toEqual(['auto-prod', 'tata-prod']);
      });

      it.each([
        {
          name: 'argocd without instance',
          body: { id: 'x1', name: 'X', target_kind: 'argocd' },
          code: 'validation_failed',
          path: '/argocd_instance',
        },
        {
          name: 'existing id',
          body: { id: 'tata-prod', name: 'X', target_kind: 'docker' },
          code: 'client_exists',
        },
        {
          name: 'unknown time zone',
          body: { id: 'x2', name: 'X', target_kind: 'docker', timezone: 'Mars/Base' },
          code: 'validation_failed',
          path: '/timezone',
        },
        {
          name: 'bad label value',
          body: { id: 'x3', name: 'X', target_kind: 'docker', labels: { tier: '$(reboot)' } },
          code: 'validation_failed',
        },
      ])('refuses $name', async ({ body, code, path }) => {
        const p = await problemOf(admin.clients.create(body as never));
        expect(p.code).toBe(code);
        if (path) expect(p.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
      });

      it('patches a client with merge-patch semantics', async () => {
        const c = await admin.clients.update('tata-prod', {
          labels: { region: null, team: 'x' },
          timezone: 'Asia/Kolkata',
        });
        expect(c.labels).toEqual({ tier: 'premium', team: 'x' });
        expect(c.timezone).toBe('Asia/Kolkata');
        const bad = await problemOf(admin.clients.update('tata-prod', { target_kind: 'argocd' }));
        expect(bad.code).toBe('validation_failed');
        expect((await admin.clients.get('tata-prod')).target_kind).toBe('kubernetes');
      });

      it('issues tokens through the API and the library', async () => {
        for (const id of ['adani-prod', 'tata-prod', 'auto-prod', 'free-prod']) {
          const a = await admin.clients.createToken(id, { role: 'agent' });
          expect(a.token).toMatch(/^wrk_[A-Za-z0-9_-]{43}$/);
          agentToken[id] = a.token;
          agent[id] = srv.client(a.token);
          const ap = await srv.gcc.issueToken({ role: 'approver', clientId: id });
          approver[id] = srv.client(ap.token);
        }
        expect((await agent['adani-prod']!.clients.get('adani-prod')).id).toBe('adani-prod');
        const stored = await tdb.db.query<{ hash: string }>('SELECT hash FROM tokens');
        expect(stored.rows.some((r) => r.hash.includes('wrk_'))).toBe(false);
      });

      it.each([
        {
          name: 'no token',
          who: () => srv.client(''),
          call: (c: GccClient) => c.clients.get('adani-prod'),
          status: 401,
        },
        {
          name: 'unknown token',
          who: () => srv.client('wrk_nope'),
          call: (c: GccClient) => c.clients.get('adani-prod'),
          status: 401,
        },
        {
          name: 'agent on another client',
          who: () => agent['adani-prod']!,
          call: (c: GccClient) => c.clients.get('tata-prod'),
          status: 404,
        },
        {
          name: 'approver on another client',
          who: () => approver['adani-prod']!,
          call: (c: GccClient) => c.approvals.listPending('tata-prod'),
          status: 404,
        },
        {
          name: 'agent on an admin endpoint',
          who: () => agent['adani-prod']!,
          call: (c: GccClient) => c.clients.list(),
          status: 403,
        },
        {
          name: 'ci on deployments',
          who: () => ci,
          call: (c: GccClient) => c.deployments.list(),
          status: 403,
        },
        {
          name: 'approver polling updates',
          who: () => approver['adani-prod']!,
          call: (c: GccClient) => c.agent.getUpdates('adani-prod'),
          status: 403,
        },
      ])('$name → $status', async ({ who, call, status }) => {
        expect((await problemOf(call(who()))).status).toBe(status);
      });
    });

    describe('deployments, approvals and the agent', () => {
      let d1: string;
      let task: Task;

      it('creates every task in one set-based statement and decides approvals', async () => {
        const rel = (await ci.releases.list({ component: 'backend' })).items.find(
          (r) => r.version === SHA(1),
        )!;
        counting.reset();
        const d = await admin.deployments.create({
          release_id: rel.id,
          targets: { selector: 'tier in (premium,free)' },
        });
        // The request's own statements: the GCC's background loops (the notifier's outbox poll and its expansion of
        // the new deployment's event, batched last-seen writes) share this database and may land in the window.
        const statements = counting
          .texts()
          .filter(
            (t) =>
              !/notification_outbox|last_seen_at = GREATEST|^SELECT components FROM deployments WHERE id = \$1$/.test(
                t,
              ),
          );
        // One set-based INSERT for every task, whatever the number of clients.
        expect(statements.filter((t) => /INSERT INTO deployment_tasks/.test(t))).toHaveLength(1);
        d1 = d.id;
        expect(d.status).toBe('running');
        expect(d.task_counts.pending_approval).toBe(3);
        // auto-prod's preference approves backend; the worker releases it (the GCC's default: the immediate strategy).
        expect(d.task_counts.approved).toBe(1);
        expect(d.strategy).toMatchObject({
          stages: [{ kind: 'batch', percent: 100, wait_seconds: 0 }],
          join_running_stage: true,
          stage_fill_seconds: 0,
          max_attempts: 1,
          on_failure: 'pause',
        });
        expect(statements.length, statements.join(`\n---\n`)).toBeLessThan(20);
        await tick();
        const auto = await admin.deployments.listTasks(d1, { client_id: 'auto-prod' });
        expect(auto.items[0]).toMatchObject({ status: 'queued', approval_source: 'auto_policy', attempt: 1 });
        expect((await admin.deployments.get(d1)).stages).toEqual([
          expect.objectContaining({ index: 0, kind: 'batch', status: 'running' }),
        ]);
        const inserts = await tdb.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM deployment_tasks WHERE deployment_id = $1',
          [d1],
        );
        expect(inserts.rows[0]!.n).toBe(4);
      });

      it('lists pending approvals to the approver and approves idempotently', async () => {
        const pending = await approver['adani-prod']!.approvals.listPending('adani-prod');
        expect(pending.items).toHaveLength(1);
        const p = pending.items[0]!;
        expect(p).toMatchObject({ deployment_id: d1, version: SHA(1), status: 'pending_approval' });
        const t = await approver['adani-prod']!.approvals.approve('adani-prod', p.task_id, {
          approved_by: 'ct@adani',
        });
        expect(t).toMatchObject({
          status: 'approved',
          approval_status: 'approved',
          approval_source: 'client',
          approved_by: 'ct@adani',
          attempt: 0,
        });
        // Released by the next tick while auto-prod's update still runs: it joins the running stage.
        await tick();
        const again = await approver['adani-prod']!.approvals.approve('adani-prod', p.task_id, {
          approved_by: 'someone else',
        });
        expect(again).toMatchObject({ approved_by: 'ct@adani', status: 'queued', attempt: 1, stage: 0 });
        task = again;
      });

      it('offers the update to the agent with ETag, 304 and a lease', async () => {
        const a = agent['adani-prod']!;
        const first = await a.agent.getUpdates('adani-prod');
        if (first.notModified) throw new Error('expected a body');
        expect(first.body.available).toBe(true);
        expect(first.body.update).toMatchObject({
          task_id: task.id,
          attempt: 1,
          version: SHA(1),
          helm_parameter: 'backend.image.tag',
        });
        expect(first.body.poll_after_seconds).toBe(30);
        const second = await a.agent.getUpdates('adani-prod', { etag: first.etag });
        expect(second.notModified).toBe(true);
        const t = (await admin.deployments.listTasks(d1, { client_id: 'adani-prod' })).items[0]!;
        expect(t.status).toBe('in_progress');
        expect(t.lease_expires_at).not.toBeNull();
      });

      it('takes status reports idempotently and refuses stale and illegal ones', async () => {
        const a = agent['adani-prod']!;
        const hb = await a.agent.reportStatus('adani-prod', {
          task_id: task.id,
          attempt: 1,
          status: 'in_progress',
          agent_version: '1.2.0',
        });
        expect(hb).toMatchObject({ task_status: 'in_progress', duplicate: false });
        expect(
          (
            await problemOf(
              a.agent.reportStatus('adani-prod', { task_id: task.id, attempt: 2, status: 'success' }),
            )
          ).code,
        ).toBe('stale_attempt');
        const logs = Array.from({ length: 200 }, (_, i) => `line ${i}`);
        const ok = await a.agent.reportStatus('adani-prod', {
          task_id: task.id,
          attempt: 1,
          status: 'success',
          message: 'healthy',
          logs,
        });
        expect(ok).toMatchObject({ task_status: 'success', duplicate: false });
        const dup = await a.agent.reportStatus('adani-prod', {
          task_id: task.id,
          attempt: 1,
          status: 'success',
        });
        expect(dup).toMatchObject({ task_status: 'success', duplicate: true });
        expect(
          (
            await problemOf(
              a.agent.reportStatus('adani-prod', { task_id: task.id, attempt: 1, status: 'failed' }),
            )
          ).code,
        ).toBe('illegal_transition');
        expect(
          (
            await problemOf(
              agent['tata-prod']!.agent.reportStatus('tata-prod', {
                task_id: task.id,
                attempt: 1,
                status: 'success',
              }),
            )
          ).status,
        ).toBe(404);
        const client = await admin.clients.get('adani-prod');
        expect(client.current_versions).toEqual({ backend: SHA(1) });
        expect(client.agent_version).toBe('1.2.0');
        const history = await tdb.db.query<{ version: string; is_current: boolean }>(
          "SELECT version, is_current FROM deployment_history WHERE client_id = 'adani-prod'",
        );
        expect(history.rows).toEqual([{ version: SHA(1), is_current: true }]);
        const t = (await admin.deployments.listTasks(d1, { client_id: 'adani-prod' })).items[0]!;
        expect(t.logs).toHaveLength(200);
      });

      it('rejects, and answers 409 with the current state to a late approval', async () => {
        const pending = await approver['tata-prod']!.approvals.listPending('tata-prod');
        const id = pending.items[0]!.task_id;
        const r = await approver['tata-prod']!.approvals.reject('tata-prod', id, {
          rejected_by: 'ct@tata',
          reason: 'freeze',
        });
        expect(r).toMatchObject({
          status: 'rejected',
          approval_status: 'rejected',
          rejected_reason: 'freeze',
        });
        const res = await fetch(`${srv.url}/api/v1/clients/tata-prod/pending-approvals/${id}/approve`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ approved_by: 'late' }),
        });
        expect(res.status).toBe(409);
        expect(await res.json()).toMatchObject({ code: 'illegal_transition', task_status: 'rejected' });
      });

      it('force-approves with an audit entry naming the admin', async () => {
        const t = (await admin.deployments.listTasks(d1, { client_id: 'free-prod' })).items[0]!;
        const f = await admin.deployments.forceApprove(d1, t.id, {
          approved_by: 'ravi@wrktalk.com',
          reason: 'phoned',
        });
        expect(f).toMatchObject({
          status: 'approved',
          approval_source: 'admin_force',
          approved_by: 'ravi@wrktalk.com',
        });
        await tick();
        const queued = (await admin.deployments.listTasks(d1, { client_id: 'free-prod' })).items[0]!;
        expect(queued).toMatchObject({ status: 'queued', stage: 0 });
        const audit = await admin.audit.list({ deployment_id: d1 });
        const entry = audit.items.find((e) => e.action === 'task.force_approve')!;
        expect(entry.actor).toBe('admin:admin');
        expect(entry.after).toMatchObject({ reason: 'phoned' });
      });

      it('completes the deployment when every task is settled', async () => {
        for (const id of ['auto-prod', 'free-prod']) {
          const u = await agent[id]!.agent.getUpdates(id);
          if (u.notModified || !u.body.update) throw new Error('expected an update');
          await agent[id]!.agent.reportStatus(id, {
            task_id: u.body.update.task_id,
            attempt: 1,
            status: 'success',
          });
        }
        await tick();
        const d = await admin.deployments.get(d1);
        expect(d.status).toBe('completed');
        expect(d.task_counts).toMatchObject({ success: 3, rejected: 1 });
        expect(d.finished_at).not.toBeNull();
      });

      it('deploys without approval and rolls back to the previous version', async () => {
        const rel2 = (await ci.releases.list({ component: 'backend' })).items.find(
          (r) => r.version === SHA(2),
        )!;
        const d2 = await admin.deployments.create({
          release_id: rel2.id,
          targets: { client_ids: ['adani-prod', 'free-prod'] },
          approval: { required: false },
        });
        expect(d2.task_counts.approved).toBe(2);
        await tick();
        expect((await admin.deployments.get(d2.id)).task_counts.queued).toBe(2);
        const tasks = await admin.deployments.listTasks(d2.id);
        expect(
          tasks.items.every((t) => t.approval_source === 'not_required' && t.previous_version === SHA(1)),
        ).toBe(true);
        const u = await agent['adani-prod']!.agent.getUpdates('adani-prod');
        if (u.notModified || !u.body.update) throw new Error('expected an update');
        await agent['adani-prod']!.agent.reportStatus('adani-prod', {
          task_id: u.body.update.task_id,
          attempt: 1,
          status: 'success',
        });
        expect((await admin.clients.get('adani-prod')).current_versions.backend).toBe(SHA(2));

        const rb = await admin.deployments.rollback(d2.id, {
          scope: 'clients',
          client_ids: ['adani-prod'],
          reason: 'latency',
        });
        expect(rb).toMatchObject({ type: 'rollback', rollback_of: d2.id, status: 'running' });
        expect((await admin.deployments.get(d2.id)).status).toBe('rolling_back');
        const free = (await admin.deployments.listTasks(d2.id, { client_id: 'free-prod' })).items[0]!;
        expect(free.status).toBe('cancelled');
        await tick();
        const offer = await agent['adani-prod']!.agent.getUpdates('adani-prod');
        if (offer.notModified || !offer.body.update) throw new Error('expected the rollback');
        expect(offer.body.update).toMatchObject({
          type: 'rollback',
          version: SHA(1),
          image_url: img('backend', SHA(1)),
        });
        await agent['adani-prod']!.agent.reportStatus('adani-prod', {
          task_id: offer.body.update.task_id,
          attempt: 1,
          status: 'success',
        });
        await tick();
        expect((await admin.deployments.get(rb.id)).status).toBe('completed');
        expect((await admin.deployments.get(d2.id)).status).toBe('rolled_back');
        expect((await admin.clients.get('adani-prod')).current_versions.backend).toBe(SHA(1));
        const current = await tdb.db.query<{ version: string }>(
          "SELECT version FROM deployment_history WHERE client_id = 'adani-prod' AND is_current",
        );
        expect(current.rows).toEqual([{ version: SHA(1) }]);
        expect((await problemOf(admin.deployments.rollback(d2.id))).code).toBe('illegal_transition');
      });

      it.each([
        {
          name: 'unknown release',
          body: { release_id: 'rel-nope', targets: { selector: 'tier=free' } },
          code: 'not_found',
        },
        {
          name: 'unknown client',
          body: { release_id: '$REL', targets: { client_ids: ['ghost'] } },
          code: 'unknown_client',
        },
        {
          name: 'no targets',
          body: { release_id: '$REL', targets: { selector: 'tier=gold' } },
          code: 'no_targets',
        },
        {
          name: 'bad selector',
          body: { release_id: '$REL', targets: { selector: 'tier in (a' } },
          code: 'invalid_selector',
        },
        {
          name: 'count and percent',
          body: {
            release_id: '$REL',
            targets: { selector: 'tier=free' },
            strategy: { stages: [{ kind: 'canary', count: 1, percent: 5 }, { kind: 'batch' }] },
          },
          code: 'validation_failed',
          path: '/strategy/stages/0',
        },
        {
          name: 'rest stage not last',
          body: {
            release_id: '$REL',
            targets: { selector: 'tier=free' },
            strategy: { stages: [{ kind: 'batch' }, { kind: 'batch', count: 1 }] },
          },
          code: 'validation_failed',
          path: '/strategy/stages/0',
        },
        { name: 'empty targets', body: { release_id: '$REL', targets: {} }, code: 'validation_failed' },
      ])('refuses a deployment: $name', async ({ body, code, path }) => {
        const rel = (await ci.releases.list({ component: 'backend' })).items[0]!;
        const before = (await tdb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM deployments'))
          .rows[0]!.n;
        const res = await fetch(`${srv.url}/api/v1/deployments`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            ...body,
            release_id: body.release_id === '$REL' ? rel.id : body.release_id,
          }),
        });
        const p = (await res.json()) as { code: string; errors?: { path: string }[] };
        expect(p.code).toBe(code);
        if (path) expect(p.errors?.map((e) => e.path)).toContain(path);
        const after = (await tdb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM deployments'))
          .rows[0]!.n;
        expect(after).toBe(before);
      });

      it('keeps tasks pending while the deployment is not yet visible', async () => {
        const rel = (await ci.releases.list({ component: 'ct' })).items[0]!;
        const d = await admin.deployments.create({
          release_id: rel.id,
          targets: { client_ids: ['tata-prod'] },
          approval: { visible_from: '2999-01-01T00:00:00Z' },
        });
        expect(d.task_counts.pending).toBe(1);
        expect((await approver['tata-prod']!.approvals.listPending('tata-prod')).items).toHaveLength(0);
        const aborted = await admin.deployments.abort(d.id);
        expect(aborted.status).toBe('aborted');
        expect(aborted.task_counts.cancelled).toBe(1);
      });
    });

    describe('idempotency', () => {
      it('replays the stored answer for the same key and body, refuses another body', async () => {
        const body = { id: 'idem-prod', name: 'Idem', target_kind: 'docker' as const };
        const a = await admin.clients.create(body, { idempotencyKey: 'key-1' });
        const b = await admin.clients.create(body, { idempotencyKey: 'key-1' });
        expect(b).toEqual(a);
        const p = await problemOf(
          admin.clients.create({ ...body, name: 'Other' }, { idempotencyKey: 'key-1' }),
        );
        expect(p).toMatchObject({ status: 409, code: 'idempotency_key_reused' });
        const rel = await ci.releases.create(
          { component: 'media', version: '2.4.1', image_url: img('media', '2.4.1') },
          { idempotencyKey: 'k' },
        );
        const d1 = await admin.deployments.create(
          { release_id: rel.id, targets: { client_ids: ['idem-prod'] } },
          { idempotencyKey: 'dep-1' },
        );
        const d2 = await admin.deployments.create(
          { release_id: rel.id, targets: { client_ids: ['idem-prod'] } },
          { idempotencyKey: 'dep-1' },
        );
        expect(d2.id).toBe(d1.id);
        const n = await tdb.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM deployment_tasks WHERE client_id = 'idem-prod'",
        );
        expect(n.rows[0]!.n).toBe(1);
      });
    });

    describe('pagination', () => {
      it('walks every page once with an opaque keyset cursor', async () => {
        for (let i = 0; i < 7; i++)
          await admin.clients.create({
            id: `page-${i}`,
            name: `P${i}`,
            target_kind: 'docker',
            labels: { group: 'page' },
          });
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const p = await admin.clients.list({ selector: 'group=page', limit: 3, ...(cursor && { cursor }) });
          seen.push(...p.items.map((c) => c.id));
          cursor = p.next_cursor ?? undefined;
          pages++;
        } while (cursor);
        expect(pages).toBe(3);
        expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => `page-${i}`));
        const first = await admin.clients.list({ selector: 'group=page', limit: 3 });
        const p = await problemOf(admin.clients.list({ selector: 'tier=free', cursor: first.next_cursor! }));
        expect(p).toMatchObject({ status: 400, code: 'validation_failed' });
        const audit: string[] = [];
        let c: string | undefined;
        do {
          const page = await admin.audit.list({ limit: 5, ...(c && { cursor: c }) });
          audit.push(...page.items.map((e) => e.id));
          c = page.next_cursor ?? undefined;
        } while (c);
        expect(new Set(audit).size).toBe(audit.length);
        const total = (await tdb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log')).rows[0]!
          .n;
        expect(audit.length).toBe(total);
      });
    });

    describe('raw input', () => {
      const post = (path: string, body: string, headers: Record<string, string> = {}) =>
        fetch(`${srv.url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...headers },
          body,
        });
      it.each([
        {
          name: 'malformed JSON',
          send: () => post('/api/v1/clients', '{"id": '),
          status: 400,
          code: 'malformed_json',
        },
        {
          name: 'wrong content type',
          send: () => post('/api/v1/clients', 'id=x', { 'content-type': 'text/plain' }),
          status: 415,
          code: 'unsupported_media_type',
        },
        {
          name: 'body over the limit',
          send: () =>
            post(
              '/api/v1/clients',
              JSON.stringify({ id: 'x', name: 'x'.repeat(1_100_000), target_kind: 'docker' }),
            ),
          status: 413,
          code: 'payload_too_large',
        },
        {
          name: 'unknown field',
          send: () =>
            post('/api/v1/clients', JSON.stringify({ id: 'x', name: 'x', target_kind: 'docker', evil: 1 })),
          status: 400,
          code: 'validation_failed',
        },
        { name: 'unknown route', send: () => post('/api/v1/nope', '{}'), status: 404, code: 'not_found' },
        {
          name: 'bad path parameter',
          send: () =>
            fetch(`${srv.url}/api/v1/clients/..%2F..%2Fx`, { headers: { authorization: `Bearer ${ADMIN}` } }),
          status: 400,
          code: 'validation_failed',
        },
        {
          name: 'bad limit',
          send: () =>
            fetch(`${srv.url}/api/v1/clients?limit=501`, { headers: { authorization: `Bearer ${ADMIN}` } }),
          status: 400,
          code: 'validation_failed',
        },
        {
          name: 'repeated query parameter',
          send: () =>
            fetch(`${srv.url}/api/v1/releases?component=a&component=b`, {
              headers: { authorization: `Bearer ${ADMIN}` },
            }),
          status: 400,
          code: 'validation_failed',
        },
        {
          name: 'huge wait',
          send: () =>
            fetch(`${srv.url}/api/v1/clients/adani-prod/updates?wait=61`, {
              headers: { authorization: `Bearer ${agentToken['adani-prod']}` },
            }),
          status: 400,
          code: 'validation_failed',
        },
        {
          name: 'foreign cursor',
          send: () =>
            fetch(`${srv.url}/api/v1/audit?cursor=%27%3B%20drop`, {
              headers: { authorization: `Bearer ${ADMIN}` },
            }),
          status: 400,
          code: 'validation_failed',
        },
      ])('$name → $status $code', async ({ send, status, code }) => {
        const res = await send();
        expect(res.status).toBe(status);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        const p = (await res.json()) as { code: string; instance: string; request_id: string };
        expect(p.code).toBe(code);
        expect(p.request_id).toBe(res.headers.get('x-request-id'));
      });

      it('echoes X-Request-Id', async () => {
        const res = await fetch(`${srv.url}/healthz`, { headers: { 'x-request-id': 'req-test-1' } });
        expect(res.headers.get('x-request-id')).toBe('req-test-1');
      });
    });
  });
}
