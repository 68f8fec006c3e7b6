-- The GCC's storage. Times are timestamptz written by the service's clock; ids are text with a type prefix.

CREATE TABLE clients (
  id                  text PRIMARY KEY,
  name                text NOT NULL,
  labels              jsonb NOT NULL DEFAULT '{}'::jsonb,
  target_kind         text NOT NULL CHECK (target_kind IN ('argocd', 'kubernetes', 'docker')),
  argocd_instance     text,
  timezone            text NOT NULL DEFAULT 'UTC',
  maintenance_windows jsonb NOT NULL DEFAULT '[]'::jsonb,
  auto_approve        jsonb NOT NULL DEFAULT '{"all": false, "components": []}'::jsonb,
  current_versions    jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  last_seen_at        timestamptz,
  agent_version       text
);
CREATE INDEX clients_labels_idx ON clients USING gin (labels jsonb_path_ops);

CREATE TABLE releases (
  id         text PRIMARY KEY,
  component  text NOT NULL,
  version    text NOT NULL,
  image_url  text NOT NULL,
  metadata   jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  UNIQUE (component, version)
);
CREATE INDEX releases_page_idx ON releases (created_at DESC, id DESC);

CREATE TABLE deployments (
  id                   text PRIMARY KEY,
  type                 text NOT NULL CHECK (type IN ('update', 'rollback')),
  release_id           text NOT NULL REFERENCES releases (id),
  component            text NOT NULL,
  version              text NOT NULL,
  rollback_of          text REFERENCES deployments (id),
  status               text NOT NULL,
  strategy             jsonb NOT NULL,
  approval             jsonb NOT NULL,
  requested_start_time timestamptz,
  description          text,
  created_by           text NOT NULL,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL,
  started_at           timestamptz,
  finished_at          timestamptz
);
CREATE INDEX deployments_page_idx ON deployments (created_at DESC, id DESC);

-- No foreign keys on deployment_id / client_id: a deployment inserts up to 100,000 tasks in one statement and the
-- per-row FK triggers would cost more than the insert itself. Integrity holds by construction: tasks are inserted
-- in the transaction that inserts their deployment, selecting client ids from `clients`, and nothing deletes
-- clients or deployments.
CREATE TABLE deployment_tasks (
  id                   text PRIMARY KEY,
  deployment_id        text NOT NULL,
  client_id            text NOT NULL,
  type                 text NOT NULL,
  component            text NOT NULL,
  version              text NOT NULL,
  image_url            text NOT NULL,
  previous_version     text,
  status               text NOT NULL,
  approval_status      text NOT NULL,
  approval_source      text,
  approved_at          timestamptz,
  approved_by          text,
  rejected_reason      text,
  requested_start_time timestamptz,
  stage                integer,
  attempt              integer NOT NULL DEFAULT 0,
  queued_at            timestamptz,
  lease_expires_at     timestamptz,
  last_message         text,
  -- At most 200 lines of at most 2000 characters (the contract's bounds); older lines are dropped.
  logs                 jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL,
  UNIQUE (deployment_id, client_id)
);
CREATE INDEX deployment_tasks_client_idx ON deployment_tasks (client_id, status);

-- Accepted status reports, so a repeated report is recognised as a duplicate.
CREATE TABLE task_reports (
  task_id     text NOT NULL REFERENCES deployment_tasks (id),
  attempt     integer NOT NULL,
  status      text NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (task_id, attempt, status)
);

CREATE TABLE deployment_history (
  id            bigserial PRIMARY KEY,
  client_id     text NOT NULL REFERENCES clients (id),
  component     text NOT NULL,
  version       text NOT NULL,
  image_url     text NOT NULL,
  deployment_id text REFERENCES deployments (id),
  task_id       text REFERENCES deployment_tasks (id),
  is_current    boolean NOT NULL,
  created_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX deployment_history_current_idx ON deployment_history (client_id, component) WHERE is_current;
CREATE INDEX deployment_history_client_idx ON deployment_history (client_id, component, id DESC);

CREATE TABLE tokens (
  id           text PRIMARY KEY,
  -- sha256 of the secret, hex; the secret itself is never stored.
  hash         text NOT NULL UNIQUE,
  role         text NOT NULL CHECK (role IN ('admin', 'ci', 'approver', 'agent')),
  client_id    text REFERENCES clients (id),
  name         text NOT NULL,
  description  text,
  created_at   timestamptz NOT NULL,
  last_used_at timestamptz,
  revoked_at   timestamptz,
  CHECK ((role IN ('approver', 'agent')) = (client_id IS NOT NULL))
);

CREATE TABLE audit_log (
  seq           bigserial PRIMARY KEY,
  at            timestamptz NOT NULL,
  actor         text NOT NULL,
  action        text NOT NULL,
  subject_type  text NOT NULL,
  subject_id    text NOT NULL,
  deployment_id text,
  client_id     text,
  before        jsonb,
  after         jsonb
);
CREATE INDEX audit_log_deployment_idx ON audit_log (deployment_id, seq DESC);
CREATE INDEX audit_log_client_idx ON audit_log (client_id, seq DESC);

-- Append-only: the audit log refuses updates and deletes.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE idempotency_keys (
  scope       text NOT NULL,
  key         text NOT NULL,
  fingerprint text NOT NULL,
  status      integer NOT NULL,
  body        jsonb NOT NULL,
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
