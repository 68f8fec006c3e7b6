import { path, Transport } from './http';
import { compileGccClientOptions, type GccClientOptions } from './options';
import { schemaOf } from './schemas';
import type {
  ApproveRequest,
  AuditEntry,
  AutoApprovePolicy,
  AutoApprovePolicyCreate,
  AutoApprovePreference,
  Client,
  ClientCreate,
  ClientPatch,
  ClientSettings,
  ClientSettingsPatch,
  Deployment,
  DeploymentCreate,
  DeploymentPreview,
  ForceApproveRequest,
  Health,
  ListAuditQuery,
  ListAutoApprovePoliciesQuery,
  ListClientsQuery,
  ListClientTasksQuery,
  ListDeploymentsQuery,
  ListDeploymentTasksQuery,
  ListPendingApprovalsQuery,
  ListReleasesQuery,
  Page,
  PendingApproval,
  Readiness,
  RejectRequest,
  Release,
  ReleaseCreate,
  RollbackRequest,
  SigningKeys,
  StatusAccepted,
  StatusReport,
  Task,
  TokenCreate,
  TokenIssued,
  UpdatesResponse,
  Whoami,
} from './types';

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call. */
  signal?: AbortSignal;
}

/** Per-call options of calls that create something. */
export interface CreateOptions extends CallOptions {
  /**
   * The `Idempotency-Key` to send; a retried call reuses it, so the server creates the thing once.
   * @default a new random UUID per call
   */
  idempotencyKey?: string;
}

/** Release endpoints (roles `ci`, `admin`). */
export interface ReleasesApi {
  /** Records a release; posting the same component and version again with the same body returns the existing one. */
  create(body: ReleaseCreate, options?: CreateOptions): Promise<Release>;
  /** Lists releases, newest first. */
  list(query?: ListReleasesQuery, options?: CallOptions): Promise<Page<Release>>;
  /** Reads one release. */
  get(releaseId: string, options?: CallOptions): Promise<Release>;
}

/** Client registry endpoints (role `admin`). */
export interface ClientsApi {
  /** Registers a client. */
  create(body: ClientCreate, options?: CreateOptions): Promise<Client>;
  /** Lists clients, optionally filtered by a Kubernetes-style label selector. */
  list(query?: ListClientsQuery, options?: CallOptions): Promise<Page<Client>>;
  /** Reads one client. */
  get(clientId: string, options?: CallOptions): Promise<Client>;
  /** Changes a client with a JSON merge patch (`null` resets a field). */
  update(clientId: string, patch: ClientPatch, options?: CallOptions): Promise<Client>;
  /** Issues an agent or approver token for a client; the secret is returned only this once. */
  createToken(clientId: string, body: TokenCreate, options?: CreateOptions): Promise<TokenIssued>;
  /**
   * Revokes one of the client's tokens (at once, on every replica); revoking a revoked token again is fine. Rotate
   * without downtime: `createToken`, deploy the new secret, then `revokeToken` the old id.
   */
  revokeToken(clientId: string, tokenId: string, options?: CallOptions): Promise<void>;
  /** Reads the client's own settings (roles `approver` of that client, `admin`). */
  getSettings(clientId: string, options?: CallOptions): Promise<ClientSettings>;
  /**
   * Changes the client's own settings: each given field replaces the stored one (roles `approver` of that client,
   * `admin`). Every problem is listed in one `validation_failed` error.
   */
  updateSettings(
    clientId: string,
    patch: ClientSettingsPatch,
    options?: CallOptions,
  ): Promise<ClientSettings>;
  /** Lists the client's tasks across deployments, newest first (roles `approver` of that client, `admin`). */
  listTasks(clientId: string, query?: ListClientTasksQuery, options?: CallOptions): Promise<Page<Task>>;
}

/** Approval endpoints used by a client's CT (role `approver` of that client, or `admin`). */
export interface ApprovalsApi {
  /** Lists the updates waiting for this client's decision. */
  listPending(
    clientId: string,
    query?: ListPendingApprovalsQuery,
    options?: CallOptions,
  ): Promise<Page<PendingApproval>>;
  /** Approves an update, optionally not before `requested_start_time`. */
  approve(clientId: string, taskId: string, body: ApproveRequest, options?: CallOptions): Promise<Task>;
  /** Rejects an update with a reason; the agent will never run it. */
  reject(clientId: string, taskId: string, body: RejectRequest, options?: CallOptions): Promise<Task>;
  /** Reads the client's auto-approve preference. */
  getAutoApprove(clientId: string, options?: CallOptions): Promise<AutoApprovePreference>;
  /** Replaces the client's auto-approve preference. */
  setAutoApprove(
    clientId: string,
    body: AutoApprovePreference,
    options?: CallOptions,
  ): Promise<AutoApprovePreference>;
}

/** Answer of {@link AgentApi.getUpdates}: a fresh offer, or "nothing changed since your ETag". */
export type UpdatesResult =
  | { notModified: false; etag: string | undefined; body: UpdatesResponse }
  | { notModified: true; etag: string | undefined };

/** Options of {@link AgentApi.getUpdates}. */
export interface GetUpdatesOptions extends CallOptions {
  /** ETag of the previous answer: the server answers 304 when nothing changed. */
  etag?: string | undefined;
  /**
   * Long-poll: the server holds the request up to this many seconds (0–60) waiting for a change.
   * @default 0
   */
  waitSeconds?: number;
}

/** Answer of {@link DeploymentsApi.watch}: the deployment when it changed, or "nothing changed since your ETag". */
export type DeploymentWatchResult =
  | { notModified: false; etag: string | undefined; deployment: Deployment }
  | { notModified: true; etag: string | undefined };

/** Agent endpoints (role `agent` of that client). */
export interface AgentApi {
  /** Asks for the approved update meant for this client. */
  getUpdates(clientId: string, options?: GetUpdatesOptions): Promise<UpdatesResult>;
  /** Reports progress or the outcome of a task; idempotent per (task_id, attempt, status). */
  reportStatus(clientId: string, body: StatusReport, options?: CallOptions): Promise<StatusAccepted>;
}

/** Deployment endpoints (role `admin`). */
export interface DeploymentsApi {
  /** Creates a deployment with one task per targeted client. */
  create(body: DeploymentCreate, options?: CreateOptions): Promise<Deployment>;
  /** Lists deployments, newest first. */
  list(query?: ListDeploymentsQuery, options?: CallOptions): Promise<Page<Deployment>>;
  /** Reads a deployment with its stages and task counts. */
  get(deploymentId: string, options?: CallOptions): Promise<Deployment>;
  /**
   * Reads a deployment only if it changed: pass the `etag` of the previous answer (none the first time); while
   * nothing in the deployment, its stages or its task counts changed the server answers 304, returned as
   * `{ notModified: true }`. Poll it every few seconds for a live view instead of listing tasks.
   */
  watch(deploymentId: string, etag?: string, options?: CallOptions): Promise<DeploymentWatchResult>;
  /** What `create` would do with this body (matched clients, plan, auto-approvals), without creating anything. */
  preview(body: DeploymentCreate, options?: CallOptions): Promise<DeploymentPreview>;
  /** Lists a deployment's tasks. */
  listTasks(
    deploymentId: string,
    query?: ListDeploymentTasksQuery,
    options?: CallOptions,
  ): Promise<Page<Task>>;
  /** Pauses: no new tasks are released; running ones finish. */
  pause(deploymentId: string, options?: CallOptions): Promise<Deployment>;
  /** Resumes a paused deployment. */
  resume(deploymentId: string, options?: CallOptions): Promise<Deployment>;
  /** Aborts: nothing new is released and pending tasks are cancelled. */
  abort(deploymentId: string, options?: CallOptions): Promise<Deployment>;
  /** Starts a rollback deployment that returns clients to their own previous versions. */
  rollback(deploymentId: string, body?: RollbackRequest, options?: CreateOptions): Promise<Deployment>;
  /** Approves a task on the client's behalf. */
  forceApprove(
    deploymentId: string,
    taskId: string,
    body: ForceApproveRequest,
    options?: CallOptions,
  ): Promise<Task>;
}

/** Admin auto-approve policies (role `admin`). */
export interface AutoApprovePoliciesApi {
  /** Lists the policies by id. */
  list(query?: ListAutoApprovePoliciesQuery, options?: CallOptions): Promise<Page<AutoApprovePolicy>>;
  /** Creates a policy; it applies to deployments created from now on. */
  create(body: AutoApprovePolicyCreate, options?: CreateOptions): Promise<AutoApprovePolicy>;
  /** Deletes a policy (deployments created before keep it). */
  delete(policyId: string, options?: CallOptions): Promise<void>;
}

/** Audit log endpoint (role `admin`). */
export interface AuditApi {
  /** Lists audit entries, newest first. */
  list(query?: ListAuditQuery, options?: CallOptions): Promise<Page<AuditEntry>>;
}

/** The caller's own token (any role). */
export interface AuthApi {
  /**
   * What this client's token is: `token_id` (`null` for a secret configured on the GCC), `role`, `client_id` (approver
   * and agent tokens), `name` (admin and CI tokens) and `expires_at`. Changes nothing on the GCC (an agent's call is
   * no heartbeat and picks up no task). A missing, unknown, expired or revoked token throws `GccHttpError` 401.
   */
  whoami(options?: CallOptions): Promise<Whoami>;
  /**
   * Revokes an issued token of any role by id (admin only): an admin or CI token issued with a name, or a client's
   * agent or approver token. At once on every replica; revoking a revoked token again is fine; an unknown id throws
   * `GccHttpError` 404. Tokens configured in the GCC's environment have no id.
   */
  revokeToken(tokenId: string, options?: CallOptions): Promise<void>;
}

/** Health endpoints (no auth). */
export interface HealthApi {
  /** Liveness. */
  healthz(options?: CallOptions): Promise<Health>;
  /** Readiness with each dependency's check (a 503 is returned as data, not thrown). */
  readyz(options?: CallOptions): Promise<Readiness>;
  /** Prometheus metrics text. */
  metrics(options?: CallOptions): Promise<string>;
  /** The public keys that sign offered updates (`/.well-known/wrktalk-signing-keys`; empty when the GCC does not sign). */
  signingKeys(options?: CallOptions): Promise<SigningKeys>;
}

/** Typed client of the GCC API, grouped by role. */
export interface GccClient {
  releases: ReleasesApi;
  clients: ClientsApi;
  approvals: ApprovalsApi;
  agent: AgentApi;
  deployments: DeploymentsApi;
  autoApprovePolicies: AutoApprovePoliciesApi;
  audit: AuditApi;
  /** The caller's own token (any role). */
  auth: AuthApi;
  health: HealthApi;
}

/** Creates a typed client of the GCC API. Throws `GccOptionsError` for options that cannot work. */
export function createGccClient(options: GccClientOptions): GccClient {
  const t = new Transport(compileGccClientOptions(options));
  const key = (o?: CreateOptions) => o?.idempotencyKey ?? (true as const);
  const data = async <T>(p: Promise<{ data: T | undefined }>): Promise<T> => (await p).data as T;
  const v1 = '/api/v1';

  const releases: ReleasesApi = {
    create: (body, o) =>
      data(
        t.call({
          method: 'POST',
          path: `${v1}/releases`,
          body,
          idempotencyKey: key(o),
          schema: schemaOf('Release'),
          signal: o?.signal,
        }),
      ),
    list: (query, o) =>
      data(
        t.call({
          method: 'GET',
          path: `${v1}/releases`,
          query,
          schema: schemaOf('ReleaseList'),
          signal: o?.signal,
        }),
      ),
    get: (id, o) =>
      data(
        t.call({
          method: 'GET',
          path: path`/api/v1/releases/${id}`,
          schema: schemaOf('Release'),
          signal: o?.signal,
        }),
      ),
  };

  const clients: ClientsApi = {
    create: (body, o) =>
      data(
        t.call({
          method: 'POST',
          path: `${v1}/clients`,
          body,
          idempotencyKey: key(o),
          schema: schemaOf('Client'),
          signal: o?.signal,
        }),
      ),
    list: (query, o) =>
      data(
        t.call({
          method: 'GET',
          path: `${v1}/clients`,
          query,
          schema: schemaOf('ClientList'),
          signal: o?.signal,
        }),
      ),
    get: (id, o) =>
      data(
        t.call({
          method: 'GET',
          path: path`/api/v1/clients/${id}`,
          schema: schemaOf('Client'),
          signal: o?.signal,
        }),
      ),
    update: (id, patch, o) =>
      data(
        t.call({
          method: 'PATCH',
          path: path`/api/v1/clients/${id}`,
          body: patch,
          contentType: 'application/merge-patch+json',
          schema: schemaOf('Client'),
          signal: o?.signal,
        }),
      ),
    createToken: (id, body, o) =>
      data(
        t.call({
          method: 'POST',
          path: path`/api/v1/clients/${id}/tokens`,
          body,
          idempotencyKey: key(o),
          schema: schemaOf('TokenIssued'),
          signal: o?.signal,
        }),
      ),
    revokeToken: async (id, tokenId, o) => {
      await t.call({
        method: 'DELETE',
        path: path`/api/v1/clients/${id}/tokens/${tokenId}`,
        schema: 'text',
        signal: o?.signal,
      });
    },
    getSettings: (id, o) =>
      data(
        t.call({
          method: 'GET',
          path: path`/api/v1/clients/${id}/settings`,
          schema: schemaOf('ClientSettings'),
          signal: o?.signal,
        }),
      ),
    updateSettings: (id, patch, o) =>
      data(
        t.call({
          method: 'PATCH',
          path: path`/api/v1/clients/${id}/settings`,
          body: patch,
          schema: schemaOf('ClientSettings'),
          signal: o?.signal,
        }),
      ),
    listTasks: (id, query, o) =>
      data(
        t.call({
          method: 'GET',
          path: path`/api/v1/clients/${id}/tasks`,
          query,
          schema: schemaOf('TaskList'),
          signal: o?.signal,
        }),
      ),
  };

  const approvals: ApprovalsApi = {
    listPending: (id, query, o) =>
      data(
        t.call({
          method: 'GET',
          path: path`/api/v1/clients/${id}/pending-approvals`,
          query,
          schema: schemaOf('PendingApprovalList'),
          signal: o?.signal,
        }),
      ),
    approve: (id, taskId, body, o) =>
      data(
        t.call({
          method: 'POST',
          path: path`/api/v1/clients/${id}/pending-approvals/${taskId}/approve`,
          body,
          schema: schemaOf('Task'),
          signal: o?.signal,
        }),
      ),
    reject: (id, taskId, body, o) =>
      data(
        t.call({
          method: 'POST',
          path: path`/api/v1/clients/${id}/pending-approvals/${taskId}/reject`,
          body,
          schema: schemaOf('Task'),
          signal: o?.signal,
        }),
      ),
    getAutoApprove: (id, o) =>
      data(
        t.call({
          method: 'GET',
          path: path`/api/v1/clients/${id}/auto-approve`,
          schema: schemaOf('AutoApprovePreference'),
          signal: o?.signal,
        }),
      ),
    setAutoApprove: (id, body, o) =>
      data(
        t.call({
          method: 'PUT',
          path: path`/api/v1/clients/${id}/auto-approve`,
          body,
          schema: schemaOf('AutoApprovePreference'),
          signal: o?.signal,
        }),
      ),
  };

  const agent: AgentApi = {
    getUpdates: async (id, o) => {
      const waitSeconds = o?.waitSeconds ?? 0;
      const r = await t.call({
        method: 'GET',
        path: path`/api/v1/clients/${id}/updates`,
        query: { wait: waitSeconds || undefined },
        headers: { 'if-none-match': o?.etag },
        schema: schemaOf('UpdatesResponse'),
        allowNotModified: true,
        extraTimeoutMs: waitSeconds * 1000,
        signal: o?.signal,
      });
      const etag = r.headers.get('etag') ?? undefined;
      return r.status === 304 ? { notModified: true, etag } : { notModified: false, etag, body: r.data! };
    },
    reportStatus: (id, body, o) =>
      data(
        t.call({
          method: 'POST',
          path: path`/api/v1/clients/${id}/status`,
          body,
          // A status report is idempotent per (task_id, attempt, status) by contract, so it is safe to retry.
          idempotencyKey: `${body.task_id}:${body.attempt}:${body.status}`,
          schema: schemaOf('StatusAccepted'),
          signal: o?.signal,
        }),
      ),
  };

  const action = (verb: 'pause' | 'resume' | 'abort') => (id: string, o?: CallOptions) =>
    data(
      t.call({
        method: 'POST',
        path: path`/api/v1/deployments/${id}/${verb}`,
        schema: schemaOf('Deployment'),
        signal: o?.signal,
      }),
    );

  const deployments: DeploymentsApi = {
    create: (body, o) =>
      data(
        t.call({
          method: 'POST',
          path: `${v1}/deployments`,
          body,
          idempotencyKey: key(o),
          schema: schemaOf('Deployment'),
          signal: o?.signal,
        }),
      ),
    list: (query, o) =>
      data(
        t.call({
          method: 'GET',
          path: `${v1}/deployments`,
          query,
          schema: schemaOf('DeploymentList'),
          signal: o?.signal,
        }),
      ),
    get: (id, o) =>
      data(
        t.call({
          method: 'GET',
          path: path`/api/v1/deployments/${id}`,
          schema: schemaOf('Deployment'),
          signal: o?.signal,
        }),
      ),
    watch: async (id, etag, o) => {
      const r = await t.call({
        method: 'GET',
        path: path`/api/v1/deployments/${id}`,
        headers: { 'if-none-match': etag },
        schema: schemaOf('Deployment'),
        allowNotModified: true,
        signal: o?.signal,
      });
      const tag = r.headers.get('etag') ?? undefined;
      return r.status === 304
        ? { notModified: true, etag: tag ?? etag }
        : { notModified: false, etag: tag, deployment: r.data! };
    },
    preview: (body, o) =>
      data(
        t.call({
          method: 'POST',
          path: `${v1}/deployments/preview`,
          body,
          schema: schemaOf('DeploymentPreview'),
          signal: o?.signal,
        }),
      ),
    listTasks: (id, query, o) =>
      data(
        t.call({
          method: 'GET',
          path: path`/api/v1/deployments/${id}/tasks`,
          query,
          schema: schemaOf('TaskList'),
          signal: o?.signal,
        }),
      ),
    pause: action('pause'),
    resume: action('resume'),
    abort: action('abort'),
    rollback: (id, body, o) =>
      data(
        t.call({
          method: 'POST',
          path: path`/api/v1/deployments/${id}/rollback`,
          body: body ?? {},
          idempotencyKey: key(o),
          schema: schemaOf('Deployment'),
          signal: o?.signal,
        }),
      ),
    forceApprove: (id, taskId, body, o) =>
      data(
        t.call({
          method: 'POST',
          path: path`/api/v1/deployments/${id}/tasks/${taskId}/force-approve`,
          body,
          schema: schemaOf('Task'),
          signal: o?.signal,
        }),
      ),
  };

  const autoApprovePolicies: AutoApprovePoliciesApi = {
    list: (query, o) =>
      data(
        t.call({
          method: 'GET',
          path: `${v1}/auto-approve-policies`,
          query,
          schema: schemaOf('AutoApprovePolicyList'),
          signal: o?.signal,
        }),
      ),
    create: (body, o) =>
      data(
        t.call({
          method: 'POST',
          path: `${v1}/auto-approve-policies`,
          body,
          idempotencyKey: key(o),
          schema: schemaOf('AutoApprovePolicy'),
          signal: o?.signal,
        }),
      ),
    delete: async (id, o) => {
      await t.call({
        method: 'DELETE',
        path: path`/api/v1/auto-approve-policies/${id}`,
        schema: 'text',
        signal: o?.signal,
      });
    },
  };

  const audit: AuditApi = {
    list: (query, o) =>
      data(
        t.call({
          method: 'GET',
          path: `${v1}/audit`,
          query,
          schema: schemaOf('AuditList'),
          signal: o?.signal,
        }),
      ),
  };

  const auth: AuthApi = {
    whoami: (o) =>
      data(t.call({ method: 'GET', path: `${v1}/whoami`, schema: schemaOf('Whoami'), signal: o?.signal })),
    revokeToken: async (tokenId, o) => {
      await t.call({
        method: 'DELETE',
        path: path`/api/v1/tokens/${tokenId}`,
        schema: 'text',
        signal: o?.signal,
      });
    },
  };

  const health: HealthApi = {
    healthz: (o) =>
      data(t.call({ method: 'GET', path: '/healthz', schema: schemaOf('Health'), signal: o?.signal })),
    readyz: (o) =>
      data(
        t.call({
          method: 'GET',
          path: '/readyz',
          schema: schemaOf('Readiness'),
          acceptStatuses: [503],
          signal: o?.signal,
        }),
      ),
    metrics: (o) => data(t.call({ method: 'GET', path: '/metrics', schema: 'text', signal: o?.signal })),
    signingKeys: (o) =>
      data(
        t.call({
          method: 'GET',
          path: '/.well-known/wrktalk-signing-keys',
          schema: schemaOf('SigningKeys'),
          signal: o?.signal,
        }),
      ),
  };

  return { releases, clients, approvals, agent, deployments, autoApprovePolicies, audit, auth, health };
}

/**
 * Walks every page of a list call: `for await (const r of paginate((cursor) => gcc.releases.list({ cursor })))`.
 */
export async function* paginate<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
): AsyncGenerator<T, void, undefined> {
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    yield* page.items;
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
}
