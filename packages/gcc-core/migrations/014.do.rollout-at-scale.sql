-- A rollout of 100,000 clients (issue 18).
--
-- Task rows are written 100,000 at a time (creation, each stage's dispatch) and maintaining their indexes was most
-- of a creation's time. `deployment_tasks_stage_idx` (deployment_id, stage) serves nothing the unique
-- (deployment_id, client_id) index does not: every reader by stage reads one deployment's tasks (a stage's tally
-- when it finishes, the stage summaries, which group the whole deployment), and that index narrows to the
-- deployment as well. The four left: the primary key (referenced by reports, dispatches, history), the unique
-- (deployment_id, client_id), a client's tasks (client_id, status) and the agents' ready tasks (partial).
DROP INDEX IF EXISTS deployment_tasks_stage_idx;

-- What the rollout worker reads of a client (labels, target, time zone, maintenance windows, auto-approval) changes
-- rarely; its last-seen time and versions change with every report. `settings_version` moves with the first kind
-- only, from a sequence (not a clock), so the worker can tell "some client's settings changed" from one index
-- probe (max), whatever the clocks say: its sweep skips a deployment nothing changed in, and its tick re-reads only
-- the task rows written since the last one while no client's settings changed. Reports leave the column and its
-- index alone (their updates stay HOT).
ALTER TABLE clients ADD COLUMN settings_version bigint NOT NULL DEFAULT 0;
CREATE SEQUENCE clients_settings_version_seq;
CREATE FUNCTION clients_settings_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.settings_version := nextval('clients_settings_version_seq');
  RETURN NEW;
END
$$;
CREATE TRIGGER clients_settings_version BEFORE UPDATE ON clients FOR EACH ROW
  WHEN (OLD.labels IS DISTINCT FROM NEW.labels
        OR OLD.target_kind IS DISTINCT FROM NEW.target_kind
        OR OLD.argocd_instance IS DISTINCT FROM NEW.argocd_instance
        OR OLD.timezone IS DISTINCT FROM NEW.timezone
        OR OLD.maintenance_windows IS DISTINCT FROM NEW.maintenance_windows
        OR OLD.auto_approve IS DISTINCT FROM NEW.auto_approve)
  EXECUTE FUNCTION clients_settings_version();
CREATE INDEX clients_settings_version_idx ON clients (settings_version);
