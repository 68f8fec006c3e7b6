/**
 * The one interface every executor implements (Argo CD CLI, Argo CD API, Argo CD through Kubernetes, plain
 * Kubernetes, docker compose, Watchtower, and the fake). The runtime only ever talks to executors through it.
 */

/** A validated instruction from the GCC, in the agent's own (camelCase) shape. */
export interface UpdateInstruction {
  taskId: string;
  deploymentId: string;
  type: 'update' | 'rollback';
  /** Managed component, e.g. `backend`. */
  component: string;
  /** Image tag or `sha256:` digest to run. */
  version: string;
  /** Full image reference carrying `version`. */
  imageUrl: string;
  /**
   * The release's `sha256:` image digest, when it recorded one (signed with the rest of the offer). Executors that
   * set a whole image reference (Kubernetes, docker compose) deploy `repository@<digest>` (see {@link deployedVersion});
   * the Argo CD executors set the tag through the Helm parameter as before. Absent or null: deploy by tag.
   */
  imageDigest?: string | null;
  /** What the client ran before, if the GCC knows (target of a local revert). */
  previousVersion: string | null;
  attempt: number;
  /** Helm parameter the GCC suggests, e.g. `backend.image.tag`; the agent's own mapping wins when configured. */
  helmParameter: string;
  /** How long verification may take. */
  verifyTimeoutSeconds: number;
}

/** The fields of an update the GCC offers (the contract's snake_case `Update`) that an instruction is made of. */
export interface OfferedUpdate {
  task_id: string;
  deployment_id: string;
  type: 'update' | 'rollback';
  component: string;
  version: string;
  image_url: string;
  image_digest?: string | null;
  previous_version: string | null;
  attempt: number;
  helm_parameter: string;
  verify_timeout_seconds: number;
}

/**
 * The instruction for an offered update, field by field. It checks nothing: the agent validates the offer first
 * (`validateInstruction`); the GCC's fast path takes it from its own database.
 */
export function toUpdateInstruction(u: OfferedUpdate): UpdateInstruction {
  return {
    taskId: u.task_id,
    deploymentId: u.deployment_id,
    type: u.type,
    component: u.component,
    version: u.version,
    imageUrl: u.image_url,
    ...(u.image_digest ? { imageDigest: u.image_digest } : {}),
    previousVersion: u.previous_version,
    attempt: u.attempt,
    helmParameter: u.helm_parameter,
    verifyTimeoutSeconds: u.verify_timeout_seconds,
  };
}

/**
 * What an executor that sets a whole image reference puts after the repository: the digest when the instruction
 * carries one (`repo@sha256:…`, the content the release pinned), else the version (`repo:tag`).
 */
export function deployedVersion(instruction: Pick<UpdateInstruction, 'version' | 'imageDigest'>): string {
  return instruction.imageDigest ?? instruction.version;
}

/** The image reference an instruction deploys: `repository@<digest>` when it carries a digest, else its `imageUrl`. */
export function deployedImage(instruction: Pick<UpdateInstruction, 'imageUrl' | 'imageDigest'>): string {
  if (!instruction.imageDigest) return instruction.imageUrl;
  const name = instruction.imageUrl.split('@')[0]!;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return `${colon > slash ? name.slice(0, colon) : name}@${instruction.imageDigest}`;
}

/** What an executor gets with every call. */
export interface ExecutorContext {
  /** Aborted when the step's timeout passes or the agent stops. */
  signal: AbortSignal;
  /** Appends one line to the task's bounded log (sent to the GCC with the report). */
  log(line: string): void;
  /** The client this agent serves (Argo CD app `wrktalk-<clientId>`). */
  clientId: string;
}

/** What is running now for a component, as the executor can tell. */
export interface CurrentState {
  /** Running version (tag or digest), or null when unknown. */
  version: string | null;
  /** Free-form detail for logs. */
  detail?: string;
}

/** Outcome of a health verification. */
export interface VerifyResult {
  healthy: boolean;
  /** One line for the GCC, e.g. `Synced and Healthy` or `Degraded: ImagePullBackOff`. */
  message: string;
}

/** One line of `wrktalk-agent doctor`. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** What was found, or what is missing and how to fix it. */
  detail: string;
  /** Why the check failed, when it did (e.g. `tool_missing`, `forbidden`). */
  code?: ExecutorErrorCode;
}

/** An executor: applies an image version to one client's target and verifies it. */
export interface Executor {
  /** Stable name, e.g. `argocd-cli`. */
  readonly name: string;
  /** Reads the running version (used to skip a second apply after a crash, and for revert). */
  current(instruction: UpdateInstruction, ctx: ExecutorContext): Promise<CurrentState>;
  /** Makes the target run `instruction.version`. Idempotent: applying what already runs is a no-op. */
  apply(instruction: UpdateInstruction, ctx: ExecutorContext): Promise<void>;
  /** Waits until the target is healthy on `instruction.version`, or decides it is not. */
  verify(instruction: UpdateInstruction, ctx: ExecutorContext): Promise<VerifyResult>;
  /** Puts back what ran before (`instruction.previousVersion` or the executor's own backup). Optional. */
  revert?(instruction: UpdateInstruction, ctx: ExecutorContext): Promise<void>;
  /** Checks tools, credentials and permissions this executor needs. */
  doctor(ctx: Omit<ExecutorContext, 'log'>): Promise<DoctorCheck[]>;
}

/** Why an executor failed; `retryable` tells the runtime whether trying again later may help. */
export type ExecutorErrorCode =
  | 'operation_in_progress'
  | 'not_found'
  | 'forbidden'
  | 'unhealthy'
  | 'timeout'
  | 'tool_missing'
  | 'invalid_config'
  | 'command_failed'
  | 'api_error';

/** The typed error every executor throws. */
export class ExecutorError extends Error {
  /** Machine-readable reason. */
  readonly code: ExecutorErrorCode;
  /** Whether a later attempt may succeed. */
  readonly retryable: boolean;
  /** Executor name. */
  readonly executor: string;

  constructor(init: {
    executor: string;
    code: ExecutorErrorCode;
    message: string;
    retryable?: boolean;
    cause?: unknown;
  }) {
    super(`${init.executor}: ${init.message}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ExecutorError';
    this.code = init.code;
    this.retryable = init.retryable ?? false;
    this.executor = init.executor;
  }
}

/** True when `value` is an {@link ExecutorError}. */
export function isExecutorError(value: unknown): value is ExecutorError {
  return value instanceof ExecutorError || (value instanceof Error && value.name === 'ExecutorError');
}
