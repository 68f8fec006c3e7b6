import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGccClient, type GccClient, type GccHttpError, isGccHttpError, paginate } from '../src';
import { type FakeGccServer, startFakeGccServer } from '../src/testing';

let server: FakeGccServer;
let admin: GccClient;
let ci: GccClient;
const retry = { limit: 0 };

async function httpError(p: Promise<unknown>): Promise<GccHttpError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!isGccHttpError(e)) throw new Error(`expected a GccHttpError, got ${String(e)}`);
  return e;
}

beforeAll(async () => {
  server = await startFakeGccServer();
  admin = createGccClient({ baseUrl: server.url, token: 'admin-token', retry });
  ci = createGccClient({ baseUrl: server.url, token: 'ci-token', retry });
  for (const [id, tier, region] of [
    ['adani-prod', 'premium', 'in'],
    ['tata-prod', 'premium', 'eu'],
    ['infosys-prod', 'free', 'us'],
  ] as const) {
    await admin.clients.create({
      id,
      name: id,
      labels: { tier, region },
      target_kind: 'argocd',
      argocd_instance: 'argocd-1',
      timezone: 'Asia/Kolkata',
    });
  }
});
afterAll(() => server.close());

describe('releases (ci role)', () => {
  const body = { component: 'backend', version: 'sha123', image_url: 'registry.wrktalk.com/backend:sha123' };

  it('records a release, and posting it again returns the same one', async () => {
    const first = await ci.releases.create(body);
    expect(first).toMatchObject({ ...body, metadata: {}, created_by: 'ci:ci' });
    expect(first.id).toMatch(/^rel-/);
    const again = await ci.releases.create(body);
    expect(again.id).toBe(first.id);
    expect(await ci.releases.get(first.id)).toEqual(first);
  });

  it('refuses the same version with another image as release_conflict', async () => {
    const e = await httpError(
      ci.releases.create({ ...body, image_url: 'registry.wrktalk.com/other:sha123' }),
    );
    expect([e.status, e.code]).toEqual([409, 'release_conflict']);
  });

  it('refuses a version that is not an image tag, naming the field', async () => {
    const e = await httpError(ci.releases.create({ ...body, version: 'v 1;rm -rf' }));
    expect([e.status, e.code]).toEqual([400, 'validation_failed']);
    expect(e.problem?.errors?.map((x) => x.path)).toContain('/version');
  });

  it('refuses an unknown component and an image that does not carry the version', async () => {
    expect((await httpError(ci.releases.create({ ...body, component: 'nope' }))).code).toBe(
      'unknown_component',
    );
    const e = await httpError(ci.releases.create({ ...body, version: 'sha999' }));
    expect(e.code).toBe('invalid_image_reference');
  });

  it('replays a create with the same Idempotency-Key and refuses the key for another body', async () => {
    const b = { component: 'media', version: '1.0.0', image_url: 'registry.wrktalk.com/media:1.0.0' };
    const a = await ci.releases.create(b, { idempotencyKey: 'k-1' });
    const replay = await ci.releases.create(b, { idempotencyKey: 'k-1' });
    expect(replay).toEqual(a);
    const e = await httpError(
      ci.releases.create(
        { ...b, version: '1.0.1', image_url: 'r.io/media:1.0.1' },
        { idempotencyKey: 'k-1' },
      ),
    );
    expect(e.code).toBe('idempotency_key_reused');
  });

  it('filters by component and answers 404 for an unknown id', async () => {
    const page = await ci.releases.list({ component: 'media' });
    expect(page.items.map((r) => r.component)).toEqual(['media']);
    expect((await httpError(ci.releases.get('rel-missing'))).status).toBe(404);
  });
});

describe('clients (admin role)', () => {
  it('lists clients by label selector', async () => {
    const premium = await admin.clients.list({ selector: 'tier=premium,region in (in,us)' });
    expect(premium.items.map((c) => c.id)).toEqual(['adani-prod']);
    const notFree = await admin.clients.list({ selector: 'tier!=free' });
    expect(notFree.items.map((c) => c.id).sort()).toEqual(['adani-prod', 'tata-prod']);
  });

  it('answers a bad selector with invalid_selector and its position', async () => {
    const e = await httpError(admin.clients.list({ selector: 'tier in (premium' }));
    expect([e.status, e.code]).toEqual([400, 'invalid_selector']);
    expect(e.problem?.detail).toMatch(/at \d+/);
  });

  it('refuses a duplicate id and updates with a merge patch', async () => {
    const dup = await httpError(admin.clients.create({ id: 'adani-prod', name: 'x', target_kind: 'docker' }));
    expect(dup.code).toBe('client_exists');
    const c = await admin.clients.update('infosys-prod', {
      labels: { region: null, canary: 'true' },
      timezone: null,
    });
    expect(c.labels).toEqual({ tier: 'free', canary: 'true' });
    expect(c.timezone).toBe('UTC');
  });

  it('walks every page with paginate()', async () => {
    const ids: string[] = [];
    for await (const c of paginate((cursor) => admin.clients.list({ limit: 1, cursor }))) ids.push(c.id);
    expect(ids.sort()).toEqual(['adani-prod', 'infosys-prod', 'tata-prod']);
  });
});

describe('auth', () => {
  it('answers 401 without a token and 403 for the wrong role or client', async () => {
    const anon = createGccClient({ baseUrl: server.url, retry });
    expect((await httpError(anon.releases.list())).code).toBe('unauthorized');
    expect((await httpError(ci.clients.list())).code).toBe('forbidden');
    const approverToken = (await admin.clients.createToken('tata-prod', { role: 'approver' })).token;
    const approver = createGccClient({ baseUrl: server.url, token: approverToken, retry });
    expect((await httpError(approver.approvals.listPending('adani-prod'))).code).toBe('not_found');
    expect((await approver.approvals.listPending('tata-prod')).items).toEqual([]);
  });

  it('rotates a token without downtime: both valid, then the old one revoked is 401; expiry and exact comparison', async () => {
    const old = await admin.clients.createToken('tata-prod', { role: 'approver' });
    const fresh = await admin.clients.createToken('tata-prod', { role: 'approver', ttl_seconds: 3600 });
    expect(old.expires_at).toBeNull();
    expect(Date.parse(fresh.expires_at!)).toBeGreaterThan(Date.now());
    const as = (token: string) => createGccClient({ baseUrl: server.url, token, retry });
    expect((await as(old.token).approvals.listPending('tata-prod')).items).toEqual([]);
    expect((await as(fresh.token).approvals.listPending('tata-prod')).items).toEqual([]);
    await admin.clients.revokeToken('tata-prod', old.id);
    await admin.clients.revokeToken('tata-prod', old.id); // again: nothing to do
    expect((await httpError(as(old.token).approvals.listPending('tata-prod'))).code).toBe('unauthorized');
    expect((await as(fresh.token).approvals.listPending('tata-prod')).items).toEqual([]);
    expect((await httpError(admin.clients.revokeToken('adani-prod', fresh.id))).code).toBe('not_found');
    expect(
      (
        await httpError(
          admin.clients.createToken('tata-prod', { role: 'agent', expires_at: '2000-01-01T00:00:00Z' }),
        )
      ).code,
    ).toBe('validation_failed');
  });
});

describe('auth.whoami (any role)', () => {
  it('says what each token is, validated against the contract; a revoked or expired token is 401', async () => {
    const as = (token: string) => createGccClient({ baseUrl: server.url, token, retry });
    expect(await admin.auth.whoami()).toEqual({
      token_id: null,
      role: 'admin',
      client_id: null,
      name: 'admin',
      expires_at: null,
    });
    expect(await ci.auth.whoami()).toMatchObject({ role: 'ci', client_id: null, name: 'ci' });
    const agent = await admin.clients.createToken('adani-prod', { role: 'agent' });
    expect(await as(agent.token).auth.whoami()).toEqual({
      token_id: agent.id,
      role: 'agent',
      client_id: 'adani-prod',
      name: null,
      expires_at: null,
    });
    const approver = await admin.clients.createToken('tata-prod', { role: 'approver', ttl_seconds: 3600 });
    expect(await as(approver.token).auth.whoami()).toEqual({
      token_id: approver.id,
      role: 'approver',
      client_id: 'tata-prod',
      name: null,
      expires_at: approver.expires_at,
    });
    await admin.clients.revokeToken('adani-prod', agent.id);
    expect((await httpError(as(agent.token).auth.whoami())).status).toBe(401);
    expect((await httpError(createGccClient({ baseUrl: server.url, retry }).auth.whoami())).code).toBe(
      'unauthorized',
    );
  });
});

describe('the update flow: deployment, approvals, agent', () => {
  it('runs approve → agent apply → success, and reject, end to end', async () => {
    const release = await ci.releases.create({
      component: 'ct',
      version: 'v2',
      image_url: 'registry.wrktalk.com/ct:v2',
      metadata: { notes: 'new chat UI' },
    });
    await admin.approvals.setAutoApprove('infosys-prod', { all: false, components: ['ct'] });
    const dpl = await admin.deployments.create({
      release_id: release.id,
      targets: { client_ids: ['infosys-prod'], selector: 'tier=premium' },
    });
    expect(dpl.id).toMatch(/^dpl-/);
    expect(dpl.status).toBe('running');
    expect(dpl.task_counts).toMatchObject({ pending_approval: 2, queued: 1 });

    const approverToken = (await admin.clients.createToken('adani-prod', { role: 'approver' })).token;
    const approver = createGccClient({ baseUrl: server.url, token: approverToken, retry });
    const pending = await approver.approvals.listPending('adani-prod');
    expect(pending.items).toHaveLength(1);
    expect(pending.items[0]).toMatchObject({ version: 'v2', release_metadata: { notes: 'new chat UI' } });
    const taskId = pending.items[0]!.task_id;

    const agentToken = (await admin.clients.createToken('adani-prod', { role: 'agent' })).token;
    const agent = createGccClient({ baseUrl: server.url, token: agentToken, retry });
    const before = await agent.agent.getUpdates('adani-prod');
    expect(before).toMatchObject({ notModified: false, body: { available: false } });

    const approved = await approver.approvals.approve('adani-prod', taskId, { approved_by: 'ops@adani' });
    expect(approved).toMatchObject({
      status: 'queued',
      approval_status: 'approved',
      approved_by: 'ops@adani',
      attempt: 1,
    });

    const offer = await agent.agent.getUpdates('adani-prod', { etag: before.etag });
    if (offer.notModified) throw new Error('expected an offer');
    expect(offer.body.update).toMatchObject({
      task_id: taskId,
      type: 'update',
      version: 'v2',
      helm_parameter: 'ct.image.tag',
    });
    const again = await agent.agent.getUpdates('adani-prod', { etag: offer.etag });
    expect(again.notModified).toBe(true);

    const report = { task_id: taskId, attempt: 1, status: 'success' as const, message: 'Synced and Healthy' };
    expect(await agent.agent.reportStatus('adani-prod', report)).toMatchObject({
      task_status: 'success',
      duplicate: false,
    });
    expect(await agent.agent.reportStatus('adani-prod', report)).toMatchObject({ duplicate: true });
    const stale = await httpError(agent.agent.reportStatus('adani-prod', { ...report, attempt: 2 }));
    expect(stale.code).toBe('stale_attempt');

    const tataTask = (await admin.deployments.listTasks(dpl.id, { client_id: 'tata-prod' })).items[0]!;
    const rejected = await admin.approvals.reject('tata-prod', tataTask.id, {
      rejected_by: 'ops@tata',
      reason: 'freeze week',
    });
    expect(rejected).toMatchObject({ status: 'rejected', rejected_reason: 'freeze week' });
    const illegal = await httpError(
      admin.approvals.approve('tata-prod', tataTask.id, { approved_by: 'ops@tata' }),
    );
    expect(illegal.code).toBe('illegal_transition');

    const view = await admin.deployments.get(dpl.id);
    expect(view.task_counts).toMatchObject({ success: 1, rejected: 1, queued: 1 });
    expect((await admin.clients.get('adani-prod')).current_versions).toEqual({ ct: 'v2' });
    const audit = await admin.audit.list({ deployment_id: dpl.id });
    expect(audit.items.map((e) => e.action)).toEqual(
      expect.arrayContaining(['deployment.create', 'task.approve', 'task.report_success', 'task.reject']),
    );
  });

  it('wakes a long-poll as soon as the update is approved', async () => {
    const release = await ci.releases.create({
      component: 'backend',
      version: 'v9',
      image_url: 'registry.wrktalk.com/backend:v9',
    });
    const dpl = await admin.deployments.create({
      release_id: release.id,
      targets: { client_ids: ['tata-prod'] },
    });
    const agentToken = (await admin.clients.createToken('tata-prod', { role: 'agent' })).token;
    const agent = createGccClient({ baseUrl: server.url, token: agentToken, retry });
    const started = Date.now();
    const poll = agent.agent.getUpdates('tata-prod', { waitSeconds: 20 });
    const task = (await admin.deployments.listTasks(dpl.id)).items[0]!;
    await admin.deployments.forceApprove(dpl.id, task.id, { approved_by: 'admin', reason: 'security fix' });
    const offer = await poll;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(offer).toMatchObject({
      notModified: false,
      body: { available: true, update: { task_id: task.id } },
    });
  });

  it("pauses, resumes, refuses an illegal transition, and rolls back to each client's previous version", async () => {
    const release = await ci.releases.create({
      component: 'ct',
      version: 'v3',
      image_url: 'registry.wrktalk.com/ct:v3',
    });
    const dpl = await admin.deployments.create({
      release_id: release.id,
      targets: { client_ids: ['adani-prod'] },
      approval: { required: false },
    });
    expect((await admin.deployments.pause(dpl.id)).status).toBe('paused');
    expect((await admin.deployments.pause(dpl.id)).status).toBe('paused');
    expect((await admin.deployments.resume(dpl.id)).status).toBe('running');

    const agentToken = (await admin.clients.createToken('adani-prod', { role: 'agent' })).token;
    const agent = createGccClient({ baseUrl: server.url, token: agentToken, retry });
    const offer = await agent.agent.getUpdates('adani-prod');
    if (offer.notModified || !offer.body.update) throw new Error('expected an offer');
    expect(offer.body.update.previous_version).toBe('v2');
    await agent.agent.reportStatus('adani-prod', {
      task_id: offer.body.update.task_id,
      attempt: 1,
      status: 'failed',
      message: 'Degraded',
    });
    // The immediate strategy's threshold (the first failure) pauses the deployment, as the GCC does.
    const paused = await admin.deployments.get(dpl.id);
    expect(paused.status).toBe('paused');
    expect(paused.status_reason).toMatch(/crossed its failure threshold: 1 failed/);

    const rb = await admin.deployments.rollback(dpl.id, { reason: 'canary failed' });
    expect(rb).toMatchObject({ type: 'rollback', rollback_of: dpl.id, status: 'running' });
    expect((await httpError(admin.deployments.pause(dpl.id))).code).toBe('illegal_transition');
    const rbOffer = await agent.agent.getUpdates('adani-prod');
    if (rbOffer.notModified || !rbOffer.body.update) throw new Error('expected a rollback offer');
    expect(rbOffer.body.update).toMatchObject({
      type: 'rollback',
      version: 'v2',
      image_url: 'registry.wrktalk.com/ct:v2',
    });
    await agent.agent.reportStatus('adani-prod', {
      task_id: rbOffer.body.update.task_id,
      attempt: 1,
      status: 'success',
    });
    expect((await admin.deployments.get(dpl.id)).status).toBe('rolled_back');
    expect((await admin.deployments.listTasks(dpl.id)).items[0]!.status).toBe('rolled_back');
  });

  it('answers 422 no_targets and unknown_client with the offending index', async () => {
    const release = (await ci.releases.list({ component: 'backend' })).items[0]!;
    expect(
      (
        await httpError(
          admin.deployments.create({ release_id: release.id, targets: { selector: 'tier=gold' } }),
        )
      ).code,
    ).toBe('no_targets');
    const e = await httpError(
      admin.deployments.create({ release_id: release.id, targets: { client_ids: ['adani-prod', 'ghost'] } }),
    );
    expect(e.code).toBe('unknown_client');
    expect(e.problem?.errors).toEqual([{ path: '/targets/client_ids/1', message: 'no client ghost' }]);
  });
});

describe('health', () => {
  it('answers healthz, readyz and metrics', async () => {
    expect(await admin.health.healthz()).toEqual({ status: 'ok' });
    expect((await admin.health.readyz()).status).toBe('ok');
    expect(await admin.health.metrics()).toMatch(/^gcc_tasks\{status="success"\} \d+$/m);
  });
});

describe('admin console and CT additions (issue 13)', () => {
  let approver: GccClient;
  let releaseId: string;

  beforeAll(async () => {
    approver = createGccClient({
      baseUrl: server.url,
      token: server.fake.issueToken('adani-prod', 'approver'),
      retry,
    });
    releaseId = (
      await ci.releases.create({
        component: 'ct',
        version: 'c13',
        image_url: 'registry.wrktalk.com/ct:c13',
      })
    ).id;
  });

  it('clients.getSettings / updateSettings: an approver changes its own settings; every problem listed; another client is 404', async () => {
    expect(await approver.clients.getSettings('adani-prod')).toMatchObject({
      client_id: 'adani-prod',
      timezone: 'Asia/Kolkata',
      notification_emails: [],
    });
    const s = await approver.clients.updateSettings('adani-prod', {
      notification_emails: ['ops@adani.test'],
    });
    expect(s.notification_emails).toEqual(['ops@adani.test']);
    expect(s.timezone).toBe('Asia/Kolkata');
    const e = await httpError(
      approver.clients.updateSettings('adani-prod', {
        timezone: 'Nowhere/Land',
        notification_emails: ['x@y.test', 'X@Y.TEST', 'nope'],
      }),
    );
    expect([e.status, e.code]).toEqual([400, 'validation_failed']);
    expect(e.problem?.errors?.map((x) => x.path).sort()).toEqual([
      '/notification_emails/1',
      '/notification_emails/2',
      '/timezone',
    ]);
    expect((await approver.clients.getSettings('adani-prod')).notification_emails).toEqual([
      'ops@adani.test',
    ]);
    expect((await httpError(approver.clients.getSettings('tata-prod'))).status).toBe(404);
  });

  it('autoApprovePolicies.create / list / delete, and a deployment applies them with the policy id audited', async () => {
    const p = await admin.autoApprovePolicies.create({
      id: 'free-ct',
      components: ['ct'],
      label_selector: 'tier=free',
    });
    expect(p).toMatchObject({
      id: 'free-ct',
      components: ['ct'],
      label_selector: 'tier=free',
      description: null,
    });
    expect((await admin.autoApprovePolicies.list()).items.map((x) => x.id)).toEqual(['free-ct']);
    const dup = await httpError(admin.autoApprovePolicies.create({ id: 'free-ct' }));
    expect([dup.status, dup.code]).toEqual([409, 'policy_exists']);
    const bad = await httpError(
      admin.autoApprovePolicies.create({ id: 'x', components: [], label_selector: '!' }),
    );
    expect([bad.status, bad.code]).toEqual([422, 'invalid_policy']);
    expect(bad.problem?.errors?.map((x) => x.path).sort()).toEqual(['/components', '/label_selector']);

    await admin.clients.create({
      id: 'wipro-free',
      name: 'Wipro',
      labels: { tier: 'free' },
      target_kind: 'docker',
    });
    const d = await admin.deployments.create({ release_id: releaseId, targets: { selector: 'tier' } });
    expect(d.approval.auto_approve_policies).toEqual([
      { id: 'free-ct', components: ['ct'], label_selector: 'tier=free' },
    ]);
    const tasks = (await admin.deployments.listTasks(d.id)).items;
    expect(tasks.find((t) => t.client_id === 'wipro-free')).toMatchObject({
      approval_status: 'approved',
      approval_source: 'auto_policy',
    });
    expect(tasks.find((t) => t.client_id === 'tata-prod')?.approval_status).toBe('pending');
    const audited = (await admin.audit.list({ deployment_id: d.id })).items.find(
      (e) => e.action === 'task.auto_approve' && e.client_id === 'wipro-free',
    );
    expect(audited?.after).toMatchObject({ policy: 'free-ct' });

    await admin.autoApprovePolicies.delete('free-ct');
    expect((await admin.autoApprovePolicies.list()).items).toEqual([]);
    expect((await httpError(admin.autoApprovePolicies.delete('free-ct'))).status).toBe(404);
    expect((await httpError(approver.autoApprovePolicies.list())).status).toBe(403);
  });

  it('deployments.watch exposes the ETag and the 304: notModified until something in the deployment changes', async () => {
    const d = await admin.deployments.create({
      release_id: releaseId,
      targets: { client_ids: ['adani-prod'] },
    });
    const first = await admin.deployments.watch(d.id);
    if (first.notModified) throw new Error('expected the deployment');
    expect(first.deployment.id).toBe(d.id);
    expect(first.etag).toBeTruthy();
    expect(await admin.deployments.watch(d.id, first.etag)).toEqual({ notModified: true, etag: first.etag });
    const task = (await admin.deployments.listTasks(d.id)).items[0]!;
    await approver.approvals.approve('adani-prod', task.id, { approved_by: 'me@adani.test' });
    const next = await admin.deployments.watch(d.id, first.etag);
    expect(next.notModified).toBe(false);
    expect(next.etag).not.toBe(first.etag);
  });

  it('deployments.preview answers the plan and writes nothing; bad bodies fail as create fails', async () => {
    const before = server.fake.state.deployments.size;
    const p = await admin.deployments.preview({
      release_id: releaseId,
      targets: { selector: 'tier=premium' },
    });
    expect(p.matched).toBe(2);
    expect(p.sample.map((c) => c.id)).toEqual(['adani-prod', 'tata-prod']);
    expect(p.stages.reduce((n, s) => n + s.size, 0)).toBe(2);
    expect(server.fake.state.deployments.size).toBe(before);
    for (const body of [
      { release_id: 'rel-none', targets: { client_ids: ['adani-prod'] } },
      { release_id: releaseId, targets: { client_ids: ['nobody'] } },
      { release_id: releaseId, targets: { selector: 'tier=none' } },
    ]) {
      const a = await httpError(admin.deployments.preview(body));
      const b = await httpError(admin.deployments.create(body));
      expect([a.status, a.code]).toEqual([b.status, b.code]);
    }
  });

  it('clients.listTasks (newest first, status filter) and listTasks filters stage and q', async () => {
    const mine = await approver.clients.listTasks('adani-prod');
    expect(mine.items.length).toBeGreaterThan(1);
    const times = mine.items.map((t) => t.created_at);
    expect([...times].sort().reverse()).toEqual(times);
    const approved = await approver.clients.listTasks('adani-prod', { status: 'approved' });
    expect(approved.items.every((t) => t.status === 'approved')).toBe(true);
    expect((await httpError(approver.clients.listTasks('tata-prod'))).status).toBe(404);
    const d = await admin.deployments.create({
      release_id: releaseId,
      targets: { selector: 'tier=premium' },
    });
    expect((await admin.deployments.listTasks(d.id, { q: 'TATA' })).items.map((t) => t.client_id)).toEqual([
      'tata-prod',
    ]);
    expect((await admin.deployments.listTasks(d.id, { stage: 3 })).items).toEqual([]);
    expect((await httpError(admin.deployments.listTasks(d.id, { stage: -1 }))).status).toBe(400);
  });
});
