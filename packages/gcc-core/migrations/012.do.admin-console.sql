-- Admin console and CT settings (issue 13): admin auto-approve policies, and the policy that auto-approved a task.
--
-- A policy approves the listed components (NULL: every component) of the clients its label selector matches (NULL:
-- every client). A deployment keeps the policies of its creation in its `approval` (`auto_approve_policies`), so a
-- later change does not alter a deployment under way; this table only holds the current ones.
CREATE TABLE auto_approve_policies (
  id             text PRIMARY KEY,
  components     text[],
  label_selector text,
  description    text,
  created_by     text NOT NULL,
  created_at     timestamptz NOT NULL
);

-- Which auto-approve policy approved a task (`client_preference` for the client's own preference, a policy id for an
-- admin policy); NULL for every other approval. The audit entries of automatic approvals read it.
ALTER TABLE deployment_tasks ADD COLUMN approval_policy text;

-- A client's task history (`listClientTasks`, newest first) needs no index of its own: `deployment_tasks_client_idx`
-- (client_id, status) narrows it to the client's rows, one per deployment that targeted it, which are sorted.
