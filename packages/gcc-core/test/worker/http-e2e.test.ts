import type { GccClient } from '@wrktalk/sdk-gcc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteFactory, type TestDatabase } from '../helpers/databases';
import { ADMIN, CI, type RunningGcc, startGcc } from '../helpers/servers';

const img = (v: string) => `registry.wrktalk.com/backend:${v}`;
const STAGES = [
  { kind: 'canary' as const, count: 2, wait_seconds: 0 },
  { kind: 'batch' as const, wait_seconds: 0 },
];

/** Polls until `check` returns a value (not undefined) or the time is up. */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What a scripted agent got, in the order the updates arrived. */
interface Received {
  clientId: string;
  taskId: string;
  deploymentId: string;
  type: string;
  version: string;
}

/**
 * Scripted agents speaking HTTP: each polls `getUpdates`, reports `in_progress`, then the outcome `decide` picks.
 * @returns the updates received (in arrival order) and a stop function
 */
function runAgents(
  agents: Record<string, GccClient>,
  decide: (r: Received) => 'success' | 'failed' | Promise<'success' | 'failed'>,
): { received: Received[]; stop: () => Promise<void> } {
  const received: Received[] = [];
  const done = new Set<string>();
  let stopped = false;
  const loops = Object.entries(agents).map(async ([clientId, api]) => {
    while (!stopped) {
      const u = await api.agent.getUpdates(clientId);
      const update = !u.notModified ? u.body.update : undefined;
      const key = update ? `${update.task_id}/${update.attempt}` : '';
      if (update && !done.has(key)) {
        done.add(key);
        const r: Received = {
          clientId,
          taskId: update.task_id,
          deploymentId: update.deployment_id,
          type: update.type,
          version: update.version,
        };
        received.push(r);
        const base = { task_id: update.task_id, attempt: update.attempt };
        await api.agent.reportStatus(clientId, { ...base, status: 'in_progress' });
        await api.agent.reportStatus(clientId, { ...base, status: await decide(r) });
      } else {
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    }
  });
  return {
    received,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

describe('staged rollout over HTTP (createGcc with orchestration: worker, PGlite)', () => {
  let tdb: TestDatabase;
  let srv: RunningGcc;
  let admin: GccClient;
  let ci: GccClient;

  beforeAll(async () => {
    tdb = await pgliteFactory();
    srv = await startGcc(tdb.db, { orchestration: 'worker', worker: { pollIntervalMs: 200 } });
    admin = srv.client(ADMIN);
    ci = srv.client(CI);
  }, 60_000);
  afterAll(async () => {
    await srv?.close();
    await tdb?.dispose();
  });

  /** Clients `<suite>-00..` with agent and approver API clients. */
  async function fleet(suite: string, n: number) {
    const agents: Record<string, GccClient> = {};
    const approvers: Record<string, GccClient> = {};
    for (let i = 0; i < n; i++) {
      const id = `${suite}-${String(i).padStart(2, '0')}`;
      await admin.clients.create({ id, name: id, target_kind: 'kubernetes', labels: { suite } });
      agents[id] = srv.client((await admin.clients.createToken(id, { role: 'agent' })).token);
      approvers[id] = srv.client((await srv.gcc.issueToken({ role: 'approver', clientId: id })).token);
    }
    return { ids: Object.keys(agents), agents, approvers };
  }

  /**
   * Answers every client's approval while the deployment is paused, then resumes it: every answer is in before
   * stage 0 starts, so the stages are exactly the planned ones (an approval after a stage started would join a
   * later, trailing stage). `answer` picks each client's reply; `none` leaves its task pending.
   */
  async function approveAll(
    deploymentId: string,
    approvers: Record<string, GccClient>,
    answer: (clientId: string) => 'approve' | 'reject' | 'none' = () => 'approve',
  ) {
    await admin.deployments.pause(deploymentId);
    for (const [id, api] of Object.entries(approvers)) {
      const reply = answer(id);
      if (reply === 'none') continue;
      const pending = await until(`pending approval of ${id}`, async () => {
        const p = await api.approvals.listPending(id);
        return p.items.length > 0 ? p.items : undefined;
      });
      for (const p of pending) {
        if (reply === 'reject') {
          await api.approvals.reject(id, p.task_id, { rejected_by: `ct@${id}`, reason: 'change freeze' });
        } else await api.approvals.approve(id, p.task_id, { approved_by: `ct@${id}` });
      }
    }
    await admin.deployments.resume(deploymentId);
  }

  it('is wired in: the worker and the notifier run', () => {
    expect(srv.gcc.worker?.state).toBe('running');
    expect(srv.gcc.notifier).toBeDefined();
  });

  it('dispatches the canary first, then the batch, and completes with 2 succeeded stages', async () => {
    const { ids, agents, approvers } = await fleet('e2e', 10);
    const release = await ci.releases.create({
      component: 'backend',
      version: 'sha-e2e',
      image_url: img('sha-e2e'),
    });
    const d = await admin.deployments.create({
      release_id: release.id,
      targets: { selector: 'suite=e2e' },
      strategy: { stages: STAGES },
    });
    const run = runAgents(agents, () => 'success');
    try {
      await approveAll(d.id, approvers);
      const done = await until('the deployment to complete', async () => {
        const v = await admin.deployments.get(d.id);
        return v.status === 'completed' ? v : undefined;
      });
      expect(done.task_counts).toMatchObject({ success: 10 });
      expect(done.stages.map((s) => [s.index, s.kind, s.status])).toEqual([
        [0, 'canary', 'succeeded'],
        [1, 'batch', 'succeeded'],
      ]);
      const tasks = (await admin.deployments.listTasks(d.id, { limit: 100 })).items;
      expect(tasks).toHaveLength(10);
      expect(tasks.every((t) => t.status === 'success')).toBe(true);
      for (const id of ids) {
        expect((await admin.clients.get(id)).current_versions.backend).toBe('sha-e2e');
      }
    } finally {
      await run.stop();
    }
    // The canary's 2 clients got their update before any other client, and each client exactly once.
    const got = run.received.filter((r) => r.deploymentId === d.id);
    expect(got).toHaveLength(10);
    expect(new Set(got.map((r) => r.clientId)).size).toBe(10);
    const dispatches = await tdb.db.query<{ client_id: string; stage: number; at: Date }>(
      `SELECT t.client_id, x.stage, x.dispatched_at AS at FROM task_dispatches x
       JOIN deployment_tasks t ON t.id = x.task_id WHERE x.deployment_id = $1 ORDER BY x.dispatched_at, t.client_id`,
      [d.id],
    );
    expect(dispatches.rows).toHaveLength(10);
    const canary = dispatches.rows.filter((r) => r.stage === 0).map((r) => r.client_id);
    expect(canary).toHaveLength(2);
    const lastCanary = Math.max(
      ...dispatches.rows.filter((r) => r.stage === 0).map((r) => new Date(r.at).getTime()),
    );
    for (const r of dispatches.rows.filter((x) => x.stage !== 0)) {
      expect(new Date(r.at).getTime()).toBeGreaterThanOrEqual(lastCanary);
    }
    expect(
      got
        .slice(0, 2)
        .map((r) => r.clientId)
        .sort(),
    ).toEqual([...canary].sort());
  }, 60_000);

  it("runs the customer's 50-client example: stages of 2/5/10/15/18 over the approved clients, waits kept", async () => {
    const { ids, agents, approvers } = await fleet('c50', 53);
    const release = await ci.releases.create({
      component: 'backend',
      version: 'sha-c50',
      image_url: img('sha-c50'),
    });
    const d = await admin.deployments.create({
      release_id: release.id,
      targets: { selector: 'suite=c50' },
      strategy: {
        stages: [
          { kind: 'canary', percent: 4, wait_seconds: 1 },
          { kind: 'batch', percent: 10, wait_seconds: 1 },
          { kind: 'batch', percent: 20, wait_seconds: 1 },
          { kind: 'batch', percent: 30, wait_seconds: 1 },
          { kind: 'batch', wait_seconds: 0 },
        ],
        // The last stage is planned with room for the silent client; this test is about sizes and waits, so it
        // starts with the 18 approved at once instead of waiting up to the fill bound for that client.
        stage_fill_seconds: 0,
      },
    });
    const [rejected, pending] = [ids.slice(50, 52), ids[52]!];
    const run = runAgents(agents, () => 'success');
    try {
      // 50 approve, 2 reject, 1 never answers, all before stage 0 starts.
      await approveAll(d.id, approvers, (id) =>
        rejected.includes(id) ? 'reject' : id === pending ? 'none' : 'approve',
      );
      const done = await until(
        'all five stages to succeed',
        async () => {
          const v = await admin.deployments.get(d.id);
          return v.stages.length === 5 && v.stages.every((x) => x.status === 'succeeded') ? v : undefined;
        },
        90_000,
      );
      // Capacities are planned over the 51 live targets (the silent client may still approve): the last stage keeps
      // room for it, and the 50 approved clients are placed 2/5/10/15/18.
      expect(done.stages.map((x) => [x.kind, x.capacity, x.task_counts.success])).toEqual([
        ['canary', 2, 2],
        ['batch', 5, 5],
        ['batch', 10, 10],
        ['batch', 15, 15],
        ['batch', 19, 18],
      ]);
      // Each stage started only after the previous one finished and its wait (1 s) elapsed.
      for (let k = 1; k < 5; k++) {
        const prev = done.stages[k - 1]!;
        expect(Date.parse(done.stages[k]!.started_at!)).toBeGreaterThanOrEqual(Date.parse(prev.wait_until!));
        expect(Date.parse(prev.wait_until!) - Date.parse(prev.finished_at!)).toBe(1000);
      }
      // The pending client keeps the deployment open; it and the rejecting clients were never offered anything.
      expect(done.status).toBe('running');
      expect(done.task_counts).toMatchObject({ success: 50, rejected: 2, pending_approval: 1 });
    } finally {
      await run.stop();
    }
    const got = run.received.filter((r) => r.deploymentId === d.id);
    expect(got).toHaveLength(50);
    for (const id of [...rejected, pending]) expect(got.some((r) => r.clientId === id)).toBe(false);
    await admin.deployments.abort(d.id);
  }, 120_000);

  it('rolls back when a canary agent reports failed', async () => {
    const { ids, agents, approvers } = await fleet('e2f', 10);
    // Every client runs a previous version, so the rollback has somewhere to go.
    for (const id of ids) {
      await tdb.db.query(
        `INSERT INTO deployment_history (client_id, component, version, image_url, is_current, created_at)
         VALUES ($1, 'backend', 'sha-old', $2, true, now() - interval '1 day')`,
        [id, img('sha-old')],
      );
      await tdb.db.query(
        `UPDATE clients SET current_versions = current_versions || '{"backend":"sha-old"}'::jsonb WHERE id = $1`,
        [id],
      );
    }
    const release = await ci.releases.create({
      component: 'backend',
      version: 'sha-bad',
      image_url: img('sha-bad'),
    });
    const d = await admin.deployments.create({
      release_id: release.id,
      targets: { selector: 'suite=e2f' },
      strategy: { stages: STAGES, max_attempts: 1 },
    });
    let failedClient: string | undefined;
    const run = runAgents(agents, async (r) => {
      if (r.type === 'rollback' || r.deploymentId !== d.id) return 'success';
      failedClient ??= r.clientId; // the first canary client fails
      return r.clientId === failedClient ? 'failed' : 'success';
    });
    try {
      await approveAll(d.id, approvers);
      const after = await until('the deployment to be rolled back', async () => {
        const v = await admin.deployments.get(d.id);
        return v.status === 'rolled_back' ? v : undefined;
      });
      expect(after.stages[0]).toMatchObject({ status: 'failed' });
      const rb = await tdb.db.query<{ id: string; status: string; type: string }>(
        'SELECT id, status, type FROM deployments WHERE rollback_of = $1',
        [d.id],
      );
      expect(rb.rows).toHaveLength(1);
      expect(rb.rows[0]).toMatchObject({ type: 'rollback', status: 'completed' });
      const rbTasks = (await admin.deployments.listTasks(rb.rows[0]!.id, { limit: 100 })).items;
      const canary = (await admin.deployments.listTasks(d.id, { limit: 100 })).items
        .filter((t) => t.stage === 0)
        .map((t) => t.client_id)
        .sort();
      expect(canary).toHaveLength(2);
      expect(canary).toContain(failedClient);
      // Every canary client whose agent got the bad update (the failing one, and the other one when it picked its
      // update up before the failure was judged, even while still running it) is rolled back; a canary task not
      // picked up by then is cancelled and has nothing to roll back.
      const updated = [
        ...new Set(run.received.filter((r) => r.deploymentId === d.id).map((r) => r.clientId)),
      ];
      expect(updated).toContain(failedClient);
      expect(canary).toEqual(expect.arrayContaining(updated));
      expect(rbTasks.map((t) => [t.client_id, t.version, t.status]).sort()).toEqual(
        updated.sort().map((c) => [c, 'sha-old', 'success']),
      );
      // Nobody outside the canary was updated.
      for (const id of ids) {
        expect((await admin.clients.get(id)).current_versions.backend).toBe('sha-old');
      }
    } finally {
      await run.stop();
    }
  }, 60_000);
});

describe('maintenance windows over HTTP (worker on a test clock, PGlite)', () => {
  // The clock runs in real time from a chosen instant (Saturday 2026-01-03 21:30 in Kolkata); `skip` moves it on.
  // Wake-ups the worker schedules for a window therefore lie in the real future and never fire early.
  const START = Date.parse('2026-01-03T16:00:00Z');
  let offset = START - Date.now();
  const now = () => new Date(Date.now() + offset);
  let tdb: TestDatabase;
  let srv: RunningGcc;
  let admin: GccClient;

  beforeAll(async () => {
    tdb = await pgliteFactory();
    srv = await startGcc(tdb.db, { orchestration: 'worker', now, worker: { pollIntervalMs: 100 } });
    admin = srv.client(ADMIN);
  }, 60_000);
  afterAll(async () => {
    await srv?.close();
    await tdb?.dispose();
  });

  it('updates a client only inside its maintenance window; the others are not held back', async () => {
    const agents: Record<string, GccClient> = {};
    const windowed = 'mw-00';
    for (let i = 0; i < 4; i++) {
      const id = `mw-0${i}`;
      await admin.clients.create({
        id,
        name: id,
        target_kind: 'kubernetes',
        labels: { suite: 'mw' },
        timezone: 'Asia/Kolkata',
        maintenance_windows: id === windowed ? [{ days: ['sat'], start: '22:00', end: '23:00' }] : [],
      });
      agents[id] = srv.client((await admin.clients.createToken(id, { role: 'agent' })).token);
    }
    const release = await srv.client(CI).releases.create({
      component: 'backend',
      version: 'sha-mw',
      image_url: img('sha-mw'),
    });
    const d = await admin.deployments.create({
      release_id: release.id,
      targets: { selector: 'suite=mw' },
      approval: { required: false },
      // The windowed client is approved but not eligible yet: with a fill bound the stage would wait up to it for
      // that client. This test is about the window itself, so the others start at once.
      strategy: { stages: [{ kind: 'batch', wait_seconds: 0 }], stage_fill_seconds: 0 },
    });
    const at = new Map<string, number>();
    const run = runAgents(agents, (r) => {
      at.set(r.clientId, now().getTime());
      return 'success';
    });
    try {
      // 21:30 in Kolkata: the three clients without a window are updated; the windowed one waits, approved.
      await until('three clients updated', async () => {
        const v = await admin.deployments.get(d.id);
        return v.task_counts.success === 3 ? v : undefined;
      });
      await new Promise((resolve) => setTimeout(resolve, 500)); // a few more worker sweeps
      const waiting = await admin.deployments.get(d.id);
      expect(waiting.status).toBe('running');
      expect(waiting.task_counts).toMatchObject({ success: 3, approved: 1 });
      expect(at.has(windowed)).toBe(false);

      // 22:10 in Kolkata: the window is open; the client is updated and the deployment completes.
      offset += 40 * 60_000;
      const done = await until('the deployment to complete', async () => {
        const v = await admin.deployments.get(d.id);
        return v.status === 'completed' ? v : undefined;
      });
      expect(done.task_counts).toMatchObject({ success: 4 });
      const opened = Date.parse('2026-01-03T16:30:00Z'); // sat 22:00 in Asia/Kolkata (UTC+05:30)
      expect(at.get(windowed)).toBeGreaterThanOrEqual(opened);
      for (const [id, t] of at) if (id !== windowed) expect(t).toBeLessThan(opened);
      const dispatched = await tdb.db.query<{ at: Date }>(
        `SELECT x.dispatched_at AS at FROM task_dispatches x JOIN deployment_tasks t ON t.id = x.task_id
         WHERE x.deployment_id = $1 AND t.client_id = $2`,
        [d.id, windowed],
      );
      expect(dispatched.rows).toHaveLength(1);
      expect(new Date(dispatched.rows[0]!.at).getTime()).toBeGreaterThanOrEqual(opened);
    } finally {
      await run.stop();
    }
  }, 60_000);
});
