import type { Sql } from '../db/database';
import { EVENT_NAMES, type NotificationEvent } from './events';

/** The outbox table. */
export const OUTBOX_TABLE = 'notification_outbox';

/** NOTIFY channel that wakes the notifiers of every replica when an event is committed. */
export const NOTIFICATIONS_CHANNEL = 'gcc_notifications';

/** Delivery channel of an outbox row (`fanout` is the event itself, before it is expanded into deliveries). */
export type OutboxChannel = 'fanout' | 'email' | 'webhook';

/** Status of an outbox row. */
export type OutboxStatus = 'pending' | 'sent' | 'failed';

/** One outbox row as read back. */
export interface OutboxRow {
  id: string;
  event: string;
  payload: NotificationEvent;
  channel: OutboxChannel;
  target: string;
  event_id: string | null;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
}

const KNOWN = new Set<string>(EVENT_NAMES);

/**
 * Records an event in the outbox, inside the caller's transaction: it is delivered only if that transaction
 * commits, and delivery (email, webhooks, with retries) happens later in the notifier, so an unreachable mail
 * server never blocks or loses a rollout event. Wakes the notifiers of every replica on commit.
 * @returns the event id (the outbox row id; webhook receivers see it as `event.id`)
 */
export async function enqueueNotification(
  sql: Sql,
  event: NotificationEvent,
  at: Date = new Date(),
): Promise<string> {
  if (!KNOWN.has(event.type)) throw new TypeError(`unknown notification event: ${String(event.type)}`);
  const r = await sql.query<{ id: string }>(
    `INSERT INTO ${OUTBOX_TABLE} (event, payload, channel, target, status, attempts, next_attempt_at, created_at)
     VALUES ($1, $2::jsonb, 'fanout', '', 'pending', 0, $3, $3) RETURNING id::text AS id`,
    [event.type, JSON.stringify(event), at],
  );
  await sql.query(`SELECT pg_notify('${NOTIFICATIONS_CHANNEL}', $1)`, [r.rows[0]!.id]);
  return r.rows[0]!.id;
}

/** Reads outbox rows (newest last), for admin views and tests. */
export async function listOutbox(
  sql: Sql,
  filter: { status?: OutboxStatus; channel?: OutboxChannel; eventId?: string } = {},
): Promise<OutboxRow[]> {
  const r = await sql.query<OutboxRow>(
    `SELECT id::text AS id, event, payload, channel, target, event_id::text AS event_id, status, attempts,
            next_attempt_at, last_error, created_at, sent_at
       FROM ${OUTBOX_TABLE}
      WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR channel = $2)
        AND ($3::bigint IS NULL OR event_id = $3 OR id = $3)
      ORDER BY id`,
    [filter.status ?? null, filter.channel ?? null, filter.eventId ?? null],
  );
  return r.rows.map((row) => ({
    ...row,
    payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
    next_attempt_at: new Date(row.next_attempt_at),
    created_at: new Date(row.created_at),
    sent_at: row.sent_at === null ? null : new Date(row.sent_at),
  }));
}
