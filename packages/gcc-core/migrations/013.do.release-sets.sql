-- Release sets (issue 15): a deployment may carry one release per component (backend + media + CT of one WrkTalk
-- version), approved, applied and rolled back together per client.
--
-- `deployments.components` is the set, in order, each entry {component, release_id, version, image_url,
-- image_digest}; the first entry is the row's own release_id / component / version. Every deployment has it (the
-- earlier single-release ones are filled in from their release below).
ALTER TABLE deployments ADD COLUMN components jsonb;
UPDATE deployments d
SET components = jsonb_build_array(jsonb_build_object(
      'component', r.component, 'release_id', r.id, 'version', d.version,
      'image_url', r.image_url, 'image_digest', r.image_digest))
FROM releases r
WHERE r.id = d.release_id;
ALTER TABLE deployments ALTER COLUMN components SET NOT NULL;

-- `deployment_tasks.components` is the task's set when it has more than one component: each entry {component,
-- version, image_url, image_digest, previous_version}, the first being the row's own component / version / image_url
-- / previous_version. NULL for a single component, so a 100,000-client single-release deployment writes nothing more.
ALTER TABLE deployment_tasks ADD COLUMN components jsonb;
