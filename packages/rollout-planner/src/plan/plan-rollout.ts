import type { Client } from '../clients/client';
import { matchesSelector, parseSelector } from '../selector/parse-selector';
import { type ResolvedFailureThreshold, resolveStrategy, type Strategy } from '../strategy/strategy';
import { type ValidationProblem, validateStrategy } from '../strategy/validate-strategy';
import type { Batch } from './group-batches';
import { MemberPool } from './member-pool';
import { stageSizes } from './stage-sizes';

/** Fields every planned stage has. */
interface PlannedStageBase {
  /** 0-based position in the plan. */
  index: number;
  /** Strategy stage it came from, or null for an implicit stage. */
  specIndex: number | null;
  /** Capacity: the number of clients in the stage. */
  size: number;
  /** Clients of the stage in membership order (see `MemberPool`): canary-labelled first, spread across instances. */
  clientIds: string[];
  /** Batched jobs per Argo CD instance / target kind. */
  batches: Batch[];
  /** Soak time after the stage, in seconds. */
  waitSeconds: number;
  /** Threshold that fails the stage. */
  failureThreshold: ResolvedFailureThreshold;
}

/** A canary stage: first, with the canary failure threshold (default: zero failures). */
export interface CanaryStage extends PlannedStageBase {
  /** Discriminant. */
  kind: 'canary';
}

/** A regular batch stage. */
export interface BatchStage extends PlannedStageBase {
  /** Discriminant. */
  kind: 'batch';
}

/** A trailing batch of clients that approved after the last stage had started; same policy as the last stage. */
export interface TrailingStage extends PlannedStageBase {
  /** Discriminant. */
  kind: 'trailing';
}

/** One stage of a rollout plan. */
export type PlannedStage = CanaryStage | BatchStage | TrailingStage;

/** Input of `planRollout`. */
export interface PlanRolloutInput {
  /** The approved target clients (only approved clients are ever placed in a stage). */
  clients: readonly Client[];
  /** Strategy; defaults to `defaultStrategy`. */
  strategy?: Strategy;
}

/** A rollout plan: stages in order. */
export interface RolloutPlan {
  /** Number of clients planned. */
  total: number;
  /** Stages in order; empty for no clients. */
  stages: PlannedStage[];
}

/** Result of `planRollout`: the plan, or every strategy problem. */
export type PlanRolloutResult =
  | { ok: true; plan: RolloutPlan }
  | { ok: false; problems: ValidationProblem[] };

/** Orders clients canary-labelled first, otherwise keeping input order (stable, no sort). */
export function canaryFirst<T extends { labels: Readonly<Record<string, string>> }>(
  items: readonly T[],
  canaryLabel: string,
): T[] {
  const parsed = parseSelector(canaryLabel);
  if (!parsed.ok || parsed.requirements.length === 0) return items.slice();
  const first: T[] = [];
  const rest: T[] = [];
  for (const item of items) {
    if (matchesSelector(item.labels, parsed.requirements)) first.push(item);
    else rest.push(item);
  }
  for (const item of rest) first.push(item);
  return first;
}

/**
 * Plans the stages of a rollout over approved clients: stage sizes from the strategy, members drawn stage by stage
 * in the worker's membership order (canary-labelled clients first, then round-robin across Argo CD instances and
 * target kinds, by client id), per-instance batches inside each stage. Pure: the same clients in any order give the
 * same plan.
 */
export function planRollout(input: PlanRolloutInput): PlanRolloutResult {
  const problems = validateStrategy(input.strategy ?? {});
  if (problems.length > 0) return { ok: false, problems };
  const strategy = resolveStrategy(input.strategy);
  const pool = new MemberPool(input.clients, (c) => c, strategy.canaryLabel);
  const slots = stageSizes(input.clients.length, strategy);
  const stages: PlannedStage[] = [];
  for (const slot of slots) {
    // The stage's members with their batches (`groupBatches` of them), grouped by the keys the pool already knows.
    const { members, batches } = pool.takeBatched(slot.size, strategy.maxConcurrencyPerInstance);
    stages.push({
      kind: slot.kind,
      index: slot.index,
      specIndex: slot.specIndex,
      size: slot.size,
      clientIds: members.map((c) => c.id),
      batches,
      waitSeconds: slot.waitSeconds,
      failureThreshold: slot.failureThreshold,
    });
  }
  return { ok: true, plan: { total: input.clients.length, stages } };
}
