-- One rule set (issue 11): what the operator sees of a deployment's state, and what a rollback covered.

ALTER TABLE deployments
  -- Why the deployment is created (waiting for its start time), paused, or failed; null otherwise.
  ADD COLUMN status_reason text,
  -- Rollback deployments: which clients of `rollback_of` they return (failed_stage | deployment | clients).
  -- Updates that were rolled back: the scope of their latest rollback.
  ADD COLUMN rollback_scope text CHECK (rollback_scope IN ('failed_stage', 'deployment', 'clients')),
  -- Updates: their latest rollback deployment.
  ADD COLUMN rolled_back_by text,
  -- Rollback deployments: clients of the scope left untouched (no earlier version to return to), for their end.
  ADD COLUMN rollback_skipped integer,
  -- Consecutive ticks of this deployment that threw; reset by a tick that succeeds. Past the worker's limit the
  -- deployment is marked failed with the last error, so one bad deployment never keeps disturbing the others.
  ADD COLUMN tick_errors integer NOT NULL DEFAULT 0;

ALTER TABLE deployment_stages
  -- Why the stage holds (every task settled with fewer successes than it needs); null when it does not.
  ADD COLUMN hold_reason text,
  -- An admin resumed a deployment paused by this stage's hold timeout: the stage finishes as it is.
  ADD COLUMN hold_overridden boolean NOT NULL DEFAULT false;
