import { UNASKED_APPROVAL_SOURCES } from '@wrktalk/rollout-planner';
import nodemailer from 'nodemailer';
import type { Database, Sql } from '../db/database';
import { GccOptionsError, OptionProblems } from '../errors/options-error';
import {
  APPROVAL_DIGEST_LIST_MAX,
  type ApprovalDigestEntry,
  EMAIL_AUDIENCE,
  type EventName,
  type NotificationEvent,
} from './events';
import { NOTIFICATIONS_CHANNEL, OUTBOX_TABLE, type OutboxChannel } from './outbox';
import { renderEmail, trimForDelivery, webhookBody } from './render';
import { postWebhook } from './webhook';

/** One webhook subscription. */
export interface WebhookConfig {
  url: string;
  /** HMAC key of `X-WrkTalk-Signature` */
  secret: string;
  /** the events it receives @default all but `approval_digest` (it gets each `task_approved`/`task_rejected`) */
  events?: EventName[];
}

/** Where notifications go. */
export interface NotificationOptions {
  /** nodemailer transport URL (`SMTP_URL`), e.g. `smtp://user:pass@mail:587`, `smtps://…`, `…?pool=true`; no email without it */
  smtpUrl?: string;
  /** @default 'WrkTalk GCC <gcc@localhost>' */
  from?: string;
  webhooks?: WebhookConfig[];
  /** the approvers' addresses of a client @default the client's `notify_emails` column */
  approverEmails?: (clientId: string) => string[] | Promise<string[]>;
  /** who gets the admin events (approvals, stages, rollbacks, completion, overdue tasks) */
  adminEmails?: string[];
  /**
   * The admins' emails about client approvals and rejections are digested: at most one `approval_digest` email per
   * deployment (and address) per this many seconds, listing the answers of the interval, sent when the interval
   * ends. 0 sends one email per answer. Webhooks still get each `task_approved`/`task_rejected` event (and the
   * digest only if they list `approval_digest` in `events`).
   * @default 300
   */
  approvalDigestSeconds?: number;
}

/** Default of {@link NotificationOptions.approvalDigestSeconds}. */
const APPROVAL_DIGEST_SECONDS = 300;

/** First key of the advisory lock that serialises the folding of one deployment's answers into its open digest. */
const DIGEST_LOCK = 0x6463; // 'dc'

/** What the notifier logs with (a pino logger fits). */
export interface NotifierLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Input of {@link createNotifier}. */
export interface NotifierInit {
  database: Database;
  options?: NotificationOptions;
  logger?: NotifierLogger;
  now?: () => Date;
  /** rows claimed per round trip @default 10 */
  batchSize?: number;
  /** attempts per delivery before it is `failed` @default 10 */
  maxAttempts?: number;
  /** first retry delay; doubles per attempt (±20 % jitter) @default 30 000 */
  retryBaseMs?: number;
  /** @default 3 600 000 */
  retryMaxMs?: number;
  /** fallback poll when no NOTIFY arrives @default 15 000 */
  pollMs?: number;
  /** how long a claimed row is reserved for the replica sending it @default 120 000 */
  leaseMs?: number;
  /** SMTP and HTTP timeout per send @default 30 000 */
  sendTimeoutMs?: number;
  /** delete sent rows older than this many days (failed rows are kept) @default 14 */
  retentionDays?: number;
}

/** Counts of one {@link Notifier.drain}. */
export interface DrainResult {
  /** events expanded into deliveries */
  expanded: number;
  sent: number;
  /** failed attempts that will be retried */
  retried: number;
  /** deliveries given up on */
  failed: number;
}

/** The outbox dispatcher. */
export interface Notifier {
  /** Starts the background loop (LISTEN + fallback poll). */
  start(): Promise<void>;
  /** Stops the loop and waits for the sends in flight. */
  stop(): Promise<void>;
  /** Delivers everything due now (until nothing is left), then resolves with what happened. */
  drain(): Promise<DrainResult>;
}

interface Claimed {
  id: string;
  event: string;
  payload: NotificationEvent | string;
  channel: OutboxChannel;
  target: string;
  event_id: string | null;
  attempts: number;
  created_at: Date | string;
}

/** The delivery was taken over by another replica after our lease ran out. */
class Superseded extends Error {}

const errorText = (error: unknown): string => {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    const code = (error as { code?: unknown }).code;
    return `${error.message}${cause}${typeof code === 'string' && !error.message.includes(code) ? ` (${code})` : ''}`.slice(
      0,
      1000,
    );
  }
  return String(error).slice(0, 1000);
};

/**
 * Creates the outbox dispatcher. Any number of replicas may run one against the same database: rows are claimed
 * with `FOR UPDATE SKIP LOCKED` and reserved for `leaseMs`, so each delivery is sent by one replica (again only
 * if that replica dies mid-send: at-least-once).
 */
export function createNotifier(init: NotifierInit): Notifier {
  const db = init.database;
  const opts = init.options ?? {};
  const now = init.now ?? (() => new Date());
  const log = init.logger;
  // Every bad option is reported at once (GccOptionsError), with its path, like the other gcc-core factories.
  const p = new OptionProblems();
  const batchSize = p.integer('batchSize', init.batchSize, 10, 1, 1000);
  const maxAttempts = p.integer('maxAttempts', init.maxAttempts, 10, 1, 1000);
  const retryBaseMs = p.integer('retryBaseMs', init.retryBaseMs, 30_000, 1, 86_400_000);
  const retryMaxMs = p.integer('retryMaxMs', init.retryMaxMs, 3_600_000, 1, 7 * 86_400_000);
  const pollMs = p.integer('pollMs', init.pollMs, 15_000, 10, 86_400_000);
  const leaseMs = p.integer('leaseMs', init.leaseMs, 120_000, 1000, 86_400_000);
  const sendTimeoutMs = p.integer('sendTimeoutMs', init.sendTimeoutMs, 30_000, 100, 3_600_000);
  const retentionMs = p.integer('retentionDays', init.retentionDays, 14, 1, 36_500) * 86_400_000;
  const from = opts.from ?? 'WrkTalk GCC <gcc@localhost>';
  const digestSeconds = p.integer(
    'notifications.approvalDigestSeconds',
    opts.approvalDigestSeconds,
    APPROVAL_DIGEST_SECONDS,
    0,
    86_400,
  );
  if (opts.smtpUrl !== undefined && !/^smtps?:\/\/[^/\s]/.test(opts.smtpUrl)) {
    p.add('notifications.smtpUrl', 'must be an smtp:// or smtps:// URL');
  }
  (opts.webhooks ?? []).forEach((w, i) => {
    if (typeof w?.url !== 'string' || !/^https?:\/\/[^/\s]/.test(w.url)) {
      p.add(`notifications.webhooks[${i}].url`, 'must be an http:// or https:// URL');
    }
    if (typeof w?.secret !== 'string' || w.secret === '') {
      p.add(`notifications.webhooks[${i}].secret`, 'is required (a non-empty string)');
    }
  });
  if (p.list.length > 0) throw new GccOptionsError(p.list, 'notifier options');
  const digestMs = digestSeconds * 1000;
  /** Webhooks that asked for the digest by name (an unfiltered webhook already gets every answer). */
  const digestHooks = (opts.webhooks ?? []).filter((w) => w.events?.includes('approval_digest'));

  let mailer: ReturnType<typeof nodemailer.createTransport> | undefined;
  const mail = () => {
    if (!opts.smtpUrl) throw new Error('no SMTP_URL configured');
    mailer ??= nodemailer.createTransport({
      url: opts.smtpUrl,
      connectionTimeout: sendTimeoutMs,
      greetingTimeout: sendTimeoutMs,
      socketTimeout: sendTimeoutMs,
    });
    return mailer;
  };

  const backoffMs = (attempts: number) => {
    const base = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(attempts - 1, 30));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  };

  /** Claims up to `batchSize` due rows, reserving them for `leaseMs` and counting the attempt. */
  async function claim(): Promise<Claimed[]> {
    const at = now();
    const r = await db.query<Claimed>(
      `WITH due AS (
         SELECT id FROM ${OUTBOX_TABLE}
          WHERE status = 'pending' AND next_attempt_at <= $1
          ORDER BY next_attempt_at, id
          LIMIT $3
          FOR UPDATE SKIP LOCKED)
       UPDATE ${OUTBOX_TABLE} o SET attempts = o.attempts + 1, next_attempt_at = $2
         FROM due WHERE o.id = due.id
       RETURNING o.id::text AS id, o.event, o.payload, o.channel, o.target, o.event_id::text AS event_id,
                 o.attempts, o.created_at`,
      [at, new Date(at.getTime() + leaseMs), batchSize],
    );
    return r.rows.sort((a, b) => Number(a.id) - Number(b.id));
  }

  const payloadOf = (row: Claimed): NotificationEvent =>
    typeof row.payload === 'string' ? (JSON.parse(row.payload) as NotificationEvent) : row.payload;

  /**
   * Email addresses of the approvers of an event's clients. A new or published deployment asks for approval: not
   * at all when it needs none, and without an explicit list only of the clients whose tasks no policy approved.
   */
  async function approverAddresses(event: NotificationEvent): Promise<string[]> {
    const request = event.type === 'deployment_created' || event.type === 'deployment_published';
    if (request && event.approvalRequired === false) return [];
    const explicit = 'clientIds' in event ? event.clientIds : undefined;
    // Sources that mean nobody was asked; for other events every task's client.
    const unasked: readonly string[] = request ? UNASKED_APPROVAL_SOURCES : [];
    const hook = opts.approverEmails;
    if (!hook) {
      const r =
        explicit !== undefined
          ? await db.query<{ e: string }>(
              'SELECT DISTINCT unnest(notify_emails) AS e FROM clients WHERE id = ANY($1::text[])',
              [explicit],
            )
          : await db.query<{ e: string }>(
              `SELECT DISTINCT unnest(c.notify_emails) AS e FROM clients c
                WHERE c.id IN (SELECT client_id FROM deployment_tasks WHERE deployment_id = $1
                                 AND (approval_source IS NULL OR approval_source <> ALL($2::text[])))`,
              [event.deploymentId, unasked],
            );
      return r.rows.map((x) => x.e);
    }
    const ids =
      explicit ??
      (
        await db.query<{ c: string }>(
          `SELECT DISTINCT client_id AS c FROM deployment_tasks WHERE deployment_id = $1
             AND (approval_source IS NULL OR approval_source <> ALL($2::text[]))`,
          [event.deploymentId, unasked],
        )
      ).rows.map((x) => x.c);
    const out: string[] = [];
    for (let i = 0; i < ids.length; i += 50) {
      const chunk = await Promise.all(ids.slice(i, i + 50).map(async (id) => hook(id)));
      for (const list of chunk) out.push(...list);
    }
    return out;
  }

  /**
   * Adds a client's answer to its deployment's open digest (created due in `digestMs` if there is none), inside the
   * expanding transaction. An open digest is pending, never attempted and not yet due; once claimed, the next answer
   * opens a new one, so each deployment gets at most one digest per interval. The list is bounded; counts are not.
   */
  async function foldIntoDigest(
    tx: Sql,
    e: Extract<NotificationEvent, { type: 'task_approved' | 'task_rejected' }>,
    at: Date,
  ): Promise<void> {
    // Replicas expanding answers of the same deployment at once would each open a digest.
    await tx.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2::text))', [
      DIGEST_LOCK,
      e.deploymentId,
    ]);
    const entry: ApprovalDigestEntry = {
      taskId: e.taskId,
      clientId: e.clientId,
      decision: e.type === 'task_approved' ? 'approved' : 'rejected',
      by: e.by,
      ...(e.type === 'task_approved' && e.source !== undefined && { source: e.source }),
      ...(e.type === 'task_rejected' && { reason: e.reason ?? null }),
      at: at.toISOString(),
    };
    const open = await tx.query<{ id: string; payload: NotificationEvent | string }>(
      `SELECT id::text AS id, payload FROM ${OUTBOX_TABLE}
        WHERE status = 'pending' AND channel = 'fanout' AND event = 'approval_digest' AND attempts = 0
          AND next_attempt_at > $2 AND payload ->> 'deploymentId' = $1
        ORDER BY id DESC LIMIT 1 FOR UPDATE`,
      [e.deploymentId, at],
    );
    const found = open.rows[0];
    const approved = entry.decision === 'approved' ? 1 : 0;
    if (found) {
      const p = payloadOf({ payload: found.payload } as Claimed);
      if (p.type !== 'approval_digest') return;
      const next = {
        ...p,
        approved: p.approved + approved,
        rejected: p.rejected + (1 - approved),
        entries: p.entries.length < APPROVAL_DIGEST_LIST_MAX ? [...p.entries, entry] : p.entries,
      };
      await tx.query(`UPDATE ${OUTBOX_TABLE} SET payload = $2::jsonb WHERE id = $1`, [
        found.id,
        JSON.stringify(next),
      ]);
      return;
    }
    const due = new Date(at.getTime() + digestMs);
    const digest: NotificationEvent = {
      type: 'approval_digest',
      deploymentId: e.deploymentId,
      component: e.component,
      version: e.version,
      approved,
      rejected: 1 - approved,
      entries: [entry],
      since: at.toISOString(),
      until: due.toISOString(),
    };
    await tx.query(
      `INSERT INTO ${OUTBOX_TABLE} (event, payload, channel, target, status, attempts, next_attempt_at, created_at)
       VALUES ('approval_digest', $1::jsonb, 'fanout', '', 'pending', 0, $2, $3)`,
      [JSON.stringify(digest), due, at],
    );
  }

  /**
   * Turns an event row into one delivery row per recipient and webhook, and marks it done. The admins' emails about
   * an approval or rejection go into the deployment's digest instead.
   */
  async function expand(row: Claimed): Promise<number> {
    const event = await withSet(payloadOf(row));
    const audience = EMAIL_AUDIENCE[event.type];
    const emails = new Set<string>();
    const admins = (opts.adminEmails ?? []).some((e) => e.trim() !== '');
    const digested =
      digestMs > 0 && (event.type === 'task_approved' || event.type === 'task_rejected') ? event : undefined;
    const fold = digested !== undefined && ((Boolean(opts.smtpUrl) && admins) || digestHooks.length > 0);
    if (opts.smtpUrl && audience && digested === undefined) {
      const add = (list: readonly string[]) => {
        for (const e of list) {
          const t = e.trim();
          if (t) emails.add(t);
        }
      };
      if (audience.admins) add(opts.adminEmails ?? []);
      if (audience.approvers) add(await approverAddresses(event));
    }
    const hooks = [
      ...new Set(
        (event.type === 'approval_digest' ? digestHooks : (opts.webhooks ?? []))
          .filter((w) => !w.events || w.events.includes(event.type))
          .map((w) => w.url),
      ),
    ];
    const at = now();
    await db.transaction(async (tx) => {
      if (fold) await foldIntoDigest(tx, digested, at);
      const targets = [...emails.keys()];
      const channels = [...targets.map(() => 'email'), ...hooks.map(() => 'webhook')];
      if (channels.length > 0) {
        await tx.query(
          `INSERT INTO ${OUTBOX_TABLE} (event, payload, channel, target, event_id, status, attempts, next_attempt_at, created_at)
           SELECT $1, $2::jsonb, ch, tg, $3, 'pending', 0, $4, $4
             FROM unnest($5::text[], $6::text[]) AS x(ch, tg)`,
          [row.event, JSON.stringify(trimForDelivery(event)), row.id, at, channels, [...targets, ...hooks]],
        );
      }
      const done = await tx.query(
        `UPDATE ${OUTBOX_TABLE} SET status = 'sent', sent_at = $2, last_error = NULL
          WHERE id = $1 AND attempts = $3 AND status = 'pending'`,
        [row.id, at, row.attempts],
      );
      if (done.rowCount !== 1) throw new Superseded();
    });
    return emails.size + hooks.length;
  }

  /**
   * The event with its deployment's release set (`components`) when the deployment carries more than one component,
   * so that every email and webhook names the whole set; one read per event expanded, none for a single release.
   */
  async function withSet(event: NotificationEvent): Promise<NotificationEvent> {
    if (!('deploymentId' in event) || !event.deploymentId || ('components' in event && event.components))
      return event;
    const r = await db.query<{ components: { component: string; version: string }[] | null }>(
      'SELECT components FROM deployments WHERE id = $1',
      [event.deploymentId],
    );
    const set = r.rows[0]?.components;
    if (!set || set.length < 2) return event;
    return { ...event, components: set.map((c) => ({ component: c.component, version: c.version })) };
  }

  /** Sends one delivery row. */
  async function deliver(row: Claimed): Promise<void> {
    const event = payloadOf(row);
    const eventId = row.event_id ?? row.id;
    if (row.channel === 'email') {
      const { subject, text } = renderEmail(event);
      await mail().sendMail({
        from,
        to: row.target,
        subject,
        text,
        headers: { 'X-WrkTalk-Event': event.type, 'X-WrkTalk-Event-Id': eventId },
      });
      return;
    }
    const hook = (opts.webhooks ?? []).find((w) => w.url === row.target);
    if (!hook) throw new Error('webhook is no longer configured');
    const created = row.created_at instanceof Date ? row.created_at : new Date(row.created_at);
    await postWebhook(
      row.target,
      hook.secret,
      webhookBody(eventId, created, event),
      { 'X-WrkTalk-Event': event.type, 'X-WrkTalk-Delivery': row.id },
      sendTimeoutMs,
    );
  }

  /** Handles one claimed row; never throws. */
  async function handle(row: Claimed, result: DrainResult): Promise<void> {
    try {
      if (row.channel === 'fanout') {
        const n = await expand(row);
        result.expanded++;
        log?.info({ notification: row.id, event: row.event, deliveries: n }, 'notification event expanded');
        return;
      }
      await deliver(row);
      const r = await db.query(
        `UPDATE ${OUTBOX_TABLE} SET status = 'sent', sent_at = $2, last_error = NULL
          WHERE id = $1 AND attempts = $3 AND status = 'pending'`,
        [row.id, now(), row.attempts],
      );
      if (r.rowCount === 1) result.sent++;
    } catch (error) {
      if (error instanceof Superseded) return;
      const message = errorText(error);
      const final = row.attempts >= maxAttempts;
      try {
        const at = now();
        const r = await db.query(
          `UPDATE ${OUTBOX_TABLE}
              SET status = $3, last_error = $4, next_attempt_at = $5
            WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
          [
            row.id,
            row.attempts,
            final ? 'failed' : 'pending',
            message,
            final ? at : new Date(at.getTime() + backoffMs(row.attempts)),
          ],
        );
        if (r.rowCount !== 1) return;
      } catch (dbError) {
        // The lease expires and the row is retried anyway.
        log?.warn({ notification: row.id, err: dbError }, 'could not record a notification failure');
        return;
      }
      if (final) {
        result.failed++;
        log?.error(
          {
            notification: row.id,
            channel: row.channel,
            target: row.target,
            attempts: row.attempts,
            error: message,
          },
          'notification failed for good',
        );
      } else {
        result.retried++;
        log?.warn(
          {
            notification: row.id,
            channel: row.channel,
            target: row.target,
            attempts: row.attempts,
            error: message,
          },
          'notification failed, will retry',
        );
      }
    }
  }

  /** Claims and handles batches until nothing is due. */
  async function pass(): Promise<DrainResult> {
    const result: DrainResult = { expanded: 0, sent: 0, retried: 0, failed: 0 };
    for (;;) {
      const rows = await claim();
      if (rows.length === 0) return result;
      // Concurrently; an event's deliveries are inserted due now, so the next batch claims them.
      await Promise.all(rows.map((row) => handle(row, result)));
    }
  }

  // One pass at a time per notifier: drain() and the loop take turns.
  let chain: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn, fn);
    chain = run.catch(() => {});
    return run;
  };

  let running = false;
  let stopping = false;
  let woken = false;
  let wake: (() => void) | undefined;
  let loopDone: Promise<void> | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  let lastPrune = 0;

  const poke = () => {
    woken = true;
    wake?.();
  };

  async function nextDelay(): Promise<number> {
    const r = await db.query<{ due: Date | string | null }>(
      `SELECT min(next_attempt_at) AS due FROM ${OUTBOX_TABLE} WHERE status = 'pending'`,
    );
    const due = r.rows[0]?.due;
    if (due === null || due === undefined) return pollMs;
    const ms = new Date(due).getTime() - now().getTime();
    return Math.max(0, Math.min(pollMs, ms));
  }

  async function prune(): Promise<void> {
    if (Date.now() - lastPrune < 3_600_000) return;
    lastPrune = Date.now();
    await db.query(`DELETE FROM ${OUTBOX_TABLE} WHERE status = 'sent' AND sent_at < $1`, [
      new Date(now().getTime() - retentionMs),
    ]);
  }

  async function loop(): Promise<void> {
    let failures = 0;
    while (!stopping) {
      woken = false;
      let delay: number;
      try {
        await exclusive(pass);
        await prune();
        delay = await nextDelay();
        failures = 0;
      } catch (error) {
        failures++;
        delay = Math.min(pollMs, 250 * 2 ** Math.min(failures, 8));
        log?.warn({ err: error }, 'notification dispatcher pass failed');
      }
      if (stopping || woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(10, delay));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  return {
    async start() {
      if (running) return;
      running = true;
      stopping = false;
      try {
        unlisten = await db.listen(NOTIFICATIONS_CHANNEL, poke);
      } catch (error) {
        log?.warn({ err: error }, 'notification dispatcher cannot LISTEN; polling only');
      }
      loopDone = loop();
    },
    async stop() {
      if (running) {
        stopping = true;
        poke();
        await loopDone;
        await unlisten?.().catch(() => {});
        unlisten = undefined;
        running = false;
      }
      await chain;
      mailer?.close();
      mailer = undefined;
    },
    drain: () => exclusive(pass),
  };
}
