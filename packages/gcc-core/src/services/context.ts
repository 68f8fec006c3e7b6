import { type Database, PREPARED, type Sql } from '../db/database';
import type { UpdateSigner } from '../signing';

/** Who is acting: the authenticated principal of a request, or the GCC itself. */
export interface Principal {
  role: 'admin' | 'ci' | 'approver' | 'agent';
  clientId?: string;
  name: string;
  /** The stored token's id (`whoami`); absent for the configured admin/CI secrets and host-authenticated callers. */
  tokenId?: string;
  /** When the stored token expires, if it does (`whoami`). */
  expiresAt?: Date;
}

/** The channel every GCC replica listens on for cache invalidation. */
export const EVENTS_CHANNEL = 'gcc_events';

/**
 * The strategy of deployments that name none: `immediate` the planner's `immediateStrategy` (every approval
 * released as it comes), `worker` its `defaultStrategy` (canary and growing batches). The rollout worker
 * (`createWorker`) releases approved tasks under either.
 */
export type Orchestration = 'immediate' | 'worker';

/** The channel a deployment id is sent on when something the rollout worker must look at changed. */
export const WORKER_CHANNEL = 'gcc_worker';

/** What the services share. */
export interface ServiceContext {
  db: Database;
  now: () => Date;
  components: ReadonlySet<string>;
  leaseSeconds: number;
  pollAfterSeconds: number;
  /** Drops this replica's cached agent offers at once (other replicas learn it through NOTIFY). */
  invalidateLocal(clientIds: readonly string[] | '*'): void;
  /** Which default strategy new deployments get. @default 'immediate' */
  orchestration?: Orchestration;
  /** Signs offered updates (`GccOptions.signing`). @default undefined (offers are unsigned) */
  signer?: UpdateSigner;
  /** Registries a release's image may come from (`GccOptions.allowedRegistries`). @default undefined (any) */
  allowedRegistries?: readonly string[];
  /**
   * Asks the rollout worker to look at a deployment, inside the caller's transaction (a queued job that commits
   * or rolls back with the change). @default a NOTIFY on {@link WORKER_CHANNEL}, also sent on commit only
   */
  wake?(tx: Sql, deploymentId: string, options?: WakeOptions): Promise<void>;
}

/** How urgent a wake-up is. */
export interface WakeOptions {
  /** The deployment is a rollback: its ticks are fetched before any update's. @default false */
  rollback?: boolean;
}

/** Wakes the rollout worker for a deployment inside `tx` (see {@link ServiceContext.wake}). */
export async function wakeWorker(
  ctx: ServiceContext,
  tx: Sql,
  deploymentId: string,
  options?: WakeOptions,
): Promise<void> {
  if (ctx.wake) await ctx.wake(tx, deploymentId, options);
  else await notifyWorker(tx, deploymentId);
}

/** NOTIFY on {@link WORKER_CHANNEL} inside `tx`: delivered on commit to every listening worker. */
export async function notifyWorker(tx: Sql, deploymentId: string): Promise<void> {
  await tx.query(`SELECT pg_notify('${WORKER_CHANNEL}', $1::text)`, [deploymentId], PREPARED);
}

/** `<role>:<name>`, or `system`. */
export const actorOf = (who: Principal | 'system'): string =>
  who === 'system' ? 'system' : `${who.role}:${who.name}`;
