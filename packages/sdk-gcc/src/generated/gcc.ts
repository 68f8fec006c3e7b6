// Generated from openapi/gcc.yaml by packages/sdk-gcc/scripts/generate.ts. Do not edit; run `npm run generate`.
export interface paths {
    "/api/v1/releases": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List releases
         * @description Lists recorded releases, newest first, optionally for one component.
         *
         *     Roles: `admin`, `ci`.
         */
        get: operations["listReleases"];
        put?: never;
        /**
         * Record a release
         * @description Records an image that CI pushed. `component` must be one of the components the
         *     server manages (configuration; by default `backend`, `media`, `ct`), otherwise
         *     `422 unknown_component`. `image_url` must reference `version` (as its tag or its
         *     digest), otherwise `422 invalid_image_reference`. `image_digest` (optional,
         *     `sha256:` and 64 lowercase hex digits) pins the image's content: agents then deploy
         *     `repository@sha256:…` where their executor can; when `image_url` carries a digest
         *     too, both must be the same, otherwise `422 invalid_image_reference`.
         *
         *     When the GCC is configured with a registry allow-list (`allowedRegistries`,
         *     `GCC_ALLOWED_REGISTRIES`), the registry of `image_url` (Docker's rules: the first
         *     path component is a registry when it contains `.` or `:` or is `localhost`,
         *     otherwise the image is on `docker.io`) must be on it, otherwise
         *     `422 registry_not_allowed`. Without an allow-list every registry is accepted.
         *
         *     Idempotent on (component, version): posting the same release again with the same
         *     body answers `200` with the existing release; with a different `image_url` or
         *     `metadata` it is `409 release_conflict`.
         *
         *     Roles: `ci`, `admin`.
         */
        post: operations["createRelease"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/releases/{release_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Release id.
                 * @example rel-01jdx4m7k2
                 */
                release_id: components["parameters"]["ReleaseIdPath"];
            };
            cookie?: never;
        };
        /**
         * Get a release
         * @description Returns one release.
         *
         *     Roles: `admin`, `ci`.
         */
        get: operations["getRelease"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clients": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List clients
         * @description Lists clients ordered by id, optionally filtered by a Kubernetes label selector
         *     (`tier=premium,region in (eu,us)`; supports `=`, `==`, `!=`, `in`, `notin`, `key`
         *     and `!key`). A selector that does not parse is `400 invalid_selector`.
         *
         *     Roles: `admin`.
         */
        get: operations["listClients"];
        put?: never;
        /**
         * Register a client
         * @description Registers a customer installation. The id is a DNS label; the Argo CD application
         *     of the client is `wrktalk-<id>`. `argocd_instance` is required when `target_kind`
         *     is `argocd`. A client with the same id is `409 client_exists`.
         *
         *     Roles: `admin`.
         */
        post: operations["createClient"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clients/{client_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
            };
            cookie?: never;
        };
        /**
         * Get a client
         * @description Returns one client, including the versions its agent last reported.
         *
         *     Roles: `admin`; `approver` and `agent` for their own client only.
         */
        get: operations["getClient"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Update a client
         * @description Changes a client with JSON merge-patch semantics (RFC 7396), whichever of the two
         *     media types is sent: absent fields are unchanged; `null` resets a field
         *     (`argocd_instance` to null, `timezone` to `UTC`, `maintenance_windows` to `[]`,
         *     `labels` to `{}`, `auto_approve` to `{all: false, components: []}`); `labels` and
         *     `auto_approve` are merged key by key (a label set to `null` is removed); arrays are
         *     replaced. The id cannot change. The patched client must still be valid (for example
         *     `argocd_instance` when `target_kind` is `argocd`), otherwise `400 validation_failed`.
         *
         *     Roles: `admin`.
         */
        patch: operations["updateClient"];
        trace?: never;
    };
    "/api/v1/clients/{client_id}/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Issue a client token
         * @description Issues a bearer token scoped to this client, for its agent (`agent`) or its CT
         *     (`approver`). The secret `token` is returned only in this response; the GCC keeps
         *     only a hash of it. With `expires_at` or `ttl_seconds` the token is refused (401)
         *     from then on; without either it is valid until revoked (`revokeClientToken`).
         *     A client may hold several valid tokens at once, which is how a token is rotated:
         *     issue the new one, deploy it, revoke the old one.
         *
         *     Roles: `admin`.
         */
        post: operations["createClientToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clients/{client_id}/tokens/{token_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
                /**
                 * @description Token id (from `createClientToken`), not the secret.
                 * @example tok-5d2c8e1f
                 */
                token_id: components["parameters"]["TokenIdPath"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke a client token
         * @description Revokes one of this client's tokens: every request with it is `401 unauthorized`
         *     from now on, on every replica. Revoking a token that is already revoked does
         *     nothing (204). A token id of another client, or of an admin/CI token, is
         *     `404 not_found`.
         *
         *     Roles: `admin`.
         */
        delete: operations["revokeClientToken"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tokens/{token_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Token id (from `createClientToken`), not the secret.
                 * @example tok-5d2c8e1f
                 */
                token_id: components["parameters"]["TokenIdPath"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke any issued token
         * @description Revokes an issued token of any role by its id (an admin or CI token issued with
         *     `wrktalk-gcc tokens issue --name`, or a client's agent or approver token): every
         *     request with it is `401 unauthorized` from now on, on every replica. Revoking a
         *     token that is already revoked does nothing (204). An unknown id is `404 not_found`.
         *     Tokens configured in the GCC's environment (`GCC_ADMIN_TOKEN`, `GCC_CI_TOKEN`)
         *     have no id and are replaced by changing that configuration. An admin may revoke
         *     its own token; the next request with it is `401`.
         *
         *     Roles: `admin`.
         */
        delete: operations["revokeToken"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/whoami": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Describe the caller's own token
         * @description What the bearer token of this request is: its id, role, client (approver and agent
         *     tokens) or name (admin and CI tokens) and expiry. Answers only about the token it is
         *     called with, so it reveals nothing a token holder does not already hold. Use it to
         *     check a token before deploying it (`wrktalk-agent doctor` does: an agent needs an
         *     `agent` token of its own `CLIENT_ID`).
         *
         *     Side-effect free: it changes nothing the API shows. An agent's call is not a
         *     heartbeat (the client's `last_seen_at` does not move), picks up no task and writes
         *     no audit entry; the only trace is the one every authenticated request leaves (the
         *     request log and metrics, and the last-use time the GCC keeps for the token). Like
         *     every other operation, a missing, unknown, expired or revoked token is
         *     `401 unauthorized`; every valid token may call it, so it is never `403`.
         *
         *     Roles: `admin`, `ci`, `approver`, `agent`.
         */
        get: operations["whoami"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clients/{client_id}/auto-approve": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
            };
            cookie?: never;
        };
        /**
         * Get the auto-approve preference
         * @description Returns which updates this client approves automatically: all of them, or those
         *     of the listed components. Auto-approved tasks get `approval_source: auto_policy`.
         *
         *     Roles: `approver` (own client), `admin`.
         */
        get: operations["getAutoApprove"];
        /**
         * Set the auto-approve preference
         * @description Replaces the preference. It applies to tasks that become visible from now on;
         *     tasks already waiting in `pending_approval` are not approved retroactively.
         *     An unmanaged component is `422 unknown_component`.
         *
         *     Roles: `approver` (own client), `admin`.
         */
        put: operations["setAutoApprove"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clients/{client_id}/settings": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
            };
            cookie?: never;
        };
        /**
         * Get the client's own settings
         * @description Returns the settings a client's administrator manages from the CT: time zone,
         *     maintenance windows, notification addresses and auto-approve preference.
         *
         *     Roles: `approver` (own client), `admin`.
         */
        get: operations["getClientSettings"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Change the client's own settings
         * @description Replaces each given field as a whole (a list given replaces the stored list; absent
         *     fields are unchanged); at least one field. Every problem is listed at once in
         *     `400 validation_failed`: a malformed maintenance window, an unknown time zone, an
         *     invalid e-mail address, more than 20 addresses, the same address twice (case does not
         *     matter), an unmanaged component in `auto_approve`. A changed auto-approve preference
         *     applies to tasks that become visible from now on. The change is audited
         *     (`client.update_settings`, with the changed fields before and after).
         *
         *     Roles: `approver` (own client), `admin`.
         */
        patch: operations["updateClientSettings"];
        trace?: never;
    };
    "/api/v1/clients/{client_id}/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
            };
            cookie?: never;
        };
        /**
         * List this client's tasks (update history)
         * @description Lists every task of this client across deployments (updates and rollbacks), newest
         *     first, optionally only those in one status.
         *
         *     Roles: `approver` (own client), `admin`.
         */
        get: operations["listClientTasks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clients/{client_id}/pending-approvals": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
            };
            cookie?: never;
        };
        /**
         * List updates waiting for this client's approval
         * @description Lists this client's tasks in `pending_approval`, oldest first. Tasks still in
         *     `pending` (not yet visible, see `ApprovalPolicy.visible_from`) are not listed.
         *
         *     Roles: `approver` (own client), `admin`.
         */
        get: operations["listPendingApprovals"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clients/{client_id}/pending-approvals/{task_id}/approve": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
                /**
                 * @description Task id.
                 * @example tsk-4a7e9b2c
                 */
                task_id: components["parameters"]["TaskIdPath"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Approve an update
         * @description Approves a task of this client (`pending_approval` → `approved`, event `approve`):
         *     sets `approval_status: approved`, `approval_source: client`, `approved_at`,
         *     `approved_by`. With `requested_start_time` the task is not queued before that
         *     time (for example the client's maintenance window). Approving an already approved
         *     task with the same body returns it unchanged; any other state is
         *     `409 illegal_transition`.
         *
         *     Roles: `approver` (own client), `admin`.
         */
        post: operations["approveTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clients/{client_id}/pending-approvals/{task_id}/reject": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
                /**
                 * @description Task id.
                 * @example tsk-4a7e9b2c
                 */
                task_id: components["parameters"]["TaskIdPath"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Reject an update
         * @description Rejects a task of this client (`pending_approval` → `rejected`, event `reject`)
         *     and stores the reason; the task is never executed. Rejecting an already rejected
         *     task with the same body returns it unchanged; any other state is
         *     `409 illegal_transition`.
         *
         *     Roles: `approver` (own client), `admin`.
         */
        post: operations["rejectTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clients/{client_id}/updates": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
            };
            cookie?: never;
        };
        /**
         * Poll for an update
         * @description Returns the one update this client's agent should apply now, if any. Rollback
         *     tasks come first, then update tasks in the order they were queued; a client runs
         *     at most one task at a time.
         *
         *     The first time a `queued` task is returned it is picked up (`queued` →
         *     `in_progress`, event `pickup`) and leased until `lease_expires_at`; asking again
         *     returns the same task and attempt, so a restarted agent resumes it. Each
         *     `in_progress` status report renews the lease; when it runs out the attempt is
         *     `timed_out` (and retried while attempts remain).
         *
         *     Caching and long-poll: the response carries an `ETag`. Send it back in
         *     `If-None-Match`; if nothing changed the answer is `304` with no body. With
         *     `wait=N` (and a matching `If-None-Match`, or when no update is available) the
         *     server holds the request up to N seconds and answers as soon as something changes.
         *     Poll again after `poll_after_seconds`.
         *
         *     Roles: `agent` (own client).
         */
        get: operations["getUpdates"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clients/{client_id}/status": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Report the progress or result of a task
         * @description The agent reports on the attempt it was given: `in_progress` (heartbeat; renews
         *     the lease), then exactly one of `success` or `failed` with a message and the last
         *     log lines. The agent also sends its `agent_version`, recorded on the client.
         *
         *     Idempotent per (task_id, attempt, status): repeating a report answers `200` with
         *     `duplicate: true` and changes nothing (logs of the first report are kept). A report
         *     for an attempt that is no longer current (the lease expired and the task was
         *     retried or cancelled) is `409 stale_attempt`; one that contradicts the current state
         *     (`success` after `failed` for the same attempt) is `409 illegal_transition`.
         *     A task that is not this client's is `404 not_found`.
         *
         *     Roles: `agent` (own client).
         */
        post: operations["reportStatus"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deployments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List deployments
         * @description Lists deployments (updates and rollbacks), newest first.
         *
         *     Roles: `admin`.
         */
        get: operations["listDeployments"];
        put?: never;
        /**
         * Deploy a release to clients
         * @description Creates a deployment of a release — or of a release set (a release train: one
         *     release per component, e.g. backend, media and CT of one WrkTalk version) — to the
         *     clients named in `targets.client_ids` and/or matched by `targets.selector` (the
         *     union, each client once). Name exactly one of `release_id` (one component),
         *     `release_ids` (the set's releases) or `versions` (component → version of
         *     registered releases). One task per client is created for the whole set: one
         *     approval, one apply and one rollback per client and the stages are planned from `strategy` (clients matching
         *     `strategy.canary_label` go first). Tasks become visible to the clients' CT
         *     (`pending_approval`) at once, or at `approval.visible_from`; without approval
         *     (`approval.required: false`) they are approved with `approval_source: not_required`
         *     (audited once, by the deployment's `deployment.create` entry with `approval_source:
         *     not_required` and its task count, not task by task: every other approval is audited per task).
         *     Clients whose auto-approve preference covers the component are approved with
         *     `approval_source: auto_policy`. Execution starts at `requested_start_time` (or now).
         *
         *     An unknown release is `404 not_found`; a set naming a missing release, the same
         *     component twice, an unmanaged component or releases from different registries is
         *     `422 invalid_release_set` listing every problem in `errors`; an unknown id in
         *     `client_ids` is `422 unknown_client`; targets that match no client are `422 no_targets`; an invalid
         *     selector is `400 invalid_selector`.
         *
         *     Roles: `admin`.
         */
        post: operations["createDeployment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deployments/preview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Preview a deployment (dry run)
         * @description Takes the body of `createDeployment`, validates it exactly as `createDeployment` does
         *     (the same `400`, `404` and `422` problems) and answers what creating it would do,
         *     without writing anything: how many clients the targets match, the first 20 of them by
         *     id, the effective strategy and approval policy (with the current auto-approve policies),
         *     the stages as the planner would plan them if every matched client approved, and how
         *     many tasks would be approved at once by the clients' own preferences, the admin
         *     auto-approve policies, or because approval is not required.
         *
         *     Roles: `admin`.
         */
        post: operations["previewDeployment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deployments/{deployment_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Deployment id.
                 * @example dpl-123
                 */
                deployment_id: components["parameters"]["DeploymentIdPath"];
            };
            cookie?: never;
        };
        /**
         * Get a deployment
         * @description Returns a deployment with its effective strategy, its stages and the task counts
         *     by status, overall and per stage.
         *
         *     Live progress without reading every task: the answer carries an `ETag` that changes
         *     whenever anything in the answer changes (a task's status, a stage, the deployment's
         *     status). Send it back in `If-None-Match`; while nothing changed the answer is `304`
         *     with no body, so a view can poll this one call every few seconds.
         *
         *     Roles: `admin`.
         */
        get: operations["getDeployment"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deployments/{deployment_id}/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Deployment id.
                 * @example dpl-123
                 */
                deployment_id: components["parameters"]["DeploymentIdPath"];
            };
            cookie?: never;
        };
        /**
         * List a deployment's tasks
         * @description Lists the tasks of a deployment ordered by client id, optionally filtered (all given
         *     filters apply): by status, by client, by stage, and by a search text `q` found anywhere
         *     in the client id (case-insensitive).
         *
         *     Roles: `admin`.
         */
        get: operations["listDeploymentTasks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deployments/{deployment_id}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Deployment id.
                 * @example dpl-123
                 */
                deployment_id: components["parameters"]["DeploymentIdPath"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Pause a deployment
         * @description `running` → `paused` (event `pause`): no new task is queued; tasks already
         *     `in_progress` finish. Pausing a paused deployment returns it unchanged; any other
         *     status is `409 illegal_transition`.
         *
         *     Roles: `admin`.
         */
        post: operations["pauseDeployment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deployments/{deployment_id}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Deployment id.
                 * @example dpl-123
                 */
                deployment_id: components["parameters"]["DeploymentIdPath"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Resume a paused deployment
         * @description `paused` → `running` (event `resume`). Resuming a running deployment returns it
         *     unchanged; any other status is `409 illegal_transition`.
         *
         *     Roles: `admin`.
         */
        post: operations["resumeDeployment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deployments/{deployment_id}/abort": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Deployment id.
                 * @example dpl-123
                 */
                deployment_id: components["parameters"]["DeploymentIdPath"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Abort a deployment
         * @description `created|running|paused` → `aborted` (event `abort`): every task that has not
         *     started is `cancelled`; tasks already `in_progress` finish and are recorded, nothing
         *     is rolled back (use `rollback` for that). Aborting an aborted deployment returns it
         *     unchanged; any other status is `409 illegal_transition`.
         *
         *     Roles: `admin`.
         */
        post: operations["abortDeployment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deployments/{deployment_id}/rollback": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Deployment id.
                 * @example dpl-123
                 */
                deployment_id: components["parameters"]["DeploymentIdPath"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Roll a deployment back
         * @description Creates a deployment of type `rollback` (`rollback_of` = this deployment) that
         *     returns each client to its own previous version (its latest good version before this
         *     deployment, from its deployment history; chosen by `@wrktalk/rollout-planner`'s
         *     `planRollback`, the same rule as the automatic rollback), and moves this deployment to
         *     `rolling_back` (event `rollback_start`; allowed from `running`, `paused`, `failed`
         *     and `completed`, otherwise `409 illegal_transition`). Tasks of this deployment that
         *     have not started are cancelled. A deployment of type `rollback` cannot itself be rolled
         *     back (`409 illegal_transition`): deploy the wanted release instead. Manual and automatic
         *     rollbacks are one code path: a rollback whose own stage fails pauses for an admin
         *     (`on_failure: pause`), it never starts a rollback of the rollback.
         *
         *     `scope` chooses the clients: `failed_stage` (the clients of the stage that crossed its
         *     failure threshold; when no stage did, the stage started last; when no stage started,
         *     the clients whose task failed or timed out),
         *     `deployment` (every client whose task reached `success`, `failed`, `timed_out` or is
         *     still `in_progress`), `clients` (the listed `client_ids`, which must have tasks in this
         *     deployment, otherwise `422 unknown_client`; listed clients the update never reached are
         *     skipped). Default: the deployment's `strategy.rollback.scope`. Clients without an
         *     earlier version are skipped and listed in the audit entry. Nothing to roll back is
         *     `422 no_targets`. The rollback runs with `strategy.rollback` (batch size, wait,
         *     approval). Both deployments then show `rollback_scope`; `failed_stage` and `clients`
         *     are partial rollbacks.
         *
         *     Roles: `admin`.
         */
        post: operations["rollbackDeployment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deployments/{deployment_id}/tasks/{task_id}/force-approve": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Deployment id.
                 * @example dpl-123
                 */
                deployment_id: components["parameters"]["DeploymentIdPath"];
                /**
                 * @description Task id.
                 * @example tsk-4a7e9b2c
                 */
                task_id: components["parameters"]["TaskIdPath"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Approve a task on the client's behalf
         * @description For clients that never answer: `pending|pending_approval` → `approved`
         *     (event `force_approve`, `approval_source: admin_force`). The reason is audited.
         *     Any other status is `409 illegal_transition`.
         *
         *     Roles: `admin`.
         */
        post: operations["forceApproveTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auto-approve-policies": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List auto-approve policies
         * @description Lists the admin auto-approve policies, ordered by id.
         *
         *     Roles: `admin`.
         */
        get: operations["listAutoApprovePolicies"];
        put?: never;
        /**
         * Create an auto-approve policy
         * @description Adds a policy that approves tasks automatically (`approval_source: auto_policy`, the
         *     policy's id recorded in the audit entry as `policy`) for the listed components
         *     (absent: every component) of the clients matching `label_selector` (absent: every
         *     client). A client's own auto-approve preference is tried first, then the policies in
         *     id order. Policies apply to deployments created from now on: each deployment keeps
         *     the policies of its creation (`Deployment.approval.auto_approve_policies`).
         *
         *     An id that is not a DNS label, an empty `components` list, an unmanaged component or a
         *     selector that does not parse is `422 invalid_policy` (every problem listed in
         *     `errors`); an id in use is `409 policy_exists`.
         *
         *     Roles: `admin`.
         */
        post: operations["createAutoApprovePolicy"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auto-approve-policies/{policy_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Auto-approve policy id.
                 * @example free-tier-ct
                 */
                policy_id: components["parameters"]["PolicyIdPath"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Delete an auto-approve policy
         * @description Deletes a policy; deployments created before keep it (their approval policy is a
         *     snapshot). An unknown id is `404 not_found`.
         *
         *     Roles: `admin`.
         */
        delete: operations["deleteAutoApprovePolicy"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List audit entries
         * @description Lists audit entries, newest first: every change made through the API (releases,
         *     clients, tokens, approvals, deployments) and by the GCC itself (actor `system`:
         *     deadlines, stage progress, automatic rollbacks).
         *
         *     Roles: `admin`.
         */
        get: operations["listAudit"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/openapi.yaml": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * This contract (YAML)
         * @description The OpenAPI document this GCC implements, as YAML.
         *
         *     No authentication.
         */
        get: operations["getOpenApiYaml"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * This contract (JSON)
         * @description The OpenAPI document this GCC implements, as JSON.
         *
         *     No authentication.
         */
        get: operations["getOpenApiJson"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/.well-known/wrktalk-signing-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Public keys that sign offered updates
         * @description The Ed25519 public keys whose signatures agents may see on offered updates
         *     (`Update.signature`): the key the GCC signs with now (`current: true`) and, during a
         *     key rotation, the previous ones it still publishes. An empty list when the GCC does
         *     not sign. Agents pin these keys out of band (`GCC_SIGNING_PUBLIC_KEY`); this list
         *     is for operators and tooling, an agent never trusts a key just because it is listed.
         *
         *     No authentication.
         */
        get: operations["getSigningKeys"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness
         * @description `200` while the process is able to serve requests. Does not check dependencies.
         *
         *     No authentication.
         */
        get: operations["healthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness
         * @description `200` when the GCC can take traffic (database reachable, migrations applied,
         *     queue available); `503` with the same document otherwise, so that the failing
         *     check is visible.
         *
         *     No authentication.
         */
        get: operations["readyz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics
         * @description Metrics in the Prometheus text exposition format (version 0.0.4).
         *
         *     No authentication (protect it at the network level).
         */
        get: operations["metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * @description Release id, `rel-` followed by 1..64 letters, digits, `_` or `-`.
         * @example rel-01jdx4m7k2
         */
        ReleaseId: string;
        /**
         * @description Deployment id, `dpl-` followed by 1..64 letters, digits, `_` or `-`.
         * @example dpl-123
         */
        DeploymentId: string;
        /**
         * @description Task id, `tsk-` followed by 1..64 letters, digits, `_` or `-`.
         * @example tsk-4a7e9b2c
         */
        TaskId: string;
        /**
         * @description Token id, `tok-` followed by 1..64 letters, digits, `_` or `-`. Not the secret.
         * @example tok-5d2c8e1f
         */
        TokenId: string;
        /**
         * @description Client id: a DNS label (lowercase letters, digits and `-`, 1..63 characters, not
         *     starting or ending with `-`). The client's Argo CD application is `wrktalk-<id>`.
         * @example adani-prod
         */
        ClientId: string;
        /**
         * @description Who acted: the authenticated principal as `<role>:<name>` (admin and CI tokens are
         *     named in the server configuration; client tokens are named after their client),
         *     or `system` for the GCC's own actions (deadlines, stage progress, automatic rollback).
         * @example admin:ravi.kumar
         * @example ci:github-actions
         * @example approver:adani-prod
         * @example system
         */
        Actor: string;
        /**
         * @description A WrkTalk component whose image tag the GCC manages. The server configuration
         *     decides which components are managed (by default `backend`, `media`, `ct`);
         *     others are `422 unknown_component`.
         * @example backend
         * @example media
         * @example ct
         */
        Component: string;
        /**
         * @description A version: an image tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`) or a digest
         *     (`sha256:` and 64 lowercase hex digits). Such a value never needs escaping in a
         *     `helm --set` value or a shell argument.
         * @example sha123
         * @example 1.4.2
         * @example sha256:4c6f0f7d3b0d8f5e2a9c1b3d5e7f9a0b2c4d6e8f0a1b3c5d7e9f1a2b3c4d5e6f
         */
        ImageTag: string;
        /**
         * @description A Docker image reference `registry/repository[:tag][@sha256:<digest>]`, as in
         *     `docker pull`. In a release it must carry the release's `version` as its tag or
         *     its digest.
         * @example registry.wrktalk.com/backend:sha123
         * @example registry.wrktalk.com:5000/wrktalk/media:2.4.1
         * @example registry.wrktalk.com/ct@sha256:4c6f0f7d3b0d8f5e2a9c1b3d5e7f9a0b2c4d6e8f0a1b3c5d7e9f1a2b3c4d5e6f
         */
        ImageReference: string;
        /**
         * @description The content digest of an image (`sha256:` and 64 lowercase hex digits), as
         *     `docker buildx imagetools inspect` or the registry reports it.
         * @example sha256:4c6f0f7d3b0d8f5e2a9c1b3d5e7f9a0b2c4d6e8f0a1b3c5d7e9f1a2b3c4d5e6f
         */
        ImageDigest: string;
        /**
         * @description A Kubernetes label selector: comma-separated requirements, all of which must hold:
         *     `key=value`, `key==value`, `key!=value`, `key in (v1,v2)`, `key notin (v1,v2)`,
         *     `key` (exists), `!key` (does not exist).
         * @example tier=premium
         * @example tier=premium,region in (eu,us)
         * @example !canary
         */
        LabelSelector: string;
        /**
         * @description Labels, as on Kubernetes objects: keys are an optional DNS-subdomain prefix and `/`
         *     plus a name of up to 63 characters (alphanumerics, `-`, `_`, `.`, starting and
         *     ending alphanumeric); values are empty or up to 63 such characters.
         * @example {
         *       "tier": "premium",
         *       "region": "in",
         *       "canary": "true"
         *     }
         */
        Labels: {
            [key: string]: components["schemas"]["LabelValue"];
        };
        /**
         * @description A Kubernetes label value (may be empty).
         * @example premium
         */
        LabelValue: string;
        /**
         * @description How the client's agent applies an update: `argocd` (set the Helm parameter on the
         *     Argo CD application `wrktalk-<client>` and sync), `kubernetes` (patch the
         *     workloads directly), `docker` (update the compose file and `docker compose up -d`).
         * @enum {string}
         */
        TargetKind: "argocd" | "kubernetes" | "docker";
        /** @enum {string} */
        Weekday: "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";
        /**
         * @description A wall-clock time `HH:MM` (24 h).
         * @example 22:00
         */
        ClockTime: string;
        /**
         * @description A weekly window in the client's timezone during which updates may start. When
         *     `end` is before `start` the window crosses midnight and `days` are the days on
         *     which it starts (`sat 22:00`–`sun 04:00`); `start` equal to `end` is the whole day.
         * @example {
         *       "days": [
         *         "sat",
         *         "sun"
         *       ],
         *       "start": "22:00",
         *       "end": "04:00"
         *     }
         */
        MaintenanceWindow: {
            days: components["schemas"]["Weekday"][];
            start: components["schemas"]["ClockTime"];
            end: components["schemas"]["ClockTime"];
        };
        /**
         * @description An IANA time zone name; unknown names are `400 validation_failed`.
         * @example Asia/Kolkata
         * @example UTC
         */
        Timezone: string;
        /**
         * @description Which updates the client approves automatically: every update when `all` is true,
         *     otherwise updates of the listed components.
         * @example {
         *       "all": false,
         *       "components": [
         *         "ct"
         *       ]
         *     }
         */
        AutoApprovePreference: {
            /** @description Approve every update automatically. */
            all: boolean;
            /** @description Approve updates of these components automatically. */
            components: components["schemas"]["Component"][];
        };
        /**
         * @description Free-form release information (release notes, commit, pipeline URL).
         * @example {
         *       "commit": "9fceb02d0ae598e95dc970b74767f19372d61af8",
         *       "notes": "Faster message sync on reconnect."
         *     }
         */
        Metadata: {
            [key: string]: unknown;
        };
        ReleaseCreate: {
            component: components["schemas"]["Component"];
            version: components["schemas"]["ImageTag"];
            image_url: components["schemas"]["ImageReference"];
            image_digest?: components["schemas"]["ImageDigest"];
            metadata?: components["schemas"]["Metadata"];
        };
        Release: {
            id: components["schemas"]["ReleaseId"];
            component: components["schemas"]["Component"];
            version: components["schemas"]["ImageTag"];
            image_url: components["schemas"]["ImageReference"];
            /** @description The image's `sha256:` digest, when the release recorded one. */
            image_digest?: components["schemas"]["ImageDigest"] | null;
            metadata: components["schemas"]["Metadata"];
            /** Format: date-time */
            created_at: string;
            created_by: components["schemas"]["Actor"];
        };
        ReleaseList: {
            items: components["schemas"]["Release"][];
            next_cursor: components["schemas"]["NextCursor"];
        };
        /**
         * @description Cursor of the next page, `null` on the last page.
         * @example eyJjcmVhdGVkX2F0IjoiMjAyNS0xMS0yMFQwOToxNTowMFoifQ
         */
        NextCursor: string | null;
        /**
         * @description Name of the Argo CD instance that manages the client's application (as configured
         *     on the GCC); the worker groups and rate-limits tasks per instance.
         * @example argocd-in-west-1
         */
        ArgocdInstance: string;
        ClientCreate: {
            id: components["schemas"]["ClientId"];
            /** @description Display name. */
            name: string;
            /** @description Default `{}`. */
            labels?: components["schemas"]["Labels"];
            target_kind: components["schemas"]["TargetKind"];
            /** @description Required when `target_kind` is `argocd`. */
            argocd_instance?: components["schemas"]["ArgocdInstance"];
            /** @description Default `UTC`. */
            timezone?: components["schemas"]["Timezone"];
            /** @description Default `[]` (updates may start at any time). */
            maintenance_windows?: components["schemas"]["MaintenanceWindow"][];
            /** @description Default `{all: false, components: []}`. */
            auto_approve?: components["schemas"]["AutoApprovePreference"];
        };
        /** @description A JSON merge patch (RFC 7396) of a client; see `updateClient`. */
        ClientPatch: {
            name?: string;
            /** @description Merged key by key; a `null` value removes the label; `null` removes all labels. */
            labels?: {
                [key: string]: components["schemas"]["LabelValue"] | null;
            } | null;
            target_kind?: components["schemas"]["TargetKind"];
            argocd_instance?: components["schemas"]["ArgocdInstance"] | null;
            /** @description `null` resets to `UTC`. */
            timezone?: components["schemas"]["Timezone"] | null;
            /** @description Replaces the list; `null` clears it. */
            maintenance_windows?: components["schemas"]["MaintenanceWindow"][] | null;
            /** @description Merged; `null` resets to `{all: false, components: []}`. */
            auto_approve?: {
                all?: boolean;
                components?: components["schemas"]["Component"][];
            } | null;
        };
        /**
         * @description The version of each component the client runs, as last reported or deployed.
         * @example {
         *       "backend": "sha122",
         *       "media": "2.4.1",
         *       "ct": "3.9.0"
         *     }
         */
        CurrentVersions: {
            [key: string]: components["schemas"]["ImageTag"];
        };
        Client: {
            id: components["schemas"]["ClientId"];
            name: string;
            labels: components["schemas"]["Labels"];
            target_kind: components["schemas"]["TargetKind"];
            argocd_instance: components["schemas"]["ArgocdInstance"] | null;
            timezone: components["schemas"]["Timezone"];
            maintenance_windows: components["schemas"]["MaintenanceWindow"][];
            auto_approve: components["schemas"]["AutoApprovePreference"];
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
            /**
             * Format: date-time
             * @description When the client's agent last called the GCC.
             */
            last_seen_at: string | null;
            /** @description Version the agent last reported. */
            agent_version: string | null;
            current_versions: components["schemas"]["CurrentVersions"];
        };
        ClientList: {
            items: components["schemas"]["Client"][];
            next_cursor: components["schemas"]["NextCursor"];
        };
        /** @enum {string} */
        TokenRole: "agent" | "approver";
        TokenCreate: {
            role: components["schemas"]["TokenRole"];
            /** @description What the token is for. */
            description?: string;
            /**
             * Format: date-time
             * @description The token is refused from this time on (in the future, at most 10 years ahead). Not with `ttl_seconds`; neither means the token is valid until revoked.
             */
            expires_at?: string;
            /** @description The token is refused this many seconds after it is issued. Not with `expires_at`. */
            ttl_seconds?: number;
        };
        TokenIssued: {
            id: components["schemas"]["TokenId"];
            role: components["schemas"]["TokenRole"];
            client_id: components["schemas"]["ClientId"];
            /** @description The bearer secret. Shown only in this response. */
            token: string;
            /** Format: date-time */
            created_at: string;
            /**
             * Format: date-time
             * @description When the token stops being valid; null when it is valid until revoked. Always sent by the GCC.
             */
            expires_at: string | null;
        };
        /** @description What the caller's bearer token is (`whoami`). */
        Whoami: {
            /**
             * @description The token's id (as `createClientToken` and `wrktalk-gcc token issue` print it, and as
             *     `revokeClientToken` takes it); `null` for a secret configured on the GCC itself
             *     (`ADMIN_TOKEN`, `CI_TOKEN`), which is not a stored token.
             */
            token_id: components["schemas"]["TokenId"] | null;
            /** @enum {string} */
            role: "admin" | "ci" | "approver" | "agent";
            /** @description The client an `approver` or `agent` token is scoped to; `null` for `admin` and `ci`. */
            client_id: components["schemas"]["ClientId"] | null;
            /** @description The name of an `admin` or `ci` token (`admin`, `ci` for the configured secrets); `null` for `approver` and `agent`. */
            name: string | null;
            /**
             * Format: date-time
             * @description When the token stops being valid; `null` when it is valid until revoked.
             */
            expires_at: string | null;
        };
        /**
         * @description One stage of a rollout. `count` takes that many clients, `percent` that share of
         *     approved targets (rounded to the nearest client, at least one; as computed by `@wrktalk/rollout-planner`); a stage with neither takes all remaining
         *     clients (only the last stage may). `count` and `percent` are mutually exclusive.
         *     After the stage has finished, the rollout waits `wait_seconds` before the next one.
         */
        StageSpec: {
            /**
             * @description Canary stages use `canary_label` clients first and `canary_failure_threshold`.
             * @enum {string}
             */
            kind: "canary" | "batch";
            count?: number;
            percent?: number;
            /** @description Soak time after the stage, at most 7 days. Default `0`. */
            wait_seconds?: number;
        };
        /**
         * @description When a stage has failed. Failures are tasks that ended `failed` or `timed_out`
         *     with no attempt left. The stage fails when failures exceed `max_failures`, or when
         *     at least `min_finished` tasks have finished and failures / finished exceeds
         *     `max_failure_ratio`. Omitted limits do not apply.
         */
        FailureThreshold: {
            max_failures?: number;
            max_failure_ratio?: number;
            min_finished?: number;
        };
        /** @description How a rollback of this deployment runs (automatic or requested). */
        RollbackPolicy: {
            /**
             * @description Which clients an automatic rollback returns to their previous version. Default `failed_stage`.
             * @enum {string}
             */
            scope?: "failed_stage" | "deployment";
            /** @description Clients per rollback batch; `null` means all at once. Default `null`. */
            batch_size?: number | null;
            /** @description Wait between rollback batches. Default `0`. */
            wait_seconds?: number;
            /** @description Whether clients must approve rollback tasks. Default `false`. */
            require_approval?: boolean;
        };
        /**
         * @description How a deployment rolls out. Every field is optional in a request and defaults as
         *     documented (`x-default` on each property); in a `Deployment` the effective strategy
         *     is returned with every field filled in. Defaults are applied by the server, not
         *     declared with `default`, so that generated request types keep them optional.
         *     Default stages: canary 4% (wait 600 s), batch 10% (wait 600 s), batch 20%
         *     (wait 300 s), batch 30% (wait 300 s), batch with the rest.
         */
        Strategy: {
            stages?: components["schemas"]["StageSpec"][];
            /** @description Upper bound of clients in any stage (a larger stage is split); `null` for no bound. Default `null`. */
            max_batch_size?: number | null;
            /** @description Clients matching this selector are placed in canary stages first. Default `canary=true`. */
            canary_label?: components["schemas"]["LabelSelector"];
            /** @description Most tasks in progress at once on one Argo CD instance. Default `10`. */
            max_concurrency_per_instance?: number;
            /** @description For batch stages. Default `{max_failure_ratio: 0.1, min_finished: 5}`. */
            failure_threshold?: components["schemas"]["FailureThreshold"];
            /** @description For canary stages. Default `{max_failures: 0}` (any failure fails the canary). */
            canary_failure_threshold?: components["schemas"]["FailureThreshold"];
            /**
             * @description What happens when a stage fails (the deployment becomes `failed` or `paused`, or starts rolling back). Default `rollback`.
             * @enum {string}
             */
            on_failure?: "pause" | "rollback";
            rollback?: components["schemas"]["RollbackPolicy"];
            /** @description A queued task not picked up by the agent in this time becomes `overdue` (at most 7 days). Default `900`. */
            pickup_timeout_seconds?: number;
            /** @description How long an agent holds a task without reporting before it is `timed_out` (at most 1 day). Default `900`. */
            lease_seconds?: number;
            /**
             * @description Successes a canary stage needs before it can finish (capped at the tasks placed in it). Every other
             *     stage needs at least one success: a stage whose tasks all went `overdue` (clients offline) holds the
             *     rollout instead of succeeding with nothing validated. Default `1`.
             */
            canary_min_successes?: number;
            /**
             * @description How long a stage waits for its planned number of approved clients. A stage starts as soon as it can
             *     be filled to its planned size, or when no approval is outstanding any more, or this long after it
             *     could first have started with fewer clients (`0`: start with whoever is approved). Default `3600`.
             */
            stage_fill_seconds?: number;
            /**
             * @description A started stage that still holds (every task settled, fewer successes than the stage needs) this long
             *     after it started pauses the deployment with the reason. An admin's `resume` then accepts the stage as
             *     it is and the rollout goes on. Default `3600`.
             */
            stage_hold_timeout_seconds?: number;
            /**
             * @description Approvals that arrive while a stage runs join it, up to its planned size, and are released at once
             *     instead of waiting for the next stage. With one `batch` stage of `percent: 100` every approval is
             *     released as it comes: the strategy a GCC in `immediate` mode gives deployments that name none
             *     (`stages: [{kind: batch, percent: 100}]`, `stage_fill_seconds: 0`, `max_attempts: 1`,
             *     `failure_threshold: {max_failures: 0, min_finished: 1}`, `on_failure: pause`). Default `false`.
             */
            join_running_stage?: boolean;
            /** @description Attempts per task (a `failed` or `timed_out` attempt is retried while attempts remain). Default `2`. */
            max_attempts?: number;
        };
        /** @description How clients approve the deployment's tasks. */
        ApprovalPolicy: {
            /** @description Whether clients must approve; when false tasks are approved with `approval_source: not_required`. Default `true`. */
            required?: boolean;
            /**
             * Format: date-time
             * @description When unanswered tasks are handled per `on_deadline`; `null` for no deadline. Default `null`.
             */
            deadline?: string | null;
            /**
             * @description `auto_approve` approves unanswered tasks (`approval_source: deadline`); `expire` expires them. Default `expire`.
             * @enum {string}
             */
            on_deadline?: "auto_approve" | "expire";
            /**
             * Format: date-time
             * @description Tasks stay `pending` (invisible to the CT) until this time; `null` for at once. Default `null`.
             */
            visible_from?: string | null;
        };
        /** @description The clients to update; the union of `client_ids` and the clients matching `selector`. */
        Targets: {
            client_ids?: components["schemas"]["ClientId"][];
            selector?: components["schemas"]["LabelSelector"];
        };
        /** @description One component release of a deployment's set. */
        SetComponent: {
            component: components["schemas"]["Component"];
            release_id: components["schemas"]["ReleaseId"];
            version: components["schemas"]["ImageTag"];
            image_url: components["schemas"]["ImageReference"];
            image_digest: components["schemas"]["ImageDigest"] | null;
        };
        /** @description One component of a task's set, from the version the client ran to the one the task installs. */
        TaskComponent: {
            component: components["schemas"]["Component"];
            /** @description The version this task installs (for a rollback, the client's previous version). */
            version: components["schemas"]["ImageTag"];
            image_url: components["schemas"]["ImageReference"];
            /** @description What the client ran before this task; `null` when unknown. */
            previous_version: components["schemas"]["ImageTag"] | null;
        };
        /** @description One component of an offered update's set. */
        UpdateComponent: {
            component: components["schemas"]["Component"];
            version: components["schemas"]["ImageTag"];
            image_url: components["schemas"]["ImageReference"];
            image_digest: components["schemas"]["ImageDigest"] | null;
            previous_version: components["schemas"]["ImageTag"] | null;
            helm_parameter: string;
        };
        /**
         * @description Exactly one of `release_id`, `release_ids` or `versions` names what is deployed
         *     (`400 validation_failed` otherwise).
         */
        DeploymentCreate: {
            /** @description One release (one component). */
            release_id?: components["schemas"]["ReleaseId"];
            /**
             * @description A release set: one release per component, applied together (listed order is the
             *     order of `components`). Every release must exist, each component appear once,
             *     be managed by this GCC, and every image come from one registry
             *     (`422 invalid_release_set` lists every problem).
             */
            release_ids?: components["schemas"]["ReleaseId"][];
            /**
             * @description A release set by version: component → version of a registered release, for CI
             *     that knows the versions it built (e.g. `{backend: 5.0.0, media: 5.0.0, ct: 5.0.0}`).
             *     Same rules as `release_ids`.
             */
            versions?: {
                [key: string]: components["schemas"]["ImageTag"];
            };
            targets: components["schemas"]["Targets"];
            strategy?: components["schemas"]["Strategy"];
            approval?: components["schemas"]["ApprovalPolicy"];
            /**
             * Format: date-time
             * @description Do not queue any task before this time (default now).
             */
            requested_start_time?: string;
            description?: string;
        };
        /**
         * @description Status of a task (one client in one deployment).
         *
         *     - `pending`: created, not yet visible to the client's CT.
         *     - `pending_approval`: visible in the CT, waiting for approve or reject.
         *     - `approved`: approved, waiting for its stage and `requested_start_time`.
         *     - `queued`: ready for the agent to pick up.
         *     - `in_progress`: the agent holds the task (leased) and is applying it.
         *     - `success` / `failed`: the agent's result for the current attempt.
         *     - `timed_out`: the agent stopped reporting before the lease expired.
         *     - `overdue`: queued but not picked up within `pickup_timeout_seconds` (client offline); re-queued when the agent returns.
         *     - `rolled_back`: a rollback task returned the client to its previous version.
         *     - `rejected`: the client rejected it. `expired`: nobody answered before the deadline.
         *     - `cancelled`: the deployment was aborted or rolled back before the task ran.
         *
         *     Terminal: `success` (until rolled back), `rolled_back`, `rejected`, `expired`,
         *     `cancelled`; `failed` and `timed_out` once no attempt is left.
         *
         *     | From | Event | To |
         *     |------|-------|----|
         *     | `pending` | `publish` | `pending_approval` |
         *     | `pending`, `pending_approval` | `approve` | `approved` |
         *     | `pending`, `pending_approval` | `auto_approve` | `approved` |
         *     | `pending`, `pending_approval` | `force_approve` | `approved` |
         *     | `pending`, `pending_approval` | `deadline_auto_approve` | `approved` |
         *     | `pending` | `not_required` | `approved` |
         *     | `pending_approval` | `reject` | `rejected` |
         *     | `pending`, `pending_approval` | `expire` | `expired` |
         *     | `approved`, `overdue` | `enqueue` | `queued` |
         *     | `queued` | `pickup` | `in_progress` |
         *     | `in_progress` | `succeed` | `success` |
         *     | `in_progress` | `fail` | `failed` |
         *     | `in_progress` | `lease_expired` | `timed_out` |
         *     | `queued` | `pickup_timeout` | `overdue` |
         *     | `failed`, `timed_out` | `retry` (attempts remain) | `queued` |
         *     | `pending`, `pending_approval`, `approved`, `queued`, `overdue` | `cancel` | `cancelled` |
         *     | `success`, `failed`, `timed_out` | `roll_back` | `rolled_back` |
         * @enum {string}
         */
        TaskStatus: "pending" | "pending_approval" | "approved" | "queued" | "in_progress" | "success" | "failed" | "timed_out" | "overdue" | "rolled_back" | "rejected" | "expired" | "cancelled";
        /**
         * @description Status of a deployment.
         *
         *     - `created`: planned; waiting for `requested_start_time`.
         *     - `running`: stages are being executed. `paused`: no new task is queued.
         *     - `completed`: every stage finished within its failure threshold (rejected and
         *       expired tasks do not count as failures).
         *     - `failed`: a stage exceeded its failure threshold (with `on_failure: pause` it is
         *       `paused` instead), or its rollback failed.
         *     - `aborted`: stopped by an admin; tasks not started were cancelled.
         *     - `rolling_back` / `rolled_back`: a rollback deployment (`rollback_of` = this one) is running / has finished.
         *
         *     | From | Event | To |
         *     |------|-------|----|
         *     | `created` | `start` | `running` |
         *     | `running` | `pause` | `paused` |
         *     | `paused` | `resume` | `running` |
         *     | `running` | `complete` | `completed` |
         *     | `running` | `fail` | `failed` |
         *     | `created`, `running`, `paused` | `abort` | `aborted` |
         *     | `running`, `paused`, `failed`, `completed` | `rollback_start` | `rolling_back` |
         *     | `rolling_back` | `rollback_done` | `rolled_back` |
         *     | `rolling_back` | `rollback_failed` | `failed` |
         * @enum {string}
         */
        DeploymentStatus: "created" | "running" | "paused" | "completed" | "failed" | "aborted" | "rolling_back" | "rolled_back";
        /**
         * @description The approval side of a task, independent of its execution.
         * @enum {string}
         */
        ApprovalStatus: "not_required" | "pending" | "approved" | "rejected" | "expired";
        /**
         * @description Who approved: the client's CT (`client`), the client's auto-approve preference
         *     (`auto_policy`), the deadline (`deadline`, with `on_deadline: auto_approve`), an
         *     admin (`admin_force`), or no approval was needed (`not_required`).
         * @enum {string}
         */
        ApprovalSource: "client" | "auto_policy" | "deadline" | "admin_force" | "not_required";
        /** @enum {string} */
        DeploymentType: "update" | "rollback";
        /** @description Number of tasks in each status (every status is present, 0 when none). */
        TaskCounts: {
            pending: number;
            pending_approval: number;
            approved: number;
            queued: number;
            in_progress: number;
            success: number;
            failed: number;
            timed_out: number;
            overdue: number;
            rolled_back: number;
            rejected: number;
            expired: number;
            cancelled: number;
        };
        /** @description One client's part of a deployment. */
        Task: {
            id: components["schemas"]["TaskId"];
            deployment_id: components["schemas"]["DeploymentId"];
            client_id: components["schemas"]["ClientId"];
            type: components["schemas"]["DeploymentType"];
            component: components["schemas"]["Component"];
            /** @description The version this task installs (for a rollback, the client's previous version). */
            version: components["schemas"]["ImageTag"];
            image_url: components["schemas"]["ImageReference"];
            /** @description The version the client ran before this task (what a rollback returns to); `null` when unknown. */
            previous_version: components["schemas"]["ImageTag"] | null;
            /**
             * @description Every component of the task's set, from → to (one entry for a single release; the
             *     first is `component`, `version`, `image_url` and `previous_version` above).
             */
            components: components["schemas"]["TaskComponent"][];
            status: components["schemas"]["TaskStatus"];
            approval_status: components["schemas"]["ApprovalStatus"];
            /** @description `null` until approved. */
            approval_source: components["schemas"]["ApprovalSource"] | null;
            /** Format: date-time */
            approved_at: string | null;
            /** @description The person who approved (or `system` for policy and deadline approvals). */
            approved_by: string | null;
            rejected_reason: string | null;
            /**
             * Format: date-time
             * @description Not queued before this time.
             */
            requested_start_time: string | null;
            /** @description Index of the task's stage in `Deployment.stages`; `null` while unplanned. */
            stage: number | null;
            /** @description The current attempt, 1 from the first `queued`; 0 before. */
            attempt: number;
            /**
             * Format: date-time
             * @description While `in_progress`, when the agent's lease expires.
             */
            lease_expires_at: string | null;
            /** @description The last message the agent (or the GCC) recorded. */
            last_message: string | null;
            /** @description The most recent log lines reported for the current attempt. */
            logs: string[];
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
        };
        TaskList: {
            items: components["schemas"]["Task"][];
            next_cursor: components["schemas"]["NextCursor"];
        };
        StageSummary: {
            index: number;
            /** @enum {string} */
            kind: "canary" | "batch";
            /** @description Number of tasks planned in this stage. */
            capacity: number;
            /**
             * @description `running`: tasks are queued or in progress. `holding`: every task settled but the stage has fewer
             *     successes than it needs (e.g. every client offline); nothing further is released until clients
             *     return, an admin acts, or `stage_hold_timeout_seconds` pauses the deployment. `waiting`: finished,
             *     in the wait before the next stage. `failed`: crossed its failure threshold.
             * @enum {string}
             */
            status: "pending" | "running" | "holding" | "waiting" | "succeeded" | "failed";
            /** @description Successes the stage needs before it can finish (0 for a stage not started). */
            required_successes: number;
            /** @description Why the stage failed or holds; `null` otherwise. */
            reason: string | null;
            /** Format: date-time */
            started_at: string | null;
            /** Format: date-time */
            finished_at: string | null;
            /**
             * Format: date-time
             * @description While `waiting`, when the next stage opens.
             */
            wait_until: string | null;
            task_counts: components["schemas"]["TaskCounts"];
        };
        /**
         * @description A rollout of one release — or of a release set, one release per component applied
         *     together — to many clients (`type: update`), or the rollback of an earlier deployment
         *     (`type: rollback`; `release_id`, `component`, `version` and `components` are those
         *     of the deployment being rolled back, and each task carries the versions it returns
         *     its client to). `release_id`, `component` and `version` are those of the set's first
         *     component (the only one of a single-component deployment).
         */
        Deployment: {
            id: components["schemas"]["DeploymentId"];
            type: components["schemas"]["DeploymentType"];
            release_id: components["schemas"]["ReleaseId"];
            component: components["schemas"]["Component"];
            version: components["schemas"]["ImageTag"];
            /** @description The release set, one entry per component; one entry for a single release. */
            components: components["schemas"]["SetComponent"][];
            /** @description For a rollback, the deployment it rolls back. */
            rollback_of: components["schemas"]["DeploymentId"] | null;
            /**
             * @description For a rollback, which clients of `rollback_of` it returns; for an update that was rolled back, the
             *     scope of its latest rollback; `null` otherwise. `failed_stage` and `clients` are partial: clients
             *     outside the scope keep the new version (their tasks stay `success`), and only the scope's tasks
             *     become `rolled_back`. `deployment` returns every client that ran the update.
             * @enum {string|null}
             */
            rollback_scope: "failed_stage" | "deployment" | "clients" | null;
            /** @description For an update, its latest rollback deployment; `null` when it was never rolled back. */
            rolled_back_by: components["schemas"]["DeploymentId"] | null;
            status: components["schemas"]["DeploymentStatus"];
            /** @description Why the deployment is `created` (waiting for its start time), `paused`, or `failed`; `null` otherwise. */
            status_reason: string | null;
            /**
             * Format: date-time
             * @description No task is queued before this time; until then the deployment stays `created`.
             */
            requested_start_time: string | null;
            /** @description The effective strategy, every default filled in. */
            strategy: components["schemas"]["Strategy"];
            approval: components["schemas"]["DeploymentApproval"];
            description: string | null;
            created_by: components["schemas"]["Actor"];
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
            /** Format: date-time */
            started_at: string | null;
            /** Format: date-time */
            finished_at: string | null;
            task_counts: components["schemas"]["TaskCounts"];
            stages: components["schemas"]["StageSummary"][];
        };
        DeploymentList: {
            items: components["schemas"]["Deployment"][];
            next_cursor: components["schemas"]["NextCursor"];
        };
        RollbackRequest: {
            /**
             * @description Default the deployment's `strategy.rollback.scope`.
             * @enum {string}
             */
            scope?: "failed_stage" | "deployment" | "clients";
            /** @description Required when `scope` is `clients`. */
            client_ids?: components["schemas"]["ClientId"][];
            reason?: string;
        };
        ForceApproveRequest: {
            approved_by: string;
            reason: string;
        };
        PendingApproval: {
            task_id: components["schemas"]["TaskId"];
            deployment_id: components["schemas"]["DeploymentId"];
            component: components["schemas"]["Component"];
            version: components["schemas"]["ImageTag"];
            image_url: components["schemas"]["ImageReference"];
            /**
             * @description What the approval covers: every component of the set with the version the client
             *     runs now (`previous_version`) and the one it would run. One approval for the whole set.
             */
            components: components["schemas"]["TaskComponent"][];
            release_metadata: components["schemas"]["Metadata"];
            /** @enum {string} */
            status: "pending_approval";
            /** Format: date-time */
            deadline: string | null;
            /** @enum {string} */
            on_deadline: "auto_approve" | "expire";
            /**
             * Format: date-time
             * @description When the task became visible to the client.
             */
            requested_at: string;
        };
        PendingApprovalList: {
            items: components["schemas"]["PendingApproval"][];
            next_cursor: components["schemas"]["NextCursor"];
        };
        ApproveRequest: {
            /** @description The person approving (for example their e-mail in the CT). */
            approved_by: string;
            /**
             * Format: date-time
             * @description Do not start before this time.
             */
            requested_start_time?: string;
        };
        RejectRequest: {
            rejected_by: string;
            reason: string;
        };
        /** @description What the agent applies. */
        Update: {
            task_id: components["schemas"]["TaskId"];
            deployment_id: components["schemas"]["DeploymentId"];
            type: components["schemas"]["DeploymentType"];
            component: components["schemas"]["Component"];
            /** @description The tag (or digest) to set. */
            version: components["schemas"]["ImageTag"];
            image_url: components["schemas"]["ImageReference"];
            /**
             * @description The release's image digest, `null` when it recorded none. When present, agents
             *     deploy `repository@<digest>` where their executor can (Kubernetes, docker compose)
             *     and Argo CD executors set the tag (`helm_parameter`) as before.
             */
            image_digest?: components["schemas"]["ImageDigest"] | null;
            /** @description What the client ran before, to restore if applying fails; `null` when unknown. */
            previous_version: components["schemas"]["ImageTag"] | null;
            /**
             * @description Every component to apply, as one change: the agent sets them all (Argo CD: one
             *     `app set` and one sync; Kubernetes: every Deployment, then waits for all rollouts;
             *     compose: every service, one `docker compose up -d`), verifies them all, and on
             *     failure returns them all to `previous_version`. The first entry is the top-level
             *     `component`, `version`, … fields (the only one of a single release). An agent that
             *     does not apply sets must refuse an update with more than one entry: its signature
             *     (`wrktalk-update/v2`) covers the whole list.
             */
            components: components["schemas"]["UpdateComponent"][];
            /** @description Report this attempt number in `reportStatus`. */
            attempt: number;
            /**
             * @description The Helm value holding the component's tag, set with `--helm-set-string <helm_parameter>=<version>`.
             * @example backend.image.tag
             */
            helm_parameter: string;
            /**
             * Format: date-time
             * @description Report (`in_progress` renews it) before this time or the attempt times out.
             */
            lease_expires_at: string;
            /** @description How long to wait for Synced + Healthy (or the rollout) before reporting `failed`. */
            verify_timeout_seconds: number;
            signature?: components["schemas"]["UpdateSignature"];
        };
        /**
         * @description The GCC's Ed25519 signature of the fields that decide what runs; present when the GCC
         *     is configured with a signing key. The signed message is the UTF-8 text of
         *     `JSON.stringify` (no whitespace) of the array
         *
         *     `["wrktalk-update/v1", client_id, task_id, attempt, type, component, version,
         *     image_url, image_digest, previous_version, helm_parameter, expires_at]`
         *
         *     for a single component; for a set of more than one (`components`), the context is
         *     `wrktalk-update/v2` and the array ends with one more element, the list of
         *     `[component, version, image_url, image_digest, previous_version, helm_parameter]`
         *     of every entry of `components` in order.
         *
         *     where `client_id` is the polling client's id (not in the offer: the agent uses its
         *     own), `image_digest` and `previous_version` are `null` when absent, and `expires_at`
         *     is this object's `expires_at` text byte for byte. An agent that pins keys refuses an
         *     unsigned, altered, expired or other client's offer and reports the attempt `failed`
         *     with a message starting `signature_invalid:`.
         */
        UpdateSignature: {
            /** @enum {string} */
            alg: "Ed25519";
            /** @description Id of the signing key as published at `/.well-known/wrktalk-signing-keys`. */
            key_id: string;
            /**
             * Format: date-time
             * @description The task's lease end (`lease_expires_at`): after it the attempt times out on the
             *     GCC anyway. A renewed lease re-signs the offer.
             */
            expires_at: string;
            /** @description The 64-byte Ed25519 signature, base64. */
            value: string;
        };
        SigningKey: {
            key_id: string;
            /** @enum {string} */
            alg: "Ed25519";
            /** @description The public key, SPKI PEM (`-----BEGIN PUBLIC KEY-----`). */
            public_key: string;
            /** @description `true` for the key that signs now, `false` for a previous key still published during a rotation. */
            current: boolean;
        };
        SigningKeys: {
            keys: components["schemas"]["SigningKey"][];
        };
        /** @description `update` is present exactly when `available` is true. */
        UpdatesResponse: {
            available: boolean;
            /** @description Wait this long before the next poll. */
            poll_after_seconds: number;
            update?: components["schemas"]["Update"];
        };
        StatusReport: {
            task_id: components["schemas"]["TaskId"];
            attempt: number;
            /** @enum {string} */
            status: "in_progress" | "success" | "failed";
            message?: string;
            /** @description The last log lines (kept on the task, at most 200). */
            logs?: string[];
            agent_version?: string;
        };
        StatusAccepted: {
            task_id: components["schemas"]["TaskId"];
            attempt: number;
            /**
             * @description The reported status.
             * @enum {string}
             */
            status: "in_progress" | "success" | "failed";
            /** @description The task's status after the report. */
            task_status: components["schemas"]["TaskStatus"];
            /** @description True when this exact report had already been accepted. */
            duplicate: boolean;
        };
        AuditEntry: {
            /** @description Opaque, unique id. */
            id: string;
            /** Format: date-time */
            at: string;
            actor: components["schemas"]["Actor"];
            /**
             * @description `<subject>.<verb>`, for example `release.create`, `client.update`, `token.create`, `task.approve`, `task.reject`, `task.force_approve`, `deployment.create`, `deployment.pause`, `deployment.rollback`, `client.update_settings`, `auto_approve_policy.create`, `auto_approve_policy.delete`.
             * @example task.approve
             */
            action: string;
            /** @enum {string} */
            subject_type: "release" | "client" | "token" | "deployment" | "task" | "auto_approve_policy";
            subject_id: string;
            deployment_id: components["schemas"]["DeploymentId"] | null;
            client_id: components["schemas"]["ClientId"] | null;
            /** @description The changed fields before the action; `null` for a creation. */
            before: {
                [key: string]: unknown;
            } | null;
            /** @description The changed fields after the action; `null` for a deletion. */
            after: {
                [key: string]: unknown;
            } | null;
        };
        AuditList: {
            items: components["schemas"]["AuditEntry"][];
            next_cursor: components["schemas"]["NextCursor"];
        };
        Health: {
            /** @enum {string} */
            status: "ok";
        };
        ReadinessCheck: {
            /** @enum {string} */
            status: "ok" | "unavailable";
            message: string | null;
        };
        Readiness: {
            /** @enum {string} */
            status: "ok" | "unavailable";
            /** @description Each dependency check by name (for example `database`). */
            checks: {
                [key: string]: components["schemas"]["ReadinessCheck"];
            };
        };
        /**
         * Format: email
         * @description An e-mail address (`local@domain`).
         * @example it-ops@adani.com
         */
        NotificationEmail: string;
        /** @description The settings a client's administrator manages from the CT. */
        ClientSettings: {
            client_id: components["schemas"]["ClientId"];
            timezone: components["schemas"]["Timezone"];
            /** @description Weekly windows in `timezone` during which updates may start; `[]` for any time. */
            maintenance_windows: components["schemas"]["MaintenanceWindow"][];
            /** @description Addresses the GCC e-mails about this client's updates (approval requests, results). */
            notification_emails: components["schemas"]["NotificationEmail"][];
            auto_approve: components["schemas"]["AutoApprovePreference"];
            /**
             * Format: date-time
             * @description When the client was last changed.
             */
            updated_at: string;
        };
        /** @description Each given field replaces the stored one as a whole; at least one field. */
        ClientSettingsPatch: {
            timezone?: components["schemas"]["Timezone"];
            maintenance_windows?: components["schemas"]["MaintenanceWindow"][];
            /** @description At most 20 distinct addresses (case-insensitive); `[]` for none. */
            notification_emails?: components["schemas"]["NotificationEmail"][];
            auto_approve?: components["schemas"]["AutoApprovePreference"];
        };
        /**
         * @description Policy id, a DNS label (lowercase letters, digits and `-`, 1..63 characters).
         * @example free-tier-ct
         */
        AutoApprovePolicyId: string;
        /** @description An admin auto-approve policy. */
        AutoApprovePolicy: {
            id: components["schemas"]["AutoApprovePolicyId"];
            /** @description Components it approves; `null` for every component. */
            components: components["schemas"]["Component"][] | null;
            /** @description Clients it approves for; `null` for every client. */
            label_selector: components["schemas"]["LabelSelector"] | null;
            description: string | null;
            created_by: components["schemas"]["Actor"];
            /** Format: date-time */
            created_at: string;
        };
        AutoApprovePolicyCreate: {
            /** @description A DNS label (see `AutoApprovePolicyId`); anything else is `422 invalid_policy`. */
            id: string;
            /** @description Components it approves (at least one); absent or `null` for every component. */
            components?: components["schemas"]["Component"][] | null;
            /** @description Clients it approves for; absent or `null` for every client. */
            label_selector?: components["schemas"]["LabelSelector"] | null;
            description?: string | null;
        };
        AutoApprovePolicyList: {
            items: components["schemas"]["AutoApprovePolicy"][];
            next_cursor: components["schemas"]["NextCursor"];
        };
        /** @description An auto-approve policy as a deployment applies it. */
        AutoApprovePolicyRule: {
            id: components["schemas"]["AutoApprovePolicyId"];
            components: components["schemas"]["Component"][] | null;
            label_selector: components["schemas"]["LabelSelector"] | null;
        };
        /** @description The effective approval policy of a deployment, every default filled in. */
        DeploymentApproval: {
            required: boolean;
            /** Format: date-time */
            deadline: string | null;
            /** @enum {string} */
            on_deadline: "auto_approve" | "expire";
            /** Format: date-time */
            visible_from: string | null;
            /**
             * @description The admin auto-approve policies as they were when the deployment was created (tried in this order
             *     after each client's own preference); later changes to the policies do not affect it.
             */
            auto_approve_policies: components["schemas"]["AutoApprovePolicyRule"][];
        };
        PlannedStage: {
            index: number;
            /** @enum {string} */
            kind: "canary" | "batch";
            /** @description Clients planned in this stage. */
            size: number;
            /** @description Wait after the stage before the next one opens. */
            wait_seconds: number;
        };
        /** @description What `createDeployment` would do with the same body; nothing was written. */
        DeploymentPreview: {
            /** @description Clients the targets resolve to (one task each). */
            matched: number;
            /** @description The first 20 matched clients by id. */
            sample: components["schemas"]["Client"][];
            /** @description The effective strategy, every default filled in. */
            strategy: components["schemas"]["Strategy"];
            approval: components["schemas"]["DeploymentApproval"];
            /** @description The stages the planner plans if every matched client approves. */
            stages: components["schemas"]["PlannedStage"][];
            /**
             * @description Matched tasks that would be approved at once (approval not required, a client's own
             *     auto-approve preference, or an admin auto-approve policy).
             */
            auto_approved: number;
        };
        /**
         * @description Stable machine-readable error code.
         *
         *     | Code | Status | Meaning |
         *     |------|--------|---------|
         *     | `malformed_json` | 400 | The body is not valid JSON. |
         *     | `malformed_request` | 400 | The request is not valid HTTP/1.1 (refused by the server's HTTP parser before any operation; the connection is closed). |
         *     | `validation_failed` | 400 | Body, path or query do not match this contract; see `errors`. |
         *     | `invalid_selector` | 400 | A label selector does not parse. |
         *     | `unauthorized` | 401 | Missing, unknown, expired or revoked bearer token. |
         *     | `forbidden` | 403 | The token's role or client scope does not allow this. |
         *     | `not_found` | 404 | The resource does not exist (or is not visible to this token). |
         *     | `release_conflict` | 409 | This component and version were recorded with a different body. |
         *     | `client_exists` | 409 | A client with this id exists. |
         *     | `policy_exists` | 409 | An auto-approve policy with this id exists. |
         *     | `idempotency_key_reused` | 409 | The Idempotency-Key was used with a different request, or its first answer holds a token secret only the bearer token that made it can read back. |
         *     | `illegal_transition` | 409 | The resource's current state does not allow this action. |
         *     | `stale_attempt` | 409 | A status report for an attempt that is no longer current. |
         *     | `request_timeout` | 408 | The request's header fields did not arrive in time (the connection is closed). |
         *     | `payload_too_large` | 413 | The body is too large. |
         *     | `unsupported_media_type` | 415 | The body's Content-Type is not accepted. |
         *     | `unknown_component` | 422 | The component is not managed by this GCC. |
         *     | `invalid_image_reference` | 422 | `image_url` does not reference the release's version, or differs from `image_digest`. |
         *     | `registry_not_allowed` | 422 | The registry of `image_url` is not on the GCC's registry allow-list. |
         *     | `invalid_release_set` | 422 | A release set names a missing release, a component twice, an unmanaged component, or images from different registries; see `errors`. |
         *     | `unknown_client` | 422 | A named client does not exist (or is not part of the deployment). |
         *     | `no_targets` | 422 | The targets select no client. |
         *     | `invalid_policy` | 422 | An auto-approve policy's id, components or selector is not usable; see `errors`. |
         *     | `rate_limited` | 429 | Too many requests; see `Retry-After`. |
         *     | `headers_too_large` | 431 | The request's header fields are larger than the server accepts (the connection is closed). |
         *     | `internal_error` | 500 | Unexpected server error. |
         *     | `unavailable` | 503 | A dependency is unavailable or the server is shutting down. |
         * @enum {string}
         */
        ProblemCode: "malformed_json" | "malformed_request" | "request_timeout" | "headers_too_large" | "validation_failed" | "unsupported_media_type" | "payload_too_large" | "unauthorized" | "forbidden" | "not_found" | "release_conflict" | "client_exists" | "policy_exists" | "idempotency_key_reused" | "illegal_transition" | "invalid_selector" | "unknown_client" | "invalid_release_set" | "unknown_component" | "invalid_image_reference" | "registry_not_allowed" | "no_targets" | "invalid_policy" | "stale_attempt" | "rate_limited" | "internal_error" | "unavailable";
        /** @description An RFC 9457 problem document. More members may be added; clients ignore unknown ones. */
        Problem: {
            /**
             * Format: uri-reference
             * @description `https://wrktalk.com/problems/<code>`.
             */
            type: string;
            /** @description Short human-readable summary of the problem type. */
            title: string;
            status: number;
            /** @description Human-readable explanation of this occurrence. */
            detail?: string;
            /**
             * Format: uri-reference
             * @description The request path.
             */
            instance?: string;
            code: components["schemas"]["ProblemCode"];
            /** @description For `validation_failed`, each problem found. */
            errors?: components["schemas"]["ProblemFieldError"][];
            /** @description Same as the `X-Request-Id` response header. */
            request_id?: string;
        };
        ProblemFieldError: {
            /**
             * @description JSON pointer (RFC 6901) into the request: body pointers like `/targets/selector`; parameters as `/query/limit`, `/path/client_id`, `/header/Idempotency-Key`.
             * @example /targets/client_ids/0
             */
            path: string;
            message: string;
        };
    };
    responses: {
        /** @description The request is malformed: `malformed_json` or `validation_failed` (body, path or query). */
        BadRequest: {
            headers: {
                "X-Request-Id": components["headers"]["X-Request-Id"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description `unauthorized`: the bearer token is missing, unknown, expired or revoked. */
        Unauthorized: {
            headers: {
                "X-Request-Id": components["headers"]["X-Request-Id"];
                /**
                 * @description Always `Bearer`.
                 * @example Bearer realm="gcc"
                 */
                "WWW-Authenticate"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description `forbidden`: the token's role may not call this operation. */
        Forbidden: {
            headers: {
                "X-Request-Id": components["headers"]["X-Request-Id"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description `not_found`: a resource named in the path (or the release named in the body) does not exist, or belongs to another client than the token's. */
        NotFound: {
            headers: {
                "X-Request-Id": components["headers"]["X-Request-Id"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description `idempotency_key_reused`: the Idempotency-Key was already used with a different body. */
        Conflict: {
            headers: {
                "X-Request-Id": components["headers"]["X-Request-Id"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description `illegal_transition`: the resource is not in a state that allows this action. */
        IllegalTransition: {
            headers: {
                "X-Request-Id": components["headers"]["X-Request-Id"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The request is well-formed but cannot be carried out: `no_targets` (the targets match no client) or `unknown_client` (a named client does not exist or is not part of the deployment). */
        UnprocessableEntity: {
            headers: {
                "X-Request-Id": components["headers"]["X-Request-Id"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description `payload_too_large`: the body exceeds the server limit (1 MiB by default). */
        PayloadTooLarge: {
            headers: {
                "X-Request-Id": components["headers"]["X-Request-Id"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description `unsupported_media_type`: the body is not sent as one of the documented media types. */
        UnsupportedMediaType: {
            headers: {
                "X-Request-Id": components["headers"]["X-Request-Id"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description `rate_limited`: slow down and retry after `Retry-After` seconds. */
        TooManyRequests: {
            headers: {
                "Retry-After": components["headers"]["Retry-After"];
                "X-Request-Id": components["headers"]["X-Request-Id"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description `internal_error`: an unexpected server error; safe requests may be retried. */
        InternalError: {
            headers: {
                "X-Request-Id": components["headers"]["X-Request-Id"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description `unavailable`: a dependency (database, queue) is unavailable or the server is shutting down; retry later. */
        ServiceUnavailable: {
            headers: {
                /**
                 * @description Seconds to wait before retrying, when known.
                 * @example 5
                 */
                "Retry-After"?: number;
                "X-Request-Id": components["headers"]["X-Request-Id"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
    };
    parameters: {
        /**
         * @description Opaque cursor from the previous page's `next_cursor`.
         * @example eyJjcmVhdGVkX2F0IjoiMjAyNS0xMS0yMFQwOToxNTowMFoifQ
         */
        Cursor: string;
        /**
         * @description Maximum number of items in the page.
         * @example 50
         */
        Limit: number;
        /**
         * @description Kubernetes label selector, for example `tier=premium,region in (eu,us)`.
         * @example tier=premium,region in (eu,us)
         */
        Selector: components["schemas"]["LabelSelector"];
        /**
         * @description Makes retries of this request safe: the same key with the same body replays the
         *     first response; with a different body it is `409 idempotency_key_reused`.
         * @example 5f0c6a8e-2b7d-4c1e-9a3f-8d2e6b4c0a17
         */
        IdempotencyKey: string;
        /**
         * @description Release id.
         * @example rel-01jdx4m7k2
         */
        ReleaseIdPath: components["schemas"]["ReleaseId"];
        /**
         * @description Client id.
         * @example adani-prod
         */
        ClientIdPath: components["schemas"]["ClientId"];
        /**
         * @description Deployment id.
         * @example dpl-123
         */
        DeploymentIdPath: components["schemas"]["DeploymentId"];
        /**
         * @description Task id.
         * @example tsk-4a7e9b2c
         */
        TaskIdPath: components["schemas"]["TaskId"];
        /**
         * @description Auto-approve policy id.
         * @example free-tier-ct
         */
        PolicyIdPath: components["schemas"]["AutoApprovePolicyId"];
        /**
         * @description Token id (from `createClientToken`), not the secret.
         * @example tok-5d2c8e1f
         */
        TokenIdPath: components["schemas"]["TokenId"];
    };
    requestBodies: never;
    headers: {
        /**
         * @description Identifies the request in the GCC's logs (echoed when the request sent one).
         * @example req-7d3f9a12c4
         */
        "X-Request-Id": string;
        /**
         * @description Entity tag of the answer; send it back in `If-None-Match`.
         * @example "u-9c1e5b"
         */
        ETag: string;
        /**
         * @description Seconds to wait before retrying.
         * @example 30
         */
        "Retry-After": number;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    listReleases: {
        parameters: {
            query?: {
                /**
                 * @description Only releases of this component.
                 * @example backend
                 */
                component?: components["schemas"]["Component"];
                /**
                 * @description Opaque cursor from the previous page's `next_cursor`.
                 * @example eyJjcmVhdGVkX2F0IjoiMjAyNS0xMS0yMFQwOToxNTowMFoifQ
                 */
                cursor?: components["parameters"]["Cursor"];
                /**
                 * @description Maximum number of items in the page.
                 * @example 50
                 */
                limit?: components["parameters"]["Limit"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of releases. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReleaseList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    createRelease: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description Makes retries of this request safe: the same key with the same body replays the
                 *     first response; with a different body it is `409 idempotency_key_reused`.
                 * @example 5f0c6a8e-2b7d-4c1e-9a3f-8d2e6b4c0a17
                 */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ReleaseCreate"];
            };
        };
        responses: {
            /** @description The same release was already recorded with the same body; it is returned unchanged. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Release"];
                };
            };
            /** @description Release recorded. */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Release"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description Conflict: `release_conflict` (same component and version, different body) or `idempotency_key_reused`. */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description The release is well-formed but not acceptable: `unknown_component`, `invalid_image_reference` or `registry_not_allowed`. */
            422: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getRelease: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Release id.
                 * @example rel-01jdx4m7k2
                 */
                release_id: components["parameters"]["ReleaseIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The release. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Release"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listClients: {
        parameters: {
            query?: {
                /**
                 * @description Kubernetes label selector, for example `tier=premium,region in (eu,us)`.
                 * @example tier=premium,region in (eu,us)
                 */
                selector?: components["parameters"]["Selector"];
                /**
                 * @description Opaque cursor from the previous page's `next_cursor`.
                 * @example eyJjcmVhdGVkX2F0IjoiMjAyNS0xMS0yMFQwOToxNTowMFoifQ
                 */
                cursor?: components["parameters"]["Cursor"];
                /**
                 * @description Maximum number of items in the page.
                 * @example 50
                 */
                limit?: components["parameters"]["Limit"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of clients. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ClientList"];
                };
            };
            /** @description `invalid_selector` or `validation_failed` (bad cursor or limit). */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    createClient: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description Makes retries of this request safe: the same key with the same body replays the
                 *     first response; with a different body it is `409 idempotency_key_reused`.
                 * @example 5f0c6a8e-2b7d-4c1e-9a3f-8d2e6b4c0a17
                 */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ClientCreate"];
            };
        };
        responses: {
            /** @description Client registered. */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Client"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description `client_exists` or `idempotency_key_reused`. */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getClient: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The client. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Client"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    updateClient: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/merge-patch+json": components["schemas"]["ClientPatch"];
                "application/json": components["schemas"]["ClientPatch"];
            };
        };
        responses: {
            /** @description The updated client. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Client"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    createClientToken: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description Makes retries of this request safe: the same key with the same body replays the
                 *     first response; with a different body it is `409 idempotency_key_reused`.
                 * @example 5f0c6a8e-2b7d-4c1e-9a3f-8d2e6b4c0a17
                 */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TokenCreate"];
            };
        };
        responses: {
            /** @description Token issued. Store `token` now; it cannot be read again. */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenIssued"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    revokeClientToken: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
                /**
                 * @description Token id (from `createClientToken`), not the secret.
                 * @example tok-5d2c8e1f
                 */
                token_id: components["parameters"]["TokenIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The token is revoked. */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    revokeToken: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Token id (from `createClientToken`), not the secret.
                 * @example tok-5d2c8e1f
                 */
                token_id: components["parameters"]["TokenIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The token is revoked. */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    whoami: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The caller's token. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Whoami"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getAutoApprove: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The preference. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AutoApprovePreference"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    setAutoApprove: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AutoApprovePreference"];
            };
        };
        responses: {
            /** @description The stored preference. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AutoApprovePreference"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description `unknown_component`: a listed component is not managed by this GCC. */
            422: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getClientSettings: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The settings. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ClientSettings"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    updateClientSettings: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ClientSettingsPatch"];
            };
        };
        responses: {
            /** @description The stored settings. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ClientSettings"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listClientTasks: {
        parameters: {
            query?: {
                /**
                 * @description Only tasks in this status.
                 * @example success
                 */
                status?: components["schemas"]["TaskStatus"];
                /**
                 * @description Opaque cursor from the previous page's `next_cursor`.
                 * @example eyJjcmVhdGVkX2F0IjoiMjAyNS0xMS0yMFQwOToxNTowMFoifQ
                 */
                cursor?: components["parameters"]["Cursor"];
                /**
                 * @description Maximum number of items in the page.
                 * @example 50
                 */
                limit?: components["parameters"]["Limit"];
            };
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of tasks. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listPendingApprovals: {
        parameters: {
            query?: {
                /**
                 * @description Opaque cursor from the previous page's `next_cursor`.
                 * @example eyJjcmVhdGVkX2F0IjoiMjAyNS0xMS0yMFQwOToxNTowMFoifQ
                 */
                cursor?: components["parameters"]["Cursor"];
                /**
                 * @description Maximum number of items in the page.
                 * @example 50
                 */
                limit?: components["parameters"]["Limit"];
            };
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of pending approvals. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PendingApprovalList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    approveTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
                /**
                 * @description Task id.
                 * @example tsk-4a7e9b2c
                 */
                task_id: components["parameters"]["TaskIdPath"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ApproveRequest"];
            };
        };
        responses: {
            /** @description The approved task. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /** @description `illegal_transition`: the task is no longer waiting for approval. */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    rejectTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
                /**
                 * @description Task id.
                 * @example tsk-4a7e9b2c
                 */
                task_id: components["parameters"]["TaskIdPath"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RejectRequest"];
            };
        };
        responses: {
            /** @description The rejected task. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /** @description `illegal_transition`: the task is no longer waiting for approval. */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getUpdates: {
        parameters: {
            query?: {
                /**
                 * @description Long-poll for up to this many seconds (0 answers at once).
                 * @example 30
                 */
                wait?: number;
            };
            header?: {
                /**
                 * @description The `ETag` of the previous answer.
                 * @example "u-9c1e5b"
                 */
                "If-None-Match"?: string;
            };
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The current offer (or that there is none). */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UpdatesResponse"];
                };
            };
            /** @description Nothing changed since the `ETag` sent in `If-None-Match`. */
            304: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    reportStatus: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Client id.
                 * @example adani-prod
                 */
                client_id: components["parameters"]["ClientIdPath"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["StatusReport"];
            };
        };
        responses: {
            /** @description The report was accepted (or was a duplicate). */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StatusAccepted"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /** @description `stale_attempt` or `illegal_transition`. */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listDeployments: {
        parameters: {
            query?: {
                /**
                 * @description Only deployments in this status.
                 * @example running
                 */
                status?: components["schemas"]["DeploymentStatus"];
                /**
                 * @description Opaque cursor from the previous page's `next_cursor`.
                 * @example eyJjcmVhdGVkX2F0IjoiMjAyNS0xMS0yMFQwOToxNTowMFoifQ
                 */
                cursor?: components["parameters"]["Cursor"];
                /**
                 * @description Maximum number of items in the page.
                 * @example 50
                 */
                limit?: components["parameters"]["Limit"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of deployments. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeploymentList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    createDeployment: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description Makes retries of this request safe: the same key with the same body replays the
                 *     first response; with a different body it is `409 idempotency_key_reused`.
                 * @example 5f0c6a8e-2b7d-4c1e-9a3f-8d2e6b4c0a17
                 */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DeploymentCreate"];
            };
        };
        responses: {
            /** @description Deployment created; `stages` shows the plan. */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Deployment"];
                };
            };
            /** @description `malformed_json`, `validation_failed` or `invalid_selector`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableEntity"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    previewDeployment: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DeploymentCreate"];
            };
        };
        responses: {
            /** @description What creating the deployment would do. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeploymentPreview"];
                };
            };
            /** @description `malformed_json`, `validation_failed` or `invalid_selector`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableEntity"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getDeployment: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description The `ETag` of the previous answer.
                 * @example "d-5c1f0e9a7b3d2c48"
                 */
                "If-None-Match"?: string;
            };
            path: {
                /**
                 * @description Deployment id.
                 * @example dpl-123
                 */
                deployment_id: components["parameters"]["DeploymentIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The deployment. */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Deployment"];
                };
            };
            /** @description Nothing changed since the `ETag` sent in `If-None-Match`. */
            304: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listDeploymentTasks: {
        parameters: {
            query?: {
                /**
                 * @description Only tasks in this status.
                 * @example failed
                 */
                status?: components["schemas"]["TaskStatus"];
                /**
                 * @description Only the task of this client.
                 * @example adani-prod
                 */
                client_id?: components["schemas"]["ClientId"];
                /**
                 * @description Only tasks placed in this stage (index in `Deployment.stages`).
                 * @example 1
                 */
                stage?: number;
                /**
                 * @description Only tasks whose client id contains this text (case-insensitive).
                 * @example adani
                 */
                q?: string;
                /**
                 * @description Opaque cursor from the previous page's `next_cursor`.
                 * @example eyJjcmVhdGVkX2F0IjoiMjAyNS0xMS0yMFQwOToxNTowMFoifQ
                 */
                cursor?: components["parameters"]["Cursor"];
                /**
                 * @description Maximum number of items in the page.
                 * @example 50
                 */
                limit?: components["parameters"]["Limit"];
            };
            header?: never;
            path: {
                /**
                 * @description Deployment id.
                 * @example dpl-123
                 */
                deployment_id: components["parameters"]["DeploymentIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of tasks. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    pauseDeployment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Deployment id.
                 * @example dpl-123
                 */
                deployment_id: components["parameters"]["DeploymentIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The paused deployment. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Deployment"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["IllegalTransition"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    resumeDeployment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Deployment id.
                 * @example dpl-123
                 */
                deployment_id: components["parameters"]["DeploymentIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The running deployment. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Deployment"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["IllegalTransition"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    abortDeployment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Deployment id.
                 * @example dpl-123
                 */
                deployment_id: components["parameters"]["DeploymentIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The aborted deployment. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Deployment"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["IllegalTransition"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    rollbackDeployment: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description Makes retries of this request safe: the same key with the same body replays the
                 *     first response; with a different body it is `409 idempotency_key_reused`.
                 * @example 5f0c6a8e-2b7d-4c1e-9a3f-8d2e6b4c0a17
                 */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path: {
                /**
                 * @description Deployment id.
                 * @example dpl-123
                 */
                deployment_id: components["parameters"]["DeploymentIdPath"];
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["RollbackRequest"];
            };
        };
        responses: {
            /** @description The new rollback deployment. */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Deployment"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /** @description `illegal_transition` or `idempotency_key_reused`. */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableEntity"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    forceApproveTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Deployment id.
                 * @example dpl-123
                 */
                deployment_id: components["parameters"]["DeploymentIdPath"];
                /**
                 * @description Task id.
                 * @example tsk-4a7e9b2c
                 */
                task_id: components["parameters"]["TaskIdPath"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ForceApproveRequest"];
            };
        };
        responses: {
            /** @description The approved task. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["IllegalTransition"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listAutoApprovePolicies: {
        parameters: {
            query?: {
                /**
                 * @description Opaque cursor from the previous page's `next_cursor`.
                 * @example eyJjcmVhdGVkX2F0IjoiMjAyNS0xMS0yMFQwOToxNTowMFoifQ
                 */
                cursor?: components["parameters"]["Cursor"];
                /**
                 * @description Maximum number of items in the page.
                 * @example 50
                 */
                limit?: components["parameters"]["Limit"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of policies. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AutoApprovePolicyList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    createAutoApprovePolicy: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description Makes retries of this request safe: the same key with the same body replays the
                 *     first response; with a different body it is `409 idempotency_key_reused`.
                 * @example 5f0c6a8e-2b7d-4c1e-9a3f-8d2e6b4c0a17
                 */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AutoApprovePolicyCreate"];
            };
        };
        responses: {
            /** @description The policy was created. */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AutoApprovePolicy"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description `policy_exists` or `idempotency_key_reused`. */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description `invalid_policy`: see `errors`. */
            422: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    deleteAutoApprovePolicy: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Auto-approve policy id.
                 * @example free-tier-ct
                 */
                policy_id: components["parameters"]["PolicyIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The policy is deleted. */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listAudit: {
        parameters: {
            query?: {
                /**
                 * @description Only entries about this deployment or its tasks.
                 * @example dpl-123
                 */
                deployment_id?: components["schemas"]["DeploymentId"];
                /**
                 * @description Only entries about this client or its tasks.
                 * @example adani-prod
                 */
                client_id?: components["schemas"]["ClientId"];
                /**
                 * @description Only entries by this actor (exact match).
                 * @example approver:adani-prod
                 */
                actor?: string;
                /**
                 * @description Opaque cursor from the previous page's `next_cursor`.
                 * @example eyJjcmVhdGVkX2F0IjoiMjAyNS0xMS0yMFQwOToxNTowMFoifQ
                 */
                cursor?: components["parameters"]["Cursor"];
                /**
                 * @description Maximum number of items in the page.
                 * @example 50
                 */
                limit?: components["parameters"]["Limit"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of audit entries. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getOpenApiYaml: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI document. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/yaml": string;
                };
            };
            500: components["responses"]["InternalError"];
        };
    };
    getOpenApiJson: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI document. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        openapi: string;
                        info: Record<string, never>;
                        paths: Record<string, never>;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
            500: components["responses"]["InternalError"];
        };
    };
    getSigningKeys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The published keys. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SigningKeys"];
                };
            };
            500: components["responses"]["InternalError"];
        };
    };
    healthz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alive. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    readyz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            500: components["responses"]["InternalError"];
            /** @description Not ready; `checks` says why. */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
        };
    };
    metrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The metrics. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            500: components["responses"]["InternalError"];
        };
    };
}
