import {
  APPROVAL_SOURCE,
  type ApprovalSource,
  approvalEventFor,
  approvalStatusOf,
  auditedPerTask,
  byPointer,
  compileApprovalPolicy,
  type DeploymentEvent,
  decideApproval,
  effectiveStartTime,
  FAILED_TASK_STATUSES,
  FINISHED_TASK_STATUSES,
  type HistoryEntry,
  immediateStrategy,
  isTaskStatusIn,
  type LabelRequirement,
  matchesSelector,
  parseSelector,
  planSetRollback,
  type ReleaseSetMember,
  type RollbackScope,
  releaseSetProblems,
  resolveStrategy,
  TASK_STATUSES,
  type TaskEvent,
  thresholdCrossed,
  transition,
  transitionDeployment,
} from '@wrktalk/rollout-planner';
import { getResponse, type HttpHandler, HttpResponse, http } from 'msw';
import { bearerTokenOf, tokenExpiryOf } from '../auth';
import { OPENAPI_JSON, OPENAPI_YAML } from '../generated/openapi-document';
import { type OfferedComponent, updateOf } from '../offer';
import {
  ACTOR,
  type CheckedQuery,
  CURSOR,
  checkQueryParams,
  type FieldError,
  issuesToErrors,
  LIMIT,
  type QuerySpec,
  SEARCH,
  STAGE,
  WAIT,
} from '../params';
import { plannedStages, plannerPoliciesOf, policyRuleOf } from '../preview';
import { imageLocation } from '../registry';
import { type SchemaName, type Schemas, schemaOf } from '../schemas';
import { autoApprovePolicyProblems, clientSettingsProblems, withRules } from '../settings';
import { effectiveStrategy, strategyFromWire, validateDeploymentPolicy } from '../strategy';
import type {
  AuditEntry,
  AutoApprovePolicy,
  Client,
  ClientSettings,
  Deployment,
  DeploymentStatus,
  Release,
  Task,
  UpdatesResponse,
} from '../types';
import { FakeProblem } from './problems';

/** Options of {@link createFakeGcc}. */
export interface FakeGccOptions {
  /**
   * Token with the `admin` role.
   * @default 'admin-token'
   */
  adminToken?: string;
  /**
   * Token with the `ci` role.
   * @default 'ci-token'
   */
  ciToken?: string;
  /**
   * Components the fake manages.
   * @default ['backend', 'media', 'ct']
   */
  components?: string[];
  /**
   * The clock.
   * @default () => new Date()
   */
  now?: () => Date;
  /**
   * `poll_after_seconds` told to agents.
   * @default 30
   */
  pollAfterSeconds?: number;
  /**
   * Lease of a picked-up task, in seconds.
   * @default 900
   */
  leaseSeconds?: number;
  /**
   * Largest accepted request body, in bytes.
   * @default 1_048_576
   */
  maxBodyBytes?: number;
}

/** Everything the fake holds, for assertions in tests. */
export interface FakeGccState {
  releases: Release[];
  clients: Map<string, Client>;
  deployments: Map<string, Deployment>;
  tasks: Map<string, Task>;
  audit: AuditEntry[];
  /** Admin auto-approve policies by id. */
  policies: Map<string, AutoApprovePolicy>;
  /** Each client's notification addresses (`ClientSettings.notification_emails`). */
  notificationEmails: Map<string, string[]>;
}

/** An in-memory GCC that speaks the whole `openapi/gcc.yaml` contract, for tests and local development. */
export interface FakeGcc {
  /** msw request handlers (they match any origin), for `setupServer(...fake.handlers)`. */
  readonly handlers: HttpHandler[];
  /** A fetch that answers from the fake: `createGccClient({ baseUrl, fetch: fake.fetch })`. */
  readonly fetch: typeof globalThis.fetch;
  /** Answers one request. */
  handle(request: Request): Promise<Response>;
  /** The fake's data. */
  readonly state: FakeGccState;
  /** Issues a token for a client without going through the API. */
  issueToken(clientId: string, role: 'agent' | 'approver'): string;
  /**
   * Calls `listener` after each change of tasks or deployments (what wakes the fake's long polls), so a test waits
   * on the change instead of polling `state`. Returns the unsubscribe.
   */
  onChange(listener: () => void): () => void;
}

type Role = 'admin' | 'ci' | 'approver' | 'agent';
interface Principal {
  role: Role;
  clientId?: string;
  name: string;
  /** The stored token's id (`whoami`); none for the configured admin and CI secrets. */
  tokenId?: string;
  /** When the token expires (epoch ms), if it does. */
  expiresMs?: number;
}

type Query = CheckedQuery;

const PAGE = { cursor: CURSOR, limit: LIMIT };

/** The schema of each path parameter. */
const PATH_SCHEMAS: Record<string, SchemaName> = {
  release_id: 'ReleaseId',
  client_id: 'ClientId',
  deployment_id: 'DeploymentId',
  task_id: 'TaskId',
  token_id: 'TokenId',
  policy_id: 'AutoApprovePolicyId',
};

/**
 * Creates an in-memory fake of the GCC. It implements every operation of the contract with its auth, validation,
 * idempotency, pagination, ETag and state rules. The rules come from `@wrktalk/rollout-planner` (transitions,
 * status sets, initial approvals, rollback targets) and the problem table from this package, never a copy.
 * It does not stage: a deployment is one stage holding every task, an approved task is released as soon as its
 * deployment runs and its start time has come, and nothing times out on its own.
 */
export function createFakeGcc(options: FakeGccOptions = {}): FakeGcc {
  const adminToken = options.adminToken ?? 'admin-token';
  const ciToken = options.ciToken ?? 'ci-token';
  const components = new Set(options.components ?? ['backend', 'media', 'ct']);
  const now = options.now ?? (() => new Date());
  const pollAfterSeconds = options.pollAfterSeconds ?? 30;
  const leaseSeconds = options.leaseSeconds ?? 900;
  const maxBodyBytes = options.maxBodyBytes ?? 1_048_576;

  const state: FakeGccState = {
    releases: [],
    clients: new Map(),
    deployments: new Map(),
    tasks: new Map(),
    audit: [],
    policies: new Map(),
    notificationEmails: new Map(),
  };
  const tokens = new Map<string, Principal>([
    [adminToken, { role: 'admin', name: 'admin' }],
    [ciToken, { role: 'ci', name: 'ci' }],
  ]);
  /** Client tokens by id (for revocation). */
  const tokenIds = new Map<string, { token: string; clientId: string }>();
  const idempotency = new Map<string, { fingerprint: string; status: number; body: string }>();
  const reports = new Set<string>();
  const listeners = new Set<() => void>();
  /** When each task last changed, as a sequence number: orders the history `planRollback` reads. */
  const changedAt = new Map<string, number>();
  let seq = 0;
  const id = (prefix: string) => `${prefix}-${(++seq).toString(36).padStart(6, '0')}`;
  const iso = () => now().toISOString();
  const ms = (at: string | null | undefined) => (at == null ? null : Date.parse(at));
  const changed = () => {
    for (const l of [...listeners]) l();
  };

  // ---- helpers -------------------------------------------------------------------------------------------------

  /**
   * Starts an operation the way the real service does: bearer token (401), role (403), path parameters against
   * their schemas (400 at `/path/<name>`), a client-scoped token on another client (404, like an unknown client),
   * query parameters (400 at `/query/<name>`), and the `Idempotency-Key` header of creating POSTs.
   */
  function begin(
    request: Request,
    params: Readonly<Record<string, unknown>>,
    spec: {
      roles: Role[];
      query?: Record<string, QuerySpec>;
      idempotent?: boolean;
      /** The operation answers about the caller's own token (`whoami`): no client in the path to scope. */
      self?: boolean;
    },
  ): { who: Principal; query: Query } {
    const secret = bearerTokenOf(request.headers.get('authorization'));
    const found = secret === undefined ? undefined : tokens.get(secret);
    const who = found?.expiresMs !== undefined && found.expiresMs <= now().getTime() ? undefined : found;
    if (!who) throw new FakeProblem('unauthorized', 'A valid bearer token is required.');
    if (!spec.roles.includes(who.role)) {
      throw new FakeProblem('forbidden', `Role ${who.role} may not call this operation.`);
    }
    const pathErrors: FieldError[] = [];
    for (const [name, value] of Object.entries(params)) {
      const schema = PATH_SCHEMAS[name];
      if (!schema) continue;
      const r = schemaOf(schema, 'request').safeParse(value);
      if (!r.success) pathErrors.push(...issuesToErrors(r.error.issues, `/path/${name}`));
    }
    if (pathErrors.length) {
      throw new FakeProblem('validation_failed', `${pathErrors.length} problem(s) in the path.`, pathErrors);
    }
    if (who.clientId !== undefined && !spec.self && params.client_id !== who.clientId) {
      // Another client's resources do not exist for a client-scoped token: 404, like an unknown client.
      throw new FakeProblem('not_found', `No client ${String(params.client_id ?? '')} for this token.`);
    }
    const query = checkQuery(new URL(request.url), spec.query ?? {});
    if (spec.idempotent) {
      const key = request.headers.get('idempotency-key');
      if (key !== null && (key.length < 1 || key.length > 128)) {
        throw new FakeProblem('validation_failed', 'Idempotency-Key must be 1 to 128 characters.', [
          { path: '/header/Idempotency-Key', message: 'must be 1 to 128 characters' },
        ]);
      }
    }
    return { who, query };
  }

  /** Validates query parameters by the contract's rules (shared with the real service). */
  function checkQuery(url: URL, specs: Record<string, QuerySpec>): Query {
    const { values, errors } = checkQueryParams((name) => url.searchParams.getAll(name), specs);
    if (errors.length) {
      throw new FakeProblem('validation_failed', `${errors.length} problem(s) in the query.`, errors);
    }
    return values;
  }

  /** Parses a label selector or answers `invalid_selector` located at `path`. */
  function selectorOrThrow(selector: string, path: string): LabelRequirement[] {
    const parsed = parseSelector(selector);
    if (parsed.ok) return parsed.requirements;
    throw new FakeProblem(
      'invalid_selector',
      `Invalid selector: ${parsed.problems.map((p) => `${p.message} at ${p.position}`).join('; ')}`,
      parsed.problems.map((p) => ({ path, message: `${p.message} at position ${p.position}` })),
    );
  }

  /** The planner's validation of a deployment's strategy and approval policy, with the real service's answer. */
  function checkDeploymentPolicy(body: Pick<Schemas['DeploymentCreate'], 'strategy' | 'approval'>): void {
    const problems = validateDeploymentPolicy(body);
    if (problems) throw new FakeProblem(problems.code, problems.detail, problems.errors);
  }

  /**
   * What `createDeployment` and `previewDeployment` share before anything is written: the same checks in the same
   * order (strategy and approval policy, selector, release, named clients, no targets), the matched clients, the
   * effective strategy and approval policy (with the auto-approve policies of now, which the deployment keeps), and
   * the planner's initial approval decision for a client.
   */
  function resolveDeployment(body: Schemas['DeploymentCreate']) {
    checkDeploymentPolicy(body);
    const requirements =
      body.targets.selector !== undefined
        ? selectorOrThrow(body.targets.selector, '/targets/selector')
        : undefined;
    const { release, set } = resolveSet(body);
    const ids = body.targets.client_ids;
    const unknown = (ids ?? []).filter((c) => !state.clients.has(c));
    if (unknown.length) {
      throw new FakeProblem(
        'unknown_client',
        `Unknown clients: ${unknown.join(', ')}.`,
        unknown.map((c) => ({
          path: `/targets/client_ids/${(ids ?? []).indexOf(c)}`,
          message: `no client ${c}`,
        })),
      );
    }
    const targets = new Set(ids ?? []);
    if (requirements !== undefined) {
      for (const c of state.clients.values()) if (matchesSelector(c.labels, requirements)) targets.add(c.id);
    }
    if (targets.size === 0) throw new FakeProblem('no_targets', 'The targets select no client.');
    const approval: Schemas['DeploymentApproval'] = {
      required: body.approval?.required ?? true,
      deadline: body.approval?.deadline ?? null,
      on_deadline: body.approval?.on_deadline ?? 'expire',
      visible_from: body.approval?.visible_from ?? null,
      auto_approve_policies: [...state.policies.values()]
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map(policyRuleOf),
    };
    // The library's default: the planner's immediate strategy under the request's fields.
    const strategy = effectiveStrategy(body.strategy, { base: immediateStrategy });
    const policy = compileApprovalPolicy({
      requireApproval: approval.required,
      approvalDeadline: approval.deadline === null ? null : Date.parse(approval.deadline),
      onDeadline: approval.on_deadline,
      autoApprovePolicies: plannerPoliciesOf(approval.auto_approve_policies),
    });
    // A set is one approval: auto-approved only when the preference or policy covers every component of it.
    const setComponents = set.map((m) => m.component);
    const decide = (client: Client) =>
      decideApproval(
        'pending',
        { labels: client.labels, autoApprove: client.auto_approve },
        setComponents,
        policy,
        now().getTime(),
      );
    return { release, set, targets, approval, strategy, decide };
  }

  /**
   * What a deployment request deploys, as the real service resolves it: exactly one of `release_id` (one release,
   * `not_found` when unknown), `release_ids` or `versions` (`validation_failed` otherwise). A set is checked whole,
   * every problem at once (`invalid_release_set`, sorted by path): a missing release, and the planner's set rules
   * (`releaseSetProblems`: each component once, managed here, one registry).
   */
  function resolveSet(body: Schemas['DeploymentCreate']): {
    release: Release;
    set: Schemas['SetComponent'][];
  } {
    const named = (['release_id', 'release_ids', 'versions'] as const).filter((k) => body[k] !== undefined);
    if (named.length !== 1) {
      const errors = [
        {
          path: named.length ? `/${named[1]}` : '',
          message:
            named.length === 0
              ? 'name what to deploy: release_id, release_ids or versions'
              : `name exactly one of release_id, release_ids or versions (got ${named.join(', ')})`,
        },
      ];
      throw new FakeProblem('validation_failed', `${errors.length} problem(s) in the request.`, errors);
    }
    let rows: (Release | undefined)[];
    let paths: string[];
    const missing: FieldError[] = [];
    if (body.release_id !== undefined) {
      const one = state.releases.find((r) => r.id === body.release_id);
      if (!one) throw new FakeProblem('not_found', `No release ${body.release_id}.`);
      rows = [one];
      paths = ['/release_id'];
    } else if (body.release_ids !== undefined) {
      rows = body.release_ids.map((rid) => state.releases.find((r) => r.id === rid));
      paths = body.release_ids.map((_, i) => `/release_ids/${i}`);
      body.release_ids.forEach((rid, i) => {
        if (!rows[i]) missing.push({ path: paths[i]!, message: `no release ${rid}` });
      });
    } else {
      const wanted = Object.entries(body.versions!);
      rows = wanted.map(([c, v]) => state.releases.find((r) => r.component === c && r.version === v));
      paths = wanted.map(([c]) => `/versions/${c.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      wanted.forEach(([c, v], i) => {
        // An unmanaged component is reported by the set rules below, not as a missing release too.
        if (!rows[i] && components.has(c)) {
          missing.push({ path: paths[i]!, message: `no release of ${c} ${v} is registered` });
        }
      });
    }
    // A `versions` key with no release still counts for the component rules (e.g. an unmanaged component).
    const members: ReleaseSetMember[] = [];
    rows.forEach((r, i) => {
      if (r)
        members.push({
          component: r.component,
          registry: imageLocation(r.image_url).registry,
          path: paths[i]!,
        });
      else if (body.versions)
        members.push({ component: Object.keys(body.versions)[i]!, registry: null, path: paths[i]! });
    });
    const problems = [
      ...missing,
      ...releaseSetProblems(members, components).map(({ path, message }) => ({ path, message })),
    ].sort(byPointer);
    if (problems.length) {
      throw new FakeProblem(
        'invalid_release_set',
        problems.length === 1
          ? `The release set is not acceptable: ${problems[0]!.path}: ${problems[0]!.message}.`
          : `The release set is not acceptable (${problems.length} problems; see errors).`,
        problems,
      );
    }
    const found = rows as Release[];
    return {
      release: found[0]!,
      set: found.map((r) => ({
        component: r.component,
        release_id: r.id,
        version: r.version,
        image_url: r.image_url,
        image_digest: r.image_digest ?? null,
      })),
    };
  }

  /** A deployment's answer and its entity tag: it changes whenever anything in the answer does. */
  function taggedView(d: Deployment): { body: Deployment; etag: string } {
    const body = view(d);
    const text = JSON.stringify(body);
    // FNV-1a: the fake needs a stable tag, not a cryptographic one.
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    return { body, etag: `"d-${h.toString(16)}-${text.length.toString(16)}"` };
  }

  /** A client's own settings, as `getClientSettings` answers. */
  function settingsOf(c: Client): ClientSettings {
    return {
      client_id: c.id,
      timezone: c.timezone,
      maintenance_windows: c.maintenance_windows,
      notification_emails: state.notificationEmails.get(c.id) ?? [],
      auto_approve: c.auto_approve,
      updated_at: c.updated_at,
    };
  }

  function readBody<N extends SchemaName>(
    request: Request,
    name: N,
    types?: string[],
    optional?: false,
    also?: (json: unknown) => FieldError[],
  ): Promise<Schemas[N]>;
  function readBody<N extends SchemaName>(
    request: Request,
    name: N,
    types: string[] | undefined,
    optional: true,
  ): Promise<Schemas[N] | undefined>;
  /** `also`: the operation's rules past the schema, reported together with the schema's problems. */
  async function readBody<N extends SchemaName>(
    request: Request,
    name: N,
    types = ['application/json'],
    optional = false,
    also?: (json: unknown) => FieldError[],
  ): Promise<Schemas[N] | undefined> {
    const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const text = await request.text();
    // An optional body may be left out altogether (no content, no content type).
    if (optional && type === '' && text === '') return undefined;
    if (!types.includes(type)) {
      throw new FakeProblem('unsupported_media_type', `Send the body as ${types.join(' or ')}.`);
    }
    if (optional && text.trim() === '') return undefined;
    if (new TextEncoder().encode(text).length > maxBodyBytes) {
      throw new FakeProblem('payload_too_large', `The body is larger than ${maxBodyBytes} bytes.`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new FakeProblem('malformed_json', `The body is not valid JSON: ${(error as Error).message}`);
    }
    const r = schemaOf(name, 'request').safeParse(json);
    const errors = withRules(r.success ? [] : issuesToErrors(r.error.issues, ''), also?.(json) ?? []);
    if (r.success && errors.length === 0) return r.data;
    throw new FakeProblem('validation_failed', `${errors.length} problem(s) in the request.`, errors);
  }

  function page<T>(items: T[], query: Query): { items: T[]; next_cursor: string | null } {
    const limit = Number(query.limit);
    const cursor = query.cursor === undefined ? null : String(query.cursor);
    let offset = 0;
    if (cursor !== null) {
      let decoded = Number.NaN;
      try {
        const text = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
        if (text.startsWith('o:')) decoded = Number(text.slice(2));
      } catch {
        // not base64: reported below like any other cursor this server did not issue
      }
      if (!Number.isInteger(decoded) || decoded < 0) {
        throw new FakeProblem('validation_failed', 'cursor is not one this server issued.', [
          { path: '/query/cursor', message: 'unknown cursor' },
        ]);
      }
      offset = decoded;
    }
    const slice = items.slice(offset, offset + limit);
    const next = offset + limit < items.length ? btoa(`o:${offset + limit}`).replace(/=+$/, '') : null;
    return { items: slice, next_cursor: next };
  }

  function audit(
    actor: Principal | 'system',
    action: string,
    subjectType: AuditEntry['subject_type'],
    subjectId: string,
    extra: Partial<AuditEntry> = {},
  ) {
    state.audit.push({
      id: `aud-${state.audit.length + 1}`,
      at: iso(),
      actor: actor === 'system' ? 'system' : `${actor.role}:${actor.name}`,
      action,
      subject_type: subjectType,
      subject_id: subjectId,
      deployment_id: null,
      client_id: null,
      before: null,
      after: null,
      ...extra,
    });
  }

  function getClientOr404(clientId: string): Client {
    const c = state.clients.get(clientId);
    if (!c) throw new FakeProblem('not_found', `No client ${clientId}.`);
    return c;
  }

  function getDeploymentOr404(deploymentId: string): Deployment {
    const d = state.deployments.get(deploymentId);
    if (!d) throw new FakeProblem('not_found', `No deployment ${deploymentId}.`);
    return d;
  }

  function taskOf(deploymentId: string | undefined, clientId: string | undefined, taskId: string): Task {
    const t = state.tasks.get(taskId);
    if (!t || (deploymentId && t.deployment_id !== deploymentId) || (clientId && t.client_id !== clientId)) {
      throw new FakeProblem('not_found', `No task ${taskId} here.`);
    }
    return t;
  }

  function move(task: Task, event: TaskEvent): void {
    const r = transition(task.status, event);
    if (!r.ok) throw new FakeProblem('illegal_transition', r.error.message);
    task.status = r.state;
    task.updated_at = iso();
    changedAt.set(task.id, ++seq);
  }

  /** The status `event` leads `d` to, or `illegal_transition` (checked before anything is written). */
  function nextStatus(d: Deployment, event: DeploymentEvent): DeploymentStatus {
    const r = transitionDeployment(d.status, event);
    if (!r.ok) throw new FakeProblem('illegal_transition', r.error.message);
    return r.state as DeploymentStatus;
  }

  function moveDeployment(d: Deployment, event: DeploymentEvent): void {
    d.status = nextStatus(d, event);
    d.updated_at = iso();
  }

  function counts(tasks: Task[]): Schemas['TaskCounts'] {
    const c = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Schemas['TaskCounts'];
    for (const t of tasks) c[t.status]++;
    return c;
  }

  function tasksOf(deploymentId: string): Task[] {
    return [...state.tasks.values()].filter((t) => t.deployment_id === deploymentId);
  }

  function view(d: Deployment): Deployment {
    return { ...d, task_counts: counts(tasksOf(d.id)) };
  }

  function enqueue(task: Task): void {
    move(task, 'enqueue');
    task.attempt += 1;
  }

  function approve(task: Task, event: TaskEvent, by: string | null, source: ApprovalSource): void {
    move(task, event);
    task.approval_status = approvalStatusOf(source);
    task.approval_source = source;
    task.approved_at = iso();
    task.approved_by = by;
  }

  /** Starts the deployments whose requested start time has come; until then they stay `created`. */
  function startDue(): void {
    let started = false;
    for (const d of state.deployments.values()) {
      if (d.status !== 'created' || (ms(d.requested_start_time) ?? 0) > now().getTime()) continue;
      moveDeployment(d, 'start');
      d.started_at = iso();
      d.status_reason = null;
      started = true;
    }
    if (started) changed(); // waiting long polls look again
  }

  /** Releases approved tasks whose start time has come (the fake has no stages or waits). */
  function releaseIfDue(task: Task): void {
    const d = state.deployments.get(task.deployment_id);
    if (task.status !== 'approved' || d?.status !== 'running') return;
    if (task.requested_start_time && Date.parse(task.requested_start_time) > now().getTime()) return;
    enqueue(task);
  }

  /**
   * The deployment as one stage judged by the planner's rules for its strategy: crossing the failure threshold
   * (`thresholdCrossed`) pauses it, as the GCC's immediate strategy does on the first failure; once every task is
   * finished without that, it completes. (A rollback's failure ends it `failed`: the fake starts no rollback.)
   */
  function settle(d: Deployment): void {
    const tasks = tasksOf(d.id);
    if (d.status !== 'running') return;
    const failedTasks = tasks.filter((t) => isTaskStatusIn(FAILED_TASK_STATUSES, t.status)).length;
    const succeeded = tasks.filter((t) => t.status === 'success').length;
    const threshold = resolveStrategy(strategyFromWire(d.strategy)).failureThreshold;
    const placed = tasks.filter((t) => t.attempt > 0).length;
    const crossed = thresholdCrossed(
      { placed, succeeded, failed: failedTasks, unsettled: 0, overdue: 0 },
      threshold,
    );
    if (crossed && d.type === 'update') {
      moveDeployment(d, 'pause');
      d.status_reason = `stage 0 (batch) crossed its failure threshold: ${failedTasks} failed of ${succeeded + failedTasks} finished (${placed} placed)`;
      audit('system', 'deployment.pause', 'deployment', d.id, { deployment_id: d.id });
      return;
    }
    if (!tasks.every((t) => isTaskStatusIn(FINISHED_TASK_STATUSES, t.status))) return;
    const failed = failedTasks > 0;
    moveDeployment(d, failed ? 'fail' : 'complete');
    d.finished_at = iso();
    if (failed) d.status_reason = `${failedTasks} of ${tasks.length} task(s) failed.`;
    audit('system', failed ? 'deployment.fail' : 'deployment.complete', 'deployment', d.id, {
      deployment_id: d.id,
    });
    if (d.type === 'rollback' && d.rollback_of) {
      const original = state.deployments.get(d.rollback_of);
      if (original?.status === 'rolling_back') {
        moveDeployment(original, failed ? 'rollback_failed' : 'rollback_done');
        if (failed) original.status_reason = `Rollback ${d.id} failed.`;
        for (const rt of tasks) {
          if (rt.status !== 'success') continue;
          for (const ot of tasksOf(original.id)) {
            if (ot.client_id === rt.client_id && transition(ot.status, 'roll_back').ok) move(ot, 'roll_back');
          }
        }
      }
    }
  }

  function offerFor(clientId: string): Task | undefined {
    const mine = [...state.tasks.values()].filter((t) => t.client_id === clientId);
    for (const t of mine) releaseIfDue(t);
    const running = mine.find((t) => t.status === 'in_progress');
    if (running) return running;
    const queued = mine
      .filter((t) => t.status === 'queued' && state.deployments.get(t.deployment_id)?.status === 'running')
      .sort((a, b) => (a.type === b.type ? 0 : a.type === 'rollback' ? -1 : 1));
    const next = queued[0];
    if (!next) return undefined;
    move(next, 'pickup');
    next.lease_expires_at = new Date(now().getTime() + leaseSeconds * 1000).toISOString();
    changed();
    return next;
  }

  /** The digest of the release behind one component of a task (a set's offer carries each member's). */
  const digestOf = (c: Task['components'][number]) =>
    state.releases.find(
      (r) => r.component === c.component && r.version === c.version && r.image_url === c.image_url,
    )?.image_digest ?? null;

  function updatesBody(task: Task | undefined): UpdatesResponse {
    if (!task) return { available: false, poll_after_seconds: pollAfterSeconds };
    // A set is offered as one update of every component (`Update.components`); a single release as before.
    const set: OfferedComponent[] | null =
      task.components.length > 1 ? task.components.map((c) => ({ ...c, image_digest: digestOf(c) })) : null;
    return {
      available: true,
      poll_after_seconds: pollAfterSeconds,
      update: updateOf({
        ...task,
        lease_expires_at: task.lease_expires_at!,
        ...(set && { image_digest: set[0]!.image_digest, components: set }),
      }),
    };
  }

  const etagOf = (task: Task | undefined) =>
    task ? `"${task.id}.${task.attempt}.${task.status}"` : '"none"';

  function imageMatchesVersion(imageUrl: string, version: string): boolean {
    return version.startsWith('sha256:')
      ? imageUrl.endsWith(`@${version}`)
      : new RegExp(`:${version.replace(/\./g, '\\.')}(@sha256:[a-f0-9]{64})?$`).test(imageUrl);
  }

  /** Runs a creating handler once per Idempotency-Key; a replay with another body is a conflict. */
  async function idempotent(
    request: Request,
    bodyText: string,
    run: () => Promise<Response>,
  ): Promise<Response> {
    const key = request.headers.get('idempotency-key');
    if (!key) return run();
    const fingerprint = `${request.method} ${new URL(request.url).pathname} ${bodyText}`;
    const seen = idempotency.get(key);
    if (seen) {
      if (seen.fingerprint !== fingerprint) {
        throw new FakeProblem('idempotency_key_reused', 'This Idempotency-Key was used for another request.');
      }
      return new Response(seen.body, {
        status: seen.status,
        headers: { 'content-type': 'application/json' },
      });
    }
    const response = await run();
    idempotency.set(key, { fingerprint, status: response.status, body: await response.clone().text() });
    return response;
  }

  const ok = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
    HttpResponse.json(body as Record<string, unknown>, { status, headers });

  // ---- handlers ------------------------------------------------------------------------------------------------

  const api = '*/api/v1';
  const handlers: HttpHandler[] = [
    http.get('*/healthz', () => ok({ status: 'ok' })),
    // The fake does not sign offers: it publishes no key.
    http.get('*/.well-known/wrktalk-signing-keys', () => ok({ keys: [] })),
    http.get('*/readyz', () =>
      ok({ status: 'ok', checks: { store: { status: 'ok', message: 'in memory' } } }),
    ),
    http.get('*/metrics', () => {
      const lines = [
        '# HELP gcc_tasks Tasks by status.',
        '# TYPE gcc_tasks gauge',
        ...Object.entries(counts([...state.tasks.values()])).map(([s, n]) => `gcc_tasks{status="${s}"} ${n}`),
      ];
      return new HttpResponse(`${lines.join('\n')}\n`, {
        headers: { 'content-type': 'text/plain; version=0.0.4' },
      });
    }),

    // releases
    http.get(`${api}/releases`, ({ request, params }) => {
      const { query } = begin(request, params, {
        roles: ['admin', 'ci'],
        query: { component: { schema: 'Component' }, ...PAGE },
      });
      const component = query.component;
      const items = [...state.releases]
        .reverse()
        .filter((r) => component === undefined || r.component === component);
      return ok(page(items, query));
    }),
    http.post(`${api}/releases`, async ({ request, params }) => {
      const { who } = begin(request, params, { roles: ['ci', 'admin'], idempotent: true });
      const body = await readBody(request.clone(), 'ReleaseCreate');
      return idempotent(request, JSON.stringify(body), async () => {
        if (!components.has(body.component)) {
          throw new FakeProblem('unknown_component', `Component ${body.component} is not managed here.`);
        }
        if (!imageMatchesVersion(body.image_url, body.version)) {
          throw new FakeProblem(
            'invalid_image_reference',
            `image_url does not reference version ${body.version}.`,
          );
        }
        const existing = state.releases.find(
          (r) => r.component === body.component && r.version === body.version,
        );
        const metadata = body.metadata ?? {};
        if (existing) {
          if (
            existing.image_url === body.image_url &&
            JSON.stringify(existing.metadata) === JSON.stringify(metadata)
          ) {
            return ok(existing, 200);
          }
          throw new FakeProblem(
            'release_conflict',
            `${body.component} ${body.version} exists with another body.`,
          );
        }
        const release: Release = {
          id: id('rel'),
          ...body,
          metadata,
          created_at: iso(),
          created_by: `${who.role}:${who.name}`,
        };
        state.releases.push(release);
        audit(who, 'release.create', 'release', release.id, { after: release });
        return ok(release, 201);
      });
    }),
    http.get(`${api}/releases/:release_id`, ({ request, params }) => {
      begin(request, params, { roles: ['admin', 'ci'] });
      const r = state.releases.find((x) => x.id === params.release_id);
      if (!r) throw new FakeProblem('not_found', `No release ${String(params.release_id)}.`);
      return ok(r);
    }),

    // clients
    http.get(`${api}/clients`, ({ request, params }) => {
      const { query } = begin(request, params, {
        roles: ['admin'],
        query: { selector: { schema: 'LabelSelector' }, ...PAGE },
      });
      let items = [...state.clients.values()];
      if (query.selector !== undefined) {
        const requirements = selectorOrThrow(String(query.selector), '/query/selector');
        items = items.filter((c) => matchesSelector(c.labels, requirements));
      }
      return ok(page(items, query));
    }),
    http.post(`${api}/clients`, async ({ request, params }) => {
      const { who } = begin(request, params, { roles: ['admin'], idempotent: true });
      const body = await readBody(request.clone(), 'ClientCreate');
      return idempotent(request, JSON.stringify(body), async () => {
        if (body.target_kind === 'argocd' && !body.argocd_instance) {
          throw new FakeProblem('validation_failed', 'argocd_instance is required for target_kind argocd.', [
            { path: '/argocd_instance', message: 'required when target_kind is argocd' },
          ]);
        }
        if (state.clients.has(body.id)) throw new FakeProblem('client_exists', `Client ${body.id} exists.`);
        const client: Client = {
          id: body.id,
          name: body.name,
          labels: body.labels ?? {},
          target_kind: body.target_kind,
          argocd_instance: body.argocd_instance ?? null,
          timezone: body.timezone ?? 'UTC',
          maintenance_windows: body.maintenance_windows ?? [],
          auto_approve: body.auto_approve ?? { all: false, components: [] },
          created_at: iso(),
          updated_at: iso(),
          last_seen_at: null,
          agent_version: null,
          current_versions: {},
        };
        state.clients.set(client.id, client);
        audit(who, 'client.create', 'client', client.id, { client_id: client.id, after: client });
        return ok(client, 201);
      });
    }),
    http.get(`${api}/clients/:client_id`, ({ request, params }) => {
      const clientId = String(params.client_id);
      begin(request, params, { roles: ['admin', 'approver', 'agent'] });
      return ok(getClientOr404(clientId));
    }),
    http.patch(`${api}/clients/:client_id`, async ({ request, params }) => {
      const clientId = String(params.client_id);
      const { who } = begin(request, params, { roles: ['admin'] });
      const patch = await readBody(request, 'ClientPatch', [
        'application/merge-patch+json',
        'application/json',
      ]);
      const client = getClientOr404(clientId);
      const before = structuredClone(client);
      if (patch.name !== undefined && patch.name !== null) client.name = patch.name;
      if (patch.labels !== undefined) {
        if (patch.labels === null) client.labels = {};
        else
          for (const [k, v] of Object.entries(patch.labels)) {
            if (v === null) delete client.labels[k];
            else client.labels[k] = v;
          }
      }
      if (patch.target_kind !== undefined && patch.target_kind !== null)
        client.target_kind = patch.target_kind;
      if (patch.argocd_instance !== undefined) client.argocd_instance = patch.argocd_instance ?? null;
      if (patch.timezone !== undefined) client.timezone = patch.timezone ?? 'UTC';
      if (patch.maintenance_windows !== undefined)
        client.maintenance_windows = patch.maintenance_windows ?? [];
      if (patch.auto_approve !== undefined) {
        client.auto_approve =
          patch.auto_approve === null
            ? { all: false, components: [] }
            : { ...client.auto_approve, ...patch.auto_approve };
      }
      if (client.target_kind === 'argocd' && !client.argocd_instance) {
        Object.assign(client, before);
        throw new FakeProblem('validation_failed', 'argocd_instance is required for target_kind argocd.', [
          { path: '/argocd_instance', message: 'required when target_kind is argocd' },
        ]);
      }
      client.updated_at = iso();
      audit(who, 'client.update', 'client', clientId, { client_id: clientId, before, after: client });
      return ok(client);
    }),
    http.post(`${api}/clients/:client_id/tokens`, async ({ request, params }) => {
      const clientId = String(params.client_id);
      const { who } = begin(request, params, { roles: ['admin'], idempotent: true });
      const body = await readBody(request.clone(), 'TokenCreate');
      return idempotent(request, JSON.stringify(body), async () => {
        getClientOr404(clientId);
        const expiry = tokenExpiryOf(
          {
            ...(body.expires_at !== undefined && { expiresAtMs: Date.parse(body.expires_at) }),
            ...(body.ttl_seconds !== undefined && { ttlSeconds: body.ttl_seconds }),
          },
          now().getTime(),
        );
        if ('problem' in expiry) {
          throw new FakeProblem('validation_failed', expiry.problem.detail, expiry.problem.errors);
        }
        const expiresMs = expiry.expiresAtMs;
        const tokenId = id('tok');
        const token = mintToken(clientId, body.role, tokenId, expiresMs ?? undefined);
        tokenIds.set(tokenId, { token, clientId });
        const issued = {
          id: tokenId,
          role: body.role,
          client_id: clientId,
          token,
          created_at: iso(),
          expires_at: expiresMs === null ? null : new Date(expiresMs).toISOString(),
        };
        audit(who, 'token.create', 'token', issued.id, { client_id: clientId, after: { role: body.role } });
        return ok(issued, 201);
      });
    }),

    http.delete(`${api}/clients/:client_id/tokens/:token_id`, ({ request, params }) => {
      const clientId = String(params.client_id);
      const { who } = begin(request, params, { roles: ['admin'] });
      const t = tokenIds.get(String(params.token_id));
      if (!t || t.clientId !== clientId) {
        throw new FakeProblem('not_found', `No token ${String(params.token_id)} of client ${clientId}.`);
      }
      tokens.delete(t.token);
      audit(who, 'token.revoke', 'token', String(params.token_id), { client_id: clientId });
      return new HttpResponse(null, { status: 204 });
    }),

    // any issued token by id (admin)
    http.delete(`${api}/tokens/:token_id`, ({ request, params }) => {
      const { who } = begin(request, params, { roles: ['admin'] });
      const id = String(params.token_id);
      const t = tokenIds.get(id);
      if (!t) throw new FakeProblem('not_found', `No token ${id}.`);
      tokens.delete(t.token);
      audit(who, 'token.revoke', 'token', id, { client_id: t.clientId });
      return new HttpResponse(null, { status: 204 });
    }),

    // the caller's own token: answers and changes nothing (no heartbeat, no task pickup)
    http.get(`${api}/whoami`, ({ request, params }) => {
      const { who } = begin(request, params, { roles: ['admin', 'ci', 'approver', 'agent'], self: true });
      const scoped = who.role === 'agent' || who.role === 'approver';
      return ok({
        token_id: who.tokenId ?? null,
        role: who.role,
        client_id: scoped ? (who.clientId ?? null) : null,
        name: scoped ? null : who.name,
        expires_at: who.expiresMs === undefined ? null : new Date(who.expiresMs).toISOString(),
      });
    }),

    // approvals (CT)
    http.get(`${api}/clients/:client_id/auto-approve`, ({ request, params }) => {
      const clientId = String(params.client_id);
      begin(request, params, { roles: ['approver', 'admin'] });
      return ok(getClientOr404(clientId).auto_approve);
    }),
    http.put(`${api}/clients/:client_id/auto-approve`, async ({ request, params }) => {
      const clientId = String(params.client_id);
      const { who } = begin(request, params, { roles: ['approver', 'admin'] });
      const body = await readBody(request, 'AutoApprovePreference');
      const client = getClientOr404(clientId);
      const before = client.auto_approve;
      client.auto_approve = body;
      client.updated_at = iso();
      audit(who, 'client.set_auto_approve', 'client', clientId, { client_id: clientId, before, after: body });
      return ok(body);
    }),
    http.get(`${api}/clients/:client_id/settings`, ({ request, params }) => {
      begin(request, params, { roles: ['approver', 'admin'] });
      return ok(settingsOf(getClientOr404(String(params.client_id))));
    }),
    http.patch(`${api}/clients/:client_id/settings`, async ({ request, params }) => {
      const clientId = String(params.client_id);
      const { who } = begin(request, params, { roles: ['approver', 'admin'] });
      const patch = await readBody(request, 'ClientSettingsPatch', undefined, false, (json) =>
        clientSettingsProblems(json, components),
      );
      const client = getClientOr404(clientId);
      const before = settingsOf(client);
      if (patch.timezone !== undefined) client.timezone = patch.timezone;
      if (patch.maintenance_windows !== undefined) client.maintenance_windows = patch.maintenance_windows;
      if (patch.auto_approve !== undefined) client.auto_approve = patch.auto_approve;
      if (patch.notification_emails !== undefined)
        state.notificationEmails.set(clientId, [...patch.notification_emails]);
      client.updated_at = iso();
      const after = settingsOf(client);
      const fields = Object.keys(patch) as (keyof typeof patch)[];
      audit(who, 'client.update_settings', 'client', clientId, {
        client_id: clientId,
        before: Object.fromEntries(fields.map((f) => [f, before[f]])),
        after: Object.fromEntries(fields.map((f) => [f, after[f]])),
      });
      return ok(after);
    }),
    http.get(`${api}/clients/:client_id/tasks`, ({ request, params }) => {
      const clientId = String(params.client_id);
      const { query } = begin(request, params, {
        roles: ['approver', 'admin'],
        query: { status: { schema: 'TaskStatus' }, ...PAGE },
      });
      getClientOr404(clientId);
      const items = [...state.tasks.values()]
        .filter((t) => t.client_id === clientId && (query.status === undefined || t.status === query.status))
        .reverse();
      return ok(page(items, query));
    }),
    http.get(`${api}/clients/:client_id/pending-approvals`, ({ request, params }) => {
      const clientId = String(params.client_id);
      const { query } = begin(request, params, { roles: ['approver', 'admin'], query: PAGE });
      getClientOr404(clientId);
      const items = [...state.tasks.values()]
        .filter((t) => t.client_id === clientId && t.status === 'pending_approval')
        .map((t) => {
          const d = state.deployments.get(t.deployment_id)!;
          return {
            task_id: t.id,
            deployment_id: t.deployment_id,
            component: t.component,
            version: t.version,
            image_url: t.image_url,
            components: t.components,
            release_metadata: state.releases.find((r) => r.id === d.release_id)?.metadata ?? {},
            status: 'pending_approval' as const,
            deadline: d.approval.deadline ?? null,
            on_deadline: d.approval.on_deadline ?? 'expire',
            requested_at: t.created_at,
          };
        });
      return ok(page(items, query));
    }),
    http.post(`${api}/clients/:client_id/pending-approvals/:task_id/approve`, async ({ request, params }) => {
      const clientId = String(params.client_id);
      const { who } = begin(request, params, { roles: ['approver', 'admin'] });
      const body = await readBody(request, 'ApproveRequest');
      const task = taskOf(undefined, clientId, String(params.task_id));
      if (task.approval_status === 'approved') return ok(task);
      const before = structuredClone(task);
      approve(task, approvalEventFor('client'), body.approved_by, 'client');
      // The approver may postpone the admin's schedule, never advance it (the planner's rule).
      const d = state.deployments.get(task.deployment_id)!;
      const start = effectiveStartTime(ms(d.requested_start_time), ms(body.requested_start_time));
      task.requested_start_time = start === null ? null : new Date(start).toISOString();
      releaseIfDue(task);
      audit(who, 'task.approve', 'task', task.id, {
        client_id: clientId,
        deployment_id: task.deployment_id,
        before,
        after: task,
      });
      changed();
      return ok(task);
    }),
    http.post(`${api}/clients/:client_id/pending-approvals/:task_id/reject`, async ({ request, params }) => {
      const clientId = String(params.client_id);
      const { who } = begin(request, params, { roles: ['approver', 'admin'] });
      const body = await readBody(request, 'RejectRequest');
      const task = taskOf(undefined, clientId, String(params.task_id));
      if (task.status === 'rejected') return ok(task);
      const before = structuredClone(task);
      move(task, 'reject');
      task.approval_status = 'rejected';
      task.approval_source = 'client';
      task.rejected_reason = body.reason;
      audit(who, 'task.reject', 'task', task.id, {
        client_id: clientId,
        deployment_id: task.deployment_id,
        before,
        after: task,
      });
      settle(state.deployments.get(task.deployment_id)!);
      changed();
      return ok(task);
    }),

    // agent
    http.get(`${api}/clients/:client_id/updates`, async ({ request, params }) => {
      const clientId = String(params.client_id);
      const { query } = begin(request, params, { roles: ['agent'], query: { wait: WAIT } });
      const ifNoneMatch = request.headers.get('if-none-match');
      if (ifNoneMatch !== null && ifNoneMatch.length > 256) {
        throw new FakeProblem('validation_failed', 'If-None-Match is too long.', [
          { path: '/header/If-None-Match', message: 'must be at most 256 characters' },
        ]);
      }
      const client = getClientOr404(clientId);
      client.last_seen_at = iso();
      const wait = Number(query.wait);
      let task = offerFor(clientId);
      if (wait > 0 && (etagOf(task) === ifNoneMatch || !task)) {
        const seen = etagOf(task);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, wait * 1000);
          function done() {
            clearTimeout(timer);
            listeners.delete(check);
            resolve();
          }
          function check() {
            if (etagOf(offerFor(clientId)) !== seen) done();
          }
          listeners.add(check);
          request.signal.addEventListener('abort', done, { once: true });
        });
        task = offerFor(clientId);
      }
      const etag = etagOf(task);
      if (ifNoneMatch === etag) return new HttpResponse(null, { status: 304, headers: { etag } });
      return ok(updatesBody(task), 200, { etag });
    }),
    http.post(`${api}/clients/:client_id/status`, async ({ request, params }) => {
      const clientId = String(params.client_id);
      const { who } = begin(request, params, { roles: ['agent'] });
      const body = await readBody(request, 'StatusReport');
      const client = getClientOr404(clientId);
      const task = taskOf(undefined, clientId, body.task_id);
      const key = `${body.task_id}:${body.attempt}:${body.status}`;
      if (reports.has(key)) {
        return ok({
          ...body,
          message: undefined,
          logs: undefined,
          task_status: task.status,
          duplicate: true,
        });
      }
      if (body.attempt !== task.attempt) {
        throw new FakeProblem(
          'stale_attempt',
          `Task ${task.id} is at attempt ${task.attempt}, not ${body.attempt}.`,
        );
      }
      if (body.status === 'in_progress') {
        if (task.status === 'queued') move(task, 'pickup');
        else if (task.status !== 'in_progress') move(task, 'pickup'); // raises illegal_transition
        task.lease_expires_at = new Date(now().getTime() + leaseSeconds * 1000).toISOString();
      } else {
        if (task.status === 'queued') move(task, 'pickup');
        move(task, body.status === 'success' ? 'succeed' : 'fail');
        task.lease_expires_at = null;
        // Success of a set is success of every component of it.
        if (body.status === 'success')
          for (const c of task.components) client.current_versions[c.component] = c.version;
      }
      task.last_message = body.message ?? task.last_message;
      if (body.logs) task.logs = [...task.logs, ...body.logs].slice(-200);
      if (body.agent_version) client.agent_version = body.agent_version;
      client.last_seen_at = iso();
      reports.add(key);
      audit(who, `task.report_${body.status}`, 'task', task.id, {
        client_id: clientId,
        deployment_id: task.deployment_id,
      });
      settle(state.deployments.get(task.deployment_id)!);
      changed();
      return ok({
        task_id: task.id,
        attempt: body.attempt,
        status: body.status,
        task_status: task.status,
        duplicate: false,
      });
    }),

    // deployments
    http.get(`${api}/deployments`, ({ request, params }) => {
      const { query } = begin(request, params, {
        roles: ['admin'],
        query: { status: { schema: 'DeploymentStatus' }, ...PAGE },
      });
      const status = query.status;
      const items = [...state.deployments.values()]
        .reverse()
        .filter((d) => status === undefined || d.status === status);
      return ok(page(items.map(view), query));
    }),
    http.post(`${api}/deployments/preview`, async ({ request, params }) => {
      begin(request, params, { roles: ['admin'] });
      const body = await readBody(request, 'DeploymentCreate');
      const { targets, approval, strategy, decide } = resolveDeployment(body);
      const matched = [...targets].sort().map((c) => state.clients.get(c)!);
      const autoApproved = matched.filter((c) => {
        const decision = decide(c);
        return decision !== null && decision.source !== null;
      }).length;
      return ok({
        matched: matched.length,
        sample: matched.slice(0, 20),
        strategy,
        approval,
        stages: plannedStages(strategy, matched.length),
        auto_approved: autoApproved,
      });
    }),
    http.post(`${api}/deployments`, async ({ request, params }) => {
      const { who } = begin(request, params, { roles: ['admin'], idempotent: true });
      const body = await readBody(request.clone(), 'DeploymentCreate');
      return idempotent(request, JSON.stringify(body), async () => {
        const { release, set, targets, approval, strategy, decide } = resolveDeployment(body);
        const startLater =
          body.requested_start_time !== undefined && Date.parse(body.requested_start_time) > now().getTime();
        const d: Deployment = {
          id: id('dpl'),
          type: 'update',
          release_id: release.id,
          component: release.component,
          version: release.version,
          components: set,
          rollback_of: null,
          rollback_scope: null,
          rolled_back_by: null,
          status: 'created',
          status_reason: startLater
            ? `Waits for its requested start time ${body.requested_start_time}.`
            : null,
          requested_start_time: body.requested_start_time ?? null,
          strategy,
          approval,
          description: body.description ?? null,
          created_by: `${who.role}:${who.name}`,
          created_at: iso(),
          updated_at: iso(),
          started_at: null,
          finished_at: null,
          task_counts: counts([]),
          stages: [],
        };
        state.deployments.set(d.id, d);
        startDue();
        const hidden = approval.visible_from !== null && Date.parse(approval.visible_from) > now().getTime();
        for (const clientId of targets) {
          const client = state.clients.get(clientId)!;
          // One task for the whole set: every component from the version the client runs to the set's.
          const task = newTask(
            d,
            clientId,
            set.map((m) => ({
              component: m.component,
              version: m.version,
              image_url: m.image_url,
              previous_version: client.current_versions[m.component] ?? null,
            })),
          );
          task.requested_start_time = body.requested_start_time ?? null;
          // Initial approvals as the planner decides them (not required, the client's auto-approve, an admin
          // auto-approve policy, a past deadline).
          const decision = decide(client);
          if (decision?.event === 'expire') {
            move(task, 'expire');
            task.approval_status = 'expired';
          } else if (decision?.source) {
            approve(
              task,
              decision.event,
              decision.source === 'not_required' ? null : 'system',
              decision.source,
            );
            // Every approval decided for a client is audited with its source (the real service's
            // `task.auto_approve`); "not required" once, by the deployment's `deployment.create` entry.
            if (auditedPerTask(decision.source))
              audit('system', 'task.auto_approve', 'task', task.id, {
                deployment_id: d.id,
                client_id: clientId,
                after: {
                  status: task.status,
                  approval_status: task.approval_status,
                  approval_source: decision.source,
                  policy: decision.policyId,
                },
              });
          } else if (!hidden) move(task, 'publish');
          releaseIfDue(task);
        }
        audit(who, 'deployment.create', 'deployment', d.id, {
          deployment_id: d.id,
          after: {
            targets: [...targets],
            ...(!approval.required && { approval_source: APPROVAL_SOURCE.notRequired }),
          },
        });
        changed();
        return ok(view(d), 201);
      });
    }),
    http.get(`${api}/deployments/:deployment_id`, ({ request, params }) => {
      begin(request, params, { roles: ['admin'] });
      const ifNoneMatch = request.headers.get('if-none-match');
      if (ifNoneMatch !== null && ifNoneMatch.length > 256) {
        throw new FakeProblem('validation_failed', 'If-None-Match is too long.', [
          { path: '/header/If-None-Match', message: 'must be at most 256 characters' },
        ]);
      }
      const { body, etag } = taggedView(getDeploymentOr404(String(params.deployment_id)));
      if (ifNoneMatch?.split(',').some((t) => t.trim().replace(/^W\//, '') === etag))
        return new HttpResponse(null, { status: 304, headers: { etag } });
      return ok(body, 200, { etag });
    }),
    http.get(`${api}/deployments/:deployment_id/tasks`, ({ request, params }) => {
      const { query } = begin(request, params, {
        roles: ['admin'],
        query: {
          status: { schema: 'TaskStatus' },
          client_id: { schema: 'ClientId' },
          stage: STAGE,
          q: SEARCH,
          ...PAGE,
        },
      });
      const d = getDeploymentOr404(String(params.deployment_id));
      const { status, client_id: clientId, stage } = query;
      const q = query.q === undefined ? undefined : String(query.q).toLowerCase();
      const items = tasksOf(d.id).filter(
        (t) =>
          (status === undefined || t.status === status) &&
          (clientId === undefined || t.client_id === clientId) &&
          (stage === undefined || t.stage === stage) &&
          (q === undefined || t.client_id.toLowerCase().includes(q)),
      );
      return ok(page(items, query));
    }),
    ...(['pause', 'resume', 'abort'] as const).map((verb) =>
      http.post(`${api}/deployments/:deployment_id/${verb}`, ({ request, params }) => {
        const { who } = begin(request, params, { roles: ['admin'] });
        const d = getDeploymentOr404(String(params.deployment_id));
        const target = { pause: 'paused', resume: 'running', abort: 'aborted' }[verb];
        if (d.status !== target) {
          moveDeployment(d, verb);
          if (verb === 'abort') {
            for (const t of tasksOf(d.id)) if (transition(t.status, 'cancel').ok) move(t, 'cancel');
            d.finished_at = iso();
          }
          audit(who, `deployment.${verb}`, 'deployment', d.id, { deployment_id: d.id });
          changed();
        }
        return ok(view(d));
      }),
    ),
    http.post(`${api}/deployments/:deployment_id/rollback`, async ({ request, params }) => {
      const { who } = begin(request, params, { roles: ['admin'], idempotent: true });
      const body = (await readBody(request.clone(), 'RollbackRequest', undefined, true)) ?? {};
      return idempotent(request, JSON.stringify(body), async () => {
        const original = getDeploymentOr404(String(params.deployment_id));
        const scope = body.scope ?? original.strategy.rollback?.scope ?? 'failed_stage';
        if (scope === 'clients' && !body.client_ids?.length) {
          throw new FakeProblem('validation_failed', 'scope clients needs client_ids.', [
            { path: '/client_ids', message: 'required when scope is clients' },
          ]);
        }
        nextStatus(original, 'rollback_start');
        const mine = tasksOf(original.id);
        const missing = (body.client_ids ?? [])
          .map((c, i) => ({ c, i }))
          .filter((x) => scope === 'clients' && !mine.some((t) => t.client_id === x.c));
        if (missing.length) {
          throw new FakeProblem(
            'unknown_client',
            `Not part of ${original.id}: ${missing.map((m) => m.c).join(', ')}.`,
            missing.map((m) => ({
              path: `/client_ids/${m.i}`,
              message: `no task for ${m.c} in ${original.id}`,
            })),
          );
        }
        // Each client's target versions are the planner's choice over the fake's history (every task, once per
        // component it carried). The fake runs a deployment as one stage, so `failed_stage` is that stage: every
        // client the deployment touched. A set goes back whole (`planSetRollback`): a client missing an earlier
        // version of one component is skipped, as the real service does; a single release is a set of one.
        const setComponents = original.components.map((m) => m.component);
        const history: HistoryEntry[] = [...state.tasks.values()].flatMap((t) =>
          t.components
            .filter((c) => setComponents.includes(c.component))
            .map((c) => ({
              deploymentId: t.deployment_id,
              clientId: t.client_id,
              component: c.component,
              version: c.version,
              status: t.status,
              finishedAt: changedAt.get(t.id) ?? 0,
              stage: t.deployment_id === original.id ? 0 : null,
            })),
        );
        const planScope: RollbackScope =
          scope === 'clients'
            ? { type: 'clients', clientIds: body.client_ids! }
            : scope === 'failed_stage'
              ? { type: 'failed_stage', stage: 0 }
              : { type: 'deployment' };
        const plan = planSetRollback(history, {
          components: setComponents,
          deploymentId: original.id,
          scope: planScope,
        });
        if (plan.targets.length === 0) {
          throw new FakeProblem(
            'no_targets',
            `No client of ${original.id} has an earlier version to return to.`,
          );
        }
        moveDeployment(original, 'rollback_start');
        for (const t of mine) if (transition(t.status, 'cancel').ok) move(t, 'cancel');
        const d: Deployment = {
          ...original,
          id: id('dpl'),
          type: 'rollback',
          rollback_of: original.id,
          rollback_scope: scope,
          rolled_back_by: null,
          status: 'created',
          status_reason: null,
          requested_start_time: null,
          approval: {
            required: false,
            deadline: null,
            on_deadline: 'expire',
            visible_from: null,
            auto_approve_policies: [],
          },
          description: body.reason ?? `Rollback of ${original.id}`,
          created_by: `${who.role}:${who.name}`,
          created_at: iso(),
          updated_at: iso(),
          started_at: null,
          finished_at: null,
          stages: [],
        };
        state.deployments.set(d.id, d);
        original.rollback_scope = scope;
        original.rolled_back_by = d.id;
        startDue();
        for (const target of plan.targets) {
          const client = state.clients.get(target.clientId)!;
          // Each component back to the exact image the client ran before, from the version it runs now.
          const task = newTask(
            d,
            target.clientId,
            target.components.map((c) => {
              const installed = tasksOf(c.toDeploymentId)
                .filter((t) => t.client_id === target.clientId)
                .flatMap((t) => t.components)
                .find((x) => x.component === c.component && x.version === c.toVersion)!;
              return {
                component: c.component,
                version: c.toVersion,
                image_url: installed.image_url,
                previous_version: client.current_versions[c.component] ?? c.fromVersion,
              };
            }),
          );
          approve(task, approvalEventFor('not_required'), null, 'not_required');
          releaseIfDue(task);
        }
        audit(who, 'deployment.rollback', 'deployment', original.id, {
          deployment_id: original.id,
          after: { rollback: d.id, scope, skipped_clients: plan.unresolved.map((u) => u.clientId) },
        });
        changed();
        return ok(view(d), 201);
      });
    }),
    http.post(
      `${api}/deployments/:deployment_id/tasks/:task_id/force-approve`,
      async ({ request, params }) => {
        const { who } = begin(request, params, { roles: ['admin'] });
        const body = await readBody(request, 'ForceApproveRequest');
        const task = taskOf(String(params.deployment_id), undefined, String(params.task_id));
        if (task.approval_status === 'approved') return ok(task);
        approve(task, approvalEventFor('admin_force'), body.approved_by, 'admin_force');
        releaseIfDue(task);
        audit(who, 'task.force_approve', 'task', task.id, {
          deployment_id: task.deployment_id,
          client_id: task.client_id,
          after: { reason: body.reason },
        });
        changed();
        return ok(task);
      },
    ),

    // auto-approve policies
    http.get(`${api}/auto-approve-policies`, ({ request, params }) => {
      const { query } = begin(request, params, { roles: ['admin'], query: PAGE });
      const items = [...state.policies.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
      return ok(page(items, query));
    }),
    http.post(`${api}/auto-approve-policies`, async ({ request, params }) => {
      const { who } = begin(request, params, { roles: ['admin'], idempotent: true });
      const body = await readBody(request.clone(), 'AutoApprovePolicyCreate');
      return idempotent(request, JSON.stringify(body), async () => {
        const problems = autoApprovePolicyProblems(body, components);
        if (problems.length) {
          throw new FakeProblem('invalid_policy', `${problems.length} problem(s) in the policy.`, problems);
        }
        if (state.policies.has(body.id)) {
          throw new FakeProblem('policy_exists', `Auto-approve policy ${body.id} exists.`);
        }
        const policy: AutoApprovePolicy = {
          id: body.id,
          components: body.components ?? null,
          label_selector: body.label_selector ?? null,
          description: body.description ?? null,
          created_by: `${who.role}:${who.name}`,
          created_at: iso(),
        };
        state.policies.set(policy.id, policy);
        audit(who, 'auto_approve_policy.create', 'auto_approve_policy', policy.id, { after: policy });
        return ok(policy, 201);
      });
    }),
    http.delete(`${api}/auto-approve-policies/:policy_id`, ({ request, params }) => {
      const { who } = begin(request, params, { roles: ['admin'] });
      const policyId = String(params.policy_id);
      const policy = state.policies.get(policyId);
      if (!policy) throw new FakeProblem('not_found', `No auto-approve policy ${policyId}.`);
      state.policies.delete(policyId);
      audit(who, 'auto_approve_policy.delete', 'auto_approve_policy', policyId, { before: policy });
      return new HttpResponse(null, { status: 204 });
    }),

    // the contract itself (no token)
    http.get(
      `${api}/openapi.yaml`,
      () => new HttpResponse(OPENAPI_YAML, { headers: { 'content-type': 'application/yaml' } }),
    ),
    http.get(
      `${api}/openapi.json`,
      () => new HttpResponse(OPENAPI_JSON, { headers: { 'content-type': 'application/json' } }),
    ),

    // audit
    http.get(`${api}/audit`, ({ request, params }) => {
      const { query: q } = begin(request, params, {
        roles: ['admin'],
        query: {
          deployment_id: { schema: 'DeploymentId' },
          client_id: { schema: 'ClientId' },
          actor: ACTOR,
          ...PAGE,
        },
      });
      const items = [...state.audit]
        .reverse()
        .filter(
          (e) =>
            (q.deployment_id === undefined || e.deployment_id === q.deployment_id) &&
            (q.client_id === undefined || e.client_id === q.client_id) &&
            (q.actor === undefined || e.actor === q.actor),
        );
      return ok(page(items, q));
    }),
  ];

  /** A new task of `d` for a client: `set` from → to, its first entry the task's top-level component. */
  function newTask(d: Deployment, clientId: string, set: Task['components']): Task {
    const lead = set[0]!;
    const task: Task = {
      id: id('tsk'),
      deployment_id: d.id,
      client_id: clientId,
      type: d.type,
      component: lead.component,
      version: lead.version,
      image_url: lead.image_url,
      previous_version: lead.previous_version,
      components: set,
      status: 'pending',
      approval_status: 'pending',
      approval_source: null,
      approved_at: null,
      approved_by: null,
      rejected_reason: null,
      requested_start_time: null,
      stage: null,
      attempt: 0,
      lease_expires_at: null,
      last_message: null,
      logs: [],
      created_at: iso(),
      updated_at: iso(),
    };
    state.tasks.set(task.id, task);
    return task;
  }

  /** Stores a client token (secret → principal) and returns its secret. */
  function mintToken(
    clientId: string,
    role: 'agent' | 'approver',
    tokenId: string,
    expiresMs?: number,
  ): string {
    const token = `wrk_${role}_${globalThis.crypto.randomUUID().replace(/-/g, '')}`;
    tokens.set(token, {
      role,
      clientId,
      name: clientId,
      tokenId,
      ...(expiresMs !== undefined && { expiresMs }),
    });
    return token;
  }

  function issueToken(clientId: string, role: 'agent' | 'approver'): string {
    // Its own id space, so tokens issued outside the API do not move the ids of everything else.
    return mintToken(
      clientId,
      role,
      `tok-direct${globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`,
    );
  }

  async function handle(request: Request): Promise<Response> {
    const instance = new URL(request.url).pathname;
    try {
      // The fake has no worker: time-driven changes happen when the next request looks.
      startDue();
      const response = await getResponse(handlers, request);
      return (
        response ??
        new FakeProblem('not_found', `No operation at ${request.method} ${instance}.`).toResponse(instance)
      );
    } catch (error) {
      if (error instanceof FakeProblem) return error.toResponse(instance);
      return new FakeProblem('internal_error', String(error)).toResponse(instance);
    }
  }

  return {
    get handlers() {
      // Wrap each handler so a FakeProblem thrown inside becomes its problem+json answer under msw too.
      return [
        http.all('*', async ({ request }) => {
          const path = new URL(request.url).pathname;
          if (
            !path.startsWith('/api/v1/') &&
            !['/healthz', '/readyz', '/metrics', '/.well-known/wrktalk-signing-keys'].includes(path)
          )
            return undefined;
          return handle(request);
        }),
      ];
    },
    fetch: (input, init) => handle(new Request(input, init)),
    handle,
    state,
    issueToken,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
