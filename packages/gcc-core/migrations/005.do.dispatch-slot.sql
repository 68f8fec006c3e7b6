-- Per-instance concurrency: a stage's tasks beyond `max_concurrency_per_instance` stay placed and are queued as
-- slots of their Argo CD instance (or target kind) free up; such a dispatch is recorded with reason `slot`.
ALTER TABLE task_dispatches DROP CONSTRAINT task_dispatches_reason_check;
ALTER TABLE task_dispatches
  ADD CONSTRAINT task_dispatches_reason_check CHECK (reason IN ('stage', 'retry', 'requeue', 'slot'));
