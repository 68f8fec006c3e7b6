import type { ResolvedFailureThreshold, ResolvedStrategy } from '../strategy/strategy';

/** Size and settings of one stage for a given fleet size, before clients are assigned. */
export interface StageSlot {
  /** 0-based position in the plan. */
  index: number;
  /** Kind of the stage. */
  kind: 'canary' | 'batch';
  /** Index of the strategy stage this slot came from, or null for the implicit rest stage. */
  specIndex: number | null;
  /** Clients the stage holds. */
  size: number;
  /** Soak time after the stage, in seconds. */
  waitSeconds: number;
  /** Threshold that fails the stage. */
  failureThreshold: ResolvedFailureThreshold;
}

/**
 * Computes stage sizes for `total` clients: counts are taken as given, percentages are rounded to the
 * nearest client (at least one while clients remain), a stage without size takes the rest, empty stages are
 * dropped, leftovers form an implicit last batch stage, and stages above `maxBatchSize` are split.
 */
export function stageSizes(total: number, strategy: ResolvedStrategy): StageSlot[] {
  const raw: Omit<StageSlot, 'index'>[] = [];
  let remaining = Math.max(0, Math.floor(total));
  strategy.stages.forEach((spec, specIndex) => {
    if (remaining === 0) return;
    let size: number;
    if (spec.count !== undefined) size = Math.floor(spec.count);
    else if (spec.percent !== undefined) size = Math.max(1, Math.round((spec.percent * total) / 100));
    else size = remaining;
    size = Math.min(Math.max(size, 0), remaining);
    if (size === 0) return;
    remaining -= size;
    raw.push({
      kind: spec.kind,
      specIndex,
      size,
      waitSeconds: spec.waitSeconds ?? 0,
      failureThreshold: spec.kind === 'canary' ? strategy.canaryFailureThreshold : strategy.failureThreshold,
    });
  });
  if (remaining > 0) {
    raw.push({
      kind: 'batch',
      specIndex: null,
      size: remaining,
      waitSeconds: 0,
      failureThreshold: strategy.failureThreshold,
    });
  }
  const max = strategy.maxBatchSize;
  const slots: StageSlot[] = [];
  for (const r of raw) {
    if (max === undefined || max < 1 || r.size <= max) {
      slots.push({ ...r, index: slots.length });
      continue;
    }
    for (let left = r.size; left > 0; left -= max) {
      slots.push({ ...r, size: Math.min(max, left), index: slots.length });
    }
  }
  return slots;
}
