import nodemailer from 'nodemailer';
import type { Database } from '../db/database';
import { EMAIL_AUDIENCE, type EventName, type NotificationEvent } from './events';
import { NOTIFICATIONS_CHANNEL, OUTBOX_TABLE, type OutboxChannel } from './outbox';
import { renderEmail, trimForDelivery, webhookBody } from './render';
import { postWebhook } from './webhook';

/** One webhook subscription. */
export interface WebhookConfig {
  url: string;
  /** HMAC key of `X-WrkTalk-Signature` */
  secret: string;
  /** the events it receives @default all */
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
}

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
  const batchSize = init.batchSize ?? 10;
  const maxAttempts = init.maxAttempts ?? 10;
  const retryBaseMs = init.retryBaseMs ?? 30_000;
  const retryMaxMs = init.retryMaxMs ?? 3_600_000;
  const pollMs = init.pollMs ?? 15_000;
  const leaseMs = init.leaseMs ?? 120_000;
  const sendTimeoutMs = init.sendTimeoutMs ?? 30_000;
  const retentionMs = (init.retentionDays ?? 14) * 86_400_000;
  const from = opts.from ?? 'WrkTalk GCC <gcc@localhost>';

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

  /** Email addresses of the approvers of an event's clients. */
  async function approverAddresses(event: NotificationEvent): Promise<string[]> {
    const explicit = 'clientIds' in event ? event.clientIds : undefined;
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
                WHERE c.id IN (SELECT client_id FROM deployment_tasks WHERE deployment_id = $1)`,
              [event.deploymentId],
            );
      return r.rows.map((x) => x.e);
    }
    const ids =
      explicit ??
      (
        await db.query<{ c: string }>(
          'SELECT DISTINCT client_id AS c FROM deployment_tasks WHERE deployment_id = $1',
          [event.deploymentId],
        )
      ).rows.map((x) => x.c);
    const out: string[] = [];
    for (let i = 0; i < ids.length; i += 50) {
      const chunk = await Promise.all(ids.slice(i, i + 50).map(async (id) => hook(id)));
      for (const list of chunk) out.push(...list);
    }
    return out;
  }

  /** Turns an event row into one delivery row per recipient and webhook, and marks it done. */
  async function expand(row: Claimed): Promise<number> {
    const event = payloadOf(row);
    const audience = EMAIL_AUDIENCE[event.type];
    const emails = new Set<string>();
    if (opts.smtpUrl && audience) {
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
        (opts.webhooks ?? []).filter((w) => !w.events || w.events.includes(event.type)).map((w) => w.url),
      ),
    ];
    const at = now();
    await db.transaction(async (tx) => {
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
