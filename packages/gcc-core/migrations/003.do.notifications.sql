-- Notifications: an outbox written inside the transaction that causes the event, delivered by the notifier
-- (src/notifications) with retries. A `fanout` row is the event as enqueued; the notifier expands it into one
-- `email` row per recipient and one `webhook` row per subscribed webhook, each retried on its own.

-- Where a client's approvers want their emails (used when the host gives no `approverEmails` hook).
ALTER TABLE clients ADD COLUMN notify_emails text[] NOT NULL DEFAULT '{}';

CREATE TABLE notification_outbox (
  id              bigserial PRIMARY KEY,
  event           text NOT NULL,
  payload         jsonb NOT NULL,
  channel         text NOT NULL CHECK (channel IN ('fanout', 'email', 'webhook')),
  -- '' for fanout, the address for email, the URL for webhook (its secret stays in the configuration)
  target          text NOT NULL DEFAULT '',
  -- the fanout row a delivery row came from (the event id receivers deduplicate on)
  event_id        bigint,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error      text,
  created_at      timestamptz NOT NULL,
  sent_at         timestamptz
);
-- The notifier's claim: due pending rows in order.
CREATE INDEX notification_outbox_due_idx ON notification_outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX notification_outbox_event_idx ON notification_outbox (event_id);
