-- `orchestration: 'immediate'` becomes a strategy (issue 11): the rollout worker runs every deployment.
--
-- An `immediate` deployment queued each task as soon as it was approved, with no stages. From now on a GCC in
-- `immediate` mode gives new deployments the planner's `immediateStrategy` (one batch stage of every client that
-- approvals join while it runs, no fill wait, one attempt, the first failure pauses), run by the same worker as
-- any other strategy. Here every deployment stored as `immediate` is converted to that form:
--   * its strategy takes the immediate strategy's fields (the object below is `immediateStrategy` in wire form, as
--     of this migration; `migrations.test.ts` checks it against the planner);
--   * the tasks it already released (attempt > 0) are placed in stage 0, a `batch` stage started when its first
--     task was queued and, for a deployment no longer running, finished when it ended;
--   * it is marked `worker` and woken at once. Approved tasks not released yet join stage 0 on the first tick.
-- A running deployment that already has a failed task is paused by that first tick (`max_failures: 0`), as a new
-- one would be.

UPDATE deployments
SET strategy = strategy || '{
      "stages": [{"kind": "batch", "percent": 100, "wait_seconds": 0}],
      "failure_threshold": {"max_failures": 0, "min_finished": 1},
      "on_failure": "pause",
      "max_attempts": 1,
      "stage_fill_seconds": 0,
      "join_running_stage": true
    }'::jsonb
WHERE orchestration = 'immediate' AND type = 'update';

INSERT INTO deployment_stages (deployment_id, stage_index, kind, placed, jobs, started_at, finished_at, wait_until)
SELECT d.id, 0, 'batch', count(*)::int, 0,
       COALESCE(min(t.queued_at), d.started_at, d.created_at),
       CASE WHEN d.status IN ('created', 'running', 'paused') THEN NULL ELSE COALESCE(d.finished_at, now()) END,
       CASE WHEN d.status IN ('created', 'running', 'paused') THEN NULL ELSE COALESCE(d.finished_at, now()) END
FROM deployments d
JOIN deployment_tasks t ON t.deployment_id = d.id AND t.attempt > 0 AND t.stage IS NULL
WHERE d.orchestration = 'immediate'
  AND NOT EXISTS (SELECT 1 FROM deployment_stages s WHERE s.deployment_id = d.id)
GROUP BY d.id;

UPDATE deployment_tasks t SET stage = 0
FROM deployments d
WHERE d.id = t.deployment_id AND d.orchestration = 'immediate' AND t.attempt > 0 AND t.stage IS NULL;

UPDATE deployments
SET orchestration = 'worker',
    wake_at = CASE WHEN status IN ('created', 'running', 'paused') THEN now() ELSE wake_at END
WHERE orchestration = 'immediate';

ALTER TABLE deployments ALTER COLUMN orchestration SET DEFAULT 'worker';
ALTER TABLE deployments DROP CONSTRAINT IF EXISTS deployments_orchestration_check;
ALTER TABLE deployments ADD CONSTRAINT deployments_orchestration_check CHECK (orchestration = 'worker');
