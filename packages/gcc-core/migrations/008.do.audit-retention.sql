-- Audit log (issue 11, defect 9): append-only against TRUNCATE too, with one documented way to shed old rows.
--
-- The row trigger of 001 refused every UPDATE and DELETE, but TRUNCATE fires no row trigger and emptied the log.
-- Retention: a DELETE is allowed for rows older than a retention that the same transaction states through the
-- transaction-local setting `wrktalk.audit_retention_days` (set_config(..., true) / SET LOCAL), measured against the
-- database's own clock, so neither a forgotten setting nor a caller's clock can remove a younger row. gcc-core's
-- `pruneAuditLog` (GccOptions.auditRetentionDays) is the caller.

CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  days text := current_setting('wrktalk.audit_retention_days', true);
BEGIN
  IF TG_OP = 'DELETE' AND TG_LEVEL = 'ROW' AND days ~ '^[0-9]{1,6}$' AND days::int >= 1 THEN
    IF OLD.at < now() - make_interval(days => days::int) THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
