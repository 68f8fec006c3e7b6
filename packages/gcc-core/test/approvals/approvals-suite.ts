import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database';
import { createNotifier, type Notifier } from '../../src/notifications';
import { createServices, type GccServices } from '../../src/services';
import type { Principal } from '../../src/services/context';
import { countingDatabase, type DatabaseFactory, type TestDatabase } from '../helpers/databases';
import { freePort, HookSink, SmtpSink } from '../notifications/receivers';
import { ADMIN, createHarness, type Harness } from '../worker/harness';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const SECRET = 'whsec-approvals-0123456789';
const ADMINS = ['ops@wrktalk.test', 'lead@wrktalk.test'];
const approverOf = (clientId: string): Principal => ({ role: 'approver', clientId, name: `ct-${clientId}` });
const iso = (ms: number) => new Date(ms).toISOString();
const oneBatch = { stages: [{ kind: 'batch' as const, wait_seconds: 0 }] };

/** Every task-approval audit entry of a deployment: its action, client and recorded source and policy. */
async function approvalAudit(db: Database, deploymentId: string) {
  const r = await db.query<{ action: string; client_id: string; source: string; policy: string | null }>(
    `SELECT action, client_id, after ->> 'approval_source' AS source, after ->> 'policy' AS policy
     FROM audit_log WHERE deployment_id = $1 AND subject_type = 'task'
       AND action IN ('task.approve', 'task.force_approve', 'task.auto_approve')
     ORDER BY client_id, seq`,
    [deploymentId],
  );
  return r.rows;
}

/**
 * Approvals against a real database: the admin's schedule survives an approval (a staged and the immediate
 * strategy), one approval-source vocabulary with every approval audited, deterministic task numbering, and
 * the admins' approval emails digested per deployment and interval. Written once, run on each database kind.
 */
export function defineApprovalsSuite(name: string, factory: DatabaseFactory): void {
  describe(`approvals on ${name}`, () => {
    let tdb: TestDatabase;
    let h: Harness;
    /** Services on the same database and clock whose default strategy is the immediate one (the library default). */
    let immediate: GccServices;

    beforeAll(async () => {
      tdb = await factory();
      h = createHarness(tdb.db);
      immediate = createServices({
        db: tdb.db,
        now: h.clock.now,
        components: new Set(['backend', 'media', 'ct']),
        leaseSeconds: 900,
        pollAfterSeconds: 30,
        invalidateLocal: () => {},
      });
    }, 60_000); // PGlite start + migrations are slow on a loaded machine
    afterAll(async () => {
      await tdb?.dispose();
    });

    describe("the admin's schedule (requested_start_time) survives an approval", () => {
      it('an approval without a start time keeps the deployment’s: nothing is queued before it, the update is offered after it (worker)', async () => {
        const [c] = await h.clients('sched', 1);
        const T = h.clock.ms() + HOUR;
        const d = await h.deploy('sched-1', 'suite=sched', {
          requested_start_time: iso(T),
          strategy: oneBatch,
        });
        const t = await h.taskOf(d, c!);
        const answered = await h.services.approvals.approve(approverOf(c!), c!, t.id, {
          approved_by: 'ct@sched',
        });
        // What the client is told: its task keeps the admin's start time.
        expect(answered).toMatchObject({ status: 'approved', requested_start_time: iso(T) });

        for (const at of [T - 30 * MIN, T - SEC]) {
          h.clock.advance(at - h.clock.ms());
          await h.tick(d);
          expect((await h.taskOf(d, c!)).status).toBe('approved');
          expect((await h.services.agent.currentOffer(c!)).body.available).toBe(false);
        }
        expect(await h.dispatches(d)).toEqual([]);

        h.clock.advance(T + SEC - h.clock.ms());
        for (let i = 0; i < 3 && (await h.taskOf(d, c!)).status !== 'queued'; i++) await h.tick(d);
        expect((await h.taskOf(d, c!)).status).toBe('queued');
        const offer = await h.services.agent.currentOffer(c!);
        expect(offer.body.available).toBe(true);
        expect(offer.body.update?.task_id).toBe(t.id);
      });

      it('the same under the immediate strategy: the deployment waits for its start time, then the worker releases the approval', async () => {
        const [c] = await h.clients('imm', 1);
        const T = h.clock.ms() + HOUR;
        const d = await immediate.deployments.create(ADMIN, {
          release_id: await h.release('imm-1'),
          targets: { selector: 'suite=imm' },
          requested_start_time: iso(T),
        });
        // The GCC's default strategy in immediate mode, waiting like any other for the admin's start time.
        expect(d).toMatchObject({
          status: 'created',
          strategy: { join_running_stage: true, stage_fill_seconds: 0 },
        });
        expect(d.status_reason).toContain('waiting for its requested start time');
        const t = await h.taskOf(d.id, c!);
        const answered = await immediate.approvals.approve(approverOf(c!), c!, t.id, {
          approved_by: 'ct@imm',
        });
        expect(answered).toMatchObject({ status: 'approved', requested_start_time: iso(T) });
        expect((await immediate.agent.currentOffer(c!)).body.available).toBe(false);

        h.clock.advance(T - SEC - h.clock.ms());
        await h.tick(d.id);
        expect((await immediate.agent.currentOffer(c!)).body.available).toBe(false);
        expect((await h.taskOf(d.id, c!)).status).toBe('approved');
        expect(await h.dispatches(d.id)).toEqual([]);

        h.clock.advance(2 * SEC);
        await h.tick(d.id);
        expect((await h.taskOf(d.id, c!)).status).toBe('queued');
        const offer = await immediate.agent.currentOffer(c!);
        expect(offer.body.available).toBe(true);
        expect(offer.body.update?.task_id).toBe(t.id);
      });

      it('an approver may postpone the start, never advance it; an admin’s forced approval keeps the task’s', async () => {
        const [earlier, later, none, forced] = await h.clients('when', 4);
        const T = h.clock.ms() + HOUR;
        const d = await h.deploy('when-1', 'suite=when', {
          requested_start_time: iso(T),
          strategy: oneBatch,
        });
        const approve = async (c: string, at?: number) =>
          h.services.approvals.approve(approverOf(c), c, (await h.taskOf(d, c)).id, {
            approved_by: `ct@${c}`,
            ...(at !== undefined && { requested_start_time: iso(at) }),
          });
        expect((await approve(earlier!, T - 30 * MIN)).requested_start_time).toBe(iso(T));
        expect((await approve(later!, T + 30 * MIN)).requested_start_time).toBe(iso(T + 30 * MIN));
        expect((await approve(none!)).requested_start_time).toBe(iso(T));
        const f = await h.services.deployments.forceApprove(ADMIN, d, (await h.taskOf(d, forced!)).id, {
          approved_by: 'ops@wrktalk.test',
          reason: 'urgent',
        });
        expect(f.requested_start_time).toBe(iso(T));

        // Without a deployment start time the approver's own is taken.
        const [own] = await h.clients('own-time', 1);
        const d2 = await h.deploy('when-2', 'suite=own-time', { strategy: oneBatch });
        const at = h.clock.ms() + 2 * HOUR;
        const t2 = await h.services.approvals.approve(approverOf(own!), own!, (await h.taskOf(d2, own!)).id, {
          approved_by: 'ct@own',
          requested_start_time: iso(at),
        });
        expect(t2.requested_start_time).toBe(iso(at));
      });
    });

    describe('one approval-source vocabulary; every approval decided for a client audited with its source', () => {
      it('a client’s auto-approve preference is auto_policy / client_preference at creation and when the worker applies it later', async () => {
        const [early, late] = await h.clients('pref', 2);
        await h.services.clients.setAutoApprove(ADMIN, early!, { all: false, components: ['backend'] });
        const d = await h.deploy('pref-1', 'suite=pref', { strategy: oneBatch });
        expect((await h.taskOf(d, late!)).status).toBe('pending_approval');
        // The client sets its preference after the deployment was created: the worker applies it.
        await h.services.clients.setAutoApprove(ADMIN, late!, { all: true, components: [] });
        await h.tick(d);

        const tasks = (await h.services.deployments.listTasks(d, {})).items;
        expect(tasks.map((t) => [t.client_id, t.approval_status, t.approval_source])).toEqual([
          [early, 'approved', 'auto_policy'],
          [late, 'approved', 'auto_policy'],
        ]);
        expect(await approvalAudit(tdb.db, d)).toEqual([
          {
            action: 'task.auto_approve',
            client_id: early,
            source: 'auto_policy',
            policy: 'client_preference',
          },
          {
            action: 'task.auto_approve',
            client_id: late,
            source: 'auto_policy',
            policy: 'client_preference',
          },
        ]);
      });

      it('audits one entry per approval decided for a client (auto_policy, client, admin_force); "not required" once, on the deployment', async () => {
        const count = async (deploymentId: string) =>
          (
            await tdb.db.query<{ approval_source: string; entries: number; tasks: number }>(
              `SELECT after ->> 'approval_source' AS approval_source, count(*)::int AS entries,
                      count(DISTINCT subject_id)::int AS tasks
               FROM audit_log WHERE deployment_id = $1 AND subject_type = 'task'
               GROUP BY 1 ORDER BY 1`,
              [deploymentId],
            )
          ).rows;

        // Nobody approved anything: the creator's one decision, recorded by the deployment's creation entry with its
        // task count, and every task says where its approval came from.
        const creation = async (deploymentId: string) =>
          (
            await tdb.db.query<{ actor: string; source: string | null; required: boolean; tasks: number }>(
              `SELECT actor, after ->> 'approval_source' AS source, (after -> 'approval' ->> 'required')::boolean AS required,
                      (after ->> 'tasks')::int AS tasks
               FROM audit_log WHERE subject_id = $1 AND action = 'deployment.create'`,
              [deploymentId],
            )
          ).rows;
        await h.clients('nreq', 5);
        const notRequired = await h.deploy('nreq-1', 'suite=nreq', { approval: { required: false } });
        expect(await count(notRequired)).toEqual([]);
        expect(await creation(notRequired)).toEqual([
          { actor: expect.any(String), source: 'not_required', required: false, tasks: 5 },
        ]);
        const nreqTasks = await tdb.db.query<{ approval_source: string; n: number }>(
          'SELECT approval_source, count(*)::int AS n FROM deployment_tasks WHERE deployment_id = $1 GROUP BY 1',
          [notRequired],
        );
        expect(nreqTasks.rows).toEqual([{ approval_source: 'not_required', n: 5 }]);

        const auto = await h.clients('auto', 5);
        for (const c of auto)
          await h.services.clients.setAutoApprove(ADMIN, c, { all: true, components: [] });
        const byPolicy = await h.deploy('auto-1', 'suite=auto');
        expect(await count(byPolicy)).toEqual([{ approval_source: 'auto_policy', entries: 5, tasks: 5 }]);

        // The same under the immediate strategy: approved at creation, released by the worker's first tick, and
        // the release is not a second approval entry.
        await h.clients('nreq-imm', 3);
        const imm = await immediate.deployments.create(ADMIN, {
          release_id: await h.release('nreq-imm-1'),
          targets: { selector: 'suite=nreq-imm' },
          approval: { required: false },
        });
        expect(imm.task_counts.approved).toBe(3);
        await h.tick(imm.id);
        expect((await immediate.deployments.get(imm.id)).task_counts.queued).toBe(3);
        expect(await count(imm.id)).toEqual([]);
        expect(await creation(imm.id)).toEqual([
          { actor: expect.any(String), source: 'not_required', required: false, tasks: 3 },
        ]);

        const [human, admin, policy] = await h.clients('mixed', 3);
        await h.services.clients.setAutoApprove(ADMIN, policy!, { all: true, components: [] });
        const mixed = await h.deploy('mixed-1', 'suite=mixed');
        await h.approve(human!, mixed);
        await h.services.deployments.forceApprove(ADMIN, mixed, (await h.taskOf(mixed, admin!)).id, {
          approved_by: 'ops@wrktalk.test',
          reason: 'urgent',
        });
        expect((await approvalAudit(tdb.db, mixed)).map((e) => [e.client_id, e.action, e.source])).toEqual([
          [human, 'task.approve', 'client'],
          [admin, 'task.force_approve', 'admin_force'],
          [policy, 'task.auto_approve', 'auto_policy'],
        ]);
      });
    });

    it('creation writes its tasks, their approvals’ audit entries and the counts it answers in one statement, and reads no task back', async () => {
      const counting = countingDatabase(tdb.db);
      const services = createServices({
        db: counting.db,
        now: h.clock.now,
        components: new Set(['backend', 'media', 'ct']),
        leaseSeconds: 900,
        pollAfterSeconds: 30,
        invalidateLocal: () => {},
      });
      const [manual, policy] = await h.clients('one-stmt', 3);
      await h.services.clients.setAutoApprove(ADMIN, policy!, { all: true, components: [] });
      const release = await h.release('one-stmt-1');
      counting.reset();
      const d = await services.deployments.create(ADMIN, {
        release_id: release,
        targets: { selector: 'suite=one-stmt' },
      });

      const touching = counting.texts().filter((t) => /deployment_tasks/.test(t));
      expect(touching).toHaveLength(1);
      expect(touching[0]).toMatch(/INSERT INTO deployment_tasks[\s\S]*INSERT INTO audit_log/);
      // The answer (counts, stages) is the deployment as read afresh, and only the auto-approved task has an
      // approval entry.
      expect(d).toEqual(await services.deployments.get(d.id));
      expect(d.task_counts).toMatchObject({ approved: 1, pending_approval: 2 });
      expect((await h.taskOf(d.id, manual!)).status).toBe('pending_approval');
      expect((await approvalAudit(tdb.db, d.id)).map((e) => [e.client_id, e.source])).toEqual([
        [policy, 'auto_policy'],
      ]);
    });

    it('numbers a deployment’s tasks in client-id order, whatever order the clients were created in', async () => {
      const ids = ['ord-e', 'ord-d', 'ord-c', 'ord-b', 'ord-a'];
      for (const id of ids) {
        await h.services.clients.create(ADMIN, {
          id,
          name: id,
          target_kind: 'argocd',
          argocd_instance: 'argo-eu',
          labels: { suite: 'ord' },
        });
      }
      const d = await h.deploy('ord-1', 'suite=ord');
      const r = await tdb.db.query<{ client_id: string }>(
        'SELECT client_id FROM deployment_tasks WHERE deployment_id = $1 ORDER BY id',
        [d],
      );
      expect(r.rows.map((x) => x.client_id)).toEqual([...ids].sort());
    });

    describe('approval emails', () => {
      let smtp: SmtpSink;
      let hook: HookSink;
      const notifiers: Notifier[] = [];
      const notifier = (approvalDigestSeconds?: number) => {
        const n = createNotifier({
          database: tdb.db,
          options: {
            smtpUrl: smtp.url,
            from: 'WrkTalk GCC <gcc@wrktalk.test>',
            adminEmails: ADMINS,
            webhooks: [{ url: hook.url, secret: SECRET }],
            ...(approvalDigestSeconds !== undefined && { approvalDigestSeconds }),
          },
          now: h.clock.now,
          sendTimeoutMs: 10_000,
        });
        notifiers.push(n);
        return n;
      };
      const toAdmins = () => smtp.mails.filter((m) => ADMINS.includes(m.to[0]!));
      const withEmails = async (ids: string[]) =>
        tdb.db.query(
          `UPDATE clients SET notify_emails = ARRAY['ct@' || id || '.test'] WHERE id = ANY($1::text[])`,
          [ids],
        );
      const reset = () => {
        smtp.mails.length = 0;
        hook.received.length = 0;
      };

      beforeAll(async () => {
        smtp = new SmtpSink(await freePort());
        await smtp.start();
        hook = new HookSink(SECRET);
        await hook.start();
      });
      // Each test's notifier sees only its own events: the other tests' (never delivered) and this test's digests
      // not yet due are set aside.
      const setAside = () =>
        tdb.db.query(`UPDATE notification_outbox SET status = 'sent' WHERE status = 'pending'`);
      beforeEach(setAside);
      afterEach(async () => {
        for (const n of notifiers.splice(0)) await n.stop();
        await setAside();
        reset();
      });
      afterAll(async () => {
        await smtp?.stop();
        await hook?.stop();
      });

      it('50 approvals within one interval: one email per admin listing them; webhooks still get each answer', async () => {
        const ids = await h.clients('dig', 53);
        await withEmails(ids);
        const d = await h.deploy('dig-1', 'suite=dig');
        const n = notifier();
        await n.drain();
        reset();

        for (const c of ids.slice(0, 50)) await h.approve(c, d);
        for (const c of ids.slice(50, 52)) await h.reject(c, d);
        await n.drain();
        // Within the interval (default 300 s): nothing mailed to the admins yet; each answer is on the webhook.
        expect(toAdmins()).toEqual([]);
        const hooked = hook.accepted.map((x) => x.body.event.type);
        expect(hooked.filter((t) => t === 'task_approved')).toHaveLength(50);
        expect(hooked.filter((t) => t === 'task_rejected')).toHaveLength(2);
        expect(hooked).not.toContain('approval_digest');

        h.clock.advance(300 * SEC);
        await n.drain();
        const mails = toAdmins();
        expect(mails.map((m) => m.to[0]).sort()).toEqual([...ADMINS].sort());
        for (const m of mails) {
          expect(m.subject).toBe('[WrkTalk] backend dig-1: 50 approvals, 2 rejections');
          expect(m.header('X-WrkTalk-Event')).toBe('approval_digest');
          for (const c of ids.slice(0, 50))
            expect(m.raw).toContain(`${c} approved (by approver:ct-${c}, client)`);
          for (const c of ids.slice(50, 52))
            expect(m.raw).toContain(`${c} rejected (by approver:ct-${c}): freeze`);
          expect(m.raw).not.toContain(ids[52]!);
        }

        // A later answer opens the next interval: one more email, when that interval ends.
        reset();
        await h.approve(ids[52]!, d);
        await n.drain();
        expect(toAdmins()).toEqual([]);
        h.clock.advance(300 * SEC);
        await n.drain();
        expect(toAdmins().map((m) => m.subject)).toEqual([
          '[WrkTalk] backend dig-1: 1 approval, 0 rejections',
          '[WrkTalk] backend dig-1: 1 approval, 0 rejections',
        ]);
      }, 60_000);

      it('approvalDigestSeconds 0 mails each answer at once', async () => {
        const ids = await h.clients('each', 2);
        const d = await h.deploy('each-1', 'suite=each');
        const n = notifier(0);
        await n.drain();
        reset();
        for (const c of ids) await h.approve(c, d);
        await n.drain();
        expect(
          toAdmins()
            .map((m) => m.subject)
            .sort(),
        ).toEqual(
          [
            `[WrkTalk] ${ids[0]} approved backend each-1`,
            `[WrkTalk] ${ids[0]} approved backend each-1`,
            `[WrkTalk] ${ids[1]} approved backend each-1`,
            `[WrkTalk] ${ids[1]} approved backend each-1`,
          ].sort(),
        );
      });

      it('no "approval requested" email when approval is not required, nor to a client whose preference approved', async () => {
        const ids = await h.clients('nomail', 3);
        await withEmails(ids);
        const n = notifier();
        const d = await h.deploy('nomail-1', 'suite=nomail', { approval: { required: false } });
        await n.drain();
        expect(smtp.mails).toEqual([]);
        // The event is still announced (webhooks), saying that no approval is needed.
        expect(hook.accepted.map((x) => x.body.event)).toMatchObject([
          { type: 'deployment_created', deploymentId: d, approvalRequired: false },
        ]);
        expect(hook.accepted[0]!.body.text).toContain('backend nomail-1 is planned (no approval needed)');

        reset();
        await h.services.clients.setAutoApprove(ADMIN, ids[0]!, { all: true, components: [] });
        await h.deploy('nomail-2', 'suite=nomail');
        await n.drain();
        expect(smtp.mails.map((m) => m.to[0]).sort()).toEqual([`ct@${ids[1]}.test`, `ct@${ids[2]}.test`]);
        expect(smtp.mails[0]!.subject).toBe(
          '[WrkTalk] backend nomail-2 is planned: your approval is requested',
        );
      });
    });
  });
}
