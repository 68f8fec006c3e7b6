import { parseSelector } from '../selector/parse-selector';

/** One validation problem, located by a path like `stages[2].percent`. */
export interface ValidationProblem {
  /** Where the problem is, e.g. `stages[2].percent` (empty for the root). */
  path: string;
  /** What is wrong, in words. */
  message: string;
}

/** Options of `validateStrategy`. */
export interface ValidateStrategyOptions {
  /** Number of target clients; enables fleet checks such as a canary larger than the fleet. */
  fleetSize?: number;
}

/** A minimal problem collector shared by the validators. */
export class Problems {
  /** Problems in the order found. */
  readonly list: ValidationProblem[] = [];
  /** Records one problem. */
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks an optional number field; returns the number when it is present and usable. */
export function checkNumber(
  p: Problems,
  obj: Record<string, unknown>,
  key: string,
  path: string,
  rule: { integer?: boolean; min?: number; minExclusive?: number; max?: number },
): number | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  const at = path === '' ? key : `${path}.${key}`;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    p.add(at, `must be a finite number, got ${JSON.stringify(v)}`);
    return undefined;
  }
  let ok = true;
  if (rule.integer === true && !Number.isInteger(v)) {
    p.add(at, `must be a whole number, got ${v}`);
    ok = false;
  }
  if (rule.min !== undefined && v < rule.min) {
    p.add(at, `must be at least ${rule.min}, got ${v}`);
    ok = false;
  }
  if (rule.minExclusive !== undefined && v <= rule.minExclusive) {
    p.add(at, `must be greater than ${rule.minExclusive}, got ${v}`);
    ok = false;
  }
  if (rule.max !== undefined && v > rule.max) {
    p.add(at, `must be at most ${rule.max}, got ${v}`);
    ok = false;
  }
  return ok ? v : undefined;
}

/** Checks an optional enum field. */
export function checkEnum(
  p: Problems,
  obj: Record<string, unknown>,
  key: string,
  path: string,
  values: readonly string[],
): void {
  const v = obj[key];
  if (v === undefined) return;
  if (typeof v !== 'string' || !values.includes(v)) {
    const at = path === '' ? key : `${path}.${key}`;
    p.add(at, `must be one of ${values.map((x) => `'${x}'`).join(', ')}, got ${JSON.stringify(v)}`);
  }
}

/** Checks a label selector string and reports syntax problems with their positions. */
export function checkSelector(p: Problems, v: unknown, at: string): void {
  if (v === undefined) return;
  if (typeof v !== 'string') {
    p.add(at, `must be a label selector string, got ${JSON.stringify(v)}`);
    return;
  }
  const parsed = parseSelector(v);
  if (!parsed.ok) {
    for (const sp of parsed.problems) p.add(at, `${sp.message} at position ${sp.position}`);
  }
}

/**
 * Upper bounds of a strategy, the contract's maxima (openapi/gcc.yaml). They keep every instant the planner computes
 * from a strategy a valid date: `wait_seconds: 9007199254740991` once passed validation and made every tick of the
 * deployment fail on an unrepresentable time.
 */
export const STRATEGY_LIMITS = Object.freeze({
  /** Stages in a strategy. */
  stages: 20,
  /** A stage's `count`, `maxBatchSize`, `rollback.batchSize`, threshold counts, `canaryMinSuccesses`. */
  count: 1_000_000,
  /** A stage's and a rollback's wait, `pickupTimeoutSeconds`, `stageFillSeconds`: 7 days. */
  waitSeconds: 604_800,
  /** `leaseSeconds`: 1 day. */
  leaseSeconds: 86_400,
  /** `maxConcurrencyPerInstance`. */
  concurrency: 10_000,
  /** `maxAttempts`. */
  attempts: 10,
  /** `stageHoldTimeoutSeconds`: from 1 minute to 30 days. */
  holdTimeoutMinSeconds: 60,
  /** `stageHoldTimeoutSeconds` upper bound. */
  holdTimeoutMaxSeconds: 2_592_000,
  /** Characters of `canaryLabel`. */
  selectorChars: 1024,
});

const L = STRATEGY_LIMITS;

function checkThreshold(p: Problems, v: unknown, at: string): void {
  if (v === undefined) return;
  if (!isObject(v)) {
    p.add(at, 'must be an object');
    return;
  }
  checkNumber(p, v, 'maxFailures', at, { integer: true, min: 0, max: L.count });
  checkNumber(p, v, 'maxFailureRatio', at, { min: 0, max: 1 });
  checkNumber(p, v, 'minFinished', at, { integer: true, min: 0, max: L.count });
  for (const k of Object.keys(v)) {
    if (!['maxFailures', 'maxFailureRatio', 'minFinished'].includes(k)) p.add(`${at}.${k}`, 'unknown field');
  }
}

const STRATEGY_KEYS = [
  'stages',
  'maxBatchSize',
  'canaryLabel',
  'maxConcurrencyPerInstance',
  'failureThreshold',
  'canaryFailureThreshold',
  'onFailure',
  'rollback',
  'pickupTimeoutSeconds',
  'leaseSeconds',
  'maxAttempts',
  'canaryMinSuccesses',
  'stageFillSeconds',
  'stageHoldTimeoutSeconds',
  'joinRunningStage',
];

function checkStages(p: Problems, stages: unknown, fleetSize: number | undefined): void {
  if (stages === undefined) return;
  if (!Array.isArray(stages)) {
    p.add('stages', 'must be an array of stages');
    return;
  }
  if (stages.length === 0) {
    p.add('stages', 'must hold at least one stage');
    return;
  }
  if (stages.length > L.stages) p.add('stages', `must hold at most ${L.stages} stages, got ${stages.length}`);
  let percentSum = 0;
  const percentAt: string[] = [];
  let countSum = 0;
  let seenBatch = false;
  stages.forEach((stage: unknown, i) => {
    const at = `stages[${i}]`;
    if (!isObject(stage)) {
      p.add(at, 'must be an object');
      return;
    }
    checkEnum(p, stage, 'kind', at, ['canary', 'batch']);
    if (stage.kind === undefined) p.add(`${at}.kind`, "is required ('canary' or 'batch')");
    if (stage.kind === 'canary' && seenBatch)
      p.add(`${at}.kind`, 'canary stages must come before batch stages');
    if (stage.kind === 'batch') seenBatch = true;
    const count = checkNumber(p, stage, 'count', at, { integer: true, min: 1, max: L.count });
    const percent = checkNumber(p, stage, 'percent', at, { minExclusive: 0, max: 100 });
    checkNumber(p, stage, 'waitSeconds', at, { integer: true, min: 0, max: L.waitSeconds });
    if (stage.count !== undefined && stage.percent !== undefined) {
      p.add(at, 'give either count or percent, not both');
    }
    if (stage.count === undefined && stage.percent === undefined && i !== stages.length - 1) {
      p.add(at, 'a stage with neither count nor percent takes the rest and must be last');
    }
    if (count !== undefined) countSum += count;
    if (percent !== undefined) {
      percentSum += percent;
      percentAt.push(`${at}.percent`);
    }
    if (fleetSize !== undefined && count !== undefined && stage.kind === 'canary' && count > fleetSize) {
      p.add(`${at}.count`, `canary of ${count} is larger than the fleet of ${fleetSize}`);
    }
    for (const k of Object.keys(stage)) {
      if (!['kind', 'count', 'percent', 'waitSeconds'].includes(k)) p.add(`${at}.${k}`, 'unknown field');
    }
  });
  // Reported at every percentage involved: any of them may be the one to lower.
  if (percentSum > 100 + 1e-9) {
    const sum = Math.round(percentSum * 1e6) / 1e6;
    for (const at of percentAt) p.add(at, `the stages' percentages add up to ${sum}%, more than 100%`);
  }
  if (fleetSize !== undefined && countSum > fleetSize) {
    p.add('stages', `stage counts add up to ${countSum}, more than the fleet of ${fleetSize}`);
  }
}

/**
 * Validates a strategy (typically parsed JSON) and returns every problem with its path, like a compiler;
 * an empty list means `resolveStrategy` will produce a workable strategy.
 */
export function validateStrategy(input: unknown, options: ValidateStrategyOptions = {}): ValidationProblem[] {
  const p = new Problems();
  if (!isObject(input)) {
    p.add('', 'strategy must be an object');
    return p.list;
  }
  checkStages(p, input.stages, options.fleetSize);
  checkNumber(p, input, 'maxBatchSize', '', { integer: true, min: 1, max: L.count });
  if (
    typeof input.canaryLabel === 'string' &&
    (input.canaryLabel === '' || input.canaryLabel.length > L.selectorChars)
  )
    p.add('canaryLabel', `must be 1 to ${L.selectorChars} characters, got ${input.canaryLabel.length}`);
  else checkSelector(p, input.canaryLabel, 'canaryLabel');
  checkNumber(p, input, 'maxConcurrencyPerInstance', '', { integer: true, min: 1, max: L.concurrency });
  checkThreshold(p, input.failureThreshold, 'failureThreshold');
  checkThreshold(p, input.canaryFailureThreshold, 'canaryFailureThreshold');
  checkEnum(p, input, 'onFailure', '', ['pause', 'rollback']);
  const rb = input.rollback;
  if (rb !== undefined) {
    if (!isObject(rb)) p.add('rollback', 'must be an object');
    else {
      checkEnum(p, rb, 'scope', 'rollback', ['failed_stage', 'deployment']);
      checkNumber(p, rb, 'batchSize', 'rollback', { integer: true, min: 1, max: L.count });
      checkNumber(p, rb, 'waitSeconds', 'rollback', { integer: true, min: 0, max: L.waitSeconds });
      if (rb.requireApproval !== undefined && typeof rb.requireApproval !== 'boolean') {
        p.add('rollback.requireApproval', 'must be a boolean');
      }
      for (const k of Object.keys(rb)) {
        if (!['scope', 'batchSize', 'waitSeconds', 'requireApproval'].includes(k))
          p.add(`rollback.${k}`, 'unknown field');
      }
    }
  }
  checkNumber(p, input, 'pickupTimeoutSeconds', '', { integer: true, min: 1, max: L.waitSeconds });
  checkNumber(p, input, 'leaseSeconds', '', { integer: true, min: 1, max: L.leaseSeconds });
  checkNumber(p, input, 'maxAttempts', '', { integer: true, min: 1, max: L.attempts });
  checkNumber(p, input, 'canaryMinSuccesses', '', { integer: true, min: 1, max: L.count });
  checkNumber(p, input, 'stageFillSeconds', '', { integer: true, min: 0, max: L.waitSeconds });
  checkNumber(p, input, 'stageHoldTimeoutSeconds', '', {
    integer: true,
    min: L.holdTimeoutMinSeconds,
    max: L.holdTimeoutMaxSeconds,
  });
  if (input.joinRunningStage !== undefined && typeof input.joinRunningStage !== 'boolean') {
    p.add('joinRunningStage', 'must be a boolean');
  }
  for (const k of Object.keys(input)) {
    if (!STRATEGY_KEYS.includes(k)) p.add(k, 'unknown field');
  }
  return p.list;
}
