-- Argo CD fast path (src/fastpath): the attempt of a task that the GCC applies itself through the Argo CD REST API.
-- Agents are never offered, and may not report on, an in-progress task whose attempt the GCC holds; a retry is a new
-- attempt, free for whoever picks it up first.
ALTER TABLE deployment_tasks ADD COLUMN gcc_attempt integer;

-- The fast path looks for ready tasks (queued, or overdue and queued again on pickup) of the clients it serves.
CREATE INDEX deployment_tasks_ready_idx ON deployment_tasks (client_id) WHERE status IN ('queued', 'overdue');
