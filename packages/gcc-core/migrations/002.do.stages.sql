-- Orchestration: which deployments the staged-rollout worker advances, their stage history, and every dispatch.

-- 'immediate': an approved task is queued at once (no stages). 'worker': the rollout worker places approved tasks
-- in stages and queues them. Fixed when the deployment is created, so switching a GCC's mode never changes the
-- rules of a deployment already running.
ALTER TABLE deployments
  ADD COLUMN orchestration text NOT NULL DEFAULT 'immediate' CHECK (orchestration IN ('immediate', 'worker')),
  -- The planner's next `wait_until`: when the worker must look at this deployment again without an event.
  ADD COLUMN wake_at timestamptz;
CREATE INDEX deployments_orchestrated_idx ON deployments (wake_at)
  WHERE orchestration = 'worker' AND status IN ('created', 'running', 'paused');

-- When the task last settled (success, failed, timed_out); orders rollback history.
ALTER TABLE deployment_tasks ADD COLUMN finished_at timestamptz;
CREATE INDEX deployment_tasks_stage_idx ON deployment_tasks (deployment_id, stage);

-- One row per started stage; unstarted stages are derived from the strategy and the live target count.
CREATE TABLE deployment_stages (
  deployment_id        text NOT NULL REFERENCES deployments (id),
  stage_index          integer NOT NULL CHECK (stage_index >= 0),
  kind                 text NOT NULL CHECK (kind IN ('canary', 'batch', 'trailing')),
  -- Tasks placed when the stage started, and the jobs (per argocd instance / target kind) they were grouped in.
  placed               integer NOT NULL,
  jobs                 integer NOT NULL,
  started_at           timestamptz NOT NULL,
  finished_at          timestamptz,
  wait_until           timestamptz,
  -- Set when the stage crossed its failure threshold (the deployment paused or rolled back).
  failed_at            timestamptz,
  failure_reason       text,
  -- An admin resumed after a threshold pause: the stage's threshold is no longer judged.
  threshold_overridden boolean NOT NULL DEFAULT false,
  PRIMARY KEY (deployment_id, stage_index)
);

-- Every time the worker queued a task for its agent: at most one row per (task, attempt), so a second dispatch of
-- the same attempt cannot commit. `job` is the planner's batch key (`argocd:<instance>`, `kubernetes`, `docker`).
CREATE TABLE task_dispatches (
  task_id       text NOT NULL,
  attempt       integer NOT NULL,
  deployment_id text NOT NULL,
  stage         integer,
  job           text,
  wave          integer,
  reason        text NOT NULL CHECK (reason IN ('stage', 'retry', 'requeue')),
  dispatched_at timestamptz NOT NULL,
  PRIMARY KEY (task_id, attempt)
);
CREATE INDEX task_dispatches_deployment_idx ON task_dispatches (deployment_id);
