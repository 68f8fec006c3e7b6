// The API's spelling of a strategy (snake_case, `openapi/gcc.yaml` schema `Strategy`) and the planner's (camelCase).
// The field names live once, in the tables below; both directions, the problem paths and the form detection are
// derived from them. `@wrktalk/sdk-gcc` re-exports these with the types generated from the contract and checks that
// the two agree.
import {
  type FailureThreshold,
  type ResolvedStrategy,
  type RollbackStrategy,
  resolveStrategy,
  type StageSpec,
  type Strategy,
} from './strategy';
import { type ValidateStrategyOptions, type ValidationProblem, validateStrategy } from './validate-strategy';

/** One stage as the API spells it (`StageSpec`). */
export interface WireStageSpec {
  /** `canary` stages come first and use the canary failure threshold. */
  kind: 'canary' | 'batch';
  /** Exact number of clients. */
  count?: number;
  /** Share of the fleet, in (0, 100]. */
  percent?: number;
  /** Soak time after the stage. @default 0 */
  wait_seconds?: number;
}

/** A failure threshold as the API spells it (`FailureThreshold`). */
export interface WireFailureThreshold {
  /** Most failures tolerated in the stage. */
  max_failures?: number;
  /** Largest failed/finished ratio tolerated. */
  max_failure_ratio?: number;
  /** Finished tasks needed before the ratio is judged. */
  min_finished?: number;
}

/** Rollback settings as the API spells them (`RollbackPolicy`). */
export interface WireRollbackPolicy {
  /** Which clients are rolled back. @default 'failed_stage' */
  scope?: 'failed_stage' | 'deployment';
  /** Clients per rollback wave; `null` for one wave. @default null */
  batch_size?: number | null;
  /** Wait between rollback waves. @default 0 */
  wait_seconds?: number;
  /** Ask before the rollback runs. @default false */
  require_approval?: boolean;
}

/** A strategy as the API spells it (`Strategy` in `openapi/gcc.yaml`); every field optional, as in a request. */
export interface WireStrategy {
  /** Stages in order. */
  stages?: WireStageSpec[];
  /** Largest stage; `null` for no bound. @default null */
  max_batch_size?: number | null;
  /** Label selector of the clients placed first. @default 'canary=true' */
  canary_label?: string;
  /** Most tasks of one Argo CD instance in progress at once. @default 10 */
  max_concurrency_per_instance?: number;
  /** Threshold of batch stages. */
  failure_threshold?: WireFailureThreshold;
  /** Threshold of canary stages. */
  canary_failure_threshold?: WireFailureThreshold;
  /** What crossing a threshold does. @default 'rollback' */
  on_failure?: 'pause' | 'rollback';
  /** Rollback settings. */
  rollback?: WireRollbackPolicy;
  /** Seconds before a queued task nobody picked up becomes overdue. @default 900 */
  pickup_timeout_seconds?: number;
  /** Lease of an in-progress task, in seconds. @default 900 */
  lease_seconds?: number;
  /** Successes a canary stage needs. @default 1 */
  canary_min_successes?: number;
  /** Longest wait for a stage to fill, in seconds. @default 3600 */
  stage_fill_seconds?: number;
  /** Seconds after which a holding stage pauses the deployment. @default 3600 */
  stage_hold_timeout_seconds?: number;
  /** Whether approvals join a running stage. @default false */
  join_running_stage?: boolean;
  /** Attempts per task. @default 2 */
  max_attempts?: number;
}

/** The effective strategy of a deployment in the API's spelling: every field present. */
export type EffectiveWireStrategy = Required<WireStrategy>;

/** Defaults `strategyFromWire` and `effectiveWireStrategy` lay under a wire strategy. */
export interface WireStrategyDefaults {
  /** Lease when the strategy gives none (the GCC's `leaseSeconds` option). @default the planner's default (900) */
  leaseSeconds?: number;
  /**
   * The strategy a request's fields are laid over (each field the request gives replaces the base's), e.g.
   * `immediateStrategy` for a GCC in `immediate` mode. @default `defaultStrategy`
   */
  base?: Strategy;
}

// Wire name -> planner name, one table per level, in the contract's order (the order `strategyToWire` writes).
const STAGE_FIELDS = {
  kind: 'kind',
  count: 'count',
  percent: 'percent',
  wait_seconds: 'waitSeconds',
} as const satisfies { [K in keyof Required<WireStageSpec>]: keyof StageSpec };
const THRESHOLD_FIELDS = {
  max_failures: 'maxFailures',
  max_failure_ratio: 'maxFailureRatio',
  min_finished: 'minFinished',
} as const satisfies { [K in keyof Required<WireFailureThreshold>]: keyof FailureThreshold };
const ROLLBACK_FIELDS = {
  scope: 'scope',
  batch_size: 'batchSize',
  wait_seconds: 'waitSeconds',
  require_approval: 'requireApproval',
} as const satisfies { [K in keyof Required<WireRollbackPolicy>]: keyof RollbackStrategy };
const STRATEGY_FIELDS = {
  stages: 'stages',
  max_batch_size: 'maxBatchSize',
  canary_label: 'canaryLabel',
  max_concurrency_per_instance: 'maxConcurrencyPerInstance',
  failure_threshold: 'failureThreshold',
  canary_failure_threshold: 'canaryFailureThreshold',
  on_failure: 'onFailure',
  rollback: 'rollback',
  pickup_timeout_seconds: 'pickupTimeoutSeconds',
  lease_seconds: 'leaseSeconds',
  max_attempts: 'maxAttempts',
  canary_min_successes: 'canaryMinSuccesses',
  stage_fill_seconds: 'stageFillSeconds',
  stage_hold_timeout_seconds: 'stageHoldTimeoutSeconds',
  join_running_stage: 'joinRunningStage',
} as const satisfies { [K in keyof Required<WireStrategy>]: keyof Strategy };

// Every planner field has a wire name: a field added to the planner and not here fails to compile.
type Covered<T extends Record<string, string>> = T[keyof T];
const _everyPlannerField: [
  Exclude<keyof Strategy, Covered<typeof STRATEGY_FIELDS>>,
  Exclude<keyof StageSpec, Covered<typeof STAGE_FIELDS>>,
  Exclude<keyof FailureThreshold, Covered<typeof THRESHOLD_FIELDS>>,
  Exclude<keyof RollbackStrategy, Covered<typeof ROLLBACK_FIELDS>>,
] extends [never, never, never, never]
  ? true
  : never = true;
void _everyPlannerField;

type Fields = Readonly<Record<string, string>>;
const LEVELS: readonly Fields[] = [STRATEGY_FIELDS, STAGE_FIELDS, THRESHOLD_FIELDS, ROLLBACK_FIELDS];
/** Planner name -> wire name, over every level (a name means the same at every level it appears). */
const WIRE_NAME_OF: ReadonlyMap<string, string> = new Map(
  LEVELS.flatMap((fields) => Object.entries(fields).map(([wire, planner]) => [planner, wire] as const)),
);
const WIRE_NAMES: ReadonlySet<string> = new Set(LEVELS.flatMap((fields) => Object.keys(fields)));

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Called with the wire path and name of a field the contract does not have. */
type OnUnknown = (path: string, key: string) => void;

const join = (at: string, key: string): string => (at === '' ? key : `${at}.${key}`);

/** One level renamed; anything but an object is carried as given, for the planner's validation to report. */
function levelFromWire(v: unknown, fields: Fields, at: string, onUnknown: OnUnknown): unknown {
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(v)) {
    if (value === undefined) continue;
    const name = fields[key];
    if (name === undefined) onUnknown(join(at, key), key);
    // `null` is the contract's "unset" for the nullable fields; every other null is carried (and refused).
    else if (!(value === null && (key === 'max_batch_size' || key === 'batch_size'))) out[name] = value;
  }
  return out;
}

/** The planner form of any input, values carried as given (wrong ones included) so validation finds them. */
function fromWire(input: unknown, onUnknown: OnUnknown): unknown {
  const s = levelFromWire(input, STRATEGY_FIELDS, '', onUnknown);
  if (!isObject(s)) return s;
  if (Array.isArray(s.stages)) {
    s.stages = s.stages.map((stage: unknown, i) => {
      const out = levelFromWire(stage, STAGE_FIELDS, `stages[${i}]`, onUnknown);
      if (isObject(out) && out.waitSeconds === undefined) out.waitSeconds = 0;
      return out;
    });
  }
  for (const [wire, planner] of [
    ['failure_threshold', 'failureThreshold'],
    ['canary_failure_threshold', 'canaryFailureThreshold'],
  ] as const) {
    if (s[planner] !== undefined) s[planner] = levelFromWire(s[planner], THRESHOLD_FIELDS, wire, onUnknown);
  }
  if (s.rollback !== undefined) {
    const rb = levelFromWire(s.rollback, ROLLBACK_FIELDS, 'rollback', onUnknown);
    if (isObject(rb) && rb.scope === undefined) rb.scope = 'failed_stage';
    s.rollback = rb;
  }
  return s;
}

/**
 * The planner's `Strategy` of a wire strategy (a request's or a stored one). Values are carried over as given,
 * wrong ones included, so validation reports them where the client wrote them; fields the contract does not have
 * are dropped (`validateWireStrategy` reports them).
 */
export function strategyFromWire(s: WireStrategy | undefined, defaults: WireStrategyDefaults = {}): Strategy {
  const strategy = fromWire(s ?? {}, () => {}) as Strategy;
  const leaseSeconds = s?.lease_seconds ?? defaults.leaseSeconds;
  if (leaseSeconds !== undefined) strategy.leaseSeconds = leaseSeconds;
  return strategy;
}

function levelToWire(v: object, fields: Fields, nullable: readonly string[] = []): Record<string, unknown> {
  const from = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [wire, planner] of Object.entries(fields)) {
    if (from[planner] !== undefined) out[wire] = from[planner];
    else if (nullable.includes(wire)) out[wire] = null;
  }
  return out;
}

/** The wire form of a resolved strategy, every field present (what a `Deployment` carries). */
export function strategyToWire(r: ResolvedStrategy): EffectiveWireStrategy {
  const out = levelToWire(r, STRATEGY_FIELDS, ['max_batch_size']);
  out.stages = r.stages.map((st) => ({
    ...levelToWire(st, STAGE_FIELDS),
    wait_seconds: st.waitSeconds ?? 0,
  }));
  out.failure_threshold = levelToWire(r.failureThreshold, THRESHOLD_FIELDS);
  out.canary_failure_threshold = levelToWire(r.canaryFailureThreshold, THRESHOLD_FIELDS);
  out.rollback = levelToWire(r.rollback, ROLLBACK_FIELDS, ['batch_size']);
  return out as unknown as EffectiveWireStrategy;
}

/** The effective strategy of a wire strategy: every default filled in by the planner, in wire form. */
export function effectiveWireStrategy(
  s: WireStrategy | undefined,
  defaults: WireStrategyDefaults = {},
): EffectiveWireStrategy {
  const given = strategyFromWire(s, defaults);
  return strategyToWire(
    resolveStrategy(defaults.base === undefined ? given : { ...defaults.base, ...given }),
  );
}

/**
 * A planner problem path in the API's spelling: `stages[1].waitSeconds` -> `stages[1].wait_seconds`,
 * `strategy.failureThreshold.maxFailureRatio` -> `strategy.failure_threshold.max_failure_ratio`. Segments that are
 * no strategy field (`strategy`, an unknown key) are kept as they are.
 */
export function wireStrategyPath(plannerPath: string): string {
  return plannerPath.replace(/[A-Za-z_]+/g, (name) => WIRE_NAME_OF.get(name) ?? name);
}

/**
 * Validates a strategy in the API's spelling (typically parsed JSON) with the planner's rules and returns every
 * problem with its path in that spelling (`stages[2].wait_seconds`), fields the contract does not have included.
 */
export function validateWireStrategy(
  input: unknown,
  options: ValidateStrategyOptions = {},
): ValidationProblem[] {
  const unknown: ValidationProblem[] = [];
  const strategy = fromWire(input, (path, key) => {
    const wire = WIRE_NAME_OF.get(key);
    unknown.push({
      path,
      message:
        wire !== undefined && wire !== key ? `unknown field (the API spells it '${wire}')` : 'unknown field',
    });
  });
  return [
    ...validateStrategy(strategy, options).map((p) => ({
      path: wireStrategyPath(p.path),
      message: p.message,
    })),
    ...unknown,
  ];
}

/** The two spellings of a strategy: the API's (snake_case) and the planner's own (camelCase). */
export type StrategyForm = 'api' | 'planner';

/**
 * Which spelling a strategy (typically parsed JSON) is written in: `api` when more of its field names, at any
 * level, are the API's own (`failure_threshold`, `wait_seconds`, …) than the planner's (`failureThreshold`, …);
 * `planner` otherwise, including when no name tells them apart (`stages`, `kind`, `count`, … read the same).
 */
export function detectStrategyForm(input: unknown): StrategyForm {
  let api = 0;
  let planner = 0;
  const count = (v: unknown): void => {
    if (!isObject(v)) return;
    for (const key of Object.keys(v)) {
      const wire = WIRE_NAME_OF.get(key);
      if (wire !== undefined && wire !== key) planner++;
      else if (WIRE_NAMES.has(key) && !WIRE_NAME_OF.has(key)) api++;
    }
  };
  if (!isObject(input)) return 'planner';
  count(input);
  if (Array.isArray(input.stages)) for (const stage of input.stages) count(stage);
  for (const key of [
    'failure_threshold',
    'canary_failure_threshold',
    'failureThreshold',
    'canaryFailureThreshold',
  ]) {
    count(input[key]);
  }
  count(input.rollback);
  return api > planner ? 'api' : 'planner';
}
