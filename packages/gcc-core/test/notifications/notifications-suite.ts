import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createNotifier,
  type Database,
  enqueueNotification,
  listOutbox,
  type NotificationEvent,
  type NotificationOptions,
  type Notifier,
  type NotifierInit,
  signWebhook,
  verifyWebhook,
} from '../../src/index';
import type { DatabaseFactory, TestDatabase } from '../helpers/databases';
import { freePort, HookSink, SmtpSink } from './receivers';

const SECRET = 'whsec-test-0123456789';
const ADMINS = ['ops@wrktalk.test', 'lead@wrktalk.test'];

const stageFailed = (deploymentId: string): NotificationEvent => ({
  type: 'stage_failed',
  deploymentId,
  deploymentType: 'update',
  rollbackOf: null,
  component: 'backend',
  version: '2.4.0',
  stage: 1,
  succeeded: 1,
  failed: 1,
  total: 2,
  action: 'rollback',
  reason: 'failure threshold 0 exceeded',
});

/** A clock the test moves by hand, so retries become due without sleeping. */
function manualClock() {
  let t = Date.now();
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
    },
  };
}

const until = async (check: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Notifications written once, run on each database kind. */
export function defineNotificationSuite(name: string, factory: DatabaseFactory): void {
  describe(`notifications on ${name}`, () => {
    let tdb: TestDatabase;
    let db: Database;
    let smtp: SmtpSink;
    let hook: HookSink;
    const notifiers: Notifier[] = [];
    let clock: ReturnType<typeof manualClock>;

    const options = (extra: Partial<NotificationOptions> = {}): NotificationOptions => ({
      smtpUrl: smtp.url,
      from: 'WrkTalk GCC <gcc@wrktalk.test>',
      adminEmails: ADMINS,
      webhooks: [{ url: hook.url, secret: SECRET }],
      ...extra,
    });
    const notifier = (init: Partial<NotifierInit> = {}, on: Database = db) => {
      const n = createNotifier({
        database: on,
        options: options(),
        now: clock.now,
        retryBaseMs: 1000,
        retryMaxMs: 60_000,
        sendTimeoutMs: 5000,
        ...init,
      });
      notifiers.push(n);
      return n;
    };
    const enqueue = (event: NotificationEvent) =>
      db.transaction((tx) => enqueueNotification(tx, event, clock.now()));

    beforeAll(async () => {
      tdb = await factory();
      db = tdb.db;
      smtp = new SmtpSink(await freePort());
      await smtp.start();
      hook = new HookSink(SECRET);
      await hook.start();
      const at = new Date();
      for (const [id, emails] of [
        ['acme', ['it@acme.test', 'cto@acme.test']],
        ['globex', ['ops@globex.test', 'it@acme.test']],
        ['initech', []],
      ] as const) {
        await db.query(
          `INSERT INTO clients (id, name, target_kind, created_at, updated_at, notify_emails)
           VALUES ($1, $1, 'docker', $2, $2, $3::text[])`,
          [id, at, emails],
        );
      }
    }, 60_000); // PGlite start + migrations are slow on a loaded machine
    beforeEach(async () => {
      clock = manualClock();
      smtp.mails.length = 0;
      hook.received.length = 0;
      hook.statuses = [];
      await db.query('DELETE FROM notification_outbox');
    });
    afterEach(async () => {
      for (const n of notifiers.splice(0)) await n.stop();
    });
    afterAll(async () => {
      await smtp?.stop();
      await hook?.stop();
      await tdb?.dispose();
    });

    it('delivers a committed event by email to the admins and by signed Slack-compatible webhook', async () => {
      const id = await enqueue(stageFailed('dpl-1'));
      const n = notifier();
      expect(await n.drain()).toEqual({ expanded: 1, sent: 3, retried: 0, failed: 0 });

      expect(smtp.mails.map((m) => m.to[0]).sort()).toEqual([...ADMINS].sort());
      const mail = smtp.mails[0]!;
      expect(mail.from).toBe('gcc@wrktalk.test');
      expect(mail.subject).toBe('[WrkTalk] backend 2.4.0: stage 1 failed, rolling back');
      expect(mail.header('X-WrkTalk-Event')).toBe('stage_failed');
      expect(mail.header('X-WrkTalk-Event-Id')).toBe(id);
      expect(mail.raw).toContain('1 of 2 failed, 1 succeeded');

      expect(hook.received).toHaveLength(1);
      const got = hook.received[0]!;
      expect(got.verified).toBe(true);
      expect(got.headers['x-wrktalk-event']).toBe('stage_failed');
      expect(got.headers['x-wrktalk-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(got.body.text).toContain('stage 1 failed, rolling back');
      expect(got.body.blocks?.length).toBeGreaterThan(0);
      expect(got.body.event).toMatchObject({
        id,
        type: 'stage_failed',
        deploymentId: 'dpl-1',
        stage: 1,
        failed: 1,
        action: 'rollback',
      });
      expect(new Date(got.body.event.occurred_at).toISOString()).toBe(got.body.event.occurred_at);

      // The recipe of the README: a changed body, another secret or an old timestamp do not verify.
      const ts = String(got.headers['x-wrktalk-timestamp']);
      const sig = String(got.headers['x-wrktalk-signature']);
      expect(signWebhook(SECRET, ts, got.raw)).toBe(sig);
      expect(verifyWebhook({ secret: SECRET, body: got.raw, timestamp: ts, signature: sig })).toBe(true);
      expect(verifyWebhook({ secret: SECRET, body: `${got.raw} `, timestamp: ts, signature: sig })).toBe(
        false,
      );
      expect(verifyWebhook({ secret: 'other', body: got.raw, timestamp: ts, signature: sig })).toBe(false);
      expect(
        verifyWebhook({
          secret: SECRET,
          body: got.raw,
          timestamp: ts,
          signature: sig,
          now: new Date(Number(ts) * 1000 + 301_000),
        }),
      ).toBe(false);

      const rows = await listOutbox(db);
      expect(rows).toHaveLength(4);
      expect(rows.every((r) => r.status === 'sent' && r.sent_at !== null && r.attempts === 1)).toBe(true);
      expect(
        rows
          .filter((r) => r.event_id === id)
          .map((r) => r.channel)
          .sort(),
      ).toEqual(['email', 'email', 'webhook']);
    });

    it('names every component of a release set in the email and the webhook', async () => {
      const at = new Date();
      await db.query(
        `INSERT INTO releases (id, component, version, image_url, created_at, created_by)
         VALUES ('rel-set-b', 'backend', '5.0.0', 'registry.wrktalk.com/backend:5.0.0', $1, 'ci:ci')
         ON CONFLICT DO NOTHING`,
        [at],
      );
      const set = ['backend', 'media', 'ct'].map((component) => ({
        component,
        release_id: `rel-set-${component[0]}`,
        version: '5.0.0',
        image_url: `registry.wrktalk.com/${component}:5.0.0`,
        image_digest: null,
      }));
      await db.query(
        `INSERT INTO deployments (id, type, release_id, component, version, status, strategy, approval, created_by,
                                  created_at, updated_at, components)
         VALUES ('dpl-set', 'update', 'rel-set-b', 'backend', '5.0.0', 'running', '{}'::jsonb, '{}'::jsonb, 'admin:ops',
                 $1, $1, $2::jsonb)
         ON CONFLICT DO NOTHING`,
        [at, JSON.stringify(set)],
      );
      await enqueue({
        type: 'deployment_created',
        deploymentId: 'dpl-set',
        component: 'backend',
        version: '5.0.0',
        clientIds: ['acme'],
        by: 'admin:ops',
      });
      await notifier().drain();
      expect(smtp.mails.map((m) => m.subject)).toEqual([
        '[WrkTalk] backend 5.0.0 + media 5.0.0 + ct 5.0.0 is planned: your approval is requested',
        '[WrkTalk] backend 5.0.0 + media 5.0.0 + ct 5.0.0 is planned: your approval is requested',
      ]);
      expect(hook.accepted.map((h) => h.body.event.components)).toEqual([
        [
          { component: 'backend', version: '5.0.0' },
          { component: 'media', version: '5.0.0' },
          { component: 'ct', version: '5.0.0' },
        ],
      ]);
    });

    it('mails a new deployment to the target clients’ approvers (notify_emails, deduplicated), not the admins', async () => {
      await enqueue({
        type: 'deployment_created',
        deploymentId: 'dpl-2',
        component: 'backend',
        version: '2.5.0',
        clientIds: ['acme', 'globex', 'initech'],
        approvalDeadline: '2030-01-01T00:00:00.000Z',
        by: 'admin:ops',
      });
      await notifier().drain();
      expect(smtp.mails.map((m) => m.to[0]).sort()).toEqual([
        'cto@acme.test',
        'it@acme.test',
        'ops@globex.test',
      ]);
      expect(smtp.mails[0]!.raw).toContain('2030-01-01T00:00:00.000Z');
      expect(hook.accepted.map((h) => h.body.event)).toMatchObject([
        { type: 'deployment_created', clientIds: ['acme', 'globex', 'initech'], clientCount: 3 },
      ]);
    });

    it('without clientIds takes the deployment’s tasks; an approverEmails hook replaces the column', async () => {
      const at = new Date();
      await db.query(
        `INSERT INTO deployment_tasks (id, deployment_id, client_id, type, component, version, image_url, status,
                                       approval_status, created_at, updated_at)
         VALUES ('tsk-a', 'dpl-3', 'acme', 'update', 'backend', '2.5.0', 'img', 'pending', 'pending', $1, $1),
                ('tsk-b', 'dpl-3', 'initech', 'update', 'backend', '2.5.0', 'img', 'pending', 'pending', $1, $1)`,
        [at],
      );
      const event: NotificationEvent = {
        type: 'deployment_published',
        deploymentId: 'dpl-3',
        component: 'backend',
        version: '2.5.0',
      };
      await enqueue(event);
      await notifier().drain();
      expect(smtp.mails.map((m) => m.to[0]).sort()).toEqual(['cto@acme.test', 'it@acme.test']);

      smtp.mails.length = 0;
      await enqueue(event);
      const asked: string[] = [];
      await notifier({
        options: options({
          approverEmails: async (clientId) => {
            asked.push(clientId);
            return [`approver@${clientId}.test`];
          },
        }),
      }).drain();
      expect(asked.sort()).toEqual(['acme', 'initech']);
      expect(smtp.mails.map((m) => m.to[0]).sort()).toEqual(['approver@acme.test', 'approver@initech.test']);
    });

    it('leaves long client lists out of the delivery rows and the webhook body, keeping their count', async () => {
      const clientIds = ['acme', ...Array.from({ length: 149 }, (_, i) => `c${i}`)];
      await enqueue({
        type: 'rollback_started',
        deploymentId: 'dpl-r',
        deploymentType: 'rollback',
        rollbackOf: 'dpl-x',
        component: 'backend',
        version: '2.4.0',
        clientIds,
      });
      await notifier().drain();
      const [got] = hook.accepted;
      expect(got!.body.event).toMatchObject({ type: 'rollback_started', clientCount: 150 });
      expect(got!.body.event).not.toHaveProperty('clientIds');
      expect(got!.body.text).toContain('Clients: 150');
      // Admins and acme's approvers.
      expect(smtp.mails.map((m) => m.to[0]).sort()).toEqual(
        ['cto@acme.test', 'it@acme.test', ...ADMINS].sort(),
      );
      const deliveries = await listOutbox(db, { channel: 'email' });
      expect(deliveries.every((r) => !('clientIds' in r.payload))).toBe(true);
      expect((await listOutbox(db, { channel: 'fanout' }))[0]!.payload).toMatchObject({ clientIds });
    });

    it('sends a webhook only the events it subscribed to', async () => {
      const n = notifier({
        options: options({ webhooks: [{ url: hook.url, secret: SECRET, events: ['deployment_completed'] }] }),
      });
      await enqueue(stageFailed('dpl-4'));
      await enqueue({
        type: 'deployment_completed',
        deploymentId: 'dpl-4',
        deploymentType: 'update',
        rollbackOf: null,
        component: 'backend',
        version: '2.4.0',
        status: 'succeeded',
        succeeded: 50,
        failed: 0,
      });
      await n.drain();
      expect(hook.accepted.map((h) => h.body.event.type)).toEqual(['deployment_completed']);
      expect(smtp.mails).toHaveLength(4);
    });

    it('never sends an event whose transaction rolled back', async () => {
      await expect(
        db.transaction(async (tx) => {
          await enqueueNotification(tx, stageFailed('dpl-5'), clock.now());
          throw new Error('rollout step failed');
        }),
      ).rejects.toThrow('rollout step failed');
      expect(await notifier().drain()).toEqual({ expanded: 0, sent: 0, retried: 0, failed: 0 });
      expect(await listOutbox(db)).toEqual([]);
      expect(smtp.mails).toEqual([]);
      expect(hook.received).toEqual([]);
    });

    it('keeps email while the SMTP server is down and delivers it once it is back', async () => {
      const down = new SmtpSink(await freePort());
      const n = notifier({ options: options({ smtpUrl: down.url, webhooks: [] }) });
      await enqueue(stageFailed('dpl-6'));
      expect(await n.drain()).toEqual({ expanded: 1, sent: 0, retried: 2, failed: 0 });
      let rows = await listOutbox(db, { channel: 'email' });
      expect(rows.map((r) => [r.status, r.attempts])).toEqual([
        ['pending', 1],
        ['pending', 1],
      ]);
      expect(rows[0]!.last_error).toMatch(/ECONNREFUSED/);
      // Not due yet: nothing happens.
      expect(await n.drain()).toEqual({ expanded: 0, sent: 0, retried: 0, failed: 0 });

      // Still down at the first retry; the delay doubles.
      clock.advance(2000);
      expect(await n.drain()).toMatchObject({ sent: 0, retried: 2 });
      rows = await listOutbox(db, { channel: 'email' });
      const wait = rows[0]!.next_attempt_at.getTime() - clock.now().getTime();
      expect(wait).toBeGreaterThanOrEqual(1600);
      expect(wait).toBeLessThanOrEqual(2400);

      await down.start();
      try {
        clock.advance(3000);
        expect(await n.drain()).toEqual({ expanded: 0, sent: 2, retried: 0, failed: 0 });
        expect(down.mails.map((m) => m.to[0]).sort()).toEqual([...ADMINS].sort());
        rows = await listOutbox(db, { channel: 'email' });
        expect(rows.map((r) => [r.status, r.attempts, r.last_error])).toEqual([
          ['sent', 3, null],
          ['sent', 3, null],
        ]);
      } finally {
        await down.stop();
      }
    });

    it('retries a webhook answered 500 until it is answered 200', async () => {
      hook.statuses = [500, 503];
      const n = notifier({ options: options({ adminEmails: [] }) });
      await enqueue(stageFailed('dpl-7'));
      expect(await n.drain()).toMatchObject({ sent: 0, retried: 1 });
      const [row] = await listOutbox(db, { channel: 'webhook' });
      expect(row!.last_error).toMatch(/webhook answered 500/);
      clock.advance(2000);
      expect(await n.drain()).toMatchObject({ sent: 0, retried: 1 });
      clock.advance(4000);
      expect(await n.drain()).toMatchObject({ sent: 1, retried: 0 });
      expect(hook.received.map((h) => h.answered)).toEqual([500, 503, 200]);
      // Every attempt is the same event (receivers deduplicate on event.id) and freshly signed.
      expect(new Set(hook.received.map((h) => h.body.event.id)).size).toBe(1);
      expect(hook.received.every((h) => h.verified)).toBe(true);
    });

    it('gives up after maxAttempts and keeps the last error', async () => {
      hook.statuses = [500, 500, 502, 500];
      const n = notifier({ maxAttempts: 3, options: options({ adminEmails: [] }) });
      await enqueue(stageFailed('dpl-8'));
      expect(await n.drain()).toMatchObject({ retried: 1, failed: 0 });
      clock.advance(2000);
      expect(await n.drain()).toMatchObject({ retried: 1, failed: 0 });
      clock.advance(4000);
      expect(await n.drain()).toMatchObject({ retried: 0, failed: 1 });
      clock.advance(3_600_000);
      expect(await n.drain()).toEqual({ expanded: 0, sent: 0, retried: 0, failed: 0 });
      const [row] = await listOutbox(db, { channel: 'webhook' });
      expect(row).toMatchObject({ status: 'failed', attempts: 3, last_error: 'webhook answered 502: nope' });
      expect(hook.received).toHaveLength(3);
    });

    it('retries an event whose recipients could not be resolved, without stopping the loop', async () => {
      let calls = 0;
      const n = notifier({
        options: options({
          approverEmails: () => {
            calls++;
            if (calls === 1) throw new Error('directory unavailable');
            return ['approver@acme.test'];
          },
        }),
      });
      await enqueue({
        type: 'deployment_created',
        deploymentId: 'dpl-9',
        component: 'backend',
        version: '2.5.0',
        clientIds: ['acme'],
      });
      expect(await n.drain()).toMatchObject({ expanded: 0, retried: 1 });
      expect((await listOutbox(db))[0]!.last_error).toBe('directory unavailable');
      clock.advance(2000);
      expect(await n.drain()).toMatchObject({ expanded: 1, sent: 2 });
      expect(smtp.mails.map((m) => m.to[0])).toEqual(['approver@acme.test']);
    });

    it('a delivery claimed by a replica that died is sent by another once its lease ran out', async () => {
      const id = await enqueue(stageFailed('dpl-10'));
      const n = notifier({ leaseMs: 60_000, options: options({ adminEmails: [] }) });
      expect(await n.drain()).toMatchObject({ expanded: 1, sent: 1 });
      hook.received.length = 0;
      // Another replica claims the webhook row again (as a retry) and dies before sending.
      await db.query(
        `UPDATE notification_outbox SET status = 'pending', attempts = attempts + 1, next_attempt_at = $1
          WHERE event_id = $2`,
        [new Date(clock.now().getTime() + 60_000), id],
      );
      expect(await n.drain()).toEqual({ expanded: 0, sent: 0, retried: 0, failed: 0 });
      clock.advance(61_000);
      expect(await n.drain()).toMatchObject({ sent: 1 });
      expect(hook.received).toHaveLength(1);
      expect((await listOutbox(db, { channel: 'webhook' }))[0]).toMatchObject({
        status: 'sent',
        attempts: 3,
      });
    });

    it('the loop survives a database outage and delivers afterwards', async () => {
      let down = true;
      const guard = () => {
        if (down) throw new Error('connection terminated');
      };
      const flaky: Database = {
        kind: db.kind,
        query: async (text, params) => {
          guard();
          return db.query(text, params);
        },
        transaction: async (fn) => {
          guard();
          return db.transaction(fn);
        },
        listen: (channel, cb) => db.listen(channel, cb),
        close: async () => {},
      };
      const n = notifier({ pollMs: 100, now: undefined }, flaky);
      await n.start();
      await enqueue(stageFailed('dpl-11'));
      await new Promise((r) => setTimeout(r, 400));
      expect(hook.received).toEqual([]);
      down = false;
      await until(() => hook.received.length === 1 && smtp.mails.length === 2);
      await n.stop();
    });

    it('two dispatchers on one database deliver each notification exactly once', async () => {
      const other = await tdb.openAnother();
      const a = notifier({ batchSize: 3 });
      const b = notifier({ batchSize: 3 }, other);
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push(await enqueue(stageFailed(`dpl-c${i}`)));
      const [ra, rb] = await Promise.all([a.drain(), b.drain()]);
      // Whatever one drain found leased by the other is sent by that other one.
      await Promise.all([a.drain(), b.drain()]);
      expect(ra.expanded + rb.expanded).toBe(20);
      // Both took part.
      expect(ra.expanded).toBeGreaterThan(0);
      expect(rb.expanded).toBeGreaterThan(0);
      const rows = await listOutbox(db);
      expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
      expect(rows.every((r) => r.attempts === 1)).toBe(true);
      expect(smtp.mails).toHaveLength(40);
      expect(hook.received).toHaveLength(20);
      for (const id of ids) {
        expect(
          smtp.mails.filter((m) => m.header('X-WrkTalk-Event-Id') === id).map((m) => m.to[0]),
        ).toHaveLength(2);
        expect(hook.received.filter((h) => h.body.event.id === id)).toHaveLength(1);
      }
      const perMail = new Set(smtp.mails.map((m) => `${m.header('X-WrkTalk-Event-Id')}/${m.to[0]}`));
      expect(perMail.size).toBe(40);
    });

    it('running dispatchers wake on NOTIFY and deliver without waiting for the poll', async () => {
      const other = await tdb.openAnother();
      const a = notifier({ pollMs: 60_000, now: undefined });
      const b = notifier({ pollMs: 60_000, now: undefined }, other);
      await a.start();
      await b.start();
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push(await enqueue(stageFailed(`dpl-w${i}`)));
      await until(() => hook.received.length >= 10 && smtp.mails.length >= 20);
      await new Promise((r) => setTimeout(r, 200));
      expect(hook.received).toHaveLength(10);
      expect(smtp.mails).toHaveLength(20);
      expect(new Set(hook.received.map((h) => h.body.event.id))).toEqual(new Set(ids));
      await a.stop();
      await b.stop();
      expect((await listOutbox(db, { status: 'pending' })).length).toBe(0);
    });
  });
}
