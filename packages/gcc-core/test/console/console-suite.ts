import {
  type DeploymentCreate,
  type GccClient,
  type GccHttpError,
  isGccHttpError,
  paginate,
} from '@wrktalk/sdk-gcc';
import { OPENAPI_JSON, OPENAPI_YAML } from '@wrktalk/sdk-gcc/openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseFactory, TestDatabase } from '../helpers/databases';
import { ADMIN, CI, type RunningGcc, startGcc } from '../helpers/servers';

/** The HTTP error a call ends with (fails the test when it succeeds). */
async function refusal(call: Promise<unknown>): Promise<GccHttpError> {
  try {
    await call;
  } catch (error) {
    if (isGccHttpError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to be refused');
}

/** Every problem path of a refusal, sorted. */
const pathsOf = (e: GccHttpError) => (e.problem?.errors ?? []).map((x) => x.path).sort();

/**
 * The API the admin console and the CT screens need (issue 13), over HTTP with the SDK against gcc-core on a real
 * database: client settings, admin auto-approve policies (stored, snapshotted into deployments, applied with their
 * id as the approval's policy), a client's task history, task filters, the deployment ETag, the dry-run preview and
 * the contract served by the GCC. Each operation: success, roles (admin, approver own, approver of another client →
 * 404, agent → 403) and bad input that changes nothing. Written once, run on each database kind.
 */
export function defineConsoleSuite(name: string, factory: DatabaseFactory): void {
  describe(`admin console API on ${name}`, () => {
    let tdb: TestDatabase;
    let srv: RunningGcc;
    let admin: GccClient;
    let approverA: GccClient;
    let agentA: GccClient;
    let backend: string;
    let ct: string;

    /** Rows of the tables a refused request must leave alone. */
    const tables = async () =>
      (
        await tdb.db.query<Record<string, number>>(
          `SELECT (SELECT count(*) FROM deployments)::int AS deployments,
                  (SELECT count(*) FROM deployment_tasks)::int AS tasks,
                  (SELECT count(*) FROM auto_approve_policies)::int AS policies,
                  (SELECT count(*) FROM audit_log)::int AS audit,
                  (SELECT md5(string_agg(c::text, ',' ORDER BY id)) FROM clients c) AS clients`,
        )
      ).rows[0]!;

    const client = (id: string, labels: Record<string, string> = {}) =>
      admin.clients.create({ id, name: id, target_kind: 'docker', labels });

    beforeAll(async () => {
      tdb = await factory();
      srv = await startGcc(tdb.db, { orchestration: 'worker', worker: false, runNotifier: false });
      admin = srv.client(ADMIN);
      for (const id of ['con-a', 'con-b']) await client(id, { suite: 'con' });
      approverA = srv.client((await srv.gcc.issueToken({ role: 'approver', clientId: 'con-a' })).token);
      agentA = srv.client((await srv.gcc.issueToken({ role: 'agent', clientId: 'con-a' })).token);
      const ci = srv.client(CI);
      backend = (
        await ci.releases.create({
          component: 'backend',
          version: 'con-1',
          image_url: 'registry.wrktalk.com/backend:con-1',
        })
      ).id;
      ct = (
        await ci.releases.create({
          component: 'ct',
          version: 'con-ct-1',
          image_url: 'registry.wrktalk.com/ct:con-ct-1',
        })
      ).id;
    }, 60_000);
    afterAll(async () => {
      await srv?.close();
      await tdb?.dispose();
    });

    describe('client settings (getClientSettings, updateClientSettings)', () => {
      it('an approver reads and changes its own client’s settings; each given field is replaced, the rest kept, audited', async () => {
        expect(await approverA.clients.getSettings('con-a')).toMatchObject({
          client_id: 'con-a',
          timezone: 'UTC',
          maintenance_windows: [],
          notification_emails: [],
          auto_approve: { all: false, components: [] },
        });
        const windows = [{ days: ['sat' as const, 'sun' as const], start: '22:00', end: '04:00' }];
        const s = await approverA.clients.updateSettings('con-a', {
          timezone: 'Asia/Kolkata',
          maintenance_windows: windows,
          notification_emails: ['it-ops@con-a.test', 'Priya@Con-A.test'],
        });
        expect(s).toMatchObject({
          timezone: 'Asia/Kolkata',
          maintenance_windows: windows,
          notification_emails: ['it-ops@con-a.test', 'Priya@Con-A.test'],
          auto_approve: { all: false, components: [] },
        });
        // Stored where the notifier reads approvers' addresses, and on the client the worker plans windows from.
        const row = await tdb.db.query<{ notify_emails: string[]; timezone: string }>(
          'SELECT notify_emails, timezone FROM clients WHERE id = $1',
          ['con-a'],
        );
        expect(row.rows[0]).toEqual({
          notify_emails: ['it-ops@con-a.test', 'Priya@Con-A.test'],
          timezone: 'Asia/Kolkata',
        });
        expect((await admin.clients.get('con-a')).maintenance_windows).toEqual(windows);

        const next = await admin.clients.updateSettings('con-a', {
          auto_approve: { all: false, components: ['ct'] },
        });
        expect(next.timezone).toBe('Asia/Kolkata');
        expect(next.auto_approve).toEqual({ all: false, components: ['ct'] });
        expect(await approverA.approvals.getAutoApprove('con-a')).toEqual({ all: false, components: ['ct'] });

        const audit = (await admin.audit.list({ client_id: 'con-a' })).items.filter(
          (e) => e.action === 'client.update_settings',
        );
        expect(audit.map((e) => [e.actor, e.before, e.after])).toEqual([
          [
            'admin:admin',
            { auto_approve: { all: false, components: [] } },
            { auto_approve: { all: false, components: ['ct'] } },
          ],
          [
            'approver:con-a',
            { maintenance_windows: [], notification_emails: [], timezone: 'UTC' },
            {
              maintenance_windows: windows,
              notification_emails: ['it-ops@con-a.test', 'Priya@Con-A.test'],
              timezone: 'Asia/Kolkata',
            },
          ],
        ]);
        await admin.clients.updateSettings('con-a', { auto_approve: { all: false, components: [] } });
      });

      it('lists every problem at once (time zone, addresses, count, duplicates, window, component) and changes nothing', async () => {
        const before = await tables();
        const emails = Array.from({ length: 21 }, (_, i) => `a${i}@con.test`);
        emails[3] = 'not an address';
        emails[5] = 'A1@CON.TEST'; // the same as emails[1], whatever the case
        const e = await refusal(
          approverA.clients.updateSettings('con-a', {
            timezone: 'Mars/Olympus_Mons',
            notification_emails: emails,
            maintenance_windows: [{ days: ['mon'], start: '25:00', end: '04:00' }],
            auto_approve: { all: false, components: ['chat-bot'] },
          }),
        );
        expect(e.status).toBe(400);
        expect(e.problem?.code).toBe('validation_failed');
        const paths = pathsOf(e);
        for (const p of [
          '/timezone',
          '/notification_emails',
          '/notification_emails/3',
          '/notification_emails/5',
          '/maintenance_windows/0/start',
          '/auto_approve/components/0',
        ])
          expect(paths, JSON.stringify(e.problem?.errors)).toContain(p);
        expect(await tables()).toEqual(before);
      });

      it('an empty patch, an unknown field, a wrong type: 400, nothing changed', async () => {
        const before = await tables();
        for (const patch of [{}, { name: 'x' }, { notification_emails: 'a@b.test' }, { timezone: null }]) {
          const e = await refusal(admin.clients.updateSettings('con-a', patch as never));
          expect([e.status, e.problem?.code], JSON.stringify(patch)).toEqual([400, 'validation_failed']);
        }
        expect(await tables()).toEqual(before);
      });

      it('roles: an approver of another client is 404 (like a client that does not exist), an agent is 403', async () => {
        for (const call of [
          () => approverA.clients.getSettings('con-b'),
          () => approverA.clients.updateSettings('con-b', { timezone: 'UTC' }),
          () => approverA.clients.getSettings('con-nobody'),
          () => admin.clients.getSettings('con-nobody'),
        ]) {
          const e = await refusal(call());
          expect([e.status, e.problem?.code]).toEqual([404, 'not_found']);
        }
        const e = await refusal(agentA.clients.getSettings('con-a'));
        expect([e.status, e.problem?.code]).toEqual([403, 'forbidden']);
        const u = await refusal(agentA.clients.updateSettings('con-a', { timezone: 'UTC' }));
        expect(u.status).toBe(403);
      });
    });

    describe('auto-approve policies (list, create, delete) and how deployments apply them', () => {
      it('creates, lists by id and deletes a policy, each audited; an id in use is 409 policy_exists', async () => {
        const p = await admin.autoApprovePolicies.create({
          id: 'con-zz-free',
          components: ['ct'],
          label_selector: 'tier=free',
          description: 'free tier takes CT',
        });
        expect(p).toMatchObject({
          id: 'con-zz-free',
          components: ['ct'],
          label_selector: 'tier=free',
          created_by: 'admin:admin',
        });
        const q = await admin.autoApprovePolicies.create({ id: 'con-aa-all' });
        expect(q).toMatchObject({ components: null, label_selector: null, description: null });
        const listed = (await admin.autoApprovePolicies.list()).items.map((x) => x.id);
        expect(listed).toEqual(['con-aa-all', 'con-zz-free']);
        // Pagination with cursor and limit, like every list.
        const paged: string[] = [];
        for await (const x of paginate((cursor) => admin.autoApprovePolicies.list({ cursor, limit: 1 })))
          paged.push(x.id);
        expect(paged).toEqual(['con-aa-all', 'con-zz-free']);

        const before = await tables();
        const dup = await refusal(
          admin.autoApprovePolicies.create({ id: 'con-aa-all', components: ['backend'] }),
        );
        expect([dup.status, dup.problem?.code]).toEqual([409, 'policy_exists']);
        expect(await tables()).toEqual(before);

        await admin.autoApprovePolicies.delete('con-aa-all');
        await admin.autoApprovePolicies.delete('con-zz-free');
        expect((await admin.autoApprovePolicies.list()).items).toEqual([]);
        const gone = await refusal(admin.autoApprovePolicies.delete('con-aa-all'));
        expect([gone.status, gone.problem?.code]).toEqual([404, 'not_found']);
        const actions = (await admin.audit.list()).items
          .filter((e) => e.subject_type === 'auto_approve_policy')
          .map((e) => [e.action, e.subject_id]);
        expect(actions).toEqual([
          ['auto_approve_policy.delete', 'con-zz-free'],
          ['auto_approve_policy.delete', 'con-aa-all'],
          ['auto_approve_policy.create', 'con-aa-all'],
          ['auto_approve_policy.create', 'con-zz-free'],
        ]);
      });

      it('422 invalid_policy lists every problem (id, empty components, unknown component, selector); 400 for a wrong shape; nothing written', async () => {
        const before = await tables();
        const e = await refusal(
          admin.autoApprovePolicies.create({
            id: 'Not_A_Label',
            components: [],
            label_selector: 'tier in (',
          }),
        );
        expect([e.status, e.problem?.code]).toEqual([422, 'invalid_policy']);
        expect(pathsOf(e)).toEqual(['/components', '/id', '/label_selector']);
        const u = await refusal(admin.autoApprovePolicies.create({ id: 'con-x', components: ['chat-bot'] }));
        expect([u.status, pathsOf(u)]).toEqual([422, ['/components/0']]);
        for (const body of [{}, { id: 'con-x', extra: 1 }, { id: 'con-x', components: 'ct' }]) {
          const b = await refusal(admin.autoApprovePolicies.create(body as never));
          expect([b.status, b.problem?.code], JSON.stringify(body)).toEqual([400, 'validation_failed']);
        }
        const bad = await refusal(admin.autoApprovePolicies.delete('Bad_Id'));
        expect(bad.status).toBe(400);
        expect(await tables()).toEqual(before);
      });

      it('roles: admin only (approver and agent are 403)', async () => {
        for (const c of [approverA, agentA]) {
          expect((await refusal(c.autoApprovePolicies.list())).status).toBe(403);
          expect((await refusal(c.autoApprovePolicies.create({ id: 'con-r' }))).status).toBe(403);
          expect((await refusal(c.autoApprovePolicies.delete('con-r'))).status).toBe(403);
        }
      });

      it('a new deployment keeps the policies of its creation and approves the tasks they match (auto_policy, policy id audited); the client’s own preference comes first', async () => {
        await client('con-free-1', { suite: 'pol', tier: 'free' });
        await client('con-free-own', { suite: 'pol', tier: 'free' });
        await client('con-paid-1', { suite: 'pol', tier: 'paid' });
        await admin.clients.updateSettings('con-free-own', { auto_approve: { all: true, components: [] } });
        await admin.autoApprovePolicies.create({
          id: 'con-free-ct',
          components: ['ct'],
          label_selector: 'tier=free',
        });
        await admin.autoApprovePolicies.create({ id: 'con-media', components: ['media'] });

        const d = await admin.deployments.create({ release_id: ct, targets: { selector: 'suite=pol' } });
        expect(d.approval.auto_approve_policies).toEqual([
          { id: 'con-free-ct', components: ['ct'], label_selector: 'tier=free' },
          { id: 'con-media', components: ['media'], label_selector: null },
        ]);
        const tasks = (await admin.deployments.listTasks(d.id)).items;
        expect(tasks.map((t) => [t.client_id, t.approval_status, t.approval_source, t.approved_by])).toEqual([
          ['con-free-1', 'approved', 'auto_policy', 'system'],
          ['con-free-own', 'approved', 'auto_policy', 'system'],
          ['con-paid-1', 'pending', null, null],
        ]);
        const audit = (await admin.audit.list({ deployment_id: d.id })).items
          .filter((e) => e.action === 'task.auto_approve')
          .map((e) => [e.client_id, e.after?.approval_source, e.after?.policy]);
        expect(audit.sort()).toEqual([
          ['con-free-1', 'auto_policy', 'con-free-ct'],
          ['con-free-own', 'auto_policy', 'client_preference'],
        ]);

        // Deleting the policy does not change the deployment under way.
        await admin.autoApprovePolicies.delete('con-free-ct');
        expect((await admin.deployments.get(d.id)).approval.auto_approve_policies.map((p) => p.id)).toEqual([
          'con-free-ct',
          'con-media',
        ]);
        // …and a later deployment no longer has it.
        const later = await admin.deployments.create({
          release_id: ct,
          targets: { client_ids: ['con-free-1'] },
        });
        expect(later.approval.auto_approve_policies.map((p) => p.id)).toEqual(['con-media']);
        expect((await admin.deployments.listTasks(later.id)).items[0]?.approval_status).toBe('pending');
        await admin.autoApprovePolicies.delete('con-media');
      });

      it('the worker applies a deployment’s policies later too (a client relabelled to match), recording the policy', async () => {
        await client('con-late', { suite: 'late', tier: 'paid' });
        await admin.autoApprovePolicies.create({ id: 'con-late-free', label_selector: 'tier=free' });
        const d = await admin.deployments.create({
          release_id: backend,
          targets: { selector: 'suite=late' },
        });
        expect((await admin.deployments.listTasks(d.id)).items[0]?.approval_status).toBe('pending');
        await admin.clients.update('con-late', { labels: { tier: 'free' } });
        await srv.gcc.worker.tick(d.id);
        const t = (await admin.deployments.listTasks(d.id)).items[0]!;
        expect([t.approval_status, t.approval_source]).toEqual(['approved', 'auto_policy']);
        const r = await tdb.db.query<{ approval_policy: string }>(
          'SELECT approval_policy FROM deployment_tasks WHERE id = $1',
          [t.id],
        );
        expect(r.rows[0]?.approval_policy).toBe('con-late-free');
        const audit = (await admin.audit.list({ deployment_id: d.id })).items.find(
          (e) => e.action === 'task.auto_approve',
        );
        expect(audit?.after).toMatchObject({ approval_source: 'auto_policy', policy: 'con-late-free' });
        await admin.autoApprovePolicies.delete('con-late-free');
      });
    });

    describe('a client’s task history (listClientTasks)', () => {
      it('newest first, paginated, filtered by status; approver own only (another client 404, agent 403)', async () => {
        await client('con-hist', { suite: 'hist' });
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) {
          const d = await admin.deployments.create({
            release_id: backend,
            targets: { client_ids: ['con-hist'] },
          });
          ids.push((await admin.deployments.listTasks(d.id)).items[0]!.id);
        }
        const approver = srv.client(
          (await srv.gcc.issueToken({ role: 'approver', clientId: 'con-hist' })).token,
        );
        await approver.approvals.reject('con-hist', ids[0]!, {
          rejected_by: 'me@hist.test',
          reason: 'freeze',
        });
        const all: string[] = [];
        for await (const t of paginate((cursor) =>
          approver.clients.listTasks('con-hist', { cursor, limit: 2 }),
        ))
          all.push(t.id);
        expect(all).toEqual([...ids].reverse());
        const rejected = await approver.clients.listTasks('con-hist', { status: 'rejected' });
        expect(rejected.items.map((t) => t.id)).toEqual([ids[0]]);

        expect((await refusal(approverA.clients.listTasks('con-hist'))).status).toBe(404);
        expect((await refusal(admin.clients.listTasks('con-nobody'))).status).toBe(404);
        expect((await refusal(agentA.clients.listTasks('con-a'))).status).toBe(403);
        const bad = await refusal(approver.clients.listTasks('con-hist', { status: 'sleeping' as never }));
        expect([bad.status, pathsOf(bad)]).toEqual([400, ['/query/status']]);
      });
    });

    describe('deployment tasks filtered by stage and client id search (listDeploymentTasks)', () => {
      it('stage and q filter on the server, with the other filters and pagination', async () => {
        const ids = ['con-st-alpha', 'con-st-beta', 'con-st-gamma', 'con-st-delta'];
        for (const id of ids) await client(id, { suite: 'st' });
        const d = await admin.deployments.create({
          release_id: backend,
          targets: { selector: 'suite=st' },
          approval: { required: false },
          strategy: {
            stages: [
              { kind: 'canary', count: 1, wait_seconds: 0 },
              { kind: 'batch', wait_seconds: 0 },
            ],
          },
        });
        await srv.gcc.worker.tick(d.id);
        const all = (await admin.deployments.listTasks(d.id)).items;
        const stage0 = all.filter((t) => t.stage === 0).map((t) => t.client_id);
        expect(stage0).toHaveLength(1);
        expect((await admin.deployments.listTasks(d.id, { stage: 0 })).items.map((t) => t.client_id)).toEqual(
          stage0,
        );
        expect((await admin.deployments.listTasks(d.id, { stage: 7 })).items).toEqual([]);
        expect(
          (await admin.deployments.listTasks(d.id, { q: 'ST-A' })).items.map((t) => t.client_id),
        ).toEqual(['con-st-alpha']);
        expect((await admin.deployments.listTasks(d.id, { q: 'ta' })).items.map((t) => t.client_id)).toEqual([
          'con-st-beta',
          'con-st-delta',
        ]);
        // `%` and `_` are plain characters, not patterns.
        expect((await admin.deployments.listTasks(d.id, { q: '%' })).items).toEqual([]);
        const paged: string[] = [];
        for await (const t of paginate((cursor) =>
          admin.deployments.listTasks(d.id, { q: 'con-st', cursor, limit: 3 }),
        ))
          paged.push(t.client_id);
        expect(paged).toEqual([...ids].sort());
        for (const query of [{ stage: -1 }, { stage: 1.5 }, { q: 'x'.repeat(64) }, { q: '' }]) {
          const e = await refusal(admin.deployments.listTasks(d.id, query as never));
          expect([e.status, e.problem?.code], JSON.stringify(query)).toEqual([400, 'validation_failed']);
        }
      });
    });

    describe('live progress: getDeployment answers an ETag and 304 while nothing changed', () => {
      it('the tag moves when a task moves, and only then; If-None-Match answers 304 without a body', async () => {
        await client('con-etag', { suite: 'etag' });
        const d = await admin.deployments.create({
          release_id: backend,
          targets: { selector: 'suite=etag' },
        });
        const first = await admin.deployments.watch(d.id);
        expect(first.notModified).toBe(false);
        if (first.notModified) throw new Error('unreachable');
        expect(first.deployment.id).toBe(d.id);
        expect(first.etag).toMatch(/^"d-[0-9a-f]+"$/);
        expect(await admin.deployments.watch(d.id, first.etag)).toEqual({
          notModified: true,
          etag: first.etag,
        });

        const raw = await fetch(`${srv.url}/api/v1/deployments/${d.id}`, {
          headers: { authorization: `Bearer ${ADMIN}`, 'if-none-match': first.etag! },
        });
        expect(raw.status).toBe(304);
        expect(await raw.text()).toBe('');
        expect(raw.headers.get('etag')).toBe(first.etag);

        const task = (await admin.deployments.listTasks(d.id)).items[0]!;
        await admin.deployments.forceApprove(d.id, task.id, { approved_by: 'ops@con.test', reason: 'test' });
        const moved = await admin.deployments.watch(d.id, first.etag);
        expect(moved.notModified).toBe(false);
        if (moved.notModified) throw new Error('unreachable');
        expect(moved.etag).not.toBe(first.etag);
        expect(moved.deployment.task_counts.approved).toBe(1);

        const long = await fetch(`${srv.url}/api/v1/deployments/${d.id}`, {
          headers: { authorization: `Bearer ${ADMIN}`, 'if-none-match': 'x'.repeat(300) },
        });
        expect(long.status).toBe(400);
      });
    });

    describe('deployment preview (previewDeployment)', () => {
      it('answers matched clients, a sample, the effective policy and the planner’s stages, and writes nothing', async () => {
        for (let i = 1; i <= 25; i++)
          await client(`con-pv-${String(i).padStart(2, '0')}`, {
            suite: 'pv',
            tier: i <= 5 ? 'free' : 'paid',
          });
        await admin.clients.updateSettings('con-pv-25', { auto_approve: { all: true, components: [] } });
        await admin.autoApprovePolicies.create({ id: 'con-pv-free', label_selector: 'tier=free' });
        const body: DeploymentCreate = {
          release_id: backend,
          targets: { selector: 'suite=pv' },
          strategy: {
            stages: [
              { kind: 'canary', count: 2, wait_seconds: 60 },
              { kind: 'batch', percent: 40, wait_seconds: 30 },
              { kind: 'batch', wait_seconds: 0 },
            ],
          },
        };
        const before = await tables();
        const p = await admin.deployments.preview(body);
        expect(await tables()).toEqual(before);
        expect(p.matched).toBe(25);
        expect(p.sample.map((c) => c.id)).toEqual(
          Array.from({ length: 20 }, (_, i) => `con-pv-${String(i + 1).padStart(2, '0')}`),
        );
        expect(p.auto_approved).toBe(6);
        expect(p.approval.auto_approve_policies.map((x) => x.id)).toEqual(['con-pv-free']);
        expect(p.stages).toEqual([
          { index: 0, kind: 'canary', size: 2, wait_seconds: 60 },
          { index: 1, kind: 'batch', size: 10, wait_seconds: 30 },
          { index: 2, kind: 'batch', size: 13, wait_seconds: 0 },
        ]);

        // The deployment created from the same body has that strategy, policy and plan.
        const d = await admin.deployments.create(body);
        expect(d.strategy).toEqual(p.strategy);
        expect(d.approval).toEqual(p.approval);
        expect(d.stages.map((s) => [s.index, s.kind, s.capacity])).toEqual(
          p.stages.map((s) => [s.index, s.kind, s.size]),
        );
        expect(d.task_counts.approved).toBe(p.auto_approved);
        await admin.autoApprovePolicies.delete('con-pv-free');
      });

      it('validates exactly like createDeployment: the same status and code for each bad body, nothing written', async () => {
        const bodies: unknown[] = [
          { release_id: 'rel-nope', targets: { client_ids: ['con-a'] } },
          { release_id: backend, targets: { client_ids: ['con-a', 'con-nobody'] } },
          { release_id: backend, targets: { selector: 'suite=nothing-here' } },
          { release_id: backend, targets: { selector: 'tier in (' } },
          { release_id: backend, targets: {} },
          { release_id: backend, targets: { client_ids: ['con-a'] }, strategy: { stages: [] } },
          { release_id: backend, targets: { client_ids: ['con-a'] }, extra: true },
        ];
        for (const body of bodies) {
          const before = await tables();
          const p = await refusal(admin.deployments.preview(body as never));
          expect(await tables()).toEqual(before);
          const c = await refusal(admin.deployments.create(body as never));
          expect([p.status, p.problem?.code, pathsOf(p)], JSON.stringify(body)).toEqual([
            c.status,
            c.problem?.code,
            pathsOf(c),
          ]);
          expect(p.status).toBeLessThan(500);
        }
      });

      it('roles: admin only', async () => {
        const body = { release_id: backend, targets: { client_ids: ['con-a'] } };
        expect((await refusal(approverA.deployments.preview(body))).status).toBe(403);
        expect((await refusal(agentA.deployments.preview(body))).status).toBe(403);
      });
    });

    describe('the contract, served by the GCC (getOpenApiYaml, getOpenApiJson)', () => {
      it('serves the document as YAML and JSON without a token, the same document both ways', async () => {
        const y = await fetch(`${srv.url}/api/v1/openapi.yaml`);
        expect(y.status).toBe(200);
        expect(y.headers.get('content-type')).toMatch(/^application\/yaml/);
        const text = await y.text();
        expect(text).toBe(OPENAPI_YAML);
        expect(text).toMatch(/^openapi: 3\.1\.0$/m);
        expect(text).toContain('operationId: previewDeployment');
        const j = await fetch(`${srv.url}/api/v1/openapi.json`);
        expect(j.status).toBe(200);
        expect(j.headers.get('content-type')).toMatch(/^application\/json/);
        const doc = (await j.json()) as { openapi: string; paths: Record<string, unknown> };
        expect(doc).toEqual(JSON.parse(OPENAPI_JSON));
        expect(Object.keys(doc.paths)).toContain('/api/v1/deployments/preview');
      });
    });
  });
}
