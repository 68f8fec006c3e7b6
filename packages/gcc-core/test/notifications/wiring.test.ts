import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database';
import type { NotificationEvent } from '../../src/notifications/events';
import { listOutbox } from '../../src/notifications/outbox';
import { renderEvent, webhookBody } from '../../src/notifications/render';
import { createServices, type GccServices } from '../../src/services';
import type { Principal, ServiceContext } from '../../src/services/context';
import { createWorker, type Worker } from '../../src/worker';
import { pgliteFactory, type TestDatabase } from '../helpers/databases';
import { ADMIN, createHarness, type Harness, stageStarts, testClock } from '../worker/harness';

const CI: Principal = { role: 'ci', name: 'ci' };
const approverOf = (clientId: string): Principal => ({ role: 'approver', clientId, name: `ct-${clientId}` });
const agentOf = (clientId: string): Principal => ({ role: 'agent', clientId, name: `agent-${clientId}` });

/** The events recorded (fan-out rows, oldest first), optionally of one deployment (or rolling one back). */
async function events(db: Database, deploymentId?: string): Promise<NotificationEvent[]> {
  const rows = await listOutbox(db, { channel: 'fanout' });
  return rows
    .map((r) => r.payload)
    .filter(
      (e) =>
        deploymentId === undefined ||
        e.deploymentId === deploymentId ||
        ('rollbackOf' in e && e.rollbackOf === deploymentId),
    );
}

const ofType = <T extends NotificationEvent['type']>(list: NotificationEvent[], type: T) =>
  list.filter((e): e is Extract<NotificationEvent, { type: T }> => e.type === type);

describe('notification events from the services (the immediate strategy, PGlite)', () => {
  let tdb: TestDatabase;
  let services: GccServices;
  let worker: Worker;
  const clock = testClock();

  beforeAll(async () => {
    tdb = await pgliteFactory();
    const ctx: ServiceContext = {
      db: tdb.db,
      now: clock.now,
      components: new Set(['backend']),
      leaseSeconds: 900,
      pollAfterSeconds: 30,
      invalidateLocal: () => {},
    };
    services = createServices(ctx);
    // The rollout worker releases approved tasks under every strategy; ticked by hand here.
    worker = createWorker({
      database: tdb.db,
      now: clock.now,
      logger: pino({ level: 'silent' }),
      queue: false,
    });
    for (const id of ['w-001', 'w-002', 'w-003', 'w-004']) {
      await services.clients.create(ADMIN, {
        id,
        name: id,
        target_kind: 'argocd',
        argocd_instance: 'argo-eu',
        labels: { suite: 'w' },
      });
      await tdb.db.query(
        `INSERT INTO deployment_history (client_id, component, version, image_url, is_current, created_at)
         VALUES ($1, 'backend', 'v0', 'registry/backend:v0', true, $2)`,
        [id, new Date(clock.ms() - 86_400_000)],
      );
    }
  });
  afterAll(async () => {
    await tdb?.dispose();
  });

  const taskOf = async (deploymentId: string, clientId: string) => {
    const r = await tdb.db.query<{ id: string; attempt: number }>(
      'SELECT id, attempt FROM deployment_tasks WHERE deployment_id = $1 AND client_id = $2',
      [deploymentId, clientId],
    );
    return r.rows[0]!;
  };
  /** The worker releases the client's task, its agent reports success, the worker judges the stage. */
  const succeed = async (deploymentId: string, clientId: string) => {
    await worker.tick(deploymentId);
    const t = await taskOf(deploymentId, clientId);
    for (const status of ['in_progress', 'success'] as const)
      await services.agent.report(agentOf(clientId), clientId, {
        task_id: t.id,
        attempt: t.attempt,
        status,
      });
    await worker.tick(deploymentId);
  };

  it('announces creation, approvals, rejections, forced approvals, completion and a manual rollback', async () => {
    const rel = await services.releases.create(CI, {
      component: 'backend',
      version: 'v1',
      image_url: 'registry/backend:v1',
    });
    const deadline = new Date(clock.ms() + 3_600_000).toISOString();
    const d = await services.deployments.create(ADMIN, {
      release_id: rel.release.id,
      targets: { selector: 'suite=w' },
      approval: { required: true, deadline, on_deadline: 'expire' },
      requested_start_time: '2026-01-05T09:00:00Z',
      description: 'Monthly update',
    });
    const ref = { deploymentId: d.id, component: 'backend', version: 'v1' };
    expect(await events(tdb.db, d.id)).toEqual([
      {
        type: 'deployment_created',
        ...ref,
        approvalDeadline: deadline,
        requestedStartTime: '2026-01-05T09:00:00Z',
        description: 'Monthly update',
        by: 'admin:admin',
      },
    ]);
    // No client list: the notifier finds the approvers through the deployment's tasks.
    expect((await events(tdb.db, d.id))[0]).not.toHaveProperty('clientIds');

    const [t1, t2, t3, t4] = await Promise.all(
      ['w-001', 'w-002', 'w-003', 'w-004'].map((c) => taskOf(d.id, c)),
    );
    await services.approvals.approve(approverOf('w-001'), 'w-001', t1!.id, { approved_by: 'ct@w-001' });
    await services.approvals.reject(approverOf('w-002'), 'w-002', t2!.id, {
      rejected_by: 'ct@w-002',
      reason: 'freeze',
    });
    await services.deployments.forceApprove(ADMIN, d.id, t3!.id, {
      approved_by: 'ops@example.com',
      reason: 'urgent',
    });
    await services.approvals.reject(approverOf('w-004'), 'w-004', t4!.id, {
      rejected_by: 'ct@w-004',
      reason: 'not now',
    });
    const decided = (await events(tdb.db, d.id)).slice(1);
    expect(decided).toEqual([
      {
        type: 'task_approved',
        ...ref,
        taskId: t1!.id,
        clientId: 'w-001',
        by: 'approver:ct-w-001',
        source: 'client',
      },
      {
        type: 'task_rejected',
        ...ref,
        taskId: t2!.id,
        clientId: 'w-002',
        by: 'approver:ct-w-002',
        reason: 'freeze',
      },
      {
        type: 'task_approved',
        ...ref,
        taskId: t3!.id,
        clientId: 'w-003',
        by: 'admin:admin',
        source: 'admin_force',
      },
      {
        type: 'task_rejected',
        ...ref,
        taskId: t4!.id,
        clientId: 'w-004',
        by: 'approver:ct-w-004',
        reason: 'not now',
      },
    ]);
    // Approving again changes nothing and announces nothing.
    await services.approvals.approve(approverOf('w-001'), 'w-001', t1!.id, { approved_by: 'ct@w-001' });
    expect(await events(tdb.db, d.id)).toHaveLength(5);

    await succeed(d.id, 'w-001');
    expect(ofType(await events(tdb.db, d.id), 'deployment_completed')).toEqual([]);
    await succeed(d.id, 'w-003');
    expect(ofType(await events(tdb.db, d.id), 'deployment_completed')).toEqual([
      {
        type: 'deployment_completed',
        ...ref,
        deploymentType: 'update',
        rollbackOf: null,
        status: 'completed',
        succeeded: 2,
        failed: 0,
        skipped: 2,
      },
    ]);

    const rb = await services.deployments.rollback(ADMIN, d.id, {
      scope: 'clients',
      client_ids: ['w-001'],
      reason: 'regression',
    });
    // w-003 keeps v1: the rollback is partial, and says so.
    expect(ofType(await events(tdb.db, d.id), 'rollback_started')).toEqual([
      {
        type: 'rollback_started',
        deploymentId: rb.id,
        deploymentType: 'rollback',
        rollbackOf: d.id,
        component: 'backend',
        version: 'v1',
        scope: 'clients',
        partial: true,
        keptNewVersion: 1,
        clientIds: ['w-001'],
        skippedClientIds: [],
        by: 'admin:admin',
        reason: 'regression',
      },
    ]);

    await succeed(rb.id, 'w-001');
    const finished = await events(tdb.db, rb.id);
    // A rollback's end is announced as such only, never as a completed deployment.
    expect(ofType(finished, 'deployment_completed').filter((e) => e.deploymentId === rb.id)).toEqual([]);
    expect(ofType(finished, 'rollback_finished')).toEqual([
      {
        type: 'rollback_finished',
        deploymentId: rb.id,
        deploymentType: 'rollback',
        rollbackOf: d.id,
        component: 'backend',
        version: 'v1',
        status: 'completed',
        scope: 'clients',
        partial: true,
        keptNewVersion: 1,
        succeeded: 1,
        failed: 0,
        skipped: 0,
      },
    ]);
    expect((await services.deployments.get(d.id)).status).toBe('rolled_back');
  });

  it('does not announce a deployment whose tasks are hidden until later', async () => {
    const rel = await services.releases.create(CI, {
      component: 'backend',
      version: 'v2',
      image_url: 'registry/backend:v2',
    });
    const d = await services.deployments.create(ADMIN, {
      release_id: rel.release.id,
      targets: { client_ids: ['w-002'] },
      approval: { required: true, visible_from: new Date(clock.ms() + 60_000).toISOString() },
    });
    expect(await events(tdb.db, d.id)).toEqual([]);
  });

  it('a rolled-back transaction leaves no event behind', async () => {
    const before = (await events(tdb.db)).length;
    await expect(
      services.deployments.create(ADMIN, { release_id: 'rel-missing', targets: { selector: 'suite=w' } }),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect(await events(tdb.db)).toHaveLength(before);
  });
});

describe('notification events from the rollout worker (PGlite)', () => {
  let tdb: TestDatabase;
  let h: Harness;

  beforeAll(async () => {
    tdb = await pgliteFactory();
    h = createHarness(tdb.db);
  });
  afterAll(async () => {
    await tdb?.dispose();
  });

  it('announces a completed stage and the completed deployment', async () => {
    await h.clients('sc', 4);
    const d = await h.deploy('sha-s1', 'suite=sc', {
      approval: { required: false },
      strategy: {
        stages: [
          { kind: 'canary', count: 2, wait_seconds: 0 },
          { kind: 'batch', wait_seconds: 0 },
        ],
      },
    });
    expect(stageStarts(await h.tick(d))).toEqual([[0, 2]]);
    await h.runAgents(d);
    await h.tick(d);
    const ref = {
      deploymentId: d,
      deploymentType: 'update',
      rollbackOf: null,
      component: 'backend',
      version: 'sha-s1',
    };
    expect(ofType(await events(tdb.db, d), 'stage_completed')).toEqual([
      { type: 'stage_completed', ...ref, stage: 0, succeeded: 2, failed: 0, total: 2 },
    ]);
    for (let i = 0; i < 5 && (await h.services.deployments.get(d)).status === 'running'; i++) {
      await h.runAgents(d);
      await h.tick(d);
    }
    const all = await events(tdb.db, d);
    expect(ofType(all, 'stage_completed').map((e) => [e.stage, e.succeeded, e.total])).toEqual([
      [0, 2, 2],
      [1, 2, 2],
    ]);
    expect(ofType(all, 'deployment_completed')).toEqual([
      { type: 'deployment_completed', ...ref, status: 'completed', succeeded: 4, failed: 0 },
    ]);
    expect(ofType(all, 'rollback_finished')).toEqual([]);
  });

  it('a failing canary announces stage_failed, rollback_started and rollback_finished', async () => {
    const ids = await h.clients('rb', 4);
    await h.seedHistory(Object.fromEntries(ids.map((id) => [id, 'sha-old'])));
    const d = await h.deploy('sha-rb', 'suite=rb', {
      approval: { required: false },
      strategy: {
        stages: [
          { kind: 'canary', count: 2, wait_seconds: 0 },
          { kind: 'batch', wait_seconds: 0 },
        ],
        max_attempts: 1,
      },
    });
    const [ok, bad] = [ids[0]!, ids[1]!];
    expect(stageStarts(await h.tick(d))).toEqual([[0, 2]]);
    await h.runAgents(d, (c) => (c === bad ? 'failed' : 'success'));
    const results = await h.tick(d);
    const rbId = results[0]!.rollbackId!;
    expect(rbId).toBeTruthy();
    const ref = { component: 'backend', version: 'sha-rb' };
    const started = await events(tdb.db, d);
    expect(ofType(started, 'stage_completed')).toEqual([]);
    expect(ofType(started, 'stage_failed')).toEqual([
      {
        type: 'stage_failed',
        deploymentId: d,
        deploymentType: 'update',
        rollbackOf: null,
        ...ref,
        stage: 0,
        succeeded: 1,
        failed: 1,
        total: 2,
        action: 'rollback',
        reason: expect.any(String),
      },
    ]);
    expect(ofType(started, 'rollback_started')).toEqual([
      {
        type: 'rollback_started',
        deploymentId: rbId,
        deploymentType: 'rollback',
        rollbackOf: d,
        ...ref,
        scope: 'failed_stage',
        stage: 0,
        partial: false,
        keptNewVersion: 0,
        reason: expect.any(String),
        clientIds: [ok, bad].sort(),
        skippedClientIds: [],
        by: 'system',
      },
    ]);
    expect(ofType(started, 'rollback_finished')).toEqual([]);

    await h.runAgents(rbId);
    await h.tick();
    expect((await h.services.deployments.get(d)).status).toBe('rolled_back');
    const finished = await events(tdb.db, d);
    expect(ofType(finished, 'rollback_finished')).toEqual([
      {
        type: 'rollback_finished',
        deploymentId: rbId,
        deploymentType: 'rollback',
        rollbackOf: d,
        ...ref,
        status: 'completed',
        scope: 'failed_stage',
        partial: false,
        keptNewVersion: 0,
        succeeded: 2,
        failed: 0,
        skipped: 0,
      },
    ]);
    // Announced as a rollback only: no "deployment completed", no "stage 0 completed" for the rollback.
    const ofRollback = (await events(tdb.db, rbId)).filter((e) => e.deploymentId === rbId);
    expect(ofRollback.map((e) => e.type)).toEqual(['rollback_started', 'rollback_finished']);
  });

  it('a failing stage without an earlier version fails the deployment', async () => {
    await h.clients('nv', 2);
    const d = await h.deploy('sha-nv', 'suite=nv', {
      approval: { required: false },
      strategy: { stages: [{ kind: 'canary', count: 2, wait_seconds: 0 }], max_attempts: 1 },
    });
    await h.tick(d);
    await h.runAgents(d, () => 'failed');
    await h.tick(d);
    const list = await events(tdb.db, d);
    expect(ofType(list, 'stage_failed')).toMatchObject([{ action: 'rollback', failed: 2, total: 2 }]);
    expect(ofType(list, 'rollback_started')).toEqual([]);
    expect(ofType(list, 'deployment_completed')).toMatchObject([
      { status: 'failed', succeeded: 0, failed: 2 },
    ]);
  });

  it('a threshold pause announces stage_failed with action paused', async () => {
    await h.clients('ps', 2);
    const d = await h.deploy('sha-ps', 'suite=ps', {
      approval: { required: false },
      strategy: {
        stages: [{ kind: 'canary', count: 2, wait_seconds: 0 }],
        max_attempts: 1,
        on_failure: 'pause',
      },
    });
    await h.tick(d);
    await h.runAgents(d, () => 'failed');
    await h.tick(d);
    expect((await h.services.deployments.get(d)).status).toBe('paused');
    expect(ofType(await events(tdb.db, d), 'stage_failed')).toMatchObject([
      { stage: 0, action: 'paused', failed: 2, total: 2, reason: expect.any(String) },
    ]);
  });

  it('announces the tasks that became overdue in one tick as one event', async () => {
    const ids = await h.clients('od', 3);
    const d = await h.deploy('sha-od', 'suite=od', {
      approval: { required: false },
      strategy: { stages: [{ kind: 'batch', wait_seconds: 0 }], pickup_timeout_seconds: 60 },
    });
    await h.tick(d);
    h.clock.advance(61_000);
    await h.tick(d);
    const overdue = ofType(await events(tdb.db, d), 'task_overdue');
    expect(overdue).toHaveLength(1);
    const tasks = await Promise.all(ids.map((c) => h.taskOf(d, c)));
    expect(overdue[0]).toEqual({
      type: 'task_overdue',
      deploymentId: d,
      deploymentType: 'update',
      rollbackOf: null,
      component: 'backend',
      version: 'sha-od',
      count: 3,
      taskIds: tasks.map((t) => t.id),
      clientIds: ids,
      since: h.clock.now().toISOString(),
    });
    expect(renderEvent(overdue[0]!).title).toBe('backend sha-od: 3 approved tasks not picked up in time');
  });

  it('announces hidden tasks when the worker publishes them', async () => {
    await h.clients('pb', 2);
    const d = await h.deploy('sha-pb', 'suite=pb', {
      approval: { required: true, visible_from: new Date(h.clock.ms() + 60_000).toISOString() },
      description: 'later',
    });
    await h.tick(d);
    expect(await events(tdb.db, d)).toEqual([]);
    h.clock.advance(61_000);
    await h.tick(d);
    await h.tick(d);
    expect(await events(tdb.db, d)).toEqual([
      {
        type: 'deployment_published',
        deploymentId: d,
        component: 'backend',
        version: 'sha-pb',
        approvalDeadline: null,
        requestedStartTime: null,
        description: 'later',
        by: 'system',
      },
    ]);
  });
});

describe('task_overdue rendering', () => {
  const e: NotificationEvent = {
    type: 'task_overdue',
    deploymentId: 'dpl-1',
    component: 'backend',
    version: 'v9',
    count: 150,
    taskIds: ['tsk-1', 'tsk-2'],
    clientIds: ['c-1', 'c-2'],
    since: '2026-01-05T10:00:00.000Z',
  };

  it('names the clients and says when the list was cut', () => {
    expect(renderEvent(e)).toEqual({
      title: 'backend v9: 150 approved tasks not picked up in time',
      lines: [
        'Deployment: dpl-1',
        'Clients: c-1, c-2 (first 2 of 150)',
        'Overdue since: 2026-01-05T10:00:00.000Z',
        'Not a failure: they are retried in a later batch.',
      ],
    });
    expect(renderEvent({ ...e, count: 1, taskIds: ['tsk-1'], clientIds: ['c-1'] }).title).toBe(
      'backend v9: 1 approved task not picked up in time',
    );
  });

  it('keeps the lists in the webhook body', () => {
    const body = webhookBody('7', new Date('2026-01-05T10:00:00Z'), e);
    expect(body.event).toMatchObject({
      type: 'task_overdue',
      count: 150,
      taskIds: ['tsk-1', 'tsk-2'],
      clientCount: 2,
    });
  });
});
