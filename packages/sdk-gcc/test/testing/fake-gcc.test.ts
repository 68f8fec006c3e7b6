import { beforeAll, describe, expect, it } from 'vitest';
import { createGccClient, isGccHttpError } from '../../src';
import { createFakeGcc } from '../../src/testing';

const base = 'http://fake/api/v1';
const headers = { authorization: 'Bearer admin-token', 'content-type': 'application/json' };

describe('createFakeGcc: what a careless or hostile client can send', () => {
  const fake = createFakeGcc();
  const send = (path: string, init: RequestInit) => fake.fetch(`${base}${path}`, init);

  it.each([
    ['malformed JSON', { method: 'POST', headers, body: '{"id":' }, 400, 'malformed_json'],
    [
      'a wrong content type',
      { method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body: '{}' },
      415,
      'unsupported_media_type',
    ],
    [
      'an unknown field',
      { method: 'POST', headers, body: JSON.stringify({ id: 'a', name: 'a', target_kind: 'docker', x: 1 }) },
      400,
      'validation_failed',
    ],
    [
      'a wrong type',
      { method: 'POST', headers, body: JSON.stringify({ id: 'a', name: 7, target_kind: 'docker' }) },
      400,
      'validation_failed',
    ],
    [
      'an id that is not a DNS label',
      { method: 'POST', headers, body: JSON.stringify({ id: 'A_B', name: 'a', target_kind: 'docker' }) },
      400,
      'validation_failed',
    ],
    [
      'argocd without an instance',
      { method: 'POST', headers, body: JSON.stringify({ id: 'a', name: 'a', target_kind: 'argocd' }) },
      400,
      'validation_failed',
    ],
    [
      'an oversized body',
      {
        method: 'POST',
        headers,
        body: JSON.stringify({ id: 'a', name: 'x'.repeat(2_000_000), target_kind: 'docker' }),
      },
      413,
      'payload_too_large',
    ],
  ])('answers %s with problem+json and changes nothing', async (_name, init, status, code) => {
    const r = await send('/clients', init as RequestInit);
    expect(r.status).toBe(status);
    expect(r.headers.get('content-type')).toBe('application/problem+json');
    expect(await r.json()).toMatchObject({ status, code, type: `https://wrktalk.com/problems/${code}` });
    expect(fake.state.clients.size).toBe(0);
  });

  it('answers a bad limit or cursor with validation_failed', async () => {
    for (const q of ['limit=0', 'limit=abc', 'cursor=%%%']) {
      const r = await send(`/clients?${q}`, { headers });
      expect([r.status, (await r.json()).code]).toEqual([400, 'validation_failed']);
    }
  });

  it('answers an unknown path with not_found problem+json', async () => {
    const r = await send('/nothing-here', { headers });
    expect([r.status, r.headers.get('content-type')]).toEqual([404, 'application/problem+json']);
  });
});

describe('createFakeGcc: parameters and headers, checked like the real service', () => {
  const fake = createFakeGcc();
  const send = (path: string, init: RequestInit = {}) =>
    fake.fetch(`${base}${path}`, { ...init, headers: { ...headers, ...(init.headers ?? {}) } });
  /** Status, code and the distinct `errors[].path`s of a problem answer. */
  const problem = async (r: Response) => {
    const b = (await r.json()) as { code: string; errors?: { path: string }[] };
    return [r.status, b.code, [...new Set(b.errors?.map((e) => e.path))]];
  };

  it.each([
    ['a path id that is not a ClientId', '/clients/..%2F..%2Fx', '/path/client_id'],
    ['a 5 kB path id', `/clients/${'a'.repeat(5000)}`, '/path/client_id'],
    ['a path id with a NUL byte', '/deployments/a%00b', '/path/deployment_id'],
    ['a path id with a newline', '/releases/a%0Ab', '/path/release_id'],
    ['limit in hex', '/clients?limit=0x10', '/query/limit'],
    ['limit 0', '/clients?limit=0', '/query/limit'],
    ['limit given twice', '/clients?limit=1&limit=1', '/query/limit'],
    ['an empty selector', '/clients?selector=', '/query/selector'],
    ['a 2 kB selector', `/clients?selector=${'a'.repeat(2048)}`, '/query/selector'],
    ['an unknown component', '/releases?component=%24(reboot)', '/query/component'],
    ['an unknown deployment status', '/deployments?status=bogus', '/query/status'],
    ['a bad client_id filter', '/audit?client_id=..%2F..%2Fx', '/query/client_id'],
    ['a bad deployment_id filter', '/audit?deployment_id=a%0Ab', '/query/deployment_id'],
    ['an actor over 256 characters', `/audit?actor=${'a'.repeat(257)}`, '/query/actor'],
  ])('answers %s with validation_failed located in the request', async (_name, path, where) => {
    expect(await problem(await send(path))).toEqual([400, 'validation_failed', [where]]);
  });

  it('checks the path before telling a client-scoped token the client is not its own', async () => {
    const token = fake.issueToken('acme', 'agent');
    const auth = { authorization: `Bearer ${token}` };
    expect(await problem(await send('/clients/Not_An_Id/updates', { headers: auth }))).toEqual([
      400,
      'validation_failed',
      ['/path/client_id'],
    ]);
    expect((await send('/clients/other/updates', { headers: auth })).status).toBe(404);
  });

  it('checks wait, If-None-Match and Idempotency-Key', async () => {
    await send('/clients', {
      method: 'POST',
      body: JSON.stringify({ id: 'acme', name: 'Acme', target_kind: 'docker' }),
    });
    const agent = { authorization: `Bearer ${fake.issueToken('acme', 'agent')}` };
    for (const q of ['wait=', 'wait=0x10', 'wait=61', 'wait=1&wait=1']) {
      expect(await problem(await send(`/clients/acme/updates?${q}`, { headers: agent }))).toEqual([
        400,
        'validation_failed',
        ['/query/wait'],
      ]);
    }
    const etag = { ...agent, 'if-none-match': `"${'e'.repeat(300)}"` };
    expect(await problem(await send('/clients/acme/updates', { headers: etag }))).toEqual([
      400,
      'validation_failed',
      ['/header/If-None-Match'],
    ]);
    const r = await send('/clients', {
      method: 'POST',
      headers: { 'idempotency-key': 'k'.repeat(129) },
      body: JSON.stringify({ id: 'other', name: 'Other', target_kind: 'docker' }),
    });
    expect(await problem(r)).toEqual([400, 'validation_failed', ['/header/Idempotency-Key']]);
    expect(fake.state.clients.has('other')).toBe(false);
  });

  it('parses strategy.canary_label and targets.selector as selectors', async () => {
    const release = await send('/releases', {
      method: 'POST',
      body: JSON.stringify({
        component: 'backend',
        version: '1.0.0',
        image_url: 'registry.example.com/wrktalk/backend:1.0.0',
      }),
    });
    const { id: release_id } = (await release.json()) as { id: string };
    const create = (extra: Record<string, unknown>) =>
      send('/deployments', {
        method: 'POST',
        body: JSON.stringify({ release_id, targets: { client_ids: ['acme'] }, ...extra }),
      });
    expect(await problem(await create({ strategy: { canary_label: 'tier in (' } }))).toEqual([
      400,
      'invalid_selector',
      ['/strategy/canary_label'],
    ]);
    expect(await problem(await create({ targets: { selector: 'a,,b' } }))).toEqual([
      400,
      'invalid_selector',
      ['/targets/selector'],
    ]);
    expect(
      await problem(await create({ strategy: { stages: [{ kind: 'canary', count: 1, percent: 5 }] } })),
    ).toEqual([400, 'validation_failed', ['/strategy/stages/0']]);
    expect(fake.state.deployments.size).toBe(0);
  });

  it('takes a rollback without a body, and answers no_targets when no client has anything to return to', async () => {
    const release = await send('/releases', {
      method: 'POST',
      body: JSON.stringify({
        component: 'backend',
        version: '2.0.0',
        image_url: 'registry.example.com/wrktalk/backend:2.0.0',
      }),
    });
    const { id: release_id } = (await release.json()) as { id: string };
    const created = await send('/deployments', {
      method: 'POST',
      body: JSON.stringify({ release_id, targets: { client_ids: ['acme'] } }),
    });
    const { id } = (await created.json()) as { id: string };
    const r = await fake.fetch(`${base}/deployments/${id}/rollback`, {
      method: 'POST',
      headers: { authorization: headers.authorization },
    });
    // The body-less request is accepted; nothing of the deployment ran, so, like the real service, there is
    // nothing to roll back (an empty rollback once "completed" and marked the deployment rolled back).
    expect(await problem(r)).toEqual([422, 'no_targets', []]);
    expect(fake.state.deployments.get(id)?.status).toBe('running');
  });
});

describe('createFakeGcc: rollout rules taken from the planner', () => {
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const fake = createFakeGcc({ now: () => new Date(clock) });
  const admin = createGccClient({
    baseUrl: 'http://fake',
    token: 'admin-token',
    fetch: fake.fetch,
    retry: false,
  });
  const agentOf = (clientId: string) =>
    createGccClient({
      baseUrl: 'http://fake',
      token: fake.issueToken(clientId, 'agent'),
      fetch: fake.fetch,
      retry: false,
    });
  const at = (minutes: number) => new Date(clock + minutes * 60_000).toISOString();
  let n = 0;
  const releaseOf = (component: 'backend' | 'ct', version: string, imageUrl?: string) =>
    admin.releases.create({
      component,
      version,
      image_url: imageUrl ?? `registry.example.com/wrktalk/${component}:${version}`,
    });

  /** Offers the client's next update to its agent and reports `status` for it. */
  async function run(clientId: string, status: 'success' | 'failed') {
    const agent = agentOf(clientId);
    const offer = await agent.agent.getUpdates(clientId);
    if (offer.notModified || !offer.body.update) throw new Error(`no offer for ${clientId}`);
    await agent.agent.reportStatus(clientId, { task_id: offer.body.update.task_id, attempt: 1, status });
    return offer.body.update;
  }

  beforeAll(async () => {
    for (const id of ['a', 'b', 'c', 'auto', 'late']) {
      await admin.clients.create({
        id,
        name: id,
        target_kind: 'docker',
        ...(id === 'auto' && { auto_approve: { all: false, components: ['backend'] } }),
      });
    }
  });

  it("rolls each client back to the exact image it ran before (the planner's choice, digest included)", async () => {
    const pinned = `registry.example.com/wrktalk/ct:v1@sha256:${'a'.repeat(64)}`;
    const v1 = await releaseOf('ct', 'v1', pinned);
    await admin.deployments.create({
      release_id: v1.id,
      targets: { client_ids: ['a', 'b'] },
      approval: { required: false },
    });
    await run('a', 'success');
    await run('b', 'success');
    const v2 = await releaseOf('ct', 'v2');
    const d2 = await admin.deployments.create({
      release_id: v2.id,
      targets: { client_ids: ['a', 'b', 'c'] },
      approval: { required: false },
    });
    await run('a', 'success');
    await run('b', 'failed');

    const rb = await admin.deployments.rollback(d2.id, { scope: 'deployment' });
    expect(rb).toMatchObject({ type: 'rollback', rollback_of: d2.id, rollback_scope: 'deployment' });
    const tasks = (await admin.deployments.listTasks(rb.id)).items;
    // `c` never had ct installed: nothing earlier to return to, so it is left out rather than guessed.
    expect(tasks.map((t) => [t.client_id, t.version, t.image_url]).sort()).toEqual([
      ['a', 'v1', pinned],
      ['b', 'v1', pinned],
    ]);
    // The rolled-back deployment's unstarted task (c's) is cancelled, as the real service does.
    const c = (await admin.deployments.listTasks(d2.id, { client_id: 'c' })).items[0]!;
    expect(c.status).toBe('cancelled');
    expect((await admin.deployments.get(d2.id)).rolled_back_by).toBe(rb.id);
  });

  it.each([
    ['approval not required', 'a', { required: false }, 'approved', 'not_required', 'not_required'],
    ["the client's own auto-approve", 'auto', {}, 'approved', 'approved', 'auto_policy'],
    [
      'a past deadline that auto-approves',
      'a',
      { deadline: at(-1), on_deadline: 'auto_approve' },
      'approved',
      'approved',
      'deadline',
    ],
    [
      'a past deadline that expires',
      'a',
      { deadline: at(-1), on_deadline: 'expire' },
      'expired',
      'expired',
      null,
    ],
    ['nothing: the client is asked', 'a', {}, 'pending_approval', 'pending', null],
  ] as const)(
    'decides the initial approval as the planner does: %s',
    async (_name, clientId, policy, status, approvalStatus, source) => {
      const release = await releaseOf('backend', `i${++n}`);
      const d = await admin.deployments.create({
        release_id: release.id,
        targets: { client_ids: [clientId] },
        approval: policy,
      });
      const task = (await admin.deployments.listTasks(d.id)).items[0]!;
      expect([task.status, task.approval_status, task.approval_source]).toEqual([
        status === 'approved' ? 'queued' : status,
        approvalStatus,
        source,
      ]);
      // Every approval decided for a client is audited with its source, task by task; "not required" is the
      // deployment's own decision, audited once, by its creation entry (the planner's auditedPerTask).
      const entries = (await admin.audit.list({ deployment_id: d.id })).items;
      const audited = entries.filter((e) => e.subject_id === task.id);
      expect(audited.map((e) => [e.action, e.after?.approval_source])).toEqual(
        source === null || source === 'not_required' ? [] : [['task.auto_approve', source]],
      );
      expect(entries.find((e) => e.action === 'deployment.create')?.after?.approval_source).toBe(
        source === 'not_required' ? 'not_required' : undefined,
      );
    },
  );

  it('keeps a deployment `created`, saying why, until its requested start time', async () => {
    const release = await releaseOf('backend', `s${++n}`);
    const d = await admin.deployments.create({
      release_id: release.id,
      targets: { client_ids: ['late'] },
      approval: { required: false },
      requested_start_time: at(30),
    });
    expect(d).toMatchObject({ status: 'created', started_at: null, requested_start_time: at(30) });
    expect(d.status_reason).toMatch(/requested start time/);
    const agent = agentOf('late');
    const offer = async () => {
      const r = await agent.agent.getUpdates('late');
      return r.notModified ? undefined : r.body;
    };
    expect((await offer())?.available).toBe(false);
    clock += 31 * 60_000;
    expect((await admin.deployments.get(d.id)).status).toBe('running');
    expect((await offer())?.update?.deployment_id).toBe(d.id);
    await run('late', 'success');
  });

  it("lets an approver postpone the admin's start time, never advance it", async () => {
    const release = await releaseOf('backend', `p${++n}`);
    const d = await admin.deployments.create({
      release_id: release.id,
      targets: { client_ids: ['a', 'b'] },
      requested_start_time: at(60),
    });
    const taskOf = async (clientId: string) =>
      (await admin.deployments.listTasks(d.id, { client_id: clientId })).items[0]!;
    const approver = (clientId: string) =>
      createGccClient({
        baseUrl: 'http://fake',
        token: fake.issueToken(clientId, 'approver'),
        fetch: fake.fetch,
        retry: false,
      });
    // Without a time, and with an earlier one, the admin's schedule stands; a later one postpones it.
    const a = await approver('a').approvals.approve('a', (await taskOf('a')).id, { approved_by: 'ops@a' });
    expect(a.requested_start_time).toBe(at(60));
    const b = await approver('b').approvals.approve('b', (await taskOf('b')).id, {
      approved_by: 'ops@b',
      requested_start_time: at(90),
    });
    expect(b.requested_start_time).toBe(at(90));
    const c = await releaseOf('backend', `q${n}`);
    const d2 = await admin.deployments.create({
      release_id: c.id,
      targets: { client_ids: ['c'] },
      requested_start_time: at(60),
    });
    const t = (await admin.deployments.listTasks(d2.id)).items[0]!;
    const early = await approver('c').approvals.approve('c', t.id, {
      approved_by: 'ops@c',
      requested_start_time: at(5),
    });
    expect(early.requested_start_time).toBe(at(60));
  });
});

describe('createFakeGcc: release sets, as the real service takes them', () => {
  const fake = createFakeGcc();
  const admin = createGccClient({
    baseUrl: 'http://fake',
    token: 'admin-token',
    fetch: fake.fetch,
    retry: false,
  });
  const agentOf = (clientId: string) =>
    createGccClient({
      baseUrl: 'http://fake',
      token: fake.issueToken(clientId, 'agent'),
      fetch: fake.fetch,
      retry: false,
    });
  const SET = ['backend', 'media', 'ct'] as const;
  const releaseOf = async (component: string, version: string, registry = 'registry.example.com') =>
    (
      await admin.releases.create({
        component,
        version,
        image_url: `${registry}/wrktalk/${component}:${version}`,
      })
    ).id;
  const train = (version: string) => Promise.all(SET.map((c) => releaseOf(c, version)));
  /** Status, code and `errors` of what a promise rejected with. */
  const problemOf = async (p: Promise<unknown>) => {
    const e = await p.then(
      () => null,
      (error: unknown) => error,
    );
    if (!isGccHttpError(e)) throw new Error(`expected a GccHttpError, got ${String(e)}`);
    return { status: e.status, code: e.code, errors: e.problem?.errors };
  };
  /** Offers the client's next update to its agent and reports `status` for it (one report for the whole set). */
  async function run(clientId: string, status: 'success' | 'failed') {
    const agent = agentOf(clientId);
    const offer = await agent.agent.getUpdates(clientId);
    if (offer.notModified || !offer.body.update) throw new Error(`no offer for ${clientId}`);
    const u = offer.body.update;
    await agent.agent.reportStatus(clientId, { task_id: u.task_id, attempt: u.attempt, status });
    return u;
  }
  /** Deploys `versions` to `clients` without approval and runs every agent to success (the clients' baseline). */
  async function install(clients: string[], versions: Record<string, string>) {
    for (const [c, v] of Object.entries(versions)) await releaseOf(c, v);
    await admin.deployments.create({
      versions,
      targets: { client_ids: clients },
      approval: { required: false },
    });
    for (const c of clients) await run(c, 'success');
  }

  beforeAll(async () => {
    for (const id of ['s1', 's2', 's3', 'half', 'all', 'bad'])
      await admin.clients.create({ id, name: id, target_kind: 'docker' });
  });

  it('refuses a bad set with every problem listed (sorted by path), like the real service, and writes nothing', async () => {
    const [backend, media] = await train('5.1.0');
    const backendOld = await releaseOf('backend', '5.0.9');
    const mirrored = await releaseOf('media', '5.1.0-mirror', 'mirror.example.com');
    const before = fake.state.deployments.size;
    const targets = { client_ids: ['bad'] };

    expect(
      await problemOf(
        admin.deployments.create({
          release_ids: [backend!, backendOld, media!, mirrored, 'rel-missing'],
          targets,
        }),
      ),
    ).toEqual({
      status: 422,
      code: 'invalid_release_set',
      errors: [
        { path: '/release_ids/1', message: expect.stringMatching(/backend is already in the set/) },
        { path: '/release_ids/3', message: expect.stringMatching(/media is already in the set/) },
        {
          path: '/release_ids/3',
          message: expect.stringMatching(
            /registry mirror\.example\.com but backend from registry\.example\.com/,
          ),
        },
        { path: '/release_ids/4', message: 'no release rel-missing' },
      ],
    });
    expect(
      await problemOf(
        admin.deployments.create({
          versions: { backend: '5.1.0', search: '1.0.0', media: '9.9.9' },
          targets,
        }),
      ),
    ).toEqual({
      status: 422,
      code: 'invalid_release_set',
      errors: [
        { path: '/versions/media', message: 'no release of media 9.9.9 is registered' },
        { path: '/versions/search', message: expect.stringMatching(/search is not managed by this GCC/) },
      ],
    });
    // Exactly one of release_id, release_ids and versions.
    const both = await problemOf(
      admin.deployments.create({ release_id: backend!, release_ids: [backend!], targets }),
    );
    expect(both).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(both.errors?.[0]?.message).toMatch(/exactly one of release_id, release_ids or versions/);
    expect(await problemOf(admin.deployments.create({ targets }))).toMatchObject({
      status: 400,
      code: 'validation_failed',
    });
    // The preview refuses the same set the same way.
    expect(
      await problemOf(admin.deployments.preview({ release_ids: [backend!, backendOld], targets })),
    ).toMatchObject({ status: 422, code: 'invalid_release_set', errors: [{ path: '/release_ids/1' }] });
    expect(fake.state.deployments.size).toBe(before);
  });

  it('one task per client for the whole set, each component from its previous version, offered and recorded whole', async () => {
    await install(['s1'], { backend: '4.9.0', media: '4.9.0', ct: '4.8.1' });
    const ids = await train('5.0.0');
    const preview = await admin.deployments.preview({ release_ids: ids, targets: { client_ids: ['s1'] } });
    expect(preview.matched).toBe(1);
    const d = await admin.deployments.create({ release_ids: ids, targets: { client_ids: ['s1'] } });
    expect(d).toMatchObject({ release_id: ids[0], component: 'backend', version: '5.0.0' });
    expect(d.components).toEqual(
      SET.map((component, i) => ({
        component,
        release_id: ids[i],
        version: '5.0.0',
        image_url: `registry.example.com/wrktalk/${component}:5.0.0`,
        image_digest: null,
      })),
    );
    const tasks = (await admin.deployments.listTasks(d.id)).items;
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.components.map((c) => [c.component, c.previous_version, c.version])).toEqual([
      ['backend', '4.9.0', '5.0.0'],
      ['media', '4.9.0', '5.0.0'],
      ['ct', '4.8.1', '5.0.0'],
    ]);
    const approver = createGccClient({
      baseUrl: 'http://fake',
      token: fake.issueToken('s1', 'approver'),
      fetch: fake.fetch,
      retry: false,
    });
    const pending = (await approver.approvals.listPending('s1')).items;
    expect(pending.map((p) => p.components.length)).toEqual([3]);
    await approver.approvals.approve('s1', pending[0]!.task_id, { approved_by: 'ops@s1' });

    const update = await run('s1', 'success');
    expect(update.components).toEqual(
      SET.map((component) => ({
        component,
        version: '5.0.0',
        image_url: `registry.example.com/wrktalk/${component}:5.0.0`,
        image_digest: null,
        previous_version: component === 'ct' ? '4.8.1' : '4.9.0',
        helm_parameter: `${component}.image.tag`,
      })),
    );
    expect((await admin.clients.get('s1')).current_versions).toEqual({
      backend: '5.0.0',
      media: '5.0.0',
      ct: '5.0.0',
    });
    expect((await admin.deployments.get(d.id)).status).toBe('completed');
  });

  it('auto-approves a set only when the preference covers every component of it', async () => {
    await admin.clients.update('half', { auto_approve: { all: false, components: ['backend', 'media'] } });
    await admin.clients.update('all', { auto_approve: { all: false, components: [...SET] } });
    await train('5.2.0');
    const d = await admin.deployments.create({
      versions: { backend: '5.2.0', media: '5.2.0', ct: '5.2.0' },
      targets: { client_ids: ['half', 'all'] },
    });
    const byClient = Object.fromEntries(
      (await admin.deployments.listTasks(d.id)).items.map((t) => [t.client_id, t]),
    );
    expect(byClient.all).toMatchObject({ approval_status: 'approved', approval_source: 'auto_policy' });
    expect(byClient.half).toMatchObject({ approval_status: 'pending', status: 'pending_approval' });
    await admin.deployments.abort(d.id);
  });

  it("rolls a set back whole, each client to its own previous versions; a client missing one component's is skipped", async () => {
    await install(['s2'], { backend: '4.1.0', media: '4.1.0', ct: '4.1.0' });
    await install(['s3'], { backend: '4.3.0', media: '4.2.0' });
    await train('5.5.0');
    const d = await admin.deployments.create({
      versions: { backend: '5.5.0', media: '5.5.0', ct: '5.5.0' },
      targets: { client_ids: ['s2', 's3'] },
      approval: { required: false },
    });
    await run('s2', 'success');
    await run('s3', 'success');
    expect((await admin.deployments.get(d.id)).status).toBe('completed');

    const rb = await admin.deployments.rollback(d.id, { scope: 'deployment' });
    expect(rb.components.map((c) => c.component)).toEqual([...SET]);
    const tasks = (await admin.deployments.listTasks(rb.id)).items;
    // s3 never had ct before this set: it is skipped rather than half returned.
    expect(tasks.map((t) => t.client_id)).toEqual(['s2']);
    expect(
      tasks[0]!.components.map((c) => [c.component, c.previous_version, c.version, c.image_url]),
    ).toEqual(SET.map((c) => [c, '5.5.0', '4.1.0', `registry.example.com/wrktalk/${c}:4.1.0`]));
    const offer = await run('s2', 'success');
    expect(offer).toMatchObject({ type: 'rollback', component: 'backend', version: '4.1.0' });
    expect(offer.components.map((c) => `${c.component}=${c.version}`)).toEqual([
      'backend=4.1.0',
      'media=4.1.0',
      'ct=4.1.0',
    ]);
    expect((await admin.clients.get('s2')).current_versions).toEqual({
      backend: '4.1.0',
      media: '4.1.0',
      ct: '4.1.0',
    });
    expect((await admin.clients.get('s3')).current_versions).toEqual({
      backend: '5.5.0',
      media: '5.5.0',
      ct: '5.5.0',
    });
    expect((await admin.deployments.get(d.id)).status).toBe('rolled_back');
  });
});
