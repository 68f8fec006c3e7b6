/**
 * The one interface every executor implements (Argo CD CLI, Argo CD API, Argo CD through Kubernetes, plain
 * Kubernetes, docker compose, Watchtower, and the fake). The runtime only ever talks to executors through it.
 */

/** One component of an instruction's set (the contract's `UpdateComponent`, camelCase). */
export interface InstructionComponent {
  /** Managed component, e.g. `media`. */
  component: string;
  /** Image tag or `sha256:` digest to run. */
  version: string;
  /** Full image reference carrying `version`. */
  imageUrl: string;
  /** The release's `sha256:` image digest, when it recorded one (see {@link UpdateInstruction.imageDigest}). */
  imageDigest?: string | null;
  /** What the client ran before, if the GCC knows (target of a local revert). */
  previousVersion: string | null;
  /** Helm parameter the GCC suggests; the agent's own mapping wins when configured. */
  helmParameter: string;
}

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
  /**
   * Every component to apply as one change (a release set), never empty; the first entry is the top-level
   * `component`, `version`, … fields. Executors apply, verify and revert them together (see {@link componentsOf}).
   */
  components: InstructionComponent[];
}

/** One component of an offered update (the contract's snake_case `UpdateComponent`). */
export interface OfferedComponent {
  component: string;
  version: string;
  image_url: string;
  image_digest?: string | null;
  previous_version: string | null;
  helm_parameter: string;
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
  /** The whole set; absent (offers of GCCs before release sets): the single component above. */
  components?: readonly OfferedComponent[] | undefined;
}

/**
 * The instruction for an offered update, field by field. It checks nothing: the agent validates the offer first
 * (`validateInstruction`); the GCC's fast path takes it from its own database.
 */
export function toUpdateInstruction(u: OfferedUpdate): UpdateInstruction {
  const offered: readonly OfferedComponent[] = u.components?.length
    ? u.components
    : [
        {
          component: u.component,
          version: u.version,
          image_url: u.image_url,
          image_digest: u.image_digest ?? null,
          previous_version: u.previous_version,
          helm_parameter: u.helm_parameter,
        },
      ];
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
    components: offered.map((c) => ({
      component: c.component,
      version: c.version,
      imageUrl: c.image_url,
      ...(c.image_digest ? { imageDigest: c.image_digest } : {}),
      previousVersion: c.previous_version,
      helmParameter: c.helm_parameter,
    })),
  };
}

/**
 * The components an instruction applies, first one first. An instruction without `components` (built by hand, or
 * read from the state file of an agent before release sets) is the one component of its top-level fields.
 */
export function componentsOf(instruction: UpdateInstruction): InstructionComponent[] {
  if (Array.isArray(instruction.components) && instruction.components.length > 0)
    return instruction.components;
  return [
    {
      component: instruction.component,
      version: instruction.version,
      imageUrl: instruction.imageUrl,
      ...(instruction.imageDigest ? { imageDigest: instruction.imageDigest } : {}),
      previousVersion: instruction.previousVersion,
      helmParameter: instruction.helmParameter,
    },
  ];
}

/** `backend 5.0.0, media 5.0.0, ct 5.0.0`: the components of a set and a version each, for logs and messages. */
export function describeSet(components: readonly { component: string; version: string | null }[]): string {
  return components.map((c) => `${c.component} ${c.version ?? 'unknown'}`).join(', ');
}

/**
 * What an executor that sets a whole image reference puts after the repository: the digest when the instruction
 * (or one component of its set) carries one (`repo@sha256:…`, the content the release pinned), else the version
 * (`repo:tag`).
 */
export function deployedVersion(instruction: Pick<InstructionComponent, 'version' | 'imageDigest'>): string {
  return instruction.imageDigest ?? instruction.version;
}

/**
 * The image reference an instruction (or one component of its set) deploys: `repository@<digest>` when it carries a
 * digest, else its `imageUrl`.
 */
export function deployedImage(instruction: Pick<InstructionComponent, 'imageUrl' | 'imageDigest'>): string {
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

/** What is running now for an instruction's components, as the executor can tell. */
export interface CurrentState {
  /** Running version (tag or digest) of the first component, or null when unknown. */
  version: string | null;
  /**
   * Running version of every component of the instruction's set, by component (null when unknown). An executor that
   * leaves it out can only say `version`: the runtime then never skips applying a set of more than one component.
   */
  versions?: Record<string, string | null>;
  /** Free-form detail for logs. */
  detail?: string;
  /**
   * `false` when the target's desired state already names these versions but the target has not rolled them out:
   * an executor whose change is a write then a separate rollout (Argo CD: `app set`, then `app sync`) says so when the
   * write happened and the rollout did not (the Application is OutOfSync, an operation runs, or its comparison
   * predates the values). The runtime then applies again after a crash (the executor only syncs) instead of skipping
   * to verify. Absent: the versions read are what runs (or rolls out by itself).
   */
  settled?: boolean;
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

/**
 * An executor: applies image versions to one client's target and verifies them. An instruction carries a set of
 * components ({@link componentsOf}); each method acts on the whole set as one change.
 */
export interface Executor {
  /** Stable name, e.g. `argocd-cli`. */
  readonly name: string;
  /** Reads the running versions (used to skip a second apply after a crash, and for revert). */
  current(instruction: UpdateInstruction, ctx: ExecutorContext): Promise<CurrentState>;
  /** Makes the target run every component's version, as one change. Idempotent: applying what runs is a no-op. */
  apply(instruction: UpdateInstruction, ctx: ExecutorContext): Promise<void>;
  /** Waits until the target is healthy on every component's version, or decides it is not (naming the component). */
  verify(instruction: UpdateInstruction, ctx: ExecutorContext): Promise<VerifyResult>;
  /**
   * Puts back what ran before for every component of the set (`previousVersion` or the executor's own backup), as
   * one change. Optional.
   */
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
